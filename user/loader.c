// SPDX-License-Identifier: GPL-2.0-only
/* Load, pin, attach and adopt hbpf's BPF programs and maps. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpffeat.h"
#include "bpflog.h"
#include "ethtool.h"
#include "hbpf.skel.h"
#include "loader.h"
#include "log.h"
#include "proc.h"
#include "xdpmode.h"

#define TC_HANDLE 0x4842 /* "HB": our filter's handle on clsact egress */
#define TC_PRIO 1

static int mkdir_p(const char *path)
{
	char buf[256];
	size_t i;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (i = 1; buf[i]; i++) {
		if (buf[i] != '/')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		buf[i] = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

static void *map_mmap(struct bpf_map *map, size_t *len)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t sz = (size_t)bpf_map__value_size(map) * bpf_map__max_entries(map);
	void *p;

	sz = (sz + page - 1) / page * page;
	p = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(map), 0);
	if (p == MAP_FAILED)
		return NULL;
	*len = sz;
	return p;
}

int kern_open(struct hbpf_kern *k, const char *pin_root)
{
	struct hbpf_features fs;
	struct bpf_map *map;
	char path[320];
	struct stat st;
	int err;

	memset(k, 0, sizeof(*k));
	k->lock_fd = -1;
	if (snprintf(k->pin_dir, sizeof(k->pin_dir), "%s/v%d", pin_root, HBPF_LAYOUT_VERSION) >=
	    (int)sizeof(k->pin_dir))
		return -ENAMETOOLONG;
	err = mkdir_p(k->pin_dir);
	if (err) {
		log_warnx("cannot create pin directory %s: %s", k->pin_dir, strerror(-err));
		return err;
	}
	/* One daemon per pin root: a second one would fight over the links. */
	k->lock_fd = open(k->pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (k->lock_fd < 0 || flock(k->lock_fd, LOCK_EX | LOCK_NB)) {
		err = -errno;
		log_warnx("pin directory %s is locked by another hbpfd (or unusable): %s",
			  k->pin_dir, strerror(-err));
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/config", k->pin_dir);
	k->adopted = stat(path, &st) == 0;

	k->skel = hbpf__open();
	if (!k->skel) {
		err = -errno;
		log_warnx("cannot open BPF object: %s", strerror(-err));
		goto fail;
	}
	/* Refuse a kernel that lacks what the programs need, by name. */
	err = features_probe(k->skel->obj, &fs);
	if (!err)
		err = features_require(&fs);
	if (err)
		goto fail;
	bpf_object__for_each_map (map, k->skel->obj) {
		snprintf(path, sizeof(path), "%s/%s", k->pin_dir, bpf_map__name(map));
		err = bpf_map__set_pin_path(map, path);
		if (err)
			goto fail;
	}
	bpflog_reset();
	err = hbpf__load(k->skel);
	if (err) {
		bpflog_explain_load(k->skel->obj, err, k->pin_dir);
		goto fail;
	}
	k->local = map_mmap(k->skel->maps.local, &k->local_len);
	k->sets = map_mmap(k->skel->maps.sets, &k->sets_len);
	if (!k->local || !k->sets) {
		err = -errno;
		log_warn("cannot mmap the local/sets maps");
		goto fail;
	}
	k->fresh = !k->adopted;
	log_info("BPF programs loaded, maps %s under %s", k->adopted ? "adopted" : "pinned",
		 k->pin_dir);
	return 0;
fail:
	kern_close(k);
	return err ? err : -EINVAL;
}

void kern_close(struct hbpf_kern *k)
{
	if (k->local)
		munmap((void *)k->local, k->local_len);
	if (k->sets)
		munmap((void *)k->sets, k->sets_len);
	k->local = NULL;
	k->sets = NULL;
	hbpf__destroy(k->skel);
	k->skel = NULL;
	if (k->lock_fd >= 0)
		close(k->lock_fd);
	k->lock_fd = -1;
}

/* Why the driver refuses native XDP, in the kernel's words: the link attach
 * that failed returns only an errno, so the same request is made once
 * through rtnetlink, whose extack libbpf prints (and bpflog keeps). */
static void native_refusal(int prog_fd, int ifindex, int err, char *buf, size_t len)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, o, .old_prog_fd = prog_fd);
	struct bpflog_why w;
	int r;

	bpflog_reset();
	bpflog_quiet(1);
	r = bpf_xdp_attach(ifindex, prog_fd, XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST,
			   NULL);
	if (!r) /* accepted this way after all: take it off again, only if still ours */
		bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE | XDP_FLAGS_REPLACE, &o);
	bpflog_quiet(0);
	bpflog_why(&w);
	snprintf(buf, len, "%s%s%s%s", *w.kmsg ? w.kmsg : "", *w.kmsg ? " (" : "", strerror(-err),
		 *w.kmsg ? ")" : "");
}

