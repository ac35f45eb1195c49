/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One service action: a set's service start, stop or monitor command, run
 * with the service environment (HBPF_SET, HBPF_SERVICE, HBPF_NODE,
 * HBPF_EPOCH), watched through its pidfd on the daemon's loop, killed at its
 * deadline, and reported once through a callback with its exit status
 * mapped to SVC_OK / SVC_FAILED / SVC_NOT_RUNNING.  The set's steps and the
 * health monitor both run their commands here; another kind of service
 * (resource agents with their own exit codes) is one more mapping here.
 */
#ifndef HBPF_SVC_H
#define HBPF_SVC_H

#include <stddef.h>
#include <stdint.h>
#include "loop.h"
#include "proc.h"

/* What an action's exit status means (svc_result). */
#define SVC_OK 0	  /* exit 0 */
#define SVC_FAILED 1	  /* any other exit, or killed (a timeout is a kill) */
#define SVC_NOT_RUNNING 2 /* exit 7 (OCF_NOT_RUNNING): the service is cleanly stopped */

#define SVC_EXIT_NOT_RUNNING 7

/* The service environment of one action. */
struct svc_env {
	const char *set;
	const char *service;
	const char *node; /* this node's name */
	uint32_t epoch;	  /* the set's epoch in the kernel */
};

/* result: SVC_*; status: the wait status in words ("exit 3", "killed by SIGKILL"). */
typedef void (*svc_done_fn)(void *arg, int result, const char *status);

struct svc_run {
	struct proc p;
	struct watch w;
	struct loop *loop;
	int running; /* started and not reaped yet */
	svc_done_fn done;
	void *arg;
	const char *set;  /* for logs */
	const char *what; /* "monitor", "step's command" ... */
};

/*
 * Run cmd for env with a deadline of timeout_ns (0 = none); done is called
 * once the command ended.  Returns 0; -errno from the spawn (nothing runs,
 * r->running is 0); or the loop's -errno when the command runs but cannot be
 * watched (r->running is 1: its deadline still kills it).
 */
int svc_start(struct svc_run *r, struct loop *loop, const char *cmd, const struct svc_env *env,
	      uint64_t timeout_ns, svc_done_fn done, void *arg, const char *what);
/* The action is running past its deadline (the caller logs, then svc_kill). */
int svc_expired(const struct svc_run *r, uint64_t now);
/* SIGKILL the action's process group; done still follows (SVC_FAILED). */
void svc_kill(struct svc_run *r);
/* A raw wait status as SVC_*. */
int svc_result(int status);
/* The environment entries for env ("NAME=value"), NULL-terminated in out. */
void svc_env_fill(const struct svc_env *env, char buf[4][64], char *out[5]);

#endif /* HBPF_SVC_H */
