// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the heartbeat wire encode/decode/sign (user/wire.c, user/sender.c). */
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sender.h"
#include "siphash.h"
#include "wire.h"

#define CLUSTER 0x01020304u
#define SELF 0

/* Two keys: 7 signs, 9 is the rollover key. */
static const struct hbpf_keyset keys = {
	.n = 2,
	.k = {{.keyid = 7, .key = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}},
	      {.keyid = 9,
	       .key = {0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87, 0x78, 0x69, 0x5a, 0x4b, 0x3c,
		       0x2d, 0x1e, 0x0f}}},
};

/* Encode and sign with the send key, as the sender does. */
static void encode_signed(const struct hbpf_hb *hb, struct hbpf_wire *w, int slot)
{
	assert_int_equal(hbpf_wire_encode(hb, w), HBPF_WIRE_LEN(hb->nsets));
	assert_int_equal(hbpf_wire_sign(w, &keys.k[slot]), 0);
}

static void sample_hb(struct hbpf_hb *hb)
{
	int i;

	memset(hb, 0, sizeof(*hb));
	hb->type = HBPF_WT_HB;
	hb->src_node = 3;
	hb->link = 1;
	hb->cluster = CLUSTER;
	hb->seq = 0xa1b2c3d4u;
	hb->orig_tx_ns = 0x1122334455667788ull;
	hb->flags = HBPF_WF_DAEMON_UP | HBPF_WF_PUBLIC_UP;
	hb->daemon_age_us = 0x00010203u;
	hb->owned = 0x80000001u;
	hb->handoff_set = 5;
	hb->handoff_to = 2;
	hb->move_set = 0xff;
	hb->move_to = 0xff;
	hb->nsets = HBPF_MAX_SETS;
	for (i = 0; i < HBPF_MAX_SETS; i++)
		hb->epoch[i] = 0x01000000u * (uint32_t)i + (uint32_t)i;
	hb->boot = 0x0102030405060708ull;
}

static void test_round_trip(void **state)
{
	struct hbpf_hb in, out;
	union hbpf_wire_buf b;
	size_t len;

	(void)state;
	sample_hb(&in);
	encode_signed(&in, &b.w, 0);
	len = hbpf_wire_len(&b.w);
	assert_int_equal(len, HBPF_WIRE_MAX_LEN);
	memset(&out, 0xee, sizeof(out));
	assert_int_equal(hbpf_wire_decode(b.b, len, CLUSTER, SELF, &keys, &out), 0);
	in.keyid = 7;
	memcpy(in.mac, b.b + HBPF_WIRE_MAC_OFF(HBPF_MAX_SETS), 8);
	assert_memory_equal(&in, &out, sizeof(in));

	in.type = HBPF_WT_ECHO;
	in.link = HBPF_MAX_LINKS - 1;
	in.src_node = HBPF_MAX_NODES - 1;
	encode_signed(&in, &b.w, 1); /* the rollover key verifies too */
	assert_int_equal(hbpf_wire_decode(b.b, len, CLUSTER, SELF, &keys, &out), 0);
	in.keyid = 9;
	memcpy(in.mac, b.b + HBPF_WIRE_MAC_OFF(HBPF_MAX_SETS), 8);
	assert_memory_equal(&in, &out, sizeof(in));

	/* Every length: the sets beyond nsets are not on the wire. */
	for (int n = 0; n <= HBPF_MAX_SETS; n++) {
		in.nsets = (uint8_t)n;
		in.owned = n ? 1u << (n - 1) : 0;
		encode_signed(&in, &b.w, 0);
		assert_int_equal(hbpf_wire_len(&b.w), HBPF_WIRE_LEN(n));
		assert_int_equal(
			hbpf_wire_decode(b.b, HBPF_WIRE_LEN(n), CLUSTER, SELF, &keys, &out), 0);
		assert_int_equal(out.nsets, n);
		assert_int_equal(out.owned, in.owned);
		for (int s = 0; s < HBPF_MAX_SETS; s++)
			assert_int_equal(out.epoch[s], s < n ? in.epoch[s] : 0);
	}
}

