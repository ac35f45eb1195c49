// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdp_node's heartbeat path through BPF_PROG_TEST_RUN: HB accepted and
 * reflected as ECHO, ECHO consumed with RTT, loss and jitter accounting,
 * every malformed packet dropped with its reason and no other effect,
 * ownership bookkeeping (handoff, yield, move request, daemon death) and a
 * cost figure for the HB path.
 */
#include "hbpf_test.h"

static uint32_t run_hb(struct fix *f, const struct t_hb *h, uint8_t *out, uint32_t *out_len)
{
	uint8_t in[T_FRAME_MAX];
	size_t len = t_build_hb(in, h, NULL);

	return t_run(f->skel->progs.xdp_node, in, len, out, out_len);
}

static void test_valid_hb_is_reflected_as_echo_with_our_state(void **state)
{
	struct fix *f = *state;
	uint8_t in[T_FRAME_MAX], out[T_FRAME_MAX];
	struct t_hb h = t_hb_default(HBPF_WT_HB, 10);
	struct ethhdr *ie = (void *)in, *oe = (void *)out;
	struct iphdr *iip = (void *)(ie + 1), *oip = (void *)(oe + 1);
	struct udphdr *iu = (void *)(iip + 1), *ou = (void *)(oip + 1);
	struct hbpf_wire *ow = (void *)(ou + 1);
	const struct hbpf_event *ev;
	struct hbpf_peer peer;
	struct hbpf_link lnk;
	uint32_t out_len = 0;
	uint64_t before = t_now();
	size_t len = t_build_hb(in, &h, NULL);

	assert_int_equal(t_run(f->skel->progs.xdp_node, in, len, out, &out_len), XDP_TX);
	assert_int_equal(out_len, len);

	/* Endpoints swapped, IP checksum untouched (a swap keeps it), UDP csum 0. */
	assert_memory_equal(oe->h_dest, ie->h_source, 6);
	assert_memory_equal(oe->h_source, ie->h_dest, 6);
	assert_int_equal(oip->saddr, iip->daddr);
	assert_int_equal(oip->daddr, iip->saddr);
	assert_int_equal(oip->check, iip->check);
	assert_int_equal(t_ip_csum(oip, sizeof(*oip)), 0);
	assert_int_equal(ou->source, iu->dest);
	assert_int_equal(ou->dest, iu->source);
	assert_int_equal(ou->check, 0);

	/* Kept: magic, version, cluster, seq, orig_tx_ns, link. */
	assert_int_equal(ntohl(ow->magic), HBPF_WIRE_MAGIC);
	assert_int_equal(ow->version, HBPF_WIRE_VERSION);
	assert_int_equal(ntohl(ow->cluster), T_CLUSTER);
	assert_int_equal(ntohl(ow->seq), 10);
	assert_int_equal(be64toh(ow->orig_tx_ns), h.orig_tx_ns);
	assert_int_equal(ow->link, 1);
	/* Rewritten with this node's state. */
	assert_int_equal(ow->type, HBPF_WT_ECHO);
	assert_int_equal(ow->src_node, T_SELF);
	assert_int_equal(ntohl(ow->flags), HBPF_WF_DAEMON_UP | HBPF_WF_PUBLIC_UP);
	assert_true(ntohl(ow->daemon_age_us) < 10 * 1000 * 1000);
	assert_int_equal(ntohl(ow->restart_left_ms), 0);
	assert_int_equal(ntohl(ow->owned), 1u << 1);
	assert_int_equal(ntohl(ow->epoch[0]), 0);
	assert_int_equal(ntohl(ow->epoch[1]), 5);
	assert_int_equal(ow->handoff_set, 0xff);
	assert_int_equal(ow->handoff_to, 0xff);
	assert_int_equal(ow->move_set, 0xff);
	assert_int_equal(ow->move_to, 0xff);

	t_get_peer(f, T_PEER, &peer);
	assert_int_equal(peer.state, HBPF_PEER_ALIVE);
	assert_int_equal(peer.rx, 1);
	assert_int_equal(peer.echo_rx, 0);
	assert_true(peer.last_hb_ns >= before && peer.last_hb_ns == peer.last_seen_ns);
	assert_int_equal(peer.flags, HBPF_WF_DAEMON_UP | HBPF_WF_PUBLIC_UP);
	assert_int_equal(peer.daemon_age_us, 1000);
	assert_int_equal(peer.handoff_set, 0xff);
	assert_int_equal(peer.move_set, 0xff);
	t_get_link(f, T_PEER, 1, &lnk);
	assert_int_equal(lnk.rx, 1);
	assert_int_equal(lnk.last_seq, 10);
	assert_int_equal(lnk.lost, 0);
	assert_int_equal(lnk.ifindex, T_IFINDEX);
	assert_int_equal(lnk.last_seen_ns, peer.last_seen_ns);

	assert_int_equal(t_stat(f, HBPF_STAT_HB_RX), 1);
	assert_int_equal(t_stat(f, HBPF_STAT_ECHO_TX), 1);
	assert_int_equal(t_drops_total(f), 0);
	t_drain(f);
	assert_int_equal(f->nev, 1);
	ev = t_find_ev(f, HBPF_EV_PEER_UP);
	assert_non_null(ev);
	assert_int_equal(ev->node, T_PEER);
	assert_int_equal(ev->set, 0xff);
	assert_true(ev->ts_ns >= before);

	/* A second HB changes no state: no second PEER_UP. */
	h.seq = 11;
	assert_int_equal(run_hb(f, &h, NULL, NULL), XDP_TX);
	t_drain(f);
	assert_int_equal(f->nev, 1);
}

