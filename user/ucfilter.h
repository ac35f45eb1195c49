/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The set VMACs in the public NIC's unicast filter.
 *
 * Hardware NICs and QEMU's virtio-net drop unicast frames to MACs they were
 * not given, before XDP runs.  hbpfd gives the public interface, at start,
 * the VMAC of every set this node is listed for ("bridge fdb add VMAC dev IF
 * self permanent", through rtnetlink), whether it owns the set or not, and
 * keeps them until a clean exit.  Not "add on takeover, remove on release":
 * the takeover happens in the kernel (a bpf_timer) before the daemon wakes,
 * and a NIC still dropping the VMAC's frames until the daemon got round to
 * an rtnetlink request (which on virtio-net is a control-queue round trip to
 * the host) would put the daemon back on the path the kernel takeover exists
 * to keep it off, exactly when it is slowest: on a loaded or hung node.  An
 * entry for a set this node does not own lets nothing in: the switch sends
 * the VMAC's frames to the owner's port (it learnt the VMAC from the owner's
 * announcements and replies), and what still reaches this node (flooding)
 * the XDP gate drops as HBPF_DROP_VMAC_FOREIGN.  The cost is one filter slot
 * per set; a NIC with fewer perfect-filter slots than that turns unicast-
 * promiscuous, as it does for macvlans.
 *
 * A clean restart ("hbpfctl restart") keeps the entries: the new daemon
 * finds them and adopts them (reconciling: it adds what is missing and
 * removes VMACs of sets no longer listed for this node).  A clean stop
 * (SIGTERM, "hbpfctl shutdown") removes them; so does "hbpfd -u".  A failed
 * start-up removes only what it added.  Each add and remove is logged once.
 */
#ifndef HBPF_UCFILTER_H
#define HBPF_UCFILTER_H

#include <net/if.h>

#include "config.h"
#include "netlink.h"

struct ucfilter {
	int ifindex;
	char ifname[IF_NAMESIZE];
	int committed; /* start-up finished: a non-restart exit removes everything */
	int n;
	struct {
		unsigned char mac[6];
		char set[HBPF_NAME_MAX];
		int added; /* by this daemon (undone if its start-up fails) */
	} e[HBPF_MAX_SETS];
};

/*
 * Make ifindex's unicast filter hold the VMACs of cfg's sets that list node
 * self_id: add the missing ones, keep (adopt) the present ones, and remove
 * VMACs hbpf knows but this node no longer needs: other sets' VMACs and the
 * keys of the pinned "vmacs" map (vmacs_fd, -1 if none), which still holds
 * the VMACs of an earlier configuration.  0 or -errno (the filter refused a
 * VMAC: the node could not receive that set's traffic).
 */
int ucf_open(struct ucfilter *f, struct nlctx *nl, int ifindex, const char *ifname,
	     const struct hbpf_config *cfg, int self_id, int vmacs_fd);
/* Start-up finished: from now on a non-restart exit removes every entry. */
void ucf_commit(struct ucfilter *f);
/* At exit: keep the entries (restart) or remove them (else; a failed start-up
 * removes only what it added). */
void ucf_close(struct ucfilter *f, struct nlctx *nl, int restarting);

/* hbpfd -u: remove every VMAC of cfg's sets and of the pinned vmacs map. */
int ucf_remove_all(struct nlctx *nl, int ifindex, const char *ifname, const struct hbpf_config *cfg,
		   int vmacs_fd);

#endif /* HBPF_UCFILTER_H */
