// SPDX-License-Identifier: GPL-2.0-only
/*
 * Heartbeat authentication in xdp_node through BPF_PROG_TEST_RUN: the MAC
 * and keyid checks, the replay window of HBs (boot, seq) and of ECHOs (our
 * own recent send times), key rollover, and that every refused packet only
 * moves its drop counter.
 */
#include "hbpf_test.h"
#include "keyfile.h"
#include "wire.h"

/* Run one crafted frame; returns the verdict. */
static uint32_t run_frame(struct fix *f, const uint8_t *in, size_t len, uint8_t *out)
{
	return t_run(f->skel->progs.xdp_node, in, len, out, NULL);
}

static uint32_t run_hb(struct fix *f, const struct t_hb *h)
{
	uint8_t in[T_FRAME_MAX];
	size_t len = t_build_hb(in, h, NULL);

	return run_frame(f, in, len, NULL);
}

/* The frame is dropped for reason, and nothing but that counter moved. */
static void expect_refused(struct fix *f, const uint8_t *in, size_t len, uint32_t reason,
			   const char *what)
{
	static struct t_snap before, after;
	uint64_t total = t_drops_total(f), n = t_drop(f, reason);
	uint64_t hb_rx = t_stat(f, HBPF_STAT_HB_RX), echo_rx = t_stat(f, HBPF_STAT_ECHO_RX);

	t_snapshot(f, &before);
	if (run_frame(f, in, len, NULL) != XDP_DROP)
		fail_msg("%s: not dropped", what);
	if (t_drop(f, reason) != n + 1)
		fail_msg("%s: drops[%u] did not move by one", what, reason);
	if (t_drops_total(f) != total + 1)
		fail_msg("%s: another drop counter moved", what);
	t_snapshot(f, &after);
	if (memcmp(&before, &after, sizeof(before)))
		fail_msg("%s: peers/links/sets/local/window changed", what);
	assert_int_equal(t_stat(f, HBPF_STAT_HB_RX), hb_rx);
	assert_int_equal(t_stat(f, HBPF_STAT_ECHO_RX), echo_rx);
}

static void expect_hb_refused(struct fix *f, const struct t_hb *h, uint32_t reason,
			      const char *what)
{
	uint8_t in[T_FRAME_MAX];
	size_t len = t_build_hb(in, h, NULL);

	expect_refused(f, in, len, reason, what);
}

static void get_win(struct fix *f, uint32_t peer, uint32_t link, struct t_win *w)
{
	uint32_t k = peer * HBPF_MAX_LINKS + link;

	assert_int_equal(bpf_map_lookup_elem(t_fd(f->skel->maps.hb_win), &k, w), 0);
}

static void test_signed_hb_accepted_and_window_set(void **state)
{
	struct fix *f = *state;
	struct t_hb h = t_hb_default(HBPF_WT_HB, 5);
	struct hbpf_peer peer;
	struct t_win win;

	assert_int_equal(run_hb(f, &h), XDP_TX);
	t_get_peer(f, T_PEER, &peer);
	assert_int_equal(peer.rx, 1);
	assert_int_equal(peer.state, HBPF_PEER_ALIVE);
	get_win(f, T_PEER, 1, &win);
	assert_true(win.boot == T_BOOT);
	assert_int_equal(win.seq, 5);
	assert_int_equal(t_drops_total(f), 0);
}

/*
 * Every single-bit change of the signed bytes or of the MAC is refused with
 * no state change: as DROP_MAC, or by an earlier check for the header fields
 * that are validated before the MAC (magic, version, link, nsets, keyid,
 * cluster, type, node).  The untouched packet is accepted afterwards, so
 * none of the refusals came from the replay window.  Run for the longest
 * packet and for short ones of both parities (their signed bytes end in a
 * partial SipHash block of 2 or 6 bytes).
 */
