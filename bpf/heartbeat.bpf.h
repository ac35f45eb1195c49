/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The heartbeat path of xdp_node: validate an HB or ECHO, record it in the
 * links and peers maps, keep the peer's deadline armed, follow the peer's
 * view of ownership, and turn an HB around as the ECHO.  Invalid packets only
 * ever touch drops[]: the MAC and the replay window are checked before the
 * first write to any other map.
 */
#ifndef HBPF_HEARTBEAT_BPF_H
#define HBPF_HEARTBEAT_BPF_H

#include "base.bpf.h"
#include "pkt.bpf.h"
#include "maps.bpf.h"
#include "owner.bpf.h"
#include "siphash.bpf.h"

#define HB_NOT_MINE (-1) /* not a heartbeat: let the gate look at it */
/* Largest offset of the payload in a frame: Ethernet, IPv4 with options, UDP. */
#define HB_WOFF_MAX (14 + 60 + 8)

/*
 * Word access to the wire.  struct hbpf_wire is packed (alignment 1), so a
 * plain w->field makes clang split every access into single bytes; the
 * fixed fields sit at naturally aligned offsets inside the struct and
 * unaligned packet access is fine on the targets we run (the epoch slots,
 * at byte 46, are not aligned), so read and write whole words.
 */
#define W32(w, f) (*(__be32 *)((void *)(w) + offsetof(struct hbpf_wire, f)))
#define W64(w, f) (*(__be64 *)((void *)(w) + offsetof(struct hbpf_wire, f)))

/*
 * Byte off of the payload that starts at byte woff of the frame, for the
 * part whose length only the packet knows (the epoch slots, nsets of them,
 * and the words the MAC reads there): the caller checks every access against
 * data_end.  Checked through w itself, those checks would grow w's verified
 * range by a different amount on every path (per nsets, per set visited),
 * and the verifier, unable to tell the paths after them apart, would walk
 * the rest of the program once for each, past its budget of a million
 * instructions.  A pointer rebuilt from a variable offset (the barrier keeps
 * clang from reusing w) gets a range of its own, which ends with its use.
 */
static __always_inline void *wire_var(const void *data, __u32 woff, __u32 off)
{
	barrier_var(woff);
	return (void *)data + woff + off;
}

/*
 * epoch[s] of the payload at byte woff of the frame, checked against
 * data_end (one compare).  Callers only ask for s < nsets.
 */
static __always_inline __be32 *wire_epoch(const void *data, __u32 woff, __u32 s, void *end)
{
	__be32 *ep = wire_var(data, woff, HBPF_WIRE_HDR_LEN + (s & (HBPF_MAX_SETS - 1)) * 4);

	if ((void *)(ep + 1) > end)
		return NULL;
	return ep;
}

/* Whole 64-bit words: inside the fixed part, of the kept prefix, signed at most. */
#define WIRE_HDR_WORDS (HBPF_WIRE_HDR_LEN / 8)
#define WIRE_KEPT_WORDS (HBPF_WIRE_KEPT_LEN / 8)
#define WIRE_MAX_WORDS (HBPF_WIRE_MAC_OFF(HBPF_MAX_SETS) / 8)

/*
 * Absorb words [from, to) of the payload w (at byte woff of the frame) into
 * s.  Unrolled, so every word sits at a constant offset: the fixed part
 * inside the range the caller checked, the others from a pointer of their
 * own (wire_var), each checked against data_end.  A packet shorter than
 * `to` words fails (-1): the caller checked the length, so that never
 * happens.
 */
static __always_inline int wire_absorb(struct sip *s, const struct hbpf_wire *w, const void *data,
				       __u32 woff, __u32 from, __u32 to, void *end)
{
	const void *v = wire_var(data, woff, 0);

#pragma clang loop unroll(full)
	for (__u32 i = 0; i < WIRE_MAX_WORDS; i++) {
		const void *p = (i < WIRE_HDR_WORDS ? (const void *)w : v) + i * 8;

		if (i < from)
			continue;
		if (i >= to)
			break;
		if (i >= WIRE_HDR_WORDS && p + 8 > end)
			return -1;
		sip_block(s, p);
	}
	return 0;
}

/*
 * Finish the MAC of the len signed bytes of the payload at byte woff of the
 * frame (their whole words absorbed into s) into *out: the last block reads
 * the word at len & ~7, which the MAC after the signed bytes keeps inside
 * the packet.  -1 if it is not there (the caller checked the length).
 */
