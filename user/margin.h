/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Timer margin: does the configured detection time (interval x detect-mult)
 * leave room for what a heartbeat link measures?  A peer is declared dead
 * after detect of silence on every link, so the gaps between its packets
 * must stay well inside detect: on a virtual machine (vCPU steal, an
 * emulated NIC) or a loaded host the default 1 ms x 3 does not, and the
 * kernels flap, each taking the sets in turn.  hbpfd judges every link it
 * hears (at start and every few seconds, logged on each change) and
 * `hbpfctl status` shows the same verdict, the way BFD sessions settle on
 * intervals both ends can hold.
 */
#ifndef HBPF_MARGIN_H
#define HBPF_MARGIN_H

#include <stddef.h>
#include <stdint.h>

struct margin {
	uint64_t detect_ns;    /* interval x detect-mult */
	uint64_t need_ns;      /* expected worst gap: interval + 4 x jitter, or the RTT if longer */
	uint32_t suggest_mult; /* a detect-mult that leaves half of detect spare (max 100) */
	int tight;	       /* need_ns is more than half of detect_ns */
};

/*
 * Judge one link from its smoothed RTT and inter-arrival jitter (the links
 * map's rtt_avg_ns and jitter_ns).  The jitter is a mean deviation, so
 * 4 x jitter past the interval covers the long gaps; twice that must fit in
 * detect.  An RTT longer than half of detect means echoes arrive too late to
 * speak for the peer (past 2 x detect they are dropped as stale_echo).
 */
void margin_judge(uint64_t interval_ns, uint32_t detect_mult, uint64_t rtt_avg_ns,
		  uint64_t jitter_ns, struct margin *m);

/*
 * A link whose last packet is older than MARGIN_FRESH_NS says nothing about
 * the timers.  The kernel may stamp last_seen_ns after the caller read its
 * clock, so a stamp ahead of now is fresh, never "2^64 ns old".
 */
#define MARGIN_FRESH_NS (10ull * 1000000000ull)
int margin_fresh(uint64_t now_ns, uint64_t last_seen_ns);

/* One line for logs and status: "jitter 1.20 ms, rtt 0.30 ms: ...". */
int margin_format(const struct margin *m, uint64_t rtt_avg_ns, uint64_t jitter_ns, char *buf,
		  size_t len);

#endif /* HBPF_MARGIN_H */
