// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the service-set state machine (user/fsm.c). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fsm.h"

#define S(k, a)             \
	{                   \
		STEP_##k, a \
	}
#define NSTEPS(x) ((int)(sizeof(x) / sizeof((x)[0])))

static uint64_t clk = 1000;

/* Feed an event; check the return value and the action's state fields. */
static struct fsm_action feed(struct fsm *m, int ev, int arg, const char *why, int ret)
{
	struct fsm_action a;
	int old = m->state;

	clk += 10;
	assert_int_equal(fsm_step(m, ev, arg, why, clk, &a), ret);
	assert_int_equal(a.old_state, old);
	assert_int_equal(a.new_state, m->state);
	return a;
}

static void expect_run(const struct fsm_action *a, int kind, int arg)
{
	assert_int_equal(a->act, FSM_ACT_RUN);
	if (a->step.kind != kind || a->step.arg != arg)
		fail_msg("expected step %s(%d), got %s(%d)", fsm_step_name(kind), arg,
			 fsm_step_name(a->step.kind), a->step.arg);
}

static void expect_plan(const struct fsm *m, const struct fsm_stepdef *exp, int n)
{
	int i;

	assert_int_equal(m->nsteps, n);
	for (i = 0; i < n; i++) {
		if (m->plan[i].kind != exp[i].kind || m->plan[i].arg != exp[i].arg)
			fail_msg("plan[%d]: expected %s(%d), got %s(%d)", i,
				 fsm_step_name(exp[i].kind), exp[i].arg,
				 fsm_step_name(m->plan[i].kind), m->plan[i].arg);
	}
}

/*
 * Run the current action and every following step with STEP_OK, checking that
 * the steps requested are exactly exp[] in order.  Returns the final action.
 */
static struct fsm_action run_all(struct fsm *m, struct fsm_action a, const struct fsm_stepdef *exp,
				 int n)
{
	int i;

	for (i = 0; i < n; i++) {
		expect_run(&a, exp[i].kind, exp[i].arg);
		/* each step is stamped when requested (the first maybe earlier) */
		if (i > 0)
			assert_int_equal(m->step_ns, clk);
		a = feed(m, FSM_EV_STEP_OK, 0, NULL, 0);
	}
	assert_int_equal(a.act, FSM_ACT_NONE);
	return a;
}

static const struct fsm_stepdef take_0_0[] = {S(KERNEL_OWN, 0), S(VIP_UP, 0), S(GARP, 0)};
/* With disk groups the leases come first, then the network identity. */
static const struct fsm_stepdef take_2_1[] = {
	S(DG_ACQUIRE, 0), S(KERNEL_OWN, 0), S(VIP_UP, 0),    S(GARP, 0),
	S(DG_FSCK, 0),	  S(DG_MOUNT, 0),   S(SVC_START, 0), S(SVC_START, 1),
};
static const struct fsm_stepdef rel_0_0[] = {S(KERNEL_DEMOTE, 0), S(VIP_DOWN, 0)};
/* The lease is released last, after the network identity is gone. */
static const struct fsm_stepdef rel_2_1[] = {
	S(SVC_STOP, 1),	     S(SVC_STOP, 0), S(DG_UNMOUNT, 0),
	S(KERNEL_DEMOTE, 0), S(VIP_DOWN, 0), S(DG_RELEASE, 0),
};

static void test_names(void **state)
{
	static const char *const st[] = {"offline", "acquiring", "online", "releasing", "failed"};
	static const char *const steps[] = {
		"kernel-own",	 "vip-up",    "garp",	  "dg-acquire", "dg-fsck",
		"dg-mount",	 "svc-start", "svc-stop", "dg-unmount", "dg-release",
		"kernel-demote", "vip-down",  "handoff"};
	int i;

	(void)state;
	for (i = 0; i < FSM_NSTATES; i++)
		assert_string_equal(fsm_state_name(i), st[i]);
	for (i = STEP_KERNEL_OWN; i <= STEP_HANDOFF; i++)
		assert_string_equal(fsm_step_name(i), steps[i - 1]);
	assert_string_equal(fsm_state_name(-1), "unknown");
	assert_string_equal(fsm_state_name(FSM_NSTATES), "unknown");
	assert_string_equal(fsm_step_name(0), "unknown");
	assert_string_equal(fsm_step_name(STEP_HANDOFF + 1), "unknown");
}

static void test_init(void **state)
{
	struct fsm m;

	(void)state;
	fsm_init(&m, 2, 1, 0, 42);
	assert_int_equal(m.state, FSM_OFFLINE);
	assert_int_equal(m.state_ns, 42);
	assert_int_equal(m.target, -1);
	assert_int_equal(m.pending, 0);
	assert_int_equal(m.cur, m.nsteps);
	assert_int_equal(m.kernel_owned, 0);
	assert_int_equal(m.svc_started, 0);

	/* Adopting a set the kernel owns: everything counts as done. */
	fsm_init(&m, 2, 1, 1, 43);
	assert_int_equal(m.state, FSM_ONLINE);
	assert_int_equal(m.kernel_owned, 1);
	assert_int_equal(m.vip_up, 1);
	assert_int_equal(m.dg_done, 1);
	assert_int_equal(m.dg_mounted, 1);
	assert_int_equal(m.svc_started, 3);
}

static void test_takeover_release_0svc_0dg(void **state)
{
	struct fsm_action a;
	struct fsm m;

	(void)state;
	fsm_init(&m, 0, 0, 0, clk);
	a = feed(&m, FSM_EV_ACQUIRE, 0, NULL, 0);
	assert_int_equal(m.state, FSM_ACQUIRING);
	assert_int_equal(m.state_ns, clk);
	expect_plan(&m, take_0_0, NSTEPS(take_0_0));
	a = run_all(&m, a, take_0_0, NSTEPS(take_0_0));
	assert_int_equal(a.old_state, FSM_ACQUIRING);
	assert_int_equal(a.new_state, FSM_ONLINE);
	assert_int_equal(m.kernel_owned, 1);
	assert_int_equal(m.vip_up, 1);

	a = feed(&m, FSM_EV_RELEASE, -1, NULL, 0);
	assert_int_equal(m.state, FSM_RELEASING);
	expect_plan(&m, rel_0_0, NSTEPS(rel_0_0));
	a = run_all(&m, a, rel_0_0, NSTEPS(rel_0_0));
	assert_int_equal(a.new_state, FSM_OFFLINE);
	assert_int_equal(m.kernel_owned, 0);
	assert_int_equal(m.vip_up, 0);
	assert_string_equal(m.why, "");
}

