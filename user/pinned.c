// SPDX-License-Identifier: GPL-2.0-only
/*
 * Read-only access to hbpfd's pinned maps (see pinned.h), and the words and
 * ages hbpfctl shows for what they hold.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pinned.h"

/* What each map must look like; max_entries 0 = any (hash maps). */
struct pm_spec {
	const char *name;
	__u32 type;
	__u32 key_size;
	__u32 value_size; /* per CPU for the per-CPU arrays */
	__u32 max_entries;
	const char *value_name;
};

static const struct pm_spec pm_specs[HBPF_PM_NR] = {
	[HBPF_PM_CONFIG] = {"config", BPF_MAP_TYPE_ARRAY, 4, sizeof(struct hbpf_cfg), 1,
			    "struct hbpf_cfg"},
	[HBPF_PM_LOCAL] = {"local", BPF_MAP_TYPE_ARRAY, 4, sizeof(struct hbpf_local), 1,
			   "struct hbpf_local"},
	[HBPF_PM_SETS] = {"sets", BPF_MAP_TYPE_ARRAY, 4, sizeof(struct hbpf_set), HBPF_MAX_SETS,
			  "struct hbpf_set"},
	[HBPF_PM_VIPS] = {"vips", BPF_MAP_TYPE_HASH, sizeof(struct hbpf_vip_key),
			  sizeof(struct hbpf_vip), 0, "struct hbpf_vip"},
	[HBPF_PM_PEERS] = {"peers", BPF_MAP_TYPE_ARRAY, 4, sizeof(struct hbpf_peer), HBPF_MAX_NODES,
			   "struct hbpf_peer"},
	[HBPF_PM_LINKS] = {"links", BPF_MAP_TYPE_ARRAY, 4, sizeof(struct hbpf_link),
			   HBPF_MAX_NODES *HBPF_MAX_LINKS, "struct hbpf_link"},
	[HBPF_PM_DROPS] = {"drops", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, HBPF_DROP_SLOTS, "__u64"},
	[HBPF_PM_STATS] = {"stats", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, HBPF_STAT_SLOTS, "__u64"},
};

const char *hbpf_pinned_name(int m)
{
	if (m < 0 || m >= HBPF_PM_NR)
		return NULL;
	return pm_specs[m].name;
}

int hbpf_pinned_check(int m, int fd, const char *path, char *err, size_t errlen)
{
	const struct pm_spec *s = &pm_specs[m];
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	int ret;

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot read map info: %s", path, strerror(-ret));
		return ret;
	}
	if (info.type != s->type) {
		snprintf(err, errlen, "%s: map type %u, expected %u: not an hbpf v%d '%s' map",
			 path, info.type, s->type, HBPF_LAYOUT_VERSION, s->name);
		return -EPROTO;
	}
	if (info.key_size != s->key_size) {
		snprintf(err, errlen,
			 "%s: key size %u, expected %u: pinned layout does not match this hbpfctl",
			 path, info.key_size, s->key_size);
		return -EPROTO;
	}
	if (info.value_size != s->value_size) {
		snprintf(err, errlen,
			 "%s: value size %u, expected %u (%s): pinned layout does not match this "
			 "hbpfctl",
			 path, info.value_size, s->value_size, s->value_name);
		return -EPROTO;
	}
	if (s->max_entries && info.max_entries != s->max_entries) {
		snprintf(err, errlen,
			 "%s: %u entries, expected %u: pinned layout does not match this hbpfctl",
			 path, info.max_entries, s->max_entries);
		return -EPROTO;
	}
	return 0;
}

void hbpf_pinned_close(struct hbpf_pinned *p)
{
	for (int m = 0; m < HBPF_PM_NR; m++) {
		if (p->fd[m] >= 0)
			close(p->fd[m]);
		p->fd[m] = -1;
	}
}

