/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rtnetlink through libnl-route-3: interface facts, VIP plumbing and a
 * non-blocking link monitor for the event loop.
 *
 * Two sockets: a command socket for short request/reply exchanges with the
 * kernel (they return as soon as the kernel answered, no network I/O) and a
 * monitor socket subscribed to RTNLGRP_LINK whose fd the loop polls.
 * Every function returns 0 (or the documented value) or -errno; libnl's
 * -NLE_* codes are translated and logged here.
 *
 * Carrier, everywhere in this module, means IFF_UP && IFF_LOWER_UP: the
 * interface is administratively up and its lower layer (cable, veth peer)
 * has carrier.  IFF_RUNNING is not used: it follows the RFC 2863 operstate,
 * which lags behind carrier changes (linkwatch) and also covers "dormant".
 * Carrier changes reach rtnetlink through the kernel's linkwatch, which
 * reports a device at most once a second (unless the event is urgent) and
 * only in the state it finds then: a flap shorter than that can go unseen.
 */
#ifndef HBPF_NETLINK_H
#define HBPF_NETLINK_H

#include <netinet/in.h>

struct nlctx;

int hnl_open(struct nlctx **out);
void hnl_close(struct nlctx *nl);

/* ifindex, hardware address and carrier (see above) of ifname.  Any of the
 * out pointers may be NULL.  -ENODEV when there is no such interface. */
int hnl_link_info(struct nlctx *nl, const char *ifname, int *ifindex, unsigned char mac[6],
		  int *carrier);

/*
 * Plumb VIP addr (prefix = its configured prefix length) on ifindex.
 * Idempotent: already present (with any prefix length) returns 0.
 *
 * When an address of ifindex already covers addr with its own prefix (the
 * interface has the connected route), the VIP is added as a /32 with
 * IFA_F_NOPREFIXROUTE: no second connected route, and it is not a
 * "secondary" of that address, so deleting the node's own address (without
 * promote_secondaries) cannot take the VIP with it.  Otherwise the VIP is
 * added with its prefix, which installs the connected route it needs.
 */
int hnl_vip_add(struct nlctx *nl, int ifindex, struct in_addr addr, int prefix);

/* Remove VIP addr from ifindex, whatever prefix length it carries.
 * Idempotent: absent returns 0. */
int hnl_vip_del(struct nlctx *nl, int ifindex, struct in_addr addr);

/* 1 if addr is configured on ifindex, 0 if not, or -errno. */
int hnl_vip_present(struct nlctx *nl, int ifindex, struct in_addr addr);

/*
 * The interface's own unicast address filter (dev->uc, what "bridge fdb
 * show dev IF self" lists): RTM_*NEIGH with AF_BRIDGE and NTF_SELF, handled
 * by the driver (ndo_fdb_add) or the kernel's default, which adds the MAC to
 * the device's unicast list.  A driver without IFF_UNICAST_FLT (veth, some
 * virtual NICs) then runs promiscuous, which hnl_promiscuity() shows.
 *
 * hnl_uc_list: the unicast MACs of ifindex's list (at most max stored);
 * returns how many were stored, or -errno.
 * hnl_uc_add / hnl_uc_del: "bridge fdb add|del MAC dev IF self permanent";
 * idempotent (present / absent returns 0).
 */
int hnl_uc_list(struct nlctx *nl, int ifindex, unsigned char (*macs)[6], int max);
int hnl_uc_add(struct nlctx *nl, int ifindex, const unsigned char mac[6]);
int hnl_uc_del(struct nlctx *nl, int ifindex, const unsigned char mac[6]);
/* The interface's promiscuity count (IFLA_PROMISCUITY), or -errno. */
int hnl_promiscuity(struct nlctx *nl, int ifindex);

/* The monitor socket's fd (non-blocking): poll it for POLLIN. */
int hnl_mon_fd(struct nlctx *nl);

typedef void (*hnl_link_cb)(void *arg, int ifindex, const char *ifname, int carrier);

/*
 * Read every pending message of the monitor socket and call cb for each link
 * message (RTM_NEWLINK with the current carrier, RTM_DELLINK with carrier 0;
 * ifname may be "" when the kernel did not include it).  Returns the number of
 * link messages handled, or -ENOBUFS when the socket overflowed and events
 * were lost (the caller re-reads every interface it cares about with
 * hnl_link_info), or another -errno.
 */
int hnl_mon_dispatch(struct nlctx *nl, hnl_link_cb cb, void *arg);

#endif /* HBPF_NETLINK_H */