static __always_inline int wire_mac(const struct sip *s, const void *data, __u32 woff, __u32 len,
				    void *end, __u64 *out)
{
	const void *p = wire_var(data, woff, len & ~7u);

	if (p + 8 > end)
		return -1;
	*out = sip_final(s, sip_last(p, len));
	return 0;
}

/*
 * The key a packet names: keyid 0 or one in no slot has none.  Unrolled: the
 * slot index has its address taken (it lives on the stack), and the 6.1
 * verifier, which does not track a spilled counter precisely, takes the
 * rolled loop for one that never ends ("infinite loop detected").
 */
static __always_inline const struct hbpf_key *wire_key(__u32 keyid)
{
#pragma clang loop unroll(full)
	for (__u32 i = 0; i < HBPF_MAX_KEYS; i++) {
		__u32 slot = i;
		const struct hbpf_key *k = bpf_map_lookup_elem(&keys, &slot);

		if (k && keyid && k->keyid == keyid)
			return k;
	}
	return NULL;
}

/*
 * Replay check against the window of the packet's (peer, link): 0 when the
 * packet is fresh, else the drop reason.  An HB must be newer than the last
 * accepted one: a larger boot (the peer's daemon restarted), or the same boot
 * and a larger seq.  An ECHO must carry one of our own send times that is not
 * in the future and newer than the last ECHO (else it is a replay), and at
 * most 2 * detect old: an older one could not prove the peer alive now.  That
 * last case is a late echo (a slow or loaded path, a descheduled VM), not an
 * attack, and is counted apart, as stale_echo.
 */
static __always_inline __u32 wire_replayed(const struct hbpf_cfg *cfg, const struct hbpf_wire *w,
					   const struct hbpf_win *win, __u64 now)
{
	__u64 boot, tx;
	__u32 seq;

	if (w->type == HBPF_WT_HB) {
		boot = bpf_be64_to_cpu(W64(w, boot));
		seq = bpf_ntohl(W32(w, seq));
		if (boot < win->boot || (boot == win->boot && seq <= win->seq))
			return HBPF_DROP_REPLAY;
		return 0;
	}
	tx = bpf_be64_to_cpu(W64(w, orig_tx_ns));
	if (tx > now || tx <= win->echo_tx_ns)
		return HBPF_DROP_REPLAY;
	if (now - tx > 2 * cfg->detect_ns)
		return HBPF_DROP_STALE_ECHO;
	return 0;
}

/* Move the window past an accepted packet. */
static __always_inline void wire_window(const struct hbpf_wire *w, struct hbpf_win *win)
{
	if (w->type == HBPF_WT_HB) {
		win->boot = bpf_be64_to_cpu(W64(w, boot));
		win->seq = bpf_ntohl(W32(w, seq));
	} else {
		win->echo_tx_ns = bpf_be64_to_cpu(W64(w, orig_tx_ns));
	}
}

/* Per-link accounting of one HB: sequence loss and inter-arrival jitter. */
static __always_inline void link_hb(const struct hbpf_cfg *cfg, struct hbpf_link *lnk, __u32 idx,
				    __u32 seq, __u64 now)
{
	__u32 last = lnk->last_seq;
	__u64 *prev = bpf_map_lookup_elem(&hb_prev, &idx);

	lnk->rx++;
	/* A gap beyond 2^20 or a step back means the sender restarted: resync. */
	if (last && seq > last && seq - last - 1 <= (1u << 20))
		lnk->lost += seq - last - 1;
	lnk->last_seq = seq;
	if (!prev)
		return;
	if (*prev) {
		__u64 ia = now - *prev;
		__u64 dev = ia > cfg->interval_ns ? ia - cfg->interval_ns : cfg->interval_ns - ia;

		lnk->jitter_ns = (lnk->jitter_ns * 15 + dev) >> 4;
	}
	*prev = now;
}

/* Per-link accounting of one ECHO of our own HB: the kernel-to-kernel RTT. */
static __always_inline void link_echo(struct hbpf_link *lnk, __u64 orig_tx_ns, __u64 now)
{
	__u64 rtt;

	lnk->echo_rx++;
	if (!orig_tx_ns || orig_tx_ns > now)
		return;
	rtt = now - orig_tx_ns;
	lnk->rtt_ns = rtt;
	lnk->rtt_avg_ns = lnk->rtt_avg_ns ? (lnk->rtt_avg_ns * 7 + rtt) >> 3 : rtt;
}

