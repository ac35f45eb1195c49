// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel timers: a peer's deadline declares it dead and takes its sets
 * over, unless packets keep coming or this node itself was starved (or has
 * never sent: its daemon is still starting); the
 * self watchdog demotes this node when its daemon's stamp goes stale, and
 * not while the stamp is fresh or a clean restart is announced.
 * Detection is 20 ms; the tests sleep well past it.
 */
#include "hbpf_test.h"

static void hb_from_owner_of_set0(struct fix *f, uint32_t seq)
{
	uint8_t in[T_FRAME_MAX];
	struct t_hb h = t_hb_default(HBPF_WT_HB, seq);
	size_t len;

	h.owned = 1u << 0;
	h.epoch[0] = 3;
	len = t_build_hb(in, &h, NULL);
	assert_int_equal(t_run(f->skel->progs.xdp_node, in, len, NULL, NULL), XDP_TX);
}

/* Peer timers only: a self watchdog that never judges (stamp 0). */
static void quiet_watchdog(struct fix *f)
{
	struct hbpf_local l;

	t_get_local(f, &l);
	l.stamp_ns = 0;
	t_put_local(f, &l);
}

static void test_silent_peer_is_declared_dead_and_its_set_taken_over(void **state)
{
	struct fix *f = *state;
	const struct hbpf_event *ev;
	struct hbpf_peer peer;
	struct hbpf_set s;

	quiet_watchdog(f);
	t_arm(f);
	hb_from_owner_of_set0(f, 1);
	t_get_set(f, 0, &s);
	assert_int_equal(s.owner, T_PEER);
	assert_int_equal(s.epoch, 3);

	t_sleep_sending(f, 300);
	t_get_peer(f, T_PEER, &peer);
	assert_int_equal(peer.state, HBPF_PEER_DEAD);
	assert_int_equal(peer.deaths, 1);
	assert_true(peer.state_ns - peer.last_seen_ns >= 20000000);
	t_get_set(f, 0, &s);
	assert_int_equal(s.owned, 1);
	assert_int_equal(s.owner, T_SELF);
	assert_int_equal(s.epoch, 4);
	assert_int_equal(t_stat(f, HBPF_STAT_TIMER_FIRE), 1);

	t_drain(f);
	ev = t_find_ev(f, HBPF_EV_PEER_DEAD);
	assert_non_null(ev);
	assert_int_equal(ev->node, T_PEER);
	assert_int_equal(ev->last_seen_ns, peer.last_seen_ns);
	ev = t_find_ev(f, HBPF_EV_TAKEOVER);
	assert_non_null(ev);
	assert_int_equal(ev->set, 0);
	assert_int_equal(ev->node, T_PEER);
	assert_int_equal(ev->reason, HBPF_RS_PEER_DEAD);
	assert_int_equal(ev->epoch, 4);
	/* Set 1 was ours all along: untouched. */
	t_get_set(f, 1, &s);
	assert_int_equal(s.epoch, 5);
	assert_int_equal(t_count_ev(f, HBPF_EV_TAKEOVER, -1), 1);
}

/* A lost peer's set whose flag makes it the daemon's to take: the kernel
 * only asks (HBPF_EV_CLAIM) and owns nothing. */
static void expect_claimed_not_taken(struct fix *f, uint32_t flag)
{
	const struct hbpf_event *ev;
	struct hbpf_set s;

	quiet_watchdog(f);
	t_get_set(f, 0, &s);
	s.flags |= flag;
	t_put_set(f, 0, &s);
	t_arm(f);
	hb_from_owner_of_set0(f, 1);

	t_sleep_sending(f, 300);
	t_get_set(f, 0, &s);
	assert_int_equal(s.owned, 0);
	assert_int_equal(s.owner, T_PEER);
	assert_int_equal(s.epoch, 3);
	t_drain(f);
	assert_int_equal(t_count_ev(f, HBPF_EV_TAKEOVER, -1), 0);
	ev = t_find_ev(f, HBPF_EV_CLAIM);
	assert_non_null(ev);
	assert_int_equal(ev->set, 0);
	assert_int_equal(ev->node, T_PEER);
	assert_int_equal(ev->reason, HBPF_RS_PEER_DEAD);
}

/* The peer is dead, but a set with disk groups stays unowned here until the
 * daemon holds the lease. */
static void test_fenced_set_is_claimed_by_the_daemon_not_taken_by_the_kernel(void **state)
{
	expect_claimed_not_taken(*state, HBPF_SF_FENCED);
}

/* A dampened set (it moved too often) is not taken on the first silence:
 * a flapping path must not move it again and again. */
static void test_dampened_set_is_claimed_by_the_daemon_not_taken_by_the_kernel(void **state)
{
	expect_claimed_not_taken(*state, HBPF_SF_DAMPENED);
}

