// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the heartbeat wire encode/decode/sign (user/wire.c, user/sender.c). */
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
	hbpf_wire_encode(hb, w);
	hbpf_wire_sign(w, &keys.k[slot]);
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
	hb->restart_left_ms = 0x0a0b0c0du;
	hb->owned = 0x80000001u;
	hb->handoff_set = 5;
	hb->handoff_to = 2;
	hb->move_set = 0xff;
	hb->move_to = 0xff;
	for (i = 0; i < HBPF_MAX_SETS; i++)
		hb->epoch[i] = 0x01000000u * (uint32_t)i + (uint32_t)i;
	hb->boot = 0x0102030405060708ull;
}

static void test_round_trip(void **state)
{
	struct hbpf_hb in, out;
	struct hbpf_wire w;

	(void)state;
	sample_hb(&in);
	encode_signed(&in, &w, 0);
	memset(&out, 0xee, sizeof(out));
	assert_int_equal(hbpf_wire_decode(&w, sizeof(w), CLUSTER, SELF, &keys, &out), 0);
	in.keyid = 7;
	memcpy(in.mac, w.mac, 8);
	assert_memory_equal(&in, &out, sizeof(in));

	in.type = HBPF_WT_ECHO;
	in.link = HBPF_MAX_LINKS - 1;
	in.src_node = HBPF_MAX_NODES - 1;
	encode_signed(&in, &w, 1); /* the rollover key verifies too */
	assert_int_equal(hbpf_wire_decode(&w, sizeof(w), CLUSTER, SELF, &keys, &out), 0);
	in.keyid = 9;
	memcpy(in.mac, w.mac, 8);
	assert_memory_equal(&in, &out, sizeof(in));
}

