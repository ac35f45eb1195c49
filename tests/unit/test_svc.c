// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for one service action (user/svc.c): the exit-status mapping,
 * the service environment, and a command run on a real loop to its
 * completion callback, or killed at its deadline.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "loop.h"
#include "svc.h"

#define MS 1000000ull

/* Raw wait statuses as waitpid() reports them. */
#define EXITED(c) ((c) << 8)
#define KILLED(sig) (sig)

static void test_result_mapping(void **state)
{
	(void)state;
	assert_int_equal(svc_result(EXITED(0)), SVC_OK);
	assert_int_equal(svc_result(EXITED(1)), SVC_FAILED);
	assert_int_equal(svc_result(EXITED(3)), SVC_FAILED);
	assert_int_equal(svc_result(EXITED(SVC_EXIT_NOT_RUNNING)), SVC_NOT_RUNNING);
	assert_int_equal(svc_result(EXITED(255)), SVC_FAILED);
	assert_int_equal(svc_result(KILLED(9)), SVC_FAILED);
	assert_int_equal(svc_result(KILLED(15)), SVC_FAILED);
}

static void test_env(void **state)
{
	struct svc_env env = {.set = "web", .service = "httpd", .node = "a", .epoch = 42};
	char buf[4][64], *out[5];

	(void)state;
	svc_env_fill(&env, buf, out);
	assert_string_equal(out[0], "HBPF_SET=web");
	assert_string_equal(out[1], "HBPF_SERVICE=httpd");
	assert_string_equal(out[2], "HBPF_NODE=a");
	assert_string_equal(out[3], "HBPF_EPOCH=42");
	assert_null(out[4]);
}

struct seen {
	int calls, result;
	char status[64];
};

static void done(void *arg, int result, const char *status)
{
	struct seen *s = arg;

	s->calls++;
	s->result = result;
	snprintf(s->status, sizeof(s->status), "%s", status);
}

/* Run the loop until the action reported (bounded: 5 s). */
static void run_until_done(struct loop *l, struct svc_run *r, struct seen *s, int kill_at_deadline)
{
	uint64_t end = mono_now_ns() + 5000 * MS;

	while (!s->calls && mono_now_ns() < end) {
		loop_run_once(l, 10);
		if (kill_at_deadline && svc_expired(r, mono_now_ns()))
			svc_kill(r);
	}
}

/* The command sees the environment; its exit 7 arrives as not-running. */
static void test_run_reports_through_callback(void **state)
{
	struct svc_env env = {.set = "web", .service = "httpd", .node = "a", .epoch = 5};
	struct svc_run r = {0};
	struct seen s = {0};
	struct loop l;

	(void)state;
	assert_int_equal(loop_init(&l, 8), 0);
	assert_int_equal(svc_start(&r, &l,
				   "test \"$HBPF_SET $HBPF_SERVICE $HBPF_NODE $HBPF_EPOCH\" = "
				   "'web httpd a 5' && exit 7; exit 1",
				   &env, 0, done, &s, "monitor"),
			 0);
	assert_true(r.running);
	run_until_done(&l, &r, &s, 0);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.result, SVC_NOT_RUNNING);
	assert_string_equal(s.status, "exit 7");
	assert_false(r.running);
	loop_fini(&l);
}

/* Past its deadline the action is killed and reported as failed, once. */
static void test_deadline_kill_is_a_failure(void **state)
{
	struct svc_env env = {.set = "web", .service = "httpd", .node = "a", .epoch = 1};
	struct svc_run r = {0};
	struct seen s = {0};
	struct loop l;

	(void)state;
	assert_int_equal(loop_init(&l, 8), 0);
	assert_int_equal(svc_start(&r, &l, "sleep 10", &env, 50 * MS, done, &s, "monitor"), 0);
	assert_false(svc_expired(&r, mono_now_ns()));
	run_until_done(&l, &r, &s, 1);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.result, SVC_FAILED);
	assert_string_equal(s.status, "killed by SIGKILL");
	assert_false(svc_expired(&r, mono_now_ns() + 60000 * MS));
	loop_fini(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_result_mapping),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_run_reports_through_callback),
		cmocka_unit_test(test_deadline_kill_is_a_failure),
	};

	return cmocka_run_group_tests_name("svc", tests, NULL, NULL);
}
