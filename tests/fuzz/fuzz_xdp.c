// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the kernel side: every input becomes one Ethernet
 * frame that runs through xdp_node, tc_egress, tc_ingress and xdp_garp with
 * BPF_PROG_TEST_RUN against the fixture of tests/bpf/hbpf_test.h (node 1
 * owns set 1, peer 2 is alive and owns set 0).  Needs root; without BPF the
 * set-up fails loudly (exit 1), since a silent skip would hide the test.
 *
 * What must hold for every frame:
 *  - each program returns one of its legal verdicts;
 *  - a frame that is not a heartbeat the XDP program must accept (decided
 *    in user space by mirroring its header checks and by hbpf_wire_decode)
 *    leaves the peers, links and local maps and the sets' ownership byte for
 *    byte as they were; only xdp_node may change state at all;
 *  - an XDP_TX of xdp_node that is not a heartbeat echo is an ARP reply for
 *    a VIP this node owns, sent from that set's VMAC; xdp_garp transmits only
 *    for an owned VIP.
 *
 * The first input byte picks how the rest is read: a raw frame; a heartbeat
 * from fuzzed fields, encoded by hbpf_wire_encode() and signed with the
 * kernel's send key, then byte-mutated and either left forged or signed
 * again (authentic nonsense); or an ARP frame from fuzzed choices, then
 * byte-mutated.  The built modes reach the deep paths (MAC verified, replay
 * window passed) that random bytes never would.  Every array map, the
 * replay windows and the peer deadline timers included, is put back after an
 * input that changed state, and the deadline is an hour, so no timer fires
 * while an input runs and every input starts from the same state.
 *
 * Run by hand:  build/fuzz/fuzz_xdp -max_len=600 build/fuzz/corpus_xdp
 */
#include "hbpf_test.h"
#include "wire.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PEER_SET 0 /* set T_PEER owns */
#define SELF_SET 1 /* set T_SELF owns */
#define ETH_MIN 14 /* BPF_PROG_TEST_RUN refuses shorter input */
#define ARP_LEN (sizeof(struct ethhdr) + sizeof(struct t_arp))
#define HB_OFF (sizeof(struct ethhdr) + sizeof(struct iphdr) + sizeof(struct udphdr))

/*
 * Frame buffers start 2 bytes past an 8-byte boundary, so that the IPv4
 * header behind the 14-byte Ethernet header is 4-byte aligned for the
 * fixture's builders (UBSan checks alignment).
 */
struct frame_buf {
	uint8_t pad[2];
	uint8_t b[T_FRAME_MAX + 32];
} __attribute__((aligned(8)));

static struct fix *fx;
static int verbose;	   /* FUZZ_XDP_VERBOSE=1: one line per input, to replay a case by hand */
static struct t_snap base; /* the state every input starts from */
static struct hbpf_keyset keys; /* the kernel's "keys" map: what a peer signs with */
static struct hbpf_cfg run_cfg; /* the "config" map the programs run with */

__attribute__((format(printf, 1, 2), noreturn)) static void fz_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "fuzz_xdp: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

#define CHECK(cond, ...)                      \
	do {                                  \
		if (!(cond))                  \
			fz_fail(__VA_ARGS__); \
	} while (0)

/*
 * A tc program on the frame.  The skb test run refuses some frames the XDP
 * one takes (an IPv4 ethertype without a whole IPv4 header: -EINVAL); the
 * program never sees those, anything else must work.
 */
static void run_tc(struct bpf_program *prog, const char *name, const uint8_t *in, size_t len)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (uint32_t)len,
		    .repeat = 1);
	int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &o);

	if (err == -EINVAL)
		return;
	CHECK(!err, "%s: test run failed: %s", name, strerror(-err));
	CHECK(o.retval == 0 || o.retval == 2, "%s returned %u", name, o.retval);
}

/* Bytes of the input, read front to back; zeros once exhausted. */
struct cursor {
	const uint8_t *p;
	size_t left;
};

static uint8_t take8(struct cursor *c)
{
	if (!c->left)
		return 0;
	c->left--;
	return *c->p++;
}

static uint32_t take32(struct cursor *c)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v = v << 8 | take8(c);
	return v;
}

