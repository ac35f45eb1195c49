// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the set runtime (user/set.c) through its seams: the steps
 * reach the layers above only through struct set_ops, the kernel ownership
 * only through the two writers of loader.c (here a plain array stands in
 * for the mmapped "sets" map), and the control requests (user/ctl_server.c)
 * go through one command table.  No network, no BPF: sets without VIPs, no
 * GARP, and requests that stop before any map lookup.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"
#include "ctl_server.h"
#include "set.h"

static const char conf[] = "cluster 1\nlinks pub\n"
			   "node a {\n\tid 0\n\tpublic p0\n\tlink pub p0 198.18.0.11\n}\n"
			   "node b {\n\tid 1\n\tpublic p0\n\tlink pub p0 198.18.0.12\n}\n"
			   "set web {\n\tvip 198.18.0.100\n\tnodes a b\n}\n"
			   "set db {\n\tvip 198.18.0.101\n\tnodes b a\n}\n";

/* What the ops saw: each state change, with the kernel's view at that moment. */
struct trace {
	int n;
	int from[16], to[16], owned[16];
	uint32_t epoch[16];
	int dg_calls, dg_kind, dg_index;
};

struct fix {
	struct hbpf_config cfg;
	struct hbpf_set ksets[HBPF_MAX_SETS];
	struct hbpf_kern k;
	struct peers peers;
	struct set_ctx x;
	struct setrt sets[HBPF_MAX_SETS];
	struct trace t;
};

static void on_state(void *arg, struct setrt *s, int old_state, int new_state)
{
	struct fix *f = arg;
	struct trace *t = &f->t;

	if (t->n == 16)
		return;
	t->from[t->n] = old_state;
	t->to[t->n] = new_state;
	t->owned[t->n] = f->ksets[s->id].owned;
	t->epoch[t->n] = f->ksets[s->id].epoch;
	t->n++;
}

static int on_dg_step(void *arg, struct setrt *s, int kind, int dg)
{
	struct fix *f = arg;

	(void)s;
	f->t.dg_calls++;
	f->t.dg_kind = kind;
	f->t.dg_index = dg;
	return 0; /* started: the test ends it with set_step_done */
}

static const struct set_ops test_ops = {.state_changed = on_state, .dg_step = on_dg_step};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	char err[256];
	int i;

	assert_non_null(f);
	assert_int_equal(
		hbpf_config_parse("t.conf", conf, sizeof(conf) - 1, &f->cfg, err, sizeof(err)), 0);
	/* No VIPs to plumb: there is no netlink socket here. */
	for (i = 0; i < f->cfg.nsets; i++)
		f->cfg.sets[i].nvips = 0;
	for (i = 0; i < HBPF_MAX_SETS; i++)
		f->ksets[i].owner = HBPF_NODE_NONE;
	f->k.sets = f->ksets;
	peers_init(&f->peers, &f->cfg, &f->k, 0);
	f->peers.carrier = 1;
	f->x = (struct set_ctx){.cfg = &f->cfg,
				.self = 0,
				.self_name = "a",
				.k = &f->k,
				.peers = &f->peers,
				.ops = &test_ops,
				.ops_arg = f};
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static void init_sets(struct fix *f)
{
	int i;

	for (i = 0; i < f->cfg.nsets; i++)
		set_init(&f->sets[i], &f->x, i, 1);
}

/*
 * A set with a disk group: the takeover's first step goes to ops.dg_step;
 * its lease met a live holder, so the set ends OFFLINE (not FAILED), and
 * the kernel was never made owner.  Every state change went through
 * ops.state_changed.
 */
static void test_dg_step_through_ops(void **state)
{
	struct fix *f = *state;
	struct setrt *s = &f->sets[0];

	f->cfg.sets[0].ndgs = 1;
	init_sets(f);
	set_event(s, FSM_EV_ACQUIRE, 0, "test");
	assert_int_equal(s->m.state, FSM_ACQUIRING);
	assert_int_equal(f->t.dg_calls, 1);
	assert_int_equal(f->t.dg_kind, STEP_DG_ACQUIRE);
	assert_int_equal(f->t.dg_index, 0);
	assert_int_equal(f->t.n, 1);
	assert_int_equal(f->t.from[0], FSM_OFFLINE);
	assert_int_equal(f->t.to[0], FSM_ACQUIRING);

	s->lease_busy = 1; /* what dgrun says of an acquire that met a live holder */
	set_step_done(s, 0, "dg d1 acquire: busy");
	assert_int_equal(s->m.state, FSM_OFFLINE);
	assert_int_equal(s->lease_busy, 0);
	assert_int_equal(f->t.to[f->t.n - 1], FSM_OFFLINE);
	assert_int_equal(f->t.from[f->t.n - 1], FSM_FAILED);
	assert_int_equal(f->ksets[0].owned, 0);
	assert_int_equal(f->ksets[0].epoch, 0);
}

/*
 * Without disk groups the takeover makes the kernel owner (epoch 1), then
 * fails at the GARP step (no GARP here); the release that undoes it
 * demotes the kernel again and keeps the epoch.
 */
