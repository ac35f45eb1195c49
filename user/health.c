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
#include <stdio.h>
#include <string.h>

#include "health.h"
#include "log.h"
#include "proc.h"

#define FAILBACK_PERIOD_NS 100000000ull /* check every 100 ms */

static const char *const phase_name[] = {[HEALTH_CHECK] = "monitor",
					 [HEALTH_STOP] = "restart's stop command",
					 [HEALTH_START] = "restart's start command"};

static uint64_t ms_ns(uint32_t ms)
{
	return (uint64_t)ms * 1000000ull;
}

static void health_done(void *arg, int result, const char *status);

static int health_spawn(struct health_set *hs, int i, int phase)
{
	struct setrt *s = hs->s;
	const struct hbpf_cfg_service *svc = &s->c->services[i];
	const char *cmd = phase == HEALTH_CHECK ? svc->monitor :
			  phase == HEALTH_STOP	? svc->stop :
						  svc->start;
	struct svc_env env = {.set = s->c->name,
			      .service = svc->name,
			      .node = s->x->self_name,
			      .epoch = s->x->k->sets[s->id].epoch};
	int err;

	err = svc_start(&hs->run, s->x->loop, cmd, &env, ms_ns(svc->timeout_ms), health_done, hs,
			phase_name[phase]);
	if (err && !hs->run.running)
		return err;
	hs->svc = i;
	hs->phase = phase;
	if (err)
		log_warnx("(%s) cannot watch the %s of %s", s->c->name, phase_name[phase],
			  svc->name);
	return 0;
}

/* Restarts of service i that began within its window. */
static int restarts_recent(const struct health_set *hs, int i, uint64_t now)
{
	uint64_t window = ms_ns(hs->s->c->services[i].restart_window_ms);
	int k, n = 0;

	for (k = 0; k < HBPF_MAX_RESTARTS; k++)
		n += hs->restart_ns[i][k] && now - hs->restart_ns[i][k] < window;
	return n;
}

static void policy_failover(struct health_set *hs, const char *what)
{
	struct setrt *s = hs->s;
	struct peers *p = s->x->peers;
	int to = peers_next(p, s->c, p->self);

	if (to < 0) {
		log_warnx("(%s) %s; no usable node to fail over to", s->c->name, what);
		return;
	}
	log_warnx("(%s) %s: failing over to %s", s->c->name, what, peers_name(p, to));
	set_move(s, to, "monitor failed");
}

/* The restarts of the running service ran out (what: how): the set's
 * on-failure policy decides. */
static void policy_apply(struct health_set *hs, const char *what, uint64_t now)
{
	struct setrt *s = hs->s;

	switch (s->c->on_failure) {
	case HBPF_ONFAIL_HALT:
		log_warnx("(%s) %s: on-failure halt: taking the set offline, no move", s->c->name,
			  what);
		s->trigger_ns = now;
		set_event(s, FSM_EV_RELEASE, -1, "monitor failed, on-failure halt");
		break;
	case HBPF_ONFAIL_IGNORE:
		if (hs->fail_reported) {
			log_debug("(%s) %s: ignored", s->c->name, what);
			break;
		}
		hs->fail_reported = 1;
		log_warnx("(%s) %s: on-failure ignore: keeping the set here and monitoring",
			  s->c->name, what);
		set_notify(s, "monitor failed, on-failure ignore");
		break;
	default:
		policy_failover(hs, what);
		break;
	}
}

/* The monitor of the running service failed (why: its exit status). */
static void monitor_failed(struct health_set *hs, const char *why)
{
	struct setrt *s = hs->s;
	const struct hbpf_cfg_service *svc = &s->c->services[hs->svc];
	uint64_t now = mono_now_ns();
	int i = hs->svc, n = svc->restart_max ? restarts_recent(hs, i, now) : 0;
	char what[160], win[16];

	if (n < (int)svc->restart_max) {
		log_warnx("(%s) monitor of %s failed (%s): restarting it, restart %d of %u in %s",
			  s->c->name, svc->name, why, n + 1, svc->restart_max,
			  config_fmt_ms(win, sizeof(win), svc->restart_window_ms));
		hs->restart_ns[i][hs->restart_next[i]] = now;
		hs->restart_next[i] = (uint8_t)((hs->restart_next[i] + 1) % HBPF_MAX_RESTARTS);
		if (!health_spawn(hs, i, HEALTH_STOP))
			return;
		log_warn("(%s) cannot run the stop command of %s", s->c->name, svc->name);
		/* no restart possible: the policy decides, as if they had run out */
	}
	snprintf(what, sizeof(what), "monitor of %s failed (%s) after %d restart(s)", svc->name,
		 why, n);
	policy_apply(hs, what, now);
}

