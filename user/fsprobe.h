/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The filesystem signatures hbpf knows, read from the first bytes of a
 * device: ext2/3/4 (superblock at 1024, magic 0xEF53), xfs ("XFSB" at 0) and
 * btrfs ("_BHRfS_M" at 64 KiB + 0x40), and the UUID each carries.  One table
 * serves "hbpfctl dg init" (which type is this, what is its UUID) and the
 * disk-group engine's member check at import (is it still that filesystem).
 * Pure functions over buffers: the callers do the reading.
 */
#ifndef HBPF_FSPROBE_H
#define HBPF_FSPROBE_H

#include <stddef.h>
#include <stdint.h>

/* Bytes from the start of a device that fs_identify() looks at (btrfs needs 64 KiB + 72). */
#define FS_PROBE_BYTES (64 * 1024 + 4096)

/*
 * Identify the filesystem in the first len bytes of a device.  With want
 * NULL or "", the one signature found is reported (ext2/ext3/ext4 from the
 * feature flags); with want set, only that type is accepted (an ext2/ext3
 * request for a filesystem using newer ext features is refused).  On success
 * fills fstype (the detected type, or want) and uuid (the filesystem UUID,
 * btrfs: its fsid).  Errors, with a reason in err: -EINVAL unsupported want,
 * -ENOENT no (or not the wanted) filesystem, -ENOTUNIQ several signatures.
 */
int fs_identify(const void *buf, size_t len, const char *want, char *fstype, size_t fslen,
		uint8_t uuid[16], char *err, size_t errlen);

/*
 * The offset of the blk-byte block (blk a power of two, so that the read can
 * be O_DIRECT) that holds the signature and UUID of an fstype filesystem;
 * -ENOTSUP for a type without a known UUID.
 */
int fs_sb_block(const char *fstype, uint64_t blk, uint64_t *off);

/*
 * The UUID of an fstype filesystem in buf, which holds len bytes of the
 * device from byte at; NULL when its signature is not there (or not in buf).
 */
const uint8_t *fs_uuid_at(const char *fstype, const void *buf, size_t len, uint64_t at);

/* 1 for ext2, ext3 and ext4 (the types whose checker runs before a mount). */
int fs_is_ext(const char *fstype);

/* "01234567-89ab-cdef-0123-456789abcdef" (len >= 37). */
void uuid_fmt(char *buf, size_t len, const uint8_t u[16]);

#endif /* HBPF_FSPROBE_H */
