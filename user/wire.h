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
#include "keyfile.h"

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
	uint8_t keyid;	/* decode: the key that verified (encode: set by sign) */
	uint64_t boot;	/* originator's daemon start, CLOCK_REALTIME ns */
	uint8_t mac[8]; /* decode: as received */
};

/* Fill the wire struct from hb (magic, version set here; pad, keyid, mac zeroed). */
void hbpf_wire_encode(const struct hbpf_hb *hb, struct hbpf_wire *w);

/* Set keyid and the MAC of an encoded packet with key k (the send key). */
void hbpf_wire_sign(struct hbpf_wire *w, const struct hbpf_key *k);

/* The MAC a packet should carry under k (the bytes before the mac field). */
void hbpf_wire_mac(const struct hbpf_wire *w, const struct hbpf_key *k, uint8_t mac[8]);

/*
 * Validate and decode len bytes of UDP payload.  Returns 0 or a negative
 * HBPF_DROP_* reason: -(HBPF_DROP_SHORT + 1) etc., i.e. the return value r < 0
 * means drop reason (-r - 1).  Checks, in order: length (< sizeof: SHORT,
 * > sizeof: SIZE), magic, version, cluster (against cluster), type, src_node
 * (< HBPF_MAX_NODES and != self), link (< HBPF_MAX_LINKS), then, when ks is
 * not NULL, the keyid (one of ks: else KEY) and the MAC (else MAC).  Replay
 * needs per-peer state and is the receiver's business (the XDP program).
 */
int hbpf_wire_decode(const void *buf, size_t len, uint32_t cluster, int self,
		     const struct hbpf_keyset *ks, struct hbpf_hb *hb);

#endif /* HBPF_WIRE_H */
