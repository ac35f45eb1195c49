/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VIP gate on the public interface: this node answers ARP for, and
 * accepts frames to, a set's VIPs and VMAC only while it owns the set.
 * Everything it refuses is counted in drops[].
 */
#ifndef HBPF_GATE_BPF_H
#define HBPF_GATE_BPF_H

#include "base.bpf.h"
#include "pkt.bpf.h"
#include "maps.bpf.h"
#include "owner.bpf.h"

/* The set a VIP belongs to (and its id in *sid), or NULL. */
static __always_inline struct hbpf_set *vip_set(__be32 addr, __u32 *sid)
{
	struct hbpf_vip_key key;
	struct hbpf_vip *vip;

	__builtin_memset(&key, 0, sizeof(key));
	key.addr = addr;
	vip = bpf_map_lookup_elem(&vips, &key);
	if (!vip)
		return NULL;
	*sid = vip->set;
	return get_set(vip->set);
}

/*
 * An ARP claiming one of our owned VIPs from another MAC (a healed
 * partition, a misconfigured host): ask the daemon, rate-limited per set,
 * to announce the VIP again.
 */
static __always_inline void stale_arp(struct hbpf_set *set, __u32 s)
{
	count_stat(HBPF_STAT_STALE_ARP);
	set_reannounce(set, s, bpf_ktime_get_ns());
}

/* Hand a frame sent to an owned VMAC to the stack under the interface's MAC. */
static __always_inline int gate_to_vmac(struct ethhdr *eth, const struct hbpf_iface *ifc)
{
	mac_copy(eth->h_dest, ifc->mac);
	count_stat(HBPF_STAT_VMAC_RX);
	return XDP_PASS;
}

/*
 * A frame sent to a VMAC: handed to the stack under the interface's MAC when
 * this node owns the set, dropped when it does not; any other destination
 * passes.  This covers ARP replies too: with Linux's default arp_announce=0
 * the owner asks for a client's MAC from the VIP, tc egress gives that
 * request the VMAC as sender, and the client answers to the VMAC (tc ingress
 * then fixes the packet type where the driver classified the frame before
 * XDP: the stack drops a frame to a MAC that is not the interface's).
 */
static __always_inline int gate_vmac(struct ethhdr *eth, const struct hbpf_iface *ifc)
{
	struct hbpf_mac_key mkey;
	struct hbpf_set *set;
	__u32 *sid;

	/* VMACs are unicast; group addresses never name a set. */
	if (eth->h_dest[0] & 1)
		return XDP_PASS;
	__builtin_memset(&mkey, 0, sizeof(mkey));
	mac_copy(mkey.mac, eth->h_dest);
	sid = bpf_map_lookup_elem(&vmacs, &mkey);
	if (!sid)
		return XDP_PASS;
	set = get_set(*sid);
	if (!set || !set->owned)
		return xdp_drop(HBPF_DROP_VMAC_FOREIGN);
	return gate_to_vmac(eth, ifc);
}

static __always_inline int gate_arp(struct ethhdr *eth, void *end, const struct hbpf_iface *ifc)
{
	struct hbpf_arp *a = (void *)(eth + 1);
	struct hbpf_set *set;
	__u8 req_mac[ETH_ALEN];
	__be32 req_ip, vip;
	__u32 s = 0;

	if ((void *)(a + 1) > end || !arp_is_eth_ipv4(a))
		return XDP_PASS;
	set = vip_set(a->spa, &s);
	if (set && set->owned && !mac_eq(a->sha, set->vmac)) {
		stale_arp(set, s);
		return XDP_PASS;
	}
	if (a->op != bpf_htons(ARPOP_REQUEST))
		return gate_vmac(eth, ifc);
	set = vip_set(a->tpa, &s);
	if (!set)
		return XDP_PASS;
	if (!set->owned)
		return xdp_drop(HBPF_DROP_ARP_FOREIGN);

	mac_copy(req_mac, a->sha);
	req_ip = a->spa;
	vip = a->tpa;
	a->op = bpf_htons(ARPOP_REPLY);
	mac_copy(a->tha, req_mac);
	a->tpa = req_ip;
	mac_copy(a->sha, set->vmac);
	a->spa = vip;
	mac_copy(eth->h_dest, req_mac);
	mac_copy(eth->h_source, set->vmac);
	count_stat(HBPF_STAT_ARP_REPLY);
	return XDP_TX;
}

static __always_inline int gate(struct xdp_md *ctx, struct ethhdr *eth, void *end)
{
	__u32 ifindex = ctx->ingress_ifindex;
	struct hbpf_iface *ifc;
	struct hbpf_set *set;
	__u32 s = 0;

	ifc = bpf_map_lookup_elem(&ifaces, &ifindex);
	if (!ifc || ifc->public != 1)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(ETH_P_ARP))
		return gate_arp(eth, end, ifc);
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > end)
			return XDP_PASS;
		set = vip_set(ip->daddr, &s);
		if (set) {
			if (!set->owned)
				return xdp_drop(HBPF_DROP_VIP_FOREIGN);
			if (mac_eq(eth->h_dest, set->vmac))
				return gate_to_vmac(eth, ifc);
			return XDP_PASS;
		}
	}
	return gate_vmac(eth, ifc);
}

