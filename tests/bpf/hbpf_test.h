/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared fixture for the BPF tests: load the hbpf skeleton without pins,
 * fill the maps with a small three-node cluster, craft frames, run programs
 * through BPF_PROG_TEST_RUN and read maps and ring-buffer events back.
 *
 * The cluster seen from node 1 (self):
 *   nodes 0, 1, 2 configured; 2 heartbeat links; port 7201; cluster 0xc1;
 *   set 0: VIP 198.18.0.100, VMAC 02:00:c6:12:00:64, auto, prio 2,1  - not owned
 *   set 1: VIP 198.18.0.101, VMAC 02:00:c6:12:00:65, auto, prio 1,2  - owned, epoch 5
 *   interface 1 (lo, the default ingress of XDP test runs) is public.
 *   keys: slot 0 keyid 7 (sends), slot 1 keyid 9 (rollover); every crafted
 *   heartbeat is signed with key 7 unless it names another keyid, and
 *   carries all HBPF_MAX_SETS epoch slots unless its nsets says fewer (the
 *   owned bits and epochs of the sets beyond are not on the wire).
 */
#ifndef HBPF_TEST_H
#define HBPF_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>

#include <hbpf/abi.h>
#include "hbpf.skel.h"
#include "siphash.h"

#define T_SELF 1
#define T_PEER 2
#define T_CLUSTER 0xc1u
#define T_PORT 7201
#define T_IFINDEX 1 /* loopback: where XDP test runs are received */
#define T_MAX_EVENTS 64
#define T_FRAME_MAX 512
#define T_KEYID 7	     /* slot 0: the send key */
#define T_KEYID2 9	     /* slot 1: the rollover key */
#define T_BOOT 1000000000ull /* default boot value of crafted heartbeats */

#define T_VIP0 0xc6120064u	 /* 198.18.0.100, host order */
#define T_VIP1 0xc6120065u	 /* 198.18.0.101 */
#define T_FOREIGN_IP 0xc6120102u /* 198.18.1.2, peer's own address */
#define T_SELF_IP 0xc6120101u	 /* 198.18.1.1 */

