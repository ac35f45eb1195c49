// SPDX-License-Identifier: GPL-2.0-only
/* Kernel feature probes: what hbpf's BPF object needs, found in the object itself. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpflog.h"
#include "bpffeat.h"
#include "log.h"

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"

/* The helpers hbpf uses or is likely to, with the release that added them. */
static const struct {
	int id;
	const char *name, *since;
} helpers[] = {
	{BPF_FUNC_map_lookup_elem, "bpf_map_lookup_elem", "3.19"},
	{BPF_FUNC_map_update_elem, "bpf_map_update_elem", "3.19"},
	{BPF_FUNC_map_delete_elem, "bpf_map_delete_elem", "3.19"},
	{BPF_FUNC_ktime_get_ns, "bpf_ktime_get_ns", "4.1"},
	{BPF_FUNC_get_prandom_u32, "bpf_get_prandom_u32", "4.1"},
	{BPF_FUNC_get_smp_processor_id, "bpf_get_smp_processor_id", "4.1"},
	{BPF_FUNC_skb_store_bytes, "bpf_skb_store_bytes", "4.1"},
	{BPF_FUNC_l3_csum_replace, "bpf_l3_csum_replace", "4.1"},
	{BPF_FUNC_l4_csum_replace, "bpf_l4_csum_replace", "4.1"},
	{BPF_FUNC_redirect, "bpf_redirect", "4.4"},
	{BPF_FUNC_skb_load_bytes, "bpf_skb_load_bytes", "4.5"},
	{BPF_FUNC_csum_diff, "bpf_csum_diff", "4.6"},
	{BPF_FUNC_skb_change_type, "bpf_skb_change_type", "4.8"},
	{BPF_FUNC_skb_pull_data, "bpf_skb_pull_data", "4.9"},
	{BPF_FUNC_xdp_adjust_head, "bpf_xdp_adjust_head", "4.10"},
	{BPF_FUNC_redirect_map, "bpf_redirect_map", "4.14"},
	{BPF_FUNC_xdp_adjust_tail, "bpf_xdp_adjust_tail", "4.18"},
	{BPF_FUNC_spin_lock, "bpf_spin_lock", "5.1"},
	{BPF_FUNC_spin_unlock, "bpf_spin_unlock", "5.1"},
	{BPF_FUNC_ringbuf_output, "bpf_ringbuf_output", "5.8"},
	{BPF_FUNC_ringbuf_reserve, "bpf_ringbuf_reserve", "5.8"},
	{BPF_FUNC_ringbuf_submit, "bpf_ringbuf_submit", "5.8"},
	{BPF_FUNC_ringbuf_discard, "bpf_ringbuf_discard", "5.8"},
	{BPF_FUNC_ktime_get_boot_ns, "bpf_ktime_get_boot_ns", "5.8"},
	{BPF_FUNC_ktime_get_coarse_ns, "bpf_ktime_get_coarse_ns", "5.11"},
	{BPF_FUNC_for_each_map_elem, "bpf_for_each_map_elem", "5.13"},
	{BPF_FUNC_timer_init, "bpf_timer_init", "5.15"},
	{BPF_FUNC_timer_set_callback, "bpf_timer_set_callback", "5.15"},
	{BPF_FUNC_timer_start, "bpf_timer_start", "5.15"},
	{BPF_FUNC_timer_cancel, "bpf_timer_cancel", "5.15"},
	{BPF_FUNC_loop, "bpf_loop", "5.17"},
	{BPF_FUNC_map_lookup_percpu_elem, "bpf_map_lookup_percpu_elem", "5.19"},
	{BPF_FUNC_ktime_get_tai_ns, "bpf_ktime_get_tai_ns", "6.1"},
};

const char *features_helper(int id, const char **since)
{
	for (size_t i = 0; i < sizeof(helpers) / sizeof(helpers[0]); i++)
		if (helpers[i].id == id) {
			if (since)
				*since = helpers[i].since;
			return helpers[i].name;
		}
	return NULL;
}