static void flip_every_bit(struct fix *f, uint8_t nsets, uint32_t seq)
{
	struct t_hb h = t_hb_default(HBPF_WT_HB, seq);
	uint8_t in[T_FRAME_MAX];
	struct hbpf_wire *w;
	size_t len, plen, off = 14 + 20 + 8;
	uint64_t early = 0, mac = 0;

	h.nsets = nsets;
	h.owned = 1u << 0;
	h.epoch[0] = 9;
	h.epoch[nsets - 1] |= 0x10203;
	h.handoff_set = 0;
	h.handoff_to = T_SELF;
	len = t_build_hb(in, &h, &w);
	plen = t_wire_len(w);
	assert_int_equal(len, off + plen);
	for (size_t bit = 0; bit < plen * 8; bit++) {
		size_t byte = bit / 8;
		int checked_early = byte < 12 || byte == offsetof(struct hbpf_wire, type) ||
				    byte == offsetof(struct hbpf_wire, src_node);
		uint64_t total = t_drops_total(f), nmac = t_drop(f, HBPF_DROP_MAC);
		char what[64];

		snprintf(what, sizeof(what), "nsets %u: bit %zu of byte %zu", nsets, bit % 8, byte);
		in[off + byte] ^= (uint8_t)(1u << (bit % 8));
		if (checked_early) {
			static struct t_snap before, after;

			t_snapshot(f, &before);
			if (run_frame(f, in, len, NULL) != XDP_DROP)
				fail_msg("%s: not dropped", what);
			t_snapshot(f, &after);
			if (memcmp(&before, &after, sizeof(before)))
				fail_msg("%s: state changed", what);
			if (t_drops_total(f) != total + 1)
				fail_msg("%s: not counted once", what);
			early += t_drop(f, HBPF_DROP_MAC) - nmac == 0;
		} else {
			expect_refused(f, in, len, HBPF_DROP_MAC, what);
			mac++;
		}
		in[off + byte] ^= (uint8_t)(1u << (bit % 8));
	}
	print_message("nsets %u: %llu bits refused by the MAC, %llu by an earlier check\n", nsets,
		      (unsigned long long)mac, (unsigned long long)early);
	assert_true(mac >= (plen - 14) * 8);
	assert_int_equal(run_frame(f, in, len, NULL), XDP_TX);
}

static void test_every_flipped_bit_is_refused_without_effect(void **state)
{
	struct fix *f = *state;
	struct hbpf_cfg c;

	/* Each run ends with an accepted HB; the peer's deadline must not fire
	 * (and change state) while the next run compares snapshots. */
	t_get_cfg(f, &c);
	c.detect_ns = 3600ull * 1000000000ull;
	t_put_cfg(f, &c);

	flip_every_bit(f, HBPF_MAX_SETS, 1);
	flip_every_bit(f, 3, 2);
	flip_every_bit(f, 2, 3);
	flip_every_bit(f, 1, 4);
}

/* The MAC covers the epoch slots: a flipped bit in any slot is a MAC drop. */
static void test_mac_covers_epoch_slots(void **state)
{
	struct fix *f = *state;
	struct t_hb h = t_hb_default(HBPF_WT_HB, 1);
	uint8_t in[T_FRAME_MAX];
	struct hbpf_wire *w;
	size_t len;

	h.nsets = 2;
	h.owned = 1u << 1; /* a yield request for our set 1 ... */
	h.epoch[1] = 4;	   /* ... at an epoch too low to take: one bit would do it */
	len = t_build_hb(in, &h, &w);
	for (size_t byte = 0; byte < 2 * 4; byte++)
		for (int bit = 0; bit < 8; bit++) {
			char what[48];

			snprintf(what, sizeof(what), "slot %zu bit %zu", byte / 4,
				 (3 - byte % 4) * 8 + (size_t)bit);
			((uint8_t *)w->epoch)[byte] ^= (uint8_t)(1u << bit);
			expect_refused(f, in, len, HBPF_DROP_MAC, what);
			((uint8_t *)w->epoch)[byte] ^= (uint8_t)(1u << bit);
		}
	assert_int_equal(run_frame(f, in, len, NULL), XDP_TX);
	{
		struct hbpf_set s;

		t_get_set(f, 1, &s);
		assert_int_equal(s.owned, 1);
		assert_int_equal(s.epoch, 5);
	}
}

static void test_unknown_keyid_is_dropped(void **state)
{
	struct fix *f = *state;
	struct t_hb h = t_hb_default(HBPF_WT_HB, 1);

	h.keyid = 8; /* signed with t_key, but no slot holds id 8 */
	expect_hb_refused(f, &h, HBPF_DROP_KEY, "keyid 8");
	/* keyid 0 never matches, not even an empty slot */
	t_put_key(f, 1, 0, NULL);
	{
		uint8_t in[T_FRAME_MAX];
		struct hbpf_wire *w;
		size_t len;

		h.keyid = 0;
		len = t_build_hb(in, &h, &w);
		w->keyid = 0;
		t_sign(w);
		expect_refused(f, in, len, HBPF_DROP_KEY, "keyid 0");
	}
	/* the rollover key's id without the rollover key installed */
	h.keyid = T_KEYID2;
	expect_hb_refused(f, &h, HBPF_DROP_KEY, "keyid 9, slot 1 empty");
}

