// SPDX-License-Identifier: GPL-2.0-only
/*
 * A program the verifier must refuse, for tests/bpf/test_loaderr.c: it reads
 * the packet's first byte without checking it against data_end.  Built into
 * the build directory's tests/bpf/, never loaded by hbpfd.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_refused(struct xdp_md *ctx)
{
	unsigned char *data = (unsigned char *)(long)ctx->data;

	return data[0] ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