static void test_takeover_release_2svc_1dg(void **state)
{
	struct fsm_action a;
	struct fsm m;

	(void)state;
	fsm_init(&m, 2, 1, 0, clk);
	a = feed(&m, FSM_EV_ACQUIRE, 0, NULL, 0);
	/* a plain ACQUIRE: the kernel does not own the set yet */
	assert_int_equal(m.kernel_owned, 0);
	expect_plan(&m, take_2_1, NSTEPS(take_2_1));
	a = run_all(&m, a, take_2_1, NSTEPS(take_2_1));
	assert_int_equal(m.state, FSM_ONLINE);
	assert_int_equal(m.dg_done, 1);
	assert_int_equal(m.dg_mounted, 1);
	assert_int_equal(m.svc_started, 3);

	a = feed(&m, FSM_EV_RELEASE, -1, NULL, 0);
	expect_plan(&m, rel_2_1, NSTEPS(rel_2_1));
	a = run_all(&m, a, rel_2_1, NSTEPS(rel_2_1));
	assert_int_equal(m.state, FSM_OFFLINE);
	assert_int_equal(m.dg_done, 0);
	assert_int_equal(m.dg_mounted, 0);
	assert_int_equal(m.svc_started, 0);
}

/*
 * Two disk groups: every lease before the network identity, then fsck and
 * mount group by group; the release unmounts in reverse and drops the leases,
 * in reverse, only after the VIPs are down.
 */
static void test_two_disk_groups(void **state)
{
	static const struct fsm_stepdef take[] = {
		S(DG_ACQUIRE, 0), S(DG_ACQUIRE, 1), S(KERNEL_OWN, 0), S(VIP_UP, 0),
		S(GARP, 0),	  S(DG_FSCK, 0),    S(DG_MOUNT, 0),   S(DG_FSCK, 1),
		S(DG_MOUNT, 1),	  S(SVC_START, 0),
	};
	static const struct fsm_stepdef rel[] = {
		S(SVC_STOP, 0), S(DG_UNMOUNT, 1), S(DG_UNMOUNT, 0), S(KERNEL_DEMOTE, 0),
		S(VIP_DOWN, 0), S(DG_RELEASE, 1), S(DG_RELEASE, 0),
	};
	struct fsm_action a;
	struct fsm m;
	int i;

	(void)state;
	fsm_init(&m, 1, 2, 0, clk);
	a = feed(&m, FSM_EV_ACQUIRE, 0, NULL, 0);
	expect_plan(&m, take, NSTEPS(take));
	/* both leases are held before the kernel is told this node owns the set */
	for (i = 0; i < 2; i++)
		a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	expect_run(&a, STEP_KERNEL_OWN, 0);
	assert_int_equal(m.dg_done, 3);
	assert_int_equal(m.kernel_owned, 0);
	assert_int_equal(m.vip_up, 0);
	a = run_all(&m, a, take + 2, NSTEPS(take) - 2);
	assert_int_equal(m.state, FSM_ONLINE);
	assert_int_equal(m.dg_done, 3);
	assert_int_equal(m.dg_mounted, 3);
	assert_int_equal(m.svc_started, 1);

	a = feed(&m, FSM_EV_RELEASE, -1, NULL, 0);
	expect_plan(&m, rel, NSTEPS(rel));
	/* the leases are still held while the kernel and the VIPs let go */
	for (i = 0; i < 5; i++)
		a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	expect_run(&a, STEP_DG_RELEASE, 1);
	assert_int_equal(m.dg_mounted, 0);
	assert_int_equal(m.kernel_owned, 0);
	assert_int_equal(m.vip_up, 0);
	assert_int_equal(m.dg_done, 3);
	a = run_all(&m, a, rel + 5, NSTEPS(rel) - 5);
	assert_int_equal(m.state, FSM_OFFLINE);
	assert_int_equal(m.dg_done, 0);
}

static void test_handoff_only_with_target(void **state)
{
	static const struct fsm_stepdef rel[] = {S(SVC_STOP, 0), S(KERNEL_DEMOTE, 0),
						 S(VIP_DOWN, 0), S(HANDOFF, 3)};
	struct fsm_action a;
	struct fsm m;

	(void)state;
	fsm_init(&m, 1, 0, 1, clk);
	a = feed(&m, FSM_EV_RELEASE, 3, NULL, 0);
	assert_int_equal(m.target, 3);
	expect_plan(&m, rel, NSTEPS(rel));
	a = run_all(&m, a, rel, NSTEPS(rel));
	assert_int_equal(m.state, FSM_OFFLINE);
	assert_int_equal(m.target, -1);

	/* -1 and 0xff (HBPF_NODE_NONE) both mean: no handoff step. */
	fsm_init(&m, 1, 0, 1, clk);
	a = feed(&m, FSM_EV_RELEASE, -1, NULL, 0);
	assert_int_equal(m.nsteps, 3);
	assert_int_not_equal(m.plan[2].kind, STEP_HANDOFF);
	fsm_init(&m, 1, 0, 1, clk);
	a = feed(&m, FSM_EV_RELEASE, 0xff, NULL, 0);
	assert_int_equal(m.nsteps, 3);
	assert_int_equal(m.target, -1);

	/* Node 0 is a real target. */
	fsm_init(&m, 0, 0, 1, clk);
	a = feed(&m, FSM_EV_RELEASE, 0, NULL, 0);
	assert_int_equal(m.nsteps, 3);
	assert_int_equal(m.plan[2].kind, STEP_HANDOFF);
	assert_int_equal(m.plan[2].arg, 0);
}

