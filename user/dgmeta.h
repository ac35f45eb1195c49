/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Disk-group metadata: the on-disk format of a disk group's metadata device,
 * encode/decode with full validation, and crc32c.  Pure: no I/O here (the
 * daemon reads and writes the blocks with O_DIRECT through io_uring; tools
 * use dgmeta_read_dev/dgmeta_write_dev).  docs/DISKFORMAT.md documents every
 * offset.
 *
 * Layout (all blocks DGM_BLOCK bytes, at byte offset block * DGM_BLOCK, every
 * integer little-endian, every block ending in a crc32c of the block's first
 * DGM_BLOCK - 4 bytes):
 *   block 0            header (struct dgm_header)
 *   block 1            owner record (struct dgm_owner)
 *   block 2 + n        lease slot of node n, n < DGM_MAX_NODES (struct dgm_slot)
 * A metadata device must hold at least DGM_META_BLOCKS blocks.
 */
#ifndef HBPF_DGMETA_H
#define HBPF_DGMETA_H

#include <stddef.h>
#include <stdint.h>

#define DGM_BLOCK 4096
#define DGM_MAX_NODES 16
#define DGM_META_BLOCKS (2 + DGM_MAX_NODES)
#define DGM_MAX_VOLUMES 8 /* 8 volume records of 448 bytes fit the header block */
#define DGM_NAME_MAX 32	  /* group name, +NUL */
#define DGM_PATH_MAX 128  /* device path, mountpoint, +NUL */
#define DGM_FSTYPE_MAX 16
#define DGM_OPTS_MAX 128
#define DGM_VERSION 1 /* format version this code writes and reads */

#define DGM_FSCK_AUTO 0	 /* run the filesystem's checker (e2fsck -p; none for xfs/btrfs) */
#define DGM_FSCK_NEVER 1 /* never run fsck on this volume */
#define DGM_FSCK_FORCE 2 /* e2fsck -f -p: full check every import */

#define DGM_OWNER_NONE 0xff

struct dgm_volume {
	char device[DGM_PATH_MAX];     /* block device path */
	uint8_t fs_uuid[16];	       /* filesystem UUID (all zero: not checked) */
	char mountpoint[DGM_PATH_MAX]; /* absolute path */
	char fstype[DGM_FSTYPE_MAX];   /* ext2, ext3, ext4, xfs, btrfs */
	char options[DGM_OPTS_MAX];    /* mount -o options, "" = defaults */
	uint8_t fsck;		       /* DGM_FSCK_* */
	uint8_t order;		       /* mount order, 0 first; ties: shorter mountpoint first */
};

struct dgm_header {
	uint32_t version;	   /* DGM_VERSION */
	char name[DGM_NAME_MAX];   /* disk group name */
	uint8_t uuid[16];	   /* disk group UUID (random at init) */
	uint64_t created_s;	   /* CLOCK_REALTIME seconds at init (informational) */
	uint32_t lease_timeout_ms; /* a slot silent this long is expired */
	uint32_t renew_ms;	   /* holder renews its slot this often */
	uint32_t nvolumes;
	struct dgm_volume vol[DGM_MAX_VOLUMES];
};

struct dgm_owner {
	uint8_t node;	     /* owning node id, DGM_OWNER_NONE = free */
	uint64_t generation; /* +1 on every claim */
	uint8_t uuid[16];    /* the group's UUID (a record from another group is foreign) */
};

struct dgm_slot {
	uint8_t node;	     /* the slot's node id (== its index) */
	uint64_t counter;    /* advanced by every renewal; 0 = never used */
	uint64_t generation; /* owner generation the node holds, 0 = none */
	uint8_t uuid[16];    /* the group's UUID */
};

/* crc32c (Castagnoli), reflected, init ~0, final ~0: crc32c("123456789") == 0xe3069283. */
uint32_t dgm_crc32c(const void *buf, size_t len);

/*
 * Encode into a DGM_BLOCK-byte buffer (zero-filled, magic, version, fields,
 * crc).  Header encode returns -EINVAL for values that cannot be stored
 * (unterminated strings, too many volumes, relative mountpoint).
 */
int dgm_header_encode(const struct dgm_header *h, void *block);
void dgm_owner_encode(const struct dgm_owner *o, void *block);
void dgm_slot_encode(const struct dgm_slot *s, void *block);

/*
 * Decode and validate one block.  Return 0, or a negative error with a
 * precise message in err ("header: bad magic 0x...: not an hbpf disk group",
 * "header: format version 7 is newer than this hbpf (1)", "header: checksum
 * mismatch (stored 0x..., computed 0x...)", "header: volume 3: mountpoint is
 * not absolute", "owner: belongs to another disk group (uuid ...)" ...):
 *   -EBADMSG  checksum mismatch or garbage (corrupt)
 *   -ENOTSUP  newer format version
 *   -EMEDIUMTYPE  wrong magic (not ours) or another group's record (foreign)
 *   -EINVAL   fields out of range
 * uuid, when non-NULL, is the group's UUID the owner/slot must carry.
 * An all-zero slot block decodes as an unused slot (counter 0), returning 0.
 */
int dgm_header_decode(const void *block, struct dgm_header *h, char *err, size_t errlen);
int dgm_owner_decode(const void *block, const uint8_t uuid[16], struct dgm_owner *o, char *err,
		     size_t errlen);
int dgm_slot_decode(const void *block, const uint8_t uuid[16], int node, struct dgm_slot *s,
		    char *err, size_t errlen);

/* Blocking helpers for tools and tests (O_DIRECT, aligned buffers). */
int dgm_read_block(int fd, unsigned block, void *buf);
int dgm_write_block(int fd, unsigned block, const void *buf);
/* Write a fresh group: header, owner = none (generation 0), all slots zero. */
int dgm_init_device(int fd, const struct dgm_header *h);

#endif /* HBPF_DGMETA_H */
