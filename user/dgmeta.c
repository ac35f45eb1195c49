// SPDX-License-Identifier: GPL-2.0-only
/*
 * Disk-group metadata blocks: encode, decode with full validation, crc32c,
 * and blocking block I/O for tools.  Offsets are documented in
 * docs/DISKFORMAT.md; the DGH_/DGV_/DGO_/DGS_ constants below are that table.
 *
 * Decode never repairs: a block is either accepted as written or refused with
 * the reason, so an operator sees exactly what is wrong before anything is
 * mounted.  Within one format version, reserved bytes are ignored (not
 * required to be zero), so a later minor addition stays readable.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/fs.h>

#include "dgmeta.h"
#include "fsprobe.h"
#include "util.h"

#define DGM_CRC_OFF (DGM_BLOCK - 4)

/* Block magics: one per kind, so a block read at the wrong offset is named. */
static const char MAGIC_HDR[8] = "HBPFDGH";
static const char MAGIC_OWN[8] = "HBPFDGO";
static const char MAGIC_SLOT[8] = "HBPFDGS";

/* Common prefix of every block. */
#define DGB_MAGIC 0
#define DGB_VERSION 8

/* Header block. */
#define DGH_TIMEOUT 12
#define DGH_RENEW 16
#define DGH_NVOL 20
#define DGH_CREATED 24
#define DGH_UUID 32
#define DGH_NAME 48
#define DGH_VOL0 128
#define DGH_VOLSZ 448

/* Volume record, relative to DGH_VOL0 + i * DGH_VOLSZ. */
#define DGV_DEVICE 0
#define DGV_MOUNTPOINT 128
#define DGV_OPTIONS 256
#define DGV_FSTYPE 384
#define DGV_FSUUID 400
#define DGV_FSCK 416
#define DGV_ORDER 417

/* Owner block. */
#define DGO_NODE 12
#define DGO_GEN 16
#define DGO_UUID 24

/* Slot block. */
#define DGS_NODE 12
#define DGS_COUNTER 16
#define DGS_GEN 24
#define DGS_UUID 32

_Static_assert(DGH_NAME + DGM_NAME_MAX <= DGH_VOL0, "header fields overlap the volumes");
_Static_assert(DGV_MOUNTPOINT - DGV_DEVICE == DGM_PATH_MAX, "device size");
_Static_assert(DGV_OPTIONS - DGV_MOUNTPOINT == DGM_PATH_MAX, "mountpoint size");
_Static_assert(DGV_FSTYPE - DGV_OPTIONS == DGM_OPTS_MAX, "options size");
_Static_assert(DGV_FSUUID - DGV_FSTYPE == DGM_FSTYPE_MAX, "fstype size");
_Static_assert(DGV_ORDER < DGH_VOLSZ, "volume record size");
_Static_assert(DGH_VOL0 + DGM_MAX_VOLUMES * DGH_VOLSZ <= DGM_CRC_OFF, "volumes overflow the block");

static const char *const fstypes[] = {"ext2", "ext3", "ext4", "xfs", "btrfs"};

static uint32_t crc_table[256];