static const uint8_t t_vmac0[6] = {0x02, 0x00, 0xc6, 0x12, 0x00, 0x64};
static const uint8_t t_vmac1[6] = {0x02, 0x00, 0xc6, 0x12, 0x00, 0x65};
static const uint8_t t_if_mac[6] = {0x02, 0xaa, 0x00, 0x00, 0x00, 0x01};
static const uint8_t t_peer_mac[6] = {0x02, 0xaa, 0x00, 0x00, 0x00, 0x02};
static const uint8_t t_client_mac[6] = {0x02, 0xcc, 0x00, 0x00, 0x00, 0x09};
static const uint8_t t_key[16] = {0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
				  0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
static const uint8_t t_key2[16] = {0xa5, 0x5a, 0xa5, 0x5a, 0x11, 0x22, 0x33, 0x44,
				   0x55, 0x66, 0x77, 0x88, 0x99, 0x00, 0xaa, 0xbb};

struct fix {
	struct hbpf *skel;
	struct ring_buffer *rb;
	struct hbpf_event ev[T_MAX_EVENTS];
	int nev;
	int ncpu;
};

/* ARP on the wire, for building and checking frames. */
struct t_arp {
	uint16_t htype, ptype;
	uint8_t hlen, plen;
	uint16_t op;
	uint8_t sha[6];
	uint32_t spa;
	uint8_t tha[6];
	uint32_t tpa;
} __attribute__((packed));

/* Host-order description of a heartbeat to craft. */
struct t_hb {
	uint8_t type, src, link;
	uint32_t seq, flags, age_us;
	uint32_t restart_ms; /* restart grace left: 0 clears HBPF_WF_RESTARTING */
	uint32_t owned;	     /* bit s: HBPF_WIRE_OWNED in set s's slot (s < nsets) */
	uint64_t orig_tx_ns;
	uint8_t handoff_set, handoff_to, move_set, move_to;
	uint32_t epoch[HBPF_MAX_SETS]; /* the rest of set s's slot */
	uint8_t keyid;		       /* key named and used to sign; 0 = T_KEYID */
	uint64_t boot;
	/* Epoch slots carried (t_hb_default: HBPF_MAX_SETS).  A value beyond
	 * HBPF_MAX_SETS builds a maximum-length frame that claims it. */
	uint8_t nsets;
};

static inline uint64_t t_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void t_sleep_ms(unsigned int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static inline int t_fd(struct bpf_map *m)
{
	return bpf_map__fd(m);
}

static inline int t_on_event(void *ctx, void *data, size_t len)
{
	struct fix *f = ctx;

	if (len >= sizeof(struct hbpf_event) && f->nev < T_MAX_EVENTS)
		memcpy(&f->ev[f->nev++], data, sizeof(struct hbpf_event));
	return 0;
}

/* Collect what the ring buffer holds now into f->ev (appending). */
static inline void t_drain(struct fix *f)
{
	ring_buffer__consume(f->rb);
}

/* Number of collected events of type (and set, when set >= 0). */
static inline int t_count_ev(struct fix *f, uint32_t type, int set)
{
	int n = 0;

	for (int i = 0; i < f->nev; i++)
		if (f->ev[i].type == type && (set < 0 || f->ev[i].set == set))
			n++;
	return n;
}

static inline const struct hbpf_event *t_find_ev(struct fix *f, uint32_t type)
{
	for (int i = 0; i < f->nev; i++)
		if (f->ev[i].type == type)
			return &f->ev[i];
	return NULL;
}

static inline void t_get_cfg(struct fix *f, struct hbpf_cfg *c)
{
	uint32_t k = 0;

	assert_int_equal(bpf_map_lookup_elem(t_fd(f->skel->maps.config), &k, c), 0);
}

static inline void t_put_cfg(struct fix *f, const struct hbpf_cfg *c)
{
	uint32_t k = 0;

	assert_int_equal(bpf_map_update_elem(t_fd(f->skel->maps.config), &k, c, BPF_ANY), 0);
}

static inline void t_get_local(struct fix *f, struct hbpf_local *l)
{
	uint32_t k = 0;

	assert_int_equal(bpf_map_lookup_elem(t_fd(f->skel->maps.local), &k, l), 0);
}

static inline void t_put_local(struct fix *f, const struct hbpf_local *l)
{
	uint32_t k = 0;

	assert_int_equal(bpf_map_update_elem(t_fd(f->skel->maps.local), &k, l, BPF_ANY), 0);
}

/*
 * Sleep ms while this node's sender keeps sending (last_tx_ns fresh every
 * millisecond, as the daemon's sender thread keeps it): the peer deadline
 * judges a peer's silence only then.
 */
static inline void t_sleep_sending(struct fix *f, unsigned int ms)
{
	uint64_t until = t_now() + (uint64_t)ms * 1000000ull;
	struct hbpf_local l;

	do {
		t_get_local(f, &l);
		l.last_tx_ns = t_now();
		t_put_local(f, &l);
		t_sleep_ms(1);
	} while (t_now() < until);
}

static inline void t_get_set(struct fix *f, uint32_t s, struct hbpf_set *v)
{
	assert_int_equal(bpf_map_lookup_elem(t_fd(f->skel->maps.sets), &s, v), 0);
}

static inline void t_put_set(struct fix *f, uint32_t s, const struct hbpf_set *v)
{
	assert_int_equal(bpf_map_update_elem(t_fd(f->skel->maps.sets), &s, v, BPF_ANY), 0);
}

static inline void t_get_peer(struct fix *f, uint32_t n, struct hbpf_peer *v)
{
	assert_int_equal(bpf_map_lookup_elem(t_fd(f->skel->maps.peers), &n, v), 0);
}

static inline void t_get_link(struct fix *f, uint32_t peer, uint32_t link, struct hbpf_link *v)
{
	uint32_t k = peer * HBPF_MAX_LINKS + link;

	assert_int_equal(bpf_map_lookup_elem(t_fd(f->skel->maps.links), &k, v), 0);
}

/* Sum of a per-CPU counter over all CPUs. */
static inline uint64_t t_percpu(struct fix *f, struct bpf_map *m, uint32_t idx)
{
	uint64_t vals[f->ncpu], sum = 0;

	assert_int_equal(bpf_map_lookup_elem(t_fd(m), &idx, vals), 0);
	for (int i = 0; i < f->ncpu; i++)
		sum += vals[i];
	return sum;
}

static inline uint64_t t_drop(struct fix *f, uint32_t reason)
{
	return t_percpu(f, f->skel->maps.drops, reason);
}

static inline uint64_t t_stat(struct fix *f, uint32_t idx)
{
	return t_percpu(f, f->skel->maps.stats, idx);
}

static inline uint64_t t_drops_total(struct fix *f)
{
	uint64_t sum = 0;

	for (uint32_t r = 0; r < HBPF_DROP_MAX; r++)
		sum += t_drop(f, r);
	return sum;
}

/* Value of the BPF-internal "hb_win" map (bpf/maps.bpf.h). */
struct t_win {
	uint64_t boot, echo_tx_ns;
	uint32_t seq, pad;
};

/* The whole content of the state maps, to prove a packet changed nothing. */
struct t_snap {
	struct hbpf_peer peers[HBPF_MAX_NODES];
	struct hbpf_link links[HBPF_MAX_NODES * HBPF_MAX_LINKS];
	struct hbpf_set sets[HBPF_MAX_SETS];
	uint64_t hb_prev[HBPF_MAX_NODES * HBPF_MAX_LINKS];
	struct t_win win[HBPF_MAX_NODES * HBPF_MAX_LINKS];
	struct hbpf_local local;
};

static inline void t_snapshot(struct fix *f, struct t_snap *s)
{
	memset(s, 0, sizeof(*s));
	for (uint32_t i = 0; i < HBPF_MAX_NODES; i++)
		t_get_peer(f, i, &s->peers[i]);
	for (uint32_t i = 0; i < HBPF_MAX_NODES * HBPF_MAX_LINKS; i++) {
		assert_int_equal(bpf_map_lookup_elem(t_fd(f->skel->maps.links), &i, &s->links[i]),
				 0);
		assert_int_equal(
			bpf_map_lookup_elem(t_fd(f->skel->maps.hb_prev), &i, &s->hb_prev[i]), 0);
		assert_int_equal(bpf_map_lookup_elem(t_fd(f->skel->maps.hb_win), &i, &s->win[i]),
				 0);
	}
	for (uint32_t i = 0; i < HBPF_MAX_SETS; i++)
		t_get_set(f, i, &s->sets[i]);
	t_get_local(f, &s->local);
}

static inline void t_add_vip(struct fix *f, uint32_t ip_host, uint32_t set)
{
	struct hbpf_vip_key k = {.addr = htonl(ip_host)};
	struct hbpf_vip v = {.set = set, .ifindex = T_IFINDEX};

	assert_int_equal(bpf_map_update_elem(t_fd(f->skel->maps.vips), &k, &v, BPF_ANY), 0);
}

static inline void t_add_vmac(struct fix *f, const uint8_t *mac, uint32_t set)
{
	struct hbpf_mac_key k;

	memset(&k, 0, sizeof(k));
	memcpy(k.mac, mac, 6);
	assert_int_equal(bpf_map_update_elem(t_fd(f->skel->maps.vmacs), &k, &set, BPF_ANY), 0);
}

static inline void t_set_iface_public(struct fix *f, int public)
{
	struct hbpf_iface ifc;
	uint32_t k = T_IFINDEX;

	memset(&ifc, 0, sizeof(ifc));
	memcpy(ifc.mac, t_if_mac, 6);
	ifc.link = 1;
	ifc.public = (uint8_t) public;
	assert_int_equal(bpf_map_update_elem(t_fd(f->skel->maps.ifaces), &k, &ifc, BPF_ANY), 0);
}

static inline void t_make_set(struct hbpf_set *s, const uint8_t *vmac, uint8_t first,
			      uint8_t second, int owned, uint32_t epoch)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->vmac, vmac, 6);
	memset(s->prio, 0xff, sizeof(s->prio));
	s->prio[0] = first;
	s->prio[1] = second;
	s->flags = HBPF_SF_CONFIGURED | HBPF_SF_AUTO;
	s->owned = (uint8_t)owned;
	s->owner = owned ? T_SELF : HBPF_NODE_NONE;
	s->epoch = epoch;
}

