// SPDX-License-Identifier: GPL-2.0-only
/*
 * hbpfd's set logic: run the steps the state machine asks for, turn kernel
 * events, control requests and link changes into machine events, and time
 * and log every step.  The network identity is the kernel's business: by the
 * time a TAKEOVER event arrives the XDP gate already answers for the set; the
 * daemon only plumbs the address, re-announces the VMAC and starts services.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "daemon.h"
#include "log.h"
#include "margin.h"

#define HANDOFF_HOLD_NS 2000000000ull /* how long a handoff/move is announced */
#define USABLE_PERIOD_NS 20000000ull  /* how often node usability is sampled */

const char *node_name(struct daemon *d, int id)
{
	const struct hbpf_cfg_node *n = hbpf_config_node_by_id(&d->cfg, id);

	return n ? n->name : "-";
}

static int peer_state(struct daemon *d, int id, struct hbpf_peer *p)
{
	__u32 key = id;
	int fd = kern_map_fd(&d->k, "peers");

	memset(p, 0, sizeof(*p));
	if (id == d->self)
		return HBPF_PEER_ALIVE;
	if (fd < 0 || bpf_map_lookup_elem(fd, &key, p))
		return HBPF_PEER_UNKNOWN;
	return p->state;
}

int peer_usable(struct daemon *d, int id)
{
	struct hbpf_peer p;

	if (id == d->self)
		return d->pub_carrier;
	return peer_state(d, id, &p) == HBPF_PEER_ALIVE && (p.flags & HBPF_WF_DAEMON_UP) &&
	       (p.flags & HBPF_WF_PUBLIC_UP) && !(p.flags & HBPF_WF_SHUTDOWN);
}

int set_next_node(struct daemon *d, const struct hbpf_cfg_set *c, int skip)
{
	int i;

	for (i = 0; i < c->nnodes; i++) {
		if (c->prio[i] == skip)
			continue;
		if (peer_usable(d, c->prio[i]))
			return c->prio[i];
	}
	return -1;
}

static void notify_done(struct watch *w, int res)
{
	struct notify_proc *np = w->arg;
	int status;

	(void)res;
	if (proc_reap(&np->p, &status) == 0)
		np->used = 0;
	else if (loop_watch(&np->d->loop, w))
		np->used = 0;
}

static void run_notify(struct daemon *d, struct setrt *s, int old, int new, const char *why)
{
	char cmd[HBPF_CMD_MAX + 200];
	int i;

	if (!d->cfg.notify[0])
		return;
	for (i = 0; i < DAEMON_MAX_NOTIFY && d->notify[i].used; i++)
		;
	if (i == DAEMON_MAX_NOTIFY) {
		log_warnx("(%s) notify hook not run: %d hooks still running", s->c->name, i);
		return;
	}
	/* argv: set, old state, new state, reason; names are validated identifiers. */
	snprintf(cmd, sizeof(cmd), "%s %s %s %s '%s'", d->cfg.notify, s->c->name,
		 fsm_state_name(old), fsm_state_name(new), why ? why : "");
	if (proc_spawn(&d->notify[i].p, cmd, NULL, 30000000000ull)) {
		log_warn("(%s) cannot run notify hook", s->c->name);
		return;
	}
	d->notify[i].used = 1;
	d->notify[i].w = (struct watch){.fd = d->notify[i].p.pidfd,
					.events = POLLIN,
					.cb = notify_done,
					.arg = &d->notify[i],
					.what = "notify hook"};
	d->notify[i].d = d;
	if (loop_watch(&d->loop, &d->notify[i].w))
		log_warnx("(%s) cannot watch the notify hook", s->c->name);
}

void set_notify(struct setrt *s, const char *why)
{
	run_notify(s->d, s, s->m.state, s->m.state, why);
}

/* ---- dampening ----------------------------------------------------------- */

/* Moves of s within the last window_ns. */
static int moves_recent(const struct setrt *s, uint64_t now, uint64_t window_ns)
{
	int i, n = 0;

	for (i = 0; i < HBPF_MAX_DAMPEN; i++)
		n += s->move_ns[i] && now - s->move_ns[i] < window_ns;
	return n;
}

