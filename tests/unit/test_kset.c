// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the daemon's two writers of sets[].owned and sets[].epoch
 * (user/loader.c kern_set_own, kern_set_drop), on a plain array standing in
 * for the mmapped "sets" map.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "loader.h"

static struct hbpf_set sets[HBPF_MAX_SETS];
static struct hbpf_kern k = {.sets = sets};

static int reset(void **state)
{
	(void)state;
	memset(sets, 0, sizeof(sets));
	sets[1].owner = HBPF_NODE_NONE;
	sets[1].epoch = 7;
	return 0;
}

/* A take makes this node owner with an epoch above what was there. */
static void test_take_bumps_epoch_and_owns(void **state)
{
	uint32_t ep;

	(void)state;
	ep = kern_set_own(&k, 1, 3, 0, KERN_OWN_TAKE);
	assert_int_equal(ep, 8);
	assert_int_equal(sets[1].epoch, 8);
	assert_int_equal(sets[1].owner, 3);
	assert_int_equal(sets[1].owned, 1);
	assert_true(sets[1].changed_ns > 0);
	assert_int_equal(sets[0].owned, 0); /* only the set asked for */
}

/* Taking a set already owned changes nothing (an adopted set, a repeat). */
static void test_take_of_owned_set_keeps_epoch(void **state)
{
	(void)state;
	sets[1].owned = 1;
	sets[1].owner = 3;
	assert_int_equal(kern_set_own(&k, 1, 3, 0, KERN_OWN_TAKE), 7);
	assert_int_equal(sets[1].epoch, 7);
}

/* The held-set floor raises the epoch without taking; a lower floor leaves it. */
static void test_floor_raises_only(void **state)
{
	(void)state;
	assert_int_equal(kern_set_own(&k, 1, 3, 20, KERN_OWN_FLOOR), 20);
	assert_int_equal(sets[1].epoch, 20);
	assert_int_equal(sets[1].owned, 0);
	assert_int_equal(sets[1].owner, HBPF_NODE_NONE);
	assert_int_equal(kern_set_own(&k, 1, 3, 5, KERN_OWN_FLOOR), 20);
	assert_int_equal(sets[1].epoch, 20);
	/* the take after the floor goes above it */
	assert_int_equal(kern_set_own(&k, 1, 3, 0, KERN_OWN_TAKE), 21);
}

static void test_drop_modes(void **state)
{
	(void)state;
	kern_set_own(&k, 1, 3, 0, KERN_OWN_TAKE);
	kern_set_drop(&k, 1, KERN_DROP_SILENT);
	assert_int_equal(sets[1].owned, 0);
	assert_int_equal(sets[1].owner, 3); /* the release plan demotes later */
	assert_int_equal(sets[1].epoch, 8);

	sets[1].owned = 1;
	sets[1].changed_ns = 0;
	kern_set_drop(&k, 1, KERN_DROP_DEMOTE);
	assert_int_equal(sets[1].owned, 0);
	assert_int_equal(sets[1].owner, HBPF_NODE_NONE);
	assert_int_equal(sets[1].epoch, 8); /* the epoch is kept: the next take goes above */
	assert_true(sets[1].changed_ns > 0);

	sets[1].owned = 1;
	sets[1].owner = 3;
	kern_set_drop(&k, 1, KERN_DROP_RESET);
	assert_int_equal(sets[1].owned, 0);
	assert_int_equal(sets[1].owner, HBPF_NODE_NONE);
	assert_int_equal(sets[1].epoch, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_take_bumps_epoch_and_owns, reset),
		cmocka_unit_test_setup(test_take_of_owned_set_keeps_epoch, reset),
		cmocka_unit_test_setup(test_floor_raises_only, reset),
		cmocka_unit_test_setup(test_drop_modes, reset),
	};

	return cmocka_run_group_tests_name("kset", tests, NULL, NULL);
}