/* Fill key slot (0 sends, 1 rollover); keyid 0 empties it. */
static inline void t_put_key(struct fix *f, uint32_t slot, uint8_t keyid, const uint8_t *key)
{
	struct hbpf_key k;

	memset(&k, 0, sizeof(k));
	k.keyid = keyid;
	if (keyid)
		memcpy(k.key, key, 16);
	assert_int_equal(bpf_map_update_elem(t_fd(f->skel->maps.keys), &slot, &k, BPF_ANY), 0);
}

/*
 * The object is loaded once per test binary and shared by its tests: a load
 * means a full verification of every program, seconds each on an emulated
 * 6.1 guest (make vmtest), and the verdict is the same every time.  Each
 * test starts from a state as clean as a fresh load: t_maps_reset.
 */
static struct hbpf *t_skel_shared;

static void t_skel_put(void)
{
	hbpf__destroy(t_skel_shared);
	t_skel_shared = NULL;
}

static inline struct hbpf *t_skel_get(void)
{
	if (t_skel_shared)
		return t_skel_shared;
	t_skel_shared = hbpf__open_and_load();
	if (!t_skel_shared) {
		fprintf(stderr, "hbpf__open_and_load: %s (BPF tests need root)\n", strerror(errno));
		return NULL;
	}
	atexit(t_skel_put);
	return t_skel_shared;
}

