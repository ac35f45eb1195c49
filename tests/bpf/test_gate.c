// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VIP gate (xdp_node on a public interface), the GARP generator
 * (xdp_garp) and the egress source-MAC rewrite (tc_egress), through
 * BPF_PROG_TEST_RUN with exact input and output frames.
 */
#include "hbpf_test.h"

static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t zero_mac[6];

static void test_arp_request_for_owned_vip_gets_vmac_reply(void **state)
{
	struct fix *f = *state;
	uint8_t in[T_FRAME_MAX], out[T_FRAME_MAX], want[T_FRAME_MAX];
	uint32_t out_len = 0;
	size_t len = t_build_arp(in, bcast, t_client_mac, 1, 0xc6120009, zero_mac, T_VIP1);

	t_build_arp(want, t_client_mac, t_vmac1, 2, T_VIP1, t_client_mac, 0xc6120009);
	assert_int_equal(t_run(f->skel->progs.xdp_node, in, len, out, &out_len), XDP_TX);
	assert_int_equal(out_len, len);
	assert_memory_equal(out, want, len);
	assert_int_equal(t_stat(f, HBPF_STAT_ARP_REPLY), 1);
	assert_int_equal(t_drops_total(f), 0);
}

static void test_arp_request_for_foreign_vip_is_dropped(void **state)
{
	struct fix *f = *state;
	uint8_t in[T_FRAME_MAX];
	size_t len = t_build_arp(in, bcast, t_client_mac, 1, 0xc6120009, zero_mac, T_VIP0);

	assert_int_equal(t_run(f->skel->progs.xdp_node, in, len, NULL, NULL), XDP_DROP);
	assert_int_equal(t_drop(f, HBPF_DROP_ARP_FOREIGN), 1);
	assert_int_equal(t_stat(f, HBPF_STAT_ARP_REPLY), 0);
}

static void test_arp_for_other_addresses_passes(void **state)
{
	struct fix *f = *state;
	uint8_t in[T_FRAME_MAX], out[T_FRAME_MAX];
	size_t len = t_build_arp(in, bcast, t_client_mac, 1, 0xc6120009, zero_mac, T_SELF_IP);

	assert_int_equal(t_run(f->skel->progs.xdp_node, in, len, out, NULL), XDP_PASS);
	assert_memory_equal(out, in, len);
	assert_int_equal(t_drops_total(f), 0);
}

static void test_foreign_arp_claiming_owned_vip_asks_reannounce_rate_limited(void **state)
{
	struct fix *f = *state;
	uint8_t in[T_FRAME_MAX];
	const struct hbpf_event *ev;
	struct hbpf_set s;
	/* Someone else announces our VIP 198.18.0.101 with its own MAC. */
	size_t len = t_build_arp(in, bcast, t_client_mac, 2, T_VIP1, zero_mac, T_VIP1);

	assert_int_equal(t_run(f->skel->progs.xdp_node, in, len, NULL, NULL), XDP_PASS);
	assert_int_equal(t_run(f->skel->progs.xdp_node, in, len, NULL, NULL), XDP_PASS);
	assert_int_equal(t_stat(f, HBPF_STAT_STALE_ARP), 2);
	t_drain(f);
	assert_int_equal(t_count_ev(f, HBPF_EV_STALE_ARP, 1), 1);
	ev = t_find_ev(f, HBPF_EV_STALE_ARP);
	assert_int_equal(ev->node, 0xff);
	t_get_set(f, 1, &s);
	assert_true(s.garp_req_ns > 0);

	/* After 100 ms another one may be asked for. */
	t_sleep_ms(120);
	assert_int_equal(t_run(f->skel->progs.xdp_node, in, len, NULL, NULL), XDP_PASS);
	t_drain(f);
	assert_int_equal(t_count_ev(f, HBPF_EV_STALE_ARP, 1), 2);

	/* Our own VMAC claiming it is not stale. */
	len = t_build_arp(in, bcast, t_vmac1, 2, T_VIP1, zero_mac, T_VIP1);
	assert_int_equal(t_run(f->skel->progs.xdp_node, in, len, NULL, NULL), XDP_PASS);
	assert_int_equal(t_stat(f, HBPF_STAT_STALE_ARP), 3);
}

