// SPDX-License-Identifier: GPL-2.0-only
/*
 * Heartbeat wire encode/decode.  The struct is packed and the buffer may come
 * straight from a socket at any alignment, so decode copies it out first.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "siphash.h"
#include "wire.h"

/* Drop reason r as the negative return value decode promises. */
#define WIRE_DROP(r) (-((r) + 1))

size_t hbpf_wire_len(const struct hbpf_wire *w)
{
	return w->nsets > HBPF_MAX_SETS ? 0 : HBPF_WIRE_LEN(w->nsets);
}

size_t hbpf_wire_encode(const struct hbpf_hb *hb, struct hbpf_wire *w)
{
	size_t len;
	int i;

	/* Every owned set needs its slot, and every epoch fits in 31 bits. */
	if (hb->nsets > HBPF_MAX_SETS || (hb->nsets < HBPF_MAX_SETS && (hb->owned >> hb->nsets)))
		return 0;
	for (i = 0; i < hb->nsets; i++)
		if (hb->epoch[i] > HBPF_WIRE_EPOCH_MASK)
			return 0;
	len = HBPF_WIRE_LEN(hb->nsets);
	memset(w, 0, len);
	w->magic = htobe32(HBPF_WIRE_MAGIC);
	w->version = HBPF_WIRE_VERSION;
	w->link = hb->link;
	w->nsets = hb->nsets;
	w->cluster = htobe32(hb->cluster);
	w->seq = htobe32(hb->seq);
	w->orig_tx_ns = htobe64(hb->orig_tx_ns);
	w->boot = htobe64(hb->boot);
	w->type = hb->type;
	w->src_node = hb->src_node;
	w->handoff_set = hb->handoff_set;
	w->handoff_to = hb->handoff_to;
	w->move_set = hb->move_set;
	w->move_to = hb->move_to;
	w->flags = htobe32(hb->flags);
	w->daemon_age_us = htobe32(hb->daemon_age_us);
	for (i = 0; i < hb->nsets; i++)
		w->epoch[i] = htobe32(hb->epoch[i] | (hb->owned & (1u << i) ? HBPF_WIRE_OWNED : 0));
	return len;
}

int hbpf_wire_mac(const struct hbpf_wire *w, const struct hbpf_key *k, uint8_t mac[8])
{
	if (w->nsets > HBPF_MAX_SETS)
		return -EINVAL;
	hbpf_siphash_bytes(hbpf_siphash24(k->key, w, HBPF_WIRE_MAC_OFF(w->nsets)), mac);
	return 0;
}

int hbpf_wire_sign(struct hbpf_wire *w, const struct hbpf_key *k)
{
	if (w->nsets > HBPF_MAX_SETS)
		return -EINVAL;
	w->keyid = k->keyid;
	return hbpf_wire_mac(w, k, (uint8_t *)w + HBPF_WIRE_MAC_OFF(w->nsets));
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
	union hbpf_wire_buf b;
	const struct hbpf_wire *w = &b.w;
	size_t want;
	uint8_t mac[8];
	int i;

	/* Same order as the XDP program, so both count the same reason. */
	if (len < sizeof(*w))
		return WIRE_DROP(HBPF_DROP_SHORT);
	memcpy(&b, buf, sizeof(*w));
	if (be32toh(w->magic) != HBPF_WIRE_MAGIC)
		return WIRE_DROP(HBPF_DROP_MAGIC);
	if (w->version != HBPF_WIRE_VERSION)
		return WIRE_DROP(HBPF_DROP_VERSION);
	if (w->nsets > HBPF_MAX_SETS)
		return WIRE_DROP(HBPF_DROP_SIZE);
	want = HBPF_WIRE_LEN(w->nsets);
	if (len < want)
		return WIRE_DROP(HBPF_DROP_SHORT);
	if (len > want)
		return WIRE_DROP(HBPF_DROP_SIZE);
	memcpy(&b, buf, want);
	if (be32toh(w->cluster) != cluster)
		return WIRE_DROP(HBPF_DROP_CLUSTER);
	if (w->type != HBPF_WT_HB && w->type != HBPF_WT_ECHO)
		return WIRE_DROP(HBPF_DROP_TYPE);
	if (w->src_node >= HBPF_MAX_NODES || w->src_node == self)
		return WIRE_DROP(HBPF_DROP_NODE);
	if (w->link >= HBPF_MAX_LINKS)
		return WIRE_DROP(HBPF_DROP_LINK);
	if (ks) {
		k = find_key(ks, w->keyid);
		if (!k)
			return WIRE_DROP(HBPF_DROP_KEY);
		hbpf_wire_mac(w, k, mac);
		if (memcmp(mac, b.b + HBPF_WIRE_MAC_OFF(w->nsets), sizeof(mac)))
			return WIRE_DROP(HBPF_DROP_MAC);
	}

	memset(hb, 0, sizeof(*hb));
	hb->type = w->type;
	hb->src_node = w->src_node;
	hb->link = w->link;
	hb->cluster = be32toh(w->cluster);
	hb->seq = be32toh(w->seq);
	hb->orig_tx_ns = be64toh(w->orig_tx_ns);
	hb->flags = be32toh(w->flags);
	hb->daemon_age_us = be32toh(w->daemon_age_us);
	hb->handoff_set = w->handoff_set;
	hb->handoff_to = w->handoff_to;
	hb->move_set = w->move_set;
	hb->move_to = w->move_to;
	hb->nsets = w->nsets;
	for (i = 0; i < w->nsets; i++) {
		uint32_t slot = be32toh(w->epoch[i]);

		hb->epoch[i] = slot & HBPF_WIRE_EPOCH_MASK;
		if (slot & HBPF_WIRE_OWNED)
			hb->owned |= 1u << i;
	}
	hb->keyid = w->keyid;
	hb->boot = be64toh(w->boot);
	memcpy(hb->mac, b.b + HBPF_WIRE_MAC_OFF(w->nsets), sizeof(hb->mac));
	return 0;
}