static void test_lost(void **state)
{
	static const struct fsm_stepdef rel[] = {S(SVC_STOP, 1), S(SVC_STOP, 0), S(DG_UNMOUNT, 0),
						 S(VIP_DOWN, 0), S(DG_RELEASE, 0)};
	struct fsm_action a;
	struct fsm m;

	(void)state;
	fsm_init(&m, 2, 1, 1, clk);
	a = feed(&m, FSM_EV_LOST, 4, NULL, 0); /* a target is ignored for LOST */
	assert_int_equal(m.state, FSM_RELEASING);
	assert_int_equal(m.kernel_owned, 0);
	expect_plan(&m, rel, NSTEPS(rel));
	a = run_all(&m, a, rel, NSTEPS(rel));
	assert_int_equal(m.state, FSM_OFFLINE);

	/* LOST while OFFLINE or FAILED: no action. */
	a = feed(&m, FSM_EV_LOST, -1, NULL, 0);
	assert_int_equal(a.act, FSM_ACT_NONE);
	assert_int_equal(m.state, FSM_OFFLINE);
}

static void test_ignored_events(void **state)
{
	struct fsm_action a;
	struct fsm m;

	(void)state;
	fsm_init(&m, 1, 0, 0, clk);
	a = feed(&m, FSM_EV_RELEASE, 2, NULL, 0); /* RELEASE while OFFLINE */
	assert_int_equal(a.act, FSM_ACT_NONE);
	assert_int_equal(m.state, FSM_OFFLINE);

	a = feed(&m, FSM_EV_ACQUIRE, 0, NULL, 0);
	expect_run(&a, STEP_KERNEL_OWN, 0);
	a = feed(&m, FSM_EV_ACQUIRE, 0, NULL, 0); /* ACQUIRE while ACQUIRING */
	assert_int_equal(a.act, FSM_ACT_NONE);
	assert_int_equal(m.cur, 0);
	assert_int_equal(m.pending, 0);

	a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	assert_int_equal(m.state, FSM_ONLINE);
	a = feed(&m, FSM_EV_ACQUIRE, 0, NULL, 0); /* ACQUIRE while ONLINE */
	assert_int_equal(a.act, FSM_ACT_NONE);
	assert_int_equal(m.state, FSM_ONLINE);
}

/*
 * A takeover (ACQUIRE with arg kernel) failing at step fail_at undoes exactly
 * the steps before it, plus the kernel ownership when the kernel already held it.
 */
static void fail_case(int nsvc, int ndg, int kernel, int fail_at, const struct fsm_stepdef *undo,
		      int nundo)
{
	struct fsm_action a;
	struct fsm m;
	int i;

	fsm_init(&m, nsvc, ndg, 0, clk);
	a = feed(&m, FSM_EV_ACQUIRE, kernel, NULL, 0);
	assert_int_equal(m.kernel_owned, kernel);
	for (i = 0; i < fail_at; i++)
		a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	assert_int_equal(a.act, FSM_ACT_RUN);
	a = feed(&m, FSM_EV_STEP_FAIL, 0, "exit status 1", 0);
	assert_string_equal(m.why, "exit status 1");
	if (nundo == 0) {
		assert_int_equal(a.act, FSM_ACT_NONE);
		assert_int_equal(m.state, FSM_FAILED);
		return;
	}
	assert_int_equal(m.state, FSM_RELEASING);
	assert_int_equal(m.releasing_after_failure, 1);
	expect_plan(&m, undo, nundo);
	a = run_all(&m, a, undo, nundo);
	assert_int_equal(a.old_state, FSM_RELEASING);
	assert_int_equal(a.new_state, FSM_FAILED);
	assert_string_equal(m.why, "exit status 1");
	assert_int_equal(m.kernel_owned, 0);
	assert_int_equal(m.vip_up, 0);
	assert_int_equal(m.dg_done, 0);
	assert_int_equal(m.dg_mounted, 0);
	assert_int_equal(m.svc_started, 0);
}

static void test_failure_mid_takeover(void **state)
{
	static const struct fsm_stepdef rel0[] = {S(DG_RELEASE, 0)};
	static const struct fsm_stepdef own_rel0[] = {S(KERNEL_DEMOTE, 0), S(DG_RELEASE, 0)};
	static const struct fsm_stepdef vip_rel0[] = {S(KERNEL_DEMOTE, 0), S(VIP_DOWN, 0),
						      S(DG_RELEASE, 0)};
	static const struct fsm_stepdef mount_rel0[] = {S(DG_UNMOUNT, 0), S(KERNEL_DEMOTE, 0),
							S(VIP_DOWN, 0), S(DG_RELEASE, 0)};
	static const struct fsm_stepdef svc0_rel0[] = {S(SVC_STOP, 0), S(DG_UNMOUNT, 0),
						       S(KERNEL_DEMOTE, 0), S(VIP_DOWN, 0),
						       S(DG_RELEASE, 0)};
	static const struct fsm_stepdef own[] = {S(KERNEL_DEMOTE, 0)};
	static const struct fsm_stepdef vip[] = {S(KERNEL_DEMOTE, 0), S(VIP_DOWN, 0)};
	static const struct fsm_stepdef rel10[] = {S(DG_RELEASE, 1), S(DG_RELEASE, 0)};
	static const struct fsm_stepdef mount0_rel10[] = {S(DG_UNMOUNT, 0), S(KERNEL_DEMOTE, 0),
							  S(VIP_DOWN, 0), S(DG_RELEASE, 1),
							  S(DG_RELEASE, 0)};
	static const struct fsm_stepdef mount10_rel10[] = {
		S(DG_UNMOUNT, 1), S(DG_UNMOUNT, 0), S(KERNEL_DEMOTE, 0),
		S(VIP_DOWN, 0),	  S(DG_RELEASE, 1), S(DG_RELEASE, 0),
	};

	(void)state;
	/* 2 services, 1 disk group: take_2_1 */
	fail_case(2, 1, 0, 0, NULL, 0);	      /* dg-acquire fails: nothing to undo */
	fail_case(2, 1, 0, 1, rel0, 1);	      /* kernel-own fails */
	fail_case(2, 1, 0, 2, own_rel0, 2);   /* vip-up fails */
	fail_case(2, 1, 0, 3, vip_rel0, 3);   /* garp fails */
	fail_case(2, 1, 0, 4, vip_rel0, 3);   /* dg-fsck fails */
	fail_case(2, 1, 0, 5, vip_rel0, 3);   /* dg-mount fails */
	fail_case(2, 1, 0, 6, mount_rel0, 4); /* svc-start(0) fails */
	fail_case(2, 1, 0, 7, svc0_rel0, 5);  /* svc-start(1) fails */
	/* no disk group, no service */
	fail_case(0, 0, 0, 0, NULL, 0); /* kernel-own fails: nothing to undo */
	fail_case(0, 0, 0, 1, own, 1);	/* vip-up fails */
	fail_case(0, 0, 0, 2, vip, 2);	/* garp fails */
	/* 1 service, 2 disk groups (see test_two_disk_groups for the plan) */
	fail_case(1, 2, 0, 1, rel0, 1);		 /* dg-acquire(1) fails */
	fail_case(1, 2, 0, 2, rel10, 2);	 /* kernel-own fails */
	fail_case(1, 2, 0, 7, mount0_rel10, 5);	 /* dg-fsck(1) fails */
	fail_case(1, 2, 0, 9, mount10_rel10, 6); /* svc-start(0) fails */
}

