// SPDX-License-Identifier: GPL-2.0-only
/*
 * Service health and failback, for sets ONLINE on this node:
 * - each service with a monitor command runs it every `interval`.  A monitor
 *   that fails (non-zero exit, or killed at its timeout) restarts the service
 *   (its stop, then its start command, each killed at the service timeout)
 *   while fewer than `restart N` restarts began within the window; after that
 *   the set's `on-failure` policy applies: failover (release to the next
 *   usable node, dampening permitting), halt (release with no handoff: the
 *   set goes offline and does not move) or ignore (log and notify only);
 * - a set with `failback auto` goes back to a node earlier in its order once
 *   that node has been usable, and the set online here, for `after` (1 s).
 * One command (a monitor, or one half of a restart) runs at a time per set.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "daemon.h"
#include "log.h"

#define FAILBACK_PERIOD_NS 100000000ull /* check every 100 ms */

static const char *const phase_name[] = {[HEALTH_CHECK] = "monitor",
					 [HEALTH_STOP] = "restart's stop command",
					 [HEALTH_START] = "restart's start command"};

static uint64_t ms_ns(uint32_t ms)
{
	return (uint64_t)ms * 1000000ull;
}

static void health_watch(struct watch *w, int res);

static int health_spawn(struct setrt *s, int i, int phase)
{
	const struct hbpf_cfg_service *svc = &s->c->services[i];
	const char *cmd = phase == HEALTH_CHECK ? svc->monitor :
			  phase == HEALTH_STOP	? svc->stop :
						  svc->start;
	struct daemon *d = s->d;
	char e1[64], e2[64], e3[64], e4[64];
	char *env[] = {e1, e2, e3, e4, NULL};
	int err;

	snprintf(e1, sizeof(e1), "HBPF_SET=%s", s->c->name);
	snprintf(e2, sizeof(e2), "HBPF_SERVICE=%s", svc->name);
	snprintf(e3, sizeof(e3), "HBPF_NODE=%s", d->cfg.nodes[d->self_idx].name);
	snprintf(e4, sizeof(e4), "HBPF_EPOCH=%u", d->k.sets[s->id].epoch);
	err = proc_spawn(&s->mon, cmd, env, ms_ns(svc->timeout_ms));
	if (err)
		return err;
	s->mon_svc = i;
	s->mon_phase = phase;
	s->mon_running = 1;
	s->mon_w = (struct watch){.fd = s->mon.pidfd,
				  .events = POLLIN,
				  .cb = health_watch,
				  .arg = s,
				  .what = "service health command"};
	if (loop_watch(&d->loop, &s->mon_w))
		log_warnx("(%s) cannot watch the %s of %s", s->c->name, phase_name[phase],
			  svc->name);
	return 0;
}

/* Restarts of service i that began within its window. */
static int restarts_recent(const struct setrt *s, int i, uint64_t now)
{
	uint64_t window = ms_ns(s->c->services[i].restart_window_ms);
	int k, n = 0;

	for (k = 0; k < HBPF_MAX_RESTARTS; k++)
		n += s->restart_ns[i][k] && now - s->restart_ns[i][k] < window;
	return n;
}

static void policy_failover(struct setrt *s, const char *what)
{
	struct daemon *d = s->d;
	int to = set_next_node(d, s->c, d->self);

	if (to < 0) {
		log_warnx("(%s) %s; no usable node to fail over to", s->c->name, what);
		return;
	}
	log_warnx("(%s) %s: failing over to %s", s->c->name, what, node_name(d, to));
	set_move(s, to, "monitor failed");
}

/* The monitor of the running service failed (why: its exit status). */
static void monitor_failed(struct setrt *s, const char *why)
{
	const struct hbpf_cfg_service *svc = &s->c->services[s->mon_svc];
	uint64_t now = kern_now_ns();
	int i = s->mon_svc, n = svc->restart_max ? restarts_recent(s, i, now) : 0;
	char what[160], win[16];

	if (n < (int)svc->restart_max) {
		log_warnx("(%s) monitor of %s failed (%s): restarting it, restart %d of %u in %s",
			  s->c->name, svc->name, why, n + 1, svc->restart_max,
			  config_fmt_ms(win, sizeof(win), svc->restart_window_ms));
		s->restart_ns[i][s->restart_next[i]] = now;
		s->restart_next[i] = (uint8_t)((s->restart_next[i] + 1) % HBPF_MAX_RESTARTS);
		if (!health_spawn(s, i, HEALTH_STOP))
			return;
		log_warn("(%s) cannot run the stop command of %s", s->c->name, svc->name);
		/* no restart possible: the policy decides, as if they had run out */
	}
	snprintf(what, sizeof(what), "monitor of %s failed (%s) after %d restart(s)", svc->name,
		 why, n);
	switch (s->c->on_failure) {
	case HBPF_ONFAIL_HALT:
		log_warnx("(%s) %s: on-failure halt: taking the set offline, no move", s->c->name,
			  what);
		s->trigger_ns = now;
		set_event(s, FSM_EV_RELEASE, -1, "monitor failed, on-failure halt");
		break;
	case HBPF_ONFAIL_IGNORE:
		if (s->fail_reported) {
			log_debug("(%s) %s: ignored", s->c->name, what);
			break;
		}
		s->fail_reported = 1;
		log_warnx("(%s) %s: on-failure ignore: keeping the set here and monitoring",
			  s->c->name, what);
		set_notify(s, "monitor failed, on-failure ignore");
		break;
	default:
		policy_failover(s, what);
		break;
	}
}