/* Hand-built bytes: every field at its documented offset, big-endian. */
static void test_byte_layout(void **state)
{
	uint8_t exp[HBPF_WIRE_MAX_LEN], buf[HBPF_WIRE_MAX_LEN + 1];
	struct hbpf_hb hb, out;
	union hbpf_wire_buf b;
	int i;

	(void)state;
	memset(exp, 0, sizeof(exp));
	memcpy(exp + 0, "HBPF", 4);
	exp[4] = HBPF_WIRE_VERSION;
	exp[5] = 1;  /* link */
	exp[6] = 32; /* nsets */
	exp[7] = 7;  /* keyid */
	memcpy(exp + 8, "\x01\x02\x03\x04", 4);
	memcpy(exp + 12, "\xa1\xb2\xc3\xd4", 4);
	memcpy(exp + 16, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	memcpy(exp + 24, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	memcpy(exp + 32, "\x00\x00\x00\x05", 4);
	memcpy(exp + 36, "\x00\x01\x02\x03", 4);
	exp[40] = HBPF_WT_HB;
	exp[41] = 3;
	exp[42] = 5;
	exp[43] = 2;
	exp[44] = 0xff;
	exp[45] = 0xff;
	for (i = 0; i < HBPF_MAX_SETS; i++) {
		exp[46 + 4 * i] = (uint8_t)i;
		exp[49 + 4 * i] = (uint8_t)i;
	}
	exp[46] |= 0x80;	  /* set 0 owned */
	exp[46 + 4 * 31] |= 0x80; /* set 31 owned */
	/* bytes 174..181: SipHash-2-4 of bytes 0..173, little-endian */
	hbpf_siphash_bytes(hbpf_siphash24(keys.k[0].key, exp, 174), exp + 174);

	assert_int_equal(sizeof(struct hbpf_wire), HBPF_WIRE_HDR_LEN);
	assert_int_equal(HBPF_WIRE_HDR_LEN, 46);
	assert_int_equal(HBPF_WIRE_MAX_LEN, sizeof(exp));
	assert_int_equal(offsetof(struct hbpf_wire, nsets), 6);
	assert_int_equal(offsetof(struct hbpf_wire, keyid), 7);
	assert_int_equal(offsetof(struct hbpf_wire, boot), 24);
	assert_int_equal(offsetof(struct hbpf_wire, flags), HBPF_WIRE_KEPT_LEN);
	assert_int_equal(offsetof(struct hbpf_wire, type), 40);
	assert_int_equal(offsetof(struct hbpf_wire, epoch), 46);
	assert_int_equal(HBPF_WIRE_MAC_OFF(HBPF_MAX_SETS), 174);
	sample_hb(&hb);
	memset(&b, 0x5a, sizeof(b));
	encode_signed(&hb, &b.w, 0);
	assert_memory_equal(b.b, exp, sizeof(exp));

	/* Decoding from an odd address: the payload need not be aligned. */
	memcpy(buf + 1, exp, sizeof(exp));
	assert_int_equal(hbpf_wire_decode(buf + 1, sizeof(exp), CLUSTER, SELF, &keys, &out), 0);
	hb.keyid = 7;
	memcpy(hb.mac, exp + 174, 8);
	assert_memory_equal(&hb, &out, sizeof(hb));

	/* One set: 50 signed bytes, the MAC right after the slot. */
	hb.nsets = 1;
	hb.owned = 1;
	memset(&b, 0x5a, sizeof(b));
	encode_signed(&hb, &b.w, 0);
	exp[6] = 1;
	hbpf_siphash_bytes(hbpf_siphash24(keys.k[0].key, exp, 50), exp + 50);
	assert_memory_equal(b.b, exp, HBPF_WIRE_LEN(1));
	assert_int_equal(HBPF_WIRE_LEN(1), 58);
}

struct bad_case {
	const char *what;
	size_t off; /* byte to overwrite, or (size_t)-1 */
	uint8_t val;
	size_t len; /* length passed to decode */
	int reason; /* expected HBPF_DROP_* */
};

static void test_validation(void **state)
{
	static const struct bad_case cases[] = {
		{"empty", (size_t)-1, 0, 0, HBPF_DROP_SHORT},
		{"fixed part cut", (size_t)-1, 0, HBPF_WIRE_HDR_LEN - 1, HBPF_DROP_SHORT},
		{"one byte short", (size_t)-1, 0, 181, HBPF_DROP_SHORT},
		{"v2 size", (size_t)-1, 0, 192, HBPF_DROP_SIZE},
		{"one byte long", (size_t)-1, 0, 183, HBPF_DROP_SIZE},
		{"nsets 33", 6, 33, 182, HBPF_DROP_SIZE},
		{"nsets 255", 6, 255, 182, HBPF_DROP_SIZE},
		{"nsets 31, 32 slots", 6, 31, 182, HBPF_DROP_SIZE},
		{"nsets 31, its length, MAC not moved", 6, 31, 178, HBPF_DROP_MAC},
		{"nsets 0, 32 slots", 6, 0, 182, HBPF_DROP_SIZE},
		{"magic", 0, 'X', 182, HBPF_DROP_MAGIC},
		{"magic last byte", 3, 'G', 182, HBPF_DROP_MAGIC},
		{"magic before length", 0, 'X', 3000, HBPF_DROP_MAGIC},
		{"version 0", 4, 0, 182, HBPF_DROP_VERSION},
		{"version 1", 4, 1, 182, HBPF_DROP_VERSION},
		{"version 2", 4, 2, 182, HBPF_DROP_VERSION},
		{"version 2 at its length", 4, 2, 192, HBPF_DROP_VERSION},
		{"version 4", 4, 4, 182, HBPF_DROP_VERSION},
		{"cluster", 11, 0x05, 182, HBPF_DROP_CLUSTER},
		{"cluster high byte", 8, 0x81, 182, HBPF_DROP_CLUSTER},
		{"type 0", 40, 0, 182, HBPF_DROP_TYPE},
		{"type 3", 40, 3, 182, HBPF_DROP_TYPE},
		{"src is self", 41, SELF, 182, HBPF_DROP_NODE},
		{"src out of range", 41, HBPF_MAX_NODES, 182, HBPF_DROP_NODE},
		{"src none", 41, 0xff, 182, HBPF_DROP_NODE},
		{"link out of range", 5, HBPF_MAX_LINKS, 182, HBPF_DROP_LINK},
		{"link none", 5, 0xff, 182, HBPF_DROP_LINK},
		{"keyid 0", 7, 0, 182, HBPF_DROP_KEY},
		{"keyid unknown", 7, 8, 182, HBPF_DROP_KEY},
		{"keyid of the other key", 7, 9, 182, HBPF_DROP_MAC},
		{"seq", 15, 0x00, 182, HBPF_DROP_MAC},
		{"flags", 35, 0x00, 182, HBPF_DROP_MAC},
		{"first slot's owned bit", 46, 0x00, 182, HBPF_DROP_MAC},
		{"last epoch", 173, 0xee, 182, HBPF_DROP_MAC},
		{"boot", 31, 0, 182, HBPF_DROP_MAC},
		{"mac first byte", 174, 0, 182, HBPF_DROP_MAC},
		{"mac last byte", 181, 0, 182, HBPF_DROP_MAC},
	};
	uint8_t buf[HBPF_WIRE_MAX_LEN + 16];
	struct hbpf_hb hb, out, untouched;
	size_t i;

	(void)state;
	sample_hb(&hb);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_case *c = &cases[i];
		int r;

		memset(buf, 0, sizeof(buf));
		encode_signed(&hb, (struct hbpf_wire *)buf, 0);
		if (c->off != (size_t)-1) {
			/* a no-op overwrite would test nothing */
			if (buf[c->off] == c->val)
				buf[c->off] ^= 0x80;
			else
				buf[c->off] = c->val;
		}
		memset(&out, 0x77, sizeof(out));
		memcpy(&untouched, &out, sizeof(out));
		r = hbpf_wire_decode(buf, c->len, CLUSTER, SELF, &keys, &out);
		print_message("case %s -> %d\n", c->what, r);
		assert_int_equal(r, -(c->reason + 1));
		assert_int_equal(-r - 1, c->reason);
		/* a rejected packet leaves the output alone */
		assert_memory_equal(&out, &untouched, sizeof(out));
	}
}

/* Checks run in the documented order: the first failing one is reported. */
static void test_check_order(void **state)
{
	union hbpf_wire_buf b;
	struct hbpf_hb hb, out;
	uint8_t *w = b.b;
	const size_t len = HBPF_WIRE_MAX_LEN;

	(void)state;
	sample_hb(&hb);
	encode_signed(&hb, &b.w, 0);
	w[0] = 0;  /* magic */
	w[4] = 9;  /* version */
	w[6] = 40; /* nsets */
	w[40] = 9; /* type */
	w[5] = 9;  /* link */
	assert_int_equal(hbpf_wire_decode(w, len, CLUSTER, SELF, NULL, &out),
			 -(HBPF_DROP_MAGIC + 1));
	assert_int_equal(hbpf_wire_decode(w, 10, CLUSTER, SELF, NULL, &out),
			 -(HBPF_DROP_SHORT + 1));
	memcpy(w, "HBPF", 4);
	assert_int_equal(hbpf_wire_decode(w, len, CLUSTER, SELF, NULL, &out),
			 -(HBPF_DROP_VERSION + 1));
	w[4] = HBPF_WIRE_VERSION;
	assert_int_equal(hbpf_wire_decode(w, len, CLUSTER, SELF, NULL, &out),
			 -(HBPF_DROP_SIZE + 1));
	w[6] = HBPF_MAX_SETS;
	assert_int_equal(hbpf_wire_decode(w, len - 1, CLUSTER, SELF, NULL, &out),
			 -(HBPF_DROP_SHORT + 1));
	assert_int_equal(hbpf_wire_decode(w, len, CLUSTER + 1, SELF, NULL, &out),
			 -(HBPF_DROP_CLUSTER + 1));
	assert_int_equal(hbpf_wire_decode(w, len, CLUSTER, SELF, NULL, &out),
			 -(HBPF_DROP_TYPE + 1));
	w[40] = HBPF_WT_ECHO;
	assert_int_equal(hbpf_wire_decode(w, len, CLUSTER, 3, NULL, &out), -(HBPF_DROP_NODE + 1));
	assert_int_equal(hbpf_wire_decode(w, len, CLUSTER, SELF, NULL, &out),
			 -(HBPF_DROP_LINK + 1));
	w[5] = 0;
	w[7] = 0; /* keyid */
	/* without keys the MAC is not looked at */
	assert_int_equal(hbpf_wire_decode(w, len, CLUSTER, SELF, NULL, &out), 0);
	assert_int_equal(hbpf_wire_decode(w, len, CLUSTER, SELF, &keys, &out),
			 -(HBPF_DROP_KEY + 1));
	w[7] = 7;
	assert_int_equal(hbpf_wire_decode(w, len, CLUSTER, SELF, &keys, &out),
			 -(HBPF_DROP_MAC + 1));
	assert_int_equal(hbpf_wire_sign(&b.w, &keys.k[0]), 0);
	assert_int_equal(hbpf_wire_decode(w, len, CLUSTER, SELF, &keys, &out), 0);
	assert_int_equal(out.type, HBPF_WT_ECHO);
	assert_int_equal(out.link, 0);
}

/* Encode sets magic/version itself and zeroes keyid and mac whatever was
 * there; what cannot go on the wire is refused with nothing written. */
static void test_encode_fixed_fields_and_refusals(void **state)
{
	struct hbpf_hb hb;
	union hbpf_wire_buf b, ff;

	(void)state;
	memset(&hb, 0, sizeof(hb));
	memset(&b, 0xff, sizeof(b));
	assert_int_equal(hbpf_wire_encode(&hb, &b.w), HBPF_WIRE_MIN_LEN);
	assert_memory_equal(b.b, "HBPF", 4);
	assert_int_equal(b.w.version, HBPF_WIRE_VERSION);
	assert_int_equal(b.w.nsets, 0);
	assert_int_equal(b.w.keyid, 0);
	assert_memory_equal(b.b + HBPF_WIRE_MAC_OFF(0), "\0\0\0\0\0\0\0\0", 8);
	assert_int_equal(b.b[HBPF_WIRE_MIN_LEN], 0xff); /* nothing past the payload */

	memset(&ff, 0xff, sizeof(ff));
	hb.nsets = HBPF_MAX_SETS + 1;
	memset(&b, 0xff, sizeof(b));
	assert_int_equal(hbpf_wire_encode(&hb, &b.w), 0);
	hb.nsets = 2;
	hb.owned = 1u << 2; /* owned, but no slot */
	assert_int_equal(hbpf_wire_encode(&hb, &b.w), 0);
	hb.owned = 1u << 1;
	hb.epoch[1] = HBPF_WIRE_EPOCH_MASK + 1; /* past 31 bits */
	assert_int_equal(hbpf_wire_encode(&hb, &b.w), 0);
	assert_memory_equal(&b, &ff, sizeof(b));
	hb.epoch[1] = HBPF_WIRE_EPOCH_MASK;
	hb.epoch[2] = HBPF_WIRE_EPOCH_MASK + 1; /* not carried: not looked at */
	assert_int_equal(hbpf_wire_encode(&hb, &b.w), HBPF_WIRE_LEN(2));
	assert_int_equal(be32toh(b.w.epoch[1]), 0xffffffffu);
	/* sign refuses a packet whose nsets is out of range, writing nothing */
	b.w.nsets = HBPF_MAX_SETS + 1;
	memcpy(&ff, &b, sizeof(b));
	assert_int_equal(hbpf_wire_sign(&b.w, &keys.k[0]), -EINVAL);
	assert_memory_equal(&b, &ff, sizeof(b));
	assert_int_equal(hbpf_wire_len(&b.w), 0);
}

/*
 * The sender's HB carries its boot value, verifies under its send key only,
 * carries a slot for every configured, owned or handed-over set and no more,
 * and announces a restart only while its grace lasts.
 */
static void test_sender_build_signs(void **state)
{
	static struct hbpf_local local = {.stamp_ns = 1, .flags = HBPF_WF_DAEMON_UP};
	static struct hbpf_set sets[HBPF_MAX_SETS];
	struct hbpf_kern k = {.local = &local, .sets = sets};
	struct sender_dst d = {.link = 1, .peer = 2};
	struct hbpf_keyset other = keys;
	union hbpf_wire_buf b;
	struct hbpf_hb out;
	struct sender s;
	size_t len;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.k = &k;
	s.cluster = CLUSTER;
	s.self = 3;
	s.move = 0xffff;
	for (int i = 0; i < HBPF_MAX_SETS; i++)
		s.handoff_to[i] = 0xff;
	s.key = keys.k[1];
	s.boot = 0xabcdef0123456789ull;
	s.seq[1] = 41;
	sets[0].flags = sets[1].flags = HBPF_SF_CONFIGURED;
	len = sender_build(&s, &d, 1000, &b.w);
	assert_int_equal(len, HBPF_WIRE_LEN(2));
	assert_int_equal(hbpf_wire_decode(b.b, len, CLUSTER, SELF, &keys, &out), 0);
	assert_int_equal(out.nsets, 2);
	sets[4].owned = 1;
	sets[4].epoch = 12;
	len = sender_build(&s, &d, 1000, &b.w);
	assert_int_equal(len, HBPF_WIRE_LEN(5));
	assert_int_equal(hbpf_wire_decode(b.b, len, CLUSTER, SELF, &keys, &out), 0);
	assert_int_equal(out.keyid, 9);
	assert_true(out.boot == 0xabcdef0123456789ull);
	assert_int_equal(out.seq, 41);
	assert_int_equal(out.nsets, 5);
	assert_int_equal(out.owned, 1u << 4);
	assert_int_equal(out.epoch[4], 12);
	other.n = 1; /* a receiver that only knows key 7 */
	assert_int_equal(hbpf_wire_decode(b.b, len, CLUSTER, SELF, &other, &out),
			 -(HBPF_DROP_KEY + 1));
	assert_int_equal(out.handoff_set, 0xff);

	/* Two sets handed over at once: heartbeats carry both, in turn, each
	 * with its slot. */
	sets[2].epoch = 4;
	sender_handoff(&s, 2, 1, 1000000000ull);
	sender_handoff(&s, 5, 0, 1000000000ull);
	sets[2].epoch = 6; /* learned later (the target took it): not announced */
	len = sender_build(&s, &d, 1000, &b.w);
	assert_int_equal(hbpf_wire_decode(b.b, len, CLUSTER, SELF, &keys, &out), 0);
	assert_int_equal(out.handoff_set, 2);
	assert_int_equal(out.handoff_to, 1);
	assert_int_equal(out.epoch[2], 4); /* the epoch at release */
	len = sender_build(&s, &d, 1000, &b.w);
	assert_int_equal(len, HBPF_WIRE_LEN(6));
	assert_int_equal(hbpf_wire_decode(b.b, len, CLUSTER, SELF, &keys, &out), 0);
	assert_int_equal(out.handoff_set, 5);
	assert_int_equal(out.handoff_to, 0);
	len = sender_build(&s, &d, 1000, &b.w);
	assert_int_equal(hbpf_wire_decode(b.b, len, CLUSTER, SELF, &keys, &out), 0);
	assert_int_equal(out.handoff_set, 2);

	/* A clean restart is announced while its grace lasts, not after. */
	local.flags |= HBPF_WF_RESTARTING;
	local.restart_until_ns = 2000;
	len = sender_build(&s, &d, 1000, &b.w);
	assert_int_equal(hbpf_wire_decode(b.b, len, CLUSTER, SELF, &keys, &out), 0);
	assert_true(out.flags & HBPF_WF_RESTARTING);
	len = sender_build(&s, &d, 2000, &b.w);
	assert_int_equal(hbpf_wire_decode(b.b, len, CLUSTER, SELF, &keys, &out), 0);
	assert_false(out.flags & HBPF_WF_RESTARTING);
	assert_true(out.flags & HBPF_WF_DAEMON_UP);

	/* An epoch past 31 bits cannot go on the wire: nothing to send. */
	sets[4].epoch = HBPF_WIRE_EPOCH_MASK + 1;
	assert_int_equal(sender_build(&s, &d, 1000, &b.w), 0);
}

/* A seq wrap restarts every link at 1 under a larger boot value. */
static void test_sender_seq_wrap_takes_new_boot(void **state)
{
	struct sender s;
	uint64_t boot;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.boot = sender_boot_value(0);
	boot = s.boot;
	sender_next_seq(&s);
	assert_int_equal(s.seq[0], 1);
	assert_true(s.boot == boot);
	s.seq[2] = UINT32_MAX;
	sender_next_seq(&s);
	assert_true(s.boot > boot);
	for (int i = 0; i < HBPF_MAX_LINKS; i++)
		assert_int_equal(s.seq[i], 1);
	/* a boot value never goes back, even against a clock behind it */
	assert_true(sender_boot_value(UINT64_MAX - 5) == UINT64_MAX - 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_byte_layout),
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_check_order),
		cmocka_unit_test(test_encode_fixed_fields_and_refusals),
		cmocka_unit_test(test_sender_build_signs),
		cmocka_unit_test(test_sender_seq_wrap_takes_new_boot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
