// SPDX-License-Identifier: GPL-2.0-only
/*
 * Service-set state machine.  Pure: every input arrives as an argument and
 * every decision leaves as a struct fsm_action, so the whole behaviour is
 * unit-tested without a daemon (tests/unit/test_fsm.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fsm.h"

static const char *const state_names[FSM_NSTATES] = {
	[FSM_OFFLINE] = "offline",     [FSM_ACQUIRING] = "acquiring", [FSM_ONLINE] = "online",
	[FSM_RELEASING] = "releasing", [FSM_FAILED] = "failed",
};

static const char *const step_names[] = {
	[STEP_KERNEL_OWN] = "kernel-own",
	[STEP_VIP_UP] = "vip-up",
	[STEP_GARP] = "garp",
	[STEP_DG_ACQUIRE] = "dg-acquire",
	[STEP_DG_FSCK] = "dg-fsck",
	[STEP_DG_MOUNT] = "dg-mount",
	[STEP_SVC_START] = "svc-start",
	[STEP_SVC_STOP] = "svc-stop",
	[STEP_DG_UNMOUNT] = "dg-unmount",
	[STEP_DG_RELEASE] = "dg-release",
	[STEP_KERNEL_DEMOTE] = "kernel-demote",
	[STEP_VIP_DOWN] = "vip-down",
	[STEP_HANDOFF] = "handoff",
};

const char *fsm_state_name(int state)
{
	if (state < 0 || state >= FSM_NSTATES)
		return "unknown";
	return state_names[state];
}

const char *fsm_step_name(int kind)
{
	if (kind <= 0 || kind >= (int)(sizeof(step_names) / sizeof(step_names[0])))
		return "unknown";
	return step_names[kind];
}

static uint32_t low_bits(int n)
{
	return n >= 32 ? 0xffffffffu : (1u << n) - 1;
}

void fsm_init(struct fsm *m, int nsvc, int ndg, int online, uint64_t now)
{
	memset(m, 0, sizeof(*m));
	/*
	 * The done-masks are 32 bits wide and the takeover plan (3 + 3 * ndg +
	 * nsvc steps) must fit in FSM_MAX_STEPS: clamp rather than overrun.
	 */
	if (nsvc < 0)
		nsvc = 0;
	if (nsvc > 32)
		nsvc = 32;
	if (ndg < 0)
		ndg = 0;
	if (3 + 3 * ndg + nsvc > FSM_MAX_STEPS)
		ndg = (FSM_MAX_STEPS - 3 - nsvc) / 3;
	m->nsvc = nsvc;
	m->ndg = ndg;
	m->target = -1;
	m->state_ns = now;
	m->state = online ? FSM_ONLINE : FSM_OFFLINE;
	if (online) {
		/* Adopting a running set: a later release must undo all of it. */
		m->kernel_owned = 1;
		m->vip_up = 1;
		m->dg_done = low_bits(ndg);
		m->dg_mounted = low_bits(ndg);
		m->svc_started = low_bits(nsvc);
	}
}

static void plan_add(struct fsm *m, int kind, int arg)
{
	m->plan[m->nsteps].kind = (uint8_t)kind;
	m->plan[m->nsteps].arg = (uint8_t)arg;
	m->nsteps++;
}

static void set_why(struct fsm *m, const char *why, int kind)
{
	if (why)
		snprintf(m->why, sizeof(m->why), "%s", why);
	else
		snprintf(m->why, sizeof(m->why), "%s failed", fsm_step_name(kind));
}

static void enter(struct fsm *m, int state, uint64_t now)
{
	if (m->state != state)
		m->state_ns = now;
	m->state = state;
}

/* Ask the caller to run plan[cur], or report idle when the plan is done. */
static void run_cur(struct fsm *m, uint64_t now, struct fsm_action *act)
{
	if (m->cur >= m->nsteps)
		return;
	act->act = FSM_ACT_RUN;
	act->step = m->plan[m->cur];
	m->step_ns = now;
}

