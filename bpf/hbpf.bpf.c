// SPDX-License-Identifier: GPL-2.0-only
/*
 * hbpf's kernel side, one object: the heartbeat receiver/reflector and VIP
 * gate (xdp_node), the timer arming entry (xdp_arm), the gratuitous-ARP
 * generator (xdp_garp), the egress source-MAC rewrite (tc_egress) and the
 * ingress packet-type fix for frames sent to a VMAC (tc_ingress).
 * Maps, ownership, heartbeat and gate logic live in the bpf/ headers.
 */
#include "base.bpf.h"
#include "pkt.bpf.h"
#include "maps.bpf.h"
#include "owner.bpf.h"
#include "heartbeat.bpf.h"
#include "gate.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * xdp_node: attached to every heartbeat link and to the public interface.
 * UDP to the heartbeat port is a heartbeat (validated, recorded, an HB is
 * reflected as ECHO with XDP_TX, an ECHO is consumed); on a public interface
 * everything else goes through the VIP gate; elsewhere it passes.
 */
SEC("xdp")
int xdp_node(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct hbpf_cfg *cfg = get_cfg();
	int rc;

	if (!cfg)
		return XDP_PASS;
	if ((void *)(eth + 1) > end)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		rc = hb_rx(ctx, cfg, eth, end);
		if (rc != HB_NOT_MINE)
			return rc;
	}
	return gate(ctx, eth, end);
}

/*
 * xdp_arm: run once by the daemon (BPF_PROG_TEST_RUN) after it wrote the
 * config.  Initialises and starts the self watchdog and initialises the
 * deadline timer of every configured peer (the first packet from a peer
 * starts it).  Idempotent: a restarted daemon runs it again, which only
 * re-points the callbacks at the current program and restarts the watchdog.
 */
SEC("xdp")
int xdp_arm(struct xdp_md *ctx)
{
	struct hbpf_cfg *cfg = get_cfg();
	__u32 k = HBPF_TIMER_SELF;
	struct hbpf_timer *t;

	if (!cfg)
		return XDP_PASS;
	t = bpf_map_lookup_elem(&timers, &k);
	if (t) {
		bpf_timer_init(&t->t, &timers, CLOCK_MONOTONIC); /* -EBUSY: already */
		bpf_timer_set_callback(&t->t, self_timer_cb);
		bpf_timer_start(&t->t, watchdog_period(cfg), 0);
	}
	for (__u32 p = 0; p < HBPF_MAX_NODES; p++)
		if ((cfg->nodes_mask & (1u << p)) && p != cfg->self)
			init_peer_timer(p);
	return XDP_PASS;
}

/*
 * xdp_garp: the gratuitous-ARP generator, run by the daemon with
 * BPF_PROG_TEST_RUN and BPF_F_TEST_XDP_LIVE_FRAMES on the public interface.
 * The input frame names the VIP in the ARP target-IP field; the program
 * builds the whole announcement from the maps, and refuses (XDP_DROP) a VIP
 * whose set this node does not own.
 */
SEC("xdp")
int xdp_garp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct hbpf_arp *a = (void *)(eth + 1);
	struct hbpf_set *set;
	__be32 vip;
	__u32 s = 0;

	if ((void *)(a + 1) > end) {
		count_stat(HBPF_STAT_GARP_REFUSED);
		return XDP_DROP;
	}
	vip = a->tpa;
	set = vip_set(vip, &s);
	if (!set || !set->owned) {
		count_stat(HBPF_STAT_GARP_REFUSED);
		return XDP_DROP;
	}
	garp_build(eth, a, set, vip);
	count_stat(HBPF_STAT_GARP_TX);
	return XDP_TX;
}

/*
 * tc_egress: clsact egress of the public interface.  Owned VIP traffic
 * leaves with the set's VMAC as source; traffic from a VIP this node does
 * not own is dropped.
 */
SEC("tc")
int tc_egress(struct __sk_buff *skb)
{
	return egress(skb);
}

/*
 * tc_ingress: clsact ingress of the public interface.  Lets the stack accept
 * frames for owned VIPs that were sent to the set's VMAC (see ingress()).
 */
SEC("tc")
int tc_ingress(struct __sk_buff *skb)
{
	return ingress(skb);
}