static void test_ipv4_to_owned_vip_via_vmac_reaches_stack_under_iface_mac(void **state)
{
	struct fix *f = *state;
	uint8_t in[T_FRAME_MAX], out[T_FRAME_MAX], want[T_FRAME_MAX];
	size_t len = t_build_ip(in, t_vmac1, t_client_mac, 0xc6120009, T_VIP1);

	memcpy(want, in, len);
	memcpy(want, t_if_mac, 6);
	assert_int_equal(t_run(f->skel->progs.xdp_node, in, len, out, NULL), XDP_PASS);
	assert_memory_equal(out, want, len);
	assert_int_equal(t_stat(f, HBPF_STAT_VMAC_RX), 1);

	/* Addressed to the interface MAC already: untouched. */
	len = t_build_ip(in, t_if_mac, t_client_mac, 0xc6120009, T_VIP1);
	assert_int_equal(t_run(f->skel->progs.xdp_node, in, len, out, NULL), XDP_PASS);
	assert_memory_equal(out, in, len);
	assert_int_equal(t_stat(f, HBPF_STAT_VMAC_RX), 1);
}

static void test_ipv4_to_foreign_vip_is_dropped(void **state)
{
	struct fix *f = *state;
	uint8_t in[T_FRAME_MAX];
	size_t len = t_build_ip(in, t_vmac0, t_client_mac, 0xc6120009, T_VIP0);

	assert_int_equal(t_run(f->skel->progs.xdp_node, in, len, NULL, NULL), XDP_DROP);
	assert_int_equal(t_drop(f, HBPF_DROP_VIP_FOREIGN), 1);
	len = t_build_ip(in, t_if_mac, t_client_mac, 0xc6120009, T_VIP0);
	assert_int_equal(t_run(f->skel->progs.xdp_node, in, len, NULL, NULL), XDP_DROP);
	assert_int_equal(t_drop(f, HBPF_DROP_VIP_FOREIGN), 2);
}

static void test_non_ip_frames_to_vmacs_follow_ownership(void **state)
{
	struct fix *f = *state;
	uint8_t in[T_FRAME_MAX], out[T_FRAME_MAX];
	struct ethhdr *eth = (void *)in;
	size_t len = 64;

	memset(in, 0, sizeof(in));
	memcpy(eth->h_source, t_client_mac, 6);
	eth->h_proto = htons(0x86dd); /* IPv6: no VIP check, only the VMAC one */
	memcpy(eth->h_dest, t_vmac1, 6);
	assert_int_equal(t_run(f->skel->progs.xdp_node, in, len, out, NULL), XDP_PASS);
	assert_memory_equal(out, t_if_mac, 6);
	assert_int_equal(t_stat(f, HBPF_STAT_VMAC_RX), 1);

	memcpy(eth->h_dest, t_vmac0, 6);
	assert_int_equal(t_run(f->skel->progs.xdp_node, in, len, NULL, NULL), XDP_DROP);
	assert_int_equal(t_drop(f, HBPF_DROP_VMAC_FOREIGN), 1);

	/* Unknown unicast and broadcast pass untouched. */
	memcpy(eth->h_dest, t_peer_mac, 6);
	assert_int_equal(t_run(f->skel->progs.xdp_node, in, len, out, NULL), XDP_PASS);
	assert_memory_equal(out, in, len);
	memcpy(eth->h_dest, bcast, 6);
	assert_int_equal(t_run(f->skel->progs.xdp_node, in, len, NULL, NULL), XDP_PASS);
	assert_int_equal(t_drops_total(f), 1);
}