/* A restart's command ended: after the stop comes the start; a failed start
 * counts as a failed monitor (the next restart or the policy). */
static void restart_step_done(struct setrt *s, int ok, const char *why)
{
	const struct hbpf_cfg_service *svc = &s->c->services[s->mon_svc];

	if (s->mon_phase == HEALTH_STOP) {
		if (!ok)
			log_warnx("(%s) stop of %s for its restart failed (%s): starting it anyway",
				  s->c->name, svc->name, why);
		if (!health_spawn(s, s->mon_svc, HEALTH_START))
			return;
		log_warn("(%s) cannot run the start command of %s", s->c->name, svc->name);
		monitor_failed(s, "start not run");
		return;
	}
	if (!ok) {
		log_warnx("(%s) start of %s for its restart failed (%s)", s->c->name, svc->name,
			  why);
		monitor_failed(s, "restart failed");
		return;
	}
	log_info("(%s) %s restarted", s->c->name, svc->name);
}

static void health_watch(struct watch *w, int res)
{
	struct setrt *s = w->arg;
	const struct hbpf_cfg_service *svc;
	char buf[64];
	int status, ok;

	(void)res;
	if (!s->mon_running)
		return;
	if (proc_reap(&s->mon, &status)) {
		if (loop_watch(&s->d->loop, w))
			log_warnx("(%s) cannot re-watch the %s", s->c->name,
				  phase_name[s->mon_phase]);
		return;
	}
	s->mon_running = 0;
	svc = &s->c->services[s->mon_svc];
	s->mon_next_ns[s->mon_svc] = kern_now_ns() + ms_ns(svc->monitor_interval_ms);
	if (s->m.state != FSM_ONLINE)
		return;
	ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	proc_status_str(status, buf, sizeof(buf));
	if (s->mon_phase != HEALTH_CHECK) {
		restart_step_done(s, ok, buf);
		return;
	}
	if (ok) {
		log_debug("(%s) monitor of %s ok", s->c->name, svc->name);
		s->fail_reported = 0;
		return;
	}
	monitor_failed(s, buf);
}

static void failback_check(struct setrt *s, uint64_t now)
{
	struct daemon *d = s->d;
	uint64_t hold = ms_ns(s->c->failback_after_ms);
	int i;

	/* Both the set here and the preferred node must have been steady for the
	 * hold time, so a failback never chases a node that just flapped. */
	if (s->c->failback != HBPF_FAILBACK_AUTO || now < s->failback_check_ns ||
	    now - s->m.state_ns < hold)
		return;
	s->failback_check_ns = now + FAILBACK_PERIOD_NS;
	for (i = 0; i < s->c->nnodes; i++) {
		__u32 n = s->c->prio[i];
		uint64_t since;

		if (n == d->self)
			return; /* we are the most preferred usable node */
		since = node_usable_since(d, n);
		if (!since || since >= now || now - since < hold) /* a stamp after now: just back */
			continue;
		if (!s->dampened)
			log_info("(%s) failback: %s is back and preferred (usable for %.3f s)",
				 s->c->name, node_name(d, n), (double)(now - since) / 1e9);
		set_move(s, n, "failback");
		return;
	}
}

void health_tick(struct setrt *s, uint64_t now)
{
	int i;

	if (s->mon_running && proc_expired(&s->mon, now)) {
		log_warnx("(%s) %s of %s timed out: killing it", s->c->name,
			  phase_name[s->mon_phase], s->c->services[s->mon_svc].name);
		proc_kill(&s->mon, SIGKILL);
		s->mon.deadline_ns = UINT64_MAX; /* health_watch reaps it: a failure */
	}
	if (s->m.state != FSM_ONLINE)
		return;
	failback_check(s, now);
	if (s->m.state != FSM_ONLINE || s->mon_running)
		return;
	for (i = 0; i < s->c->nservices; i++) {
		if (!s->c->services[i].monitor[0])
			continue;
		if (!s->mon_next_ns[i]) {
			/* First check one interval after the set came online. */
			s->mon_next_ns[i] = now + ms_ns(s->c->services[i].monitor_interval_ms);
			continue;
		}
		if (now < s->mon_next_ns[i])
			continue;
		if (!health_spawn(s, i, HEALTH_CHECK))
			return;
		log_warn("(%s) cannot run the monitor of %s", s->c->name, s->c->services[i].name);
		s->mon_next_ns[i] = now + ms_ns(s->c->services[i].monitor_interval_ms);
	}
}

void health_stop(struct setrt *s)
{
	if (s->mon_running) {
		proc_kill(&s->mon, SIGKILL);
		/* health_watch reaps it; its verdict no longer matters. */
	}
	memset(s->mon_next_ns, 0, sizeof(s->mon_next_ns));
	s->fail_reported = 0;
}