static void test_echo_is_consumed_and_rtt_recorded(void **state)
{
	struct fix *f = *state;
	struct t_hb h = t_hb_default(HBPF_WT_ECHO, 10);
	struct hbpf_peer peer;
	struct hbpf_link lnk;
	uint64_t rtt1, t0 = t_now();

	h.orig_tx_ns = t0 - 2000000; /* sent "2 ms ago" by our clock */
	assert_int_equal(run_hb(f, &h, NULL, NULL), XDP_DROP);
	t_get_link(f, T_PEER, 1, &lnk);
	assert_int_equal(lnk.echo_rx, 1);
	assert_int_equal(lnk.rx, 0);
	assert_true(lnk.rtt_ns >= 2000000 && lnk.rtt_ns < 1000000000ull);
	assert_int_equal(lnk.rtt_avg_ns, lnk.rtt_ns);
	assert_int_equal(lnk.last_seq, 0); /* ECHO seq is ours, not the peer's */
	rtt1 = lnk.rtt_ns;
	t_get_peer(f, T_PEER, &peer);
	assert_int_equal(peer.echo_rx, 1);
	assert_int_equal(peer.rx, 0);
	assert_int_equal(peer.state, HBPF_PEER_ALIVE);
	assert_true(peer.last_echo_ns == peer.last_seen_ns && peer.last_hb_ns == 0);
	assert_int_equal(t_stat(f, HBPF_STAT_ECHO_RX), 1);
	assert_int_equal(t_stat(f, HBPF_STAT_ECHO_TX), 0);
	assert_int_equal(t_drops_total(f), 0);

	/* Second sample, a later send that took >= 10 ms: EWMA 1/8 toward it.
	 * (An earlier send time would be a replay.) */
	t_sleep_ms(10);
	h.orig_tx_ns = t0 - 1000000;
	assert_int_equal(run_hb(f, &h, NULL, NULL), XDP_DROP);
	t_get_link(f, T_PEER, 1, &lnk);
	assert_true(lnk.rtt_ns >= 10000000);
	assert_int_equal(lnk.rtt_avg_ns, (rtt1 * 7 + lnk.rtt_ns) >> 3);
}