static void test_non_public_interface_passes_everything_but_heartbeats(void **state)
{
	struct fix *f = *state;
	uint8_t in[T_FRAME_MAX];
	struct t_hb hb;
	size_t len;

	t_set_iface_public(f, 0);
	len = t_build_arp(in, bcast, t_client_mac, 1, 0xc6120009, zero_mac, T_VIP0);
	assert_int_equal(t_run(f->skel->progs.xdp_node, in, len, NULL, NULL), XDP_PASS);
	len = t_build_ip(in, t_vmac0, t_client_mac, 0xc6120009, T_VIP0);
	assert_int_equal(t_run(f->skel->progs.xdp_node, in, len, NULL, NULL), XDP_PASS);
	assert_int_equal(t_drops_total(f), 0);
	hb = t_hb_default(HBPF_WT_HB, 1);
	len = t_build_hb(in, &hb, NULL);
	assert_int_equal(t_run(f->skel->progs.xdp_node, in, len, NULL, NULL), XDP_TX);
	assert_int_equal(t_stat(f, HBPF_STAT_HB_RX), 1);
}

static void test_garp_for_owned_vip_builds_exact_announcement(void **state)
{
	struct fix *f = *state;
	uint8_t in[T_FRAME_MAX], out[T_FRAME_MAX], want[T_FRAME_MAX];
	uint32_t out_len = 0;
	size_t len = 42;

	/* Only the target IP of the input matters. */
	memset(in, 0xa5, len);
	in[38] = 198;
	in[39] = 18;
	in[40] = 0;
	in[41] = 101;
	t_build_arp(want, bcast, t_vmac1, 1, T_VIP1, zero_mac, T_VIP1);
	assert_int_equal(t_run(f->skel->progs.xdp_garp, in, len, out, &out_len), XDP_TX);
	assert_int_equal(out_len, len);
	assert_memory_equal(out, want, len);
	assert_int_equal(t_stat(f, HBPF_STAT_GARP_TX), 1);
}

static void test_garp_refused_for_vip_not_owned(void **state)
{
	struct fix *f = *state;
	uint8_t in[T_FRAME_MAX];

	t_build_arp(in, bcast, t_vmac0, 1, T_VIP0, zero_mac, T_VIP0);
	assert_int_equal(t_run(f->skel->progs.xdp_garp, in, 42, NULL, NULL), XDP_DROP);
	t_build_arp(in, bcast, t_vmac0, 1, T_SELF_IP, zero_mac, T_SELF_IP);
	assert_int_equal(t_run(f->skel->progs.xdp_garp, in, 42, NULL, NULL), XDP_DROP);
	assert_int_equal(t_stat(f, HBPF_STAT_GARP_REFUSED), 2);
	assert_int_equal(t_stat(f, HBPF_STAT_GARP_TX), 0);
}

static void test_egress_from_owned_vip_leaves_with_vmac_source(void **state)
{
	struct fix *f = *state;
	uint8_t in[T_FRAME_MAX], out[T_FRAME_MAX], want[T_FRAME_MAX];
	size_t len = t_build_ip(in, t_client_mac, t_if_mac, T_VIP1, 0xc6120009);

	memcpy(want, in, len);
	memcpy(want + 6, t_vmac1, 6);
	assert_int_equal(t_run(f->skel->progs.tc_egress, in, len, out, NULL), 0 /* TC_ACT_OK */);
	assert_memory_equal(out, want, len);
	assert_int_equal(t_stat(f, HBPF_STAT_EGRESS_REWRITE), 1);

	/* ARP from the VIP: Ethernet source and sender MAC both become the VMAC. */
	len = t_build_arp(in, t_client_mac, t_if_mac, 2, T_VIP1, t_client_mac, 0xc6120009);
	t_build_arp(want, t_client_mac, t_vmac1, 2, T_VIP1, t_client_mac, 0xc6120009);
	assert_int_equal(t_run(f->skel->progs.tc_egress, in, len, out, NULL), 0);
	assert_memory_equal(out, want, len);
	assert_int_equal(t_stat(f, HBPF_STAT_EGRESS_REWRITE), 2);
}