/*
 * The kernel's half of dampening: while the set has moved dampen-count times
 * within the window (or a move was refused), HBPF_SF_DAMPENED makes the
 * kernel leave a lost peer's set to the daemon, which takes it only once the
 * peer stayed silent for the daemon deadline (claim.c): a flapping path (a
 * loaded or descheduled VM, a lossy link) no longer moves the set on every
 * short silence, and a real death still moves it.  The daemon is the only
 * writer of sets[].flags; the kernel only reads them.
 */
static void dampen_sync(struct setrt *s, uint64_t now)
{
	const struct hbpf_cfg_set *c = s->c;
	volatile struct hbpf_set *ks = &s->d->k.sets[s->id];
	uint64_t window = (uint64_t)c->dampen_window_ms * 1000000ull;
	int n = c->dampen_moves ? moves_recent(s, now, window) : 0;
	int want = s->dampened || (c->dampen_moves && n >= (int)c->dampen_moves);
	char buf[16], dl[16];

	if (want == !!(ks->flags & HBPF_SF_DAMPENED))
		return;
	if (want) {
		ks->flags |= HBPF_SF_DAMPENED;
		log_warnx("(%s) moved %d times in the last %s (limit %u): dampened; a lost peer's "
			  "set is taken only after nobody held it for %s",
			  c->name, n, config_fmt_ms(buf, sizeof(buf), c->dampen_window_ms),
			  c->dampen_moves,
			  config_fmt_ms(dl, sizeof(dl), s->d->cfg.daemon_deadline_ms));
	} else {
		ks->flags &= ~HBPF_SF_DAMPENED;
		log_info("(%s) kernel takeovers no longer dampened", c->name);
	}
}

/* Every move this node takes part in counts: the ones it makes (handoffs),
 * the ones it receives (kernel takeovers, claims) and the ones it loses to a
 * higher epoch (a healed partition, a flap). */
void move_record(struct setrt *s, uint64_t now)
{
	s->move_ns[s->move_next] = now;
	s->move_next = (s->move_next + 1) % HBPF_MAX_DAMPEN;
	dampen_sync(s, now);
}

int set_move(struct setrt *s, int to, const char *why)
{
	const struct hbpf_cfg_set *c = s->c;
	uint64_t now = kern_now_ns(), window = (uint64_t)c->dampen_window_ms * 1000000ull;
	char buf[16];
	int n;

	n = c->dampen_moves ? moves_recent(s, now, window) : 0;
	if (c->dampen_moves && n >= (int)c->dampen_moves) {
		if (s->dampened)
			return -EBUSY; /* said once; the next refusals are the same */
		s->dampened = 1;
		s->dampened_ns = now;
		dampen_sync(s, now);
		log_warnx("(%s) dampened: %s would move it to %s, but it moved %d times in the "
			  "last %s (limit %u): staying here",
			  c->name, why, node_name(s->d, to), n,
			  config_fmt_ms(buf, sizeof(buf), c->dampen_window_ms), c->dampen_moves);
		set_notify(s, "dampened");
		return -EBUSY;
	}
	log_info("(%s) moving to %s (%s); move %d of at most %u in %s", c->name,
		 node_name(s->d, to), why, n + 1, c->dampen_moves,
		 c->dampen_moves ? config_fmt_ms(buf, sizeof(buf), c->dampen_window_ms) : "-");
	move_record(s, now);
	s->trigger_ns = now;
	set_event(s, FSM_EV_RELEASE, to, why);
	return 0;
}

void set_undampen(struct setrt *s, const char *why)
{
	memset(s->move_ns, 0, sizeof(s->move_ns));
	s->move_next = 0;
	if (s->dampened) {
		s->dampened = 0;
		log_info("(%s) no longer dampened (%s)", s->c->name, why);
	}
	dampen_sync(s, kern_now_ns());
}

/* A dampened set is released once it has not moved for a whole window. */
static void dampen_tick(struct setrt *s, uint64_t now)
{
	char buf[16];

	if (s->dampened && !moves_recent(s, now, (uint64_t)s->c->dampen_window_ms * 1000000ull)) {
		s->dampened = 0;
		log_info("(%s) no longer dampened: no move in the last %s", s->c->name,
			 config_fmt_ms(buf, sizeof(buf), s->c->dampen_window_ms));
	}
	dampen_sync(s, now);
}