/*
 * kernel: the kernel already made this node the owner (takeover, handoff), so
 * a failure anywhere in the plan must demote it again.  With disk groups the
 * leases come first: only a held lease proves the previous owner gone (it may
 * be partitioned and still renewing), so the network identity moves after
 * the fence, then fsck and mount, then the services.
 */
static void start_takeover(struct fsm *m, int kernel, uint64_t now, struct fsm_action *act)
{
	int i;

	m->nsteps = 0;
	m->cur = 0;
	m->target = -1;
	m->releasing_after_failure = 0;
	m->kernel_owned = kernel ? 1 : 0;
	m->vip_up = 0;
	m->dg_done = 0;
	m->dg_mounted = 0;
	m->svc_started = 0;
	m->why[0] = '\0';
	for (i = 0; i < m->ndg; i++)
		plan_add(m, STEP_DG_ACQUIRE, i);
	plan_add(m, STEP_KERNEL_OWN, 0);
	plan_add(m, STEP_VIP_UP, 0);
	plan_add(m, STEP_GARP, 0);
	for (i = 0; i < m->ndg; i++) {
		plan_add(m, STEP_DG_FSCK, i);
		plan_add(m, STEP_DG_MOUNT, i);
	}
	for (i = 0; i < m->nsvc; i++)
		plan_add(m, STEP_SVC_START, i);
	enter(m, FSM_ACQUIRING, now);
	run_cur(m, now, act);
}

static void finish_release(struct fsm *m, uint64_t now, struct fsm_action *act);

/*
 * Build the release plan from what is actually done, so a release after a
 * partial takeover undoes exactly that.  lost: the kernel already dropped
 * ownership and a higher epoch exists elsewhere, so neither demote nor hand off.
 */
static void start_release(struct fsm *m, int target, int lost, int after_failure, uint64_t now,
			  struct fsm_action *act)
{
	int i;

	m->nsteps = 0;
	m->cur = 0;
	m->target = lost ? -1 : target;
	m->releasing_after_failure = after_failure;
	if (lost)
		m->kernel_owned = 0;
	for (i = m->nsvc - 1; i >= 0; i--)
		if (m->svc_started & (1u << i))
			plan_add(m, STEP_SVC_STOP, i);
	for (i = m->ndg - 1; i >= 0; i--)
		if (m->dg_mounted & (1u << i))
			plan_add(m, STEP_DG_UNMOUNT, i);
	if (m->kernel_owned)
		plan_add(m, STEP_KERNEL_DEMOTE, 0);
	if (m->vip_up)
		plan_add(m, STEP_VIP_DOWN, 0);
	/* The lease goes last: the next owner may import only once this node
	 * neither serves nor mounts anything of the set. */
	for (i = m->ndg - 1; i >= 0; i--)
		if (m->dg_done & (1u << i))
			plan_add(m, STEP_DG_RELEASE, i);
	if (m->target >= 0)
		plan_add(m, STEP_HANDOFF, m->target);
	enter(m, FSM_RELEASING, now);
	if (m->nsteps == 0) {
		finish_release(m, now, act);
		return;
	}
	run_cur(m, now, act);
}

/* End of a release: OFFLINE or FAILED, then start a queued ACQUIRE. */
static void finish_release(struct fsm *m, uint64_t now, struct fsm_action *act)
{
	m->cur = m->nsteps;
	m->target = -1;
	enter(m, m->releasing_after_failure ? FSM_FAILED : FSM_OFFLINE, now);
	if (m->pending == FSM_EV_ACQUIRE) {
		int kernel = m->pending_arg;

		m->pending = 0;
		m->pending_arg = 0;
		start_takeover(m, kernel, now, act);
	}
}

