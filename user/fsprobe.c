// SPDX-License-Identifier: GPL-2.0-only
/* Filesystem signatures and UUIDs in a device's first bytes (see fsprobe.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fsprobe.h"
#include "util.h"

/* Where a signature sits: its superblock's byte offset, and magic and UUID within it. */
struct fs_sig {
	uint64_t sb;
	uint32_t magic_off;
	const char *magic;
	uint32_t magic_len;
	uint32_t uuid_off;
	uint32_t need; /* bytes of the superblock read (ext: up to its feature words and UUID) */
};

enum { SIG_EXT, SIG_XFS, SIG_BTRFS, SIG_NR };

static const struct fs_sig sigs[SIG_NR] = {
	[SIG_EXT] = {1024, 0x38, "\x53\xef", 2, 0x68, 0x78},
	[SIG_XFS] = {0, 0, "XFSB", 4, 32, 48},
	[SIG_BTRFS] = {64 * 1024, 0x40, "_BHRfS_M", 8, 0x20, 0x48},
};

/* ext2..ext4, xfs, btrfs: the order fs_identify() reports them in. */
static const char *const types[] = {"ext2", "ext3", "ext4", "xfs", "btrfs"};
#define NTYPES 5

static int type_index(const char *t)
{
	int i;

	for (i = 0; i < NTYPES && strcmp(t, types[i]); i++)
		;
	return i < NTYPES ? i : -1;
}

/* The signature of type index i (ext2, ext3 and ext4 share one). */
static int type_sig(int i)
{
	return i < 3 ? SIG_EXT : i - 2;
}

/* Superblock of signature k in buf (len bytes of the device from byte at), or NULL. */
static const uint8_t *sig_sb(int k, const uint8_t *buf, size_t len, uint64_t at)
{
	const struct fs_sig *s = &sigs[k];

	if (s->sb < at || s->sb - at > len || len - (s->sb - at) < s->need)
		return NULL;
	buf += s->sb - at;
	return memcmp(buf + s->magic_off, s->magic, s->magic_len) ? NULL : buf;
}

static uint32_t le32_at(const uint8_t *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

#define EXT_COMPAT_HAS_JOURNAL 0x4
/* incompat extents, 64bit, mmp, flex_bg; ro_compat huge_file, gdt_csum, dir_nlink,
 * extra_isize, metadata_csum: features the ext2/ext3 drivers never had */
#define EXT4_INCOMPAT 0x3c0
#define EXT4_RO_COMPAT 0x478

/* Which ext generation the features of superblock sb need: 2, 3 or 4. */
static int ext_level(const uint8_t *sb)
{
	if ((le32_at(sb + 0x60) & EXT4_INCOMPAT) || (le32_at(sb + 0x64) & EXT4_RO_COMPAT))
		return 4;
	return le32_at(sb + 0x5c) & EXT_COMPAT_HAS_JOURNAL ? 3 : 2;
}

/* fs_identify() with want given: that type, or why not. */
static int identify_want(const uint8_t *const sb[SIG_NR], int level, const char *found, int nfound,
			 const char *want, char *err, size_t errlen)
{
	int w = type_index(want);

	if (w < 0)
		return errf(err, errlen, -EINVAL,
			    "unsupported filesystem type \"%s\" (ext2, ext3, ext4, xfs, btrfs)",
			    want);
	if (!sb[type_sig(w)])
		return errf(err, errlen, -ENOENT, "no %s filesystem found (%s%s)", want,
			    nfound ? "found " : "no known signature", found);
	if (type_sig(w) == SIG_EXT && w + 2 < level)
		return errf(err, errlen, -ENOENT,
			    "the filesystem uses ext%d features; %s cannot mount it", level, want);
	return w;
}

int fs_identify(const void *buf, size_t len, const char *want, char *fstype, size_t fslen,
		uint8_t uuid[16], char *err, size_t errlen)
{
	const uint8_t *sb[SIG_NR];
	char found[32] = "";
	int nfound = 0, level = 0, t = -1, k;

	for (k = 0; k < SIG_NR; k++) {
		sb[k] = sig_sb(k, buf, len, 0);
		if (!sb[k])
			continue;
		if (k == SIG_EXT)
			level = ext_level(sb[k]);
		t = k == SIG_EXT ? level - 2 : k + 2;
		snprintf(found + strlen(found), sizeof(found) - strlen(found), "%s%s",
			 nfound++ ? ", " : "", types[t]);
	}
	if (want && *want) {
		t = identify_want(sb, level, found, nfound, want, err, errlen);
		if (t < 0)
			return t;
	} else if (!nfound) {
		return errf(err, errlen, -ENOENT, "no ext2/3/4, xfs or btrfs filesystem found");
	} else if (nfound > 1) {
		return errf(err, errlen, -ENOTUNIQ,
			    "several filesystem signatures (%s): give FSTYPE", found);
	}
	snprintf(fstype, fslen, "%s", types[t]);
	memcpy(uuid, sb[type_sig(t)] + sigs[type_sig(t)].uuid_off, 16);
	return 0;
}

int fs_sb_block(const char *fstype, uint64_t blk, uint64_t *off)
{
	int t = type_index(fstype);
	const struct fs_sig *s;

	if (t < 0)
		return -ENOTSUP;
	s = &sigs[type_sig(t)];
	*off = s->sb & ~(blk - 1);
	return s->sb - *off + s->need <= blk ? 0 : -ENOTSUP;
}

const uint8_t *fs_uuid_at(const char *fstype, const void *buf, size_t len, uint64_t at)
{
	int t = type_index(fstype);
	const uint8_t *sb;

	if (t < 0)
		return NULL;
	sb = sig_sb(type_sig(t), buf, len, at);
	return sb ? sb + sigs[type_sig(t)].uuid_off : NULL;
}

int fs_is_ext(const char *fstype)
{
	int t = type_index(fstype);

	return t >= 0 && type_sig(t) == SIG_EXT;
}

void uuid_fmt(char *buf, size_t len, const uint8_t u[16])
{
	snprintf(buf, len, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
		 u[13], u[14], u[15]);
}
