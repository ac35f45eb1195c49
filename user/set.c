// SPDX-License-Identifier: GPL-2.0-only
/*
 * The set runtime: run the steps the state machine asks for, feed their
 * outcome back, and time and log every step.  The network identity is the
 * kernel's business: by the time a TAKEOVER event arrives the XDP gate
 * already answers for the set; the steps only plumb the address, re-announce
 * the VMAC and start services.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "log.h"
#include "proc.h"
#include "set.h"

#define NOTIFY_TIMEOUT_NS 30000000000ull

static void notify_done(struct watch *w, int res)
{
	struct notify_proc *np = w->arg;
	int status;

	(void)res;
	if (proc_reap(&np->p, &status) == 0)
		np->used = 0;
	else if (loop_watch(np->loop, w))
		np->used = 0;
}

static void run_notify(struct setrt *s, int old, int new, const char *why)
{
	struct set_ctx *x = s->x;
	char cmd[HBPF_CMD_MAX + 200];
	int i;

	if (!x->cfg->notify[0])
		return;
	for (i = 0; i < SET_MAX_NOTIFY && x->notify[i].used; i++)
		;
	if (i == SET_MAX_NOTIFY) {
		log_warnx("(%s) notify hook not run: %d hooks still running", s->c->name, i);
		return;
	}
	/* argv: set, old state, new state, reason; names are validated identifiers. */
	snprintf(cmd, sizeof(cmd), "%s %s %s %s '%s'", x->cfg->notify, s->c->name,
		 fsm_state_name(old), fsm_state_name(new), why ? why : "");
	if (proc_spawn(&x->notify[i].p, cmd, NULL, NOTIFY_TIMEOUT_NS)) {
		log_warn("(%s) cannot run notify hook", s->c->name);
		return;
	}
	x->notify[i].used = 1;
	x->notify[i].w = (struct watch){.fd = x->notify[i].p.pidfd,
					.events = POLLIN,
					.cb = notify_done,
					.arg = &x->notify[i],
					.what = "notify hook"};
	x->notify[i].loop = x->loop;
	if (loop_watch(x->loop, &x->notify[i].w))
		log_warnx("(%s) cannot watch the notify hook", s->c->name);
}

void set_notify(struct setrt *s, const char *why)
{
	run_notify(s, s->m.state, s->m.state, why);
}

void set_notify_tick(struct set_ctx *x, uint64_t now)
{
	int i;

	for (i = 0; i < SET_MAX_NOTIFY; i++)
		if (x->notify[i].used && proc_expired(&x->notify[i].p, now)) {
			proc_kill(&x->notify[i].p, SIGKILL);
			x->notify[i].p.deadline_ns = UINT64_MAX;
		}
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
	volatile struct hbpf_set *ks = &s->x->k->sets[s->id];
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
			  config_fmt_ms(dl, sizeof(dl), s->x->cfg->daemon_deadline_ms));
	} else {
		ks->flags &= ~HBPF_SF_DAMPENED;
		log_info("(%s) kernel takeovers no longer dampened", c->name);
	}
}

/* Every move this node takes part in counts: the ones it makes (handoffs),
 * the ones it receives (kernel takeovers, claims) and the ones it loses to a
 * higher epoch (a healed partition, a flap). */
void set_move_record(struct setrt *s, uint64_t now)
{
	s->move_ns[s->move_next] = now;
	s->move_next = (s->move_next + 1) % HBPF_MAX_DAMPEN;
	dampen_sync(s, now);
}

