/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's reactor: one io_uring on which every file descriptor the
 * daemon waits on (ring buffer, signalfd, timerfd, control socket and its
 * clients, rtnetlink, child pidfds) is polled.  A watch is a poll request whose
 * completion calls cb; multishot watches stay armed (re-armed if the kernel
 * ends them), one-shot watches fire once and may then be freed by cb.
 */
#ifndef HBPF_LOOP_H
#define HBPF_LOOP_H

#include <liburing.h>

struct watch;
typedef void (*watch_cb)(struct watch *w, int res);

struct watch {
	int fd;
	unsigned events; /* POLLIN ... */
	int multishot;
	int armed;
	watch_cb cb;
	void *arg;
	const char *what; /* for logs */
};

struct loop {
	struct io_uring ring;
	int pending; /* SQEs queued but not submitted */
};

int loop_init(struct loop *l, unsigned entries);
void loop_fini(struct loop *l);
/* Arm w (poll w->fd for w->events). */
int loop_watch(struct loop *l, struct watch *w);
/* Wait up to timeout_ms for completions and dispatch them all. */
int loop_run_once(struct loop *l, int timeout_ms);

#endif /* HBPF_LOOP_H */
