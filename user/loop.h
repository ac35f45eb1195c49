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
struct uop;
typedef void (*watch_cb)(struct watch *w, int res);
typedef void (*uop_cb)(struct uop *op, int res);

#define LOOP_WATCH 1
#define LOOP_UOP 2

struct watch {
	int kind; /* LOOP_WATCH (set by loop_watch) */
	int fd;
	unsigned events; /* POLLIN ... */
	int multishot;
	int armed;
	watch_cb cb;
	void *arg;
	const char *what; /* for logs */
};

/* One read or write on the ring (O_DIRECT metadata and lease I/O); cb gets
 * the byte count or -errno.  The buffer must stay valid until then. */
struct uop {
	int kind; /* LOOP_UOP (set by loop_read/loop_write) */
	int busy; /* submitted, completion not yet seen */
	uop_cb cb;
	void *arg;
};

struct loop {
	struct io_uring ring;
	int pending; /* SQEs queued but not submitted */
};

int loop_init(struct loop *l, unsigned entries);
void loop_fini(struct loop *l);
/* Arm w (poll w->fd for w->events). */
int loop_watch(struct loop *l, struct watch *w);
/* Queue a read/write of len bytes at off; -EBUSY when the ring is full. */
int loop_read(struct loop *l, struct uop *op, int fd, void *buf, unsigned len, uint64_t off);
int loop_write(struct loop *l, struct uop *op, int fd, const void *buf, unsigned len, uint64_t off);
/* Wait up to timeout_ms for completions and dispatch them all. */
int loop_run_once(struct loop *l, int timeout_ms);

#endif /* HBPF_LOOP_H */
