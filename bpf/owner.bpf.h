/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Ownership in the kernel: taking a set over, yielding it, demoting this
 * node, and the two kinds of timers that drive them (a deadline per peer and
 * the self watchdog).  Every change of sets[s].owned is made here and sends
 * one event, so the daemon learns of it from the ring buffer.
 */
#ifndef HBPF_OWNER_BPF_H
#define HBPF_OWNER_BPF_H

#include "base.bpf.h"
#include "maps.bpf.h"

/* Make this node the owner of set s with a fresh epoch. */
static __always_inline void set_take(struct hbpf_set *set, __u32 s, __u32 self, __u32 from,
				     __u32 reason, __u32 min_epoch, __u64 now)
{
	__u32 epoch = set->epoch > min_epoch ? set->epoch : min_epoch;

	set->epoch = epoch + 1;
	set->owner = self;
	set->owned = 1;
	set->changed_ns = now;
	emit(HBPF_EV_TAKEOVER, reason, from, s, epoch + 1, 0, now);
}

/*
 * Give set s up to peer `to`, whose heartbeat claims it at a higher epoch (or
 * the same epoch with `to` first in priority): the claimant's epoch is
 * adopted, not bumped, so both nodes agree on it.
 */
static __always_inline void set_yield(struct hbpf_set *set, __u32 s, __u32 to, __u32 epoch,
				      __u64 now)
{
	set->owned = 0;
	set->owner = to;
	set->epoch = epoch;
	set->changed_ns = now;
	emit(HBPF_EV_YIELD, HBPF_RS_EPOCH, to, s, epoch, 0, now);
}

#define REANNOUNCE_GAP_NS (100 * NSEC_PER_MSEC) /* at most one re-announce request per set */

/*
 * Ask the daemon to announce owned set s again (HBPF_EV_STALE_ARP), at most
 * once per REANNOUNCE_GAP_NS: the network may still send the set's frames
 * to another port (a foreign ARP for its VIP, a peer that just gave it up).
 */
static __always_inline void set_reannounce(struct hbpf_set *set, __u32 s, __u64 now)
{
	if (set->garp_req_ns && now - set->garp_req_ns < REANNOUNCE_GAP_NS)
		return;
	set->garp_req_ns = now;
	emit(HBPF_EV_STALE_ARP, 0, HBPF_NODE_NONE, s, set->epoch, 0, now);
}

/*
 * set_reannounce for every set of mask this node owns.  A global function,
 * verified once, outside the heartbeat path's per-set loop (where a branch
 * per set multiplies the states the verifier walks).
 */
__noinline int reannounce_owned(__u32 mask, __u64 now)
{
	for (__u32 s = 0; s < HBPF_MAX_SETS; s++) {
		struct hbpf_set *set;

		if (!(mask >> s))
			break;
		if (!(mask & (1u << s)))
			continue;
		set = get_set(s);
		if (set && set->owned)
			set_reannounce(set, s, now);
	}
	return 0;
}

/* 1 when node a comes before node b in set's takeover priority. */
static __always_inline int prio_before(const struct hbpf_set *set, __u32 a, __u32 b)
{
	for (__u32 i = 0; i < HBPF_MAX_NODES; i++) {
		__u32 n = set->prio[i];

		if (n == a)
			return 1;
		if (n == b || n >= HBPF_MAX_NODES)
			return 0;
	}
	return 0;
}

/*
 * The node that should hold set s after `dead` went away: the first node in
 * its prio that is not `dead` and is alive (self always is), or
 * HBPF_NODE_NONE.  A global function, so the verifier checks it once
 * instead of once per set of the takeover loop.
 */