static void test_sequence_gap_is_counted_lost_and_restart_resyncs(void **state)
{
	struct fix *f = *state;
	struct t_hb h = t_hb_default(HBPF_WT_HB, 10);
	struct hbpf_link lnk;
	const uint32_t seqs[] = {10, 11, 15, 2, 3, 3 + (1u << 21), 4 + (1u << 21)};

	for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		h.seq = seqs[i];
		if (i == 3) /* the sender restarted: a new boot value, numbering from 2 */
			h.boot = T_BOOT + 1;
		assert_int_equal(run_hb(f, &h, NULL, NULL), XDP_TX);
		t_get_link(f, T_PEER, 1, &lnk);
		assert_int_equal(lnk.last_seq, seqs[i]);
		if (i == 2) /* 12, 13, 14 missing */
			assert_int_equal(lnk.lost, 3);
	}
	/* The step back (restart) and the huge jump resynced without loss. */
	t_get_link(f, T_PEER, 1, &lnk);
	assert_int_equal(lnk.lost, 3);
	assert_int_equal(lnk.rx, 7);
}

static void test_jitter_tracks_deviation_from_interval(void **state)
{
	struct fix *f = *state;
	struct t_hb h = t_hb_default(HBPF_WT_HB, 1);
	struct hbpf_link lnk;

	/* Interval is 5 ms; arrivals ~20 ms apart deviate by ~15 ms. */
	for (uint32_t i = 1; i <= 3; i++) {
		h.seq = i;
		assert_int_equal(run_hb(f, &h, NULL, NULL), XDP_TX);
		if (i < 3)
			t_sleep_ms(20);
	}
	t_get_link(f, T_PEER, 1, &lnk);
	/* Two samples of >= 15 ms each: jitter >= 15 ms * (1 - (15/16)^2). */
	assert_true(lnk.jitter_ns >= 1800000);
	assert_true(lnk.jitter_ns < 100000000);
}

struct bad_case {
	const char *what;
	uint32_t reason;
	size_t cut;	   /* frame length, 0 = full */
	int udp_len_delta; /* added to the UDP length field */
	int extra;	   /* bytes appended to the frame */
	void (*mangle)(struct hbpf_wire *w);
};

static void m_magic(struct hbpf_wire *w)
{
	w->magic = htonl(0x48425047);
}

static void m_version(struct hbpf_wire *w)
{
	w->version = 1; /* the unauthenticated format */
}

static void m_version3(struct hbpf_wire *w)
{
	w->version = 3;
}

static void m_cluster(struct hbpf_wire *w)
{
	w->cluster = htonl(T_CLUSTER + 1);
}

static void m_type(struct hbpf_wire *w)
{
	w->type = 3;
}

static void m_type0(struct hbpf_wire *w)
{
	w->type = 0;
}

static void m_self(struct hbpf_wire *w)
{
	w->src_node = T_SELF;
}

static void m_unknown(struct hbpf_wire *w)
{
	w->src_node = 3;
}

static void m_range(struct hbpf_wire *w)
{
	w->src_node = 16;
}

static void m_none(struct hbpf_wire *w)
{
	w->src_node = 0xff;
}

static void m_link(struct hbpf_wire *w)
{
	w->link = 2;
}

static void m_link_max(struct hbpf_wire *w)
{
	w->link = 0xff;
}

