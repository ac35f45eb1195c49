/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Read-only access to the maps hbpfd pins under <pin-root>/v<N>/, and the
 * words and ages hbpfctl shows for what they hold (names of drops, counters,
 * peer states and wire flags; ages of kernel timestamps).
 *
 * Every map is checked against include/hbpf/abi.h when it is opened (type,
 * key size, value size, entries): libbpf reuses a pinned map whose sizes
 * match, so a size check is what keeps an older layout from being misread.
 */
#ifndef HBPF_PINNED_H
#define HBPF_PINNED_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <hbpf/abi.h>

/* What every reader of these maps also prints and parses with (hbpfctl, its tests). */
#include "args.h"
#include "ctl_client.h"
#include "jw.h"

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
/* Names: "short", "hb_rx", "alive", ...; NULL when out of range. */
const char *hbpf_drop_name(int idx);
const char *hbpf_stat_name(int idx);
const char *hbpf_peer_state_name(uint32_t state);
/* HBPF_WF_* flags as "daemon-up,public-up" or "-" for none. */
void hbpf_wire_flags_str(uint32_t flags, char *buf, size_t len);

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

#endif /* HBPF_PINNED_H */