/* A restart's command ended: after the stop comes the start; a failed start
 * counts as a failed monitor (the next restart or the policy). */
static void restart_step_done(struct health_set *hs, int ok, const char *why)
{
	struct setrt *s = hs->s;
	const struct hbpf_cfg_service *svc = &s->c->services[hs->svc];

	if (hs->phase == HEALTH_STOP) {
		if (!ok)
			log_warnx("(%s) stop of %s for its restart failed (%s): starting it anyway",
				  s->c->name, svc->name, why);
		if (!health_spawn(hs, hs->svc, HEALTH_START))
			return;
		log_warn("(%s) cannot run the start command of %s", s->c->name, svc->name);
		monitor_failed(hs, "start not run");
		return;
	}
	if (!ok) {
		log_warnx("(%s) start of %s for its restart failed (%s)", s->c->name, svc->name,
			  why);
		monitor_failed(hs, "restart failed");
		return;
	}
	log_info("(%s) %s restarted", s->c->name, svc->name);
}

static void health_done(void *arg, int result, const char *status)
{
	struct health_set *hs = arg;
	struct setrt *s = hs->s;
	const struct hbpf_cfg_service *svc = &s->c->services[hs->svc];
	/* A service found not running (SVC_NOT_RUNNING) is a failed monitor:
	 * the set is online here to run it. */
	int ok = result == SVC_OK;

	hs->next_ns[hs->svc] = mono_now_ns() + ms_ns(svc->monitor_interval_ms);
	if (s->m.state != FSM_ONLINE)
		return;
	if (hs->phase != HEALTH_CHECK) {
		restart_step_done(hs, ok, status);
		return;
	}
	if (ok) {
		log_debug("(%s) monitor of %s ok", s->c->name, svc->name);
		hs->fail_reported = 0;
		return;
	}
	monitor_failed(hs, status);
}

static void failback_check(struct health_set *hs, uint64_t now)
{
	struct setrt *s = hs->s;
	struct peers *p = s->x->peers;
	uint64_t hold = ms_ns(s->c->failback_after_ms);
	int i;

	/* Both the set here and the preferred node must have been steady for the
	 * hold time, so a failback never chases a node that just flapped. */
	if (s->c->failback != HBPF_FAILBACK_AUTO || now < hs->failback_check_ns ||
	    now - s->m.state_ns < hold)
		return;
	hs->failback_check_ns = now + FAILBACK_PERIOD_NS;
	for (i = 0; i < s->c->nnodes; i++) {
		int n = s->c->prio[i];
		uint64_t since;

		if (n == p->self)
			return; /* we are the most preferred usable node */
		since = peers_usable_since(p, n);
		if (!since || since >= now || now - since < hold) /* a stamp after now: just back */
			continue;
		if (!s->dampened)
			log_info("(%s) failback: %s is back and preferred (usable for %.3f s)",
				 s->c->name, peers_name(p, n), (double)(now - since) / 1e9);
		set_move(s, n, "failback");
		return;
	}
}

void health_tick(struct health *h, int id, uint64_t now)
{
	struct health_set *hs = &h->sets[id];
	struct setrt *s = hs->s;
	int i;

	if (svc_expired(&hs->run, now)) {
		log_warnx("(%s) %s of %s timed out: killing it", s->c->name, phase_name[hs->phase],
			  s->c->services[hs->svc].name);
		svc_kill(&hs->run); /* health_done follows: a failure */
	}
	if (s->m.state != FSM_ONLINE)
		return;
	failback_check(hs, now);
	if (s->m.state != FSM_ONLINE || hs->run.running)
		return;
	for (i = 0; i < s->c->nservices; i++) {
		if (!s->c->services[i].monitor[0])
			continue;
		if (!hs->next_ns[i]) {
			/* First check one interval after the set came online. */
			hs->next_ns[i] = now + ms_ns(s->c->services[i].monitor_interval_ms);
			continue;
		}
		if (now < hs->next_ns[i])
			continue;
		if (!health_spawn(hs, i, HEALTH_CHECK))
			return;
		log_warn("(%s) cannot run the monitor of %s", s->c->name, s->c->services[i].name);
		hs->next_ns[i] = now + ms_ns(s->c->services[i].monitor_interval_ms);
	}
}

void health_stop(struct health *h, int id)
{
	struct health_set *hs = &h->sets[id];

	/* Its completion still comes; its verdict no longer matters. */
	svc_kill(&hs->run);
	memset(hs->next_ns, 0, sizeof(hs->next_ns));
	hs->fail_reported = 0;
}

void health_init(struct health *h, struct setrt *sets, int nsets)
{
	int i;

	memset(h, 0, sizeof(*h));
	for (i = 0; i < nsets; i++)
		h->sets[i].s = &sets[i];
}
