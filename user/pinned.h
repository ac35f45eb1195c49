/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Read-only access to the maps hbpfd pins under <pin-root>/v<N>/, plus the
 * helpers hbpfctl builds on: a control-socket client (user/ctl.h) and small
 * pure functions for its output (names, ages, prefix matching, a JSON writer).
 *
 * Every map is checked against include/hbpf/abi.h when it is opened (type,
 * key size, value size, entries): libbpf reuses a pinned map whose sizes
 * match, so a size check is what keeps an older layout from being misread.
 */
#ifndef HBPF_PINNED_H
#define HBPF_PINNED_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>
#include <hbpf/abi.h>

#include "dgmeta.h"

/* Map indexes for struct hbpf_pinned.fd[] and the "need" mask of hbpf_pinned_open(). */
#define HBPF_PM_CONFIG 0
#define HBPF_PM_LOCAL 1
#define HBPF_PM_SETS 2
#define HBPF_PM_VIPS 3
#define HBPF_PM_PEERS 4
#define HBPF_PM_LINKS 5
#define HBPF_PM_DROPS 6
#define HBPF_PM_STATS 7
#define HBPF_PM_NR 8

#define HBPF_PM_BIT(m) (1u << (m))

struct hbpf_pinned {
	char dir[256];	    /* <pin-root>/v<HBPF_LAYOUT_VERSION> */
	int fd[HBPF_PM_NR]; /* -1 when not opened */
	int ncpus;	    /* possible CPUs, for the per-CPU maps */
};

/* Pinned name of map m ("config", "peers", ...), or NULL when m is out of range. */
const char *hbpf_pinned_name(int m);

/*
 * Open the maps whose bits are set in need, read-only, and check each against
 * the ABI.  On failure returns -errno (-ENOENT: not pinned, -EPROTO: layout
 * mismatch), closes what it opened and writes one precise line into err.
 */
int hbpf_pinned_open(struct hbpf_pinned *p, const char *pin_root, unsigned int need, char *err,
		     size_t errlen);
void hbpf_pinned_close(struct hbpf_pinned *p);

/*
 * Check a map's kernel info against what map m must be.  Split out of
 * hbpf_pinned_open() so that the check itself can be tested on any map fd.
 */
int hbpf_pinned_check(int m, int fd, const char *path, char *err, size_t errlen);

/* Lookups: 0 or -errno (-EINVAL for an index out of range). */
int hbpf_pinned_cfg(const struct hbpf_pinned *p, struct hbpf_cfg *cfg);
int hbpf_pinned_local(const struct hbpf_pinned *p, struct hbpf_local *local);
int hbpf_pinned_set(const struct hbpf_pinned *p, int id, struct hbpf_set *set);
int hbpf_pinned_peer(const struct hbpf_pinned *p, int node, struct hbpf_peer *peer);
int hbpf_pinned_link(const struct hbpf_pinned *p, int node, int link, struct hbpf_link *lk);
/* Sum over all CPUs of entry idx of the drops or stats map (m = HBPF_PM_DROPS/STATS). */
int hbpf_pinned_counter(const struct hbpf_pinned *p, int m, int idx, uint64_t *sum);
/*
 * The VIPs of set id, in ascending address order; returns how many were
 * found (at most max are stored) or -errno.
 */
int hbpf_pinned_vips(const struct hbpf_pinned *p, int id, struct in_addr *out, int max);

/* ------------------------------------------------------------------------ */
#define HBPF_REPLY_MAX (64 * 1024) /* longest control reply accepted */

/*
 * Send one request line (without its '\n') to the daemon's socket at path and
 * collect the whole reply (the daemon closes the connection after its last
 * line), waiting at most timeout_ms for each read.  Returns 0 with a malloc'd
 * NUL-terminated *reply, or -errno with a one-line reason in why.
 */
int hbpf_ctl_request(const char *path, const char *req, int timeout_ms, char **reply, char *why,
		     size_t whylen);
/*
 * The last non-empty line of a reply, in place: the reply is cut before it,
 * so what remains of reply is the lines above (or reply itself is returned).
 */
char *hbpf_reply_last_line(char *reply);

/* ------------------------------------------------------------------------ */
/* Names: "short", "hb_rx", "alive", ...; NULL when out of range. */
const char *hbpf_drop_name(int idx);
const char *hbpf_stat_name(int idx);
const char *hbpf_peer_state_name(uint32_t state);
/* HBPF_WF_* flags as "daemon-up,public-up" or "-" for none. */
void hbpf_wire_flags_str(uint32_t flags, char *buf, size_t len);