uint64_t node_usable_since(struct daemon *d, int id)
{
	struct hbpf_peer p;
	uint64_t since;

	if (id < 0 || id >= HBPF_MAX_NODES || !d->usable_ns[id] || !peer_usable(d, id))
		return 0;
	since = d->usable_ns[id];
	/* A flap between two samples: the kernel knows when the peer came back. */
	if (id != d->self && peer_state(d, id, &p) == HBPF_PEER_ALIVE && p.state_ns > since)
		since = p.state_ns;
	return since;
}

/* Sample every node's usability, so failback can ask "usable for how long". */
static void usable_tick(struct daemon *d, uint64_t now)
{
	int i;

	if (now < d->usable_check_ns)
		return;
	d->usable_check_ns = now + USABLE_PERIOD_NS;
	for (i = 0; i < d->cfg.nnodes; i++) {
		int id = d->cfg.nodes[i].id;

		if (!peer_usable(d, id))
			d->usable_ns[id] = 0;
		else if (!d->usable_ns[id])
			d->usable_ns[id] = now;
	}
}

#define MARGIN_FIRST_NS (2ull * 1000000000ull)	/* first look, after start */
#define MARGIN_PERIOD_NS (5ull * 1000000000ull) /* then every so often */

/* Judge every link this node hears against the timers; log each change. */
static void margin_tick(struct daemon *d, uint64_t now)
{
	uint64_t interval = (uint64_t)d->cfg.interval_ms * 1000000ull;
	int fd = kern_map_fd(&d->k, "links"), i, l;
	char buf[320];

	if (!d->margin_check_ns)
		d->margin_check_ns = now + MARGIN_FIRST_NS;
	if (now < d->margin_check_ns || fd < 0)
		return;
	d->margin_check_ns = now + MARGIN_PERIOD_NS;
	for (i = 0; i < d->cfg.nnodes; i++) {
		int id = d->cfg.nodes[i].id;

		if (id == d->self)
			continue;
		for (l = 0; l < d->cfg.nlinks; l++) {
			__u32 key = (__u32)(id * HBPF_MAX_LINKS + l);
			uint64_t bit = 1ull << key;
			struct hbpf_link lnk;
			struct margin m;

			if (bpf_map_lookup_elem(fd, &key, &lnk) || !lnk.rx || !lnk.echo_rx ||
			    !margin_fresh(now, lnk.last_seen_ns))
				continue;
			margin_judge(interval, d->cfg.detect_mult, lnk.rtt_avg_ns, lnk.jitter_ns,
				     &m);
			if (m.tight == !!(d->margin_tight & bit))
				continue;
			d->margin_tight ^= bit;
			margin_format(&m, lnk.rtt_avg_ns, lnk.jitter_ns, buf, sizeof(buf));
			if (m.tight)
				log_warnx("link %s to %s: %s", d->cfg.link_names[l],
					  node_name(d, id), buf);
			else
				log_info("link %s to %s: %s again", d->cfg.link_names[l],
					 node_name(d, id), buf);
		}
	}
}

static void proc_done(struct watch *w, int res)
{
	struct setrt *s = w->arg;
	char buf[64];
	int status;

	(void)res;
	if (!s->proc_running)
		return;
	if (proc_reap(&s->proc, &status)) {
		if (loop_watch(&s->d->loop, w))
			log_warnx("(%s) cannot re-watch the step's command", s->c->name);
		return;
	}
	s->proc_running = 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		set_step_done(s, 1, NULL);
		return;
	}
	proc_status_str(status, buf, sizeof(buf));
	set_step_done(s, 0, buf);
}

static int spawn_step(struct setrt *s, const char *cmd, const struct hbpf_cfg_service *svc)
{
	struct daemon *d = s->d;
	char e1[64], e2[64], e3[64], e4[64];
	char *env[] = {e1, e2, e3, e4, NULL};
	int err;

	snprintf(e1, sizeof(e1), "HBPF_SET=%s", s->c->name);
	snprintf(e2, sizeof(e2), "HBPF_SERVICE=%s", svc->name);
	snprintf(e3, sizeof(e3), "HBPF_NODE=%s", d->cfg.nodes[d->self_idx].name);
	snprintf(e4, sizeof(e4), "HBPF_EPOCH=%u", d->k.sets[s->id].epoch);
	err = proc_spawn(&s->proc, cmd, env, (uint64_t)svc->timeout_ms * 1000000ull);
	if (err)
		return err;
	s->proc_running = 1;
	s->proc_w = (struct watch){.fd = s->proc.pidfd,
				   .events = POLLIN,
				   .cb = proc_done,
				   .arg = s,
				   .what = "service command"};
	return loop_watch(&d->loop, &s->proc_w);
}