static const char *prog_type_feature(enum bpf_prog_type t, const char **since)
{
	switch (t) {
	case BPF_PROG_TYPE_XDP:
		*since = "4.8";
		return "XDP programs";
	case BPF_PROG_TYPE_SCHED_CLS:
		*since = "4.1";
		return "tc programs";
	default:
		*since = "?";
		return NULL;
	}
}

static const char *map_type_feature(enum bpf_map_type t, const char **since)
{
	switch (t) {
	case BPF_MAP_TYPE_HASH:
		*since = "3.19";
		return "hash maps";
	case BPF_MAP_TYPE_ARRAY:
		*since = "3.19";
		return "array maps";
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		*since = "4.6";
		return "per-CPU array maps";
	case BPF_MAP_TYPE_RINGBUF:
		*since = "5.8";
		return "ring buffer maps";
	default:
		*since = "?";
		return NULL;
	}
}

/* The entry for name, added (absent, unprobed) if new; NULL when the table is full. */
static struct hbpf_feature *feature(struct hbpf_features *fs, const char *name, const char *since,
				    int required, const char *without)
{
	struct hbpf_feature *f;

	for (int i = 0; i < fs->n; i++)
		if (!strcmp(fs->f[i].name, name))
			return &fs->f[i];
	if (fs->n == FEAT_MAX)
		return NULL;
	f = &fs->f[fs->n++];
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->since = since;
	f->required = required;
	f->without = without;
	f->ok = -EAGAIN;
	return f;
}

static int probe_mmapable(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_MMAPABLE);
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "hbpf_probe", 4, 8, 1, &o);

	if (fd < 0)
		return errno == EINVAL ? 0 : -errno;
	close(fd);
	return 1;
}

/* BPF_F_TEST_XDP_LIVE_FRAMES: an XDP_DROP program run once in live mode
 * (the frame is dropped, nothing is sent). */
static int probe_live_frames(void)
{
	const struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_DROP},
		{.code = BPF_JMP | BPF_EXIT},
	};
	unsigned char pkt[64] = {0};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .repeat = 1);
	int fd, err;

	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "hbpf_probe", "GPL", insns, 2, NULL);
	if (fd < 0)
		return -errno;
	err = bpf_prog_test_run_opts(fd, &opts) ? -errno : 0;
	close(fd);
	if (err == -EINVAL || err == -EOPNOTSUPP)
		return 0;
	return err ? err : 1;
}

/* The helpers prog calls: BPF_CALL with src_reg 0 (1 is a subprogram, 2 a kfunc). */
static void add_helpers(struct hbpf_features *fs, const struct bpf_program *prog)
{
	const struct bpf_insn *in = bpf_program__insns(prog);
	size_t n = bpf_program__insn_cnt(prog);
	enum bpf_prog_type t = bpf_program__type(prog);

	for (size_t i = 0; i < n; i++) {
		const char *name, *since = "?";
		struct hbpf_feature *f;
		char unknown[32];
		int r;

		if (in[i].code != (BPF_JMP | BPF_CALL) || in[i].src_reg != 0)
			continue;
		name = features_helper(in[i].imm, &since);
		if (!name) {
			snprintf(unknown, sizeof(unknown), "BPF helper #%d", in[i].imm);
			name = unknown;
		}
		f = feature(fs, name, since, 1, NULL);
		if (!f || f->ok == 0)
			continue; /* absent for one program type is absent */
		r = libbpf_probe_bpf_helper(t, in[i].imm, NULL);
		f->ok = r < 0 ? r : r > 0;
	}
}