static const struct bad_case bad_cases[] = {
	{"bad magic", HBPF_DROP_MAGIC, 0, 0, 0, m_magic},
	{"version 1", HBPF_DROP_VERSION, 0, 0, 0, m_version},
	{"version 3", HBPF_DROP_VERSION, 0, 0, 0, m_version3},
	{"wrong cluster", HBPF_DROP_CLUSTER, 0, 0, 0, m_cluster},
	{"unknown type 3", HBPF_DROP_TYPE, 0, 0, 0, m_type},
	{"unknown type 0", HBPF_DROP_TYPE, 0, 0, 0, m_type0},
	{"from self", HBPF_DROP_NODE, 0, 0, 0, m_self},
	{"unconfigured node", HBPF_DROP_NODE, 0, 0, 0, m_unknown},
	{"node out of range", HBPF_DROP_NODE, 0, 0, 0, m_range},
	{"node 0xff", HBPF_DROP_NODE, 0, 0, 0, m_none},
	{"link beyond nlinks", HBPF_DROP_LINK, 0, 0, 0, m_link},
	{"link 0xff", HBPF_DROP_LINK, 0, 0, 0, m_link_max},
	{"oversized payload", HBPF_DROP_SIZE, 0, 4, 4, NULL},
	{"UDP length says short", HBPF_DROP_SHORT, 0, -4, 0, NULL},
	{"UDP length beyond frame", HBPF_DROP_SHORT, 0, 64, 0, NULL},
	{"IP header cut", HBPF_DROP_SHORT, 14 + 10, 0, 0, NULL},
	{"UDP header cut", HBPF_DROP_SHORT, 14 + 20 + 4, 0, 0, NULL},
	{"payload cut at magic", HBPF_DROP_SHORT, 14 + 20 + 8 + 2, 0, 0, NULL},
	{"payload cut in epochs", HBPF_DROP_SHORT, 14 + 20 + 8 + 100, 0, 0, NULL},
	{"payload cut before the MAC", HBPF_DROP_SHORT, 14 + 20 + 8 + 184, 0, 0, NULL},
	{"payload one byte short", HBPF_DROP_SHORT, 14 + 20 + 8 + 191, 0, 0, NULL},
	{"UDP length of a v1 packet", HBPF_DROP_SHORT, 0, -16, 0, NULL},
};

static void test_malformed_heartbeats_drop_with_reason_and_change_nothing(void **state)
{
	struct fix *f = *state;
	static struct t_snap before, after;
	struct t_hb h = t_hb_default(HBPF_WT_HB, 7);

	h.owned = 1u << 0;
	h.epoch[0] = 9;
	h.handoff_set = 0;
	h.handoff_to = T_SELF;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		uint8_t in[T_FRAME_MAX];
		struct hbpf_wire *w;
		struct udphdr *udp = (void *)(in + 14 + 20);
		size_t len = t_build_hb(in, &h, &w);
		uint64_t drops_before = t_drops_total(f), reason_before = t_drop(f, c->reason);
		uint64_t hb_rx = t_stat(f, HBPF_STAT_HB_RX);

		if (c->mangle)
			c->mangle(w);
		udp->len = htons((uint16_t)(ntohs(udp->len) + c->udp_len_delta));
		memset(in + len, 0, (size_t)c->extra);
		len += (size_t)c->extra;
		if (c->cut)
			len = c->cut;
		t_snapshot(f, &before);
		if (t_run(f->skel->progs.xdp_node, in, len, NULL, NULL) != XDP_DROP)
			fail_msg("%s: not dropped", c->what);
		if (t_drop(f, c->reason) != reason_before + 1)
			fail_msg("%s: drops[%u] did not move by one", c->what, c->reason);
		if (t_drops_total(f) != drops_before + 1)
			fail_msg("%s: other drop counters moved", c->what);
		t_snapshot(f, &after);
		if (memcmp(&before, &after, sizeof(before)))
			fail_msg("%s: peers/links/sets changed", c->what);
		assert_int_equal(t_stat(f, HBPF_STAT_HB_RX), hb_rx);
	}
	t_drain(f);
	assert_int_equal(f->nev, 0);
}