int hbpf_pinned_open(struct hbpf_pinned *p, const char *pin_root, unsigned int need, char *err,
		     size_t errlen)
{
	LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = BPF_F_RDONLY);
	char path[512];
	int ret, n;

	for (int m = 0; m < HBPF_PM_NR; m++)
		p->fd[m] = -1;
	n = snprintf(p->dir, sizeof(p->dir), "%s/v%d", pin_root, HBPF_LAYOUT_VERSION);
	if (n < 0 || (size_t)n >= sizeof(p->dir)) {
		snprintf(err, errlen, "pin root '%s' is too long", pin_root);
		return -ENAMETOOLONG;
	}
	p->ncpus = libbpf_num_possible_cpus();
	if (p->ncpus <= 0) {
		ret = p->ncpus ? p->ncpus : -EINVAL;
		snprintf(err, errlen, "cannot count possible CPUs: %s", strerror(-ret));
		return ret;
	}
	for (int m = 0; m < HBPF_PM_NR; m++) {
		if (!(need & HBPF_PM_BIT(m)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", p->dir, pm_specs[m].name);
		p->fd[m] = bpf_obj_get_opts(path, &opts);
		if (p->fd[m] < 0) {
			ret = -errno;
			p->fd[m] = -1;
			snprintf(err, errlen, "cannot open %s: %s%s", path, strerror(-ret),
				 ret == -ENOENT ? " (is hbpfd loaded? see -p)" : "");
			goto fail;
		}
		ret = hbpf_pinned_check(m, p->fd[m], path, err, errlen);
		if (ret)
			goto fail;
	}
	return 0;
fail:
	hbpf_pinned_close(p);
	return ret;
}

static int pm_lookup(const struct hbpf_pinned *p, int m, __u32 key, void *val)
{
	if (p->fd[m] < 0)
		return -EBADF;
	if (bpf_map_lookup_elem(p->fd[m], &key, val))
		return -errno;
	return 0;
}

int hbpf_pinned_cfg(const struct hbpf_pinned *p, struct hbpf_cfg *cfg)
{
	return pm_lookup(p, HBPF_PM_CONFIG, 0, cfg);
}

int hbpf_pinned_local(const struct hbpf_pinned *p, struct hbpf_local *local)
{
	return pm_lookup(p, HBPF_PM_LOCAL, 0, local);
}

int hbpf_pinned_set(const struct hbpf_pinned *p, int id, struct hbpf_set *set)
{
	if (id < 0 || id >= HBPF_MAX_SETS)
		return -EINVAL;
	return pm_lookup(p, HBPF_PM_SETS, id, set);
}

int hbpf_pinned_peer(const struct hbpf_pinned *p, int node, struct hbpf_peer *peer)
{
	if (node < 0 || node >= HBPF_MAX_NODES)
		return -EINVAL;
	return pm_lookup(p, HBPF_PM_PEERS, node, peer);
}

int hbpf_pinned_link(const struct hbpf_pinned *p, int node, int link, struct hbpf_link *lk)
{
	if (node < 0 || node >= HBPF_MAX_NODES || link < 0 || link >= HBPF_MAX_LINKS)
		return -EINVAL;
	return pm_lookup(p, HBPF_PM_LINKS, node * HBPF_MAX_LINKS + link, lk);
}

int hbpf_pinned_counter(const struct hbpf_pinned *p, int m, int idx, uint64_t *sum)
{
	__u64 *vals;
	int ret;

	if ((m != HBPF_PM_DROPS && m != HBPF_PM_STATS) || idx < 0 ||
	    (__u32)idx >= pm_specs[m].max_entries)
		return -EINVAL;
	/* The kernel copies one 8-byte slot per possible CPU. */
	vals = calloc(p->ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	ret = pm_lookup(p, m, idx, vals);
	if (!ret) {
		*sum = 0;
		for (int c = 0; c < p->ncpus; c++)
			*sum += vals[c];
	}
	free(vals);
	return ret;
}

static int cmp_addr(const void *a, const void *b)
{
	uint32_t x = ntohl(((const struct in_addr *)a)->s_addr);
	uint32_t y = ntohl(((const struct in_addr *)b)->s_addr);

	return x < y ? -1 : x > y;
}

int hbpf_pinned_vips(const struct hbpf_pinned *p, int id, struct in_addr *out, int max)
{
	struct in_addr all[HBPF_MAX_VIPS];
	struct hbpf_vip_key key, next;
	struct hbpf_vip vip;
	int n = 0, found = 0, fd = p->fd[HBPF_PM_VIPS];
	void *prev = NULL;

	if (fd < 0)
		return -EBADF;
	/* Iterate by key; an entry deleted under us just ends or skips. */
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &vip))
			continue;
		if (vip.set != (__u32)id || n >= HBPF_MAX_VIPS)
			continue;
		all[n++].s_addr = key.addr;
	}
	if (errno != ENOENT)
		return -errno;
	qsort(all, n, sizeof(all[0]), cmp_addr);
	for (int i = 0; i < n; i++) {
		if (found < max)
			out[found] = all[i];
		found++;
	}
	return found;
}

/* ------------------------------------------------------------------------ */