__noinline __u32 next_owner(__u32 s, __u32 self, __u32 dead)
{
	struct hbpf_set *set = get_set(s);

	if (!set)
		return HBPF_NODE_NONE;
	for (__u32 i = 0; i < HBPF_MAX_NODES; i++) {
		__u32 n = set->prio[i];
		struct hbpf_peer *peer;

		if (n >= HBPF_MAX_NODES)
			break;
		if (n == dead)
			continue;
		if (n == self) {
			/* A node without carrier on its public link can serve
			 * nobody: it never takes a set (an isolated node that
			 * sees everyone "dead" must not claim their sets); nor
			 * does a node whose daemon is shutting down. */
			struct hbpf_local *loc = get_local();

			if (loc && (loc->flags & HBPF_WF_PUBLIC_UP) &&
			    !(loc->flags & HBPF_WF_SHUTDOWN))
				return n;
			continue;
		}
		peer = get_peer(n);
		if (peer && peer->state == HBPF_PEER_ALIVE && (peer->flags & HBPF_WF_PUBLIC_UP) &&
		    !(peer->flags & HBPF_WF_SHUTDOWN))
			return n;
	}
	return HBPF_NODE_NONE;
}

/*
 * Takeover pass after peer `dead` was declared dead (its kernel or its
 * daemon): every automatic set it was believed to own goes to the next alive
 * node by priority.  This node acts only for itself; for another node it just
 * records the expected owner, which that node's own kernel makes real.
 * Global (verified once): it runs from xdp_node and from the deadline timer.
 */
__noinline int takeover_pass(__u32 dead, __u32 reason, __u64 now)
{
	struct hbpf_cfg *cfg = get_cfg();
	struct hbpf_local *loc = get_local();
	__u32 gated;

	if (!cfg || !loc)
		return 0;
	/* A two-node cluster without shared disks cannot tell a dead peer from
	 * a cut link; with a tie-breaker configured the daemon asks it first. */
	gated = loc->flags & HBPF_WF_TB_GATE;
	for (__u32 s = 0; s < HBPF_MAX_SETS; s++) {
		struct hbpf_set *set = get_set(s);
		__u32 next;

		if (!set)
			break;
		if ((set->flags & (HBPF_SF_CONFIGURED | HBPF_SF_AUTO)) !=
			    (HBPF_SF_CONFIGURED | HBPF_SF_AUTO) ||
		    set->owned || set->owner != dead)
			continue;
		next = next_owner(s, cfg->self, dead);
		if (next == cfg->self &&
		    ((set->flags & (HBPF_SF_FENCED | HBPF_SF_DAMPENED)) || gated))
			/* Shared disks: only the lease proves the old owner gone
			 * (it may be partitioned, still renewing on disk).  The
			 * daemon fences first and then owns the set.  Gated by a
			 * tie-breaker: the daemon owns it after a fresh answer.
			 * Dampened (it moved too often: a flapping path): the
			 * daemon owns it if the peer stays silent for a while. */
			emit(HBPF_EV_CLAIM, reason, dead, s, set->epoch, 0, now);
		else if (next == cfg->self)
			set_take(set, s, next, dead, reason, 0, now);
		else
			set->owner = next;
	}
	return 0;
}

/* Our own daemon went stale: give up every set at once. */
__noinline int demote_all(__u64 now)
{
	for (__u32 s = 0; s < HBPF_MAX_SETS; s++) {
		struct hbpf_set *set = get_set(s);

		if (!set)
			break;
		if (!set->owned)
			continue;
		set->owned = 0;
		set->owner = HBPF_NODE_NONE;
		set->changed_ns = now;
		emit(HBPF_EV_DEMOTE, HBPF_RS_SELF_STALE, HBPF_NODE_NONE, s, set->epoch, 0, now);
	}
	return 0;
}

/*
 * Deadline of peer *key.  Armed (pushed out) by every valid packet from the
 * peer; when it fires early because packets kept coming it re-arms for the
 * remainder.  It refuses to declare a death while this node itself has not
 * sent for a whole detection window, or never has (its daemon is still
 * starting: the programs hear peers before the sender runs): then the
 * silence may be ours, and a node whose daemon is not up must not take sets.
 */