static void test_handoff_to_self_takes_set_with_next_epoch(void **state)
{
	struct fix *f = *state;
	uint8_t out[T_FRAME_MAX];
	struct hbpf_wire *ow = (void *)(out + 14 + 20 + 8);
	struct t_hb h = t_hb_default(HBPF_WT_HB, 1);
	const struct hbpf_event *ev;
	struct hbpf_set s;

	/* Peer 2 owns set 0 at epoch 7. */
	h.owned = 1u << 0;
	h.epoch[0] = 7;
	assert_int_equal(run_hb(f, &h, NULL, NULL), XDP_TX);
	t_get_set(f, 0, &s);
	assert_int_equal(s.owner, T_PEER);
	assert_int_equal(s.epoch, 7);
	assert_int_equal(s.owned, 0);

	/* It releases set 0 and hands it to us. */
	h.seq = 2;
	h.owned = 0;
	h.handoff_set = 0;
	h.handoff_to = T_SELF;
	assert_int_equal(run_hb(f, &h, out, NULL), XDP_TX);
	t_get_set(f, 0, &s);
	assert_int_equal(s.owned, 1);
	assert_int_equal(s.owner, T_SELF);
	assert_int_equal(s.epoch, 8);
	assert_true(s.changed_ns > 0);
	/* The ECHO already announces it. */
	assert_int_equal(ntohl(ow->owned), (1u << 0) | (1u << 1));
	assert_int_equal(ntohl(ow->epoch[0]), 8);
	t_drain(f);
	ev = t_find_ev(f, HBPF_EV_TAKEOVER);
	assert_non_null(ev);
	assert_int_equal(ev->set, 0);
	assert_int_equal(ev->node, T_PEER);
	assert_int_equal(ev->reason, HBPF_RS_HANDOFF);
	assert_int_equal(ev->epoch, 8);

	/* The same handoff repeated is not acted on again. */
	h.seq = 3;
	assert_int_equal(run_hb(f, &h, NULL, NULL), XDP_TX);
	t_drain(f);
	assert_int_equal(t_count_ev(f, HBPF_EV_TAKEOVER, -1), 1);
	t_get_set(f, 0, &s);
	assert_int_equal(s.epoch, 8);

	/* We release it; the old announcement, still on the air, is stale
	 * (epoch 7 < ours): the set stays released. */
	s.owned = 0;
	s.owner = HBPF_NODE_NONE;
	t_put_set(f, 0, &s);
	h.seq = 4;
	assert_int_equal(run_hb(f, &h, NULL, NULL), XDP_TX);
	t_get_set(f, 0, &s);
	assert_int_equal(s.owned, 0);
	assert_int_equal(s.epoch, 8);

	/* The peer owned it again (epoch 9), its announcement never paused, and
	 * it hands the set over once more with the same (set, node): that is
	 * news (epoch 9), and it is taken. */
	h.seq = 5;
	h.owned = 1u << 0;
	h.epoch[0] = 9;
	assert_int_equal(run_hb(f, &h, NULL, NULL), XDP_TX);
	t_get_set(f, 0, &s);
	assert_int_equal(s.owned, 0); /* it claims the set: not ours to take */
	h.seq = 6;
	h.owned = 0;
	assert_int_equal(run_hb(f, &h, NULL, NULL), XDP_TX);
	t_get_set(f, 0, &s);
	assert_int_equal(s.owned, 1);
	assert_int_equal(s.epoch, 10);
	t_drain(f);
	assert_int_equal(t_count_ev(f, HBPF_EV_TAKEOVER, -1), 2);
}

static void test_handoff_refused_while_peer_still_claims_set(void **state)
{
	struct fix *f = *state;
	struct t_hb h = t_hb_default(HBPF_WT_HB, 1);
	struct hbpf_set s;

	h.owned = 1u << 0;
	h.epoch[0] = 7;
	h.handoff_set = 0;
	h.handoff_to = T_SELF;
	assert_int_equal(run_hb(f, &h, NULL, NULL), XDP_TX);
	t_get_set(f, 0, &s);
	assert_int_equal(s.owned, 0);
	t_drain(f);
	assert_int_equal(t_count_ev(f, HBPF_EV_TAKEOVER, -1), 0);
}