static const char *const drop_names[HBPF_DROP_MAX] = {
	[HBPF_DROP_SHORT] = "short",
	[HBPF_DROP_MAGIC] = "magic",
	[HBPF_DROP_VERSION] = "version",
	[HBPF_DROP_CLUSTER] = "cluster",
	[HBPF_DROP_NODE] = "node",
	[HBPF_DROP_LINK] = "link",
	[HBPF_DROP_TYPE] = "type",
	[HBPF_DROP_SIZE] = "size",
	[HBPF_DROP_ARP_FOREIGN] = "arp_foreign",
	[HBPF_DROP_VMAC_FOREIGN] = "vmac_foreign",
	[HBPF_DROP_VIP_FOREIGN] = "vip_foreign",
	[HBPF_DROP_EGRESS_FOREIGN] = "egress_foreign",
	[HBPF_DROP_KEY] = "key",
	[HBPF_DROP_MAC] = "mac",
	[HBPF_DROP_REPLAY] = "replay",
	[HBPF_DROP_STALE_ECHO] = "stale_echo",
};

static const char *const stat_names[HBPF_STAT_MAX] = {
	[HBPF_STAT_HB_RX] = "hb_rx",
	[HBPF_STAT_ECHO_TX] = "echo_tx",
	[HBPF_STAT_ECHO_RX] = "echo_rx",
	[HBPF_STAT_ARP_REPLY] = "arp_reply",
	[HBPF_STAT_VMAC_RX] = "vmac_rx",
	[HBPF_STAT_EGRESS_REWRITE] = "egress_rewrite",
	[HBPF_STAT_GARP_TX] = "garp_tx",
	[HBPF_STAT_TIMER_FIRE] = "timer_fire",
	[HBPF_STAT_TIMER_STARVED] = "timer_starved",
	[HBPF_STAT_STALE_ARP] = "stale_arp",
	[HBPF_STAT_GARP_REFUSED] = "garp_refused",
};

const char *hbpf_drop_name(int idx)
{
	return idx >= 0 && idx < HBPF_DROP_MAX ? drop_names[idx] : NULL;
}

const char *hbpf_stat_name(int idx)
{
	return idx >= 0 && idx < HBPF_STAT_MAX ? stat_names[idx] : NULL;
}

const char *hbpf_peer_state_name(uint32_t state)
{
	static const char *const names[] = {
		[HBPF_PEER_UNKNOWN] = "unknown",
		[HBPF_PEER_ALIVE] = "alive",
		[HBPF_PEER_DEAD] = "dead",
		[HBPF_PEER_DAEMON_DEAD] = "daemon-dead",
	};

	return state < sizeof(names) / sizeof(names[0]) ? names[state] : NULL;
}

void hbpf_wire_flags_str(uint32_t flags, char *buf, size_t len)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} fl[] = {
		{HBPF_WF_DAEMON_UP, "daemon-up"}, {HBPF_WF_RESTARTING, "restarting"},
		{HBPF_WF_PUBLIC_UP, "public-up"}, {HBPF_WF_SHUTDOWN, "shutdown"},
		{HBPF_WF_TB_GATE, "tb-gate"},	  {HBPF_WF_STARTING, "starting"},
	};
	size_t off = 0;

	if (!len)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++) {
		if (!(flags & fl[i].bit))
			continue;
		flags &= ~fl[i].bit;
		off += snprintf(off < len ? buf + off : NULL, off < len ? len - off : 0, "%s%s",
				off ? "," : "", fl[i].name);
	}
	/* Bits this hbpfctl does not know are shown, not hidden. */
	if (flags)
		off += snprintf(off < len ? buf + off : NULL, off < len ? len - off : 0, "%s0x%x",
				off ? "," : "", flags);
	if (!off)
		snprintf(buf, len, "-");
}

double hbpf_age_ms(uint64_t now, uint64_t t)
{
	if (!t)
		return -1.0;
	if (t >= now)
		return 0.0;
	return (double)(now - t) / 1e6;
}

void hbpf_fmt_age(char *buf, size_t len, uint64_t now, uint64_t t)
{
	double ms = hbpf_age_ms(now, t);
	uint64_t s;

	if (ms < 0) {
		snprintf(buf, len, "-");
		return;
	}
	s = (uint64_t)(ms / 1000);
	if (ms < 1000)
		snprintf(buf, len, "%.0f ms", ms);
	else if (ms < 100000)
		snprintf(buf, len, "%.1f s", ms / 1000);
	else if (s < 3600)
		snprintf(buf, len, "%llum%02llus", (unsigned long long)(s / 60),
			 (unsigned long long)(s % 60));
	else if (s < 86400)
		snprintf(buf, len, "%lluh%02llum", (unsigned long long)(s / 3600),
			 (unsigned long long)(s % 3600 / 60));
	else
		snprintf(buf, len, "%llud%02lluh", (unsigned long long)(s / 86400),
			 (unsigned long long)(s % 86400 / 3600));
}

double hbpf_loss_pct(uint64_t rx, uint64_t lost)
{
	if (!rx && !lost)
		return -1.0;
	return 100.0 * (double)lost / ((double)rx + (double)lost);
}
