/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Loading, pinning and attaching hbpf's BPF programs, and adopting what a
 * previous daemon left pinned.  Maps and XDP links live under
 * <pin-root>/v<HBPF_LAYOUT_VERSION>/; a restarted daemon reuses the maps
 * (state, timers and ownership survive) and swaps new programs into the
 * pinned links, so a clean restart moves nothing.
 */
#ifndef HBPF_LOADER_H
#define HBPF_LOADER_H

#include <stddef.h>
#include <stdint.h>
#include <hbpf/abi.h>

struct hbpf;
struct ring_buffer;

struct hbpf_kern {
	struct hbpf *skel;
	char pin_dir[256];		   /* <pin-root>/v1 */
	int lock_fd;			   /* flock()ed pin directory */
	int adopted;			   /* maps existed before we loaded */
	int fresh;			   /* loaded with nothing to adopt: all pins are ours */
	volatile struct hbpf_local *local; /* mmap of the "local" map */
	volatile struct hbpf_set *sets;	   /* mmap of the "sets" map */
	size_t local_len, sets_len;
};

/* Open the skeleton, probe the kernel for what it needs (bpffeat.h), point
 * every map at its pin path, load (reusing pinned maps), mmap local and sets.
 * A failed load is explained from libbpf's messages (bpflog.h): the program
 * the verifier refused and its log's last lines, or the pinned map that has
 * another layout and how it differs. */
int kern_open(struct hbpf_kern *k, const char *pin_root);
void kern_close(struct hbpf_kern *k);

/*
 * Attach xdp_node to ifindex through a link pinned as link_xdp_<ifname>; if
 * that pinned link exists (on ifindex, in a mode want allows), swap the
 * program in it instead.  want is HBPF_XDP_AUTO (native, else generic with
 * one warning saying why and what it costs), _NATIVE (native or fail) or
 * _GENERIC.  *mode gets XDP_ATTACHED_DRV or _SKB.
 */
int kern_attach_xdp(struct hbpf_kern *k, int ifindex, const char *ifname, int want, int *mode);
/* Attach tc_egress and tc_ingress to ifindex's clsact hooks (replacing ours). */
int kern_attach_tc(struct hbpf_kern *k, int ifindex, const char *ifname);
/* Detach everything and remove the pins (hbpfd -u). */
int kern_unload(const char *pin_root, const char *const ifnames[], const int ifindexes[], int n);

struct hbpf_features;
/* Probe the kernel for what hbpf's object needs (the object is opened, not loaded). */
int kern_features(struct hbpf_features *fs);

/* Run xdp_arm once (initialise and start the kernel timers). */
int kern_arm(struct hbpf_kern *k);

/*
 * The daemon's only two writers of sets[].owned and sets[].epoch (the
 * kernel's are in bpf/).  Both are atomic, not single-writer: the kernel
 * yields a set, raises its epoch or demotes this node from XDP and timer
 * programs that run on other CPUs while the daemon writes.  The "sets" map
 * is an mmapped array (BPF_F_MMAPABLE), whose values cannot hold a
 * bpf_spin_lock, so a BPF_F_LOCK update is not available; instead the epoch
 * only ever grows, by compare-and-swap from the value actually there (a
 * plain "epoch + 1" could undo an epoch the kernel raised in between), and
 * owned is stored last with release order, so whoever sees owned == 1 sees
 * the epoch and owner of that take.
 */
#define KERN_OWN_FLOOR 0 /* raise the epoch to at least min_epoch, nothing else */
#define KERN_OWN_TAKE 1	 /* unless owned: epoch max(epoch, min_epoch) + 1, owner self, owned */
/* Returns the set's epoch afterwards. */
uint32_t kern_set_own(struct hbpf_kern *k, int set, int self, uint32_t min_epoch, int how);

#define KERN_DROP_SILENT 0 /* owned = 0 only: the gate stops answering now */
#define KERN_DROP_DEMOTE 1 /* owned = 0, owner none, changed_ns now */
#define KERN_DROP_RESET 2  /* a slot no program uses yet: owned 0, owner none, epoch 0 */
void kern_set_drop(struct hbpf_kern *k, int set, int how);

int kern_map_fd(struct hbpf_kern *k, const char *name);
int kern_garp_prog_fd(struct hbpf_kern *k);

#endif /* HBPF_LOADER_H */