static inline int t_noop_event(void *ctx, void *data, size_t len)
{
	(void)ctx;
	(void)data;
	(void)len;
	return 0;
}

/*
 * Every map back to what a fresh load has: array entries written with zeros
 * (which also cancels and frees a bpf_timer they hold, so no callback of an
 * earlier test fires in this one), hash maps emptied, and the ring buffer's
 * leftover events consumed unseen.
 */
static inline int t_maps_reset(struct fix *f)
{
	struct bpf_map *m;
	struct ring_buffer *rb;

	bpf_object__for_each_map (m, f->skel->obj) {
		enum bpf_map_type type = bpf_map__type(m);
		size_t vsz = bpf_map__value_size(m);
		int fd = bpf_map__fd(m);
		void *zero;

		if (type == BPF_MAP_TYPE_RINGBUF) {
			rb = ring_buffer__new(fd, t_noop_event, NULL, NULL);
			if (!rb)
				return -1;
			ring_buffer__consume(rb);
			ring_buffer__free(rb);
			continue;
		}
		if (type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH)
			vsz = ((vsz + 7) & ~(size_t)7) * (size_t)f->ncpu;
		zero = calloc(1, vsz);
		if (!zero)
			return -1;
		if (type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY) {
			for (uint32_t k = 0; k < bpf_map__max_entries(m); k++)
				if (bpf_map_update_elem(fd, &k, zero, BPF_ANY)) {
					free(zero);
					return -1;
				}
		} else {
			uint8_t key[64];

			if (bpf_map__key_size(m) > sizeof(key)) {
				free(zero);
				return -1;
			}
			while (!bpf_map_get_next_key(fd, NULL, key))
				if (bpf_map_delete_elem(fd, key))
					break;
		}
		free(zero);
	}
	return 0;
}

static inline int t_setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	struct hbpf_cfg c;
	struct hbpf_local l;
	struct hbpf_set s;

	if (!f)
		return -1;
	f->ncpu = libbpf_num_possible_cpus();
	f->skel = t_skel_get();
	if (!f->skel) {
		free(f);
		return -1;
	}
	f->rb = ring_buffer__new(t_fd(f->skel->maps.events), t_on_event, f, NULL);
	if (!f->rb || t_maps_reset(f)) {
		if (f->rb)
			ring_buffer__free(f->rb);
		free(f);
		return -1;
	}
	*state = f;

	memset(&c, 0, sizeof(c));
	c.cluster = T_CLUSTER;
	c.self = T_SELF;
	c.nlinks = 2;
	c.port = T_PORT;
	c.interval_ns = 5000000;
	c.detect_ns = 20000000;
	c.daemon_dead_ns = 500000000;
	c.demote_ns = 400000000;
	c.nodes_mask = 0x7;
	c.auto_mask = 0x3;
	t_put_cfg(f, &c);

	memset(&l, 0, sizeof(l));
	l.stamp_ns = t_now();
	l.pid = 4242;
	l.flags = HBPF_WF_DAEMON_UP | HBPF_WF_PUBLIC_UP;
	t_put_local(f, &l);

	t_make_set(&s, t_vmac0, T_PEER, T_SELF, 0, 0);
	t_put_set(f, 0, &s);
	t_make_set(&s, t_vmac1, T_SELF, T_PEER, 1, 5);
	t_put_set(f, 1, &s);
	t_add_vip(f, T_VIP0, 0);
	t_add_vip(f, T_VIP1, 1);
	t_add_vmac(f, t_vmac0, 0);
	t_add_vmac(f, t_vmac1, 1);
	t_set_iface_public(f, 1);
	t_put_key(f, 0, T_KEYID, t_key);
	t_put_key(f, 1, T_KEYID2, t_key2);
	return 0;
}