/*
 * ACQUIRE arg 1: the kernel already made this node the owner (kernel takeover,
 * handoff).  The plan is the same, but a failure at any step, even the first,
 * must demote the kernel ownership again; the VIPs were never plumbed.
 */
static void test_kernel_acquire_failure(void **state)
{
	static const struct fsm_stepdef own[] = {S(KERNEL_DEMOTE, 0)};
	static const struct fsm_stepdef own_rel0[] = {S(KERNEL_DEMOTE, 0), S(DG_RELEASE, 0)};
	static const struct fsm_stepdef vip_rel0[] = {S(KERNEL_DEMOTE, 0), S(VIP_DOWN, 0),
						      S(DG_RELEASE, 0)};
	struct fsm_action a;
	struct fsm m;

	(void)state;
	fail_case(2, 1, 1, 0, own, 1);	    /* dg-acquire fails: demote only */
	fail_case(0, 0, 1, 0, own, 1);	    /* kernel-own fails: demote only */
	fail_case(1, 0, 1, 0, own, 1);	    /* kernel-own fails, with a service */
	fail_case(1, 2, 1, 1, own_rel0, 2); /* dg-acquire(1) fails */
	fail_case(2, 1, 1, 1, own_rel0, 2); /* kernel-own fails after the lease */
	fail_case(2, 1, 1, 2, own_rel0, 2); /* vip-up fails: as for arg 0 */
	fail_case(2, 1, 1, 3, vip_rel0, 3); /* garp fails: as for arg 0 */

	/* The plan itself does not change; a full takeover and release as for arg 0. */
	fsm_init(&m, 2, 1, 0, clk);
	a = feed(&m, FSM_EV_ACQUIRE, 1, NULL, 0);
	assert_int_equal(m.state, FSM_ACQUIRING);
	assert_int_equal(m.kernel_owned, 1);
	assert_int_equal(m.vip_up, 0);
	expect_plan(&m, take_2_1, NSTEPS(take_2_1));
	a = run_all(&m, a, take_2_1, NSTEPS(take_2_1));
	assert_int_equal(m.state, FSM_ONLINE);
	a = feed(&m, FSM_EV_RELEASE, -1, NULL, 0);
	expect_plan(&m, rel_2_1, NSTEPS(rel_2_1));
	a = run_all(&m, a, rel_2_1, NSTEPS(rel_2_1));
	assert_int_equal(m.state, FSM_OFFLINE);

	/* The flag belongs to one takeover: FAILED + ACQUIRE(0) starts without it. */
	fsm_init(&m, 0, 1, 0, clk);
	a = feed(&m, FSM_EV_ACQUIRE, 1, NULL, 0);
	expect_run(&a, STEP_DG_ACQUIRE, 0);
	a = feed(&m, FSM_EV_STEP_FAIL, 0, "lease held", 0);
	expect_run(&a, STEP_KERNEL_DEMOTE, 0);
	a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	assert_int_equal(a.act, FSM_ACT_NONE);
	assert_int_equal(m.state, FSM_FAILED);
	assert_string_equal(m.why, "lease held");
	a = feed(&m, FSM_EV_ACQUIRE, 0, NULL, 0);
	expect_run(&a, STEP_DG_ACQUIRE, 0);
	assert_int_equal(m.kernel_owned, 0);
	a = feed(&m, FSM_EV_STEP_FAIL, 0, NULL, 0);
	assert_int_equal(a.act, FSM_ACT_NONE);
	assert_int_equal(m.state, FSM_FAILED);
	assert_string_equal(m.why, "dg-acquire failed");
}

static void test_failure_default_why_and_reset(void **state)
{
	struct fsm_action a;
	struct fsm m;

	(void)state;
	fsm_init(&m, 0, 0, 0, clk);
	a = feed(&m, FSM_EV_ACQUIRE, 0, NULL, 0);
	a = feed(&m, FSM_EV_STEP_FAIL, 0, NULL, 0);
	assert_int_equal(a.act, FSM_ACT_NONE);
	assert_int_equal(a.old_state, FSM_ACQUIRING);
	assert_int_equal(a.new_state, FSM_FAILED);
	assert_string_equal(m.why, "kernel-own failed");

	/* FAILED: RELEASE and LOST do nothing, RESET clears it. */
	a = feed(&m, FSM_EV_RELEASE, -1, NULL, 0);
	assert_int_equal(a.act, FSM_ACT_NONE);
	assert_int_equal(m.state, FSM_FAILED);
	a = feed(&m, FSM_EV_RESET, 0, NULL, 0);
	assert_int_equal(a.act, FSM_ACT_NONE);
	assert_int_equal(a.new_state, FSM_OFFLINE);
	assert_int_equal(m.state_ns, clk);
	assert_string_equal(m.why, "");

	/* FAILED + ACQUIRE starts a fresh takeover. */
	a = feed(&m, FSM_EV_ACQUIRE, 0, NULL, 0);
	a = feed(&m, FSM_EV_STEP_FAIL, 0, "boom", 0);
	assert_int_equal(m.state, FSM_FAILED);
	a = feed(&m, FSM_EV_ACQUIRE, 0, NULL, 0);
	assert_int_equal(m.state, FSM_ACQUIRING);
	expect_run(&a, STEP_KERNEL_OWN, 0);
	assert_string_equal(m.why, "");
}

