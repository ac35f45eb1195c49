// SPDX-License-Identifier: GPL-2.0-only
/* Read-only access to hbpfd's pinned maps, and the helpers hbpfctl builds on. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "config.h"
#include "ctl.h"
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

int hbpf_ctl_request(const char *path, const char *req, int timeout_ms, char **reply, char *why,
		     size_t whylen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct pollfd pfd;
	size_t len = 0, cap = 4096;
	char line[HBPF_CTL_MAX];
	char *buf = NULL;
	int fd, ret, n;

	n = snprintf(line, sizeof(line), "%s\n", req);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		snprintf(why, whylen, "request longer than %d bytes", HBPF_CTL_MAX - 1);
		return -EMSGSIZE;
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(why, whylen, "socket path %s is too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		snprintf(why, whylen, "socket: %s", strerror(-ret));
		return ret;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		ret = -errno;
		snprintf(why, whylen, "cannot connect to %s: %s", path, strerror(-ret));
		goto out;
	}
	if (send(fd, line, n, MSG_NOSIGNAL) != n) {
		ret = errno ? -errno : -EIO;
		snprintf(why, whylen, "cannot send to %s: %s", path, strerror(-ret));
		goto out;
	}
	buf = malloc(cap);
	if (!buf) {
		ret = -ENOMEM;
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	for (;;) {
		ssize_t r;

		pfd.fd = fd;
		pfd.events = POLLIN;
		ret = poll(&pfd, 1, timeout_ms);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret <= 0) {
			ret = ret ? -errno : -ETIMEDOUT;
			snprintf(why, whylen, "no reply on %s within %d ms", path, timeout_ms);
			goto out;
		}
		if (len + 1 >= cap) {
			char *nb;

			if (cap >= HBPF_REPLY_MAX) {
				ret = -EMSGSIZE;
				snprintf(why, whylen, "reply on %s longer than %d bytes", path,
					 HBPF_REPLY_MAX);
				goto out;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				ret = -ENOMEM;
				snprintf(why, whylen, "out of memory");
				goto out;
			}
			buf = nb;
			cap *= 2;
		}
		r = recv(fd, buf + len, cap - len - 1, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			snprintf(why, whylen, "cannot read from %s: %s", path, strerror(-ret));
			goto out;
		}
		if (!r)
			break;
		len += r;
	}
	buf[len] = '\0';
	if (!len) {
		ret = -ECONNRESET;
		snprintf(why, whylen, "%s closed the connection without a reply", path);
		goto out;
	}
	*reply = buf;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	close(fd);
	return ret;
}

char *hbpf_reply_last_line(char *reply)
{
	size_t len = strlen(reply);
	char *nl;

	while (len && reply[len - 1] == '\n')
		reply[--len] = '\0';
	nl = strrchr(reply, '\n');
	if (!nl)
		return reply;
	*nl = '\0';
	return nl + 1;
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

uint64_t hbpf_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
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

int hbpf_match_prefix(const char *word, const char *const *names, int n)
{
	size_t len = strlen(word);
	int found = -ENOENT;

	if (!len)
		return -ENOENT;
	for (int i = 0; i < n; i++) {
		if (!strcmp(word, names[i]))
			return i;
		if (strncmp(word, names[i], len))
			continue;
		if (found >= 0)
			found = -EINVAL;
		else if (found == -ENOENT)
			found = i;
	}
	return found;
}

int hbpf_valid_name(const char *s)
{
	size_t len = strlen(s);

	if (!len || len >= HBPF_NAME_MAX)
		return 0;
	for (; *s; s++) {
		char c = *s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

/* ------------------------------------------------------------------------ */