static inline int t_teardown(void **state)
{
	struct fix *f = *state;

	ring_buffer__free(f->rb);
	free(f);
	return 0;
}

static inline uint16_t t_ip_csum(const void *hdr, size_t len)
{
	const uint8_t *p = hdr;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/* A heartbeat from T_PEER on link 1 with neutral defaults. */
static inline struct t_hb t_hb_default(uint8_t type, uint32_t seq)
{
	struct t_hb h;

	memset(&h, 0, sizeof(h));
	h.type = type;
	h.src = T_PEER;
	h.link = 1;
	h.seq = seq;
	h.flags = HBPF_WF_DAEMON_UP | HBPF_WF_PUBLIC_UP;
	h.age_us = 1000;
	/* An ECHO must carry one of our recent send times; an HB's is opaque. */
	h.orig_tx_ns = type == HBPF_WT_ECHO ? t_now() - 1000000 : 123456789ull;
	h.handoff_set = h.handoff_to = h.move_set = h.move_to = HBPF_NODE_NONE;
	h.boot = T_BOOT;
	h.nsets = HBPF_MAX_SETS;
	return h;
}

/* The key bytes of keyid as the fixture installs them (unknown ids: t_key). */
static inline const uint8_t *t_key_of(uint8_t keyid)
{
	return keyid == T_KEYID2 ? t_key2 : t_key;
}

/* Epoch slots a payload claiming nsets has (at most HBPF_MAX_SETS). */
static inline unsigned int t_slots(unsigned int nsets)
{
	return nsets > HBPF_MAX_SETS ? HBPF_MAX_SETS : nsets;
}

/* Where the MAC of a crafted packet sits (after its epoch slots). */
static inline uint8_t *t_mac(struct hbpf_wire *w)
{
	return (uint8_t *)w + HBPF_WIRE_MAC_OFF(t_slots(w->nsets));
}

/* Payload length of a crafted packet. */
static inline size_t t_wire_len(const struct hbpf_wire *w)
{
	return HBPF_WIRE_LEN(t_slots(w->nsets));
}

/* (Re)compute the MAC of a crafted packet with the key keyid names. */
static inline void t_sign(struct hbpf_wire *w)
{
	uint32_t n = t_slots(w->nsets);

	hbpf_siphash_bytes(hbpf_siphash24(t_key_of(w->keyid), w, HBPF_WIRE_MAC_OFF(n)),
			   (uint8_t *)w + HBPF_WIRE_MAC_OFF(n));
}

/*
 * Ethernet + IPv4 + UDP + heartbeat (struct hbpf_wire, h->nsets epoch slots
 * and the MAC) from T_PEER to us, signed.  Returns the frame length.  `w`
 * points into buf for callers that corrupt fields (t_sign() again to get
 * past the MAC check).
 */
static inline size_t t_build_hb(uint8_t *buf, const struct t_hb *h, struct hbpf_wire **wp)
{
	struct ethhdr *eth = (void *)buf;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);
	struct hbpf_wire *w = (void *)(udp + 1);
	uint32_t n = t_slots(h->nsets);
	size_t len = sizeof(*eth) + sizeof(*ip) + sizeof(*udp) + HBPF_WIRE_LEN(n);

	memset(buf, 0, len);
	memcpy(eth->h_dest, t_if_mac, 6);
	memcpy(eth->h_source, t_peer_mac, 6);
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons((uint16_t)(len - sizeof(*eth)));
	ip->saddr = htonl(T_FOREIGN_IP);
	ip->daddr = htonl(T_SELF_IP);
	ip->check = t_ip_csum(ip, sizeof(*ip));
	udp->source = htons(40000);
	udp->dest = htons(T_PORT);
	udp->len = htons((uint16_t)(sizeof(*udp) + HBPF_WIRE_LEN(n)));
	udp->check = htons(0x1234);
	w->magic = htonl(HBPF_WIRE_MAGIC);
	w->version = HBPF_WIRE_VERSION;
	w->type = h->type;
	w->src_node = h->src;
	w->link = h->link;
	w->cluster = htonl(T_CLUSTER);
	w->seq = htonl(h->seq);
	w->orig_tx_ns = htobe64(h->orig_tx_ns);
	/* A sender announces a restart only while its grace lasts. */
	w->flags = htonl(h->restart_ms ? h->flags : h->flags & ~HBPF_WF_RESTARTING);
	w->daemon_age_us = htonl(h->age_us);
	w->handoff_set = h->handoff_set;
	w->handoff_to = h->handoff_to;
	w->move_set = h->move_set;
	w->move_to = h->move_to;
	w->nsets = h->nsets;
	for (uint32_t i = 0; i < n; i++)
		w->epoch[i] = htonl(h->epoch[i] | (h->owned & (1u << i) ? HBPF_WIRE_OWNED : 0));
	w->keyid = h->keyid ? h->keyid : T_KEYID;
	w->boot = htobe64(h->boot);
	t_sign(w);
	if (wp)
		*wp = w;
	return len;
}

