// SPDX-License-Identifier: GPL-2.0-only
/*
 * Heartbeat wire encode/decode.  The struct is packed and the buffer may come
 * straight from a socket at any alignment, so decode copies it out first.
 */
#include <endian.h>
#include <string.h>

#include "siphash.h"
#include "wire.h"

/* Drop reason r as the negative return value decode promises. */
#define WIRE_DROP(r) (-((r) + 1))

void hbpf_wire_encode(const struct hbpf_hb *hb, struct hbpf_wire *w)
{
	int i;

	memset(w, 0, sizeof(*w));
	w->magic = htobe32(HBPF_WIRE_MAGIC);
	w->version = HBPF_WIRE_VERSION;
	w->type = hb->type;
	w->src_node = hb->src_node;
	w->link = hb->link;
	w->cluster = htobe32(hb->cluster);
	w->seq = htobe32(hb->seq);
	w->orig_tx_ns = htobe64(hb->orig_tx_ns);
	w->flags = htobe32(hb->flags);
	w->daemon_age_us = htobe32(hb->daemon_age_us);
	w->restart_left_ms = htobe32(hb->restart_left_ms);
	w->owned = htobe32(hb->owned);
	w->handoff_set = hb->handoff_set;
	w->handoff_to = hb->handoff_to;
	w->move_set = hb->move_set;
	w->move_to = hb->move_to;
	for (i = 0; i < HBPF_MAX_SETS; i++)
		w->epoch[i] = htobe32(hb->epoch[i]);
	w->boot = htobe64(hb->boot);
}

void hbpf_wire_mac(const struct hbpf_wire *w, const struct hbpf_key *k, uint8_t mac[8])
{
	hbpf_siphash_bytes(hbpf_siphash24(k->key, w, HBPF_WIRE_MAC_LEN), mac);
}

void hbpf_wire_sign(struct hbpf_wire *w, const struct hbpf_key *k)
{
	w->keyid = k->keyid;
	hbpf_wire_mac(w, k, w->mac);
}

/* The key of ks named by keyid, or NULL. */
static const struct hbpf_key *find_key(const struct hbpf_keyset *ks, uint8_t keyid)
{
	for (int i = 0; i < ks->n && i < HBPF_MAX_KEYS; i++)
		if (keyid && ks->k[i].keyid == keyid)
			return &ks->k[i];
	return NULL;
}

int hbpf_wire_decode(const void *buf, size_t len, uint32_t cluster, int self,
		     const struct hbpf_keyset *ks, struct hbpf_hb *hb)
{
	const struct hbpf_key *k;
	struct hbpf_wire w;
	uint8_t mac[8];
	int i;

	/* Same order as the XDP program, so both count the same reason. */
	if (len < sizeof(w))
		return WIRE_DROP(HBPF_DROP_SHORT);
	if (len > sizeof(w))
		return WIRE_DROP(HBPF_DROP_SIZE);
	memcpy(&w, buf, sizeof(w));
	if (be32toh(w.magic) != HBPF_WIRE_MAGIC)
		return WIRE_DROP(HBPF_DROP_MAGIC);
	if (w.version != HBPF_WIRE_VERSION)
		return WIRE_DROP(HBPF_DROP_VERSION);
	if (be32toh(w.cluster) != cluster)
		return WIRE_DROP(HBPF_DROP_CLUSTER);
	if (w.type != HBPF_WT_HB && w.type != HBPF_WT_ECHO)
		return WIRE_DROP(HBPF_DROP_TYPE);
	if (w.src_node >= HBPF_MAX_NODES || w.src_node == self)
		return WIRE_DROP(HBPF_DROP_NODE);
	if (w.link >= HBPF_MAX_LINKS)
		return WIRE_DROP(HBPF_DROP_LINK);
	if (ks) {
		k = find_key(ks, w.keyid);
		if (!k)
			return WIRE_DROP(HBPF_DROP_KEY);
		hbpf_wire_mac(&w, k, mac);
		if (memcmp(mac, w.mac, sizeof(mac)))
			return WIRE_DROP(HBPF_DROP_MAC);
	}

	memset(hb, 0, sizeof(*hb));
	hb->type = w.type;
	hb->src_node = w.src_node;
	hb->link = w.link;
	hb->cluster = be32toh(w.cluster);
	hb->seq = be32toh(w.seq);
	hb->orig_tx_ns = be64toh(w.orig_tx_ns);
	hb->flags = be32toh(w.flags);
	hb->daemon_age_us = be32toh(w.daemon_age_us);
	hb->restart_left_ms = be32toh(w.restart_left_ms);
	hb->owned = be32toh(w.owned);
	hb->handoff_set = w.handoff_set;
	hb->handoff_to = w.handoff_to;
	hb->move_set = w.move_set;
	hb->move_to = w.move_to;
	for (i = 0; i < HBPF_MAX_SETS; i++)
		hb->epoch[i] = be32toh(w.epoch[i]);
	hb->keyid = w.keyid;
	hb->boot = be64toh(w.boot);
	memcpy(hb->mac, w.mac, sizeof(hb->mac));
	return 0;
}