/* Record the running step's effect so a later release knows what to undo. */
static void mark_done(struct fsm *m, const struct fsm_stepdef *s)
{
	uint32_t bit = s->arg < 32 ? 1u << s->arg : 0;

	switch (s->kind) {
	case STEP_KERNEL_OWN:
		m->kernel_owned = 1;
		break;
	case STEP_VIP_UP:
		m->vip_up = 1;
		break;
	case STEP_DG_ACQUIRE:
		m->dg_done |= bit;
		break;
	case STEP_DG_MOUNT:
		m->dg_mounted |= bit;
		break;
	case STEP_SVC_START:
		m->svc_started |= bit;
		break;
	case STEP_SVC_STOP:
		m->svc_started &= ~bit;
		break;
	case STEP_DG_UNMOUNT:
		m->dg_mounted &= ~bit;
		break;
	case STEP_DG_RELEASE:
		m->dg_done &= ~bit;
		break;
	case STEP_KERNEL_DEMOTE:
		m->kernel_owned = 0;
		break;
	case STEP_VIP_DOWN:
		m->vip_up = 0;
		break;
	default:
		break;
	}
}

/* A step of the takeover ended (ok or not); a queued release wins over the rest. */
static void takeover_next(struct fsm *m, int failed, uint64_t now, struct fsm_action *act)
{
	int pend = m->pending, parg = m->pending_arg;

	m->pending = 0;
	m->pending_arg = 0;
	if (failed) {
		/* A queued RELEASE keeps its target; a queued LOST forbids the demote. */
		start_release(m, pend == FSM_EV_RELEASE ? parg : -1, pend == FSM_EV_LOST, 1, now,
			      act);
		return;
	}
	if (pend == FSM_EV_RELEASE || pend == FSM_EV_LOST) {
		start_release(m, pend == FSM_EV_RELEASE ? parg : -1, pend == FSM_EV_LOST, 0, now,
			      act);
		return;
	}
	m->cur++;
	if (m->cur >= m->nsteps) {
		enter(m, FSM_ONLINE, now);
		return;
	}
	run_cur(m, now, act);
}

/*
 * The stalled-storage rule: a disk group whose unmount failed is still
 * mounted here, so its lease is kept (renewed: the peers see it held and do
 * not import) and the set is handed to nobody; the release ends FAILED.
 */
static int skip_while_mounted(struct fsm *m)
{
	const struct fsm_stepdef *s = &m->plan[m->cur];

	if (!m->dg_mounted)
		return 0;
	if (s->kind == STEP_DG_RELEASE && s->arg < 32 && (m->dg_mounted & (1u << s->arg)))
		snprintf(m->why, sizeof(m->why),
			 "disk group %d still mounted: lease kept, set not handed over", s->arg);
	else if (s->kind != STEP_HANDOFF)
		return 0;
	m->releasing_after_failure = 1;
	return 1;
}

static void release_next(struct fsm *m, uint64_t now, struct fsm_action *act)
{
	m->cur++;
	while (m->cur < m->nsteps && skip_while_mounted(m))
		m->cur++;
	if (m->cur >= m->nsteps) {
		finish_release(m, now, act);
		return;
	}
	run_cur(m, now, act);
}

static int on_acquire(struct fsm *m, int kernel, uint64_t now, struct fsm_action *act)
{
	switch (m->state) {
	case FSM_OFFLINE:
	case FSM_FAILED:
		start_takeover(m, kernel, now, act);
		return 0;
	case FSM_ACQUIRING:
		/* The kernel took it meanwhile: any undo must demote it. */
		if (kernel)
			m->kernel_owned = 1;
		/* The newest command wins over a queued RELEASE; a LOST is a fact. */
		if (m->pending == FSM_EV_RELEASE) {
			m->pending = 0;
			m->pending_arg = 0;
		}
		return 0;
	case FSM_RELEASING:
		/* A queued "the kernel owns it" is a fact a later command keeps. */
		if (m->pending == FSM_EV_ACQUIRE)
			m->pending_arg |= kernel ? 1 : 0;
		else
			m->pending_arg = kernel ? 1 : 0;
		m->pending = FSM_EV_ACQUIRE;
		return 0;
	default:
		return 0;
	}
}