/* Ethernet + ARP.  Returns the frame length (42). */
static inline size_t t_build_arp(uint8_t *buf, const uint8_t *eth_dst, const uint8_t *sha,
				 uint16_t op, uint32_t spa_host, const uint8_t *tha,
				 uint32_t tpa_host)
{
	struct ethhdr *eth = (void *)buf;
	struct t_arp *a = (void *)(eth + 1);

	memset(buf, 0, sizeof(*eth) + sizeof(*a));
	memcpy(eth->h_dest, eth_dst, 6);
	memcpy(eth->h_source, sha, 6);
	eth->h_proto = htons(ETH_P_ARP);
	a->htype = htons(1);
	a->ptype = htons(ETH_P_IP);
	a->hlen = 6;
	a->plen = 4;
	a->op = htons(op);
	memcpy(a->sha, sha, 6);
	a->spa = htonl(spa_host);
	memcpy(a->tha, tha, 6);
	a->tpa = htonl(tpa_host);
	return sizeof(*eth) + sizeof(*a);
}

/* Ethernet + IPv4 (+ 8 bytes of UDP-ish payload).  Returns the length. */
static inline size_t t_build_ip(uint8_t *buf, const uint8_t *dst, const uint8_t *src,
				uint32_t saddr_host, uint32_t daddr_host)
{
	struct ethhdr *eth = (void *)buf;
	struct iphdr *ip = (void *)(eth + 1);
	size_t len = sizeof(*eth) + sizeof(*ip) + 8;

	memset(buf, 0, len);
	memcpy(eth->h_dest, dst, 6);
	memcpy(eth->h_source, src, 6);
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons((uint16_t)(len - sizeof(*eth)));
	ip->saddr = htonl(saddr_host);
	ip->daddr = htonl(daddr_host);
	ip->check = t_ip_csum(ip, sizeof(*ip));
	return len;
}

/*
 * Run prog once on in[0..len).  The output frame lands in out (when not
 * NULL) and its length in *out_len.  Returns the program's return value.
 */
static inline uint32_t t_run(struct bpf_program *prog, const void *in, size_t len, void *out,
			     uint32_t *out_len)
{
	uint8_t scratch[T_FRAME_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (uint32_t)len,
		    .data_out = out ? out : scratch, .data_size_out = T_FRAME_MAX, .repeat = 1);
	int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &o);

	assert_int_equal(err, 0);
	if (out_len)
		*out_len = o.data_size_out;
	return o.retval;
}

/* Run xdp_arm with a dummy frame; it must pass. */
static inline void t_arm(struct fix *f)
{
	uint8_t frame[64];

	memset(frame, 0, sizeof(frame));
	assert_int_equal(t_run(f->skel->progs.xdp_arm, frame, sizeof(frame), NULL, NULL), XDP_PASS);
}

#endif /* HBPF_TEST_H */