/* A new XDP link for prog on ifindex in one mode (XDP_FLAGS_DRV_MODE or
 * _SKB_MODE), pinned at path.  0 or -errno; nothing logged. */
static int link_new(int prog_fd, int ifindex, __u32 flags, const char *path)
{
	LIBBPF_OPTS(bpf_link_create_opts, o, .flags = flags);
	int fd, err = 0;

	fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &o);
	if (fd < 0)
		return -errno;
	if (bpf_obj_pin(fd, path))
		err = -errno;
	close(fd);
	return err;
}

/* The pinned link at path, adopted if it is usable for ifindex in a mode
 * want allows: 1 (adopted, *mode set), 0 (none or dropped), -errno. */
static int link_adopt(struct hbpf_kern *k, const char *path, int ifindex, const char *ifname,
		      int want, int *mode)
{
	struct bpf_program *prog = k->skel->progs.xdp_node;
	struct xdp_link_state st;
	struct bpf_link *link;
	int err;

	if (access(path, F_OK))
		return 0; /* none pinned (libbpf would warn about the attempt) */
	link = bpf_link__open(path);
	if (!link)
		return 0;
	err = xdp_link_query(bpf_link__fd(link), &st);
	if (err) {
		log_warnx("%s: cannot read the pinned XDP link (%s): attaching anew", ifname,
			  strerror(-err));
	} else if (st.ifindex != ifindex) {
		log_warnx("%s: the pinned XDP link belongs to ifindex %d, not %d: attaching anew",
			  ifname, st.ifindex, ifindex);
		err = -ENODEV;
	} else if (((want == HBPF_XDP_NATIVE && st.mode != XDP_ATTACHED_DRV) ||
		    (want == HBPF_XDP_GENERIC && st.mode != XDP_ATTACHED_SKB))) {
		log_warnx("%s: the pinned XDP link runs in %s mode but xdp-mode is %s: attaching "
			  "anew (the interface runs without XDP for a moment)",
			  ifname, xdp_attach_mode_name(st.mode), xdp_cfg_mode_name(want));
		err = -EMEDIUMTYPE;
	} else {
		/* Hitless: the interface never runs without a program. */
		err = bpf_link__update_program(link, prog);
		if (err)
			log_warnx("%s: pinned XDP link unusable (%s), attaching anew", ifname,
				  strerror(-err));
	}
	if (err && st.ifindex)
		bpf_link__detach(link);
	bpf_link__disconnect(link);
	bpf_link__destroy(link);
	if (err) {
		unlink(path);
		return 0;
	}
	*mode = st.mode;
	log_info("%s: xdp_node swapped into the pinned link (%s mode)", ifname,
		 xdp_attach_mode_name(st.mode));
	return 1;
}