static void test_higher_epoch_claim_makes_us_yield(void **state)
{
	struct fix *f = *state;
	uint8_t out[T_FRAME_MAX];
	struct hbpf_wire *ow = (void *)(out + 14 + 20 + 8);
	struct t_hb h = t_hb_default(HBPF_WT_HB, 1);
	const struct hbpf_event *ev;
	struct hbpf_set s;

	/* Same epoch, and we come first in set 1's prio: we keep it. */
	h.owned = 1u << 1;
	h.epoch[1] = 5;
	assert_int_equal(run_hb(f, &h, NULL, NULL), XDP_TX);
	t_get_set(f, 1, &s);
	assert_int_equal(s.owned, 1);
	assert_int_equal(s.owner, T_SELF);

	/* Higher epoch: yield. */
	h.seq = 2;
	h.epoch[1] = 6;
	assert_int_equal(run_hb(f, &h, out, NULL), XDP_TX);
	t_get_set(f, 1, &s);
	assert_int_equal(s.owned, 0);
	assert_int_equal(s.owner, T_PEER);
	assert_int_equal(s.epoch, 6);
	assert_int_equal(ntohl(ow->owned), 0);
	t_drain(f);
	ev = t_find_ev(f, HBPF_EV_YIELD);
	assert_non_null(ev);
	assert_int_equal(ev->set, 1);
	assert_int_equal(ev->node, T_PEER);
	assert_int_equal(ev->reason, HBPF_RS_EPOCH);
	assert_int_equal(ev->epoch, 6);
}

static void test_equal_epoch_yields_to_peer_first_in_prio(void **state)
{
	struct fix *f = *state;
	struct t_hb h = t_hb_default(HBPF_WT_ECHO, 1);
	struct hbpf_set s;

	t_make_set(&s, t_vmac1, T_PEER, T_SELF, 1, 5);
	t_put_set(f, 1, &s);
	h.owned = 1u << 1;
	h.epoch[1] = 5;
	assert_int_equal(run_hb(f, &h, NULL, NULL), XDP_DROP);
	t_get_set(f, 1, &s);
	assert_int_equal(s.owned, 0);
	assert_int_equal(s.owner, T_PEER);
	t_drain(f);
	assert_int_equal(t_count_ev(f, HBPF_EV_YIELD, 1), 1);
}

static void test_released_set_loses_its_owner(void **state)
{
	struct fix *f = *state;
	struct t_hb h = t_hb_default(HBPF_WT_HB, 1);
	struct hbpf_set s;

	h.owned = 1u << 0;
	h.epoch[0] = 3;
	assert_int_equal(run_hb(f, &h, NULL, NULL), XDP_TX);
	t_get_set(f, 0, &s);
	assert_int_equal(s.owner, T_PEER);
	h.seq = 2;
	h.owned = 0;
	assert_int_equal(run_hb(f, &h, NULL, NULL), XDP_TX);
	t_get_set(f, 0, &s);
	assert_int_equal(s.owner, HBPF_NODE_NONE);
	assert_int_equal(s.owned, 0);
	assert_int_equal(s.epoch, 3);
}

static void test_move_request_for_owned_set_is_reported_once(void **state)
{
	struct fix *f = *state;
	struct t_hb h = t_hb_default(HBPF_WT_HB, 1);
	const struct hbpf_event *ev;
	struct hbpf_peer peer;

	h.move_set = 1;
	h.move_to = T_PEER;
	assert_int_equal(run_hb(f, &h, NULL, NULL), XDP_TX);
	h.seq = 2;
	assert_int_equal(run_hb(f, &h, NULL, NULL), XDP_TX);
	t_drain(f);
	assert_int_equal(t_count_ev(f, HBPF_EV_MOVE_REQ, -1), 1);
	ev = t_find_ev(f, HBPF_EV_MOVE_REQ);
	assert_int_equal(ev->set, 1);
	assert_int_equal(ev->node, T_PEER);
	t_get_peer(f, T_PEER, &peer);
	assert_int_equal(peer.move_set, 1);
	assert_int_equal(peer.move_to, T_PEER);

	/* Cleared, then asked again: a second event. */
	h.seq = 3;
	h.move_set = h.move_to = 0xff;
	assert_int_equal(run_hb(f, &h, NULL, NULL), XDP_TX);
	t_get_peer(f, T_PEER, &peer);
	assert_int_equal(peer.move_set, 0xff);
	h.seq = 4;
	h.move_set = 1;
	h.move_to = T_PEER;
	assert_int_equal(run_hb(f, &h, NULL, NULL), XDP_TX);
	t_drain(f);
	assert_int_equal(t_count_ev(f, HBPF_EV_MOVE_REQ, -1), 2);

	/* A request for a set we do not own is not ours to report. */
	h.seq = 5;
	h.move_set = 0;
	assert_int_equal(run_hb(f, &h, NULL, NULL), XDP_TX);
	t_drain(f);
	assert_int_equal(t_count_ev(f, HBPF_EV_MOVE_REQ, -1), 2);
}