static void vips_log(struct setrt *s, const char *what)
{
	log_debug("(%s) %s %d VIP(s), first %s", s->c->name, what, s->c->nvips,
		  inet_ntoa(s->c->vips[0].addr));
}

_Static_assert(GARP_BURST_MAX >= HBPF_MAX_SET_VIPS, "a set's VIPs fit in one GARP burst");

static int do_garp(struct setrt *s)
{
	struct in_addr vips[HBPF_MAX_SET_VIPS];
	int i;

	if (!s->d->garp_ok)
		return -ENOTCONN;
	/* One burst per set: garp checks the device's counters once around it. */
	for (i = 0; i < s->c->nvips; i++)
		vips[i] = s->c->vips[i].addr;
	return garp_send_burst(&s->d->garp, vips, s->c->nvips, s->c->vmac);
}

/* Run one step; synchronous steps finish here, commands finish in proc_done. */
static void run_step(struct setrt *s, const struct fsm_stepdef *st)
{
	struct daemon *d = s->d;
	const struct hbpf_cfg_service *svc;
	char why[128];
	int i, err = 0;

	s->last_step = st->kind;
	log_debug("(%s) step %s %d", s->c->name, fsm_step_name(st->kind), st->arg);
	switch (st->kind) {
	case STEP_KERNEL_OWN:
		kern_set_own(&d->k, s->id, d->self, 0, KERN_OWN_TAKE);
		break;
	case STEP_VIP_UP:
		for (i = 0; i < s->c->nvips && !err; i++)
			err = hnl_vip_add(d->nl, d->pub_ifindex, s->c->vips[i].addr,
					  s->c->vips[i].prefix);
		vips_log(s, "plumbed");
		break;
	case STEP_GARP:
		err = do_garp(s);
		s->garp_left = d->cfg.garp_count - 1;
		s->garp_next_ns = kern_now_ns() + (uint64_t)d->cfg.garp_spacing_ms * 1000000ull;
		break;
	case STEP_SVC_START:
	case STEP_SVC_STOP:
		svc = &s->c->services[st->arg];
		err = spawn_step(s, st->kind == STEP_SVC_START ? svc->start : svc->stop, svc);
		if (!err)
			return;
		break;
	case STEP_KERNEL_DEMOTE:
		kern_set_drop(&d->k, s->id, KERN_DROP_DEMOTE);
		s->garp_left = 0;
		break;
	case STEP_VIP_DOWN:
		for (i = 0; i < s->c->nvips; i++) {
			int e = hnl_vip_del(d->nl, d->pub_ifindex, s->c->vips[i].addr);
			if (e)
				err = e;
		}
		vips_log(s, "unplumbed");
		break;
	case STEP_HANDOFF:
		if (s->m.target >= 0) {
			sender_handoff(&d->snd, s->id, s->m.target, HANDOFF_HOLD_NS);
			log_info("(%s) handed over to %s", s->c->name, node_name(d, s->m.target));
		}
		break;
	case STEP_DG_ACQUIRE:
	case STEP_DG_FSCK:
	case STEP_DG_MOUNT:
	case STEP_DG_UNMOUNT:
	case STEP_DG_RELEASE:
		if (st->kind == STEP_DG_ACQUIRE)
			s->lease_busy = 0;
		err = dgrun_step(s, st->kind, st->arg);
		if (!err)
			return; /* dgrun calls set_step_done when the operation ends */
		break;
	default:
		err = -EINVAL;
		break;
	}
	if (err) {
		snprintf(why, sizeof(why), "%s: %s", fsm_step_name(st->kind), strerror(-err));
		set_step_done(s, 0, why);
	} else {
		set_step_done(s, 1, NULL);
	}
}