/* Build, in place, the gratuitous ARP request announcing vip at set's VMAC. */
static __always_inline void garp_build(struct ethhdr *eth, struct hbpf_arp *a,
				       const struct hbpf_set *set, __be32 vip)
{
	__builtin_memset(eth->h_dest, 0xff, ETH_ALEN);
	mac_copy(eth->h_source, set->vmac);
	eth->h_proto = bpf_htons(ETH_P_ARP);
	a->htype = bpf_htons(ARPHRD_ETHER);
	a->ptype = bpf_htons(ETH_P_IP);
	a->hlen = ETH_ALEN;
	a->plen = 4;
	a->op = bpf_htons(ARPOP_REQUEST);
	mac_copy(a->sha, set->vmac);
	a->spa = vip;
	__builtin_memset(a->tha, 0, ETH_ALEN);
	a->tpa = vip;
}

/*
 * Egress on the public interface: frames from an owned VIP leave with the
 * set's VMAC as source (Ethernet and ARP sender), frames from a VIP this
 * node does not own do not leave at all.
 */
static __always_inline int egress(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct hbpf_set *set;
	__u8 vmac[ETH_ALEN];
	__be16 proto;
	__be32 saddr;
	int arp = 0;
	__u32 s = 0;

	if (data + GARP_LEN > end) {
		/* Headers may sit in paged data; a frame shorter than that fails
		 * the pull harmlessly and is judged on what is linear. */
		bpf_skb_pull_data(skb, GARP_LEN);
		data = (void *)(long)skb->data;
		end = (void *)(long)skb->data_end;
		eth = data;
	}
	if ((void *)(eth + 1) > end)
		return TC_ACT_OK;
	proto = eth->h_proto;
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > end)
			return TC_ACT_OK;
		saddr = ip->saddr;
	} else if (proto == bpf_htons(ETH_P_ARP)) {
		struct hbpf_arp *a = (void *)(eth + 1);

		if ((void *)(a + 1) > end || !arp_is_eth_ipv4(a))
			return TC_ACT_OK;
		saddr = a->spa;
		arp = 1;
	} else {
		return TC_ACT_OK;
	}
	set = vip_set(saddr, &s);
	if (!set)
		return TC_ACT_OK;
	if (!set->owned) {
		count_drop(HBPF_DROP_EGRESS_FOREIGN);
		return TC_ACT_SHOT;
	}
	mac_copy(vmac, set->vmac);
	if (bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_source), vmac, ETH_ALEN, 0))
		return TC_ACT_OK;
	if (arp && bpf_skb_store_bytes(skb, sizeof(struct ethhdr) + offsetof(struct hbpf_arp, sha),
				       vmac, ETH_ALEN, 0))
		return TC_ACT_OK;
	count_stat(HBPF_STAT_EGRESS_REWRITE);
	return TC_ACT_OK;
}

/*
 * Ingress half of the gate, at tc (after XDP): a frame for an owned VIP that
 * arrived addressed to the set's VMAC was classified PACKET_OTHERHOST when
 * its skb was built (the VMAC is not the interface's address), and drivers
 * such as veth do not reclassify after XDP rewrote the destination.  The IP
 * layer drops OTHERHOST, so mark it PACKET_HOST here.  Frames for VIPs this
 * node does not own never get here: XDP dropped them.
 */
#define PACKET_HOST 0
#define PACKET_OTHERHOST 3

/* An ARP frame the gate handed over from an owned VMAC (gate_vmac):
 * its destination is now the interface's own MAC. */
static __always_inline int ingress_arp(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	__u32 ifindex = skb->ifindex;
	struct hbpf_iface *ifc;

	if ((void *)(eth + 1) > end)
		return TC_ACT_OK;
	ifc = bpf_map_lookup_elem(&ifaces, &ifindex);
	if (ifc && ifc->public == 1 && mac_eq(eth->h_dest, ifc->mac) &&
	    bpf_skb_change_type(skb, PACKET_HOST) == 0)
		count_stat(HBPF_STAT_VMAC_RX);
	return TC_ACT_OK;
}

static __always_inline int ingress(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct hbpf_set *set;
	__u32 s = 0;

	if (skb->pkt_type != PACKET_OTHERHOST)
		return TC_ACT_OK;
	if (skb->protocol == bpf_htons(ETH_P_ARP))
		return ingress_arp(skb);
	if (skb->protocol != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	if ((void *)(ip + 1) > end) {
		if (bpf_skb_pull_data(skb, sizeof(*eth) + sizeof(*ip)))
			return TC_ACT_OK;
		data = (void *)(long)skb->data;
		end = (void *)(long)skb->data_end;
		eth = data;
		ip = (void *)(eth + 1);
		if ((void *)(ip + 1) > end)
			return TC_ACT_OK;
	}
	set = vip_set(ip->daddr, &s);
	if (set && set->owned && bpf_skb_change_type(skb, PACKET_HOST) == 0)
		count_stat(HBPF_STAT_VMAC_RX);
	return TC_ACT_OK;
}

#endif /* HBPF_GATE_BPF_H */