/* One of a few interesting values, or (last choice) a raw fuzzed one. */
static uint32_t pick(struct cursor *c, const uint32_t *vals, unsigned int n)
{
	uint8_t b = take8(c);

	if (b % (n + 1) == n)
		return take32(c);
	return vals[b % (n + 1)];
}

static const uint8_t *pick_mac(struct cursor *c, uint8_t *raw)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint8_t b = take8(c);

	switch (b % 6) {
	case 0:
		return bcast;
	case 1:
		return t_if_mac;
	case 2:
		return t_vmac0;
	case 3:
		return t_vmac1;
	case 4:
		return t_client_mac;
	default:
		for (int i = 0; i < 6; i++)
			raw[i] = take8(c);
		return raw;
	}
}

/*
 * What is left of the input mutates the built frame: one length change
 * (cut or zero-extend by up to 31 bytes), then (position, xor) pairs.
 */
static size_t mutate(struct cursor *c, uint8_t *frame, size_t len)
{
	uint8_t op = take8(c);

	if (op & 0x80) {
		size_t d = op & 31;

		if (op & 0x40)
			len = len > d ? len - d : 0;
		else if (len + d <= T_FRAME_MAX) {
			memset(frame + len, 0, d);
			len += d;
		}
	}
	while (c->left >= 2 && len) {
		uint8_t pos = take8(c), x = take8(c);

		frame[pos % len] ^= x;
	}
	return len;
}

/*
 * Sign the heartbeat at its usual place with key slot (0: the send key, 1:
 * the rollover key), as a peer holding the cluster key would; a frame too
 * short to hold the one its nsets says, an nsets out of range, or an empty
 * slot, leaves it as it is.
 */
static void sign_hb(uint8_t *frame, size_t len, int slot)
{
	struct hbpf_wire *w = (struct hbpf_wire *)(frame + HB_OFF);
	size_t wl;

	if (len < HB_OFF + sizeof(*w) || !keys.k[slot].keyid)
		return;
	wl = hbpf_wire_len(w);
	if (wl && len >= HB_OFF + wl)
		hbpf_wire_sign(w, &keys.k[slot]);
}

/*
 * A heartbeat from fuzzed fields: Ethernet/IPv4/UDP from the fixture's
 * builder, the payload from hbpf_wire_encode() and signed, so the frame
 * follows the wire format whatever it becomes.
 */
static size_t build_hb(struct cursor *c, uint8_t *frame)
{
	static const uint32_t types[] = {HBPF_WT_HB, HBPF_WT_ECHO};
	static const uint32_t srcs[] = {T_PEER, 0, T_SELF, 3};
	static const uint32_t sets[] = {PEER_SET, SELF_SET, 2, HBPF_NODE_NONE};
	static const uint32_t nodes[] = {T_SELF, T_PEER, 0, HBPF_NODE_NONE};
	static const uint32_t nsets[] = {2, 0, 1, 4, HBPF_MAX_SETS};
	struct t_hb th = t_hb_default(HBPF_WT_HB, 1);
	struct hbpf_wire *w;
	struct hbpf_hb hb;
	uint8_t fl;
	size_t len;

	memset(&hb, 0, sizeof(hb));
	hb.type = (uint8_t)pick(c, types, 2);
	hb.seq = take32(c) ^ 1; /* all zero input: seq 1, past the fresh replay window */
	fl = take8(c);
	hb.src_node = (uint8_t)pick(c, srcs, 4);
	hb.link = take8(c) % 3;
	hb.cluster = fl & 0x08 ? take32(c) : run_cfg.cluster;
	hb.flags = fl & 0x10 ? take32(c) : (fl & 0x7) | HBPF_WF_DAEMON_UP;
	hb.daemon_age_us = fl & 0x20 ? take32(c) : 1000;
	hb.orig_tx_ns = fl & 0x80 ? take32(c) : th.orig_tx_ns;
	hb.nsets = (uint8_t)pick(c, nsets, 5);
	hb.owned = take8(c) & 0xf & (hb.nsets >= 4 ? 0xf : (1u << hb.nsets) - 1);
	hb.handoff_set = (uint8_t)pick(c, sets, 4);
	hb.handoff_to = (uint8_t)pick(c, nodes, 4);
	hb.move_set = (uint8_t)pick(c, sets, 4);
	hb.move_to = (uint8_t)pick(c, nodes, 4);
	for (int s = 0; s < 4; s++)
		hb.epoch[s] = take8(c) % 9;
	hb.boot = take8(c);

	/* An nsets past the maximum (the raw pick) keeps the fixture's frame,
	 * which claims it in a maximum-length payload: no encoder makes one. */
	th.nsets = hb.nsets;
	len = t_build_hb(frame, &th, &w);
	CHECK((uint8_t *)w == frame + HB_OFF && len == HB_OFF + HBPF_WIRE_LEN(t_slots(hb.nsets)),
	      "the fixture's heartbeat layout moved");
	if (hb.nsets <= HBPF_MAX_SETS)
		CHECK(hbpf_wire_encode(&hb, w) == HBPF_WIRE_LEN(hb.nsets),
		      "cannot encode a heartbeat");
	sign_hb(frame, len, fl & 0x04 ? 1 : 0);
	return len;
}