/* A clean restart announced by the peer, its grace not over (the sender
 * clears the flag when it is). */
static __always_inline int peer_restarting(__u32 flags)
{
	return flags & HBPF_WF_RESTARTING;
}

/* The peer's daemon is dead: no stamp, or a stamp older than daemon_dead_ns. */
static __always_inline int peer_daemon_dead(const struct hbpf_cfg *cfg, __u32 flags, __u32 age_us)
{
	if (peer_restarting(flags))
		return 0;
	if (!(flags & HBPF_WF_DAEMON_UP))
		return 1;
	return cfg->daemon_dead_ns && (__u64)age_us * NSEC_PER_USEC > cfg->daemon_dead_ns;
}

/*
 * The peer's own kernel has (or is about to have) demoted it: its stamp is
 * older than demote_ns.  Sets it stops announcing then stay attributed to
 * it, so the daemon-dead takeover still finds them.
 */
static __always_inline int peer_self_stale(const struct hbpf_cfg *cfg, __u32 flags, __u32 age_us)
{
	if (peer_restarting(flags))
		return 0;
	if (!(flags & HBPF_WF_DAEMON_UP))
		return 1;
	return cfg->demote_ns && (__u64)age_us * NSEC_PER_USEC > cfg->demote_ns;
}

/*
 * Liveness state machine of peer p on a valid packet.  Transitions go
 * through cmpxchg so that two CPUs receiving on two links send one event.
 * Returns 1 when the peer came (back) up.
 */
static __always_inline int peer_liveness(struct hbpf_peer *peer, __u32 p, int daemon_dead,
					 __u64 now)
{
	__u32 st = peer->state;
	int up = 0;

	if (st == HBPF_PEER_UNKNOWN || st == HBPF_PEER_DEAD ||
	    (st == HBPF_PEER_DAEMON_DEAD && !daemon_dead)) {
		if (__sync_val_compare_and_swap(&peer->state, st, HBPF_PEER_ALIVE) == st) {
			if (st == HBPF_PEER_UNKNOWN) {
				peer->handoff_set = HBPF_NODE_NONE;
				peer->handoff_to = HBPF_NODE_NONE;
				peer->move_set = HBPF_NODE_NONE;
				peer->move_to = HBPF_NODE_NONE;
			}
			peer->state_ns = now;
			emit(HBPF_EV_PEER_UP, 0, p, HBPF_NODE_NONE, 0, now, now);
			up = 1;
		}
		st = peer->state;
	}
	if (st == HBPF_PEER_ALIVE && daemon_dead &&
	    __sync_val_compare_and_swap(&peer->state, st, HBPF_PEER_DAEMON_DEAD) == st) {
		peer->state_ns = now;
		emit(HBPF_EV_PEER_DAEMON_DEAD, HBPF_RS_DAEMON_DEAD, p, HBPF_NODE_NONE, 0, now, now);
		takeover_pass(p, HBPF_RS_DAEMON_DEAD, now);
	}
	return up;
}

/* What sync_owned needs to know (a global function takes five arguments at most). */
struct sync_args {
	__u64 now;
	__u32 woff;    /* the payload starts at this byte of the frame */
	__u32 nslots;  /* epoch slots to read: the packet's nsets, or 0 */
	__u32 prev;    /* sets p owned before this packet */
	__u32 release; /* sets p holds no more whatever the slots say (shutdown) */
	__u32 p;       /* the peer that sent the packet */
	__u32 self;    /* this node */
	__u32 stale;   /* p's own watchdog has demoted it */
	__u32 pad;
};

/*
 * Follow peer p's announced ownership, from the packet's epoch slots: a set
 * p claims (HBPF_WIRE_OWNED) with a higher epoch than ours, or the same epoch
 * and p first in priority, is yielded at once if we own it; a set p owned
 * before and releases now (or holds no more: `release`) has no owner unless
 * p was demoted by its own stale-daemon watchdog.  Sets without a slot keep
 * what we knew.  Returns the sets the slots say p owns.  A global function:
 * the verifier checks its loop once, with every argument unknown, instead
 * of once per path into it (which it cannot tell apart, and would walk past
 * its budget).
 */
