// SPDX-License-Identifier: GPL-2.0-only
/*
 * hbpfctl dg: the disk-group commands.  init and show read and write the
 * metadata device here directly (user/dgmeta.h); import and deport are one
 * request each to the daemon, which does the work (user/dg.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "ctl.h"
#include "dgmeta.h"
#include "fsprobe.h"
#include "hbpfctl_ctx.h"
#include "hbpfctl_dg.h"
#include "pinned.h"

#define DG_TIMEOUT_MS 600000 /* import waits for fsck, which may take long */
#define DG_LEASE_DEFAULT_MS 2000
#define DG_RENEW_DEFAULT_MS 200

static const char *const fsck_names[] = {"auto", "never", "force"};

struct dgcmd {
	const char *name;
	int (*fn)(struct ctl *c, int argc, char **argv);
	const char *args;
	const char *help;
};

static void dg_usage(const struct dgcmd *d)
{
	fprintf(stderr, "usage: hbpfctl dg %s %s\n", d->name, d->args);
}

/*
 * getopt_long over a subcommand's arguments (argv[0] is the subcommand).
 * Returns the option, -1 at the end, or '?' after printing what was wrong.
 */
static int dg_getopt(const struct dgcmd *d, int argc, char **argv, const struct option *lo)
{
	int opt;

	opterr = 0;
	opt = getopt_long(argc, argv, ":N:", lo, NULL);
	if (opt == '?' || opt == ':') {
		fprintf(stderr, "hbpfctl: dg %s: %s '%s'\n", d->name,
			opt == ':' ? "missing value for" : "unknown option", argv[optind - 1]);
		dg_usage(d);
		return '?';
	}
	return opt;
}

/* Node name by id from the config, else "node<id>". */
static void dg_node_name(const struct ctl *c, int id, char *buf, size_t len)
{
	const struct hbpf_cfg_node *n = c->cfg ? hbpf_config_node_by_id(c->cfg, id) : NULL;

	if (n)
		snprintf(buf, len, "%s", n->name);
	else
		snprintf(buf, len, "node%d", id);
}

static int dg_check_name(const struct ctl *c, const char *name)
{
	char list[HBPF_MAX_DGS * NAMELEN];
	size_t off = 0;

	if (!hbpf_valid_name(name)) {
		fprintf(stderr,
			"hbpfctl: invalid disk group name '%s' (1 to %d characters of A-Z a-z 0-9 "
			"_ . -)\n",
			name, HBPF_NAME_MAX - 1);
		return EXIT_USAGE;
	}
	if (!c->cfg || hbpf_config_dg(c->cfg, name))
		return 0;
	list[0] = '\0';
	for (int i = 0; i < c->cfg->ndgs; i++)
		off += snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "",
				c->cfg->dgs[i].name);
	fprintf(stderr, "hbpfctl: unknown disk group '%s' (disk groups: %s)\n", name,
		off ? list : "none");
	return EXIT_USAGE;
}

static void print_header(const struct dgm_header *h, const char *meta)
{
	char uuid[40], when[40];
	time_t t = (time_t)h->created_s;
	struct tm tm;

	uuid_fmt(uuid, sizeof(uuid), h->uuid);
	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	else
		snprintf(when, sizeof(when), "%llu", (unsigned long long)h->created_s);
	printf("disk group: %s\nmetadata device: %s\nuuid: %s\nformat version: %u\n"
	       "created: %s\nlease: timeout %u ms, renew %u ms\nvolumes: %u\n",
	       h->name, meta, uuid, h->version, when, h->lease_timeout_ms, h->renew_ms,
	       h->nvolumes);
	printf("  %-5s %-20s %-6s %-36s %-20s %-12s %s\n", "ORDER", "DEVICE", "FSTYPE", "FS-UUID",
	       "MOUNTPOINT", "OPTIONS", "FSCK");
	for (unsigned i = 0; i < h->nvolumes; i++) {
		const struct dgm_volume *v = &h->vol[i];

		uuid_fmt(uuid, sizeof(uuid), v->fs_uuid);
		printf("  %-5u %-20s %-6s %-36s %-20s %-12s %s\n", v->order, v->device, v->fstype,
		       uuid, v->mountpoint, *v->options ? v->options : "defaults",
		       v->fsck <= DGM_FSCK_FORCE ? fsck_names[v->fsck] : "?");
	}
}

