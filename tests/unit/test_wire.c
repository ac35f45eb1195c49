// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the heartbeat wire encode/decode (user/wire.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wire.h"

#define CLUSTER 0x01020304u
#define SELF 0

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
}

static void test_round_trip(void **state)
{
	struct hbpf_hb in, out;
	struct hbpf_wire w;

	(void)state;
	sample_hb(&in);
	hbpf_wire_encode(&in, &w);
	memset(&out, 0xee, sizeof(out));
	assert_int_equal(hbpf_wire_decode(&w, sizeof(w), CLUSTER, SELF, &out), 0);
	assert_memory_equal(&in, &out, sizeof(in));

	in.type = HBPF_WT_ECHO;
	in.link = HBPF_MAX_LINKS - 1;
	in.src_node = HBPF_MAX_NODES - 1;
	hbpf_wire_encode(&in, &w);
	assert_int_equal(hbpf_wire_decode(&w, sizeof(w), CLUSTER, SELF, &out), 0);
	assert_memory_equal(&in, &out, sizeof(in));
}

/* Hand-built bytes: every field at its documented offset, big-endian. */
static void test_byte_layout(void **state)
{
	uint8_t exp[176], buf[sizeof(struct hbpf_wire) + 1];
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
	/* bytes 172..175: pad, zero */

	assert_int_equal(sizeof(w), sizeof(exp));
	assert_int_equal(offsetof(struct hbpf_wire, epoch), 44);
	assert_int_equal(offsetof(struct hbpf_wire, pad), 172);
	sample_hb(&hb);
	memset(&w, 0x5a, sizeof(w));
	hbpf_wire_encode(&hb, &w);
	assert_memory_equal(&w, exp, sizeof(exp));

	/* Decoding from an odd address: the payload need not be aligned. */
	memcpy(buf + 1, exp, sizeof(exp));
	assert_int_equal(hbpf_wire_decode(buf + 1, sizeof(exp), CLUSTER, SELF, &out), 0);
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
		{"one byte short", (size_t)-1, 0, 175, HBPF_DROP_SHORT},
		{"one byte long", (size_t)-1, 0, 177, HBPF_DROP_SIZE},
		{"magic", 0, 'X', 176, HBPF_DROP_MAGIC},
		{"magic last byte", 3, 'G', 176, HBPF_DROP_MAGIC},
		{"version 0", 4, 0, 176, HBPF_DROP_VERSION},
		{"version 2", 4, 2, 176, HBPF_DROP_VERSION},
		{"cluster", 11, 0x05, 176, HBPF_DROP_CLUSTER},
		{"cluster high byte", 8, 0x81, 176, HBPF_DROP_CLUSTER},
		{"type 0", 5, 0, 176, HBPF_DROP_TYPE},
		{"type 3", 5, 3, 176, HBPF_DROP_TYPE},
		{"src is self", 6, SELF, 176, HBPF_DROP_NODE},
		{"src out of range", 6, HBPF_MAX_NODES, 176, HBPF_DROP_NODE},
		{"src none", 6, 0xff, 176, HBPF_DROP_NODE},
		{"link out of range", 7, HBPF_MAX_LINKS, 176, HBPF_DROP_LINK},
		{"link none", 7, 0xff, 176, HBPF_DROP_LINK},
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
		hbpf_wire_encode(&hb, (struct hbpf_wire *)buf);
		if (c->off != (size_t)-1)
			buf[c->off] = c->val;
		memset(&out, 0x77, sizeof(out));
		memcpy(&untouched, &out, sizeof(out));
		r = hbpf_wire_decode(buf, c->len, CLUSTER, SELF, &out);
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
	hbpf_wire_encode(&hb, &w);
	b[0] = 0; /* magic */
	b[4] = 9; /* version */
	b[5] = 9; /* type */
	b[7] = 9; /* link */
	assert_int_equal(hbpf_wire_decode(&w, sizeof(w), CLUSTER, SELF, &out),
			 -(HBPF_DROP_MAGIC + 1));
	assert_int_equal(hbpf_wire_decode(&w, 10, CLUSTER, SELF, &out), -(HBPF_DROP_SHORT + 1));
	memcpy(b, "HBPF", 4);
	assert_int_equal(hbpf_wire_decode(&w, sizeof(w), CLUSTER, SELF, &out),
			 -(HBPF_DROP_VERSION + 1));
	b[4] = HBPF_WIRE_VERSION;
	assert_int_equal(hbpf_wire_decode(&w, sizeof(w), CLUSTER + 1, SELF, &out),
			 -(HBPF_DROP_CLUSTER + 1));
	assert_int_equal(hbpf_wire_decode(&w, sizeof(w), CLUSTER, SELF, &out),
			 -(HBPF_DROP_TYPE + 1));
	b[5] = HBPF_WT_ECHO;
	assert_int_equal(hbpf_wire_decode(&w, sizeof(w), CLUSTER, 3, &out), -(HBPF_DROP_NODE + 1));
	assert_int_equal(hbpf_wire_decode(&w, sizeof(w), CLUSTER, SELF, &out),
			 -(HBPF_DROP_LINK + 1));
	b[7] = 0;
	assert_int_equal(hbpf_wire_decode(&w, sizeof(w), CLUSTER, SELF, &out), 0);
	assert_int_equal(out.type, HBPF_WT_ECHO);
	assert_int_equal(out.link, 0);
}

/* Encode sets magic/version itself and zeroes the pad whatever was there. */
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
	assert_int_equal(w.pad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),	    cmocka_unit_test(test_byte_layout),
		cmocka_unit_test(test_validation),	    cmocka_unit_test(test_check_order),
		cmocka_unit_test(test_encode_fixed_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