int features_probe(struct bpf_object *obj, struct hbpf_features *fs)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	struct hbpf_feature *f;
	struct utsname u;
	int fd, mmapable = 0;

	memset(fs, 0, sizeof(*fs));
	snprintf(fs->release, sizeof(fs->release), "%s", uname(&u) ? "?" : u.release);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "hbpf_probe", 4, 4, 1, NULL);
	if (fd < 0 && (errno == EPERM || errno == EACCES)) {
		fs->unprivileged = 1;
		return 0;
	}
	if (fd >= 0)
		close(fd);
	bpflog_quiet(1);
	/* CO-RE: libbpf relocates the programs' field accesses (xdp_md,
	 * __sk_buff, packet headers) against the running kernel's BTF. */
	f = feature(fs, "kernel BTF at " VMLINUX_BTF, "5.4", 1, NULL);
	if (f)
		f->ok = access(VMLINUX_BTF, R_OK) == 0;
	bpf_object__for_each_program (prog, obj) {
		const char *since, *name = prog_type_feature(bpf_program__type(prog), &since);

		if (name && (f = feature(fs, name, since, 1, NULL)) && f->ok < 0) {
			int r = libbpf_probe_bpf_prog_type(bpf_program__type(prog), NULL);

			f->ok = r < 0 ? r : r > 0;
		}
	}
	bpf_object__for_each_map (map, obj) {
		const char *since, *name = map_type_feature(bpf_map__type(map), &since);

		if (name && (f = feature(fs, name, since, 1, NULL)) && f->ok < 0) {
			int r = libbpf_probe_bpf_map_type(bpf_map__type(map), NULL);

			f->ok = r < 0 ? r : r > 0;
		}
		mmapable |= !!(bpf_map__map_flags(map) & BPF_F_MMAPABLE);
	}
	if (mmapable && (f = feature(fs, "mmapable array maps", "5.5", 1, NULL)))
		f->ok = probe_mmapable();
	bpf_object__for_each_program (prog, obj)
		add_helpers(fs, prog);
	f = feature(fs, "XDP live frames", "5.18", 0,
		    "gratuitous ARPs are sent through AF_PACKET instead");
	if (f)
		f->ok = probe_live_frames();
	bpflog_quiet(0);
	for (int i = 0; i < fs->n; i++)
		fs->missing += fs->f[i].required && fs->f[i].ok == 0;
	return 0;
}

void features_summary(const struct hbpf_features *fs, char *buf, size_t len)
{
	size_t off = 0;
	int any = 0;

#define OUT(...) \
	(off +=  \
	 (size_t)snprintf(off < len ? buf + off : NULL, off < len ? len - off : 0, __VA_ARGS__))
	OUT("kernel %s", fs->release);
	if (fs->unprivileged) {
		OUT(": features not probed (needs root or CAP_BPF)");
		return;
	}
	if (fs->missing) {
		OUT(" lacks");
		for (int i = 0; i < fs->n; i++)
			if (fs->f[i].required && fs->f[i].ok == 0)
				OUT("%s %s (Linux %s or later)", any++ ? "," : "", fs->f[i].name,
				    fs->f[i].since);
		OUT(": hbpfd cannot run on this kernel");
		return;
	}
	OUT(": has what hbpf needs:");
	for (int i = 0; i < fs->n; i++)
		if (fs->f[i].required)
			OUT("%s %s (%s)%s", any++ ? "," : "", fs->f[i].name, fs->f[i].since,
			    fs->f[i].ok < 0 ? " [not probed]" : "");
	for (int i = 0; i < fs->n; i++)
		if (!fs->f[i].required)
			OUT("; optional %s (%s): %s%s", fs->f[i].name, fs->f[i].since,
			    fs->f[i].ok == 1 ? "present" : "absent, ",
			    fs->f[i].ok == 1 ? "" : fs->f[i].without);
#undef OUT
}

int features_require(const struct hbpf_features *fs)
{
	if (fs->unprivileged) {
		log_warnx("cannot probe the kernel's BPF features: permission denied (hbpfd "
			  "needs root, or CAP_BPF with CAP_NET_ADMIN)");
		return -EPERM;
	}
	for (int i = 0; i < fs->n; i++) {
		const struct hbpf_feature *f = &fs->f[i];

		if (f->ok == 1)
			continue;
		if (!f->required)
			log_warnx("kernel %s lacks %s (Linux %s or later): %s", fs->release,
				  f->name, f->since, f->without);
		else if (f->ok < 0)
			log_warnx("kernel %s: could not probe %s (%s); loading will tell",
				  fs->release, f->name, strerror(-f->ok));
		else
			log_warnx("kernel %s lacks %s, which hbpf's programs need (Linux %s or "
				  "later)",
				  fs->release, f->name, f->since);
	}
	return fs->missing ? -ENOTSUP : 0;
}