/* Read the filesystem signature of a member volume into v (fstype, fs_uuid). */
static int probe_volume(struct dgm_volume *v, dev_t *rdev)
{
	char err[256], want[DGM_FSTYPE_MAX];
	struct stat st;
	uint8_t *buf;
	ssize_t n;
	int fd, ret;

	if (stat(v->device, &st) < 0) {
		fprintf(stderr, "hbpfctl: dg init: %s: %s\n", v->device, strerror(errno));
		return -1;
	}
	if (!S_ISBLK(st.st_mode)) {
		fprintf(stderr, "hbpfctl: dg init: %s is not a block device\n", v->device);
		return -1;
	}
	*rdev = st.st_rdev;
	fd = open(v->device, O_RDONLY | O_CLOEXEC);
	buf = calloc(1, FS_PROBE_BYTES);
	if (fd < 0 || !buf) {
		fprintf(stderr, "hbpfctl: dg init: %s: %s\n", v->device, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(buf);
		return -1;
	}
	/* A device shorter than the probe window simply has no btrfs signature. */
	n = pread(fd, buf, FS_PROBE_BYTES, 0);
	ret = n < 0 ? -errno : 0;
	close(fd);
	if (!ret) {
		snprintf(want, sizeof(want), "%s", v->fstype);
		ret = fs_identify(buf, (size_t)n, want, v->fstype, sizeof(v->fstype), v->fs_uuid,
				  err, sizeof(err));
	} else {
		snprintf(err, sizeof(err), "cannot read: %s", strerror(-ret));
	}
	free(buf);
	if (ret)
		fprintf(stderr, "hbpfctl: dg init: %s: %s\n", v->device, err);
	return ret ? -1 : 0;
}

/*
 * What the metadata device holds now: 0 when it may be written, else prints
 * why not (an hbpf group of any name or version, or a filesystem) and
 * returns an exit code.  With force the finding is printed and overridden.
 */
static int dg_init_check_meta(int fd, const char *meta, int force)
{
	char err[256], what[320], uuid[40], fstype[DGM_FSTYPE_MAX];
	struct dgm_header old;
	uint8_t fsid[16];
	void *buf;
	int ret;

	if (posix_memalign(&buf, DGM_BLOCK, FS_PROBE_BYTES)) {
		fprintf(stderr, "hbpfctl: out of memory\n");
		return EXIT_FAIL;
	}
	ret = dgm_read_block(fd, 0, buf);
	if (ret) {
		fprintf(stderr, "hbpfctl: dg init: %s: cannot read: %s\n", meta, strerror(-ret));
		free(buf);
		return EXIT_FAIL;
	}
	what[0] = '\0';
	ret = dgm_header_decode(buf, &old, err, sizeof(err));
	if (!ret) {
		uuid_fmt(uuid, sizeof(uuid), old.uuid);
		snprintf(what, sizeof(what), "disk group '%s' (uuid %s)", old.name, uuid);
	} else if (ret == -ENOTSUP) {
		snprintf(what, sizeof(what), "disk group metadata of a newer format (%s)", err);
	} else if (pread(fd, buf, FS_PROBE_BYTES, 0) > 0 &&
		   !fs_identify(buf, FS_PROBE_BYTES, NULL, fstype, sizeof(fstype), fsid, err,
				sizeof(err))) {
		uuid_fmt(uuid, sizeof(uuid), fsid);
		snprintf(what, sizeof(what), "an %s filesystem (uuid %s)", fstype, uuid);
	}
	free(buf);
	if (!*what)
		return 0;
	if (!force) {
		fprintf(stderr,
			"hbpfctl: dg init: %s already holds %s; nothing written (use --force "
			"to overwrite it)\n",
			meta, what);
		return EXIT_FAIL;
	}
	fprintf(stderr, "hbpfctl: dg init: --force: overwriting %s on %s\n", what, meta);
	return 0;
}

/* Volume checks that need no I/O: distinct mountpoints, a name, sane timers. */
static int dg_init_validate(const struct dgm_header *h, const char *name, const char *meta)
{
	if (!hbpf_valid_name(name)) {
		fprintf(stderr,
			"hbpfctl: dg init: invalid disk group name '%s' (1 to %d characters of A-Z "
			"a-z 0-9 _ . -)\n",
			name, DGM_NAME_MAX - 1);
		return EXIT_USAGE;
	}
	if (!meta || !h->nvolumes) {
		fprintf(stderr, "hbpfctl: dg init: %s is required\n",
			!meta ? "--meta DEV" : "at least one --volume");
		return EXIT_USAGE;
	}
	if (meta[0] != '/') {
		fprintf(stderr, "hbpfctl: dg init: --meta %s is not an absolute path\n", meta);
		return EXIT_USAGE;
	}
	if (h->renew_ms < 10 || (uint64_t)h->lease_timeout_ms < 3ull * h->renew_ms) {
		fprintf(stderr,
			"hbpfctl: dg init: --renew must be at least 10 ms and --lease-timeout at "
			"least 3 x --renew (got %u and %u ms)\n",
			h->renew_ms, h->lease_timeout_ms);
		return EXIT_USAGE;
	}
	for (unsigned i = 0; i < h->nvolumes; i++)
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(h->vol[i].device, h->vol[j].device) ||
			    !strcmp(h->vol[i].mountpoint, h->vol[j].mountpoint)) {
				fprintf(stderr, "hbpfctl: dg init: volumes %u and %u share %s %s\n",
					j, i,
					strcmp(h->vol[i].device, h->vol[j].device) ? "mountpoint" :
										     "device",
					strcmp(h->vol[i].device, h->vol[j].device) ?
						h->vol[i].mountpoint :
						h->vol[i].device);
				return EXIT_USAGE;
			}
	return 0;
}