__noinline int sync_owned(struct xdp_md *ctx, const struct sync_args *a)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 n, prev, release, p, owned = 0;
	const __be32 *slots;

	if (!a || a->woff > HB_WOFF_MAX)
		return 0;
	n = a->nslots;
	prev = a->prev;
	release = a->release;
	p = a->p;
	slots = wire_var(data, a->woff, HBPF_WIRE_HDR_LEN);
	for (__u32 s = 0; s < HBPF_MAX_SETS; s++) {
		__u32 bit = 1u << s, slot = 0, ep;
		struct hbpf_set *set;
		const __be32 *wep;

		if (s >= n) {
			if (!(release >> s))
				break;
			if (!(release & bit))
				continue;
		} else {
			wep = slots + (s & (HBPF_MAX_SETS - 1));
			if ((void *)(wep + 1) > end)
				break;
			slot = bpf_ntohl(*wep);
			if (slot & HBPF_WIRE_OWNED)
				owned |= bit;
			else if (!(prev & bit))
				continue;
		}
		set = get_set(s);
		if (!set || !(set->flags & HBPF_SF_CONFIGURED))
			continue;
		if (!(slot & HBPF_WIRE_OWNED)) {
			/* Released (or handed off): nobody holds it unless p was
			 * demoted by its own stale-daemon watchdog. */
			if (set->owner == p && !a->stale)
				set->owner = HBPF_NODE_NONE;
			continue;
		}
		ep = slot & HBPF_WIRE_EPOCH_MASK;
		if (set->owned) {
			if (ep < set->epoch || (ep == set->epoch && !prio_before(set, p, a->self)))
				continue;
			set_yield(set, s, p, ep, a->now);
			continue;
		}
		set->owner = p;
		if (ep > set->epoch)
			set->epoch = ep;
	}
	return (int)owned;
}

/*
 * Handoff (p released a set for us) and move requests, HB only, deduplicated.
 * A handoff is judged by the set's slot in the packet (released, and at which
 * epoch), so one of a set the packet has no slot for (set >= nsets) is not
 * taken.  A node shutting down (flags) claims nothing, whatever its slots say.
 */
static __always_inline void hb_requests(const struct hbpf_wire *w, const void *data, __u32 woff,
					void *end, struct hbpf_peer *peer, __u32 p, __u32 self,
					__u32 nsets, __u32 flags, __u64 now)
{
	__u32 hs = w->handoff_set, ht = w->handoff_to;
	__u32 ms = w->move_set, mt = w->move_to;
	struct hbpf_set *set;

	if (hs == HBPF_NODE_NONE || ht == HBPF_NODE_NONE) {
		peer->handoff_set = HBPF_NODE_NONE;
		peer->handoff_to = HBPF_NODE_NONE;
	} else if (ht == self && hs < nsets) {
		__be32 *wep = wire_epoch(data, woff, hs, end);
		struct hbpf_local *loc = get_local();
		__u32 slot = wep ? bpf_ntohl(*wep) : 0;
		__u32 ep = slot & HBPF_WIRE_EPOCH_MASK;

		if (flags & HBPF_WF_SHUTDOWN)
			slot &= ~HBPF_WIRE_OWNED;

		/* Shown by bpftool: the last handoff this peer announced to us. */
		peer->handoff_set = hs;
		peer->handoff_to = ht;
		set = get_set(hs);
		/*
		 * The epoch says whether the announcement is news: the releasing
		 * node hands over at its epoch of the set, and every take makes
		 * ours higher.  So an announcement still on the air after we took
		 * the set (and maybe released it again) is stale and ignored,
		 * while a later handoff of the same set, made after the peer owned
		 * it again at a higher epoch, is taken.  A node shutting down
		 * takes nothing, not even a handoff.
		 */
		if (wep && set && loc && !(loc->flags & HBPF_WF_SHUTDOWN) &&
		    (set->flags & HBPF_SF_CONFIGURED) && !set->owned && !(slot & HBPF_WIRE_OWNED) &&
		    ep >= set->epoch)
			set_take(set, hs, self, p, HBPF_RS_HANDOFF, ep, now);
	}

	if (ms == HBPF_NODE_NONE) {
		peer->move_set = HBPF_NODE_NONE;
		peer->move_to = HBPF_NODE_NONE;
	} else if (ms < HBPF_MAX_SETS && (ms != peer->move_set || mt != peer->move_to)) {
		set = get_set(ms);
		if (set && set->owned) {
			emit(HBPF_EV_MOVE_REQ, 0, mt, ms, set->epoch, 0, now);
			peer->move_set = ms;
			peer->move_to = mt;
		}
	}
}