static void test_right_keyid_wrong_key_is_a_mac_drop(void **state)
{
	struct fix *f = *state;
	uint8_t in[T_FRAME_MAX];
	struct t_hb h = t_hb_default(HBPF_WT_HB, 1);
	struct hbpf_wire *w;
	size_t len = t_build_hb(in, &h, &w);

	/* keyid 9 named, but signed with key 7 */
	w->keyid = T_KEYID2;
	hbpf_siphash_bytes(hbpf_siphash24(t_key, w, HBPF_WIRE_MAC_OFF(w->nsets)), t_mac(w));
	expect_refused(f, in, len, HBPF_DROP_MAC, "keyid 9 signed with key 7");
}

/* Replay of an HB: the same seq again, an older one, under the same boot. */
static void test_replayed_hb_is_dropped(void **state)
{
	struct fix *f = *state;
	struct t_hb h = t_hb_default(HBPF_WT_HB, 100);
	struct hbpf_link lnk;

	h.owned = 1u << 0;
	h.epoch[0] = 9;
	assert_int_equal(run_hb(f, &h), XDP_TX);
	expect_hb_refused(f, &h, HBPF_DROP_REPLAY, "same seq");
	h.seq = 99;
	expect_hb_refused(f, &h, HBPF_DROP_REPLAY, "older seq");
	h.seq = 1;
	expect_hb_refused(f, &h, HBPF_DROP_REPLAY, "much older seq");
	/* an older boot, even with a larger seq */
	h.boot = T_BOOT - 1;
	h.seq = 1000;
	expect_hb_refused(f, &h, HBPF_DROP_REPLAY, "older boot");
	/* the window is per link: seq 100 on link 0 is new there */
	h.boot = T_BOOT;
	h.seq = 100;
	h.link = 0;
	assert_int_equal(run_hb(f, &h), XDP_TX);
	h.link = 1;
	h.seq = 101;
	assert_int_equal(run_hb(f, &h), XDP_TX);
	t_get_link(f, T_PEER, 1, &lnk);
	assert_int_equal(lnk.rx, 2);
	assert_int_equal(lnk.last_seq, 101);
}

/* A restarted sender: a larger boot value resets the window. */
static void test_new_boot_resets_the_window(void **state)
{
	struct fix *f = *state;
	struct t_hb h = t_hb_default(HBPF_WT_HB, 5000);
	struct t_win win;

	assert_int_equal(run_hb(f, &h), XDP_TX);
	h.boot = T_BOOT + 7;
	h.seq = 1;
	assert_int_equal(run_hb(f, &h), XDP_TX);
	get_win(f, T_PEER, 1, &win);
	assert_true(win.boot == T_BOOT + 7);
	assert_int_equal(win.seq, 1);
	h.seq = 2;
	assert_int_equal(run_hb(f, &h), XDP_TX);
	/* the previous life's packets are replays now */
	h.boot = T_BOOT;
	h.seq = 5001;
	expect_hb_refused(f, &h, HBPF_DROP_REPLAY, "previous boot");
}

/* Rollover: a packet under the second key is accepted; our ECHO uses slot 0. */
static void test_rollover_key_accepted_echo_signed_with_send_key(void **state)
{
	struct fix *f = *state;
	struct t_hb h = t_hb_default(HBPF_WT_HB, 1);
	uint8_t in[T_FRAME_MAX], out[T_FRAME_MAX];
	struct hbpf_wire *ow = (void *)(out + 14 + 20 + 8);
	struct hbpf_keyset ks = {.n = 1};
	struct hbpf_hb dec;
	size_t len;

	h.keyid = T_KEYID2;
	len = t_build_hb(in, &h, NULL);
	assert_int_equal(run_frame(f, in, len, out), XDP_TX);
	assert_int_equal(ow->type, HBPF_WT_ECHO);
	assert_int_equal(ow->keyid, T_KEYID);
	/* the ECHO verifies under key 7, as the originator checks it */
	ks.k[0].keyid = T_KEYID;
	memcpy(ks.k[0].key, t_key, 16);
	assert_int_equal(
		hbpf_wire_decode(ow, HBPF_WIRE_LEN(ow->nsets), T_CLUSTER, T_PEER, &ks, &dec), 0);
	assert_int_equal(dec.src_node, T_SELF);
	assert_true(dec.boot == T_BOOT);
	assert_int_equal(dec.seq, 1);

	/* after the rollover the old key goes: its packets are refused */
	t_put_key(f, 0, T_KEYID2, t_key2);
	t_put_key(f, 1, 0, NULL);
	h.keyid = T_KEYID;
	h.seq = 2;
	expect_hb_refused(f, &h, HBPF_DROP_KEY, "retired key");
	h.keyid = T_KEYID2;
	assert_int_equal(run_hb(f, &h), XDP_TX);
}