/* Open the metadata device for init: a block device, no member, not in use. */
static int dg_init_open_meta(const char *meta, const dev_t *rdev, unsigned n)
{
	struct stat st;
	int fd;

	if (stat(meta, &st) < 0) {
		fprintf(stderr, "hbpfctl: dg init: --meta %s: %s\n", meta, strerror(errno));
		return -1;
	}
	if (!S_ISBLK(st.st_mode)) {
		fprintf(stderr, "hbpfctl: dg init: --meta %s is not a block device\n", meta);
		return -1;
	}
	for (unsigned i = 0; i < n; i++)
		if (rdev[i] == st.st_rdev) {
			fprintf(stderr, "hbpfctl: dg init: --meta %s is also volume %u\n", meta, i);
			return -1;
		}
	/* O_EXCL on a block device: refused while mounted or claimed by a holder. */
	fd = open(meta, O_RDWR | O_DIRECT | O_EXCL | O_CLOEXEC);
	if (fd < 0)
		fprintf(stderr, "hbpfctl: dg init: --meta %s: %s\n", meta,
			errno == EBUSY ? "device is in use (mounted or held)" : strerror(errno));
	return fd;
}

static int dg_init(struct ctl *c, int argc, char **argv);
static int dg_show(struct ctl *c, int argc, char **argv);
static int dg_import(struct ctl *c, int argc, char **argv);
static int dg_deport(struct ctl *c, int argc, char **argv);

static const struct dgcmd dgcmds[] = {
	{"init", dg_init,
	 "NAME --meta DEV --volume DEV:MOUNTPOINT[:FSTYPE[:OPTIONS]] [--volume ...] "
	 "[--lease-timeout MS] [--renew MS] [--force]",
	 "write a new disk group on its metadata device"},
	{"show", dg_show, "NAME|--meta DEV [-N NODE]",
	 "header, volumes, owner and lease slots of a disk group"},
	{"import", dg_import, "NAME [--force]", "have the daemon import (fence, fsck, mount) NAME"},
	{"deport", dg_deport, "NAME", "have the daemon deport (unmount, release) NAME"},
};
#define NDGCMDS ((int)(sizeof(dgcmds) / sizeof(dgcmds[0])))