static void apply(struct setrt *s, const struct fsm_action *act)
{
	struct daemon *d = s->d;
	uint64_t now = kern_now_ns();

	if (act->new_state != act->old_state) {
		if (act->old_state == FSM_ONLINE)
			health_stop(s);
		claim_state_changed(s, act->old_state, act->new_state);
		log_info("(%s) changing state to %s (from %s%s%s)", s->c->name,
			 fsm_state_name(act->new_state), fsm_state_name(act->old_state),
			 s->m.why[0] && act->new_state == FSM_FAILED ? ": " : "",
			 act->new_state == FSM_FAILED ? s->m.why : "");
		if (act->new_state == FSM_ONLINE || act->new_state == FSM_OFFLINE ||
		    act->new_state == FSM_FAILED) {
			if (s->trigger_ns)
				log_info("(%s) %s %.3f ms after the trigger", s->c->name,
					 fsm_state_name(act->new_state),
					 (double)(now - s->trigger_ns) / 1e6);
			s->trigger_ns = 0;
		}
		run_notify(d, s, act->old_state, act->new_state,
			   act->new_state == FSM_FAILED ? s->m.why : s->reason);
		if (act->new_state == FSM_FAILED && s->lease_busy) {
			/* Another node holds the disks and renews: the set is
			 * fine where it is; this node just does not take it. */
			if (s->claim_from >= 0)
				log_warnx("(%s) %s is silent on every network link but still "
					  "renews its disk lease: partitioned, not dead; not "
					  "taking the set",
					  s->c->name, node_name(d, s->claim_from));
			else
				log_info("(%s) stays with the node holding its disk lease",
					 s->c->name);
			s->claim_from = -1;
			s->lease_busy = 0;
			set_event(s, FSM_EV_RESET, 0, NULL);
		}
	}
	if (act->act == FSM_ACT_RUN) {
		s->m.step_ns = now;
		run_step(s, &act->step);
	}
}

void set_step_done(struct setrt *s, int ok, const char *why)
{
	struct fsm_action act;
	uint64_t now = kern_now_ns();

	s->last_step_us = (now - s->m.step_ns) / 1000;
	if (ok)
		log_info("(%s) step %s done in %.3f ms", s->c->name, fsm_step_name(s->last_step),
			 (double)(now - s->m.step_ns) / 1e6);
	else
		log_warnx("(%s) step %s failed after %.3f ms: %s", s->c->name,
			  fsm_step_name(s->last_step), (double)(now - s->m.step_ns) / 1e6,
			  why ? why : "?");
	if (fsm_step(&s->m, ok ? FSM_EV_STEP_OK : FSM_EV_STEP_FAIL, 0, why, now, &act) == 0)
		apply(s, &act);
}

void set_event(struct setrt *s, int ev, int arg, const char *why)
{
	struct fsm_action act;

	if (why && ev != FSM_EV_STEP_OK && ev != FSM_EV_STEP_FAIL)
		snprintf(s->reason, sizeof(s->reason), "%s", why);

	if (fsm_step(&s->m, ev, arg, why, kern_now_ns(), &act) == 0)
		apply(s, &act);
}

static struct setrt *set_by_id(struct daemon *d, int id)
{
	if (id < 0 || id >= d->cfg.nsets)
		return NULL;
	return &d->sets[id];
}

