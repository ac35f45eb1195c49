/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Child processes: service start/stop/monitor commands and the notify hook.
 *
 * Each command runs as "/bin/sh -c CMD" in its own process group, so a stop or
 * a timeout reaches everything the command started.  The caller gets a pidfd
 * to poll (io_uring) and reaps with proc_reap() once it is readable; nothing
 * here blocks except proc_run_sync(), which is for tools and tests.
 *
 * The daemon must not set SIGCHLD to SIG_IGN or SA_NOCLDWAIT: the children
 * would then be reaped by the kernel and their status lost.
 */
#ifndef HBPF_PROC_H
#define HBPF_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util.h" /* mono_now_ns() stamps start_ns */

struct proc {
	pid_t pid;	      /* the shell, 0 once reaped (or never started) */
	pid_t pgid;	      /* its process group; kept after the reap so that
			       * stragglers can still be killed */
	int pidfd;	      /* readable when the shell exits, -1 when closed */
	uint64_t start_ns;    /* CLOCK_MONOTONIC at spawn */
	uint64_t deadline_ns; /* start_ns + timeout, 0 = none */
};

/*
 * Start "/bin/sh -c cmd".  The child gets an empty signal mask, default
 * dispositions, stdin from /dev/null, stdout/stderr inherited, no other
 * descriptors, the daemon's environment plus extra_env ("NAME=value" entries,
 * NULL-terminated, may be NULL; they override same-named entries).
 * timeout_ns 0 means no deadline.  Returns 0 or -errno.
 */
int proc_spawn(struct proc *p, const char *cmd, char *const extra_env[], uint64_t timeout_ns);

/*
 * Collect the exit status once the pidfd is readable.  Returns 0 with the raw
 * wait status in *status (pidfd closed, pid cleared), -EAGAIN while the child
 * is still running, or -errno.
 */
int proc_reap(struct proc *p, int *status);

/* Send sig to the whole process group.  0, -ESRCH (nothing left) or -errno. */
int proc_kill(struct proc *p, int sig);

/* 1 when the child has a deadline and now_ns is past it. */
int proc_expired(const struct proc *p, uint64_t now_ns);

/* Drop the pidfd without reaping (error paths); the pid stays a zombie. */
void proc_forget(struct proc *p);

/*
 * Blocking helper for tools and tests: run cmd with env as extra_env, wait up
 * to timeout_ns (0 = no limit), on timeout SIGTERM the group, SIGKILL it one
 * second later.  Returns 0 with the wait status, -ETIMEDOUT (status still
 * set) when it had to kill, or -errno.
 */
int proc_run_sync(const char *cmd, char *const env[], uint64_t timeout_ns, int *status);

/* "exit 0", "exit 3", "killed by SIGKILL", "killed by SIGSEGV (core dumped)". */
const char *proc_status_str(int status, char *buf, size_t len);

#endif /* HBPF_PROC_H */