static int dg_init(struct ctl *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{"meta", required_argument, NULL, 'm'},
		{"volume", required_argument, NULL, 'v'},
		{"lease-timeout", required_argument, NULL, 't'},
		{"renew", required_argument, NULL, 'r'},
		{"force", no_argument, NULL, 'f'},
		{NULL, 0, NULL, 0},
	};
	const struct dgcmd *d = &dgcmds[0];
	dev_t rdev[DGM_MAX_VOLUMES];
	const char *meta = NULL;
	struct dgm_header h;
	char err[256];
	int opt, fd, force = 0, ret;
	uint32_t *ms;

	(void)c;
	memset(&h, 0, sizeof(h));
	h.version = DGM_VERSION;
	h.lease_timeout_ms = DG_LEASE_DEFAULT_MS;
	h.renew_ms = DG_RENEW_DEFAULT_MS;
	optind = 0;
	while ((opt = dg_getopt(d, argc, argv, lo)) != -1) {
		switch (opt) {
		case 'm':
			meta = optarg;
			break;
		case 'v':
			if (h.nvolumes == DGM_MAX_VOLUMES) {
				fprintf(stderr, "hbpfctl: dg init: at most %d volumes\n",
					DGM_MAX_VOLUMES);
				return EXIT_USAGE;
			}
			if (hbpf_parse_volume(optarg, &h.vol[h.nvolumes], err, sizeof(err))) {
				fprintf(stderr, "hbpfctl: dg init: --volume %s\n", err);
				return EXIT_USAGE;
			}
			h.vol[h.nvolumes].fsck = DGM_FSCK_AUTO;
			h.vol[h.nvolumes].order = (uint8_t)h.nvolumes;
			h.nvolumes++;
			break;
		case 't':
		case 'r':
			ms = opt == 't' ? &h.lease_timeout_ms : &h.renew_ms;
			if (hbpf_parse_u32(optarg, 1, 3600000, ms)) {
				fprintf(stderr,
					"hbpfctl: dg init: --%s: '%s' is not 1..3600000 (ms)\n",
					opt == 't' ? "lease-timeout" : "renew", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'f':
			force = 1;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "hbpfctl: dg init: %s\n",
			argc - optind ? "one NAME expected" : "missing NAME");
		dg_usage(d);
		return EXIT_USAGE;
	}
	ret = dg_init_validate(&h, argv[optind], meta);
	if (ret)
		return ret;
	snprintf(h.name, sizeof(h.name), "%s", argv[optind]);
	for (unsigned i = 0; i < h.nvolumes; i++) {
		if (probe_volume(&h.vol[i], &rdev[i]))
			return EXIT_FAIL;
		for (unsigned j = 0; j < i; j++)
			if (rdev[j] == rdev[i]) {
				fprintf(stderr, "hbpfctl: dg init: %s and %s are the same device\n",
					h.vol[j].device, h.vol[i].device);
				return EXIT_FAIL;
			}
	}
	fd = dg_init_open_meta(meta, rdev, h.nvolumes);
	if (fd < 0)
		return EXIT_FAIL;
	ret = dg_init_check_meta(fd, meta, force);
	if (ret) {
		close(fd);
		return ret;
	}
	if (getrandom(h.uuid, sizeof(h.uuid), 0) != sizeof(h.uuid)) {
		fprintf(stderr, "hbpfctl: dg init: getrandom: %s\n", strerror(errno));
		close(fd);
		return EXIT_FAIL;
	}
	h.uuid[6] = (h.uuid[6] & 0x0f) | 0x40; /* RFC 9562 version 4, variant 10 */
	h.uuid[8] = (h.uuid[8] & 0x3f) | 0x80;
	h.created_s = (uint64_t)time(NULL);
	ret = dgm_init_device(fd, &h);
	close(fd);
	if (ret) {
		fprintf(stderr, "hbpfctl: dg init: %s: cannot write the metadata: %s\n", meta,
			ret == -ENOSPC ? "device is smaller than the metadata area" :
					 strerror(-ret));
		return EXIT_FAIL;
	}
	printf("initialized disk group %s on %s\n", h.name, meta);
	print_header(&h, meta);
	return 0;
}

/* The metadata device of group name on this node (see hbpfctl(8), dg show). */
static const char *dg_resolve_meta(const struct ctl *c, const char *name, const char *node)
{
	const struct hbpf_cfg_dg *g;
	const struct hbpf_cfg_node *n = NULL;
	struct hbpf_pinned p;
	struct hbpf_cfg kcfg;
	char host[256], err[256];
	int has_override = 0;

	if (!c->cfg) {
		fprintf(stderr, "hbpfctl: dg show: %s names no disk group (%s); use --meta DEV\n",
			c->conf_path, *c->cfg_err ? c->cfg_err : "no configuration");
		return NULL;
	}
	if (dg_check_name(c, name))
		return NULL;
	g = hbpf_config_dg(c->cfg, name);
	for (int i = 0; i < HBPF_MAX_NODES; i++)
		has_override |= !!g->meta_node[i][0];
	if (!has_override && !node)
		return g->meta;
	if (node) {
		n = hbpf_config_node(c->cfg, node);
		if (!n) {
			fprintf(stderr, "hbpfctl: dg show: -N %s is not a node of %s\n", node,
				c->cfg->path);
			return NULL;
		}
	} else if (!hbpf_pinned_open(&p, c->pin_root, HBPF_PM_BIT(HBPF_PM_CONFIG), err,
				     sizeof(err))) {
		/* The running daemon knows which node this is; another cluster's does not count. */
		if (!hbpf_pinned_cfg(&p, &kcfg) && kcfg.cluster == c->cfg->cluster)
			n = hbpf_config_node_by_id(c->cfg, kcfg.self);
		hbpf_pinned_close(&p);
	}
	if (!n && !gethostname(host, sizeof(host))) {
		host[sizeof(host) - 1] = '\0';
		n = hbpf_config_node(c->cfg, host);
	}
	if (!n) {
		fprintf(stderr,
			"hbpfctl: dg show: disk group %s has per-node metadata paths and this node "
			"is unknown (no pinned maps, hostname not a node); give -N NODE\n",
			name);
		return NULL;
	}
	return hbpf_config_dg_meta(g, n->id);
}

struct dg_state {
	struct dgm_header h;
	struct dgm_owner owner;
	struct dgm_slot slot[DGM_MAX_NODES];
	uint64_t first[DGM_MAX_NODES]; /* counters of the first read */
};

/* Read and decode block b (0 header, 1 owner, 2+n slot n); prints any error. */
static int dg_read(int fd, const char *meta, unsigned b, struct dg_state *s)
{
	char err[256];
	uint8_t *buf;
	int ret;

	buf = malloc(DGM_BLOCK);
	if (!buf) {
		fprintf(stderr, "hbpfctl: out of memory\n");
		return -ENOMEM;
	}
	ret = dgm_read_block(fd, b, buf);
	if (ret)
		snprintf(err, sizeof(err), "cannot read block %u: %s", b, strerror(-ret));
	else if (b == 0)
		ret = dgm_header_decode(buf, &s->h, err, sizeof(err));
	else if (b == 1)
		ret = dgm_owner_decode(buf, s->h.uuid, &s->owner, err, sizeof(err));
	else
		ret = dgm_slot_decode(buf, s->h.uuid, (int)b - 2, &s->slot[b - 2], err,
				      sizeof(err));
	free(buf);
	if (ret)
		fprintf(stderr, "hbpfctl: %s: %s\n", meta, err);
	return ret;
}

static void dg_show_json(const struct ctl *c, const struct dg_state *s, const char *meta)
{
	char uuid[40], name[NAMELEN];
	struct jw w;

	jw_init(&w, stdout);
	jw_open_obj(&w, NULL);
	jw_str(&w, "name", s->h.name);
	jw_str(&w, "meta", meta);
	uuid_fmt(uuid, sizeof(uuid), s->h.uuid);
	jw_str(&w, "uuid", uuid);
	jw_u64(&w, "version", s->h.version);
	jw_u64(&w, "created_s", s->h.created_s);
	jw_u64(&w, "lease_timeout_ms", s->h.lease_timeout_ms);
	jw_u64(&w, "renew_ms", s->h.renew_ms);
	jw_open_arr(&w, "volumes");
	for (unsigned i = 0; i < s->h.nvolumes; i++) {
		const struct dgm_volume *v = &s->h.vol[i];

		jw_open_obj(&w, NULL);
		jw_u64(&w, "order", v->order);
		jw_str(&w, "device", v->device);
		uuid_fmt(uuid, sizeof(uuid), v->fs_uuid);
		jw_str(&w, "fs_uuid", uuid);
		jw_str(&w, "mountpoint", v->mountpoint);
		jw_str(&w, "fstype", v->fstype);
		jw_str(&w, "options", v->options);
		jw_str(&w, "fsck", v->fsck <= DGM_FSCK_FORCE ? fsck_names[v->fsck] : NULL);
		jw_close_obj(&w);
	}
	jw_close_arr(&w);
	jw_open_obj(&w, "owner");
	if (s->owner.node == DGM_OWNER_NONE) {
		jw_null(&w, "node");
		jw_null(&w, "node_id");
	} else {
		dg_node_name(c, s->owner.node, name, sizeof(name));
		jw_str(&w, "node", name);
		jw_int(&w, "node_id", s->owner.node);
	}
	jw_u64(&w, "generation", s->owner.generation);
	jw_close_obj(&w);
	jw_open_arr(&w, "slots");
	for (int i = 0; i < DGM_MAX_NODES; i++) {
		if (!s->slot[i].counter && !s->first[i])
			continue;
		dg_node_name(c, i, name, sizeof(name));
		jw_open_obj(&w, NULL);
		jw_str(&w, "node", name);
		jw_int(&w, "node_id", i);
		jw_u64(&w, "counter", s->slot[i].counter);
		jw_u64(&w, "generation", s->slot[i].generation);
		jw_str(&w, "state", s->slot[i].counter != s->first[i] ? "advancing" : "stalled");
		jw_close_obj(&w);
	}
	jw_close_arr(&w);
	jw_close_obj(&w);
}

static void dg_show_text(const struct ctl *c, const struct dg_state *s, const char *meta)
{
	char name[NAMELEN];
	int any = 0;

	print_header(&s->h, meta);
	if (s->owner.node == DGM_OWNER_NONE) {
		printf("owner: none, generation %llu\n", (unsigned long long)s->owner.generation);
	} else {
		dg_node_name(c, s->owner.node, name, sizeof(name));
		printf("owner: %s (id %u), generation %llu\n", name, s->owner.node,
		       (unsigned long long)s->owner.generation);
	}
	for (int i = 0; i < DGM_MAX_NODES; i++) {
		if (!s->slot[i].counter && !s->first[i])
			continue;
		if (!any++)
			printf("slots:\n  %-16s %3s %20s %12s  %s\n", "NODE", "ID", "COUNTER",
			       "GENERATION", "STATE");
		dg_node_name(c, i, name, sizeof(name));
		printf("  %-16s %3d %20llu %12llu  %s\n", name, i,
		       (unsigned long long)s->slot[i].counter,
		       (unsigned long long)s->slot[i].generation,
		       s->slot[i].counter != s->first[i] ? "advancing" : "stalled");
	}
	if (!any)
		printf("slots: none used\n");
}

static int dg_show(struct ctl *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{"meta", required_argument, NULL, 'm'},
		{"node", required_argument, NULL, 'N'},
		{NULL, 0, NULL, 0},
	};
	const struct dgcmd *d = &dgcmds[1];
	const char *meta = NULL, *node = NULL, *name = NULL;
	struct dg_state *s;
	int opt, fd, ret = 0;

	optind = 0;
	while ((opt = dg_getopt(d, argc, argv, lo)) != -1) {
		if (opt == 'm')
			meta = optarg;
		else if (opt == 'N')
			node = optarg;
		else
			return EXIT_USAGE;
	}
	if (argc - optind > 1 || (argc == optind && !meta)) {
		fprintf(stderr, "hbpfctl: dg show: %s\n",
			argc - optind > 1 ? "too many arguments" : "give NAME or --meta DEV");
		dg_usage(d);
		return EXIT_USAGE;
	}
	if (argc > optind) {
		name = argv[optind];
		if (!hbpf_valid_name(name))
			return dg_check_name(c, name);
	}
	if (!meta)
		meta = dg_resolve_meta(c, name, node);
	if (!meta)
		return EXIT_USAGE;
	fd = open(meta, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "hbpfctl: %s: %s\n", meta, strerror(errno));
		return EXIT_FAIL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		fprintf(stderr, "hbpfctl: out of memory\n");
		return EXIT_FAIL;
	}
	ret = dg_read(fd, meta, 0, s);
	if (!ret && name && strcmp(name, s->h.name)) {
		fprintf(stderr, "hbpfctl: %s holds disk group '%s', not '%s'\n", meta, s->h.name,
			name);
		ret = -EMEDIUMTYPE;
	}
	if (!ret)
		ret = dg_read(fd, meta, 1, s);
	for (unsigned i = 0; !ret && i < DGM_MAX_NODES; i++)
		ret = dg_read(fd, meta, 2 + i, s);
	/* A live holder advances its counter every renew period: look again one period later. */
	for (unsigned i = 0; !ret && i < DGM_MAX_NODES; i++)
		s->first[i] = s->slot[i].counter;
	if (!ret) {
		uint64_t ns = (uint64_t)s->h.renew_ms * 1000000 + 20000000;
		struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000),
				      .tv_nsec = (long)(ns % 1000000000)};

		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	for (unsigned i = 0; !ret && i < DGM_MAX_NODES; i++)
		ret = dg_read(fd, meta, 2 + i, s);
	close(fd);
	if (!ret && c->json)
		dg_show_json(c, s, meta);
	else if (!ret)
		dg_show_text(c, s, meta);
	free(s);
	return ret ? EXIT_FAIL : 0;
}