void daemon_kernel_event(struct daemon *d, const struct hbpf_event *ev)
{
	struct setrt *s = set_by_id(d, ev->set);
	uint64_t now = kern_now_ns();
	double ago = ev->ts_ns && now > ev->ts_ns ? (double)(now - ev->ts_ns) / 1e6 : 0;

	switch (ev->type) {
	case HBPF_EV_PEER_UP:
		log_info("peer %s up", node_name(d, ev->node));
		break;
	case HBPF_EV_PEER_DEAD:
		log_warnx("peer %s dead: silent for %.3f ms on every link (kernel deadline; "
			  "event %.3f ms old)",
			  node_name(d, ev->node), (double)(ev->ts_ns - ev->last_seen_ns) / 1e6,
			  ago);
		break;
	case HBPF_EV_PEER_DAEMON_DEAD:
		log_warnx("peer %s: kernel alive but daemon stale or gone", node_name(d, ev->node));
		break;
	case HBPF_EV_TAKEOVER:
		if (!s)
			break;
		log_info("(%s) kernel took the set over from %s (reason %u, epoch %u), %.3f ms ago",
			 s->c->name, node_name(d, ev->node), ev->reason, ev->epoch, ago);
		if (!s->trigger_ns)
			s->trigger_ns = ev->ts_ns;
		move_record(s, now);
		set_event(s, FSM_EV_ACQUIRE, 1, "kernel takeover");
		break;
	case HBPF_EV_CLAIM:
		if (s && s->m.state == FSM_OFFLINE)
			claim_event(d, s, ev);
		break;
	case HBPF_EV_DEMOTE:
	case HBPF_EV_YIELD:
		if (!s)
			break;
		log_warnx("(%s) kernel dropped ownership (%s, epoch %u)", s->c->name,
			  ev->type == HBPF_EV_YIELD ? "higher epoch elsewhere" :
						      "own daemon stamp went stale",
			  ev->epoch);
		if (!s->trigger_ns)
			s->trigger_ns = ev->ts_ns;
		if (ev->type == HBPF_EV_YIELD)
			move_record(s, now);
		set_event(s, FSM_EV_LOST, -1, "kernel demoted");
		break;
	case HBPF_EV_MOVE_REQ:
		if (!s || s->m.state != FSM_ONLINE)
			break;
		if (!peer_usable(d, ev->node)) {
			log_warnx("(%s) move to %s requested, but %s is not usable", s->c->name,
				  node_name(d, ev->node), node_name(d, ev->node));
			break;
		}
		/* Only "hbpfctl move" run on another node sends this: an operator's
		 * move, obeyed like one given here. */
		log_info("(%s) move to %s requested by a peer", s->c->name, node_name(d, ev->node));
		set_undampen(s, "move requested");
		s->trigger_ns = now;
		set_event(s, FSM_EV_RELEASE, ev->node, "move requested");
		break;
	case HBPF_EV_STALE_ARP:
		if (s && s->m.state == FSM_ONLINE) {
			log_info("(%s) foreign ARP for an owned VIP: re-announcing", s->c->name);
			do_garp(s);
		}
		break;
	default:
		log_debug("unknown kernel event %u", ev->type);
	}
}

/*
 * End the clean restart's grace (called right after a fresh stamp).  While
 * it lasts, this node's kernel and its peers do not judge the daemon's
 * stamp; once it ends they do, at once: ended before the stamp is fresh (a
 * restart slower than the daemon deadline, program load included), the self
 * watchdog demotes this node and the peers take its sets.
 */
static void grace_end(struct daemon *d, uint64_t now)
{
	volatile struct hbpf_local *l = d->k.local;
	uint64_t until = l->restart_until_ns;

	/* The stamp is visible before the grace is gone (to the XDP program
	 * and the sender thread, on other CPUs). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	l->flags &= ~HBPF_WF_RESTARTING;
	l->restart_until_ns = 0;
	d->grace_open = 0;
	if (until > now)
		log_info("restart grace over: the liveness stamp is fresh, %.0f ms of grace unused",
			 (double)(until - now) / 1e6);
	else
		log_warnx("restart grace over: it had run out %.0f ms ago (the kernel may have "
			  "demoted this node)",
			  (double)(now - until) / 1e6);
}

void daemon_tick(struct daemon *d, uint64_t now)
{
	int i;

	d->k.local->stamp_ns = now;
	if (d->grace_open)
		grace_end(d, now);
	usable_tick(d, now);
	margin_tick(d, now);
	/* Start-up rounds (resume, then priority) and tie-breaker claims. */
	claim_tick(d, now);
	for (i = 0; i < d->cfg.nsets; i++) {
		struct setrt *s = &d->sets[i];

		if (s->garp_left > 0 && now >= s->garp_next_ns) {
			if (d->k.sets[i].owned)
				do_garp(s);
			s->garp_left--;
			s->garp_next_ns = now + (uint64_t)d->cfg.garp_spacing_ms * 1000000ull;
		}
		health_tick(s, now);
		dampen_tick(s, now);
		if (s->proc_running && proc_expired(&s->proc, now)) {
			log_warnx("(%s) command timed out: killing it", s->c->name);
			proc_kill(&s->proc, SIGKILL);
			/* proc_done reaps it and fails the step */
			s->proc.deadline_ns = UINT64_MAX;
		}
	}
	dgrun_tick(d, now);
	for (i = 0; i < DAEMON_MAX_NOTIFY; i++)
		if (d->notify[i].used && proc_expired(&d->notify[i].p, now)) {
			proc_kill(&d->notify[i].p, SIGKILL);
			d->notify[i].p.deadline_ns = UINT64_MAX;
		}
}