static void test_dead_peer_set_goes_to_next_alive_node_not_us(void **state)
{
	struct fix *f = *state;
	struct hbpf_cfg c;
	struct hbpf_set s;

	/* Three nodes in set 0's prio: 2, then 0, then us.  Node 0 is alive. */
	quiet_watchdog(f);
	t_make_set(&s, t_vmac0, T_PEER, 0, 0, 0);
	s.prio[2] = T_SELF;
	t_put_set(f, 0, &s);
	t_get_cfg(f, &c);
	c.detect_ns = 2000000000ull; /* node 0 must stay alive during the test */
	t_put_cfg(f, &c);
	t_arm(f);
	{
		uint8_t in[T_FRAME_MAX];
		struct t_hb h = t_hb_default(HBPF_WT_HB, 1);
		size_t len;

		h.src = 0;
		len = t_build_hb(in, &h, NULL);
		assert_int_equal(t_run(f->skel->progs.xdp_node, in, len, NULL, NULL), XDP_TX);
	}
	c.detect_ns = 20000000;
	t_put_cfg(f, &c);
	hb_from_owner_of_set0(f, 1);
	t_sleep_sending(f, 300);
	t_get_set(f, 0, &s);
	assert_int_equal(s.owned, 0);
	assert_int_equal(s.owner, 0);
	assert_int_equal(s.epoch, 3);
	t_drain(f);
	assert_int_equal(t_count_ev(f, HBPF_EV_TAKEOVER, -1), 0);
	assert_int_equal(t_count_ev(f, HBPF_EV_PEER_DEAD, -1), 1);
}

static void test_steady_heartbeats_keep_peer_alive(void **state)
{
	struct fix *f = *state;
	struct hbpf_peer peer;

	quiet_watchdog(f);
	t_arm(f);
	for (uint32_t i = 1; i <= 30; i++) {
		hb_from_owner_of_set0(f, i);
		t_sleep_sending(f, 5);
	}
	t_get_peer(f, T_PEER, &peer);
	assert_int_equal(peer.state, HBPF_PEER_ALIVE);
	assert_int_equal(peer.deaths, 0);
	t_drain(f);
	assert_int_equal(t_count_ev(f, HBPF_EV_PEER_DEAD, -1), 0);

	/* Then silence: dead, and back up with the next heartbeat. */
	t_sleep_sending(f, 200);
	t_get_peer(f, T_PEER, &peer);
	assert_int_equal(peer.state, HBPF_PEER_DEAD);
	hb_from_owner_of_set0(f, 100);
	t_get_peer(f, T_PEER, &peer);
	assert_int_equal(peer.state, HBPF_PEER_ALIVE);
	/* The deadline is armed again: silence kills it a second time. */
	t_sleep_sending(f, 200);
	t_get_peer(f, T_PEER, &peer);
	assert_int_equal(peer.state, HBPF_PEER_DEAD);
	assert_int_equal(peer.deaths, 2);
}

static void test_starved_node_does_not_declare_peer_dead(void **state)
{
	struct fix *f = *state;
	struct hbpf_local l;
	struct hbpf_peer peer;
	struct hbpf_set s;

	/* We last sent a second ago: our own silence explains the peer's. */
	t_get_local(f, &l);
	l.stamp_ns = 0;
	l.last_tx_ns = t_now() - 1000000000ull;
	t_put_local(f, &l);
	t_arm(f);
	hb_from_owner_of_set0(f, 1);
	t_sleep_ms(150);
	t_get_peer(f, T_PEER, &peer);
	assert_int_equal(peer.state, HBPF_PEER_ALIVE);
	assert_true(t_stat(f, HBPF_STAT_TIMER_STARVED) >= 1);
	t_get_set(f, 0, &s);
	assert_int_equal(s.owned, 0);

	/* Once we send again, the peer's silence counts. */
	for (int i = 0; i < 40 && peer.state != HBPF_PEER_DEAD; i++) {
		t_sleep_sending(f, 5);
		t_get_peer(f, T_PEER, &peer);
	}
	assert_int_equal(peer.state, HBPF_PEER_DEAD);
	t_get_set(f, 0, &s);
	assert_int_equal(s.owned, 1);
}

/*
 * A starting daemon attaches its programs (which hear the peers and arm
 * their deadlines) before its sender runs: until this node has sent, a
 * live owner's packets delayed past the deadline (a loaded host, a stolen
 * vCPU) must not make it take the owner's set.
 */