static size_t build_arp(struct cursor *c, uint8_t *frame)
{
	static const uint32_t ops[] = {1, 2};
	static const uint32_t ips[] = {T_VIP0, T_VIP1, T_SELF_IP, T_FOREIGN_IP};
	uint8_t dst_raw[6], sha_raw[6], tha_raw[6];
	const uint8_t *dst = pick_mac(c, dst_raw), *sha = pick_mac(c, sha_raw);
	uint16_t op = (uint16_t)pick(c, ops, 2);
	uint32_t spa = pick(c, ips, 4), tpa = pick(c, ips, 4);
	const uint8_t *tha = pick_mac(c, tha_raw);

	return t_build_arp(frame, dst, sha, op, spa, tha, tpa);
}

/*
 * Would xdp_node accept this frame as a heartbeat (and so be allowed to
 * change state)?  The header checks mirror hb_rx(); the payload is judged
 * by the user-space decoder plus the two checks that need the map config
 * (configured node, link in use).  Erring towards "yes" only weakens the
 * check for that one input, never raises a false alarm.
 */
static int hb_accepted(const uint8_t *f, size_t len, struct hbpf_hb *hb)
{
	const struct ethhdr *eth = (const void *)f;
	const struct iphdr *ip = (const void *)(eth + 1);
	const struct udphdr *udp;
	size_t off, wl;

	if (len < sizeof(*eth) + sizeof(*ip) || eth->h_proto != htons(ETH_P_IP))
		return 0;
	if (ip->ihl < 5 || ip->version != 4 || ip->protocol != IPPROTO_UDP ||
	    (ntohs(ip->frag_off) & 0x3fff))
		return 0;
	off = sizeof(*eth) + ip->ihl * 4u;
	if (off + sizeof(*udp) + sizeof(struct hbpf_wire) > len)
		return 0;
	udp = (const void *)(f + off);
	wl = ntohs(udp->len) - sizeof(*udp);
	if (udp->dest != htons(run_cfg.port) || ntohs(udp->len) < sizeof(*udp) ||
	    off + sizeof(*udp) + wl > len)
		return 0;
	/* The decoder applies the length rules (nsets against wl). */
	if (hbpf_wire_decode(udp + 1, wl, run_cfg.cluster, run_cfg.self, &keys, hb))
		return 0;
	return hb->src_node < HBPF_MAX_NODES && hb->src_node != run_cfg.self &&
	       (run_cfg.nodes_mask & (1u << hb->src_node)) && hb->link < run_cfg.nlinks;
}

/* The VIP at ip (network order) belongs to a set owned in snap, or -1. */
static int owned_set_of(const struct t_snap *snap, uint32_t ip_net)
{
	if (ip_net == htonl(T_VIP0) && snap->sets[0].owned)
		return 0;
	if (ip_net == htonl(T_VIP1) && snap->sets[1].owned)
		return 1;
	return -1;
}

/* sets minus the re-announce stamp, which a stale ARP may legitimately move */
static int state_equal(const struct t_snap *a, const struct t_snap *b)
{
	struct t_snap x = *a, y = *b;

	for (int s = 0; s < HBPF_MAX_SETS; s++)
		x.sets[s].garp_req_ns = y.sets[s].garp_req_ns = 0;
	return !memcmp(&x, &y, sizeof(x));
}