/* Hand-built bytes: every field at its documented offset, big-endian. */
static void test_byte_layout(void **state)
{
	uint8_t exp[192], buf[sizeof(struct hbpf_wire) + 1];
	struct hbpf_hb hb, out;
	struct hbpf_wire w;
	int i;

	(void)state;
	memset(exp, 0, sizeof(exp));
	memcpy(exp + 0, "HBPF", 4);
	exp[4] = HBPF_WIRE_VERSION;
	exp[5] = HBPF_WT_HB;
	exp[6] = 3;
	exp[7] = 1;
	memcpy(exp + 8, "\x01\x02\x03\x04", 4);
	memcpy(exp + 12, "\xa1\xb2\xc3\xd4", 4);
	memcpy(exp + 16, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	memcpy(exp + 24, "\x00\x00\x00\x05", 4);
	memcpy(exp + 28, "\x00\x01\x02\x03", 4);
	memcpy(exp + 32, "\x0a\x0b\x0c\x0d", 4);
	memcpy(exp + 36, "\x80\x00\x00\x01", 4);
	exp[40] = 5;
	exp[41] = 2;
	exp[42] = 0xff;
	exp[43] = 0xff;
	for (i = 0; i < HBPF_MAX_SETS; i++) {
		exp[44 + 4 * i] = (uint8_t)i;
		exp[47 + 4 * i] = (uint8_t)i;
	}
	exp[172] = 7; /* keyid; 173..175 pad, zero */
	memcpy(exp + 176, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	/* bytes 184..191: SipHash-2-4 of bytes 0..183, little-endian */
	hbpf_siphash_bytes(hbpf_siphash24(keys.k[0].key, exp, 184), exp + 184);

	assert_int_equal(sizeof(w), sizeof(exp));
	assert_int_equal(offsetof(struct hbpf_wire, epoch), 44);
	assert_int_equal(offsetof(struct hbpf_wire, keyid), 172);
	assert_int_equal(offsetof(struct hbpf_wire, boot), 176);
	assert_int_equal(offsetof(struct hbpf_wire, mac), HBPF_WIRE_MAC_LEN);
	sample_hb(&hb);
	memset(&w, 0x5a, sizeof(w));
	encode_signed(&hb, &w, 0);
	assert_memory_equal(&w, exp, sizeof(exp));

	/* Decoding from an odd address: the payload need not be aligned. */
	memcpy(buf + 1, exp, sizeof(exp));
	assert_int_equal(hbpf_wire_decode(buf + 1, sizeof(exp), CLUSTER, SELF, &keys, &out), 0);
	hb.keyid = 7;
	memcpy(hb.mac, exp + 184, 8);
	assert_memory_equal(&hb, &out, sizeof(hb));
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
		{"one byte short", (size_t)-1, 0, 191, HBPF_DROP_SHORT},
		{"v1 size", (size_t)-1, 0, 176, HBPF_DROP_SHORT},
		{"one byte long", (size_t)-1, 0, 193, HBPF_DROP_SIZE},
		{"magic", 0, 'X', 192, HBPF_DROP_MAGIC},
		{"magic last byte", 3, 'G', 192, HBPF_DROP_MAGIC},
		{"version 0", 4, 0, 192, HBPF_DROP_VERSION},
		{"version 1", 4, 1, 192, HBPF_DROP_VERSION},
		{"version 3", 4, 3, 192, HBPF_DROP_VERSION},
		{"cluster", 11, 0x05, 192, HBPF_DROP_CLUSTER},
		{"cluster high byte", 8, 0x81, 192, HBPF_DROP_CLUSTER},
		{"type 0", 5, 0, 192, HBPF_DROP_TYPE},
		{"type 3", 5, 3, 192, HBPF_DROP_TYPE},
		{"src is self", 6, SELF, 192, HBPF_DROP_NODE},
		{"src out of range", 6, HBPF_MAX_NODES, 192, HBPF_DROP_NODE},
		{"src none", 6, 0xff, 192, HBPF_DROP_NODE},
		{"link out of range", 7, HBPF_MAX_LINKS, 192, HBPF_DROP_LINK},
		{"link none", 7, 0xff, 192, HBPF_DROP_LINK},
		{"keyid 0", 172, 0, 192, HBPF_DROP_KEY},
		{"keyid unknown", 172, 8, 192, HBPF_DROP_KEY},
		{"keyid of the other key", 172, 9, 192, HBPF_DROP_MAC},
		{"seq", 15, 0x00, 192, HBPF_DROP_MAC},
		{"owned", 39, 0x00, 192, HBPF_DROP_MAC},
		{"last epoch", 171, 0xee, 192, HBPF_DROP_MAC},
		{"pad", 174, 1, 192, HBPF_DROP_MAC},
		{"boot", 183, 0, 192, HBPF_DROP_MAC},
		{"mac first byte", 184, 0, 192, HBPF_DROP_MAC},
		{"mac last byte", 191, 0, 192, HBPF_DROP_MAC},
	};
	uint8_t buf[sizeof(struct hbpf_wire) + 8];
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
	struct hbpf_wire w;
	struct hbpf_hb hb, out;
	uint8_t *b = (uint8_t *)&w;

	(void)state;
	sample_hb(&hb);
	encode_signed(&hb, &w, 0);
	b[0] = 0; /* magic */
	b[4] = 9; /* version */
	b[5] = 9; /* type */
	b[7] = 9; /* link */
	assert_int_equal(hbpf_wire_decode(&w, sizeof(w), CLUSTER, SELF, NULL, &out),
			 -(HBPF_DROP_MAGIC + 1));
	assert_int_equal(hbpf_wire_decode(&w, 10, CLUSTER, SELF, NULL, &out),
			 -(HBPF_DROP_SHORT + 1));
	memcpy(b, "HBPF", 4);
	assert_int_equal(hbpf_wire_decode(&w, sizeof(w), CLUSTER, SELF, NULL, &out),
			 -(HBPF_DROP_VERSION + 1));
	b[4] = HBPF_WIRE_VERSION;
	assert_int_equal(hbpf_wire_decode(&w, sizeof(w), CLUSTER + 1, SELF, NULL, &out),
			 -(HBPF_DROP_CLUSTER + 1));
	assert_int_equal(hbpf_wire_decode(&w, sizeof(w), CLUSTER, SELF, NULL, &out),
			 -(HBPF_DROP_TYPE + 1));
	b[5] = HBPF_WT_ECHO;
	assert_int_equal(hbpf_wire_decode(&w, sizeof(w), CLUSTER, 3, NULL, &out),
			 -(HBPF_DROP_NODE + 1));
	assert_int_equal(hbpf_wire_decode(&w, sizeof(w), CLUSTER, SELF, NULL, &out),
			 -(HBPF_DROP_LINK + 1));
	b[7] = 0;
	b[172] = 0; /* keyid */
	/* without keys the MAC is not looked at */
	assert_int_equal(hbpf_wire_decode(&w, sizeof(w), CLUSTER, SELF, NULL, &out), 0);
	assert_int_equal(hbpf_wire_decode(&w, sizeof(w), CLUSTER, SELF, &keys, &out),
			 -(HBPF_DROP_KEY + 1));
	b[172] = 7;
	assert_int_equal(hbpf_wire_decode(&w, sizeof(w), CLUSTER, SELF, &keys, &out),
			 -(HBPF_DROP_MAC + 1));
	hbpf_wire_sign(&w, &keys.k[0]);
	assert_int_equal(hbpf_wire_decode(&w, sizeof(w), CLUSTER, SELF, &keys, &out), 0);
	assert_int_equal(out.type, HBPF_WT_ECHO);
	assert_int_equal(out.link, 0);
}

/* Encode sets magic/version itself and zeroes pad, keyid and mac whatever was there. */
static void test_encode_fixed_fields(void **state)
{
	struct hbpf_hb hb;
	struct hbpf_wire w;

	(void)state;
	memset(&hb, 0, sizeof(hb));
	memset(&w, 0xff, sizeof(w));
	hbpf_wire_encode(&hb, &w);
	assert_memory_equal(&w, "HBPF", 4);
	assert_int_equal(w.version, HBPF_WIRE_VERSION);
	assert_int_equal(w.keyid, 0);
	assert_memory_equal(w.pad, "\0\0\0", 3);
	assert_memory_equal(w.mac, "\0\0\0\0\0\0\0\0", 8);
}

/* The sender's HB carries its boot value and verifies under its send key only. */
static void test_sender_build_signs(void **state)
{
	static struct hbpf_local local = {.stamp_ns = 1, .flags = HBPF_WF_DAEMON_UP};
	static struct hbpf_set sets[HBPF_MAX_SETS];
	struct hbpf_kern k = {.local = &local, .sets = sets};
	struct sender_dst d = {.link = 1, .peer = 2};
	struct hbpf_keyset other = keys;
	struct hbpf_wire w;
	struct hbpf_hb out;
	struct sender s;

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
	sets[4].owned = 1;
	sets[4].epoch = 12;
	sender_build(&s, &d, 1000, &w);
	assert_int_equal(hbpf_wire_decode(&w, sizeof(w), CLUSTER, SELF, &keys, &out), 0);
	assert_int_equal(out.keyid, 9);
	assert_true(out.boot == 0xabcdef0123456789ull);
	assert_int_equal(out.seq, 41);
	assert_int_equal(out.owned, 1u << 4);
	assert_int_equal(out.epoch[4], 12);
	other.n = 1; /* a receiver that only knows key 7 */
	assert_int_equal(hbpf_wire_decode(&w, sizeof(w), CLUSTER, SELF, &other, &out),
			 -(HBPF_DROP_KEY + 1));
	assert_int_equal(out.handoff_set, 0xff);

	/* Two sets handed over at once: heartbeats carry both, in turn. */
	sets[2].epoch = 4;
	sender_handoff(&s, 2, 1, 1000000000ull);
	sender_handoff(&s, 5, 0, 1000000000ull);
	sets[2].epoch = 6; /* learned later (the target took it): not announced */
	sender_build(&s, &d, 1000, &w);
	assert_int_equal(hbpf_wire_decode(&w, sizeof(w), CLUSTER, SELF, &keys, &out), 0);
	assert_int_equal(out.handoff_set, 2);
	assert_int_equal(out.handoff_to, 1);
	assert_int_equal(out.epoch[2], 4); /* the epoch at release */
	sender_build(&s, &d, 1000, &w);
	assert_int_equal(hbpf_wire_decode(&w, sizeof(w), CLUSTER, SELF, &keys, &out), 0);
	assert_int_equal(out.handoff_set, 5);
	assert_int_equal(out.handoff_to, 0);
	sender_build(&s, &d, 1000, &w);
	assert_int_equal(hbpf_wire_decode(&w, sizeof(w), CLUSTER, SELF, &keys, &out), 0);
	assert_int_equal(out.handoff_set, 2);
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
		cmocka_unit_test(test_encode_fixed_fields),
		cmocka_unit_test(test_sender_build_signs),
		cmocka_unit_test(test_sender_seq_wrap_takes_new_boot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
