// SPDX-License-Identifier: GPL-2.0-only
/*
 * Service health and failback, for sets ONLINE on this node:
 * - each service with a monitor command runs it every `interval`; a monitor
 *   that fails (non-zero exit, or killed at its timeout) fails the set over to
 *   the next usable node, or, when there is none, is logged and retried;
 * - a set with `failback auto` goes back to a node earlier in its order once
 *   that node has been usable, and the set online here, for FAILBACK_HOLD_NS.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <bpf/bpf.h>

#include "daemon.h"
#include "log.h"

#define FAILBACK_HOLD_NS 1000000000ull	/* preferred node usable for 1 s */
#define FAILBACK_PERIOD_NS 100000000ull /* check every 100 ms */

static void monitor_failed(struct setrt *s, const char *why)
{
	struct daemon *d = s->d;
	int to = set_next_node(d, s->c, d->self);

	if (to < 0) {
		log_warnx("(%s) monitor of %s failed (%s); no usable node to fail over to",
			  s->c->name, s->c->services[s->mon_svc].name, why);
		return;
	}
	log_warnx("(%s) monitor of %s failed (%s): failing over to %s", s->c->name,
		  s->c->services[s->mon_svc].name, why, node_name(d, to));
	s->trigger_ns = kern_now_ns();
	set_event(s, FSM_EV_RELEASE, to, "monitor failed");
}

static void monitor_done(struct watch *w, int res)
{
	struct setrt *s = w->arg;
	const struct hbpf_cfg_service *svc;
	char buf[64];
	int status;

	(void)res;
	if (!s->mon_running)
		return;
	if (proc_reap(&s->mon, &status)) {
		if (loop_watch(&s->d->loop, w))
			log_warnx("(%s) cannot re-watch the monitor", s->c->name);
		return;
	}
	s->mon_running = 0;
	svc = &s->c->services[s->mon_svc];
	s->mon_next_ns[s->mon_svc] =
		kern_now_ns() + (uint64_t)svc->monitor_interval_ms * 1000000ull;
	if (s->m.state != FSM_ONLINE)
		return;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		log_debug("(%s) monitor of %s ok", s->c->name, svc->name);
		return;
	}
	monitor_failed(s, proc_status_str(status, buf, sizeof(buf)));
}

static void monitor_start(struct setrt *s, int i)
{
	const struct hbpf_cfg_service *svc = &s->c->services[i];
	struct daemon *d = s->d;
	char e1[64], e2[64], e3[64];
	char *env[] = {e1, e2, e3, NULL};

	snprintf(e1, sizeof(e1), "HBPF_SET=%s", s->c->name);
	snprintf(e2, sizeof(e2), "HBPF_SERVICE=%s", svc->name);
	snprintf(e3, sizeof(e3), "HBPF_NODE=%s", d->cfg.nodes[d->self_idx].name);
	if (proc_spawn(&s->mon, svc->monitor, env, (uint64_t)svc->timeout_ms * 1000000ull)) {
		log_warn("(%s) cannot run the monitor of %s", s->c->name, svc->name);
		s->mon_next_ns[i] = kern_now_ns() + (uint64_t)svc->monitor_interval_ms * 1000000ull;
		return;
	}
	s->mon_svc = i;
	s->mon_running = 1;
	s->mon_w = (struct watch){.fd = s->mon.pidfd,
				  .events = POLLIN,
				  .cb = monitor_done,
				  .arg = s,
				  .what = "service monitor"};
	if (loop_watch(&d->loop, &s->mon_w))
		log_warnx("(%s) cannot watch the monitor of %s", s->c->name, svc->name);
}

static void failback_check(struct setrt *s, uint64_t now)
{
	struct daemon *d = s->d;
	int i, fd = kern_map_fd(&d->k, "peers");

	/* Both the set here and the preferred node must have been steady for the
	 * hold time, so a failback never chases a node that just flapped. */
	if (s->c->failback != HBPF_FAILBACK_AUTO || now < s->failback_check_ns ||
	    now - s->m.state_ns < FAILBACK_HOLD_NS)
		return;
	s->failback_check_ns = now + FAILBACK_PERIOD_NS;
	for (i = 0; i < s->c->nnodes; i++) {
		__u32 n = s->c->prio[i];
		struct hbpf_peer p;

		if (n == d->self)
			return; /* we are the most preferred usable node */
		if (!peer_usable(d, n) || bpf_map_lookup_elem(fd, &n, &p) ||
		    now - p.state_ns < FAILBACK_HOLD_NS)
			continue;
		log_info("(%s) failback: %s is back and preferred", s->c->name, node_name(d, n));
		s->trigger_ns = now;
		set_event(s, FSM_EV_RELEASE, n, "failback");
		return;
	}
}

void health_tick(struct setrt *s, uint64_t now)
{
	int i;

	if (s->mon_running && proc_expired(&s->mon, now)) {
		log_warnx("(%s) monitor of %s timed out: killing it", s->c->name,
			  s->c->services[s->mon_svc].name);
		proc_kill(&s->mon, SIGKILL);
		s->mon.deadline_ns = UINT64_MAX; /* monitor_done reaps it and fails over */
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
			s->mon_next_ns[i] =
				now + (uint64_t)s->c->services[i].monitor_interval_ms * 1000000ull;
			continue;
		}
		if (now >= s->mon_next_ns[i]) {
			monitor_start(s, i);
			return;
		}
	}
}

void health_stop(struct setrt *s)
{
	if (s->mon_running) {
		proc_kill(&s->mon, SIGKILL);
		/* monitor_done reaps it; its verdict no longer matters. */
	}
	memset(s->mon_next_ns, 0, sizeof(s->mon_next_ns));
}