static void explain(const char *when, const struct t_snap *a, const struct t_snap *b)
{
	for (int s = 0; s < HBPF_MAX_SETS; s++)
		if (a->sets[s].owned != b->sets[s].owned || a->sets[s].owner != b->sets[s].owner ||
		    a->sets[s].epoch != b->sets[s].epoch)
			fprintf(stderr, "%s: set %d owned %u->%u owner %u->%u epoch %u->%u\n", when,
				s, a->sets[s].owned, b->sets[s].owned, a->sets[s].owner,
				b->sets[s].owner, a->sets[s].epoch, b->sets[s].epoch);
	for (int n = 0; n < HBPF_MAX_NODES; n++)
		if (memcmp(&a->peers[n], &b->peers[n], sizeof(a->peers[n])))
			fprintf(stderr, "%s: peer %d state %u->%u owned %#x->%#x rx %llu->%llu\n",
				when, n, a->peers[n].state, b->peers[n].state, a->peers[n].owned,
				b->peers[n].owned, (unsigned long long)a->peers[n].rx,
				(unsigned long long)b->peers[n].rx);
	if (memcmp(&a->local, &b->local, sizeof(a->local)))
		fprintf(stderr, "%s: local changed\n", when);
}

/* An XDP_TX of xdp_node for a non-heartbeat: the gate's ARP reply only. */
static void check_arp_reply(const uint8_t *in, size_t len, const uint8_t *out, uint32_t out_len,
			    const struct t_snap *before)
{
	const struct t_arp *q = (const void *)(in + sizeof(struct ethhdr));
	const struct t_arp *r = (const void *)(out + sizeof(struct ethhdr));
	const struct ethhdr *eth = (const void *)out;
	int s;

	CHECK(len >= ARP_LEN && ((const struct ethhdr *)in)->h_proto == htons(ETH_P_ARP),
	      "xdp_node: XDP_TX for a frame that is neither a heartbeat nor ARP");
	CHECK(out_len >= ARP_LEN && eth->h_proto == htons(ETH_P_ARP), "xdp_node: TX is not ARP");
	CHECK(q->op == htons(1) && r->op == htons(2), "xdp_node: TX for ARP op %u -> op %u",
	      ntohs(q->op), ntohs(r->op));
	s = owned_set_of(before, q->tpa);
	CHECK(s >= 0, "xdp_node: ARP reply for %#x, a VIP this node does not own", ntohl(q->tpa));
	CHECK(r->spa == q->tpa, "xdp_node: ARP reply names %#x, asked %#x", ntohl(r->spa),
	      ntohl(q->tpa));
	CHECK(!memcmp(r->sha, before->sets[s].vmac, 6) &&
		      !memcmp(eth->h_source, before->sets[s].vmac, 6),
	      "xdp_node: ARP reply not from set %d's VMAC", s);
}

static void check_garp(const uint8_t *in, size_t len, const uint8_t *out, uint32_t out_len,
		       const struct t_snap *before)
{
	const struct t_arp *q = (const void *)(in + sizeof(struct ethhdr));
	const struct t_arp *r = (const void *)(out + sizeof(struct ethhdr));
	int s;

	CHECK(len >= ARP_LEN && out_len >= ARP_LEN, "xdp_garp: XDP_TX on a %zu-byte frame", len);
	s = owned_set_of(before, q->tpa);
	CHECK(s >= 0, "xdp_garp: announced %#x, a VIP this node does not own", ntohl(q->tpa));
	CHECK(r->spa == q->tpa && r->tpa == q->tpa && !memcmp(r->sha, before->sets[s].vmac, 6),
	      "xdp_garp: announcement does not match set %d", s);
}

/*
 * Every plain array map of the object (state, config, keys, replay windows:
 * whatever the program keeps), saved once after set-up and written back
 * after an input that changed state, so every input starts from the same
 * place.  Generic on purpose: a map added to the object is covered without
 * touching this file.  Writing a timers entry also cancels and frees the
 * kernel timer in it, so a deadline a heartbeat armed never fires later.
 * Per-CPU counters are not state.
 */
#define MAX_SAVED 32

struct saved_map {
	int fd;
	uint32_t n;
	uint32_t *keys;
	uint8_t *vals;
};