static void test_failure_mid_release_continues(void **state)
{
	struct fsm_action a;
	struct fsm m;
	int i;

	(void)state;
	fsm_init(&m, 2, 1, 1, clk);
	a = feed(&m, FSM_EV_RELEASE, 1, NULL, 0);
	expect_run(&a, STEP_SVC_STOP, 1);
	a = feed(&m, FSM_EV_STEP_FAIL, 0, "stop timed out", 0);
	assert_int_equal(m.state, FSM_RELEASING);
	assert_string_equal(m.why, "stop timed out");
	expect_run(&a, STEP_SVC_STOP, 0);
	a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	expect_run(&a, STEP_DG_UNMOUNT, 0);
	a = feed(&m, FSM_EV_STEP_FAIL, 0, "busy", 0);
	expect_run(&a, STEP_KERNEL_DEMOTE, 0);
	a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	expect_run(&a, STEP_VIP_DOWN, 0);
	a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	/* Still mounted (stalled storage): the lease is kept and nobody is
	 * handed the set, so no peer imports what this node has mounted. */
	assert_int_equal(a.act, FSM_ACT_NONE);
	assert_int_equal(m.state, FSM_FAILED);
	assert_string_equal(m.why, "disk group 0 still mounted: lease kept, set not handed over");
	assert_int_equal(m.svc_started, 2); /* the stop that failed */
	assert_int_equal(m.dg_mounted, 1);  /* the unmount that failed */
	assert_int_equal(m.dg_done, 1);	    /* the lease: kept */
	assert_int_equal(m.kernel_owned, 0);
	assert_int_equal(m.vip_up, 0);

	/* A failed service stop alone still hands the set over. */
	fsm_init(&m, 1, 0, 1, clk);
	a = feed(&m, FSM_EV_RELEASE, 1, NULL, 0);
	expect_run(&a, STEP_SVC_STOP, 0);
	a = feed(&m, FSM_EV_STEP_FAIL, 0, "stop timed out", 0);
	expect_run(&a, STEP_KERNEL_DEMOTE, 0);
	a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	expect_run(&a, STEP_VIP_DOWN, 0);
	a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	expect_run(&a, STEP_HANDOFF, 1);
	a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	assert_int_equal(a.act, FSM_ACT_NONE);
	/* An ordinary release ends OFFLINE even when a step failed; why stays. */
	assert_int_equal(m.state, FSM_OFFLINE);
	assert_string_equal(m.why, "stop timed out");

	/* The undo of a failed takeover also goes on past a failing step. */
	fsm_init(&m, 1, 0, 0, clk);
	a = feed(&m, FSM_EV_ACQUIRE, 0, NULL, 0);
	for (i = 0; i < 3; i++)
		a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	a = feed(&m, FSM_EV_STEP_FAIL, 0, "start failed", 0);
	expect_run(&a, STEP_KERNEL_DEMOTE, 0);
	a = feed(&m, FSM_EV_STEP_FAIL, 0, "demote failed", 0);
	expect_run(&a, STEP_VIP_DOWN, 0);
	a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	assert_int_equal(m.state, FSM_FAILED);
	assert_string_equal(m.why, "demote failed");

	/* ... and a lease that cannot be released stays recorded as held. */
	fsm_init(&m, 0, 1, 0, clk);
	a = feed(&m, FSM_EV_ACQUIRE, 0, NULL, 0);
	for (i = 0; i < 3; i++)
		a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	expect_run(&a, STEP_GARP, 0);
	a = feed(&m, FSM_EV_STEP_FAIL, 0, "no carrier", 0);
	expect_run(&a, STEP_KERNEL_DEMOTE, 0);
	a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	expect_run(&a, STEP_VIP_DOWN, 0);
	a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	expect_run(&a, STEP_DG_RELEASE, 0);
	a = feed(&m, FSM_EV_STEP_FAIL, 0, "deport failed", 0);
	assert_int_equal(a.act, FSM_ACT_NONE);
	assert_int_equal(m.state, FSM_FAILED);
	assert_string_equal(m.why, "deport failed");
	assert_int_equal(m.dg_done, 1);
}

static void test_release_queued_while_acquiring(void **state)
{
	static const struct fsm_stepdef undo[] = {S(KERNEL_DEMOTE, 0), S(VIP_DOWN, 0),
						  S(DG_RELEASE, 0), S(HANDOFF, 2)};
	static const struct fsm_stepdef undo_lease[] = {S(DG_RELEASE, 0), S(HANDOFF, 2)};
	struct fsm_action a, first;
	struct fsm m;
	int i;

	(void)state;
	fsm_init(&m, 2, 1, 0, clk);
	a = feed(&m, FSM_EV_ACQUIRE, 0, NULL, 0);
	for (i = 0; i < 3; i++)
		a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	expect_run(&a, STEP_GARP, 0);
	a = feed(&m, FSM_EV_RELEASE, 2, NULL, 0);
	assert_int_equal(a.act, FSM_ACT_NONE);
	assert_int_equal(m.state, FSM_ACQUIRING);
	assert_int_equal(m.pending, FSM_EV_RELEASE);
	assert_int_equal(m.pending_arg, 2);
	/* The running garp finishes, then the release undoes what was done. */
	a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	assert_int_equal(m.state, FSM_RELEASING);
	assert_int_equal(m.pending, 0);
	assert_int_equal(m.releasing_after_failure, 0);
	expect_plan(&m, undo, NSTEPS(undo));
	a = run_all(&m, a, undo, NSTEPS(undo));
	assert_int_equal(m.state, FSM_OFFLINE);

	/* Queued during the first dg-acquire: only the lease is undone. */
	fsm_init(&m, 2, 1, 0, clk);
	a = feed(&m, FSM_EV_ACQUIRE, 0, NULL, 0);
	expect_run(&a, STEP_DG_ACQUIRE, 0);
	a = feed(&m, FSM_EV_RELEASE, 2, NULL, 0);
	assert_int_equal(a.act, FSM_ACT_NONE);
	a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	assert_int_equal(m.state, FSM_RELEASING);
	expect_plan(&m, undo_lease, NSTEPS(undo_lease));
	a = run_all(&m, a, undo_lease, NSTEPS(undo_lease));
	assert_int_equal(m.state, FSM_OFFLINE);
	assert_int_equal(m.dg_done, 0);

	/* A newer ACQUIRE cancels the queued RELEASE. */
	fsm_init(&m, 0, 0, 0, clk);
	first = feed(&m, FSM_EV_ACQUIRE, 0, NULL, 0);
	a = feed(&m, FSM_EV_RELEASE, -1, NULL, 0);
	a = feed(&m, FSM_EV_ACQUIRE, 0, NULL, 0);
	assert_int_equal(a.act, FSM_ACT_NONE);
	assert_int_equal(m.pending, 0);
	a = run_all(&m, first, take_0_0, NSTEPS(take_0_0));
	assert_int_equal(m.state, FSM_ONLINE);

	/* Queued release + failure of the running step: undo, keep the target, FAILED. */
	fsm_init(&m, 0, 0, 0, clk);
	a = feed(&m, FSM_EV_ACQUIRE, 0, NULL, 0);
	a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	a = feed(&m, FSM_EV_RELEASE, 5, NULL, 0);
	a = feed(&m, FSM_EV_STEP_FAIL, 0, "no such device", 0);
	{
		static const struct fsm_stepdef exp[] = {S(KERNEL_DEMOTE, 0), S(HANDOFF, 5)};

		a = run_all(&m, a, exp, NSTEPS(exp));
	}
	assert_int_equal(m.state, FSM_FAILED);
	assert_string_equal(m.why, "no such device");
}

