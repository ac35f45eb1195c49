/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Heartbeat wire encode/decode for userspace (the sender, tests, tools).
 * The XDP program parses struct hbpf_wire in place; this is the host-order
 * view of the same bytes and the validation rules both sides apply.
 */
#ifndef HBPF_WIRE_H
#define HBPF_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <hbpf/abi.h>

struct hbpf_hb {
	uint8_t type; /* HBPF_WT_* */
	uint8_t src_node;
	uint8_t link;
	uint32_t cluster;
	uint32_t seq;
	uint64_t orig_tx_ns;
	uint32_t flags;
	uint32_t daemon_age_us;
	uint32_t restart_left_ms;
	uint32_t owned;
	uint8_t handoff_set, handoff_to;
	uint8_t move_set, move_to;
	uint32_t epoch[HBPF_MAX_SETS];
};

/* Fill the wire struct from hb (magic, version set here; pad zeroed). */
void hbpf_wire_encode(const struct hbpf_hb *hb, struct hbpf_wire *w);

/*
 * Validate and decode len bytes of UDP payload.  Returns 0 or a negative
 * HBPF_DROP_* reason: -(HBPF_DROP_SHORT + 1) etc., i.e. the return value r < 0
 * means drop reason (-r - 1).  Checks, in order: length (< sizeof: SHORT,
 * > sizeof: SIZE), magic, version, cluster (against cluster), type, src_node
 * (< HBPF_MAX_NODES and != self), link (< HBPF_MAX_LINKS).
 */
int hbpf_wire_decode(const void *buf, size_t len, uint32_t cluster, int self, struct hbpf_hb *hb);

#endif /* HBPF_WIRE_H */
