// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for hbpfctl's pure helpers (user/pinned.c): no maps, no daemon. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pinned.h"

#define MS 1000000ull

static const char *const cmds[] = {"status",  "peers", "sets",	  "counters", "move", "acquire",
				   "release", "reset", "restart", "shutdown", "ping", "check"};
#define NCMDS ((int)(sizeof(cmds) / sizeof(cmds[0])))

static void test_prefix_unique(void **state)
{
	(void)state;
	assert_int_equal(hbpf_match_prefix("st", cmds, NCMDS), 0);
	assert_int_equal(hbpf_match_prefix("pe", cmds, NCMDS), 1);
	assert_int_equal(hbpf_match_prefix("co", cmds, NCMDS), 3);
	assert_int_equal(hbpf_match_prefix("m", cmds, NCMDS), 4);
	assert_int_equal(hbpf_match_prefix("sh", cmds, NCMDS), 9);
	assert_int_equal(hbpf_match_prefix("check", cmds, NCMDS), 11);
}

static void test_prefix_ambiguous(void **state)
{
	(void)state;
	assert_int_equal(hbpf_match_prefix("s", cmds, NCMDS), -EINVAL);
	assert_int_equal(hbpf_match_prefix("re", cmds, NCMDS), -EINVAL);
	assert_int_equal(hbpf_match_prefix("p", cmds, NCMDS), -EINVAL);
	assert_int_equal(hbpf_match_prefix("res", cmds, NCMDS), -EINVAL);
	assert_int_equal(hbpf_match_prefix("rest", cmds, NCMDS), 8);
}

static void test_prefix_exact_wins(void **state)
{
	static const char *const names[] = {"set", "sets", "setup"};

	(void)state;
	/* "set" is a prefix of all three, but an exact match is never ambiguous */
	assert_int_equal(hbpf_match_prefix("set", names, 3), 0);
	assert_int_equal(hbpf_match_prefix("sets", names, 3), 1);
	assert_int_equal(hbpf_match_prefix("setu", names, 3), 2);
}

static void test_prefix_none(void **state)
{
	(void)state;
	assert_int_equal(hbpf_match_prefix("", cmds, NCMDS), -ENOENT);
	assert_int_equal(hbpf_match_prefix("x", cmds, NCMDS), -ENOENT);
	assert_int_equal(hbpf_match_prefix("statuss", cmds, NCMDS), -ENOENT);
	assert_int_equal(hbpf_match_prefix("Status", cmds, NCMDS), -ENOENT);
}

static void test_valid_name(void **state)
{
	char longname[64];

	(void)state;
	assert_true(hbpf_valid_name("web"));
	assert_true(hbpf_valid_name("db-1.primary_x"));
	assert_false(hbpf_valid_name(""));
	assert_false(hbpf_valid_name("web db"));
	assert_false(hbpf_valid_name("web\nshutdown"));
	assert_false(hbpf_valid_name("a/b"));
	assert_false(hbpf_valid_name("caf\xc3\xa9"));
	memset(longname, 'a', sizeof(longname));
	longname[31] = '\0';
	assert_true(hbpf_valid_name(longname));
	longname[31] = 'a';
	longname[32] = '\0';
	assert_false(hbpf_valid_name(longname));
}

static void test_age(void **state)
{
	uint64_t now = 10000000000ull * MS; /* about 115 days of uptime */
	char buf[32];

	(void)state;
	assert_true(hbpf_age_ms(now, 0) < 0);
	assert_true(hbpf_age_ms(now, now + 5) == 0.0);
	assert_true(hbpf_age_ms(now, now - 3 * MS) == 3.0);
	hbpf_fmt_age(buf, sizeof(buf), now, 0);
	assert_string_equal(buf, "-");
	hbpf_fmt_age(buf, sizeof(buf), now, now - 850 * MS);
	assert_string_equal(buf, "850 ms");
	hbpf_fmt_age(buf, sizeof(buf), now, now - 12300 * MS);
	assert_string_equal(buf, "12.3 s");
	hbpf_fmt_age(buf, sizeof(buf), now, now - 307000 * MS);
	assert_string_equal(buf, "5m07s");
	hbpf_fmt_age(buf, sizeof(buf), now, now - (3 * 3600 + 12 * 60) * 1000 * MS);
	assert_string_equal(buf, "3h12m");
	hbpf_fmt_age(buf, sizeof(buf), now - 1, now - 1 - (4 * 86400 + 3 * 3600) * 1000 * MS);
	assert_string_equal(buf, "4d03h");
}