static void test_lost_queued_while_acquiring(void **state)
{
	static const struct fsm_stepdef undo[] = {S(VIP_DOWN, 0)};
	static const struct fsm_stepdef lease[] = {S(DG_RELEASE, 0)};
	struct fsm_action a;
	struct fsm m;

	(void)state;
	fsm_init(&m, 1, 0, 0, clk);
	a = feed(&m, FSM_EV_ACQUIRE, 0, NULL, 0);
	a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	expect_run(&a, STEP_VIP_UP, 0);
	a = feed(&m, FSM_EV_LOST, -1, NULL, 0);
	assert_int_equal(m.pending, FSM_EV_LOST);
	/* a later RELEASE with a target does not turn LOST back into a handoff */
	a = feed(&m, FSM_EV_RELEASE, 3, NULL, 0);
	assert_int_equal(m.pending, FSM_EV_LOST);
	a = feed(&m, FSM_EV_ACQUIRE, 0, NULL, 0);
	assert_int_equal(m.pending, FSM_EV_LOST);
	a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	assert_int_equal(m.state, FSM_RELEASING);
	expect_plan(&m, undo, NSTEPS(undo));
	a = run_all(&m, a, undo, NSTEPS(undo));
	assert_int_equal(m.state, FSM_OFFLINE);

	/* LOST drops even the ownership a kernel ACQUIRE started with: no demote. */
	fsm_init(&m, 1, 1, 0, clk);
	a = feed(&m, FSM_EV_ACQUIRE, 1, NULL, 0);
	expect_run(&a, STEP_DG_ACQUIRE, 0);
	a = feed(&m, FSM_EV_LOST, -1, NULL, 0);
	a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	assert_int_equal(m.state, FSM_RELEASING);
	assert_int_equal(m.kernel_owned, 0);
	expect_plan(&m, lease, NSTEPS(lease));
	a = run_all(&m, a, lease, NSTEPS(lease));
	assert_int_equal(m.state, FSM_OFFLINE);
}

static void test_acquire_queued_while_releasing(void **state)
{
	struct fsm_action a, first;
	struct fsm m;

	(void)state;
	fsm_init(&m, 1, 0, 1, clk);
	a = feed(&m, FSM_EV_RELEASE, -1, NULL, 0);
	expect_run(&a, STEP_SVC_STOP, 0);
	a = feed(&m, FSM_EV_ACQUIRE, 0, NULL, 0);
	assert_int_equal(a.act, FSM_ACT_NONE);
	assert_int_equal(m.pending, FSM_EV_ACQUIRE);
	assert_int_equal(m.state, FSM_RELEASING);
	a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	expect_run(&a, STEP_VIP_DOWN, 0);
	/* the release ends and the queued takeover starts in the same call */
	a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	assert_int_equal(a.old_state, FSM_RELEASING);
	assert_int_equal(a.new_state, FSM_ACQUIRING);
	expect_run(&a, STEP_KERNEL_OWN, 0);
	assert_int_equal(m.pending, 0);
	assert_int_equal(m.pending_arg, 0);
	assert_int_equal(m.vip_up, 0);
	assert_int_equal(m.kernel_owned, 0); /* a plain ACQUIRE was queued */

	/* A newer RELEASE while releasing drops the queued ACQUIRE. */
	fsm_init(&m, 0, 0, 1, clk);
	first = feed(&m, FSM_EV_RELEASE, -1, NULL, 0);
	a = feed(&m, FSM_EV_ACQUIRE, 0, NULL, 0);
	a = feed(&m, FSM_EV_RELEASE, -1, NULL, 0);
	assert_int_equal(a.act, FSM_ACT_NONE);
	assert_int_equal(m.pending, 0);
	a = run_all(&m, first, rel_0_0, NSTEPS(rel_0_0));
	assert_int_equal(m.state, FSM_OFFLINE);
}

/*
 * A kernel ACQUIRE (arg 1) queued while RELEASING keeps its arg: the release
 * runs to its end (demote included), then the takeover starts with the
 * kernel ownership recorded, so its failure demotes again.
 */