/* import and deport: one request to the daemon, which does the work. */
static int dg_request(struct ctl *c, const struct dgcmd *d, int argc, char **argv, int can_force)
{
	static const struct option lo[] = {
		{"force", no_argument, NULL, 'f'},
		{NULL, 0, NULL, 0},
	};
	char req[HBPF_CTL_MAX];
	int opt, force = 0, ret;

	optind = 0;
	while ((opt = dg_getopt(d, argc, argv, can_force ? lo : lo + 1)) != -1) {
		if (opt != 'f')
			return EXIT_USAGE;
		force = 1;
	}
	if (argc - optind != 1) {
		fprintf(stderr, "hbpfctl: dg %s: %s\n", d->name,
			argc - optind ? "too many arguments" : "missing NAME");
		dg_usage(d);
		return EXIT_USAGE;
	}
	ret = dg_check_name(c, argv[optind]);
	if (ret)
		return ret;
	snprintf(req, sizeof(req), "dg-%s %s%s", d->name, argv[optind], force ? " force" : "");
	return send_action(c, req, DG_TIMEOUT_MS);
}

static int dg_import(struct ctl *c, int argc, char **argv)
{
	return dg_request(c, &dgcmds[2], argc, argv, 1);
}

static int dg_deport(struct ctl *c, int argc, char **argv)
{
	return dg_request(c, &dgcmds[3], argc, argv, 0);
}

int cmd_dg(struct ctl *c, const struct cmd *cmd, int argc, char **argv)
{
	const char *names[NDGCMDS];
	int i;

	for (i = 0; i < NDGCMDS; i++)
		names[i] = dgcmds[i].name;
	i = argc ? hbpf_match_prefix(argv[0], names, NDGCMDS) : -ENOENT;
	if (i < 0) {
		if (argc)
			fprintf(stderr, "hbpfctl: dg: %s subcommand '%s'\n",
				i == -EINVAL ? "ambiguous" : "unknown", argv[0]);
		else
			fprintf(stderr, "hbpfctl: dg: missing subcommand\n");
		for (i = 0; i < NDGCMDS; i++)
			fprintf(stderr, "usage: hbpfctl %s %s %s\n", cmd->name, dgcmds[i].name,
				dgcmds[i].args);
		return EXIT_USAGE;
	}
	if (c->json && dgcmds[i].fn != dg_show) {
		fprintf(stderr, "hbpfctl: -j is not supported by 'dg %s'\n", dgcmds[i].name);
		return EXIT_USAGE;
	}
	return dgcmds[i].fn(c, argc, argv);
}
