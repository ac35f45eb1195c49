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

#include "hbpf.skel.h"
#include "loader.h"
#include "log.h"

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
	bpf_object__for_each_map (map, k->skel->obj) {
		snprintf(path, sizeof(path), "%s/%s", k->pin_dir, bpf_map__name(map));
		err = bpf_map__set_pin_path(map, path);
		if (err)
			goto fail;
	}
	err = hbpf__load(k->skel);
	if (err) {
		log_warnx("cannot load BPF programs (a pinned map under %s may have another "
			  "layout; see the libbpf message above): %s",
			  k->pin_dir, strerror(-err));
		goto fail;
	}
	k->local = map_mmap(k->skel->maps.local, &k->local_len);
	k->sets = map_mmap(k->skel->maps.sets, &k->sets_len);
	if (!k->local || !k->sets) {
		err = -errno;
		log_warn("cannot mmap the local/sets maps");
		goto fail;
	}
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

int kern_attach_xdp(struct hbpf_kern *k, int ifindex, const char *ifname)
{
	struct bpf_program *prog = k->skel->progs.xdp_node;
	struct bpf_link *link;
	char path[320];
	int err;

	snprintf(path, sizeof(path), "%s/link_xdp_%s", k->pin_dir, ifname);
	link = bpf_link__open(path);
	if (link) {
		/* Hitless: the interface never runs without a program. */
		err = bpf_link__update_program(link, prog);
		bpf_link__disconnect(link);
		bpf_link__destroy(link);
		if (!err) {
			log_info("%s: xdp_node swapped into the pinned link", ifname);
			return 0;
		}
		log_warnx("%s: pinned XDP link unusable (%s), attaching anew", ifname,
			  strerror(-err));
		unlink(path);
	}
	link = bpf_program__attach_xdp(prog, ifindex);
	if (!link) {
		err = -errno;
		log_warnx("%s: cannot attach xdp_node: %s", ifname, strerror(-err));
		return err;
	}
	err = bpf_link__pin(link, path);
	if (err) {
		log_warnx("%s: cannot pin XDP link at %s: %s", ifname, path, strerror(-err));
		bpf_link__destroy(link);
		return err;
	}
	bpf_link__disconnect(link);
	bpf_link__destroy(link);
	log_info("%s: xdp_node attached (link pinned at %s)", ifname, path);
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

	/* One clsact qdisc carries both hooks; it may exist (ours or others'). */
	err = bpf_tc_hook_create(&hook);
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
		snprintf(path, sizeof(path), "%s/link_xdp_%s", dir, ifnames[i]);
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

int kern_map_fd(struct hbpf_kern *k, const char *name)
{
	struct bpf_map *map = bpf_object__find_map_by_name(k->skel->obj, name);

	return map ? bpf_map__fd(map) : -ENOENT;
}

int kern_garp_prog_fd(struct hbpf_kern *k)
{
	return bpf_program__fd(k->skel->progs.xdp_garp);
}
