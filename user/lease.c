// SPDX-License-Identifier: GPL-2.0-only
/*
 * Delta-lease decisions (see lease.h and docs/DISKFORMAT.md).  Pure: the
 * caller reads and writes the blocks and passes the time.
 *
 * Liveness of a slot is judged only on what we observed: a node is live when
 * we saw its counter change less than a timeout ago, expired when our
 * observations span a full timeout without a change, and unknown otherwise
 * (just started watching, or our own reads stopped: a peer is never called
 * dead because we could not read the disk).  The first value seen is not a
 * change: a slot nobody writes must be watched a full timeout before it
 * counts as expired, exactly like one that stopped.
 */
#include <errno.h>
#include <string.h>

#include "lease.h"
#include "util.h"

#define NS_PER_MS 1000000ull

void lease_init(struct lease *l, int self, uint32_t timeout_ms, uint32_t renew_ms)
{
	memset(l, 0, sizeof(*l));
	l->self = self;
	l->timeout_ns = timeout_ms * NS_PER_MS;
	l->renew_ns = renew_ms * NS_PER_MS;
}

void lease_observe(struct lease *l, int node, const struct dgm_slot *s, uint64_t now)
{
	if (node < 0 || node >= DGM_MAX_NODES)
		return;
	/* 0 means "never" in every time field; CLOCK_MONOTONIC is never 0 anyway. */
	if (!now)
		now = 1;
	if (!l->first_obs_ns)
		l->first_obs_ns = now;
	if (!uuid_zero(s->uuid))
		memcpy(l->uuid, s->uuid, 16);
	if (!l->seen_ns[node]) {
		l->counter[node] = s->counter;
		l->changed_ns[node] = now;
	} else if (s->counter != l->counter[node]) {
		/* Any change counts, backwards too: a re-initialised or restarted writer is alive.
		 */
		l->counter[node] = s->counter;
		l->changed_ns[node] = now;
		l->advanced |= 1u << node;
	}
	l->seen_ns[node] = now;
}

int lease_node_live(const struct lease *l, int node, uint64_t now)
{
	if (node < 0 || node >= DGM_MAX_NODES || !l->seen_ns[node])
		return -1;
	if ((l->advanced & (1u << node)) && now - l->changed_ns[node] < l->timeout_ns)
		return 1;
	if (l->seen_ns[node] - l->changed_ns[node] >= l->timeout_ns)
		return 0;
	return -1;
}

int lease_decide(const struct lease *l, const struct dgm_owner *o, uint64_t now, int force,
		 int *overridden)
{
	int live;

	if (overridden)
		*overridden = -1;
	if (o->node == DGM_OWNER_NONE)
		return LD_CLAIM;
	if (o->node == l->self && l->generation && o->generation == l->generation)
		return LD_MINE;
	/*
	 * Anyone else, including ourselves under another generation (a previous
	 * run of this node, or a second node misconfigured with our id): only a
	 * slot watched silent for a full timeout is free to take.  An owner id
	 * without a slot cannot be watched (decode refuses it anyway).
	 */
	live = o->node < DGM_MAX_NODES ? lease_node_live(l, o->node, now) : -1;
	if (live == 0)
		return LD_CLAIM;
	if (force) {
		if (overridden)
			*overridden = o->node;
		return LD_CLAIM;
	}
	/*
	 * HELD only while the counter is visibly moving (one missed beat
	 * allowed): an owner that just died is still "live" for a timeout, and
	 * its successor must keep waiting for the expiry rather than give up.
	 */
	if (o->node >= DGM_MAX_NODES)
		return LD_HELD;
	if (live > 0 && now - l->changed_ns[o->node] < 2 * l->renew_ns)
		return LD_HELD;
	return LD_WAIT;
}

void lease_claim(struct lease *l, const struct dgm_owner *o, uint64_t now, struct dgm_owner *mine,
		 struct dgm_slot *slot)
{
	int self = l->self;

	memcpy(l->uuid, o->uuid, 16);
	l->generation = o->generation + 1;
	/* Continue from what our slot shows, so a restart still reads as a change. */
	if (self >= 0 && self < DGM_MAX_NODES && l->seen_ns[self] &&
	    l->counter[self] > l->my_counter)
		l->my_counter = l->counter[self];
	l->claim_ns = now;
	l->claim_done_ns = 0;
	/* The fencing clock starts with the claim: if no write ever lands we still fence. */
	l->renewed_ns = now;

	memset(mine, 0, sizeof(*mine));
	mine->node = (uint8_t)self;
	mine->generation = l->generation;
	memcpy(mine->uuid, o->uuid, 16);
	lease_next_slot(l, slot);
}

int lease_claim_written(struct lease *l, uint64_t written_ns)
{
	if (written_ns < l->claim_ns || written_ns - l->claim_ns > l->renew_ns)
		return -ETIMEDOUT;
	l->claim_done_ns = written_ns;
	return 0;
}

uint64_t lease_settle_at(const struct lease *l)
{
	uint64_t from = l->claim_done_ns > l->claim_ns ? l->claim_done_ns : l->claim_ns;

	return from + 2 * l->renew_ns;
}

int lease_confirm(const struct lease *l, const struct dgm_owner *o)
{
	if (l->generation && o->node == l->self && o->generation == l->generation)
		return 0;
	return -EBUSY;
}

void lease_next_slot(struct lease *l, struct dgm_slot *slot)
{
	memset(slot, 0, sizeof(*slot));
	slot->node = (uint8_t)l->self;
	slot->counter = ++l->my_counter;
	slot->generation = l->generation;
	memcpy(slot->uuid, l->uuid, 16);
}

void lease_renewed(struct lease *l, uint64_t now)
{
	l->renewed_ns = now ? now : 1;
}

int lease_must_fence(const struct lease *l, uint64_t now)
{
	uint64_t limit;

	if (!l->renewed_ns || now < l->renewed_ns)
		return 0;
	/*
	 * Peers call us expired no sooner than a timeout after our last landed
	 * write; fencing two renew periods earlier leaves that much to stop.
	 * A timeout under 2 renew periods (never valid on disk) fences at once.
	 */
	limit = l->timeout_ns > 2 * l->renew_ns ? l->timeout_ns - 2 * l->renew_ns : 0;
	return now - l->renewed_ns > limit;
}

void lease_drop(struct lease *l)
{
	l->generation = 0;
	l->claim_ns = 0;
	l->claim_done_ns = 0;
	l->renewed_ns = 0;
}