/*
 * Turn the HB into our ECHO in place: swap the endpoints (the IPv4 header
 * checksum does not change under a swap; the UDP checksum is optional and
 * set to 0), write this node's state into the state part, one epoch slot
 * per set the HB carries (the ECHO keeps its length), and sign the result
 * with our send key (slot 0).  When that key also verified the HB (the
 * usual case), the MAC state after the kept prefix is the one the check
 * left in *kept, so only the rewritten words are hashed again.
 */
static __always_inline int hb_reflect(struct ethhdr *eth, struct iphdr *ip, struct udphdr *udp,
				      struct hbpf_wire *w, __u32 woff, void *end,
				      const struct hbpf_cfg *cfg, const struct hbpf_key *vkey,
				      const struct sip *kept, __u32 nsets, __u64 *mac, __u64 now)
{
	struct hbpf_local *loc = get_local();
	const struct hbpf_key *key;
	__u32 k0 = 0, maclen = HBPF_WIRE_MAC_OFF(nsets);
	__u32 age = 0xffffffff, flags = 0;
	__u8 hw[ETH_ALEN];
	const void *v;
	struct sip st;
	__be32 a;
	__be16 port;

	key = bpf_map_lookup_elem(&keys, &k0);
	if (!key || !key->keyid)
		return xdp_drop(HBPF_DROP_KEY); /* only a rollover key: we cannot sign */
	mac_copy(hw, eth->h_dest);
	mac_copy(eth->h_dest, eth->h_source);
	mac_copy(eth->h_source, hw);
	a = ip->saddr;
	ip->saddr = ip->daddr;
	ip->daddr = a;
	port = udp->source;
	udp->source = udp->dest;
	udp->dest = port;
	udp->check = 0;

	if (loc && loc->stamp_ns) {
		__u64 us = now > loc->stamp_ns ? (now - loc->stamp_ns) / NSEC_PER_USEC : 0;

		age = us < 0xffffffffull ? us : 0xffffffff;
	}
	if (loc) {
		flags = loc->flags;
		if (!(loc->restart_until_ns > now))
			flags &= ~HBPF_WF_RESTARTING; /* the grace is over */
	}
	/* Unrolled with an early exit: every slot has a constant offset from
	 * a pointer of its own (wire_var), and a cluster with few sets pays
	 * for those only. */
	v = wire_var(eth, woff, HBPF_WIRE_HDR_LEN);
#pragma clang loop unroll(full)
	for (__u32 s = 0; s < HBPF_MAX_SETS; s++) {
		__be32 *ep = (void *)v + s * 4;
		struct hbpf_set *set;

		if (s >= nsets || (void *)(ep + 1) > end)
			break;
		set = get_set(s);
		*ep = set ? bpf_htonl((set->epoch & HBPF_WIRE_EPOCH_MASK) |
				      (set->owned ? HBPF_WIRE_OWNED : 0)) :
			    0;
	}
	w->type = HBPF_WT_ECHO;
	w->src_node = cfg->self;
	w->handoff_set = HBPF_NODE_NONE;
	w->handoff_to = HBPF_NODE_NONE;
	w->move_set = HBPF_NODE_NONE;
	w->move_to = HBPF_NODE_NONE;
	W32(w, flags) = bpf_htonl(flags);
	W32(w, daemon_age_us) = bpf_htonl(age);
	if (key == vkey) {
		st = *kept; /* the prefix, keyid included, is what we verified */
	} else {
		w->keyid = key->keyid;
		sip_init(&st, key);
		wire_absorb(&st, w, eth, woff, 0, WIRE_KEPT_WORDS, end);
	}
	if (wire_absorb(&st, w, eth, woff, WIRE_KEPT_WORDS, maclen / 8, end) ||
	    wire_mac(&st, eth, woff, maclen, end, mac))
		return XDP_DROP; /* cannot happen: hb_rx checked the length */
	count_stat(HBPF_STAT_ECHO_TX);
	return XDP_TX;
}

/*
 * The length rules of wire version 3 on the payload at w (see the wire
 * format in abi.h), after the fixed part is known to be in the frame.
 * Returns 0 and sets *mac to the MAC (inside the frame), or a drop reason + 1.
 */
