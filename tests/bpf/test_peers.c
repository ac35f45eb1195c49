// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon's cluster view (user/peers.c) read from a loaded "peers" map:
 * which nodes can take sets, the next node of a set, who holds a set, a
 * peer still starting, and since when a node has been usable.  The map
 * entries are written here as the heartbeat path would leave them.
 */
#include "hbpf_test.h"
#include "config.h"
#include "peers.h"

static const char conf[] = "cluster 193\nlinks pub\n"
			   "node n0 {\n\tid 0\n\tpublic p0\n\tlink pub p0 198.18.0.10\n}\n"
			   "node n1 {\n\tid 1\n\tpublic p0\n\tlink pub p0 198.18.0.11\n}\n"
			   "node n2 {\n\tid 2\n\tpublic p0\n\tlink pub p0 198.18.0.12\n}\n"
			   "set web {\n\tvip 198.18.0.100\n\tnodes n2 n1 n0\n}\n";

#define UP (HBPF_WF_DAEMON_UP | HBPF_WF_PUBLIC_UP)

struct view {
	struct hbpf_config cfg;
	struct hbpf_kern k;
	struct peers p;
};

static struct view *view_open(struct fix *f)
{
	struct view *v = calloc(1, sizeof(*v));
	char err[256];

	assert_non_null(v);
	assert_int_equal(
		hbpf_config_parse("t.conf", conf, sizeof(conf) - 1, &v->cfg, err, sizeof(err)), 0);
	v->k.skel = f->skel;
	peers_init(&v->p, &v->cfg, &v->k, T_SELF);
	v->p.carrier = 1;
	return v;
}

static void put_peer(struct fix *f, uint32_t id, uint32_t state, uint32_t flags, uint32_t owned,
		     uint64_t state_ns)
{
	struct hbpf_peer p = {.state = state, .flags = flags, .owned = owned, .state_ns = state_ns};

	assert_int_equal(bpf_map_update_elem(t_fd(f->skel->maps.peers), &id, &p, BPF_ANY), 0);
}

static void test_usable(void **state)
{
	struct fix *f = *state;
	struct view *v = view_open(f);

	put_peer(f, 0, HBPF_PEER_ALIVE, UP, 0, 1);
	put_peer(f, 2, HBPF_PEER_ALIVE, UP | HBPF_WF_SHUTDOWN, 0, 1);
	assert_true(peers_usable(&v->p, 0));
	assert_false(peers_usable(&v->p, 2)); /* stopping cleanly */
	put_peer(f, 2, HBPF_PEER_ALIVE, HBPF_WF_DAEMON_UP, 0, 1);
	assert_false(peers_usable(&v->p, 2)); /* public link down */
	put_peer(f, 2, HBPF_PEER_ALIVE, HBPF_WF_PUBLIC_UP, 0, 1);
	assert_false(peers_usable(&v->p, 2)); /* daemon down */
	put_peer(f, 2, HBPF_PEER_DEAD, UP, 0, 1);
	assert_false(peers_usable(&v->p, 2));
	/* this node: its own public carrier decides */
	assert_true(peers_usable(&v->p, T_SELF));
	v->p.carrier = 0;
	assert_false(peers_usable(&v->p, T_SELF));
	assert_string_equal(peers_name(&v->p, 2), "n2");
	assert_string_equal(peers_name(&v->p, 7), "-");
	free(v);
}

static void test_next_and_unseen(void **state)
{
	struct fix *f = *state;
	struct view *v = view_open(f);
	const struct hbpf_cfg_set *web = &v->cfg.sets[0]; /* order n2 n1 n0 */

	put_peer(f, 0, HBPF_PEER_ALIVE, UP, 0, 1);
	put_peer(f, 2, HBPF_PEER_ALIVE, UP, 0, 1);
	assert_int_equal(peers_next(&v->p, web, -1), 2);
	assert_int_equal(peers_next(&v->p, web, 2), T_SELF);
	assert_int_equal(peers_next(&v->p, web, T_SELF), 2);
	assert_int_equal(peers_first_unseen(&v->p, web), -1);
	put_peer(f, 2, HBPF_PEER_DEAD, UP, 0, 1);
	assert_int_equal(peers_next(&v->p, web, -1), T_SELF);
	assert_int_equal(peers_next(&v->p, web, T_SELF), 0);
	assert_int_equal(peers_first_unseen(&v->p, web), 2);
	v->p.carrier = 0;
	put_peer(f, 0, HBPF_PEER_UNKNOWN, 0, 0, 0);
	assert_int_equal(peers_next(&v->p, web, -1), -1);
	free(v);
}

static void test_holder_and_starting(void **state)
{
	struct fix *f = *state;
	struct view *v = view_open(f);

	put_peer(f, 0, HBPF_PEER_ALIVE, UP, 1u << 3, 1);
	put_peer(f, 2, HBPF_PEER_DEAD, UP, 1u << 1, 1);
	assert_int_equal(peers_holder(&v->p, 3), 0);
	assert_int_equal(peers_holder(&v->p, 1), -1); /* a dead peer holds nothing */
	assert_int_equal(peers_holder(&v->p, 0), -1);
	assert_false(peers_starting(&v->p));
	put_peer(f, 2, HBPF_PEER_ALIVE, UP | HBPF_WF_STARTING, 0, 1);
	assert_true(peers_starting(&v->p));
	free(v);
}

/* Usable since the first sample that saw it, or since the kernel saw it
 * come back when that is later (a flap between two samples); 0 once not. */
static void test_usable_since(void **state)
{
	struct fix *f = *state;
	struct view *v = view_open(f);
	uint64_t now = t_now();

	put_peer(f, 2, HBPF_PEER_ALIVE, UP, 0, now - 5000000000ull);
	assert_int_equal(peers_usable_since(&v->p, 2), 0); /* not sampled yet */
	peers_tick(&v->p, now);
	assert_int_equal(peers_usable_since(&v->p, 2), now);
	assert_int_equal(peers_usable_since(&v->p, T_SELF), now);
	assert_int_equal(peers_usable_since(&v->p, 0), 0); /* never heard */
	put_peer(f, 2, HBPF_PEER_ALIVE, UP, 0, now + 1000);
	assert_int_equal(peers_usable_since(&v->p, 2), now + 1000);
	put_peer(f, 2, HBPF_PEER_DEAD, UP, 0, now + 2000);
	assert_int_equal(peers_usable_since(&v->p, 2), 0);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_usable, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_next_and_unseen, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_holder_and_starting, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_usable_since, t_setup, t_teardown),
	};

	return cmocka_run_group_tests_name("peers", tests, NULL, NULL);
}
