/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Heartbeat wire encode/decode for userspace (the sender, tests, tools).
 * The XDP program parses struct hbpf_wire in place; this is the host-order
 * view of the same bytes and the validation rules both sides apply.  A
 * payload is HBPF_WIRE_LEN(nsets) bytes: the fixed struct, nsets epoch slots
 * and the MAC.
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
	uint32_t owned; /* bit s: src_node owns set s (s < nsets) */
	uint8_t handoff_set, handoff_to;
	uint8_t move_set, move_to;
	uint8_t nsets;		       /* epoch slots carried, 0..HBPF_MAX_SETS */
	uint32_t epoch[HBPF_MAX_SETS]; /* 31-bit epochs; [nsets..] not on the wire */
	uint8_t keyid;		       /* decode: the key that verified (encode: set by sign) */
	uint64_t boot;		       /* originator's daemon start, CLOCK_REALTIME ns */
	uint8_t mac[8];		       /* decode: as received */
};

/* Room for the longest payload, aligned for the fixed fields. */
union hbpf_wire_buf {
	struct hbpf_wire w;
	uint8_t b[HBPF_WIRE_MAX_LEN];
};

/* Payload length of an encoded packet (from its nsets), 0 if nsets > HBPF_MAX_SETS. */
size_t hbpf_wire_len(const struct hbpf_wire *w);

/*
 * Fill the payload at w (room for HBPF_WIRE_LEN(hb->nsets) bytes) from hb:
 * magic, version set here; keyid and mac zeroed.  Returns the payload
 * length, or 0 (nothing written) when hb cannot be put on the wire: nsets >
 * HBPF_MAX_SETS, an owned set without its slot (>= nsets), an epoch above
 * HBPF_WIRE_EPOCH_MASK.
 */
size_t hbpf_wire_encode(const struct hbpf_hb *hb, struct hbpf_wire *w);

/* Set keyid and the MAC of an encoded packet with key k (the send key).
 * -EINVAL (nothing written) when its nsets is out of range. */
int hbpf_wire_sign(struct hbpf_wire *w, const struct hbpf_key *k);

/* The MAC a packet should carry under k (the bytes before the MAC);
 * -EINVAL when its nsets is out of range. */
int hbpf_wire_mac(const struct hbpf_wire *w, const struct hbpf_key *k, uint8_t mac[8]);

/*
 * Validate and decode len bytes of UDP payload.  Returns 0 or a negative
 * HBPF_DROP_* reason: -(HBPF_DROP_SHORT + 1) etc., i.e. the return value r < 0
 * means drop reason (-r - 1).  Checks, in order, as the XDP program does:
 * the fixed part is there (else SHORT), magic, version, nsets (above
 * HBPF_MAX_SETS: SIZE), length against HBPF_WIRE_LEN(nsets) (less: SHORT,
 * more: SIZE), cluster (against cluster), type, src_node (< HBPF_MAX_NODES
 * and != self), link (< HBPF_MAX_LINKS), then, when ks is not NULL, the keyid
 * (one of ks: else KEY) and the MAC (else MAC).  Replay needs per-peer state
 * and is the receiver's business (the XDP program).
 */
int hbpf_wire_decode(const void *buf, size_t len, uint32_t cluster, int self,
		     const struct hbpf_keyset *ks, struct hbpf_hb *hb);

#endif /* HBPF_WIRE_H */