/* ECHOs: bad MAC, a send time too old (stale), in the future, or replayed. */
static void test_bad_or_stale_echo_is_dropped(void **state)
{
	struct fix *f = *state;
	struct t_hb h = t_hb_default(HBPF_WT_ECHO, 1);
	uint8_t in[T_FRAME_MAX];
	struct hbpf_wire *w;
	struct hbpf_cfg c;
	size_t len;

	t_get_cfg(f, &c);
	len = t_build_hb(in, &h, &w);
	t_mac(w)[3] ^= 0x10;
	expect_refused(f, in, len, HBPF_DROP_MAC, "echo bad MAC");

	h.orig_tx_ns = t_now() - 2 * c.detect_ns - 5000000;
	/* Late, not replayed: a slow path or a descheduled VM, counted apart. */
	expect_hb_refused(f, &h, HBPF_DROP_STALE_ECHO, "echo older than 2 x detect");
	h.orig_tx_ns = t_now() + 1000000000ull;
	expect_hb_refused(f, &h, HBPF_DROP_REPLAY, "echo from the future");
	h.orig_tx_ns = 0;
	expect_hb_refused(f, &h, HBPF_DROP_REPLAY, "echo with no send time");

	h.orig_tx_ns = t_now() - 1000000;
	assert_int_equal(run_hb(f, &h), XDP_DROP);
	assert_int_equal(t_stat(f, HBPF_STAT_ECHO_RX), 1);
	expect_hb_refused(f, &h, HBPF_DROP_REPLAY, "same echo again");
	h.orig_tx_ns -= 1000;
	expect_hb_refused(f, &h, HBPF_DROP_REPLAY, "echo of an earlier send");
	h.orig_tx_ns += 2000;
	assert_int_equal(run_hb(f, &h), XDP_DROP);
	assert_int_equal(t_stat(f, HBPF_STAT_ECHO_RX), 2);
}

/* A forged HB (wrong key) that claims ownership changes nothing, not even liveness. */
static void test_forged_claim_changes_nothing(void **state)
{
	struct fix *f = *state;
	struct t_hb h = t_hb_default(HBPF_WT_HB, 1);
	uint8_t in[T_FRAME_MAX];
	struct hbpf_wire *w;
	struct hbpf_set s;
	size_t len;

	h.owned = 1u << 1; /* our set, with a higher epoch: would make us yield */
	h.epoch[1] = 1000;
	len = t_build_hb(in, &h, &w);
	hbpf_siphash_bytes(hbpf_siphash24(t_key2, w, HBPF_WIRE_MAC_OFF(w->nsets)), t_mac(w));
	expect_refused(f, in, len, HBPF_DROP_MAC, "forged yield request");
	t_get_set(f, 1, &s);
	assert_int_equal(s.owned, 1);
	assert_int_equal(s.epoch, 5);
	t_drain(f);
	assert_int_equal(f->nev, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, t_setup, t_teardown)
		T(test_signed_hb_accepted_and_window_set),
		T(test_every_flipped_bit_is_refused_without_effect),
		T(test_mac_covers_epoch_slots),
		T(test_unknown_keyid_is_dropped),
		T(test_right_keyid_wrong_key_is_a_mac_drop),
		T(test_replayed_hb_is_dropped),
		T(test_new_boot_resets_the_window),
		T(test_rollover_key_accepted_echo_signed_with_send_key),
		T(test_bad_or_stale_echo_is_dropped),
		T(test_forged_claim_changes_nothing),
#undef T
	};

	return cmocka_run_group_tests_name("bpf_auth", tests, NULL, NULL);
}