static void test_egress_from_foreign_vip_is_shot(void **state)
{
	struct fix *f = *state;
	uint8_t in[T_FRAME_MAX], out[T_FRAME_MAX];
	size_t len = t_build_ip(in, t_client_mac, t_if_mac, T_VIP0, 0xc6120009);

	assert_int_equal(t_run(f->skel->progs.tc_egress, in, len, NULL, NULL), 2 /* SHOT */);
	assert_int_equal(t_drop(f, HBPF_DROP_EGRESS_FOREIGN), 1);
	len = t_build_arp(in, t_client_mac, t_if_mac, 2, T_VIP0, t_client_mac, 0xc6120009);
	assert_int_equal(t_run(f->skel->progs.tc_egress, in, len, NULL, NULL), 2);
	assert_int_equal(t_drop(f, HBPF_DROP_EGRESS_FOREIGN), 2);

	/* The node's own address is none of the gate's business. */
	len = t_build_ip(in, t_client_mac, t_if_mac, T_SELF_IP, 0xc6120009);
	assert_int_equal(t_run(f->skel->progs.tc_egress, in, len, out, NULL), 0);
	assert_memory_equal(out, in, len);
	assert_int_equal(t_stat(f, HBPF_STAT_EGRESS_REWRITE), 0);
}

static void test_ingress_marks_owned_vip_frames_to_vmac_for_the_host(void **state)
{
	struct fix *f = *state;
	uint8_t in[T_FRAME_MAX];
	size_t len;

	/* The test run classifies frames against lo's all-zero MAC, so a frame to
	 * a VMAC arrives as PACKET_OTHERHOST, as it does on a real interface. */
	len = t_build_ip(in, t_vmac1, t_client_mac, 0xc6120009, T_VIP1);
	assert_int_equal(t_run(f->skel->progs.tc_ingress, in, len, NULL, NULL), 0 /* OK */);
	assert_int_equal(t_stat(f, HBPF_STAT_VMAC_RX), 1);

	/* Not owned: left as it is (XDP drops these before tc sees them). */
	len = t_build_ip(in, t_vmac0, t_client_mac, 0xc6120009, T_VIP0);
	assert_int_equal(t_run(f->skel->progs.tc_ingress, in, len, NULL, NULL), 0);
	assert_int_equal(t_stat(f, HBPF_STAT_VMAC_RX), 1);

	/* Other hosts' traffic is none of its business. */
	len = t_build_ip(in, t_client_mac, t_if_mac, 0xc6120009, 0xc612000a);
	assert_int_equal(t_run(f->skel->progs.tc_ingress, in, len, NULL, NULL), 0);
	assert_int_equal(t_stat(f, HBPF_STAT_VMAC_RX), 1);
}

/*
 * Linux's default arp_announce=0: the owner asks for the client from the VIP,
 * egress gives the request the VMAC as sender, and the client answers to the
 * VMAC.  The reply reaches the stack under the interface's MAC; one to a VMAC
 * this node does not own is dropped.
 */
