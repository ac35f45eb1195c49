/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * XDP attach modes, as configured ("xdp-mode auto|native|generic") and as
 * the kernel reports them, and the state of hbpfd's pinned XDP links
 * (<pin-dir>/link_xdp_<ifname>) read from the kernel alone, so that
 * "hbpfctl status" shows each interface's mode while the daemon hangs.
 *
 * A link's info names its interface (by index) and program; the mode is
 * whichever of the interface's native and generic slots holds that program
 * (bpf_xdp_query, rtnetlink in the caller's network namespace).  When the
 * caller is in another namespace than the interface, the index names some
 * other device or none, and the mode is reported as unknown.
 */
#ifndef HBPF_XDPMODE_H
#define HBPF_XDPMODE_H

#include <net/if.h>
#include <linux/types.h>

#include "config.h"

/* config.xdp_mode's names: "auto", "native", "generic"; NULL when out of range. */
const char *xdp_cfg_mode_name(int mode);
/* XDP_ATTACHED_DRV -> "native", _SKB -> "generic", _HW -> "offload",
 * _MULTI -> "multi", _NONE -> "none"; anything else (-1) -> "unknown". */
const char *xdp_attach_mode_name(int attach_mode);

#define XDP_LINK_PREFIX "link_xdp_"

struct xdp_link_state {
	char ifname[IF_NAMESIZE]; /* from the pin's name ("" for a bare fd) */
	int ifindex;		  /* the link's interface, 0 when it is gone */
	__u32 prog_id;		  /* the link's program */
	int mode;		  /* XDP_ATTACHED_DRV or _SKB, -1 when not found here */
};

/* The state of the XDP link behind link_fd.  0 or -errno. */
int xdp_link_query(int link_fd, struct xdp_link_state *st);

/* The pinned links under pin_dir (at most max), sorted by interface name;
 * returns how many, or -errno (-ENOENT: no such directory). */
int xdp_links_list(const char *pin_dir, struct xdp_link_state *out, int max);

#endif /* HBPF_XDPMODE_H */