static struct saved_map saved[MAX_SAVED];
static int nsaved;

static void save_maps(void)
{
	struct bpf_map *m;

	bpf_object__for_each_map (m, fx->skel->obj) {
		struct saved_map *sm = &saved[nsaved];
		uint32_t vsz = bpf_map__value_size(m);

		if (bpf_map__type(m) != BPF_MAP_TYPE_ARRAY || bpf_map__is_internal(m))
			continue;
		CHECK(nsaved < MAX_SAVED, "more than %d array maps", MAX_SAVED);
		sm->fd = bpf_map__fd(m);
		sm->n = bpf_map__max_entries(m);
		sm->keys = calloc(sm->n, sizeof(*sm->keys));
		sm->vals = calloc(sm->n, vsz);
		CHECK(sm->keys && sm->vals, "out of memory");
		for (uint32_t i = 0; i < sm->n; i++) {
			sm->keys[i] = i;
			CHECK(!bpf_map_lookup_elem(sm->fd, &i, sm->vals + (size_t)i * vsz),
			      "cannot read map %s", bpf_map__name(m));
		}
		nsaved++;
	}
}

static void restore_maps(void)
{
	for (int i = 0; i < nsaved; i++) {
		uint32_t count = saved[i].n;

		CHECK(!bpf_map_update_batch(saved[i].fd, saved[i].keys, saved[i].vals, &count,
					    NULL) &&
			      count == saved[i].n,
		      "cannot restore a map: %s", strerror(errno));
	}
}

/*
 * The fixture's keys, read back from the map; a fixture without any gets a
 * fixed one here, so that authentic heartbeats (and their state changes)
 * stay reachable.
 */