int hbpf_parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	uint64_t v = 0;
	const char *c;

	if (!*s)
		return -EINVAL;
	for (c = s; *c; c++) {
		if (*c < '0' || *c > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(*c - '0');
		if (v > UINT32_MAX)
			return -ERANGE;
	}
	if (v < lo || v > hi)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

/* Copy n bytes of s into a field of size max (NUL included), or explain. */
static int vol_field(char *dst, size_t max, const char *s, size_t n, const char *what, char *err,
		     size_t errlen)
{
	if (n >= max) {
		snprintf(err, errlen, "%s \"%.*s\" is longer than %zu bytes", what, (int)n, s,
			 max - 1);
		return -EINVAL;
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

static int mountpoint_ok(const char *m, char *err, size_t errlen)
{
	size_t n = strlen(m);

	if (m[0] != '/') {
		snprintf(err, errlen, "mountpoint \"%s\" is not absolute", m);
		return -EINVAL;
	}
	if (!strcmp(m, "/")) {
		snprintf(err, errlen, "mountpoint \"/\" is not allowed");
		return -EINVAL;
	}
	if (m[n - 1] == '/' || strstr(m, "//") || strstr(m, "/./") || strstr(m, "/../") ||
	    (n >= 2 && !strcmp(m + n - 2, "/.")) || (n >= 3 && !strcmp(m + n - 3, "/.."))) {
		snprintf(err, errlen,
			 "mountpoint \"%s\" is not canonical (no \".\", \"..\", \"//\" or "
			 "trailing '/')",
			 m);
		return -EINVAL;
	}
	return 0;
}

int hbpf_parse_volume(const char *spec, struct dgm_volume *v, char *err, size_t errlen)
{
	const char *mp, *end, *fs, *fsend;
	int ret;

	for (const char *c = spec; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f) {
			snprintf(err, errlen,
				 "\"%s\": spaces and control characters are not allowed", spec);
			return -EINVAL;
		}
	mp = strstr(spec, ":/");
	if (!mp)
		mp = strchr(spec, ':');
	if (!mp || mp == spec) {
		snprintf(err, errlen, "\"%s\" is not DEV:MOUNTPOINT[:FSTYPE[:OPTIONS]]", spec);
		return -EINVAL;
	}
	if (spec[0] != '/') {
		snprintf(err, errlen, "device \"%.*s\" is not an absolute path", (int)(mp - spec),
			 spec);
		return -EINVAL;
	}
	ret = vol_field(v->device, sizeof(v->device), spec, (size_t)(mp - spec), "device", err,
			errlen);
	if (ret)
		return ret;
	mp++;
	end = strchr(mp, ':');
	if (!end)
		end = mp + strlen(mp);
	ret = vol_field(v->mountpoint, sizeof(v->mountpoint), mp, (size_t)(end - mp), "mountpoint",
			err, errlen);
	if (!ret)
		ret = mountpoint_ok(v->mountpoint, err, errlen);
	if (ret)
		return ret;
	v->fstype[0] = '\0';
	v->options[0] = '\0';
	if (!*end)
		return 0;
	fs = end + 1;
	fsend = strchr(fs, ':');
	if (!fsend)
		fsend = fs + strlen(fs);
	ret = vol_field(v->fstype, sizeof(v->fstype), fs, (size_t)(fsend - fs), "fstype", err,
			errlen);
	if (ret || !*fsend)
		return ret;
	return vol_field(v->options, sizeof(v->options), fsend + 1, strlen(fsend + 1), "options",
			 err, errlen);
}

static uint32_t le32_at(const uint8_t *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

#define EXT_SB 1024
#define EXT_COMPAT_HAS_JOURNAL 0x4
/* incompat extents, 64bit, mmp, flex_bg; ro_compat huge_file, gdt_csum, dir_nlink,
 * extra_isize, metadata_csum: features the ext2/ext3 drivers never had */
#define EXT4_INCOMPAT 0x3c0
#define EXT4_RO_COMPAT 0x478
#define BTRFS_SB (64 * 1024)

/* Which ext generation the features need: 2, 3 or 4. */
static int ext_level(const uint8_t *sb)
{
	if ((le32_at(sb + 0x60) & EXT4_INCOMPAT) || (le32_at(sb + 0x64) & EXT4_RO_COMPAT))
		return 4;
	return le32_at(sb + 0x5c) & EXT_COMPAT_HAS_JOURNAL ? 3 : 2;
}

int hbpf_fs_identify(const void *buf, size_t len, const char *want, char *fstype, size_t fslen,
		     uint8_t uuid[16], char *err, size_t errlen)
{
	static const char *const types[] = {"ext2", "ext3", "ext4", "xfs", "btrfs"};
	const uint8_t *b = buf;
	const uint8_t *id[3] = {NULL, NULL, NULL}; /* ext, xfs, btrfs */
	char found[32] = "";
	int nfound = 0, kind = -1, level = 0, w = -1, i;

	if (len >= EXT_SB + 0x78 && b[EXT_SB + 0x38] == 0x53 && b[EXT_SB + 0x39] == 0xef) {
		id[0] = b + EXT_SB + 0x68;
		level = ext_level(b + EXT_SB);
	}
	if (len >= 48 && !memcmp(b, "XFSB", 4))
		id[1] = b + 32;
	if (len >= BTRFS_SB + 0x48 && !memcmp(b + BTRFS_SB + 0x40, "_BHRfS_M", 8))
		id[2] = b + BTRFS_SB + 0x20;
	for (i = 0; i < 3; i++) {
		if (!id[i])
			continue;
		kind = i;
		snprintf(found + strlen(found), sizeof(found) - strlen(found), "%s%s",
			 nfound++ ? ", " : "", i ? types[i + 2] : types[level - 2]);
	}
	if (want && *want) {
		for (i = 0; i < 5 && strcmp(want, types[i]); i++)
			;
		if (i == 5) {
			snprintf(
				err, errlen,
				"unsupported filesystem type \"%s\" (ext2, ext3, ext4, xfs, btrfs)",
				want);
			return -EINVAL;
		}
		w = i;
		kind = w < 3 ? 0 : w - 2;
		if (!id[kind]) {
			snprintf(err, errlen, "no %s filesystem found (%s%s)", want,
				 nfound ? "found " : "no known signature", found);
			return -ENOENT;
		}
		if (kind == 0 && w + 2 < level) {
			snprintf(err, errlen,
				 "the filesystem uses ext%d features; %s cannot mount it", level,
				 want);
			return -ENOENT;
		}
		snprintf(fstype, fslen, "%s", want);
	} else {
		if (!nfound) {
			snprintf(err, errlen, "no ext2/3/4, xfs or btrfs filesystem found");
			return -ENOENT;
		}
		if (nfound > 1) {
			snprintf(err, errlen, "several filesystem signatures (%s): give FSTYPE",
				 found);
			return -ENOTUNIQ;
		}
		snprintf(fstype, fslen, "%s", kind ? types[kind + 2] : types[level - 2]);
	}
	memcpy(uuid, id[kind], 16);
	return 0;
}

void hbpf_fmt_uuid(char *buf, size_t len, const uint8_t u[16])
{
	snprintf(buf, len, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
		 u[13], u[14], u[15]);
}

/* ------------------------------------------------------------------------ */

void jw_init(struct jw *w, FILE *f)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
}

void jw_escape(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
	}
	fputc('"', f);
}

/* Comma and key before a value at the current level. */
static void jw_member(struct jw *w, const char *key)
{
	if (w->count[w->depth]++)
		fputc(',', w->f);
	if (key) {
		jw_escape(w->f, key);
		fputc(':', w->f);
	}
}

static void jw_open(struct jw *w, const char *key, char c)
{
	jw_member(w, key);
	fputc(c, w->f);
	if (w->depth < JW_MAX_DEPTH - 1)
		w->count[++w->depth] = 0;
}

static void jw_close(struct jw *w, char c)
{
	fputc(c, w->f);
	if (w->depth > 0)
		w->depth--;
	if (!w->depth)
		fputc('\n', w->f);
}

void jw_open_obj(struct jw *w, const char *key)
{
	jw_open(w, key, '{');
}

void jw_open_arr(struct jw *w, const char *key)
{
	jw_open(w, key, '[');
}

void jw_close_obj(struct jw *w)
{
	jw_close(w, '}');
}

void jw_close_arr(struct jw *w)
{
	jw_close(w, ']');
}

void jw_str(struct jw *w, const char *key, const char *val)
{
	jw_member(w, key);
	if (val)
		jw_escape(w->f, val);
	else
		fputs("null", w->f);
}

void jw_u64(struct jw *w, const char *key, uint64_t val)
{
	jw_member(w, key);
	fprintf(w->f, "%llu", (unsigned long long)val);
}

void jw_int(struct jw *w, const char *key, long long val)
{
	jw_member(w, key);
	fprintf(w->f, "%lld", val);
}

void jw_bool(struct jw *w, const char *key, int val)
{
	jw_member(w, key);
	fputs(val ? "true" : "false", w->f);
}

void jw_null(struct jw *w, const char *key)
{
	jw_member(w, key);
	fputs("null", w->f);
}

void jw_fixed(struct jw *w, const char *key, double val, int decimals)
{
	jw_member(w, key);
	if (val < 0)
		fputs("null", w->f);
	else
		fprintf(w->f, "%.*f", decimals, val);
}

void jw_dec1(struct jw *w, const char *key, double val)
{
	jw_fixed(w, key, val, 1);
}