static struct setrt *ctl_set(struct daemon *d, const char *name, char *out, size_t len)
{
	const struct hbpf_cfg_set *c = name ? hbpf_config_set(&d->cfg, name) : NULL;

	if (!c) {
		snprintf(out, len, "error: unknown set '%s'\n", name ? name : "");
		return NULL;
	}
	return &d->sets[c->id];
}

static int ctl_move(struct daemon *d, struct setrt *s, const char *node, char *out, size_t len)
{
	const struct hbpf_cfg_node *n = node ? hbpf_config_node(&d->cfg, node) : NULL;
	volatile struct hbpf_set *ks = &d->k.sets[s->id];
	int i, listed = 0;

	if (!n) {
		snprintf(out, len, "error: unknown node '%s'\n", node ? node : "");
		return -1;
	}
	for (i = 0; i < s->c->nnodes; i++)
		listed |= s->c->prio[i] == n->id;
	if (!listed) {
		snprintf(out, len, "error: node %s is not in set %s's node list\n", n->name,
			 s->c->name);
		return -1;
	}
	if (!peer_usable(d, n->id)) {
		snprintf(out, len,
			 "error: node %s is not usable (dead, daemon down or public "
			 "link down)\n",
			 n->name);
		return -1;
	}
	if (ks->owned) {
		if (n->id == d->self) {
			snprintf(out, len, "ok %s is already on %s\n", s->c->name, n->name);
			return 0;
		}
		if (s->m.state != FSM_ONLINE) {
			snprintf(out, len, "error: %s is %s here; try again when online\n",
				 s->c->name, fsm_state_name(s->m.state));
			return -1;
		}
		set_undampen(s, "operator move");
		s->trigger_ns = kern_now_ns();
		set_event(s, FSM_EV_RELEASE, n->id, "move");
		snprintf(out, len, "ok moving %s to %s\n", s->c->name, n->name);
		return 0;
	}
	if (ks->owner == HBPF_NODE_NONE || ks->owner == d->self) {
		snprintf(out, len, "error: nobody holds %s; use acquire on %s\n", s->c->name,
			 n->name);
		return -1;
	}
	if (ks->owner == n->id) {
		snprintf(out, len, "ok %s is already on %s\n", s->c->name, n->name);
		return 0;
	}
	set_undampen(s, "operator move");
	sender_move(&d->snd, s->id, n->id, HANDOFF_HOLD_NS);
	snprintf(out, len, "ok asked %s to move %s to %s\n", node_name(d, ks->owner), s->c->name,
		 n->name);
	return 0;
}

static int ctl_sets(struct daemon *d, char *out, size_t len)
{
	size_t off = 0;
	int i;

	for (i = 0; i < d->cfg.nsets && off < len; i++) {
		struct setrt *s = &d->sets[i];
		volatile struct hbpf_set *ks = &d->k.sets[i];

		/* The flags column comes last: older readers take the first six. */
		off += snprintf(out + off, len - off, "%s %s %s %u %s %.3f %s\n", s->c->name,
				fsm_state_name(s->m.state), node_name(d, ks->owner), ks->epoch,
				s->last_step ? fsm_step_name(s->last_step) : "-",
				(double)s->last_step_us / 1000.0, s->dampened ? "dampened" : "-");
	}
	if (off < len)
		snprintf(out + off, len - off, "ok\n");
	return 0;
}

