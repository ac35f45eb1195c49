/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Claims and partitions (claim.c): the held-set record, the tie-breaker,
 * the start-up rounds and the lost peers' sets that wait for the
 * tie-breaker or a dampening hold-down.  Calls down into the sets (set.h)
 * and the cluster view (peers.h); the daemon routes the kernel's claims,
 * the ticks and the sets' state changes here.
 */
#ifndef HBPF_CLAIM_H
#define HBPF_CLAIM_H

#include <stdint.h>
#include "config.h"
#include "held.h"
#include "loader.h"
#include "loop.h"
#include "peers.h"
#include "set.h"
#include "tiebreak.h"

/* One set's claim state. */
struct claim_set {
	/* partition safety: a claim waiting for the tie-breaker */
	uint64_t tb_claim_ns; /* when it began, 0 = none */
	uint64_t tb_ans_ns;   /* send time of the first probe answered since */
	int tb_peer;	      /* the lost peer, -1 = a start-up claim */
	int tb_said;	      /* "not answering" / "refused" logged for this claim */
	/* dampened claim: a lost peer's set taken only after a hold-down */
	uint64_t hold_until_ns;	   /* end of the hold-down, 0 = none */
	struct hbpf_event hold_ev; /* the kernel's claim it holds */
	int held;		   /* held when the daemon last stopped (held-set record) */
};

struct claim {
	const struct hbpf_config *cfg;
	struct hbpf_kern *k;
	struct peers *peers;
	struct loop *loop;
	struct setrt *sets;
	const int *stopping; /* the daemon releases everything before exit */
	struct claim_set cs[HBPF_MAX_SETS];
	uint64_t claim_at_ns; /* start-up listening period ends: resume round */
	uint64_t prio_at_ns;  /* priority round (resumers announced by then) */
	int resumed;	      /* resume round done */
	int claimed;	      /* priority round done */
	struct tiebreak tb;
	struct watch tb_w;
	char held_path[HBPF_PATH_MAX + HBPF_NAME_MAX + 8];
	uint32_t held_mask; /* sets in the record */
	uint32_t held_epochs[HBPF_MAX_SETS];
	struct held_writer held_w; /* writes the record off the loop */
	int held_w_ok;
	uint64_t held_err_seen;
};

/*
 * After the sets' machines exist, before the loop runs: read the held-set
 * record, start its writer, open the tie-breaker.  claim_at_ns: when the
 * start-up listening period ends.
 */
int claim_open(struct claim *cl, const struct hbpf_config *cfg, struct hbpf_kern *k,
	       struct peers *peers, struct loop *loop, struct setrt *sets, const int *stopping,
	       uint64_t claim_at_ns);
/* Flush the last record (bounded) and close the tie-breaker. */
void claim_close(struct claim *cl);
void claim_tick(struct claim *cl, uint64_t now);
/* HBPF_EV_CLAIM for an OFFLINE set (the kernel left the takeover to us). */
void claim_event(struct claim *cl, struct setrt *s, const struct hbpf_event *ev);
/* s changed state: keep the held-set record in step. */
void claim_state_changed(struct claim *cl, struct setrt *s, int old_state, int new_state);
/* The gate the configuration asks for (FSM_GATE_*). */
int claim_gate(const struct hbpf_config *cfg, const struct hbpf_cfg_set *c);

#endif /* HBPF_CLAIM_H */