static void test_arp_reply_to_owned_vmac_reaches_stack_under_iface_mac(void **state)
{
	struct fix *f = *state;
	uint8_t in[T_FRAME_MAX], out[T_FRAME_MAX], want[T_FRAME_MAX];
	size_t len = t_build_arp(in, t_vmac1, t_client_mac, 2, 0xc6120009, t_vmac1, T_VIP1);

	memcpy(want, in, len);
	memcpy(want, t_if_mac, 6);
	assert_int_equal(t_run(f->skel->progs.xdp_node, in, len, out, NULL), XDP_PASS);
	assert_memory_equal(out, want, len);
	assert_int_equal(t_stat(f, HBPF_STAT_VMAC_RX), 1);
	assert_int_equal(t_stat(f, HBPF_STAT_STALE_ARP), 0);

	len = t_build_arp(in, t_vmac0, t_client_mac, 2, 0xc6120009, t_vmac0, T_VIP0);
	assert_int_equal(t_run(f->skel->progs.xdp_node, in, len, NULL, NULL), XDP_DROP);
	assert_int_equal(t_drop(f, HBPF_DROP_VMAC_FOREIGN), 1);

	/* A reply to the interface's own MAC or to another host passes as it is. */
	len = t_build_arp(in, t_if_mac, t_client_mac, 2, 0xc6120009, t_if_mac, T_SELF_IP);
	assert_int_equal(t_run(f->skel->progs.xdp_node, in, len, out, NULL), XDP_PASS);
	assert_memory_equal(out, in, len);
	len = t_build_arp(in, t_peer_mac, t_client_mac, 2, 0xc6120009, t_peer_mac, 0xc612000a);
	assert_int_equal(t_run(f->skel->progs.xdp_node, in, len, out, NULL), XDP_PASS);
	assert_memory_equal(out, in, len);
	assert_int_equal(t_stat(f, HBPF_STAT_VMAC_RX), 1);
	assert_int_equal(t_drops_total(f), 1);
}

static void test_ingress_marks_arp_handed_over_from_vmac_for_the_host(void **state)
{
	struct fix *f = *state;
	uint8_t in[T_FRAME_MAX];
	size_t len;

	/* What the gate passed on: now addressed to the interface's MAC, but
	 * classified PACKET_OTHERHOST (lo's MAC is all-zero in the test run, as
	 * the VMAC was when a veth built the skb). */
	len = t_build_arp(in, t_if_mac, t_client_mac, 2, 0xc6120009, t_vmac1, T_VIP1);
	assert_int_equal(t_run(f->skel->progs.tc_ingress, in, len, NULL, NULL), 0);
	assert_int_equal(t_stat(f, HBPF_STAT_VMAC_RX), 1);

	/* ARP to any other MAC is left alone. */
	len = t_build_arp(in, t_vmac0, t_client_mac, 2, 0xc6120009, t_vmac0, T_VIP0);
	assert_int_equal(t_run(f->skel->progs.tc_ingress, in, len, NULL, NULL), 0);
	len = t_build_arp(in, t_peer_mac, t_client_mac, 2, 0xc6120009, t_peer_mac, 0xc612000a);
	assert_int_equal(t_run(f->skel->progs.tc_ingress, in, len, NULL, NULL), 0);
	assert_int_equal(t_stat(f, HBPF_STAT_VMAC_RX), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, t_setup, t_teardown)
		T(test_arp_request_for_owned_vip_gets_vmac_reply),
		T(test_arp_request_for_foreign_vip_is_dropped),
		T(test_arp_for_other_addresses_passes),
		T(test_foreign_arp_claiming_owned_vip_asks_reannounce_rate_limited),
		T(test_ipv4_to_owned_vip_via_vmac_reaches_stack_under_iface_mac),
		T(test_ipv4_to_foreign_vip_is_dropped),
		T(test_non_ip_frames_to_vmacs_follow_ownership),
		T(test_non_public_interface_passes_everything_but_heartbeats),
		T(test_garp_for_owned_vip_builds_exact_announcement),
		T(test_garp_refused_for_vip_not_owned),
		T(test_egress_from_owned_vip_leaves_with_vmac_source),
		T(test_egress_from_foreign_vip_is_shot),
		T(test_ingress_marks_owned_vip_frames_to_vmac_for_the_host),
		T(test_arp_reply_to_owned_vmac_reaches_stack_under_iface_mac),
		T(test_ingress_marks_arp_handed_over_from_vmac_for_the_host),
#undef T
	};

	return cmocka_run_group_tests_name("bpf_gate", tests, NULL, NULL);
}
