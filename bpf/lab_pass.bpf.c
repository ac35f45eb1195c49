// SPDX-License-Identifier: GPL-2.0-only
/*
 * lab_pass: XDP_PASS on the lab switch's veth ports (tools/lab/lab.sh).
 * A veth drops frames that its peer sends with XDP_TX or with
 * BPF_PROG_TEST_RUN live frames unless this end runs an XDP program (GRO
 * alone was not enough on the 6.18 kernel here), so every switch port gets
 * this one.  Not part of the product.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp")
int lab_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