int daemon_ctl(struct daemon *d, char *line, int fd, char *out, size_t len)
{
	char *save = NULL, *cmd, *a1, *a2, *extra;
	struct setrt *s;

	cmd = strtok_r(line, " \n", &save);
	a1 = strtok_r(NULL, " \n", &save);
	a2 = strtok_r(NULL, " \n", &save);
	extra = strtok_r(NULL, " \n", &save);
	if (!cmd) {
		snprintf(out, len, "error: empty request\n");
		return -1;
	}
	if (extra) {
		snprintf(out, len, "error: too many arguments\n");
		return -1;
	}
	if (!strcmp(cmd, "dg-status") && !a1)
		return dgrun_ctl(d, cmd, NULL, NULL, fd, out, len);
	if ((!strcmp(cmd, "dg-import") || !strcmp(cmd, "dg-deport")) && a1)
		return dgrun_ctl(d, cmd, a1, a2, fd, out, len);
	if (!strcmp(cmd, "ping") && !a1) {
		snprintf(out, len, "ok pong %s\n", d->cfg.nodes[d->self_idx].name);
		return 0;
	}
	if (!strcmp(cmd, "sets") && !a1)
		return ctl_sets(d, out, len);
	if (!strcmp(cmd, "shutdown") && !a1) {
		d->stopping = 1;
		snprintf(out, len, "ok releasing sets and exiting\n");
		return 0;
	}
	if (!strcmp(cmd, "restart") && !a1) {
		d->restarting = 1;
		snprintf(out, len, "ok exiting for a restart; sets stay here\n");
		return 0;
	}
	if (!strcmp(cmd, "move") && a1 && a2) {
		s = ctl_set(d, a1, out, len);
		return s ? ctl_move(d, s, a2, out, len) : -1;
	}
	if ((!strcmp(cmd, "acquire") || !strcmp(cmd, "release") || !strcmp(cmd, "reset")) && a1 &&
	    !a2) {
		s = ctl_set(d, a1, out, len);
		if (!s)
			return -1;
		if (!strcmp(cmd, "reset")) {
			if (s->m.state != FSM_FAILED && !s->dampened) {
				snprintf(out, len, "error: %s is %s, not failed or dampened\n",
					 s->c->name, fsm_state_name(s->m.state));
				return -1;
			}
			set_undampen(s, "reset command");
			if (s->m.state == FSM_FAILED)
				set_event(s, FSM_EV_RESET, 0, NULL);
			snprintf(out, len, "ok\n");
			return 0;
		}
		if (!strcmp(cmd, "release")) {
			if (s->m.state != FSM_ONLINE && s->m.state != FSM_ACQUIRING) {
				snprintf(out, len, "error: %s is %s here\n", s->c->name,
					 fsm_state_name(s->m.state));
				return -1;
			}
			s->trigger_ns = kern_now_ns();
			set_event(s, FSM_EV_RELEASE, -1, "release command");
			snprintf(out, len, "ok releasing %s\n", s->c->name);
			return 0;
		}
		/* acquire */
		if (s->m.state == FSM_ONLINE || s->m.state == FSM_ACQUIRING) {
			snprintf(out, len, "ok %s is already %s here\n", s->c->name,
				 fsm_state_name(s->m.state));
			return 0;
		}
		{
			volatile struct hbpf_set *ks = &d->k.sets[s->id];

			if (ks->owner != HBPF_NODE_NONE && ks->owner != d->self &&
			    peer_state(d, ks->owner, &(struct hbpf_peer){0}) == HBPF_PEER_ALIVE) {
				snprintf(out, len, "error: %s is held by %s; use move\n",
					 s->c->name, node_name(d, ks->owner));
				return -1;
			}
		}
		s->trigger_ns = kern_now_ns();
		set_event(s, FSM_EV_ACQUIRE, 0, "acquire command");
		snprintf(out, len, "ok acquiring %s\n", s->c->name);
		return 0;
	}
	snprintf(out, len, "error: unknown or malformed request '%s' (see hbpfctl(8))\n", cmd);
	return -1;
}

void daemon_public_carrier(struct daemon *d, int up)
{
	int i;

	if (up == d->pub_carrier)
		return;
	d->pub_carrier = up;
	if (up)
		d->k.local->flags |= HBPF_WF_PUBLIC_UP;
	else
		d->k.local->flags &= ~HBPF_WF_PUBLIC_UP;
	log_warnx("public interface %s: carrier %s", d->cfg.nodes[d->self_idx].public_if,
		  up ? "up" : "down");
	if (up)
		return;
	for (i = 0; i < d->cfg.nsets; i++) {
		struct setrt *s = &d->sets[i];
		int to;

		if (s->m.state != FSM_ONLINE && s->m.state != FSM_ACQUIRING)
			continue;
		to = set_next_node(d, s->c, d->self);
		log_warnx("(%s) public link lost: releasing%s%s", s->c->name, to >= 0 ? " to " : "",
			  to >= 0 ? node_name(d, to) : " (no usable peer)");
		/* Not dampened: with no public link the set serves nobody here. */
		s->trigger_ns = kern_now_ns();
		if (to >= 0)
			move_record(s, s->trigger_ns);
		set_event(s, FSM_EV_RELEASE, to, "public link down");
	}
}
