/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Packet layouts, constants and small byte helpers for the hbpf programs.
 * vmlinux.h carries types but no macros, so the few ETH_P_* and TC_ACT_*
 * values the programs use are spelled out here.
 */
#ifndef HBPF_PKT_BPF_H
#define HBPF_PKT_BPF_H

#include "base.bpf.h"

#define ETH_ALEN 6
#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define ARPHRD_ETHER 1
#define ARPOP_REQUEST 1
#define ARPOP_REPLY 2
#define IP_FRAG_MASK 0x3fff /* MF flag and fragment offset */

#define TC_ACT_OK 0
#define TC_ACT_SHOT 2

/*
 * Ethernet/IPv4 ARP packet (RFC 826): the fixed header followed by the
 * sender and target hardware and protocol addresses.  Only this shape
 * (htype 1, ptype 0x0800, hlen 6, plen 4) is ever looked at.
 */
struct hbpf_arp {
	__be16 htype;
	__be16 ptype;
	__u8 hlen;
	__u8 plen;
	__be16 op;
	__u8 sha[ETH_ALEN];
	__be32 spa;
	__u8 tha[ETH_ALEN];
	__be32 tpa;
} __attribute__((packed));
_Static_assert(sizeof(struct hbpf_arp) == 28, "hbpf_arp layout");

/* Frame size the GARP generator works on: Ethernet header plus ARP. */
#define GARP_LEN (sizeof(struct ethhdr) + sizeof(struct hbpf_arp))

static __always_inline int mac_eq(const __u8 *a, const __u8 *b)
{
	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3] && a[4] == b[4] &&
	       a[5] == b[5];
}

static __always_inline void mac_copy(__u8 *dst, const __u8 *src)
{
	__builtin_memcpy(dst, src, ETH_ALEN);
}

/* An ARP packet of the only shape hbpf handles. */
static __always_inline int arp_is_eth_ipv4(const struct hbpf_arp *a)
{
	return a->htype == bpf_htons(ARPHRD_ETHER) && a->ptype == bpf_htons(ETH_P_IP) &&
	       a->hlen == ETH_ALEN && a->plen == 4;
}

#endif /* HBPF_PKT_BPF_H */
