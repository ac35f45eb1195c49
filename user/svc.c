// SPDX-License-Identifier: GPL-2.0-only
/* One service action: spawn with the service environment, watch, report. */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>

#include "log.h"
#include "svc.h"

int svc_result(int status)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return SVC_OK;
	if (WIFEXITED(status) && WEXITSTATUS(status) == SVC_EXIT_NOT_RUNNING)
		return SVC_NOT_RUNNING;
	return SVC_FAILED;
}

void svc_env_fill(const struct svc_env *env, char buf[4][64], char *out[5])
{
	snprintf(buf[0], 64, "HBPF_SET=%s", env->set);
	snprintf(buf[1], 64, "HBPF_SERVICE=%s", env->service);
	snprintf(buf[2], 64, "HBPF_NODE=%s", env->node);
	snprintf(buf[3], 64, "HBPF_EPOCH=%u", env->epoch);
	out[0] = buf[0];
	out[1] = buf[1];
	out[2] = buf[2];
	out[3] = buf[3];
	out[4] = NULL;
}

static void svc_watch(struct watch *w, int res)
{
	struct svc_run *r = w->arg;
	char buf[64];
	int status;

	(void)res;
	if (!r->running)
		return;
	if (proc_reap(&r->p, &status)) {
		if (loop_watch(r->loop, w))
			log_warnx("(%s) cannot re-watch the %s", r->set, r->what);
		return;
	}
	r->running = 0;
	proc_status_str(status, buf, sizeof(buf));
	r->done(r->arg, svc_result(status), buf);
}

int svc_start(struct svc_run *r, struct loop *loop, const char *cmd, const struct svc_env *env,
	      uint64_t timeout_ns, svc_done_fn done, void *arg, const char *what)
{
	char buf[4][64], *envp[5];
	int err;

	svc_env_fill(env, buf, envp);
	err = proc_spawn(&r->p, cmd, envp, timeout_ns);
	if (err)
		return err;
	r->loop = loop;
	r->running = 1;
	r->done = done;
	r->arg = arg;
	r->set = env->set;
	r->what = what;
	r->w = (struct watch){
		.fd = r->p.pidfd, .events = POLLIN, .cb = svc_watch, .arg = r, .what = what};
	return loop_watch(loop, &r->w);
}

int svc_expired(const struct svc_run *r, uint64_t now)
{
	return r->running && proc_expired(&r->p, now);
}

void svc_kill(struct svc_run *r)
{
	if (!r->running)
		return;
	proc_kill(&r->p, SIGKILL);
	/* svc_watch reaps it: a failure; no second kill at the deadline */
	r->p.deadline_ns = UINT64_MAX;
}