static void test_loss(void **state)
{
	(void)state;
	assert_true(hbpf_loss_pct(0, 0) < 0);
	assert_true(hbpf_loss_pct(900, 100) == 10.0);
	assert_true(hbpf_loss_pct(0, 7) == 100.0);
	assert_true(hbpf_loss_pct(5, 0) == 0.0);
}

static void test_names(void **state)
{
	char buf[64];

	(void)state;
	for (int i = 0; i < HBPF_DROP_MAX; i++)
		assert_non_null(hbpf_drop_name(i));
	for (int i = 0; i < HBPF_STAT_MAX; i++)
		assert_non_null(hbpf_stat_name(i));
	assert_null(hbpf_drop_name(HBPF_DROP_MAX));
	assert_null(hbpf_stat_name(-1));
	assert_string_equal(hbpf_drop_name(HBPF_DROP_SHORT), "short");
	assert_string_equal(hbpf_peer_state_name(HBPF_PEER_DAEMON_DEAD), "daemon-dead");
	assert_null(hbpf_peer_state_name(4));
	hbpf_wire_flags_str(0, buf, sizeof(buf));
	assert_string_equal(buf, "-");
	hbpf_wire_flags_str(HBPF_WF_DAEMON_UP | HBPF_WF_PUBLIC_UP, buf, sizeof(buf));
	assert_string_equal(buf, "daemon-up,public-up");
	hbpf_wire_flags_str(HBPF_WF_SHUTDOWN | 0x100, buf, sizeof(buf));
	assert_string_equal(buf, "shutdown,0x100");
	/* truncation keeps the buffer terminated */
	hbpf_wire_flags_str(0xf, buf, 8);
	assert_int_equal(strlen(buf), 7);
}

static void test_json(void **state)
{
	char *out = NULL;
	size_t len = 0;
	struct jw w;
	FILE *f;

	(void)state;
	f = open_memstream(&out, &len);
	assert_non_null(f);
	jw_init(&w, f);
	jw_open_obj(&w, NULL);
	jw_str(&w, "name", "a\"b\\c\nd\x01");
	jw_u64(&w, "n", 18446744073709551615ull);
	jw_int(&w, "i", -3);
	jw_bool(&w, "t", 1);
	jw_str(&w, "s", NULL);
	jw_dec1(&w, "ms", 12.345);
	jw_dec1(&w, "never", -1);
	jw_fixed(&w, "pct", 10, 2);
	jw_open_arr(&w, "a");
	jw_str(&w, NULL, "x");
	jw_open_obj(&w, NULL);
	jw_close_obj(&w);
	jw_open_arr(&w, NULL);
	jw_close_arr(&w);
	jw_close_arr(&w);
	jw_close_obj(&w);
	fclose(f);
	assert_string_equal(out, "{\"name\":\"a\\\"b\\\\c\\nd\\u0001\",\"n\":18446744073709551615,"
				 "\"i\":-3,\"t\":true,\"s\":null,\"ms\":12.3,\"never\":null,"
				 "\"pct\":10.00,\"a\":[\"x\",{},[]]}\n");
	free(out);
}

static void test_last_line(void **state)
{
	char one[] = "ok pong alpha\n";
	char many[] = "web ONLINE alpha 3 - 0\ndb OFFLINE beta 7 - 0\nok\n\n";
	char *l;

	(void)state;
	l = hbpf_reply_last_line(one);
	assert_ptr_equal(l, one);
	assert_string_equal(l, "ok pong alpha");
	l = hbpf_reply_last_line(many);
	assert_string_equal(l, "ok");
	assert_string_equal(many, "web ONLINE alpha 3 - 0\ndb OFFLINE beta 7 - 0");
}

static void test_request_unreachable(void **state)
{
	char why[256], *reply = NULL;
	char longreq[600];

	(void)state;
	assert_int_equal(
		hbpf_ctl_request("/nonexistent/hbpf.sock", "ping", 100, &reply, why, sizeof(why)),
		-ENOENT);
	assert_string_equal(why,
			    "cannot connect to /nonexistent/hbpf.sock: No such file or directory");
	assert_null(reply);
	memset(longreq, 'a', sizeof(longreq) - 1);
	longreq[sizeof(longreq) - 1] = '\0';
	assert_int_equal(hbpf_ctl_request("/x", longreq, 100, &reply, why, sizeof(why)), -EMSGSIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_unique),
		cmocka_unit_test(test_prefix_ambiguous),
		cmocka_unit_test(test_prefix_exact_wins),
		cmocka_unit_test(test_prefix_none),
		cmocka_unit_test(test_valid_name),
		cmocka_unit_test(test_age),
		cmocka_unit_test(test_loss),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_last_line),
		cmocka_unit_test(test_request_unreachable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
