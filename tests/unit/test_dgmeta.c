// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the disk-group metadata format (user/dgmeta.c): crc32c,
 * round trips, byte layout, every kind of corruption and invalid field, and
 * the blocking block I/O on a temporary file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "dgmeta.h"

static const uint8_t UUID[16] = {0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87,
				 0x98, 0xa9, 0xba, 0xcb, 0xdc, 0xed, 0xfe, 0x0f};
static const uint8_t OTHER[16] = {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

/* Header block offsets, as docs/DISKFORMAT.md documents them. */
#define OFF_VERSION 8
#define OFF_TIMEOUT 12
#define OFF_RENEW 16
#define OFF_NVOL 20
#define OFF_CREATED 24
#define OFF_UUID 32
#define OFF_NAME 48
#define OFF_VOL(i) (128 + (i)*448)
#define VOFF_DEVICE 0
#define VOFF_MOUNTPOINT 128
#define VOFF_OPTIONS 256
#define VOFF_FSTYPE 384
#define VOFF_FSUUID 400
#define VOFF_FSCK 416
#define VOFF_ORDER 417
#define OFF_CRC 4092

static void sample_header(struct dgm_header *h)
{
	static const char *const fs[] = {"ext2", "ext3", "ext4", "xfs", "btrfs"};
	unsigned i;

	memset(h, 0, sizeof(*h));
	h->version = DGM_VERSION;
	strcpy(h->name, "data.grp-1_A");
	memcpy(h->uuid, UUID, 16);
	h->created_s = 0x0102030405060708ull;
	h->lease_timeout_ms = 10000;
	h->renew_ms = 500;
	h->nvolumes = DGM_MAX_VOLUMES;
	for (i = 0; i < DGM_MAX_VOLUMES; i++) {
		struct dgm_volume *v = &h->vol[i];

		snprintf(v->device, sizeof(v->device), "/dev/disk/by-id/wwn-0x5000c500%08u", i);
		snprintf(v->mountpoint, sizeof(v->mountpoint), "/srv/data/v%u", i);
		snprintf(v->options, sizeof(v->options), "noatime,commit=%u", i + 1);
		strcpy(v->fstype, fs[i % 5]);
		memset(v->fs_uuid, 0x40 + i, 16);
		v->fsck = i % 3;
		v->order = (uint8_t)(7 - i);
	}
}

static void put32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
	b[2] = (uint8_t)(v >> 16);
	b[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint64_t get64(const uint8_t *b)
{
	return (uint64_t)get32(b) | (uint64_t)get32(b + 4) << 32;
}

/* Recompute the checksum after editing a block, as a forger or a newer hbpf would. */
static void reseal(uint8_t *b)
{
	put32(b + OFF_CRC, dgm_crc32c(b, OFF_CRC));
}

static void assert_header_equal(const struct dgm_header *a, const struct dgm_header *b)
{
	unsigned i;

	assert_int_equal(a->version, b->version);
	assert_string_equal(a->name, b->name);
	assert_memory_equal(a->uuid, b->uuid, 16);
	assert_true(a->created_s == b->created_s);
	assert_int_equal(a->lease_timeout_ms, b->lease_timeout_ms);
	assert_int_equal(a->renew_ms, b->renew_ms);
	assert_int_equal(a->nvolumes, b->nvolumes);
	for (i = 0; i < a->nvolumes; i++) {
		assert_memory_equal(a->vol[i].device, b->vol[i].device, DGM_PATH_MAX);
		assert_memory_equal(a->vol[i].mountpoint, b->vol[i].mountpoint, DGM_PATH_MAX);
		assert_memory_equal(a->vol[i].options, b->vol[i].options, DGM_OPTS_MAX);
		assert_memory_equal(a->vol[i].fstype, b->vol[i].fstype, DGM_FSTYPE_MAX);
		assert_memory_equal(a->vol[i].fs_uuid, b->vol[i].fs_uuid, 16);
		assert_int_equal(a->vol[i].fsck, b->vol[i].fsck);
		assert_int_equal(a->vol[i].order, b->vol[i].order);
	}
}

static void test_crc32c(void **state)
{
	(void)state;
	assert_int_equal(dgm_crc32c("123456789", 9), 0xe3069283u);
	assert_int_equal(dgm_crc32c("", 0), 0);
	/* RFC 3720 B.4: 32 bytes of zeros. */
	{
		uint8_t z[32] = {0};

		assert_int_equal(dgm_crc32c(z, sizeof(z)), 0x8a9136aau);
	}
}

static void test_header_round_trip(void **state)
{
	uint8_t b[DGM_BLOCK];
	struct dgm_header in, out;
	char err[256] = "";

	(void)state;
	sample_header(&in);
	assert_int_equal(dgm_header_encode(&in, b), 0);
	assert_int_equal(dgm_header_decode(b, &out, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_header_equal(&in, &out);

	/* Fewer volumes: the unused records are zero on disk and in the struct. */
	in.nvolumes = 1;
	memset(in.vol[0].options, 0, DGM_OPTS_MAX);
	memset(in.vol[0].fs_uuid, 0, 16);
	assert_int_equal(dgm_header_encode(&in, b), 0);
	assert_true(b[OFF_VOL(1)] == 0);
	assert_int_equal(dgm_header_decode(b, &out, err, sizeof(err)), 0);
	assert_header_equal(&in, &out);
	assert_int_equal(out.vol[1].device[0], 0);

	/* No volumes: a lease-only group. */
	in.nvolumes = 0;
	assert_int_equal(dgm_header_encode(&in, b), 0);
	assert_int_equal(dgm_header_decode(b, &out, err, sizeof(err)), 0);
	assert_int_equal(out.nvolumes, 0);
}

/* Every field at its documented offset, little-endian, strings NUL-padded. */
static void test_header_layout(void **state)
{
	uint8_t b[DGM_BLOCK];
	struct dgm_header h;
	const uint8_t *v;
	unsigned i;

	(void)state;
	sample_header(&h);
	/* Garbage after a string's NUL must not reach the disk. */
	memset(h.vol[2].options + strlen(h.vol[2].options) + 1, 'x', 8);
	assert_int_equal(dgm_header_encode(&h, b), 0);
	assert_memory_equal(b, "HBPFDGH\0", 8);
	assert_int_equal(get32(b + OFF_VERSION), 1);
	assert_int_equal(get32(b + OFF_TIMEOUT), 10000);
	assert_int_equal(get32(b + OFF_RENEW), 500);
	assert_int_equal(get32(b + OFF_NVOL), DGM_MAX_VOLUMES);
	assert_true(get64(b + OFF_CREATED) == 0x0102030405060708ull);
	assert_memory_equal(b + OFF_UUID, UUID, 16);
	assert_string_equal((const char *)b + OFF_NAME, "data.grp-1_A");
	for (i = 0; i < DGM_MAX_VOLUMES; i++) {
		v = b + OFF_VOL(i);
		assert_string_equal((const char *)v + VOFF_DEVICE, h.vol[i].device);
		assert_string_equal((const char *)v + VOFF_MOUNTPOINT, h.vol[i].mountpoint);
		assert_string_equal((const char *)v + VOFF_OPTIONS, h.vol[i].options);
		assert_string_equal((const char *)v + VOFF_FSTYPE, h.vol[i].fstype);
		assert_memory_equal(v + VOFF_FSUUID, h.vol[i].fs_uuid, 16);
		assert_int_equal(v[VOFF_FSCK], h.vol[i].fsck);
		assert_int_equal(v[VOFF_ORDER], h.vol[i].order);
	}
	v = b + OFF_VOL(2) + VOFF_OPTIONS;
	for (i = (unsigned)strlen((const char *)v); i < DGM_OPTS_MAX; i++)
		assert_int_equal(v[i], 0);
	/* Reserved space after the last volume record is zero. */
	for (i = OFF_VOL(DGM_MAX_VOLUMES); i < OFF_CRC; i++)
		assert_int_equal(b[i], 0);
	assert_int_equal(get32(b + OFF_CRC), dgm_crc32c(b, OFF_CRC));
}

static void test_owner_slot_round_trip(void **state)
{
	uint8_t b[DGM_BLOCK];
	struct dgm_owner o = {0}, oo;
	struct dgm_slot s = {0}, so;
	char err[256] = "";

	(void)state;
	o.node = 5;
	o.generation = 0x1122334455667788ull;
	memcpy(o.uuid, UUID, 16);
	dgm_owner_encode(&o, b);
	assert_memory_equal(b, "HBPFDGO\0", 8);
	assert_int_equal(get32(b + 8), 1);
	assert_int_equal(b[12], 5);
	assert_true(get64(b + 16) == 0x1122334455667788ull);
	assert_memory_equal(b + 24, UUID, 16);
	assert_int_equal(dgm_owner_decode(b, UUID, &oo, err, sizeof(err)), 0);
	assert_int_equal(oo.node, 5);
	assert_true(oo.generation == o.generation);
	assert_memory_equal(oo.uuid, UUID, 16);
	/* Without an expected uuid (dg show on an unknown device) the record is taken as is. */
	assert_int_equal(dgm_owner_decode(b, NULL, &oo, err, sizeof(err)), 0);

	o.node = DGM_OWNER_NONE;
	o.generation = 0;
	dgm_owner_encode(&o, b);
	assert_int_equal(dgm_owner_decode(b, UUID, &oo, err, sizeof(err)), 0);
	assert_int_equal(oo.node, DGM_OWNER_NONE);
	assert_true(oo.generation == 0);

	s.node = 15;
	s.counter = 0xa1a2a3a4a5a6a7a8ull;
	s.generation = 0x0b0c0d0e0f101112ull;
	memcpy(s.uuid, UUID, 16);
	dgm_slot_encode(&s, b);
	assert_memory_equal(b, "HBPFDGS\0", 8);
	assert_int_equal(b[12], 15);
	assert_true(get64(b + 16) == s.counter);
	assert_true(get64(b + 24) == s.generation);
	assert_memory_equal(b + 32, UUID, 16);
	assert_int_equal(dgm_slot_decode(b, UUID, 15, &so, err, sizeof(err)), 0);
	assert_int_equal(so.node, 15);
	assert_true(so.counter == s.counter);
	assert_true(so.generation == s.generation);
	assert_memory_equal(so.uuid, UUID, 16);
	assert_string_equal(err, "");
}

static void test_unused_slot(void **state)
{
	uint8_t b[DGM_BLOCK] = {0};
	struct dgm_slot s;
	char err[256] = "";

	(void)state;
	memset(&s, 0xee, sizeof(s));
	assert_int_equal(dgm_slot_decode(b, UUID, 3, &s, err, sizeof(err)), 0);
	assert_int_equal(s.node, 3);
	assert_true(s.counter == 0);
	assert_true(s.generation == 0);
	assert_memory_equal(s.uuid, UUID, 16);
}

/* One flipped byte anywhere: the magic says "not ours", anything else is corrupt. */
static void flip_each(uint8_t *good, const char *what, int kind)
{
	uint8_t b[DGM_BLOCK];
	struct dgm_header h;
	struct dgm_owner o;
	struct dgm_slot s;
	char err[256];
	int off, ret;

	for (off = 0; off < DGM_BLOCK; off++) {
		memcpy(b, good, DGM_BLOCK);
		b[off] ^= 0xff;
		err[0] = '\0';
		if (kind == 0)
			ret = dgm_header_decode(b, &h, err, sizeof(err));
		else if (kind == 1)
			ret = dgm_owner_decode(b, UUID, &o, err, sizeof(err));
		else
			ret = dgm_slot_decode(b, UUID, 4, &s, err, sizeof(err));
		if (off < 8) {
			assert_int_equal(ret, -EMEDIUMTYPE);
			assert_non_null(strstr(err, "bad magic"));
		} else {
			assert_int_equal(ret, -EBADMSG);
			assert_non_null(strstr(err, "checksum mismatch (stored 0x"));
		}
		assert_non_null(strstr(err, what));
	}
}

static void test_flipped_bytes(void **state)
{
	uint8_t b[DGM_BLOCK];
	struct dgm_header h;
	struct dgm_owner o = {.node = 1, .generation = 9};
	struct dgm_slot s = {.node = 4, .counter = 77, .generation = 9};

	(void)state;
	sample_header(&h);
	assert_int_equal(dgm_header_encode(&h, b), 0);
	flip_each(b, "header: ", 0);
	memcpy(o.uuid, UUID, 16);
	dgm_owner_encode(&o, b);
	flip_each(b, "owner: ", 1);
	memcpy(s.uuid, UUID, 16);
	dgm_slot_encode(&s, b);
	flip_each(b, "slot 4: ", 2);
}

static void test_truncated(void **state)
{
	uint8_t b[DGM_BLOCK] = {0};
	struct dgm_header h;
	struct dgm_owner o = {.node = 2, .generation = 3};
	char err[256];

	(void)state;
	assert_int_equal(dgm_header_decode(b, &h, err, sizeof(err)), -EMEDIUMTYPE);
	assert_string_equal(
		err, "header: block is all zero: not an hbpf disk group (never initialized?)");
	assert_int_equal(dgm_owner_decode(b, UUID, &o, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "owner: block is all zero"));

	/* A torn write: the block's second half never landed. */
	sample_header(&h);
	assert_int_equal(dgm_header_encode(&h, b), 0);
	memset(b + DGM_BLOCK / 2, 0, DGM_BLOCK / 2);
	assert_int_equal(dgm_header_decode(b, &h, err, sizeof(err)), -EBADMSG);
	memcpy(o.uuid, UUID, 16);
	dgm_owner_encode(&o, b);
	memset(b + 16, 0, DGM_BLOCK - 16);
	assert_int_equal(dgm_owner_decode(b, UUID, &o, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "checksum mismatch"));
}

static void test_wrong_magic(void **state)
{
	uint8_t b[DGM_BLOCK];
	struct dgm_header h;
	struct dgm_owner o = {.node = 1};
	struct dgm_slot s = {.node = 0, .counter = 1};
	char err[256];

	(void)state;
	memset(b, 0, sizeof(b));
	memcpy(b, "EXT4FS\0\0", 8);
	reseal(b);
	assert_int_equal(dgm_header_decode(b, &h, err, sizeof(err)), -EMEDIUMTYPE);
	assert_string_equal(err, "header: bad magic 0x4558543446530000: not an hbpf disk group");
	assert_int_equal(dgm_owner_decode(b, UUID, &o, err, sizeof(err)), -EMEDIUMTYPE);
	assert_non_null(strstr(err, "not an hbpf owner record"));
	assert_int_equal(dgm_slot_decode(b, UUID, 0, &s, err, sizeof(err)), -EMEDIUMTYPE);
	assert_non_null(strstr(err, "not an hbpf lease slot"));

	/* A block of another kind (read at the wrong offset) is named as such. */
	memcpy(s.uuid, UUID, 16);
	dgm_slot_encode(&s, b);
	assert_int_equal(dgm_header_decode(b, &h, err, sizeof(err)), -EMEDIUMTYPE);
	assert_string_equal(err, "header: block holds a lease slot (wrong offset or device?): "
				 "not an hbpf disk group");
	memcpy(o.uuid, UUID, 16);
	dgm_owner_encode(&o, b);
	assert_int_equal(dgm_slot_decode(b, UUID, 0, &s, err, sizeof(err)), -EMEDIUMTYPE);
	assert_non_null(strstr(err, "slot 0: block holds the owner record"));
}

static void test_versions(void **state)
{
	uint8_t b[DGM_BLOCK];
	struct dgm_header h;
	struct dgm_owner o = {.node = 1};
	struct dgm_slot s = {.node = 2, .counter = 1};
	char err[256];

	(void)state;
	sample_header(&h);
	assert_int_equal(dgm_header_encode(&h, b), 0);
	put32(b + OFF_VERSION, 7);
	reseal(b);
	assert_int_equal(dgm_header_decode(b, &h, err, sizeof(err)), -ENOTSUP);
	assert_string_equal(err, "header: format version 7 is newer than this hbpf (1)");
	put32(b + OFF_VERSION, 0);
	reseal(b);
	assert_int_equal(dgm_header_decode(b, &h, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "format version 0"));

	memcpy(o.uuid, UUID, 16);
	dgm_owner_encode(&o, b);
	put32(b + OFF_VERSION, 2);
	reseal(b);
	assert_int_equal(dgm_owner_decode(b, UUID, &o, err, sizeof(err)), -ENOTSUP);
	assert_string_equal(err, "owner: format version 2 is newer than this hbpf (1)");

	memcpy(s.uuid, UUID, 16);
	dgm_slot_encode(&s, b);
	put32(b + OFF_VERSION, 0xffffffffu);
	reseal(b);
	assert_int_equal(dgm_slot_decode(b, UUID, 2, &s, err, sizeof(err)), -ENOTSUP);
	assert_string_equal(err, "slot 2: format version 4294967295 is newer than this hbpf (1)");
}

static void test_foreign(void **state)
{
	uint8_t b[DGM_BLOCK];
	struct dgm_owner o = {.node = 1, .generation = 2};
	struct dgm_slot s = {.node = 6, .counter = 5};
	char err[256];

	(void)state;
	memcpy(o.uuid, OTHER, 16);
	dgm_owner_encode(&o, b);
	assert_int_equal(dgm_owner_decode(b, UUID, &o, err, sizeof(err)), -EMEDIUMTYPE);
	assert_string_equal(err, "owner: belongs to another disk group (uuid "
				 "deadbeef-0102-0304-0506-0708090a0b0c, expected "
				 "10213243-5465-7687-98a9-bacbdcedfe0f)");
	memcpy(s.uuid, OTHER, 16);
	dgm_slot_encode(&s, b);
	assert_int_equal(dgm_slot_decode(b, UUID, 6, &s, err, sizeof(err)), -EMEDIUMTYPE);
	assert_non_null(strstr(err, "slot 6: belongs to another disk group"));
}

/* Edit a valid header block, reseal it, and expect -EINVAL with msg. */
typedef void (*mutate_fn)(uint8_t *b);

static void expect_invalid(mutate_fn fn, const char *msg)
{
	uint8_t b[DGM_BLOCK];
	struct dgm_header h;
	char err[256] = "";

	sample_header(&h);
	assert_int_equal(dgm_header_encode(&h, b), 0);
	fn(b);
	reseal(b);
	if (dgm_header_decode(b, &h, err, sizeof(err)) != -EINVAL || !strstr(err, msg))
		fail_msg("expected -EINVAL \"%s\", got \"%s\"", msg, err);
}

static void m_name_unterminated(uint8_t *b)
{
	memset(b + OFF_NAME, 'a', DGM_NAME_MAX);
}

static void m_name_empty(uint8_t *b)
{
	memset(b + OFF_NAME, 0, DGM_NAME_MAX);
}

static void m_name_char(uint8_t *b)
{
	memcpy(b + OFF_NAME, "da ta", 6);
}

static void m_name_slash(uint8_t *b)
{
	memcpy(b + OFF_NAME, "a/b", 4);
}

static void m_uuid_zero(uint8_t *b)
{
	memset(b + OFF_UUID, 0, 16);
}

static void m_nvol(uint8_t *b)
{
	put32(b + OFF_NVOL, DGM_MAX_VOLUMES + 1);
}

static void m_renew_small(uint8_t *b)
{
	put32(b + OFF_RENEW, 9);
	put32(b + OFF_TIMEOUT, 1000);
}

static void m_timeout_small(uint8_t *b)
{
	put32(b + OFF_RENEW, 500);
	put32(b + OFF_TIMEOUT, 1499);
}

static void m_timeout_overflow(uint8_t *b)
{
	/* 3 x renew does not fit 32 bits: must not wrap into "valid". */
	put32(b + OFF_RENEW, 0x60000000u);
	put32(b + OFF_TIMEOUT, 0x60000000u);
}

static void m_dev_unterminated(uint8_t *b)
{
	memset(b + OFF_VOL(1) + VOFF_DEVICE, 'd', DGM_PATH_MAX);
}

static void m_dev_relative(uint8_t *b)
{
	memcpy(b + OFF_VOL(1) + VOFF_DEVICE, "dev/sdb", 8);
}

static void m_dev_empty(uint8_t *b)
{
	memset(b + OFF_VOL(1) + VOFF_DEVICE, 0, DGM_PATH_MAX);
}

static void m_mnt_relative(uint8_t *b)
{
	memcpy(b + OFF_VOL(3) + VOFF_MOUNTPOINT, "srv/x", 6);
}

static void m_mnt_unterminated(uint8_t *b)
{
	memset(b + OFF_VOL(3) + VOFF_MOUNTPOINT, '/', DGM_PATH_MAX);
}

static void m_opts_unterminated(uint8_t *b)
{
	memset(b + OFF_VOL(0) + VOFF_OPTIONS, 'o', DGM_OPTS_MAX);
}

static void m_fstype_unknown(uint8_t *b)
{
	memcpy(b + OFF_VOL(2) + VOFF_FSTYPE, "ntfs\0", 5);
}

static void m_fstype_unterminated(uint8_t *b)
{
	memset(b + OFF_VOL(2) + VOFF_FSTYPE, 'e', DGM_FSTYPE_MAX);
}

static void m_fsck(uint8_t *b)
{
	b[OFF_VOL(4) + VOFF_FSCK] = 3;
}

static void m_dup_mnt(uint8_t *b)
{
	memcpy(b + OFF_VOL(5) + VOFF_MOUNTPOINT, b + OFF_VOL(2) + VOFF_MOUNTPOINT, DGM_PATH_MAX);
}

static void m_dup_dev(uint8_t *b)
{
	memcpy(b + OFF_VOL(6) + VOFF_DEVICE, b + OFF_VOL(0) + VOFF_DEVICE, DGM_PATH_MAX);
}

static void test_invalid_fields(void **state)
{
	(void)state;
	expect_invalid(m_name_unterminated, "header: name is not NUL-terminated");
	expect_invalid(m_name_empty, "header: name is empty");
	expect_invalid(m_name_char, "header: name has invalid character 0x20 at 2");
	expect_invalid(m_name_slash, "header: name has invalid character 0x2f at 1");
	expect_invalid(m_uuid_zero, "header: group uuid is all zero");
	expect_invalid(m_nvol, "header: 9 volumes, at most 8");
	expect_invalid(m_renew_small, "header: renew period 9 ms is below 10 ms");
	expect_invalid(m_timeout_small,
		       "header: lease timeout 1499 ms is less than 3 renew periods (500 ms)");
	expect_invalid(m_timeout_overflow, "is less than 3 renew periods");
	expect_invalid(m_dev_unterminated, "header: volume 1: device is not NUL-terminated");
	expect_invalid(m_dev_relative, "header: volume 1: device 'dev/sdb' is not absolute");
	expect_invalid(m_dev_empty, "header: volume 1: device '' is not absolute");
	expect_invalid(m_mnt_relative, "header: volume 3: mountpoint 'srv/x' is not absolute");
	expect_invalid(m_mnt_unterminated, "header: volume 3: mountpoint is not NUL-terminated");
	expect_invalid(m_opts_unterminated, "header: volume 0: options is not NUL-terminated");
	expect_invalid(m_fstype_unknown,
		       "header: volume 2: fstype 'ntfs' is not one of ext2 ext3 ext4 xfs btrfs");
	expect_invalid(m_fstype_unterminated, "header: volume 2: fstype is not NUL-terminated");
	expect_invalid(m_fsck, "header: volume 4: unknown fsck policy 3");
	expect_invalid(m_dup_mnt, "header: volume 5: mountpoint /srv/data/v2 is also volume 2's");
	expect_invalid(m_dup_dev, "is also volume 0's");
}

static void test_invalid_owner_slot(void **state)
{
	uint8_t b[DGM_BLOCK];
	struct dgm_owner o = {.node = DGM_MAX_NODES, .generation = 1};
	struct dgm_slot s = {.node = 3, .counter = 1};
	char err[256];

	(void)state;
	memcpy(o.uuid, UUID, 16);
	dgm_owner_encode(&o, b);
	assert_int_equal(dgm_owner_decode(b, UUID, &o, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "owner: node 16 out of range (0..15 or none)");

	memcpy(s.uuid, UUID, 16);
	dgm_slot_encode(&s, b);
	assert_int_equal(dgm_slot_decode(b, UUID, 4, &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "slot 4: holds node 3's slot (wrong offset?)");
	assert_int_equal(dgm_slot_decode(b, UUID, DGM_MAX_NODES, &s, err, sizeof(err)), -EINVAL);
	assert_int_equal(dgm_slot_decode(b, UUID, -1, &s, err, sizeof(err)), -EINVAL);
	/* A NULL err is allowed: only the code comes back. */
	assert_int_equal(dgm_slot_decode(b, UUID, 4, &s, NULL, 0), -EINVAL);
}

/* Within one version, bytes this code does not use are ignored, not "corrupt". */
static void test_reserved_ignored(void **state)
{
	uint8_t b[DGM_BLOCK];
	struct dgm_header in, out;
	struct dgm_slot s = {.node = 1, .counter = 2}, so;
	char err[256];

	(void)state;
	sample_header(&in);
	in.nvolumes = 2;
	assert_int_equal(dgm_header_encode(&in, b), 0);
	b[80] = 0x55;
	b[OFF_VOL(0) + 420] = 0x66;
	memset(b + OFF_VOL(2), 0x77, 448); /* a record past nvolumes */
	b[OFF_CRC - 1] = 0x88;
	b[OFF_NAME + 20] = 'z'; /* after the name's NUL */
	reseal(b);
	assert_int_equal(dgm_header_decode(b, &out, err, sizeof(err)), 0);
	assert_header_equal(&in, &out);
	assert_int_equal(out.name[20], 0);

	memcpy(s.uuid, UUID, 16);
	dgm_slot_encode(&s, b);
	b[13] = 0x99;
	b[100] = 1;
	reseal(b);
	assert_int_equal(dgm_slot_decode(b, UUID, 1, &so, err, sizeof(err)), 0);
	assert_true(so.counter == 2);
}

static void test_encode_rejects(void **state)
{
	uint8_t b[DGM_BLOCK];
	struct dgm_header h;

	(void)state;
	sample_header(&h);
	h.nvolumes = DGM_MAX_VOLUMES + 1;
	assert_int_equal(dgm_header_encode(&h, b), -EINVAL);
	sample_header(&h);
	strcpy(h.vol[0].mountpoint, "relative/dir");
	assert_int_equal(dgm_header_encode(&h, b), -EINVAL);
	sample_header(&h);
	memset(h.name, 'n', sizeof(h.name));
	assert_int_equal(dgm_header_encode(&h, b), -EINVAL);
	sample_header(&h);
	memset(h.vol[1].device, 'd', sizeof(h.vol[1].device));
	assert_int_equal(dgm_header_encode(&h, b), -EINVAL);
	sample_header(&h);
	strcpy(h.vol[1].fstype, "vfat");
	assert_int_equal(dgm_header_encode(&h, b), -EINVAL);
	sample_header(&h);
	h.renew_ms = 1000;
	h.lease_timeout_ms = 2000;
	assert_int_equal(dgm_header_encode(&h, b), -EINVAL);
	sample_header(&h);
	memset(h.uuid, 0, 16);
	assert_int_equal(dgm_header_encode(&h, b), -EINVAL);
}

/*
 * O_DIRECT as the daemon uses it.  A filesystem without O_DIRECT support
 * (older tmpfs) refuses the open with EINVAL: then the same code runs
 * buffered, which still checks alignment-independent behaviour.
 */
static int open_tmp(char *path, size_t len)
{
	int fd;

	snprintf(path, len, "/var/tmp/hbpf-test-dgmeta.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	fd = open(path, O_RDWR | O_DIRECT);
	if (fd < 0 && errno == EINVAL)
		fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	return fd;
}

static void test_block_io(void **state)
{
	uint8_t w[DGM_BLOCK + 1], r[DGM_BLOCK + 1];
	char path[64];
	int fd, i;

	(void)state;
	fd = open_tmp(path, sizeof(path));
	/* Deliberately misaligned caller buffers: the helpers bounce through aligned ones. */
	for (i = 0; i < DGM_BLOCK; i++)
		w[1 + i] = (uint8_t)(i * 7);
	assert_int_equal(dgm_write_block(fd, 3, w + 1), 0);
	memset(r, 0, sizeof(r));
	assert_int_equal(dgm_read_block(fd, 3, r + 1), 0);
	assert_memory_equal(w + 1, r + 1, DGM_BLOCK);
	/* Past the end: a short read is -EIO, never a half block. */
	assert_int_equal(dgm_read_block(fd, 4, r), -EIO);
	assert_int_equal(dgm_read_block(-1, 0, r), -EBADF);
	assert_int_equal(dgm_write_block(-1, 0, w), -EBADF);
	close(fd);
	unlink(path);
}

static void test_init_device(void **state)
{
	uint8_t b[DGM_BLOCK];
	struct dgm_header h, out;
	struct dgm_owner o;
	struct dgm_slot s;
	char path[64], err[256];
	struct stat st;
	int fd, i;

	(void)state;
	fd = open_tmp(path, sizeof(path));
	/* Old garbage everywhere: init must leave nothing of it in the slots. */
	memset(b, 0xaa, sizeof(b));
	for (i = 0; i < DGM_META_BLOCKS + 2; i++)
		assert_int_equal(dgm_write_block(fd, (unsigned)i, b), 0);

	sample_header(&h);
	h.nvolumes = DGM_MAX_VOLUMES + 1;
	assert_int_equal(dgm_init_device(fd, &h), -EINVAL);
	assert_int_equal(dgm_read_block(fd, 0, b), 0);
	assert_int_equal(b[0], 0xaa);

	sample_header(&h);
	assert_int_equal(dgm_init_device(fd, &h), 0);
	assert_int_equal(dgm_read_block(fd, 0, b), 0);
	assert_int_equal(dgm_header_decode(b, &out, err, sizeof(err)), 0);
	assert_header_equal(&h, &out);
	assert_int_equal(dgm_read_block(fd, 1, b), 0);
	assert_int_equal(dgm_owner_decode(b, h.uuid, &o, err, sizeof(err)), 0);
	assert_int_equal(o.node, DGM_OWNER_NONE);
	assert_true(o.generation == 0);
	for (i = 0; i < DGM_MAX_NODES; i++) {
		assert_int_equal(dgm_read_block(fd, 2 + (unsigned)i, b), 0);
		assert_int_equal(dgm_slot_decode(b, h.uuid, i, &s, err, sizeof(err)), 0);
		assert_true(s.counter == 0);
	}
	/* Blocks past the metadata are not ours to touch. */
	assert_int_equal(dgm_read_block(fd, DGM_META_BLOCKS, b), 0);
	assert_int_equal(b[0], 0xaa);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(st.st_size == (DGM_META_BLOCKS + 2) * DGM_BLOCK);
	close(fd);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c),
		cmocka_unit_test(test_header_round_trip),
		cmocka_unit_test(test_header_layout),
		cmocka_unit_test(test_owner_slot_round_trip),
		cmocka_unit_test(test_unused_slot),
		cmocka_unit_test(test_flipped_bytes),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_wrong_magic),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_foreign),
		cmocka_unit_test(test_invalid_fields),
		cmocka_unit_test(test_invalid_owner_slot),
		cmocka_unit_test(test_reserved_ignored),
		cmocka_unit_test(test_encode_rejects),
		cmocka_unit_test(test_block_io),
		cmocka_unit_test(test_init_device),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