static void test_kernel_acquire_queued_while_releasing(void **state)
{
	static const struct fsm_stepdef rel[] = {S(SVC_STOP, 0), S(DG_UNMOUNT, 0),
						 S(KERNEL_DEMOTE, 0), S(VIP_DOWN, 0),
						 S(DG_RELEASE, 0)};
	static const struct fsm_stepdef take[] = {
		S(DG_ACQUIRE, 0), S(KERNEL_OWN, 0), S(VIP_UP, 0),   S(GARP, 0),
		S(DG_FSCK, 0),	  S(DG_MOUNT, 0),   S(SVC_START, 0)};
	static const struct fsm_stepdef own[] = {S(KERNEL_DEMOTE, 0)};
	static const struct fsm_stepdef undo_garp[] = {S(KERNEL_DEMOTE, 0), S(VIP_DOWN, 0),
						       S(DG_RELEASE, 0)};
	struct fsm_action a, q;
	struct fsm m;
	int i;

	(void)state;
	fsm_init(&m, 1, 1, 1, clk);
	a = feed(&m, FSM_EV_RELEASE, -1, NULL, 0);
	expect_plan(&m, rel, NSTEPS(rel));
	expect_run(&a, STEP_SVC_STOP, 0);
	q = feed(&m, FSM_EV_ACQUIRE, 1, NULL, 0);
	assert_int_equal(q.act, FSM_ACT_NONE);
	assert_int_equal(m.state, FSM_RELEASING);
	assert_int_equal(m.pending, FSM_EV_ACQUIRE);
	assert_int_equal(m.pending_arg, 1);
	/* the release plan is not changed by the queued ACQUIRE */
	expect_plan(&m, rel, NSTEPS(rel));
	for (i = 0; i < NSTEPS(rel) - 1; i++) {
		expect_run(&a, rel[i].kind, rel[i].arg);
		a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	}
	expect_run(&a, STEP_DG_RELEASE, 0);
	assert_int_equal(m.kernel_owned, 0); /* the release demoted */
	a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	assert_int_equal(a.old_state, FSM_RELEASING);
	assert_int_equal(a.new_state, FSM_ACQUIRING);
	expect_run(&a, STEP_DG_ACQUIRE, 0);
	expect_plan(&m, take, NSTEPS(take));
	assert_int_equal(m.kernel_owned, 1);
	assert_int_equal(m.pending, 0);
	assert_int_equal(m.pending_arg, 0);
	assert_int_equal(m.dg_done, 0);
	/* failing at its first step undoes exactly the kernel ownership */
	a = feed(&m, FSM_EV_STEP_FAIL, 0, "lease held", 0);
	assert_int_equal(m.state, FSM_RELEASING);
	assert_int_equal(m.releasing_after_failure, 1);
	expect_plan(&m, own, NSTEPS(own));
	a = run_all(&m, a, own, NSTEPS(own));
	assert_int_equal(a.new_state, FSM_FAILED);
	assert_string_equal(m.why, "lease held");
	assert_int_equal(m.kernel_owned, 0);

	/* Queued behind the undo of a failed takeover: FAILED, then the takeover. */
	fsm_init(&m, 0, 1, 0, clk);
	a = feed(&m, FSM_EV_ACQUIRE, 0, NULL, 0);
	for (i = 0; i < 3; i++)
		a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	expect_run(&a, STEP_GARP, 0);
	a = feed(&m, FSM_EV_STEP_FAIL, 0, "no carrier", 0);
	expect_plan(&m, undo_garp, NSTEPS(undo_garp));
	q = feed(&m, FSM_EV_ACQUIRE, 1, NULL, 0);
	assert_int_equal(q.act, FSM_ACT_NONE);
	assert_int_equal(m.pending, FSM_EV_ACQUIRE);
	assert_int_equal(m.pending_arg, 1);
	for (i = 0; i < NSTEPS(undo_garp) - 1; i++) {
		expect_run(&a, undo_garp[i].kind, undo_garp[i].arg);
		a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	}
	expect_run(&a, STEP_DG_RELEASE, 0);
	a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	assert_int_equal(a.old_state, FSM_RELEASING);
	assert_int_equal(a.new_state, FSM_ACQUIRING);
	expect_run(&a, STEP_DG_ACQUIRE, 0);
	assert_int_equal(m.kernel_owned, 1);
	assert_int_equal(m.releasing_after_failure, 0);
	assert_string_equal(m.why, "");
	/* and a failure of its kernel-own step also demotes, after the lease */
	a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	expect_run(&a, STEP_KERNEL_OWN, 0);
	a = feed(&m, FSM_EV_STEP_FAIL, 0, NULL, 0);
	{
		static const struct fsm_stepdef exp[] = {S(KERNEL_DEMOTE, 0), S(DG_RELEASE, 0)};

		expect_plan(&m, exp, NSTEPS(exp));
		a = run_all(&m, a, exp, NSTEPS(exp));
	}
	assert_int_equal(m.state, FSM_FAILED);
	assert_string_equal(m.why, "kernel-own failed");
}

/* Invalid events: -EINVAL, no action, the machine is byte-for-byte unchanged. */
static void test_invalid_events(void **state)
{
	static const struct {
		int online, acquiring, failed, ev;
	} cases[] = {
		{0, 0, 0, FSM_EV_STEP_OK}, /* offline */
		{0, 0, 0, FSM_EV_STEP_FAIL},
		{0, 0, 0, FSM_EV_RESET},
		{1, 0, 0, FSM_EV_STEP_OK}, /* online */
		{1, 0, 0, FSM_EV_STEP_FAIL},
		{1, 0, 0, FSM_EV_RESET},
		{0, 1, 0, FSM_EV_RESET},   /* acquiring */
		{0, 0, 1, FSM_EV_STEP_OK}, /* failed */
		{0, 0, 1, FSM_EV_STEP_FAIL},
		{0, 0, 0, 0}, /* unknown events */
		{1, 0, 0, 99},
		{0, 1, 0, -1},
	};
	struct fsm m, before;
	struct fsm_action a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fsm_init(&m, 1, 1, cases[i].online, clk);
		if (cases[i].acquiring)
			fsm_step(&m, FSM_EV_ACQUIRE, 0, NULL, clk, &a);
		if (cases[i].failed) {
			fsm_step(&m, FSM_EV_ACQUIRE, 0, NULL, clk, &a);
			fsm_step(&m, FSM_EV_STEP_FAIL, 0, "x", clk, &a);
			assert_int_equal(m.state, FSM_FAILED);
		}
		memcpy(&before, &m, sizeof(m));
		a.act = 77;
		assert_int_equal(fsm_step(&m, cases[i].ev, 0, "why", clk + 5, &a), -EINVAL);
		assert_int_equal(a.act, FSM_ACT_NONE);
		assert_int_equal(a.old_state, m.state);
		assert_int_equal(a.new_state, m.state);
		assert_memory_equal(&m, &before, sizeof(m));
	}
}