static void crc_init(void)
{
	uint32_t c;
	int i, k;

	for (i = 0; i < 256; i++) {
		c = (uint32_t)i;
		for (k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
		crc_table[i] = c;
	}
}

uint32_t dgm_crc32c(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t crc = ~0u;

	/* Table built on first use; a race only writes the same values twice. */
	if (!crc_table[1])
		crc_init();
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static void put32(uint8_t *b, uint32_t v)
{
	int i;

	for (i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *b, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint64_t get64(const uint8_t *b)
{
	return (uint64_t)get32(b) | (uint64_t)get32(b + 4) << 32;
}

static int all_zero(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Copy a string into a fixed NUL-padded field (the caller checked it fits). */
static void put_str(uint8_t *dst, const char *src, size_t n)
{
	size_t len = strnlen(src, n);

	memcpy(dst, src, len);
	memset(dst + len, 0, n - len);
}

static void seal(uint8_t *b, const char magic[8])
{
	memcpy(b + DGB_MAGIC, magic, 8);
	put32(b + DGB_VERSION, DGM_VERSION);
	put32(b + DGM_CRC_OFF, dgm_crc32c(b, DGM_CRC_OFF));
}

static const char *magic_kind(const uint8_t *b)
{
	if (!memcmp(b, MAGIC_HDR, 8))
		return "the header";
	if (!memcmp(b, MAGIC_OWN, 8))
		return "the owner record";
	if (!memcmp(b, MAGIC_SLOT, 8))
		return "a lease slot";
	return NULL;
}

/*
 * The checks every block kind shares, in the documented order: magic (not
 * ours), checksum (corrupt), version (newer, or 0 = garbage).
 */
static int check_common(const uint8_t *b, const char magic[8], const char *what, const char * not,
			char *err, size_t errlen)
{
	uint32_t stored, computed, version;
	const char *kind;

	if (memcmp(b + DGB_MAGIC, magic, 8)) {
		kind = magic_kind(b);
		if (kind)
			return errf(err, errlen, -EMEDIUMTYPE,
				    "%s: block holds %s (wrong offset or device?): %s", what, kind,
				    not );
		return errf(err, errlen, -EMEDIUMTYPE, "%s: bad magic 0x%016llx: %s", what,
			    (unsigned long long)__builtin_bswap64(get64(b)), not );
	}
	stored = get32(b + DGM_CRC_OFF);
	computed = dgm_crc32c(b, DGM_CRC_OFF);
	if (stored != computed)
		return errf(err, errlen, -EBADMSG,
			    "%s: checksum mismatch (stored 0x%08x, computed 0x%08x): corrupt", what,
			    stored, computed);
	version = get32(b + DGB_VERSION);
	if (version > DGM_VERSION)
		return errf(err, errlen, -ENOTSUP,
			    "%s: format version %u is newer than this hbpf (%u)", what, version,
			    DGM_VERSION);
	if (version == 0)
		return errf(err, errlen, -EBADMSG, "%s: format version 0 is invalid: corrupt",
			    what);
	return 0;
}

static int check_uuid(const uint8_t *have, const uint8_t *want, const char *what, char *err,
		      size_t errlen)
{
	char h[37], w[37];

	if (!want || !memcmp(have, want, 16))
		return 0;
	uuid_fmt(h, sizeof(h), have);
	uuid_fmt(w, sizeof(w), want);
	return errf(err, errlen, -EMEDIUMTYPE,
		    "%s: belongs to another disk group (uuid %s, expected %s)", what, h, w);
}

static int check_string(const char *s, size_t n, int absolute, const char *what, char *err,
			size_t errlen)
{
	if (!memchr(s, 0, n))
		return errf(err, errlen, -EINVAL, "header: %s is not NUL-terminated", what);
	if (absolute && s[0] != '/')
		return errf(err, errlen, -EINVAL, "header: %s '%s' is not absolute", what, s);
	return 0;
}

static int check_name(const char *name, char *err, size_t errlen)
{
	long bad;

	if (!memchr(name, 0, DGM_NAME_MAX))
		return errf(err, errlen, -EINVAL, "header: name is not NUL-terminated");
	if (!*name)
		return errf(err, errlen, -EINVAL, "header: name is empty");
	bad = name_bad_at(name);
	if (bad >= 0)
		return errf(err, errlen, -EINVAL,
			    "header: name has invalid character 0x%02x at %ld (allowed: A-Z a-z "
			    "0-9 _ . -)",
			    (unsigned char)name[bad], bad);
	return 0;
}

static int check_volume(const struct dgm_header *h, unsigned i, char *err, size_t errlen)
{
	const struct dgm_volume *v = &h->vol[i];
	char what[48];
	unsigned j, k;
	int ret;

	snprintf(what, sizeof(what), "volume %u: device", i);
	ret = check_string(v->device, sizeof(v->device), 1, what, err, errlen);
	if (ret)
		return ret;
	snprintf(what, sizeof(what), "volume %u: mountpoint", i);
	ret = check_string(v->mountpoint, sizeof(v->mountpoint), 1, what, err, errlen);
	if (ret)
		return ret;
	snprintf(what, sizeof(what), "volume %u: options", i);
	ret = check_string(v->options, sizeof(v->options), 0, what, err, errlen);
	if (ret)
		return ret;
	snprintf(what, sizeof(what), "volume %u: fstype", i);
	ret = check_string(v->fstype, sizeof(v->fstype), 0, what, err, errlen);
	if (ret)
		return ret;
	for (k = 0; k < sizeof(fstypes) / sizeof(fstypes[0]); k++)
		if (!strcmp(v->fstype, fstypes[k]))
			break;
	if (k == sizeof(fstypes) / sizeof(fstypes[0]))
		return errf(err, errlen, -EINVAL,
			    "header: volume %u: fstype '%s' is not one of ext2 ext3 ext4 xfs btrfs",
			    i, v->fstype);
	if (v->fsck > DGM_FSCK_FORCE)
		return errf(err, errlen, -EINVAL, "header: volume %u: unknown fsck policy %u", i,
			    v->fsck);
	/* Earlier volumes are already checked, so their strings are terminated. */
	for (j = 0; j < i; j++) {
		if (!strcmp(h->vol[j].mountpoint, v->mountpoint))
			return errf(err, errlen, -EINVAL,
				    "header: volume %u: mountpoint %s is also volume %u's", i,
				    v->mountpoint, j);
		if (!strcmp(h->vol[j].device, v->device))
			return errf(err, errlen, -EINVAL,
				    "header: volume %u: device %s is also volume %u's", i,
				    v->device, j);
	}
	return 0;
}

/* Field checks shared by encode (refuse to write) and decode (refuse to use). */
static int check_header(const struct dgm_header *h, char *err, size_t errlen)
{
	unsigned i;
	int ret;

	ret = check_name(h->name, err, errlen);
	if (ret)
		return ret;
	if (all_zero(h->uuid, sizeof(h->uuid)))
		return errf(err, errlen, -EINVAL, "header: group uuid is all zero");
	if (h->renew_ms < 10)
		return errf(err, errlen, -EINVAL, "header: renew period %u ms is below 10 ms",
			    h->renew_ms);
	if ((uint64_t)h->lease_timeout_ms < 3 * (uint64_t)h->renew_ms)
		return errf(err, errlen, -EINVAL,
			    "header: lease timeout %u ms is less than 3 renew periods (%u ms)",
			    h->lease_timeout_ms, h->renew_ms);
	if (h->nvolumes > DGM_MAX_VOLUMES)
		return errf(err, errlen, -EINVAL, "header: %u volumes, at most %d", h->nvolumes,
			    DGM_MAX_VOLUMES);
	for (i = 0; i < h->nvolumes; i++) {
		ret = check_volume(h, i, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

int dgm_header_encode(const struct dgm_header *h, void *block)
{
	uint8_t *b = block, *v;
	unsigned i;
	int ret;

	ret = check_header(h, NULL, 0);
	if (ret)
		return ret;
	memset(b, 0, DGM_BLOCK);
	put32(b + DGH_TIMEOUT, h->lease_timeout_ms);
	put32(b + DGH_RENEW, h->renew_ms);
	put32(b + DGH_NVOL, h->nvolumes);
	put64(b + DGH_CREATED, h->created_s);
	memcpy(b + DGH_UUID, h->uuid, 16);
	put_str(b + DGH_NAME, h->name, DGM_NAME_MAX);
	for (i = 0; i < h->nvolumes; i++) {
		v = b + DGH_VOL0 + i * DGH_VOLSZ;
		put_str(v + DGV_DEVICE, h->vol[i].device, DGM_PATH_MAX);
		put_str(v + DGV_MOUNTPOINT, h->vol[i].mountpoint, DGM_PATH_MAX);
		put_str(v + DGV_OPTIONS, h->vol[i].options, DGM_OPTS_MAX);
		put_str(v + DGV_FSTYPE, h->vol[i].fstype, DGM_FSTYPE_MAX);
		memcpy(v + DGV_FSUUID, h->vol[i].fs_uuid, 16);
		v[DGV_FSCK] = h->vol[i].fsck;
		v[DGV_ORDER] = h->vol[i].order;
	}
	seal(b, MAGIC_HDR);
	return 0;
}

/* Zero everything after the NUL so a decoded string compares cleanly. */
static void trim(char *s, size_t n)
{
	size_t len = strnlen(s, n);

	memset(s + len, 0, n - len);
}

int dgm_header_decode(const void *block, struct dgm_header *h, char *err, size_t errlen)
{
	const uint8_t *b = block, *v;
	struct dgm_volume *d;
	unsigned i;
	int ret;

	memset(h, 0, sizeof(*h));
	if (all_zero(b, DGM_BLOCK))
		return errf(
			err, errlen, -EMEDIUMTYPE,
			"header: block is all zero: not an hbpf disk group (never initialized?)");
	ret = check_common(b, MAGIC_HDR, "header", "not an hbpf disk group", err, errlen);
	if (ret)
		return ret;
	h->version = get32(b + DGB_VERSION);
	h->lease_timeout_ms = get32(b + DGH_TIMEOUT);
	h->renew_ms = get32(b + DGH_RENEW);
	h->nvolumes = get32(b + DGH_NVOL);
	h->created_s = get64(b + DGH_CREATED);
	memcpy(h->uuid, b + DGH_UUID, 16);
	memcpy(h->name, b + DGH_NAME, DGM_NAME_MAX);
	if (h->nvolumes > DGM_MAX_VOLUMES)
		return errf(err, errlen, -EINVAL, "header: %u volumes, at most %d", h->nvolumes,
			    DGM_MAX_VOLUMES);
	for (i = 0; i < h->nvolumes; i++) {
		v = b + DGH_VOL0 + i * DGH_VOLSZ;
		d = &h->vol[i];
		memcpy(d->device, v + DGV_DEVICE, DGM_PATH_MAX);
		memcpy(d->mountpoint, v + DGV_MOUNTPOINT, DGM_PATH_MAX);
		memcpy(d->options, v + DGV_OPTIONS, DGM_OPTS_MAX);
		memcpy(d->fstype, v + DGV_FSTYPE, DGM_FSTYPE_MAX);
		memcpy(d->fs_uuid, v + DGV_FSUUID, 16);
		d->fsck = v[DGV_FSCK];
		d->order = v[DGV_ORDER];
	}
	ret = check_header(h, err, errlen);
	if (ret)
		return ret;
	trim(h->name, DGM_NAME_MAX);
	for (i = 0; i < h->nvolumes; i++) {
		d = &h->vol[i];
		trim(d->device, DGM_PATH_MAX);
		trim(d->mountpoint, DGM_PATH_MAX);
		trim(d->options, DGM_OPTS_MAX);
		trim(d->fstype, DGM_FSTYPE_MAX);
	}
	return 0;
}

void dgm_owner_encode(const struct dgm_owner *o, void *block)
{
	uint8_t *b = block;

	memset(b, 0, DGM_BLOCK);
	b[DGO_NODE] = o->node;
	put64(b + DGO_GEN, o->generation);
	memcpy(b + DGO_UUID, o->uuid, 16);
	seal(b, MAGIC_OWN);
}

int dgm_owner_decode(const void *block, const uint8_t uuid[16], struct dgm_owner *o, char *err,
		     size_t errlen)
{
	const uint8_t *b = block;
	int ret;

	memset(o, 0, sizeof(*o));
	o->node = DGM_OWNER_NONE;
	/* The header named this device ours, so a blank owner block is damage, not a stranger. */
	if (all_zero(b, DGM_BLOCK))
		return errf(
			err, errlen, -EBADMSG,
			"owner: block is all zero: owner record lost (truncated or overwritten)");
	ret = check_common(b, MAGIC_OWN, "owner", "not an hbpf owner record", err, errlen);
	if (ret)
		return ret;
	ret = check_uuid(b + DGO_UUID, uuid, "owner", err, errlen);
	if (ret)
		return ret;
	if (b[DGO_NODE] >= DGM_MAX_NODES && b[DGO_NODE] != DGM_OWNER_NONE)
		return errf(err, errlen, -EINVAL, "owner: node %u out of range (0..%d or none)",
			    b[DGO_NODE], DGM_MAX_NODES - 1);
	o->node = b[DGO_NODE];
	o->generation = get64(b + DGO_GEN);
	memcpy(o->uuid, b + DGO_UUID, 16);
	return 0;
}

void dgm_slot_encode(const struct dgm_slot *s, void *block)
{
	uint8_t *b = block;

	memset(b, 0, DGM_BLOCK);
	b[DGS_NODE] = s->node;
	put64(b + DGS_COUNTER, s->counter);
	put64(b + DGS_GEN, s->generation);
	memcpy(b + DGS_UUID, s->uuid, 16);
	seal(b, MAGIC_SLOT);
}

int dgm_slot_decode(const void *block, const uint8_t uuid[16], int node, struct dgm_slot *s,
		    char *err, size_t errlen)
{
	const uint8_t *b = block;
	char what[16];
	int ret;

	memset(s, 0, sizeof(*s));
	if (node < 0 || node >= DGM_MAX_NODES)
		return errf(err, errlen, -EINVAL, "slot: node %d out of range (0..%d)", node,
			    DGM_MAX_NODES - 1);
	s->node = (uint8_t)node;
	/* init zeroes every slot: a node that never renewed. */
	if (all_zero(b, DGM_BLOCK)) {
		if (uuid)
			memcpy(s->uuid, uuid, 16);
		return 0;
	}
	snprintf(what, sizeof(what), "slot %d", node);
	ret = check_common(b, MAGIC_SLOT, what, "not an hbpf lease slot", err, errlen);
	if (ret)
		return ret;
	ret = check_uuid(b + DGS_UUID, uuid, what, err, errlen);
	if (ret)
		return ret;
	if (b[DGS_NODE] != node)
		return errf(err, errlen, -EINVAL, "slot %d: holds node %u's slot (wrong offset?)",
			    node, b[DGS_NODE]);
	s->counter = get64(b + DGS_COUNTER);
	s->generation = get64(b + DGS_GEN);
	memcpy(s->uuid, b + DGS_UUID, 16);
	return 0;
}

int dgm_read_block(int fd, unsigned block, void *buf)
{
	void *io;
	ssize_t n;
	int ret;

	/* O_DIRECT needs a sector-aligned buffer; the caller's may be anywhere. */
	ret = posix_memalign(&io, DGM_BLOCK, DGM_BLOCK);
	if (ret)
		return -ret;
	n = pread(fd, io, DGM_BLOCK, (off_t)block * DGM_BLOCK);
	if (n < 0)
		ret = -errno;
	else if (n != DGM_BLOCK)
		ret = -EIO;
	else
		memcpy(buf, io, DGM_BLOCK);
	free(io);
	return ret;
}

int dgm_write_block(int fd, unsigned block, const void *buf)
{
	void *io;
	ssize_t n;
	int ret;

	ret = posix_memalign(&io, DGM_BLOCK, DGM_BLOCK);
	if (ret)
		return -ret;
	memcpy(io, buf, DGM_BLOCK);
	n = pwrite(fd, io, DGM_BLOCK, (off_t)block * DGM_BLOCK);
	if (n < 0)
		ret = -errno;
	else if (n != DGM_BLOCK)
		ret = -EIO;
	free(io);
	return ret;
}

/* A block device too small for the metadata is refused before anything is written. */
static int check_size(int fd)
{
	uint64_t size;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISBLK(st.st_mode))
		return 0;
	if (ioctl(fd, BLKGETSIZE64, &size) < 0)
		return -errno;
	return size < (uint64_t)DGM_META_BLOCKS * DGM_BLOCK ? -ENOSPC : 0;
}

int dgm_init_device(int fd, const struct dgm_header *h)
{
	uint8_t block[DGM_BLOCK];
	struct dgm_owner o;
	unsigned i;
	int ret;

	ret = check_size(fd);
	if (ret)
		return ret;
	ret = dgm_header_encode(h, block);
	if (ret)
		return ret;
	/*
	 * Slots and owner first, header last and after a flush: an init cut
	 * short leaves a device no node recognises, never a group with stale
	 * slots or a missing owner record.
	 */
	memset(block, 0, sizeof(block));
	for (i = 0; i < DGM_MAX_NODES; i++) {
		ret = dgm_write_block(fd, 2 + i, block);
		if (ret)
			return ret;
	}
	memset(&o, 0, sizeof(o));
	o.node = DGM_OWNER_NONE;
	memcpy(o.uuid, h->uuid, 16);
	dgm_owner_encode(&o, block);
	ret = dgm_write_block(fd, 1, block);
	if (ret)
		return ret;
	if (fsync(fd) < 0)
		return -errno;
	dgm_header_encode(h, block);
	ret = dgm_write_block(fd, 0, block);
	if (ret)
		return ret;
	return fsync(fd) < 0 ? -errno : 0;
}
