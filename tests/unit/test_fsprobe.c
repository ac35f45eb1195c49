// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the filesystem signature table (user/fsprobe.c) and the
 * shared helpers (user/util.c): what "hbpfctl dg init" detects and what the
 * disk-group engine's member check reads back must agree.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fsprobe.h"
#include "util.h"

static uint8_t dev[FS_PROBE_BYTES];
static const uint8_t id[16] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
			       0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10};

static void put_le32(uint8_t *b, uint32_t v)
{
	b[0] = v & 0xff;
	b[1] = v >> 8 & 0xff;
	b[2] = v >> 16 & 0xff;
	b[3] = v >> 24;
}

/* An ext superblock at 1024: magic, the three feature words, the UUID. */
static void mk_ext(uint32_t compat, uint32_t incompat, uint32_t ro_compat)
{
	dev[1024 + 0x38] = 0x53;
	dev[1024 + 0x39] = 0xef;
	put_le32(dev + 1024 + 0x5c, compat);
	put_le32(dev + 1024 + 0x60, incompat);
	put_le32(dev + 1024 + 0x64, ro_compat);
	memcpy(dev + 1024 + 0x68, id, 16);
}

static void mk_xfs(void)
{
	memcpy(dev, "XFSB", 4);
	memcpy(dev + 32, id, 16);
}

static void mk_btrfs(void)
{
	memcpy(dev + 65536 + 0x40, "_BHRfS_M", 8);
	memcpy(dev + 65536 + 0x20, id, 16);
}

static int setup(void **state)
{
	(void)state;
	memset(dev, 0, sizeof(dev));
	return 0;
}

/* Detect, then read the UUID back the way an import does: same answer. */
static void check_both_ways(const char *want_type)
{
	char fstype[16], err[160];
	uint8_t uuid[16];
	uint64_t off;
	const uint8_t *u;

	assert_int_equal(
		fs_identify(dev, sizeof(dev), NULL, fstype, sizeof(fstype), uuid, err, sizeof(err)),
		0);
	assert_string_equal(fstype, want_type);
	assert_memory_equal(uuid, id, 16);
	assert_int_equal(fs_sb_block(fstype, 4096, &off), 0);
	assert_true(off % 4096 == 0);
	u = fs_uuid_at(fstype, dev + off, 4096, off);
	assert_non_null(u);
	assert_memory_equal(u, id, 16);
}

static void test_ext_generations(void **state)
{
	(void)state;
	mk_ext(0, 0, 0);
	check_both_ways("ext2");
	mk_ext(0x4, 0, 0); /* has_journal */
	check_both_ways("ext3");
	mk_ext(0x4, 0x40, 0); /* extents */
	check_both_ways("ext4");
}

static void test_xfs_and_btrfs(void **state)
{
	(void)state;
	mk_xfs();
	check_both_ways("xfs");
	memset(dev, 0, sizeof(dev));
	mk_btrfs();
	check_both_ways("btrfs");
}

static void test_refusals(void **state)
{
	char fstype[16], err[160];
	uint8_t uuid[16];

	(void)state;
	assert_int_equal(
		fs_identify(dev, sizeof(dev), "", fstype, sizeof(fstype), uuid, err, sizeof(err)),
		-ENOENT);
	assert_string_equal(err, "no ext2/3/4, xfs or btrfs filesystem found");
	assert_int_equal(fs_identify(dev, sizeof(dev), "vfat", fstype, sizeof(fstype), uuid, err,
				     sizeof(err)),
			 -EINVAL);
	mk_ext(0x4, 0x40, 0);
	assert_int_equal(fs_identify(dev, sizeof(dev), "ext3", fstype, sizeof(fstype), uuid, err,
				     sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "the filesystem uses ext4 features; ext3 cannot mount it");
	assert_int_equal(fs_identify(dev, sizeof(dev), "xfs", fstype, sizeof(fstype), uuid, err,
				     sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "no xfs filesystem found (found ext4)");
	mk_btrfs();
	assert_int_equal(
		fs_identify(dev, sizeof(dev), NULL, fstype, sizeof(fstype), uuid, err, sizeof(err)),
		-ENOTUNIQ);
	assert_string_equal(err, "several filesystem signatures (ext4, btrfs): give FSTYPE");
	/* With the type given, the other signature does not matter. */
	assert_int_equal(fs_identify(dev, sizeof(dev), "btrfs", fstype, sizeof(fstype), uuid, err,
				     sizeof(err)),
			 0);
	/* A buffer too short for btrfs's superblock does not see it. */
	assert_int_equal(fs_identify(dev, 65536 + 0x40, "btrfs", fstype, sizeof(fstype), uuid, err,
				     sizeof(err)),
			 -ENOENT);
}

/* The member check: a block without the magic, or an unknown type, yields no UUID. */
static void test_uuid_at(void **state)
{
	uint64_t off = 1;

	(void)state;
	assert_null(fs_uuid_at("ext4", dev, 4096, 0));
	assert_int_equal(fs_sb_block("vfat", 4096, &off), -ENOTSUP);
	assert_null(fs_uuid_at("vfat", dev, 4096, 0));
	mk_btrfs();
	/* The block at 0 does not hold btrfs's superblock. */
	assert_null(fs_uuid_at("btrfs", dev, 4096, 0));
	assert_true(fs_is_ext("ext3"));
	assert_false(fs_is_ext("xfs"));
}

static void test_uuid_fmt_and_zero(void **state)
{
	char buf[37];
	uint8_t z[16] = {0};

	(void)state;
	uuid_fmt(buf, sizeof(buf), id);
	assert_string_equal(buf, "01234567-89ab-cdef-fedc-ba9876543210");
	assert_true(uuid_zero(z));
	assert_false(uuid_zero(id));
}

static void test_name_rule_and_hexval(void **state)
{
	(void)state;
	assert_int_equal(name_bad_at("web-1.a_b"), -1);
	assert_int_equal(name_bad_at("web 1"), 3);
	assert_int_equal(name_bad_at("w/x"), 1);
	assert_true(name_valid("a", 4));
	assert_false(name_valid("", 4));
	assert_false(name_valid("abcd", 4));
	assert_false(name_valid("a\nb", 8));
	assert_int_equal(hexval('0'), 0);
	assert_int_equal(hexval('f'), 15);
	assert_int_equal(hexval('F'), 15);
	assert_int_equal(hexval('g'), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_ext_generations, setup),
		cmocka_unit_test_setup(test_xfs_and_btrfs, setup),
		cmocka_unit_test_setup(test_refusals, setup),
		cmocka_unit_test_setup(test_uuid_at, setup),
		cmocka_unit_test(test_uuid_fmt_and_zero),
		cmocka_unit_test(test_name_rule_and_hexval),
	};

	return cmocka_run_group_tests_name("fsprobe", tests, NULL, NULL);
}