static void test_peer_with_dead_daemon_loses_its_sets(void **state)
{
	struct fix *f = *state;
	struct t_hb h = t_hb_default(HBPF_WT_ECHO, 1);
	const struct hbpf_event *ev;
	struct hbpf_peer peer;
	struct hbpf_set s;

	/* Alive and owning set 0 (prio 2, then us). */
	h.owned = 1u << 0;
	h.epoch[0] = 4;
	assert_int_equal(run_hb(f, &h, NULL, NULL), XDP_DROP);
	/* Its kernel still echoes, but its daemon stamp is 600 ms old (> 500). */
	h.age_us = 600000;
	h.orig_tx_ns = t_now(); /* each ECHO reflects a later HB of ours */
	assert_int_equal(run_hb(f, &h, NULL, NULL), XDP_DROP);
	t_get_peer(f, T_PEER, &peer);
	assert_int_equal(peer.state, HBPF_PEER_DAEMON_DEAD);
	t_get_set(f, 0, &s);
	assert_int_equal(s.owned, 1);
	assert_int_equal(s.owner, T_SELF);
	assert_int_equal(s.epoch, 5);
	t_drain(f);
	assert_int_equal(t_count_ev(f, HBPF_EV_PEER_DAEMON_DEAD, -1), 1);
	ev = t_find_ev(f, HBPF_EV_TAKEOVER);
	assert_non_null(ev);
	assert_int_equal(ev->set, 0);
	assert_int_equal(ev->node, T_PEER);
	assert_int_equal(ev->reason, HBPF_RS_DAEMON_DEAD);
	assert_int_equal(ev->epoch, 5);

	/* Its daemon is fresh again: alive, announced once more. */
	h.age_us = 1000;
	h.orig_tx_ns = t_now();
	assert_int_equal(run_hb(f, &h, NULL, NULL), XDP_DROP);
	t_get_peer(f, T_PEER, &peer);
	assert_int_equal(peer.state, HBPF_PEER_ALIVE);
	t_drain(f);
	assert_int_equal(t_count_ev(f, HBPF_EV_PEER_UP, -1), 2);
}

static void test_restarting_peer_daemon_is_not_dead(void **state)
{
	struct fix *f = *state;
	struct t_hb h = t_hb_default(HBPF_WT_HB, 1);
	struct hbpf_peer peer;

	h.flags = HBPF_WF_RESTARTING;
	h.age_us = 900000;
	h.restart_ms = 2000;
	assert_int_equal(run_hb(f, &h, NULL, NULL), XDP_TX);
	t_get_peer(f, T_PEER, &peer);
	assert_int_equal(peer.state, HBPF_PEER_ALIVE);
	/* Grace over: now it is dead. */
	h.seq = 2;
	h.restart_ms = 0;
	assert_int_equal(run_hb(f, &h, NULL, NULL), XDP_TX);
	t_get_peer(f, T_PEER, &peer);
	assert_int_equal(peer.state, HBPF_PEER_DAEMON_DEAD);
}

static void test_shutting_down_peer_holds_nothing(void **state)
{
	struct fix *f = *state;
	struct t_hb h = t_hb_default(HBPF_WT_HB, 1);
	struct hbpf_peer peer;
	struct hbpf_set s;

	h.owned = 1u << 0;
	h.epoch[0] = 2;
	assert_int_equal(run_hb(f, &h, NULL, NULL), XDP_TX);
	h.seq = 2;
	h.flags |= HBPF_WF_SHUTDOWN;
	assert_int_equal(run_hb(f, &h, NULL, NULL), XDP_TX);
	t_get_peer(f, T_PEER, &peer);
	assert_int_equal(peer.owned, 0);
	assert_int_equal(peer.state, HBPF_PEER_ALIVE);
	t_get_set(f, 0, &s);
	assert_int_equal(s.owner, HBPF_NODE_NONE);
}