int set_move(struct setrt *s, int to, const char *why)
{
	const struct hbpf_cfg_set *c = s->c;
	uint64_t now = mono_now_ns(), window = (uint64_t)c->dampen_window_ms * 1000000ull;
	char buf[16];
	int n;

	n = c->dampen_moves ? moves_recent(s, now, window) : 0;
	if (c->dampen_moves && n >= (int)c->dampen_moves) {
		if (s->dampened)
			return -EBUSY; /* said once; the next refusals are the same */
		s->dampened = 1;
		dampen_sync(s, now);
		log_warnx("(%s) dampened: %s would move it to %s, but it moved %d times in the "
			  "last %s (limit %u): staying here",
			  c->name, why, peers_name(s->x->peers, to), n,
			  config_fmt_ms(buf, sizeof(buf), c->dampen_window_ms), c->dampen_moves);
		set_notify(s, "dampened");
		return -EBUSY;
	}
	log_info("(%s) moving to %s (%s); move %d of at most %u in %s", c->name,
		 peers_name(s->x->peers, to), why, n + 1, c->dampen_moves,
		 c->dampen_moves ? config_fmt_ms(buf, sizeof(buf), c->dampen_window_ms) : "-");
	set_move_record(s, now);
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
	dampen_sync(s, mono_now_ns());
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

/* ---- steps --------------------------------------------------------------- */

static void step_cmd_done(void *arg, int result, const char *status)
{
	struct setrt *s = arg;

	if (result == SVC_OK)
		set_step_done(s, 1, NULL);
	else
		set_step_done(s, 0, status);
}

static int spawn_step(struct setrt *s, const char *cmd, const struct hbpf_cfg_service *svc)
{
	struct set_ctx *x = s->x;
	struct svc_env env = {.set = s->c->name,
			      .service = svc->name,
			      .node = x->self_name,
			      .epoch = x->k->sets[s->id].epoch};

	return svc_start(&s->step, x->loop, cmd, &env, (uint64_t)svc->timeout_ms * 1000000ull,
			 step_cmd_done, s, "step's command");
}

static void vips_log(struct setrt *s, const char *what)
{
	log_debug("(%s) %s %d VIP(s), first %s", s->c->name, what, s->c->nvips,
		  inet_ntoa(s->c->vips[0].addr));
}

_Static_assert(GARP_BURST_MAX >= HBPF_MAX_SET_VIPS, "a set's VIPs fit in one GARP burst");

int set_garp(struct setrt *s)
{
	struct in_addr vips[HBPF_MAX_SET_VIPS];
	int i;

	if (!s->x->garp)
		return -ENOTCONN;
	/* One burst per set: garp checks the device's counters once around it. */
	for (i = 0; i < s->c->nvips; i++)
		vips[i] = s->c->vips[i].addr;
	return garp_send_burst(s->x->garp, vips, s->c->nvips, s->c->vmac);
}

static int vips_up(struct setrt *s)
{
	struct set_ctx *x = s->x;
	int i, err = 0;

	for (i = 0; i < s->c->nvips && !err; i++)
		err = hnl_vip_add(x->nl, x->pub_ifindex, s->c->vips[i].addr, s->c->vips[i].prefix);
	vips_log(s, "plumbed");
	return err;
}

static int vips_down(struct setrt *s)
{
	struct set_ctx *x = s->x;
	int i, err = 0;

	for (i = 0; i < s->c->nvips; i++) {
		int e = hnl_vip_del(x->nl, x->pub_ifindex, s->c->vips[i].addr);
		if (e)
			err = e;
	}
	vips_log(s, "unplumbed");
	return err;
}

/* Start step st: 0 when it finished here, 1 when it goes on (a command, a
 * disk-group operation: set_step_done follows), or -errno. */
static int step_start(struct setrt *s, const struct fsm_stepdef *st)
{
	struct set_ctx *x = s->x;
	const struct hbpf_cfg_service *svc;
	int err = 0;

	switch (st->kind) {
	case STEP_KERNEL_OWN:
		kern_set_own(x->k, s->id, x->self, 0, KERN_OWN_TAKE);
		return 0;
	case STEP_VIP_UP:
		return vips_up(s);
	case STEP_GARP:
		err = set_garp(s);
		s->garp_left = x->cfg->garp_count - 1;
		s->garp_next_ns = mono_now_ns() + (uint64_t)x->cfg->garp_spacing_ms * 1000000ull;
		return err;
	case STEP_SVC_START:
	case STEP_SVC_STOP:
		svc = &s->c->services[st->arg];
		err = spawn_step(s, st->kind == STEP_SVC_START ? svc->start : svc->stop, svc);
		return err ? err : 1;
	case STEP_KERNEL_DEMOTE:
		kern_set_drop(x->k, s->id, KERN_DROP_DEMOTE);
		s->garp_left = 0;
		return 0;
	case STEP_VIP_DOWN:
		return vips_down(s);
	case STEP_HANDOFF:
		if (s->m.target >= 0) {
			sender_handoff(x->snd, s->id, s->m.target, SET_HANDOFF_HOLD_NS);
			log_info("(%s) handed over to %s", s->c->name,
				 peers_name(x->peers, s->m.target));
		}
		return 0;
	case STEP_DG_ACQUIRE:
	case STEP_DG_FSCK:
	case STEP_DG_MOUNT:
	case STEP_DG_UNMOUNT:
	case STEP_DG_RELEASE:
		if (st->kind == STEP_DG_ACQUIRE)
			s->lease_busy = 0;
		if (!x->ops || !x->ops->dg_step)
			return -ENODEV;
		err = x->ops->dg_step(x->ops_arg, s, st->kind, st->arg);
		return err ? err : 1;
	default:
		return -EINVAL;
	}
}

/* Run one step; synchronous steps finish here, the others call set_step_done. */
static void run_step(struct setrt *s, const struct fsm_stepdef *st)
{
	char why[128];
	int err;

	s->last_step = st->kind;
	log_debug("(%s) step %s %d", s->c->name, fsm_step_name(st->kind), st->arg);
	err = step_start(s, st);
	if (err > 0)
		return;
	if (err) {
		snprintf(why, sizeof(why), "%s: %s", fsm_step_name(st->kind), strerror(-err));
		set_step_done(s, 0, why);
	} else {
		set_step_done(s, 1, NULL);
	}
}

/* The takeover failed on a lease another node holds and renews. */
static void lease_busy_failed(struct setrt *s)
{
	/* The set is fine where it is; this node just does not take it. */
	if (s->claim_from >= 0)
		log_warnx("(%s) %s is silent on every network link but still renews its disk "
			  "lease: partitioned, not dead; not taking the set",
			  s->c->name, peers_name(s->x->peers, s->claim_from));
	else
		log_info("(%s) stays with the node holding its disk lease", s->c->name);
	s->claim_from = -1;
	s->lease_busy = 0;
	set_event(s, FSM_EV_RESET, 0, NULL);
}

static void state_change(struct setrt *s, const struct fsm_action *act, uint64_t now)
{
	const struct set_ops *ops = s->x->ops;

	if (ops && ops->state_changed)
		ops->state_changed(s->x->ops_arg, s, act->old_state, act->new_state);
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
	run_notify(s, act->old_state, act->new_state,
		   act->new_state == FSM_FAILED ? s->m.why : s->reason);
	if (act->new_state == FSM_FAILED && s->lease_busy)
		lease_busy_failed(s);
}

static void apply(struct setrt *s, const struct fsm_action *act)
{
	uint64_t now = mono_now_ns();

	if (act->new_state != act->old_state)
		state_change(s, act, now);
	if (act->act == FSM_ACT_RUN) {
		s->m.step_ns = now;
		run_step(s, &act->step);
	}
}

void set_step_done(struct setrt *s, int ok, const char *why)
{
	struct fsm_action act;
	uint64_t now = mono_now_ns();

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

	if (fsm_step(&s->m, ev, arg, why, mono_now_ns(), &act) == 0)
		apply(s, &act);
}

void set_tick(struct setrt *s, uint64_t now)
{
	struct set_ctx *x = s->x;

	if (s->garp_left > 0 && now >= s->garp_next_ns) {
		if (x->k->sets[s->id].owned)
			set_garp(s);
		s->garp_left--;
		s->garp_next_ns = now + (uint64_t)x->cfg->garp_spacing_ms * 1000000ull;
	}
	dampen_tick(s, now);
	if (svc_expired(&s->step, now)) {
		log_warnx("(%s) command timed out: killing it", s->c->name);
		svc_kill(&s->step); /* its completion fails the step */
	}
}

void set_init(struct setrt *s, struct set_ctx *x, int id, uint64_t now)
{
	int online = x->k->sets[id].owned;

	s->x = x;
	s->c = &x->cfg->sets[id];
	s->id = id;
	s->claim_from = -1;
	fsm_init(&s->m, s->c->nservices, s->c->ndgs, online, now);
	if (online)
		log_info("(%s) adopted: the kernel still holds it (epoch %u)", s->c->name,
			 x->k->sets[id].epoch);
}
