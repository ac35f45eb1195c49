// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for what hbpfd needs to know about a NIC and a kernel, without
 * either: which ethtool counters the GARP loss check reads per driver
 * (garp.c), what libbpf's messages say about a failed load (bpflog.c, fed
 * libbpf 1.1's exact texts), the kernel-features line (bpffeat.c) and that
 * its helper table covers every helper hbpf's programs call, and the XDP
 * mode names (xdpmode.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <bpf/libbpf.h>

#include "bpffeat.h"
#include "bpflog.h"
#include "garp.h"
#include "hbpf.skel.h"
#include "log.h"
#include "xdpmode.h"

/* Counter names as the drivers print them (ethtool -S). */
static void test_counter_names(void **state)
{
	static const struct {
		const char *name;
		int class;
	} cases[] = {
		/* veth: ndo_xdp_xmit counts per peer queue */
		{"tx_queue_0_xdp_xmit", GARP_CTR_OK},
		{"tx_queue_1_xdp_xmit_errors", GARP_CTR_ERR},
		/* veth's receive side: XDP_TX verdicts, not our frames */
		{"rx_queue_0_xdp_tx", GARP_CTR_NONE},
		{"rx_queue_0_xdp_tx_errors", GARP_CTR_NONE},
		{"rx_queue_0_xdp_redirect", GARP_CTR_NONE},
		{"peer_ifindex", GARP_CTR_NONE},
		/* virtio_net up to 6.8, and from 6.9 */
		{"tx_queue_0_xdp_tx", GARP_CTR_OK},
		{"tx_queue_3_xdp_tx_drops", GARP_CTR_ERR},
		{"tx0_xdp_tx", GARP_CTR_OK},
		{"tx12_xdp_tx_drops", GARP_CTR_ERR},
		{"tx_queue_0_packets", GARP_CTR_NONE},
		{"tx_queue_0_kicks", GARP_CTR_NONE},
		{"rx_queue_0_xdp_drops", GARP_CTR_NONE},
		/* mlx5: the XDP send queue; rx_xdp_tx_* counts XDP_TX verdicts */
		{"tx_xdp_xmit", GARP_CTR_OK},
		{"tx_xdp_err", GARP_CTR_ERR},
		{"tx_xdp_full", GARP_CTR_ERR},
		{"rx_xdp_tx_xmit", GARP_CTR_NONE},
		{"rx_xdp_tx_err", GARP_CTR_NONE},
		{"", GARP_CTR_NONE},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (garp_ctr_class(cases[i].name) != cases[i].class)
			fail_msg("%s: class %d, expected %d", cases[i].name,
				 garp_ctr_class(cases[i].name), cases[i].class);
}

/* libbpf 1.1 on a verifier refusal: one message holds the whole log. */
static void feed_refusal(int loglines, int newline_at_end)
{
	char log[8192];
	size_t off;

	bpflog_feed(LIBBPF_DEBUG, "libbpf: prog 'xdp_node': -- loading\n");
	bpflog_feed(LIBBPF_WARN, "libbpf: prog 'xdp_node': BPF program load failed: Permission "
				 "denied\n");
	off = (size_t)snprintf(log, sizeof(log),
			       "libbpf: prog 'xdp_node': -- BEGIN PROG LOAD "
			       "LOG --\n");
	for (int i = 0; i < loglines; i++)
		off += (size_t)snprintf(log + off, sizeof(log) - off, "%d: (85) call #%d\n", i, i);
	off += (size_t)snprintf(log + off, sizeof(log) - off,
				"infinite loop detected at insn 42\n"
				"processed 99 insns (limit 1000000)");
	snprintf(log + off, sizeof(log) - off, "%s-- END PROG LOAD LOG --\n",
		 newline_at_end ? "\n" : "");
	bpflog_feed(LIBBPF_WARN, log);
	bpflog_feed(LIBBPF_WARN, "libbpf: prog 'xdp_node': failed to load: -13\n");
	bpflog_feed(LIBBPF_WARN, "libbpf: failed to load object 'hbpf'\n");
	bpflog_feed(LIBBPF_WARN, "libbpf: failed to load BPF skeleton 'hbpf': -13\n");
}

static void test_verifier_refusal(void **state)
{
	struct bpflog_why w;

	(void)state;
	bpflog_reset();
	feed_refusal(40, 1);
	bpflog_why(&w);
	assert_int_equal(w.kind, BPFLOG_VERIFIER);
	assert_string_equal(w.prog, "xdp_node");
	assert_string_equal(w.load_err, "Permission denied");
	/* The last BPFLOG_TAIL lines of the log, oldest first, without the markers. */
	assert_int_equal(w.ntail, BPFLOG_TAIL);
	assert_string_equal(w.tail[BPFLOG_TAIL - 1], "processed 99 insns (limit 1000000)");
	assert_string_equal(w.tail[BPFLOG_TAIL - 2], "infinite loop detected at insn 42");
	assert_string_equal(w.tail[0], "27: (85) call #27");
	assert_string_equal(w.last_warn, "failed to load BPF skeleton 'hbpf': -13");
	assert_string_equal(w.pin_path, "");

	/* A short log, and one whose last line has no newline before the marker. */
	bpflog_reset();
	feed_refusal(1, 0);
	bpflog_why(&w);
	assert_int_equal(w.kind, BPFLOG_VERIFIER);
	assert_int_equal(w.ntail, 3);
	assert_string_equal(w.tail[0], "0: (85) call #0");
	assert_string_equal(w.tail[2], "processed 99 insns (limit 1000000)");

	/* reset forgets everything */
	bpflog_reset();
	bpflog_why(&w);
	assert_int_equal(w.kind, BPFLOG_NONE);
	assert_int_equal(w.ntail, 0);
	assert_string_equal(w.prog, "");
}

static void test_pinned_mismatch(void **state)
{
	struct bpflog_why w;

	(void)state;
	bpflog_reset();
	bpflog_feed(LIBBPF_DEBUG, "libbpf: map 'config': at sec_idx 7, offset 0.\n");
	bpflog_feed(LIBBPF_WARN, "libbpf: couldn't reuse pinned map at "
				 "'/sys/fs/bpf/hbpf/v2/config': parameter mismatch\n");
	bpflog_feed(LIBBPF_WARN, "libbpf: map 'config': error reusing pinned map\n");
	bpflog_feed(LIBBPF_WARN, "libbpf: map 'config': failed to create: Invalid argument(-22)\n");
	bpflog_why(&w);
	assert_int_equal(w.kind, BPFLOG_PINNED);
	assert_string_equal(w.pin_path, "/sys/fs/bpf/hbpf/v2/config");
	assert_int_equal(w.ntail, 0);

	/* Nothing pinned, some other failure: no blame on a pinned map. */
	bpflog_reset();
	bpflog_feed(LIBBPF_DEBUG, "libbpf: found no pinned map to reuse at "
				  "'/sys/fs/bpf/hbpf/v2/config'\n");
	bpflog_feed(LIBBPF_WARN, "libbpf: map 'events': failed to create: Operation not "
				 "permitted(-1)\n");
	bpflog_why(&w);
	assert_int_equal(w.kind, BPFLOG_NONE);
	assert_string_equal(w.pin_path, "");
	assert_string_equal(w.last_warn, "map 'events': failed to create: Operation not "
					 "permitted(-1)");
}

/* The netlink extack libbpf prints for a refused XDP attach. */
static void test_kernel_message(void **state)
{
	struct bpflog_why w;

	(void)state;
	bpflog_reset();
	bpflog_feed(LIBBPF_WARN, "libbpf: Kernel error message: veth: Peer MTU is too large to "
				 "set XDP\n");
	bpflog_why(&w);
	assert_string_equal(w.kmsg, "veth: Peer MTU is too large to set XDP");
	assert_int_equal(w.kind, BPFLOG_NONE);
}

static struct hbpf_features two_features(int timer_ok)
{
	struct hbpf_features fs;

	memset(&fs, 0, sizeof(fs));
	snprintf(fs.release, sizeof(fs.release), "6.1.0-28-amd64");
	fs.n = 3;
	snprintf(fs.f[0].name, sizeof(fs.f[0].name), "ring buffer maps");
	fs.f[0].since = "5.8";
	fs.f[0].required = 1;
	fs.f[0].ok = 1;
	snprintf(fs.f[1].name, sizeof(fs.f[1].name), "bpf_timer_init");
	fs.f[1].since = "5.15";
	fs.f[1].required = 1;
	fs.f[1].ok = timer_ok;
	snprintf(fs.f[2].name, sizeof(fs.f[2].name), "XDP live frames");
	fs.f[2].since = "5.18";
	fs.f[2].without = "gratuitous ARPs are sent through AF_PACKET instead";
	fs.f[2].ok = 0;
	fs.missing = !timer_ok;
	return fs;
}

static void test_features_line(void **state)
{
	struct hbpf_features fs;
	char line[512];

	(void)state;
	fs = two_features(1);
	features_summary(&fs, line, sizeof(line));
	assert_string_equal(line, "kernel 6.1.0-28-amd64: has what hbpf needs: ring buffer maps "
				  "(5.8), bpf_timer_init (5.15); optional XDP live frames (5.18): "
				  "absent, gratuitous ARPs are sent through AF_PACKET instead");
	assert_int_equal(features_require(&fs), 0);

	fs = two_features(0);
	features_summary(&fs, line, sizeof(line));
	assert_string_equal(line, "kernel 6.1.0-28-amd64 lacks bpf_timer_init (Linux 5.15 or "
				  "later): hbpfd cannot run on this kernel");
	assert_int_equal(features_require(&fs), -ENOTSUP);

	memset(&fs, 0, sizeof(fs));
	snprintf(fs.release, sizeof(fs.release), "6.1.0");
	fs.unprivileged = 1;
	features_summary(&fs, line, sizeof(line));
	assert_string_equal(line, "kernel 6.1.0: features not probed (needs root or CAP_BPF)");
	assert_int_equal(features_require(&fs), -EPERM);

	/* A short buffer is cut, not overrun. */
	fs = two_features(1);
	features_summary(&fs, line, 12);
	assert_string_equal(line, "kernel 6.1.");
}

/* Every helper the programs call has a name and a version in the table, so
 * a refusal names it ("bpf_loop (Linux 5.17 or later)"), not "helper #181". */
static void test_helper_table_covers_the_object(void **state)
{
	struct hbpf *skel = hbpf__open();
	struct bpf_program *prog;
	int calls = 0;

	(void)state;
	assert_non_null(skel);
	bpf_object__for_each_program (prog, skel->obj) {
		const struct bpf_insn *in = bpf_program__insns(prog);
		size_t n = bpf_program__insn_cnt(prog);

		for (size_t i = 0; i < n; i++) {
			const char *since = NULL;

			if (in[i].code != (BPF_JMP | BPF_CALL) || in[i].src_reg != 0)
				continue;
			calls++;
			if (!features_helper(in[i].imm, &since))
				fail_msg("program %s calls helper #%d, which user/bpffeat.c's "
					 "table does not know",
					 bpf_program__name(prog), in[i].imm);
			assert_non_null(since);
		}
	}
	assert_true(calls > 10);
	assert_string_equal(features_helper(BPF_FUNC_timer_init, NULL), "bpf_timer_init");
	assert_null(features_helper(100000, NULL));
	hbpf__destroy(skel);
}

static void test_mode_names(void **state)
{
	(void)state;
	assert_string_equal(xdp_cfg_mode_name(HBPF_XDP_AUTO), "auto");
	assert_string_equal(xdp_cfg_mode_name(HBPF_XDP_NATIVE), "native");
	assert_string_equal(xdp_cfg_mode_name(HBPF_XDP_GENERIC), "generic");
	assert_null(xdp_cfg_mode_name(3));
	assert_string_equal(xdp_attach_mode_name(XDP_ATTACHED_DRV), "native");
	assert_string_equal(xdp_attach_mode_name(XDP_ATTACHED_SKB), "generic");
	assert_string_equal(xdp_attach_mode_name(XDP_ATTACHED_HW), "offload");
	assert_string_equal(xdp_attach_mode_name(-1), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counter_names),
		cmocka_unit_test(test_verifier_refusal),
		cmocka_unit_test(test_pinned_mismatch),
		cmocka_unit_test(test_kernel_message),
		cmocka_unit_test(test_features_line),
		cmocka_unit_test(test_helper_table_covers_the_object),
		cmocka_unit_test(test_mode_names),
	};

	/* bpflog logs what it is fed; keep the test output to the results. */
	log_init("test_nic", 1, LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