/* CLOCK_MONOTONIC now, in ns (the clock bpf_ktime_get_ns() reads). */
uint64_t hbpf_now_ns(void);
/*
 * Age of a kernel timestamp t at now in ms, or -1.0 when t is 0 ("never").
 * A timestamp slightly in the future (another CPU wrote it after we read the
 * clock) counts as age 0.
 */
double hbpf_age_ms(uint64_t now, uint64_t t);
/* A human age: "-" for never, "850 ms", "12.3 s", "5m07s", "3h12m", "4d03h". */
void hbpf_fmt_age(char *buf, size_t len, uint64_t now, uint64_t t);
/* lost / (rx + lost) in percent, or -1.0 when nothing was expected yet. */
double hbpf_loss_pct(uint64_t rx, uint64_t lost);

/*
 * Unambiguous prefix match of word against names[0..n-1]: an exact match
 * wins, else the only name word is a prefix of.  Returns the index,
 * -ENOENT when nothing matches, -EINVAL when several do.
 */
int hbpf_match_prefix(const char *word, const char *const *names, int n);

/*
 * A name that may travel in a control request: 1..HBPF_NAME_MAX-1 bytes of
 * [A-Za-z0-9_.-], so that it can neither split nor extend the request line.
 */
int hbpf_valid_name(const char *s);

/* ------------------------------------------------------------------------ */
/* Disk-group helpers for "hbpfctl dg": pure functions, no I/O. */

/* Strict decimal: no sign, no spaces, no base prefix, no trailing text; lo..hi. */
int hbpf_parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out);

/*
 * "DEV:MOUNTPOINT[:FSTYPE[:OPTIONS]]" into v (device, mountpoint, fstype,
 * options; the rest of v untouched).  DEV ends at the first ":/", so device
 * names with colons (/dev/disk/by-path/pci-0000:00:1f.2-ata-1) work; an empty
 * FSTYPE means "detect"; OPTIONS is the rest (mount -o syntax).  Mountpoints
 * are absolute, not "/", without "." or ".." steps, "//" or a trailing '/'.
 * Returns 0 or -EINVAL with a one-line reason in err.
 */
int hbpf_parse_volume(const char *spec, struct dgm_volume *v, char *err, size_t errlen);

/* Bytes from the start of a device that hbpf_fs_identify() looks at. */
#define HBPF_FS_PROBE_BYTES (64 * 1024 + 4096)

/*
 * Identify the filesystem in the first len bytes of a device (at least
 * HBPF_FS_PROBE_BYTES to see btrfs): ext2/3/4 (superblock at 1024, magic
 * 0xEF53), xfs ("XFSB" at 0), btrfs ("_BHRfS_M" at 64 KiB + 0x40).  With want
 * NULL or "", the one signature found is reported (ext2/ext3/ext4 from the
 * feature flags); with want set, only that type is accepted (an ext2/ext3
 * request for a filesystem using newer ext features is refused).  On success
 * fills fstype (the detected type, or want) and uuid (the filesystem UUID,
 * btrfs: its fsid).  Errors, with a reason in err: -EINVAL unsupported want,
 * -ENOENT no (or not the wanted) filesystem, -ENOTUNIQ several signatures.
 */
int hbpf_fs_identify(const void *buf, size_t len, const char *want, char *fstype, size_t fslen,
		     uint8_t uuid[16], char *err, size_t errlen);

/* "01234567-89ab-cdef-0123-456789abcdef" (len >= 37). */
void hbpf_fmt_uuid(char *buf, size_t len, const uint8_t uuid[16]);

/* ------------------------------------------------------------------------ */
/* A streaming JSON writer: tracks nesting and commas, escapes strings. */
#define JW_MAX_DEPTH 16

struct jw {
	FILE *f;
	int depth;
	int count[JW_MAX_DEPTH]; /* members written at each level */
};

void jw_init(struct jw *w, FILE *f);
/* key is NULL inside arrays and for the top-level value. */
void jw_open_obj(struct jw *w, const char *key);
void jw_open_arr(struct jw *w, const char *key);
void jw_close_obj(struct jw *w);
void jw_close_arr(struct jw *w);
void jw_str(struct jw *w, const char *key, const char *val); /* val NULL -> null */
void jw_u64(struct jw *w, const char *key, uint64_t val);
void jw_int(struct jw *w, const char *key, long long val);
void jw_bool(struct jw *w, const char *key, int val);
void jw_null(struct jw *w, const char *key);
/* A number with one decimal place; a negative value (our "never") is written as null. */
void jw_dec1(struct jw *w, const char *key, double val);
/* The same with the given number of decimal places. */
void jw_fixed(struct jw *w, const char *key, double val, int decimals);
/* Write s as a JSON string literal with quotes and escapes. */
void jw_escape(FILE *f, const char *s);

#endif /* HBPF_PINNED_H */
