// SPDX-License-Identifier: GPL-2.0-only
/*
 * Lab-only programs for the switch's veth ports (tools/lab/lab.sh); not part
 * of the product.
 * lab_pass: XDP_PASS.  A veth drops frames that its peer sends with XDP_TX or
 * with BPF_PROG_TEST_RUN live frames unless this end runs an XDP program (GRO
 * alone was not enough on the 6.18 kernel here), so every port gets this one.
 * lab_hbdrop: tc ingress filter dropping hbpf heartbeats (UDP port 7201 either
 * way) and nothing else, to cut the heartbeat paths between nodes while
 * clients still reach them (a partition test).  The lab has no netem, nft or
 * tc actions, so this is how it filters.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ETH_P_IP 0x0800
#define IPPROTO_UDP_ 17
#define HB_PORT 7201
#define TC_ACT_OK 0
#define TC_ACT_SHOT 2

SEC("xdp")
int lab_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("tc")
int lab_hbdrop(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp;

	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    ip->protocol != IPPROTO_UDP_)
		return TC_ACT_OK;
	udp = (void *)ip + ip->ihl * 4;
	if ((void *)(udp + 1) > end)
		return TC_ACT_OK;
	if (udp->dest == bpf_htons(HB_PORT) || udp->source == bpf_htons(HB_PORT))
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