static __always_inline int wire_length(struct udphdr *udp, struct hbpf_wire *w, void *end,
				       __u32 *nsets, __u64 **mac)
{
	__u32 ulen = bpf_ntohs(udp->len), n = w->nsets, want;
	__u64 *m;

	if (n > HBPF_MAX_SETS)
		return HBPF_DROP_SIZE + 1; /* claims more slots than the format has */
	want = sizeof(*udp) + HBPF_WIRE_LEN(n);
	if (ulen < want)
		return HBPF_DROP_SHORT + 1;
	if (ulen > want)
		return ((void *)udp + ulen > end ? HBPF_DROP_SHORT : HBPF_DROP_SIZE) + 1;
	m = (void *)w + HBPF_WIRE_MAC_OFF(n);
	/* Keep m (checked here) live: rebuilt from w it would lose its range. */
	barrier_var(m);
	if ((void *)(m + 1) > end)
		return HBPF_DROP_SHORT + 1;
	*nsets = n;
	*mac = m;
	return 0;
}

/*
 * The heartbeat path.  Returns an XDP verdict, or HB_NOT_MINE for anything
 * that is not UDP to the heartbeat port (the gate decides on those).
 */
static __always_inline int hb_rx(struct xdp_md *ctx, const struct hbpf_cfg *cfg, struct ethhdr *eth,
				 void *end)
{
	struct iphdr *ip = (void *)(eth + 1);
	const struct hbpf_key *key;
	struct hbpf_peer *peer;
	struct hbpf_link *lnk;
	struct hbpf_win *win;
	struct udphdr *udp;
	struct hbpf_wire *w;
	struct sip st, kept;
	__u32 p, l, idx, flags, age, owned, carried, prev, woff, maclen, nsets = 0;
	__u64 now, sum, *mac = NULL;
	int dead, up, bad;

	if ((void *)(ip + 1) > end || ip->ihl < 5)
		return xdp_drop(HBPF_DROP_SHORT);
	if (ip->version != 4 || ip->protocol != IPPROTO_UDP ||
	    (ip->frag_off & bpf_htons(IP_FRAG_MASK)))
		return HB_NOT_MINE;
	woff = sizeof(*eth) + ip->ihl * 4 + sizeof(*udp);
	udp = (void *)ip + ip->ihl * 4;
	if ((void *)(udp + 1) > end)
		return xdp_drop(HBPF_DROP_SHORT);
	if (!cfg->port || udp->dest != bpf_htons(cfg->port))
		return HB_NOT_MINE;

	w = (void *)(udp + 1);
	/* Keep w itself (checked below) live: rebuilt from ip + ihl it would
	 * lose its verified range. */
	barrier_var(w);
	barrier_var(udp);
	if ((void *)(w + 1) > end || bpf_ntohs(udp->len) < sizeof(*udp) + sizeof(*w))
		return xdp_drop(HBPF_DROP_SHORT);
	/* Magic and version before the length rules: a packet of another
	 * format version is counted as such, not as a length error. */
	if (W32(w, magic) != bpf_htonl(HBPF_WIRE_MAGIC))
		return xdp_drop(HBPF_DROP_MAGIC);
	if (w->version != HBPF_WIRE_VERSION)
		return xdp_drop(HBPF_DROP_VERSION);
	bad = wire_length(udp, w, end, &nsets, &mac);
	if (bad || !mac)
		return xdp_drop(bad ? bad - 1 : HBPF_DROP_SHORT);
	if (W32(w, cluster) != bpf_htonl(cfg->cluster))
		return xdp_drop(HBPF_DROP_CLUSTER);
	if (w->type != HBPF_WT_HB && w->type != HBPF_WT_ECHO)
		return xdp_drop(HBPF_DROP_TYPE);
	p = w->src_node;
	if (p >= HBPF_MAX_NODES || !(cfg->nodes_mask & (1u << p)) || p == cfg->self)
		return xdp_drop(HBPF_DROP_NODE);
	l = w->link;
	if (l >= cfg->nlinks || l >= HBPF_MAX_LINKS)
		return xdp_drop(HBPF_DROP_LINK);
	key = wire_key(w->keyid);
	if (!key)
		return xdp_drop(HBPF_DROP_KEY);
	/* The MAC covers every byte before it, the epoch slots included.  The
	 * state after the kept prefix is saved for signing the ECHO. */
	sip_init(&st, key);
	wire_absorb(&st, w, eth, woff, 0, WIRE_KEPT_WORDS, end);
	kept = st;
	maclen = HBPF_WIRE_MAC_OFF(nsets);
	if (wire_absorb(&st, w, eth, woff, WIRE_KEPT_WORDS, maclen / 8, end) ||
	    wire_mac(&st, eth, woff, maclen, end, &sum))
		return xdp_drop(HBPF_DROP_SHORT);
	if (*mac != sum)
		return xdp_drop(HBPF_DROP_MAC);

	idx = p * HBPF_MAX_LINKS + l;
	peer = get_peer(p);
	lnk = bpf_map_lookup_elem(&links, &idx);
	win = bpf_map_lookup_elem(&hb_win, &idx);
	if (!peer || !lnk || !win)
		return XDP_DROP;
	now = bpf_ktime_get_ns();
	bad = wire_replayed(cfg, w, win, now);
	if (bad)
		return xdp_drop(bad);
	wire_window(w, win);
	flags = bpf_ntohl(W32(w, flags));
	age = bpf_ntohl(W32(w, daemon_age_us));

	lnk->last_seen_ns = now;
	lnk->ifindex = ctx->ingress_ifindex;
	peer->last_seen_ns = now;
	if (w->type == HBPF_WT_HB) {
		link_hb(cfg, lnk, idx, bpf_ntohl(W32(w, seq)), now);
		peer->last_hb_ns = now;
		peer->rx++;
		count_stat(HBPF_STAT_HB_RX);
	} else {
		link_echo(lnk, bpf_be64_to_cpu(W64(w, orig_tx_ns)), now);
		peer->last_echo_ns = now;
		peer->echo_rx++;
		count_stat(HBPF_STAT_ECHO_RX);
	}
	peer->flags = flags;
	peer->daemon_age_us = age;

	/*
	 * Ownership first: a takeover for a dead daemon below must see the
	 * sets this very packet says the peer holds.  The packet speaks for
	 * the sets it has a slot for; a node shutting down holds nothing.
	 */
	prev = peer->owned;
	carried = nsets >= HBPF_MAX_SETS ? ~0u : (1u << nsets) - 1;
	owned = 0;
	if (flags & HBPF_WF_SHUTDOWN)
		carried = ~0u;
	if ((prev & carried) || (nsets && !(flags & HBPF_WF_SHUTDOWN))) {
		struct sync_args sa = {
			.now = now,
			.woff = woff,
			.nslots = (flags & HBPF_WF_SHUTDOWN) ? 0 : nsets,
			.prev = prev,
			.release = (flags & HBPF_WF_SHUTDOWN) ? prev : 0,
			.p = p,
			.self = cfg->self,
			.stale = peer_self_stale(cfg, flags, age),
		};

		owned = (__u32)sync_owned(ctx, &sa);
	}
	/* p gave up sets it claimed: if this node owns them, p yielded to our
	 * higher epoch (a healed partition, a flap).  While both answered, the
	 * switch may have learnt the VMAC on p's port, and clients that know the
	 * VMAC send nothing that would teach it back: announce them again. */
	if (prev & carried & ~owned)
		reannounce_owned(prev & carried & ~owned, now);
	peer->owned = owned | (prev & ~carried);
	dead = peer_daemon_dead(cfg, flags, age);
	up = peer_liveness(peer, p, dead, now);
	/*
	 * p's own watchdog has demoted it (its daemon's stamp is past
	 * demote_ns) and its kernel, which still answers, says it holds
	 * nothing: its gate is closed, so the sets still attributed to it are
	 * free now.  Take them at once rather than at the daemon-dead deadline
	 * (a SIGKILLed daemon: the service ran until the demotion and is back
	 * a heartbeat later, not daemon_dead_ns - demote_ns later).  A p that
	 * is not heard at all is the peer deadline's.
	 */
	if (!dead && !peer->owned && peer_self_stale(cfg, flags, age))
		takeover_pass(p, HBPF_RS_DAEMON_DEAD, now);
	arm_peer_timer(p, cfg->detect_ns, up);

	if (w->type != HBPF_WT_HB)
		return XDP_DROP; /* our own ECHO came back: consumed */
	hb_requests(w, eth, woff, end, peer, p, cfg->self, nsets, flags, now);
	return hb_reflect(eth, ip, udp, w, woff, end, cfg, key, &kept, nsets, mac, now);
}

#endif /* HBPF_HEARTBEAT_BPF_H */
