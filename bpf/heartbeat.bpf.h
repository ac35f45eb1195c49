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

#include "siphash.bpf.h"

#define HB_NOT_MINE (-1) /* not a heartbeat: let the gate look at it */

/*
 * Word access to the wire.  struct hbpf_wire is packed (alignment 1), so a
 * plain w->field makes clang split every access into single bytes; the
 * fields sit at naturally aligned offsets inside the struct and unaligned
 * packet access is fine on the targets we run, so read and write whole words.
 */
#define W32(w, f) (*(__be32 *)((void *)(w) + offsetof(struct hbpf_wire, f)))
#define W64(w, f) (*(__be64 *)((void *)(w) + offsetof(struct hbpf_wire, f)))

/*
 * epoch[s] of the wire for a loop index s.  A variable offset makes the
 * verifier forget the checked packet range, so the slot is checked again
 * against data_end (one compare).
 */
static __always_inline __be32 *wire_epoch(const struct hbpf_wire *w, __u32 s, void *end)
{
	__be32 *ep = (void *)w + offsetof(struct hbpf_wire, epoch) + (s & (HBPF_MAX_SETS - 1)) * 4;

	if ((void *)(ep + 1) > end)
		return NULL;
	return ep;
}

/* The key a packet names: keyid 0 or one in no slot has none. */
static __always_inline const struct hbpf_key *wire_key(__u32 keyid)
{
	for (__u32 i = 0; i < HBPF_MAX_KEYS; i++) {
		const struct hbpf_key *k = bpf_map_lookup_elem(&keys, &i);

		if (k && keyid && k->keyid == keyid)
			return k;
	}
	return NULL;
}

/*
 * Replay check against the window of the packet's (peer, link).  An HB must
 * be newer than the last accepted one: a larger boot (the peer's daemon
 * restarted), or the same boot and a larger seq.  An ECHO must carry one of
 * our own send times that is not in the future, at most 2 * detect old
 * (older could not prove the peer alive now) and newer than the last ECHO.
 */