int kern_attach_xdp(struct hbpf_kern *k, int ifindex, const char *ifname, int want, int *mode)
{
	int prog_fd = bpf_program__fd(k->skel->progs.xdp_node);
	char path[320], why[BPFLOG_LINE + 64], drv[32];
	int err;

	snprintf(path, sizeof(path), "%s/" XDP_LINK_PREFIX "%s", k->pin_dir, ifname);
	err = link_adopt(k, path, ifindex, ifname, want, mode);
	if (err)
		return err < 0 ? err : 0;
	if (want != HBPF_XDP_GENERIC) {
		err = link_new(prog_fd, ifindex, XDP_FLAGS_DRV_MODE, path);
		if (!err) {
			*mode = XDP_ATTACHED_DRV;
			log_info("%s: xdp_node attached in native mode (link pinned at %s)", ifname,
				 path);
			return 0;
		}
		if (err == -EBUSY || err == -EEXIST || err == -EPERM) {
			/* Not the driver: another program holds the interface. */
			log_warnx("%s: cannot attach xdp_node: %s (is another XDP program "
				  "attached? ip link show %s)",
				  ifname, strerror(-err), ifname);
			return err;
		}
		native_refusal(prog_fd, ifindex, err, why, sizeof(why));
		if (ethtool_driver(-1, ifname, drv, sizeof(drv)))
			snprintf(drv, sizeof(drv), "unknown");
		if (want == HBPF_XDP_NATIVE) {
			log_warnx("%s (driver %s): native XDP refused: %s; xdp-mode native: not "
				  "starting (xdp-mode auto would run generic XDP)",
				  ifname, drv, why);
			return err;
		}
		log_warnx("%s (driver %s): native XDP refused: %s; running generic XDP instead, "
			  "which sees each packet only after the kernel built its socket buffer "
			  "(slower), sends XDP_TX echoes through the stack's transmit path, and "
			  "leaves gratuitous ARPs to AF_PACKET",
			  ifname, drv, why);
	}
	err = link_new(prog_fd, ifindex, XDP_FLAGS_SKB_MODE, path);
	if (err) {
		log_warnx("%s: cannot attach xdp_node in generic mode: %s", ifname, strerror(-err));
		return err;
	}
	*mode = XDP_ATTACHED_SKB;
	log_info("%s: xdp_node attached in generic mode (link pinned at %s)", ifname, path);
	return 0;
}

static int attach_tc_one(struct bpf_program *prog, int ifindex, const char *ifname,
			 enum bpf_tc_attach_point where)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = where);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE, .priority = TC_PRIO,
		    .flags = BPF_TC_F_REPLACE);
	const char *name = bpf_program__name(prog);
	int err;

	opts.prog_fd = bpf_program__fd(prog);
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		log_warnx("%s: cannot attach %s: %s", ifname, name, strerror(-err));
		return err;
	}
	log_info("%s: %s attached (clsact handle 0x%x prio %d)", ifname, name, TC_HANDLE, TC_PRIO);
	return 0;
}

int kern_attach_tc(struct hbpf_kern *k, int ifindex, const char *ifname)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	int err;

	/* One clsact qdisc carries both hooks; it may exist (ours or others'):
	 * then the kernel's "Exclusivity flag on" extack is no news. */
	bpflog_quiet(1);
	err = bpf_tc_hook_create(&hook);
	bpflog_quiet(0);
	if (err && err != -EEXIST) {
		log_warnx("%s: cannot create clsact: %s", ifname, strerror(-err));
		return err;
	}

	err = attach_tc_one(k->skel->progs.tc_egress, ifindex, ifname, BPF_TC_EGRESS);
	if (!err)
		err = attach_tc_one(k->skel->progs.tc_ingress, ifindex, ifname, BPF_TC_INGRESS);
	return err;
}