/*
 * Not an assertion: the cost of the heartbeat path, printed for the record.
 * An HB is rewritten in place into an ECHO and test runs do not restore the
 * frame between repeats, so repeat=N would time N-1 drops of our own ECHO:
 * the HB figure is the kernel-timed duration of N single runs, averaged.
 * Every ECHO must carry a newer send time, so the consumed-ECHO figure is
 * also N single runs; repeat=N of one ECHO times the replay drop (MAC
 * verified, window refused).
 */
static void test_hb_path_cost_is_reported(void **state)
{
	struct fix *f = *state;
	const uint32_t n = 100000;
	uint8_t in[T_FRAME_MAX], out[T_FRAME_MAX];
	struct t_hb h = t_hb_default(HBPF_WT_HB, 1);
	int fd = bpf_program__fd(f->skel->progs.xdp_node);
	uint64_t total = 0;
	size_t len;

	h.owned = 1u << 0;
	h.epoch[0] = 1;
	for (uint32_t i = 0; i < n; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_out = out,
			    .data_size_out = sizeof(out), .repeat = 1);

		h.seq = i + 1;
		len = t_build_hb(in, &h, NULL);
		o.data_size_in = (uint32_t)len;
		assert_int_equal(bpf_prog_test_run_opts(fd, &o), 0);
		assert_int_equal(o.retval, XDP_TX);
		total += o.duration;
	}
	printf("[  COST    ] xdp_node HB->ECHO: %.1f ns/packet (mean of %u single runs,"
	       " peer owns 1 set, we own 1)\n",
	       (double)total / n, n);

	/* The same single-run timing of an ECHO shows the per-run overhead
	 * that the repeat=N figure below does not carry. */
	h.type = HBPF_WT_ECHO;
	total = 0;
	for (uint32_t i = 0; i < n; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_out = out,
			    .data_size_out = sizeof(out), .repeat = 1);

		h.orig_tx_ns = t_now();
		len = t_build_hb(in, &h, NULL);
		o.data_size_in = (uint32_t)len;
		assert_int_equal(bpf_prog_test_run_opts(fd, &o), 0);
		assert_int_equal(o.retval, XDP_DROP);
		total += o.duration;
	}
	printf("[  COST    ] xdp_node ECHO consumed: %.1f ns/packet (mean of %u single runs)\n",
	       (double)total / n, n);
	{
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_out = out,
			    .data_size_out = sizeof(out), .repeat = n);

		o.data_size_in = (uint32_t)len;
		assert_int_equal(t_drops_total(f), 0);
		assert_int_equal(bpf_prog_test_run_opts(fd, &o), 0);
		assert_int_equal(o.retval, XDP_DROP);
		printf("[  COST    ] xdp_node ECHO replay dropped: %u ns/packet (repeat=%u)\n",
		       o.duration, n);
	}
	assert_true(t_drop(f, HBPF_DROP_REPLAY) == n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, t_setup, t_teardown)
		T(test_valid_hb_is_reflected_as_echo_with_our_state),
		T(test_echo_is_consumed_and_rtt_recorded),
		T(test_sequence_gap_is_counted_lost_and_restart_resyncs),
		T(test_jitter_tracks_deviation_from_interval),
		T(test_malformed_heartbeats_drop_with_reason_and_change_nothing),
		T(test_handoff_to_self_takes_set_with_next_epoch),
		T(test_handoff_refused_while_peer_still_claims_set),
		T(test_higher_epoch_claim_makes_us_yield),
		T(test_equal_epoch_yields_to_peer_first_in_prio),
		T(test_released_set_loses_its_owner),
		T(test_move_request_for_owned_set_is_reported_once),
		T(test_peer_with_dead_daemon_loses_its_sets),
		T(test_restarting_peer_daemon_is_not_dead),
		T(test_shutting_down_peer_holds_nothing),
		T(test_hb_path_cost_is_reported),
#undef T
	};

	return cmocka_run_group_tests_name("bpf_hb", tests, NULL, NULL);
}