static __always_inline int wire_replayed(const struct hbpf_cfg *cfg, const struct hbpf_wire *w,
					 const struct hbpf_win *win, __u64 now)
{
	__u64 boot, tx;
	__u32 seq;

	if (w->type == HBPF_WT_HB) {
		boot = bpf_be64_to_cpu(W64(w, boot));
		seq = bpf_ntohl(W32(w, seq));
		return boot < win->boot || (boot == win->boot && seq <= win->seq);
	}
	tx = bpf_be64_to_cpu(W64(w, orig_tx_ns));
	return tx > now || now - tx > 2 * cfg->detect_ns || tx <= win->echo_tx_ns;
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

/* Grace of a clean restart announced by the peer. */
static __always_inline int peer_restarting(__u32 flags, __u32 restart_left_ms)
{
	return (flags & HBPF_WF_RESTARTING) && restart_left_ms;
}

/* The peer's daemon is dead: no stamp, or a stamp older than daemon_dead_ns. */
static __always_inline int peer_daemon_dead(const struct hbpf_cfg *cfg, __u32 flags, __u32 age_us,
					    __u32 restart_left_ms)
{
	if (peer_restarting(flags, restart_left_ms))
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
static __always_inline int peer_self_stale(const struct hbpf_cfg *cfg, __u32 flags, __u32 age_us,
					   __u32 restart_left_ms)
{
	if (peer_restarting(flags, restart_left_ms))
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

/*
 * Follow peer p's announced ownership.  Visits only the sets whose bit is
 * set now or was set before (`left`: visited and cleared one by one), so a peer that owns nothing
 * costs nothing.  A set we own and p claims with a higher epoch (or the same epoch and p first in
 * priority) is yielded at once.
 */
static __always_inline void sync_owned(const struct hbpf_wire *w, void *end, __u32 p, __u32 self,
				       __u32 owned, __u32 left, int stale, __u64 now)
{
	for (__u32 s = 0; s < HBPF_MAX_SETS; s++) {
		__u32 bit = 1u << s;
		struct hbpf_set *set;
		__be32 *wep;
		__u32 ep;

		if (!left)
			break;
		if (!(left & bit))
			continue;
		left &= ~bit;
		set = get_set(s);
		if (!set || !(set->flags & HBPF_SF_CONFIGURED))
			continue;
		if (!(owned & bit)) {
			/* Released (or handed off): nobody holds it unless p was
			 * demoted by its own stale-daemon watchdog. */
			if (set->owner == p && !stale)
				set->owner = HBPF_NODE_NONE;
			continue;
		}
		wep = wire_epoch(w, s, end);
		if (!wep)
			break;
		ep = bpf_ntohl(*wep);
		if (set->owned) {
			if (ep < set->epoch || (ep == set->epoch && !prio_before(set, p, self)))
				continue;
			set->owned = 0;
			set->owner = p;
			set->epoch = ep;
			set->changed_ns = now;
			emit(HBPF_EV_YIELD, HBPF_RS_EPOCH, p, s, ep, 0, now);
			continue;
		}
		set->owner = p;
		if (ep > set->epoch)
			set->epoch = ep;
	}
}

/* Handoff (p released a set for us) and move requests, HB only, deduplicated. */
static __always_inline void hb_requests(const struct hbpf_wire *w, void *end,
					struct hbpf_peer *peer, __u32 p, __u32 self, __u32 owned,
					__u64 now)
{
	__u32 hs = w->handoff_set, ht = w->handoff_to;
	__u32 ms = w->move_set, mt = w->move_to;
	struct hbpf_set *set;

	if (hs == HBPF_NODE_NONE || ht == HBPF_NODE_NONE) {
		peer->handoff_set = HBPF_NODE_NONE;
		peer->handoff_to = HBPF_NODE_NONE;
	} else if (ht == self && hs < HBPF_MAX_SETS) {
		__be32 *wep = wire_epoch(w, hs, end);
		struct hbpf_local *loc = get_local();

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
		if (set && wep && loc && !(loc->flags & HBPF_WF_SHUTDOWN) &&
		    (set->flags & HBPF_SF_CONFIGURED) && !set->owned && !(owned & (1u << hs)) &&
		    bpf_ntohl(*wep) >= set->epoch)
			set_take(set, hs, self, p, HBPF_RS_HANDOFF, bpf_ntohl(*wep), now);
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
 * set to 0), write this node's state into the state part and sign the
 * result with our send key (slot 0).
 */
static __always_inline int hb_reflect(struct ethhdr *eth, struct iphdr *ip, struct udphdr *udp,
				      struct hbpf_wire *w, void *end, const struct hbpf_cfg *cfg,
				      __u64 now)
{
	struct hbpf_local *loc = get_local();
	const struct hbpf_key *key;
	__u32 k0 = 0;
	__u8 mac[ETH_ALEN];
	__u32 mask = 0, age = 0xffffffff, left = 0;
	__be32 a;
	__be16 port;

	key = bpf_map_lookup_elem(&keys, &k0);
	if (!key || !key->keyid)
		return xdp_drop(HBPF_DROP_KEY); /* only a rollover key: we cannot sign */
	mac_copy(mac, eth->h_dest);
	mac_copy(eth->h_dest, eth->h_source);
	mac_copy(eth->h_source, mac);
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
	if (loc && loc->restart_until_ns > now) {
		__u64 ms = (loc->restart_until_ns - now) / NSEC_PER_MSEC;

		left = ms < 0xffffffffull ? ms : 0xffffffff;
	}
	/* Unrolled: every slot then has a constant offset inside the range
	 * already checked, and there is no loop overhead on the hot path. */
#pragma clang loop unroll(full)
	for (__u32 s = 0; s < HBPF_MAX_SETS; s++) {
		struct hbpf_set *set = get_set(s);

		if (set) {
			W32(w, epoch[s]) = bpf_htonl(set->epoch);
			if (set->owned)
				mask |= 1u << s;
		}
	}
	w->type = HBPF_WT_ECHO;
	w->src_node = cfg->self;
	W32(w, flags) = bpf_htonl(loc ? loc->flags : 0);
	W32(w, daemon_age_us) = bpf_htonl(age);
	W32(w, restart_left_ms) = bpf_htonl(left);
	W32(w, owned) = bpf_htonl(mask);
	w->handoff_set = HBPF_NODE_NONE;
	w->handoff_to = HBPF_NODE_NONE;
	w->move_set = HBPF_NODE_NONE;
	w->move_to = HBPF_NODE_NONE;
	w->keyid = key->keyid;
	W64(w, mac) = sip_le64(wire_siphash(w, key));
	count_stat(HBPF_STAT_ECHO_TX);
	return XDP_TX;
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
	__u32 p, l, idx, flags, age, left, owned, ulen;
	__u64 now;
	int dead, up;

	if ((void *)(ip + 1) > end || ip->ihl < 5)
		return xdp_drop(HBPF_DROP_SHORT);
	if (ip->version != 4 || ip->protocol != IPPROTO_UDP ||
	    (ip->frag_off & bpf_htons(IP_FRAG_MASK)))
		return HB_NOT_MINE;
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
	if ((void *)(w + 1) > end)
		return xdp_drop(HBPF_DROP_SHORT);
	ulen = bpf_ntohs(udp->len);
	if (ulen < HB_UDP_LEN)
		return xdp_drop(HBPF_DROP_SHORT);
	if (ulen > HB_UDP_LEN)
		return xdp_drop((void *)udp + ulen > end ? HBPF_DROP_SHORT : HBPF_DROP_SIZE);
	if (W32(w, magic) != bpf_htonl(HBPF_WIRE_MAGIC))
		return xdp_drop(HBPF_DROP_MAGIC);
	if (w->version != HBPF_WIRE_VERSION)
		return xdp_drop(HBPF_DROP_VERSION);
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
	if (W64(w, mac) != sip_le64(wire_siphash(w, key)))
		return xdp_drop(HBPF_DROP_MAC);

	idx = p * HBPF_MAX_LINKS + l;
	peer = get_peer(p);
	lnk = bpf_map_lookup_elem(&links, &idx);
	win = bpf_map_lookup_elem(&hb_win, &idx);
	if (!peer || !lnk || !win)
		return XDP_DROP;
	now = bpf_ktime_get_ns();
	if (wire_replayed(cfg, w, win, now))
		return xdp_drop(HBPF_DROP_REPLAY);
	wire_window(w, win);
	flags = bpf_ntohl(W32(w, flags));
	age = bpf_ntohl(W32(w, daemon_age_us));
	left = bpf_ntohl(W32(w, restart_left_ms));
	owned = (flags & HBPF_WF_SHUTDOWN) ? 0 : bpf_ntohl(W32(w, owned));

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

	/* Ownership first: a takeover for a dead daemon below must see the
	 * sets this very packet says the peer holds. */
	if (owned | peer->owned)
		sync_owned(w, end, p, cfg->self, owned, owned | peer->owned,
			   peer_self_stale(cfg, flags, age, left), now);
	peer->owned = owned;
	dead = peer_daemon_dead(cfg, flags, age, left);
	up = peer_liveness(peer, p, dead, now);
	arm_peer_timer(p, cfg->detect_ns, up);

	if (w->type != HBPF_WT_HB)
		return XDP_DROP; /* our own ECHO came back: consumed */
	hb_requests(w, end, peer, p, cfg->self, owned, now);
	return hb_reflect(eth, ip, udp, w, end, cfg, now);
}

#endif /* HBPF_HEARTBEAT_BPF_H */