static void load_keys(void)
{
	static const struct hbpf_key fallback = {
		.keyid = 7,
		.key = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
			0xcc, 0xdd, 0xee, 0xff},
	};
	int fd = t_fd(fx->skel->maps.keys);
	uint32_t slot = 0;

	memset(&keys, 0, sizeof(keys));
	CHECK(!bpf_map_lookup_elem(fd, &slot, &keys.k[0]), "cannot read the keys map");
	if (!keys.k[0].keyid)
		CHECK(!bpf_map_update_elem(fd, &slot, &fallback, BPF_ANY),
		      "cannot write the keys map");
	for (slot = 0; slot < HBPF_MAX_KEYS; slot++)
		CHECK(!bpf_map_lookup_elem(fd, &slot, &keys.k[slot]), "cannot read the keys map");
	keys.n = HBPF_MAX_KEYS; /* empty slots have keyid 0, which nothing matches */
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct hbpf_peer peer;
	struct hbpf_set set;
	struct hbpf_cfg cfg;
	struct hbpf_hb hb;
	static struct frame_buf fb;
	uint8_t *frame = fb.b;
	uint32_t k = T_PEER;
	void *state = NULL;
	size_t len;

	(void)argc;
	(void)argv;
	/* A failed cmocka assertion in the fixture aborts: a crash libFuzzer records. */
	setenv("CMOCKA_TEST_ABORT", "1", 1);
	verbose = getenv("FUZZ_XDP_VERBOSE") != NULL;
	if (t_setup(&state)) {
		fprintf(stderr, "fuzz_xdp: cannot load the BPF fixture (needs root and BPF)\n");
		exit(1);
	}
	fx = state;
	load_keys();

	/*
	 * A deadline a heartbeat arms must not fire while an input runs: it
	 * would change peer state behind the checks' back.
	 */
	t_get_cfg(fx, &cfg);
	cfg.detect_ns = 3600ull * 1000000000ull;
	t_put_cfg(fx, &cfg);
	run_cfg = cfg;

	/* The peer is alive and holds set 0; we hold set 1 (t_setup). */
	t_get_set(fx, PEER_SET, &set);
	set.owner = T_PEER;
	set.epoch = 3;
	t_put_set(fx, PEER_SET, &set);
	t_get_peer(fx, T_PEER, &peer);
	peer.state = HBPF_PEER_ALIVE;
	peer.flags = HBPF_WF_DAEMON_UP | HBPF_WF_PUBLIC_UP;
	peer.owned = 1u << PEER_SET;
	peer.handoff_set = peer.handoff_to = HBPF_NODE_NONE;
	peer.move_set = peer.move_to = HBPF_NODE_NONE;
	CHECK(!bpf_map_update_elem(t_fd(fx->skel->maps.peers), &k, &peer, BPF_ANY),
	      "cannot write peer %u", k);
	t_snapshot(fx, &base);
	save_maps();

	/* The classifier must agree with the fixture's frame builder. */
	{
		struct t_hb h = t_hb_default(HBPF_WT_HB, 1);

		len = t_build_hb(frame, &h, NULL);
	}
	sign_hb(frame, len, 0);
	CHECK(hb_accepted(frame, len, &hb), "the fixture's heartbeat fails the classifier");
	CHECK(t_run(fx->skel->progs.xdp_node, frame, len, NULL, NULL) == XDP_TX,
	      "the fixture's heartbeat is not echoed: the fuzzer would not reach the deep paths");
	restore_maps();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct frame_buf inb, outb;
	uint8_t *in = inb.b, *out = outb.b;
	struct cursor c = {data + (size ? 1 : 0), size ? size - 1 : 0};
	struct t_snap s0, s1, s2;
	struct hbpf_hb hb;
	uint32_t rc, out_len;
	size_t len;
	int valid;

	memset(in, 0, T_FRAME_MAX);
	switch (size ? data[0] % 3 : 0) {
	case 0:
		len = c.left < T_FRAME_MAX ? c.left : T_FRAME_MAX;
		memcpy(in, c.p, len);
		break;
	case 1:
		/* Mode byte bit 3: sign after mutating (authentic nonsense), else forged;
		 * bit 4: with the rollover key. */
		len = mutate(&c, in, build_hb(&c, in));
		if (data[0] & 8)
			sign_hb(in, len, (data[0] >> 4) & 1);
		break;
	default:
		len = mutate(&c, in, build_arp(&c, in));
		break;
	}
	if (len < ETH_MIN)
		len = ETH_MIN; /* zero padding, like a short frame on the wire */
	valid = hb_accepted(in, len, &hb);

	t_snapshot(fx, &s0);
	rc = t_run(fx->skel->progs.xdp_node, in, len, out, &out_len);
	CHECK(rc == XDP_PASS || rc == XDP_DROP || rc == XDP_TX, "xdp_node returned %u", rc);
	t_snapshot(fx, &s1);
	if (verbose)
		fprintf(stderr, "fuzz_xdp: %zu bytes, heartbeat %s, xdp_node %u, state %s\n", len,
			valid ? "accepted" : "refused", rc,
			state_equal(&s0, &s1) ? "unchanged" : "changed");
	if (!valid && !state_equal(&s0, &s1)) {
		explain("xdp_node", &s0, &s1);
		fz_fail("xdp_node changed state for a frame that is not an accepted heartbeat");
	}
	if (valid) {
		/* A heartbeat from p tells nothing about any other peer. */
		for (int n = 0; n < HBPF_MAX_NODES; n++)
			CHECK(n == hb.src_node ||
				      !memcmp(&s0.peers[n], &s1.peers[n], sizeof(s0.peers[n])),
			      "heartbeat from %u changed peer %d", hb.src_node, n);
	}
	if (rc == XDP_TX && !(valid && hb.type == HBPF_WT_HB))
		check_arp_reply(in, len, out, out_len, &s0);

	run_tc(fx->skel->progs.tc_egress, "tc_egress", in, len);
	run_tc(fx->skel->progs.tc_ingress, "tc_ingress", in, len);
	rc = t_run(fx->skel->progs.xdp_garp, in, len, out, &out_len);
	CHECK(rc == XDP_DROP || rc == XDP_TX, "xdp_garp returned %u", rc);
	if (rc == XDP_TX)
		check_garp(in, len, out, out_len, &s1);
	t_snapshot(fx, &s2);
	if (!state_equal(&s1, &s2)) {
		explain("tc/garp", &s1, &s2);
		fz_fail("tc_egress, tc_ingress or xdp_garp changed state");
	}

	/* Events pile up in the ring buffer otherwise; their content is not judged here. */
	t_drain(fx);
	fx->nev = 0;
	if (valid || memcmp(&s2, &base, sizeof(base)))
		restore_maps();
	return 0;
}