static void test_node_that_never_sent_does_not_declare_peer_dead(void **state)
{
	struct fix *f = *state;
	struct hbpf_local l;
	struct hbpf_peer peer;
	struct hbpf_set s;

	t_get_local(f, &l);
	l.stamp_ns = 0;
	l.last_tx_ns = 0; /* the sender has not started */
	l.flags |= HBPF_WF_STARTING;
	t_put_local(f, &l);
	t_arm(f);
	hb_from_owner_of_set0(f, 1);
	t_sleep_ms(150);
	t_get_peer(f, T_PEER, &peer);
	assert_int_equal(peer.state, HBPF_PEER_ALIVE);
	assert_int_equal(peer.deaths, 0);
	assert_true(t_stat(f, HBPF_STAT_TIMER_STARVED) >= 1);
	assert_int_equal(t_stat(f, HBPF_STAT_TIMER_FIRE), 0);
	t_get_set(f, 0, &s);
	assert_int_equal(s.owned, 0);
	assert_int_equal(s.owner, T_PEER);
	t_drain(f);
	assert_int_equal(t_count_ev(f, HBPF_EV_PEER_DEAD, -1), 0);
	assert_int_equal(t_count_ev(f, HBPF_EV_TAKEOVER, -1), 0);

	/* The sender runs: from now on the peer's silence is the peer's. */
	for (int i = 0; i < 40 && peer.state != HBPF_PEER_DEAD; i++) {
		t_sleep_sending(f, 5);
		t_get_peer(f, T_PEER, &peer);
	}
	assert_int_equal(peer.state, HBPF_PEER_DEAD);
	t_get_set(f, 0, &s);
	assert_int_equal(s.owned, 1);
	assert_int_equal(s.owner, T_SELF);
}

static void test_stale_daemon_stamp_demotes_this_node(void **state)
{
	struct fix *f = *state;
	const struct hbpf_event *ev;
	struct hbpf_cfg c;
	struct hbpf_local l;
	struct hbpf_set s;

	t_get_cfg(f, &c);
	c.demote_ns = 50000000;
	t_put_cfg(f, &c);
	t_get_local(f, &l);
	l.stamp_ns = t_now() - c.demote_ns - 30000000;
	t_put_local(f, &l);
	t_arm(f);
	t_sleep_ms(100);
	t_get_set(f, 1, &s);
	assert_int_equal(s.owned, 0);
	assert_int_equal(s.owner, HBPF_NODE_NONE);
	assert_int_equal(s.epoch, 5);
	assert_true(s.changed_ns > l.stamp_ns);
	t_drain(f);
	assert_int_equal(t_count_ev(f, HBPF_EV_DEMOTE, -1), 1);
	ev = t_find_ev(f, HBPF_EV_DEMOTE);
	assert_int_equal(ev->set, 1);
	assert_int_equal(ev->reason, HBPF_RS_SELF_STALE);
	assert_int_equal(ev->epoch, 5);
}

static void test_fresh_daemon_stamp_keeps_sets(void **state)
{
	struct fix *f = *state;
	struct hbpf_cfg c;
	struct hbpf_local l;
	struct hbpf_set s;

	t_get_cfg(f, &c);
	c.demote_ns = 100000000;
	t_put_cfg(f, &c);
	t_get_local(f, &l);
	t_arm(f);
	for (int i = 0; i < 30; i++) {
		l.stamp_ns = t_now();
		t_put_local(f, &l);
		t_sleep_ms(10);
	}
	t_get_set(f, 1, &s);
	assert_int_equal(s.owned, 1);
	t_drain(f);
	assert_int_equal(t_count_ev(f, HBPF_EV_DEMOTE, -1), 0);
}

static void test_clean_restart_window_suspends_demotion(void **state)
{
	struct fix *f = *state;
	struct hbpf_cfg c;
	struct hbpf_local l;
	struct hbpf_set s;

	t_get_cfg(f, &c);
	c.demote_ns = 50000000;
	t_put_cfg(f, &c);
	t_get_local(f, &l);
	l.stamp_ns = t_now() - 200000000;
	l.restart_until_ns = t_now() + 5000000000ull;
	t_put_local(f, &l);
	t_arm(f);
	t_arm(f); /* a restarted daemon arms again: harmless */
	t_sleep_ms(100);
	t_get_set(f, 1, &s);
	assert_int_equal(s.owned, 1);
	t_drain(f);
	assert_int_equal(t_count_ev(f, HBPF_EV_DEMOTE, -1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, t_setup, t_teardown)
		T(test_silent_peer_is_declared_dead_and_its_set_taken_over),
		T(test_fenced_set_is_claimed_by_the_daemon_not_taken_by_the_kernel),
		T(test_dampened_set_is_claimed_by_the_daemon_not_taken_by_the_kernel),
		T(test_dead_peer_set_goes_to_next_alive_node_not_us),
		T(test_steady_heartbeats_keep_peer_alive),
		T(test_starved_node_does_not_declare_peer_dead),
		T(test_node_that_never_sent_does_not_declare_peer_dead),
		T(test_stale_daemon_stamp_demotes_this_node),
		T(test_fresh_daemon_stamp_keeps_sets),
		T(test_clean_restart_window_suspends_demotion),
#undef T
	};

	return cmocka_run_group_tests_name("bpf_timers", tests, NULL, NULL);
}
