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
static const struct fsm_stepdef take_2_1[] = {
	S(KERNEL_OWN, 0), S(VIP_UP, 0),	  S(GARP, 0),	   S(DG_ACQUIRE, 0),
	S(DG_FSCK, 0),	  S(DG_MOUNT, 0), S(SVC_START, 0), S(SVC_START, 1),
};
static const struct fsm_stepdef rel_0_0[] = {S(KERNEL_DEMOTE, 0), S(VIP_DOWN, 0)};
static const struct fsm_stepdef rel_2_1[] = {
	S(SVC_STOP, 1),	  S(SVC_STOP, 0),      S(DG_UNMOUNT, 0),
	S(DG_RELEASE, 0), S(KERNEL_DEMOTE, 0), S(VIP_DOWN, 0),
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

/* Two disk groups: acquired in order, released in reverse. */
static void test_two_disk_groups(void **state)
{
	static const struct fsm_stepdef take[] = {
		S(KERNEL_OWN, 0), S(VIP_UP, 0),	   S(GARP, 0),	     S(DG_ACQUIRE, 0),
		S(DG_FSCK, 0),	  S(DG_MOUNT, 0),  S(DG_ACQUIRE, 1), S(DG_FSCK, 1),
		S(DG_MOUNT, 1),	  S(SVC_START, 0),
	};
	static const struct fsm_stepdef rel[] = {
		S(SVC_STOP, 0),	  S(DG_UNMOUNT, 1),    S(DG_RELEASE, 1), S(DG_UNMOUNT, 0),
		S(DG_RELEASE, 0), S(KERNEL_DEMOTE, 0), S(VIP_DOWN, 0),
	};
	struct fsm_action a;
	struct fsm m;

	(void)state;
	fsm_init(&m, 1, 2, 0, clk);
	a = feed(&m, FSM_EV_ACQUIRE, 0, NULL, 0);
	a = run_all(&m, a, take, NSTEPS(take));
	a = feed(&m, FSM_EV_RELEASE, -1, NULL, 0);
	a = run_all(&m, a, rel, NSTEPS(rel));
	assert_int_equal(m.state, FSM_OFFLINE);
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
						 S(DG_RELEASE, 0), S(VIP_DOWN, 0)};
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

/* A takeover failing at step fail_at undoes exactly the steps before it. */
static void fail_case(int nsvc, int ndg, int fail_at, const struct fsm_stepdef *undo, int nundo)
{
	struct fsm_action a;
	struct fsm m;
	int i;

	fsm_init(&m, nsvc, ndg, 0, clk);
	a = feed(&m, FSM_EV_ACQUIRE, 0, NULL, 0);
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
	static const struct fsm_stepdef after_own[] = {S(KERNEL_DEMOTE, 0)};
	static const struct fsm_stepdef after_garp[] = {S(KERNEL_DEMOTE, 0), S(VIP_DOWN, 0)};
	static const struct fsm_stepdef after_acq[] = {S(DG_RELEASE, 0), S(KERNEL_DEMOTE, 0),
						       S(VIP_DOWN, 0)};
	static const struct fsm_stepdef after_mount[] = {S(DG_UNMOUNT, 0), S(DG_RELEASE, 0),
							 S(KERNEL_DEMOTE, 0), S(VIP_DOWN, 0)};
	static const struct fsm_stepdef after_svc0[] = {S(SVC_STOP, 0), S(DG_UNMOUNT, 0),
							S(DG_RELEASE, 0), S(KERNEL_DEMOTE, 0),
							S(VIP_DOWN, 0)};

	(void)state;
	fail_case(2, 1, 0, NULL, 0);	    /* kernel-own fails: nothing to undo */
	fail_case(2, 1, 1, after_own, 1);   /* vip-up fails */
	fail_case(2, 1, 2, after_garp, 2);  /* garp fails */
	fail_case(2, 1, 3, after_garp, 2);  /* dg-acquire fails */
	fail_case(2, 1, 4, after_acq, 3);   /* dg-fsck fails */
	fail_case(2, 1, 5, after_acq, 3);   /* dg-mount fails */
	fail_case(2, 1, 6, after_mount, 4); /* svc-start(0) fails */
	fail_case(2, 1, 7, after_svc0, 5);  /* svc-start(1) fails */
	fail_case(0, 0, 2, after_garp, 2);  /* garp fails, no dg, no svc */
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
	expect_run(&a, STEP_DG_RELEASE, 0);
	for (i = 0; i < 2; i++)
		a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	expect_run(&a, STEP_VIP_DOWN, 0);
	a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	expect_run(&a, STEP_HANDOFF, 1);
	a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	assert_int_equal(a.act, FSM_ACT_NONE);
	/* An ordinary release ends OFFLINE even when a step failed; why stays. */
	assert_int_equal(m.state, FSM_OFFLINE);
	assert_string_equal(m.why, "busy");
	assert_int_equal(m.svc_started, 2); /* the stop that failed */
	assert_int_equal(m.dg_mounted, 1);

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
}

static void test_release_queued_while_acquiring(void **state)
{
	static const struct fsm_stepdef undo[] = {S(DG_RELEASE, 0), S(KERNEL_DEMOTE, 0),
						  S(VIP_DOWN, 0), S(HANDOFF, 2)};
	struct fsm_action a, first;
	struct fsm m;
	int i;

	(void)state;
	fsm_init(&m, 2, 1, 0, clk);
	a = feed(&m, FSM_EV_ACQUIRE, 0, NULL, 0);
	for (i = 0; i < 3; i++)
		a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	expect_run(&a, STEP_DG_ACQUIRE, 0);
	a = feed(&m, FSM_EV_RELEASE, 2, NULL, 0);
	assert_int_equal(a.act, FSM_ACT_NONE);
	assert_int_equal(m.state, FSM_ACQUIRING);
	assert_int_equal(m.pending, FSM_EV_RELEASE);
	assert_int_equal(m.pending_arg, 2);
	/* The running dg-acquire finishes, then the release undoes what was done. */
	a = feed(&m, FSM_EV_STEP_OK, 0, NULL, 0);
	assert_int_equal(m.state, FSM_RELEASING);
	assert_int_equal(m.pending, 0);
	assert_int_equal(m.releasing_after_failure, 0);
	expect_plan(&m, undo, NSTEPS(undo));
	a = run_all(&m, a, undo, NSTEPS(undo));
	assert_int_equal(m.state, FSM_OFFLINE);

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
	assert_int_equal(m.vip_up, 0);

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
		cmocka_unit_test(test_failure_default_why_and_reset),
		cmocka_unit_test(test_failure_mid_release_continues),
		cmocka_unit_test(test_release_queued_while_acquiring),
		cmocka_unit_test(test_lost_queued_while_acquiring),
		cmocka_unit_test(test_acquire_queued_while_releasing),
		cmocka_unit_test(test_invalid_events),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