static int on_release(struct fsm *m, int ev, int target, uint64_t now, struct fsm_action *act)
{
	int lost = ev == FSM_EV_LOST;

	/* 0xff is the ABI's "no node" (HBPF_NODE_NONE): same as -1. */
	if (target < 0 || target >= 0xff)
		target = -1;
	switch (m->state) {
	case FSM_ONLINE:
		start_release(m, target, lost, 0, now, act);
		return 0;
	case FSM_ACQUIRING:
		/* The running step finishes first; LOST is not downgraded by a RELEASE. */
		if (m->pending != FSM_EV_LOST) {
			m->pending = ev;
			m->pending_arg = lost ? -1 : target;
		}
		return 0;
	case FSM_RELEASING:
		/* Already on the way out: drop a queued ACQUIRE, the newer word wins. */
		if (m->pending == FSM_EV_ACQUIRE) {
			m->pending = 0;
			m->pending_arg = 0;
		}
		if (lost)
			m->kernel_owned = 0;
		return 0;
	default:
		/* OFFLINE, FAILED: nothing is held. */
		return 0;
	}
}

static int on_step_end(struct fsm *m, int failed, const char *why, uint64_t now,
		       struct fsm_action *act)
{
	const struct fsm_stepdef *s;

	if ((m->state != FSM_ACQUIRING && m->state != FSM_RELEASING) || m->cur >= m->nsteps)
		return -EINVAL;
	s = &m->plan[m->cur];
	if (failed)
		set_why(m, why, s->kind);
	else
		mark_done(m, s);
	if (m->state == FSM_ACQUIRING)
		takeover_next(m, failed, now, act);
	else
		/* A failed release step is recorded; the rest must still run. */
		release_next(m, now, act);
	return 0;
}

int fsm_step(struct fsm *m, int ev, int arg, const char *why, uint64_t now, struct fsm_action *act)
{
	struct fsm_action dummy;
	int err;

	if (!act)
		act = &dummy;
	memset(act, 0, sizeof(*act));
	act->act = FSM_ACT_NONE;
	act->old_state = m->state;

	switch (ev) {
	case FSM_EV_ACQUIRE:
		err = on_acquire(m, arg, now, act);
		break;
	case FSM_EV_RELEASE:
	case FSM_EV_LOST:
		err = on_release(m, ev, arg, now, act);
		break;
	case FSM_EV_STEP_OK:
		err = on_step_end(m, 0, why, now, act);
		break;
	case FSM_EV_STEP_FAIL:
		err = on_step_end(m, 1, why, now, act);
		break;
	case FSM_EV_RESET:
		if (m->state != FSM_FAILED) {
			err = -EINVAL;
			break;
		}
		m->why[0] = '\0';
		m->pending = 0;
		m->pending_arg = 0;
		enter(m, FSM_OFFLINE, now);
		err = 0;
		break;
	default:
		err = -EINVAL;
		break;
	}
	act->new_state = m->state;
	return err;
}

int fsm_startup_decide(const struct fsm_start *st)
{
	if (st->held_elsewhere)
		return FSM_CLAIM_NO;
	if (st->resume_round ? !st->held : !st->held && !st->first_usable)
		return FSM_CLAIM_NO;
	/* Every node of the set is in sight: there is no partition to fear. */
	if (st->all_seen || st->gate == FSM_GATE_OPEN)
		return FSM_CLAIM_TAKE;
	if (st->gate == FSM_GATE_CLOSED)
		return FSM_CLAIM_REFUSE;
	return st->tb_answered ? FSM_CLAIM_TAKE : FSM_CLAIM_WAIT;
}

int fsm_tb_claim(uint64_t claim_ns, uint64_t ans_ns, uint64_t now, uint64_t confirm_ns,
		 uint64_t timeout_ns)
{
	if (ans_ns && ans_ns >= claim_ns)
		return now >= ans_ns + confirm_ns ? FSM_CLAIM_TAKE : FSM_CLAIM_WAIT;
	return now >= claim_ns + timeout_ns ? FSM_CLAIM_SILENT : FSM_CLAIM_WAIT;
}
