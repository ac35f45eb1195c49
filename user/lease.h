/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Delta leases on a disk group's metadata device (sanlock-style), as pure
 * decisions over observations and a caller-supplied clock: no I/O here.
 *
 * Every node that has the group open reads all slots every renew period (the
 * disk heartbeat) and feeds them to lease_observe(); a holder also advances
 * its own slot's counter every renew period (the caller writes it).  A node is
 * "live on disk" while its counter changed within lease_timeout; it can only be
 * called expired after we watched it for a full lease_timeout without change.
 *
 * Acquiring:
 *  1. observe (read owner + slots) until lease_decide() stops saying WAIT;
 *  2. CLAIM: write owner = {self, generation + 1} and our slot with that
 *     generation; keep renewing;
 *  3. after the settle time (2 renew periods), re-read the owner record:
 *     lease_confirm() says whether we won or a racing claimant overwrote us.
 * Holding: lease_renewed() after each renewal write; lease_must_fence() says
 * when renewals have failed for so long (lease_timeout minus a margin of two
 * renew periods) that peers may soon call us expired: the holder must stop
 * using the disks (demote, stop services, release) before they do.
 */
#ifndef HBPF_LEASE_H
#define HBPF_LEASE_H

#include <stdint.h>
#include "dgmeta.h"

#define LD_WAIT 0  /* keep observing: not yet watched long enough */
#define LD_CLAIM 1 /* free, or the owner's slot expired: claim it */
#define LD_HELD 2  /* the owner is live on disk: refuse (unless forced) */
#define LD_MINE 3  /* we already own it with our generation */

struct lease {
	int self;			    /* our node id */
	uint64_t timeout_ns;		    /* lease_timeout */
	uint64_t renew_ns;		    /* renew period */
	uint64_t first_obs_ns;		    /* first observation (0 = none yet) */
	uint64_t counter[DGM_MAX_NODES];    /* last counter seen per slot */
	uint64_t changed_ns[DGM_MAX_NODES]; /* when it last changed (or first seen) */
	uint64_t generation;		    /* generation we claimed/hold, 0 = none */
	uint64_t claim_ns;		    /* the owner read our claim was decided on */
	uint64_t claim_done_ns;		    /* when the claim's writes completed, 0 = not yet */
	uint64_t renewed_ns;		    /* last successful renewal write */
	uint64_t my_counter;		    /* our slot counter */
	uint64_t seen_ns[DGM_MAX_NODES];    /* last observation of each slot (0 = never) */
	uint32_t advanced;		    /* bit n: node n's counter changed since first seen */
	uint8_t uuid[16]; /* group UUID for the slots we write (from claim/observe) */
};

void lease_init(struct lease *l, int self, uint32_t timeout_ms, uint32_t renew_ms);
/* Record one read of node's slot at now. */
void lease_observe(struct lease *l, int node, const struct dgm_slot *s, uint64_t now);
/* 1: node's counter changed within timeout (live on disk); 0: expired or
 * never seen advancing over a full timeout; -1: not watched long enough. */
int lease_node_live(const struct lease *l, int node, uint64_t now);
/*
 * What to do about acquiring, given the owner record o read at now:
 * LD_MINE, LD_CLAIM (owner none, or owner's slot expired, or force), LD_HELD
 * (the owner's counter is advancing: changed within 2 renew periods), or
 * LD_WAIT (not expired yet, or not watched long enough).  With force, an owner live on disk is
 * overridden (LD_CLAIM) and *overridden is set to its node id (else -1), so the caller logs it
 * loudly.
 */
int lease_decide(const struct lease *l, const struct dgm_owner *o, uint64_t now, int force,
		 int *overridden);
/* Fill the owner record and our slot for a claim over o (generation + 1). */
void lease_claim(struct lease *l, const struct dgm_owner *o, uint64_t now, struct dgm_owner *mine,
		 struct dgm_slot *slot);
/*
 * The claim bound: the claim's writes completed at written_ns.  0 when that is
 * at most one renew period after the owner read the claim was decided on
 * (the `now` given to lease_claim); then the settle time counts from
 * written_ns.  -ETIMEDOUT when they completed later: a racing claimant may
 * have decided on a read that did not show ours, and the settle time no
 * longer covers it; the caller must drop the claim (lease_drop) and decide
 * again on a fresh read.
 */
int lease_claim_written(struct lease *l, uint64_t written_ns);
/* Earliest time the claim may be confirmed: 2 renew periods after the claim's
 * writes completed (after the claim itself while they have not). */
uint64_t lease_settle_at(const struct lease *l);
/* 0: o shows our claim (we hold it); -EBUSY: someone else's claim won. */
int lease_confirm(const struct lease *l, const struct dgm_owner *o);
/* Next slot content to write for a renewal (counter + 1, our generation). */
void lease_next_slot(struct lease *l, struct dgm_slot *slot);
void lease_renewed(struct lease *l, uint64_t now);
/* 1 when renewals have failed long enough that we must self-fence now. */
int lease_must_fence(const struct lease *l, uint64_t now);
/* Drop our hold (after a release). */
void lease_drop(struct lease *l);

#endif /* HBPF_LEASE_H */
