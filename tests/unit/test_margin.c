// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the timer-margin verdict (user/margin.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "margin.h"

#define MS 1000000ull
#define US 1000ull

/* A quiet namespace lab: 1 ms x 3, 20 us jitter, 50 us RTT. */
static void test_quiet_link_has_margin(void **state)
{
	struct margin m;
	char buf[256];

	(void)state;
	margin_judge(1 * MS, 3, 50 * US, 20 * US, &m);
	assert_int_equal(m.detect_ns, 3 * MS);
	assert_int_equal(m.need_ns, 1 * MS + 80 * US);
	assert_false(m.tight);
	assert_int_equal(m.suggest_mult, 3);
	margin_format(&m, 50 * US, 20 * US, buf, sizeof(buf));
	assert_string_equal(buf, "jitter 0.02 ms, rtt 0.05 ms: detection time 3.0 ms has margin");
}

/* An emulated VM at the defaults: gaps of several ms against 3 ms. */
static void test_jittery_vm_link_at_defaults_is_tight(void **state)
{
	struct margin m;
	char buf[256];

	(void)state;
	margin_judge(1 * MS, 3, 2 * MS, 1500 * US, &m);
	assert_true(m.tight);
	assert_int_equal(m.need_ns, 7 * MS);
	assert_int_equal(m.suggest_mult, 14);
	margin_format(&m, 2 * MS, 1500 * US, buf, sizeof(buf));
	assert_non_null(strstr(buf, "detection time 3.0 ms leaves too little margin over the "
				    "7.00 ms gaps expected"));
	assert_non_null(strstr(buf, "(detect-mult 14 at this interval)"));
}

/* The edge: need exactly half of detect is still fine, a nanosecond more is not. */
static void test_half_of_detect_is_the_limit(void **state)
{
	struct margin m;

	(void)state;
	margin_judge(2 * MS, 5, 0, 500 * US, &m); /* need 4 ms of 10 ms */
	assert_false(m.tight);
	margin_judge(2 * MS, 4, 0, 500 * US, &m); /* need 4 ms of 8 ms */
	assert_false(m.tight);
	margin_judge(2 * MS, 4, 0, 500 * US + 1, &m);
	assert_true(m.tight);
}

/* A long RTT alone is reason enough (echoes would speak too late). */
static void test_long_rtt_is_tight_and_suggestion_is_capped(void **state)
{
	struct margin m;

	(void)state;
	margin_judge(20 * MS, 25, 300 * MS, 0, &m);
	assert_true(m.tight);
	assert_int_equal(m.need_ns, 300 * MS);
	assert_int_equal(m.suggest_mult, 30);
	margin_judge(1 * MS, 3, 900 * MS, 0, &m);
	assert_int_equal(m.suggest_mult, 100);
}

/* A stamp the kernel wrote after the caller read its clock is fresh. */
static void test_stamp_ahead_of_now_is_fresh(void **state)
{
	(void)state;
	assert_true(margin_fresh(100 * MS, 100 * MS + 5));
	assert_true(margin_fresh(100 * MS, 100 * MS));
	assert_true(margin_fresh(MARGIN_FRESH_NS + 1, 1));
	assert_false(margin_fresh(MARGIN_FRESH_NS + 2, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quiet_link_has_margin),
		cmocka_unit_test(test_jittery_vm_link_at_defaults_is_tight),
		cmocka_unit_test(test_half_of_detect_is_the_limit),
		cmocka_unit_test(test_long_rtt_is_tight_and_suggestion_is_capped),
		cmocka_unit_test(test_stamp_ahead_of_now_is_fresh),
	};

	return cmocka_run_group_tests_name("margin", tests, NULL, NULL);
}