/* A takeover of many services still fits the plan; a NULL action is allowed. */
static void test_limits(void **state)
{
	struct fsm m;
	int i;

	(void)state;
	fsm_init(&m, 16, 4, 0, clk);
	assert_int_equal(fsm_step(&m, FSM_EV_ACQUIRE, 0, NULL, clk, NULL), 0);
	assert_int_equal(m.nsteps, 3 + 3 * 4 + 16);
	for (i = 0; i < 4; i++) {
		assert_int_equal(m.plan[i].kind, STEP_DG_ACQUIRE);
		assert_int_equal(m.plan[i].arg, i);
		assert_int_equal(m.plan[7 + 2 * i].kind, STEP_DG_FSCK);
		assert_int_equal(m.plan[7 + 2 * i].arg, i);
		assert_int_equal(m.plan[8 + 2 * i].kind, STEP_DG_MOUNT);
		assert_int_equal(m.plan[8 + 2 * i].arg, i);
	}
	assert_int_equal(m.plan[4].kind, STEP_KERNEL_OWN);
	assert_int_equal(m.plan[5].kind, STEP_VIP_UP);
	assert_int_equal(m.plan[6].kind, STEP_GARP);
	for (i = 0; i < 16; i++) {
		assert_int_equal(m.plan[15 + i].kind, STEP_SVC_START);
		assert_int_equal(m.plan[15 + i].arg, i);
	}
	/* an oversized request is clamped to what fits */
	fsm_init(&m, 100, 100, 0, clk);
	assert_true(3 + 3 * m.ndg + m.nsvc <= FSM_MAX_STEPS);
	assert_true(m.nsvc <= 32 && m.ndg <= 32);
	fsm_step(&m, FSM_EV_ACQUIRE, 0, NULL, clk, NULL);
	assert_true(m.nsteps <= FSM_MAX_STEPS);
}

/* Start-up: resume first, priority second, never over a live holder, gated when blind. */
static void test_startup_decide(void **state)
{
	struct fsm_start st;

	(void)state;
	/* Resume round: only a set held at shutdown, even when not first. */
	st = (struct fsm_start){.resume_round = 1, .held = 1, .all_seen = 1};
	assert_int_equal(fsm_startup_decide(&st), FSM_CLAIM_TAKE);
	st.held = 0;
	st.first_usable = 1;
	assert_int_equal(fsm_startup_decide(&st), FSM_CLAIM_NO);
	/* Never a set another live node announces, whatever else holds. */
	st = (struct fsm_start){.resume_round = 1,
				.held = 1,
				.held_elsewhere = 1,
				.first_usable = 1,
				.all_seen = 1};
	assert_int_equal(fsm_startup_decide(&st), FSM_CLAIM_NO);
	st.resume_round = 0;
	assert_int_equal(fsm_startup_decide(&st), FSM_CLAIM_NO);
	/* Priority round: first usable node, or a holder whose resume waited. */
	st = (struct fsm_start){.first_usable = 1, .all_seen = 1};
	assert_int_equal(fsm_startup_decide(&st), FSM_CLAIM_TAKE);
	st.first_usable = 0;
	assert_int_equal(fsm_startup_decide(&st), FSM_CLAIM_NO);
	st.held = 1;
	assert_int_equal(fsm_startup_decide(&st), FSM_CLAIM_TAKE);
	/* Blind (a node of the set not seen): the gate decides. */
	st = (struct fsm_start){.first_usable = 1, .gate = FSM_GATE_OPEN};
	assert_int_equal(fsm_startup_decide(&st), FSM_CLAIM_TAKE);
	st.gate = FSM_GATE_CLOSED;
	assert_int_equal(fsm_startup_decide(&st), FSM_CLAIM_REFUSE);
	st.gate = FSM_GATE_ASK;
	assert_int_equal(fsm_startup_decide(&st), FSM_CLAIM_WAIT);
	st.tb_answered = 1;
	assert_int_equal(fsm_startup_decide(&st), FSM_CLAIM_TAKE);
	/* Everyone in sight: no partition, the gate does not apply. */
	st = (struct fsm_start){
		.resume_round = 1, .held = 1, .all_seen = 1, .gate = FSM_GATE_CLOSED};
	assert_int_equal(fsm_startup_decide(&st), FSM_CLAIM_TAKE);
}

/* A lost peer's set: a probe sent after the claim, answered, then a confirmation wait. */
static void test_tb_claim(void **state)
{
	const uint64_t claim = 1000000, confirm = 10000, timeout = 500000;

	(void)state;
	assert_int_equal(fsm_tb_claim(claim, 0, claim, confirm, timeout), FSM_CLAIM_WAIT);
	assert_int_equal(fsm_tb_claim(claim, 0, claim + timeout - 1, confirm, timeout),
			 FSM_CLAIM_WAIT);
	assert_int_equal(fsm_tb_claim(claim, 0, claim + timeout, confirm, timeout),
			 FSM_CLAIM_SILENT);
	/* An answer to a probe sent before the claim proves nothing about now. */
	assert_int_equal(fsm_tb_claim(claim, claim - 1, claim + timeout, confirm, timeout),
			 FSM_CLAIM_SILENT);
	assert_int_equal(fsm_tb_claim(claim, claim, claim + confirm - 1, confirm, timeout),
			 FSM_CLAIM_WAIT);
	assert_int_equal(fsm_tb_claim(claim, claim, claim + confirm, confirm, timeout),
			 FSM_CLAIM_TAKE);
	/* A late answer (after the timeout was reported) still takes it. */
	assert_int_equal(fsm_tb_claim(claim, claim + 2 * timeout, claim + 2 * timeout + confirm,
				      confirm, timeout),
			 FSM_CLAIM_TAKE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_takeover_release_0svc_0dg),
		cmocka_unit_test(test_takeover_release_2svc_1dg),
		cmocka_unit_test(test_two_disk_groups),
		cmocka_unit_test(test_handoff_only_with_target),
		cmocka_unit_test(test_lost),
		cmocka_unit_test(test_ignored_events),
		cmocka_unit_test(test_failure_mid_takeover),
		cmocka_unit_test(test_kernel_acquire_failure),
		cmocka_unit_test(test_failure_default_why_and_reset),
		cmocka_unit_test(test_failure_mid_release_continues),
		cmocka_unit_test(test_release_queued_while_acquiring),
		cmocka_unit_test(test_lost_queued_while_acquiring),
		cmocka_unit_test(test_acquire_queued_while_releasing),
		cmocka_unit_test(test_kernel_acquire_queued_while_releasing),
		cmocka_unit_test(test_invalid_events),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_startup_decide),
		cmocka_unit_test(test_tb_claim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