int kern_unload(const char *pin_root, const char *const ifnames[], const int ifindexes[], int n)
{
	char dir[300], path[400];
	struct bpf_map *map;
	struct hbpf *skel;
	int i;

	snprintf(dir, sizeof(dir), "%s/v%d", pin_root, HBPF_LAYOUT_VERSION);
	for (i = 0; i < n; i++) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindexes[i],
			    .attach_point = BPF_TC_EGRESS);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE, .priority = TC_PRIO);

		/* Only our own filters: destroying the hook would flush others'. */
		bpf_tc_detach(&hook, &opts);
		hook.attach_point = BPF_TC_INGRESS;
		bpf_tc_detach(&hook, &opts);
		snprintf(path, sizeof(path), "%s/" XDP_LINK_PREFIX "%s", dir, ifnames[i]);
		unlink(path);
	}
	/* The map names come from the object itself (opened, never loaded). */
	skel = hbpf__open();
	if (!skel)
		return -errno;
	bpf_object__for_each_map (map, skel->obj) {
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(map));
		unlink(path);
	}
	hbpf__destroy(skel);
	if (rmdir(dir) && errno != ENOENT)
		return -errno;
	rmdir(pin_root);
	return 0;
}

int kern_features(struct hbpf_features *fs)
{
	struct hbpf *skel = hbpf__open();
	int err;

	if (!skel)
		return -errno;
	err = features_probe(skel->obj, fs);
	hbpf__destroy(skel);
	return err;
}

int kern_arm(struct hbpf_kern *k)
{
	unsigned char pkt[64] = {0};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .repeat = 1);
	int err;

	err = bpf_prog_test_run_opts(bpf_program__fd(k->skel->progs.xdp_arm), &opts);
	if (err) {
		err = -errno;
		log_warnx("cannot run xdp_arm: %s", strerror(-err));
		return err;
	}
	return 0;
}

/* epoch = max(epoch, min_epoch) + bump, against concurrent kernel stores. */
static uint32_t epoch_raise(volatile struct hbpf_set *ks, uint32_t min_epoch, uint32_t bump)
{
	uint32_t cur = __atomic_load_n(&ks->epoch, __ATOMIC_ACQUIRE), want;

	do {
		want = (cur > min_epoch ? cur : min_epoch) + bump;
		if (want == cur)
			return cur;
	} while (!__atomic_compare_exchange_n(&ks->epoch, &cur, want, 0, __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE));
	return want;
}

uint32_t kern_set_own(struct hbpf_kern *k, int set, int self, uint32_t min_epoch, int how)
{
	volatile struct hbpf_set *ks = &k->sets[set];

	if (how == KERN_OWN_FLOOR)
		return epoch_raise(ks, min_epoch, 0);
	if (__atomic_load_n(&ks->owned, __ATOMIC_ACQUIRE))
		return __atomic_load_n(&ks->epoch, __ATOMIC_ACQUIRE);
	min_epoch = epoch_raise(ks, min_epoch, 1);
	__atomic_store_n(&ks->owner, (__u8)self, __ATOMIC_RELAXED);
	__atomic_store_n(&ks->changed_ns, mono_now_ns(), __ATOMIC_RELAXED);
	__atomic_store_n(&ks->owned, 1, __ATOMIC_RELEASE);
	return min_epoch;
}

void kern_set_drop(struct hbpf_kern *k, int set, int how)
{
	volatile struct hbpf_set *ks = &k->sets[set];

	/* owned first: the gate stops answering before anything else changes. */
	__atomic_store_n(&ks->owned, 0, __ATOMIC_RELEASE);
	if (how == KERN_DROP_SILENT)
		return;
	__atomic_store_n(&ks->owner, HBPF_NODE_NONE, __ATOMIC_RELAXED);
	if (how == KERN_DROP_DEMOTE)
		__atomic_store_n(&ks->changed_ns, mono_now_ns(), __ATOMIC_RELAXED);
	else
		__atomic_store_n(&ks->epoch, 0, __ATOMIC_RELEASE);
}

int kern_map_fd(struct hbpf_kern *k, const char *name)
{
	struct bpf_map *map = bpf_object__find_map_by_name(k->skel->obj, name);

	return map ? bpf_map__fd(map) : -ENOENT;
}

int kern_garp_prog_fd(struct hbpf_kern *k)
{
	return bpf_program__fd(k->skel->progs.xdp_garp);
}