static int peer_timer_cb(void *map, __u32 *key, struct hbpf_timer *val)
{
	struct hbpf_cfg *cfg = get_cfg();
	struct hbpf_local *loc = get_local();
	__u32 p = *key;
	struct hbpf_peer *peer;
	__u64 now, last_seen;
	__s64 quiet;
	__u32 st;

	val->armed = 0;
	if (!cfg || !loc || p >= HBPF_MAX_NODES || !cfg->detect_ns)
		return 0;
	peer = get_peer(p);
	if (!peer)
		return 0;
	st = peer->state;
	if (st != HBPF_PEER_ALIVE && st != HBPF_PEER_DAEMON_DEAD)
		return 0;
	now = bpf_ktime_get_ns();
	last_seen = peer->last_seen_ns;
	quiet = (__s64)(now - last_seen);
	if (quiet < (__s64)cfg->detect_ns) {
		val->armed = 1;
		bpf_timer_start(&val->t, cfg->detect_ns - (quiet > 0 ? quiet : 0), 0);
		return 0;
	}
	if (!loc->last_tx_ns || (__s64)(now - loc->last_tx_ns) > (__s64)cfg->detect_ns) {
		count_stat(HBPF_STAT_TIMER_STARVED);
		val->armed = 1;
		bpf_timer_start(&val->t, cfg->interval_ns ? cfg->interval_ns : NSEC_PER_MSEC, 0);
		return 0;
	}
	if (__sync_val_compare_and_swap(&peer->state, st, HBPF_PEER_DEAD) != st)
		return 0;
	peer->deaths++;
	peer->state_ns = now;
	count_stat(HBPF_STAT_TIMER_FIRE);
	emit(HBPF_EV_PEER_DEAD, HBPF_RS_PEER_DEAD, p, HBPF_NODE_NONE, 0, last_seen, now);
	takeover_pass(p, HBPF_RS_PEER_DEAD, now);
	return 0;
}

static __always_inline __u64 watchdog_period(const struct hbpf_cfg *cfg)
{
	__u64 period = cfg->demote_ns / 8;

	return period > NSEC_PER_MSEC ? period : NSEC_PER_MSEC;
}

/*
 * Self watchdog: when our daemon's liveness stamp is older than demote_ns
 * (and no clean restart is announced), this node stops answering for every
 * set, a safety margin before the peers' daemon deadline takes them over.
 */
static int self_timer_cb(void *map, __u32 *key, struct hbpf_timer *val)
{
	struct hbpf_cfg *cfg = get_cfg();
	struct hbpf_local *loc = get_local();
	__u64 now, stamp;

	if (!cfg || !loc)
		return 0;
	now = bpf_ktime_get_ns();
	stamp = loc->stamp_ns;
	if (stamp && cfg->demote_ns && (__s64)(now - stamp) > (__s64)cfg->demote_ns &&
	    !(loc->restart_until_ns > now))
		demote_all(now);
	bpf_timer_start(&val->t, watchdog_period(cfg), 0);
	return 0;
}

/*
 * Make sure peer p's deadline is queued.  While it is (`armed`), nothing is
 * done: the callback measures the silence from peers[p].last_seen_ns and
 * re-arms for the remainder, so the deadline still falls detect_ns after the
 * last packet.  `force` restarts it regardless (the peer just came back).
 * A timer never initialised (bpf_timer_start says -EINVAL) is set up here.
 */
static __always_inline void arm_peer_timer(__u32 p, __u64 detect_ns, int force)
{
	struct hbpf_timer *t = bpf_map_lookup_elem(&timers, &p);

	if (!t || !detect_ns || (t->armed && !force))
		return;
	t->armed = 1;
	if (bpf_timer_start(&t->t, detect_ns, 0) != -EINVAL)
		return;
	bpf_timer_init(&t->t, &timers, CLOCK_MONOTONIC);
	bpf_timer_set_callback(&t->t, peer_timer_cb);
	bpf_timer_start(&t->t, detect_ns, 0);
}

/*
 * Initialise (without starting) peer p's deadline timer and point it at
 * this program's callback.  Global so that xdp_arm's loop over the peers
 * does not look to the verifier like a loop that never makes progress.
 */
__noinline int init_peer_timer(__u32 p)
{
	struct hbpf_timer *t = bpf_map_lookup_elem(&timers, &p);

	if (!t)
		return -EINVAL;
	bpf_timer_init(&t->t, &timers, CLOCK_MONOTONIC); /* -EBUSY: done before */
	return bpf_timer_set_callback(&t->t, peer_timer_cb);
}

#endif /* HBPF_OWNER_BPF_H */