static void test_kernel_own_and_demote(void **state)
{
	struct fix *f = *state;
	struct setrt *s = &f->sets[1];
	int i, releasing = -1;

	init_sets(f);
	set_event(s, FSM_EV_ACQUIRE, 0, "test");
	assert_int_equal(s->m.state, FSM_FAILED);
	assert_non_null(strstr(s->m.why, strerror(ENOTCONN)));
	assert_int_equal(f->t.dg_calls, 0);
	for (i = 0; i < f->t.n; i++)
		if (f->t.to[i] == FSM_RELEASING)
			releasing = i;
	assert_true(releasing >= 0);
	/* when the release began, the kernel owned the set at a fresh epoch */
	assert_int_equal(f->t.owned[releasing], 1);
	assert_int_equal(f->t.epoch[releasing], 1);
	assert_int_equal(f->ksets[1].owned, 0);
	assert_int_equal(f->ksets[1].owner, HBPF_NODE_NONE);
	assert_int_equal(f->ksets[1].epoch, 1);
	assert_int_equal(f->ksets[0].owned, 0); /* the other set untouched */
}

/* Dampening: after dampen-moves moves a move is refused, the set marked
 * dampened and the kernel told; an operator override clears both. */
static void test_dampened_move_refused(void **state)
{
	struct fix *f = *state;
	struct setrt *s = &f->sets[0];
	uint64_t now = mono_now_ns();

	f->cfg.sets[0].dampen_moves = 2;
	f->cfg.sets[0].dampen_window_ms = 60000;
	init_sets(f);
	set_move_record(s, now);
	assert_false(f->ksets[0].flags & HBPF_SF_DAMPENED);
	set_move_record(s, now);
	assert_true(f->ksets[0].flags & HBPF_SF_DAMPENED);
	assert_int_equal(set_move(s, 1, "failback"), -EBUSY);
	assert_true(s->dampened);
	assert_int_equal(s->m.state, FSM_OFFLINE);
	assert_int_equal(f->t.n, 0); /* no state change, nothing released */
	set_undampen(s, "operator");
	assert_false(s->dampened);
	assert_false(f->ksets[0].flags & HBPF_SF_DAMPENED);
}

static int req(struct ctl_server *cs, const char *line, char *out, size_t len)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s", line);
	return ctl_server_request(cs, buf, -1, out, len);
}

/* The command table: each command with its argument counts; anything else
 * is refused with a precise error and changes nothing. */
static void test_ctl_commands(void **state)
{
	struct fix *f = *state;
	int stopping = 0, restarting = 0;
	struct ctl_server cs = {.cfg = &f->cfg,
				.self_name = "a",
				.k = &f->k,
				.peers = &f->peers,
				.sets = f->sets,
				.stopping = &stopping,
				.restarting = &restarting,
				.fd = -1};
	char out[1024];

	init_sets(f);
	assert_int_equal(req(&cs, "ping\n", out, sizeof(out)), 0);
	assert_string_equal(out, "ok pong a\n");
	assert_int_equal(req(&cs, "ping x\n", out, sizeof(out)), -1);
	assert_string_equal(out, "error: unknown or malformed request 'ping' (see hbpfctl(8))\n");
	assert_int_equal(req(&cs, "\n", out, sizeof(out)), -1);
	assert_string_equal(out, "error: empty request\n");
	assert_int_equal(req(&cs, "move web b c\n", out, sizeof(out)), -1);
	assert_string_equal(out, "error: too many arguments\n");
	assert_int_equal(req(&cs, "acquire\n", out, sizeof(out)), -1);
	assert_string_equal(out,
			    "error: unknown or malformed request 'acquire' (see hbpfctl(8))\n");
	assert_int_equal(req(&cs, "frobnicate web\n", out, sizeof(out)), -1);
	assert_string_equal(out,
			    "error: unknown or malformed request 'frobnicate' (see hbpfctl(8))\n");
	assert_int_equal(req(&cs, "acquire nosuch\n", out, sizeof(out)), -1);
	assert_string_equal(out, "error: unknown set 'nosuch'\n");
	assert_int_equal(req(&cs, "move web zz\n", out, sizeof(out)), -1);
	assert_string_equal(out, "error: unknown node 'zz'\n");
	assert_int_equal(req(&cs, "move web a\n", out, sizeof(out)), -1);
	assert_string_equal(out, "error: nobody holds web; use acquire on a\n");
	assert_int_equal(req(&cs, "reset web\n", out, sizeof(out)), -1);
	assert_string_equal(out, "error: web is offline, not failed or dampened\n");
	assert_int_equal(req(&cs, "release db\n", out, sizeof(out)), -1);
	assert_string_equal(out, "error: db is offline here\n");
	assert_int_equal(req(&cs, "sets\n", out, sizeof(out)), 0);
	assert_string_equal(out, "web offline - 0 - 0.000 -\ndb offline - 0 - 0.000 -\nok\n");
	/* none of the refusals changed a set or a flag */
	assert_int_equal(f->t.n, 0);
	assert_int_equal(stopping, 0);
	assert_int_equal(restarting, 0);
	assert_int_equal(req(&cs, "restart\n", out, sizeof(out)), 0);
	assert_int_equal(restarting, 1);
	assert_int_equal(stopping, 0);
	assert_int_equal(req(&cs, "shutdown\n", out, sizeof(out)), 0);
	assert_string_equal(out, "ok releasing sets and exiting\n");
	assert_int_equal(stopping, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dg_step_through_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_own_and_demote, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dampened_move_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ctl_commands, setup, teardown),
	};

	return cmocka_run_group_tests_name("set", tests, NULL, NULL);
}
