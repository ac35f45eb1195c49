/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The service-set state machine, as a pure function: fsm_step() takes the
 * set's machine, one event and the time, and returns what to do next.  It does
 * no I/O; the daemon runs the actions and feeds their outcome back as events.
 *
 * A set's takeover and release are ordered step lists ("plans").  Takeover:
 *   [DG_ACQUIRE per disk group], KERNEL_OWN, VIP_UP, GARP,
 *   [DG_FSCK, DG_MOUNT per disk group], SVC_START(0..n-1)
 * (with disk groups the leases come first: only the lease proves the old
 * owner gone, so the network identity moves after the fence).
 * Release (the reverse of what was done):
 *   SVC_STOP(n-1..0), [DG_UNMOUNT per disk group], KERNEL_DEMOTE, VIP_DOWN,
 *   [DG_RELEASE per disk group], HANDOFF (only when a target node was given)
 * Disk-group steps are part of the plan as soon as the set has disk groups
 * (fsm_init's ndg); the daemon's disk-group engine runs them.
 */
#ifndef HBPF_FSM_H
#define HBPF_FSM_H

#include <stdint.h>

/* States */
#define FSM_OFFLINE 0
#define FSM_ACQUIRING 1
#define FSM_ONLINE 2
#define FSM_RELEASING 3
#define FSM_FAILED 4
#define FSM_NSTATES 5

/* Step kinds (struct fsm_stepdef.kind) */
#define STEP_KERNEL_OWN 1     /* make this node owner in the kernel sets map */
#define STEP_VIP_UP 2	      /* plumb the VIPs (libnl) */
#define STEP_GARP 3	      /* first gratuitous ARP burst */
#define STEP_DG_ACQUIRE 4     /* disk group: lease + import (arg = dg index) */
#define STEP_DG_FSCK 5	      /* disk group: fsck all volumes in parallel */
#define STEP_DG_MOUNT 6	      /* disk group: mount in order */
#define STEP_SVC_START 7      /* arg = service index */
#define STEP_SVC_STOP 8	      /* arg = service index */
#define STEP_DG_UNMOUNT 9     /* kill users, unmount in reverse order */
#define STEP_DG_RELEASE 10    /* deport, release the lease */
#define STEP_KERNEL_DEMOTE 11 /* clear ownership in the kernel sets map */
#define STEP_VIP_DOWN 12      /* unplumb the VIPs */
#define STEP_HANDOFF 13	      /* announce the handoff to the target node */

/*
 * Events (fsm_step's ev).
 * ACQUIRE: take the set (command, kernel takeover, start-up); arg 1 says the
 *   kernel already owns it, so undoing a failure must demote it.
 * RELEASE: give it up; arg = target node id or -1.
 * LOST: the kernel already dropped ownership (self stale, higher epoch):
 *   release without KERNEL_DEMOTE and without handoff.
 * STEP_OK / STEP_FAIL: the running step finished / failed or timed out.
 * RESET: operator clears FAILED -> OFFLINE.
 */
#define FSM_EV_ACQUIRE 1
#define FSM_EV_RELEASE 2
#define FSM_EV_LOST 3
#define FSM_EV_STEP_OK 4
#define FSM_EV_STEP_FAIL 5
#define FSM_EV_RESET 6

#define FSM_MAX_STEPS 48

struct fsm_stepdef {
	uint8_t kind; /* STEP_* */
	uint8_t arg;  /* service or disk-group index */
};

struct fsm {
	int state; /* FSM_* */
	int nsvc;  /* services of the set */
	int ndg;   /* disk groups of the set */
	/* current plan */
	int nsteps;
	int cur; /* index of the running step; == nsteps when idle */
	struct fsm_stepdef plan[FSM_MAX_STEPS];
	int releasing_after_failure; /* the release undoes a failed takeover */
	int target;		     /* handoff target node, -1 = none */
	int pending;		     /* FSM_EV_RELEASE/ACQUIRE queued while busy, 0 = none */
	int pending_arg;
	/* what the takeover completed, so a release undoes exactly that */
	int kernel_owned;     /* KERNEL_OWN done (or kernel took it) */
	int vip_up;	      /* VIP_UP done */
	uint32_t dg_done;     /* bit i: disk group i acquired (needs release) */
	uint32_t dg_mounted;  /* bit i: disk group i mounted */
	uint32_t svc_started; /* bit i: service i start succeeded */
	uint64_t state_ns;    /* when the state was entered */
	uint64_t step_ns;     /* when the running step started */
	char why[96];	      /* last failure reason (FSM_FAILED) */
};

/* Actions fsm_step() asks for */
#define FSM_ACT_NONE 0
#define FSM_ACT_RUN 1 /* run step act.step; report STEP_OK/STEP_FAIL */

struct fsm_action {
	int act; /* FSM_ACT_* */
	struct fsm_stepdef step;
	int old_state; /* state before this call */
	int new_state; /* state after it; != old_state => notify hook */
};

/* Start a set's machine in OFFLINE (or ONLINE when adopting a set the kernel
 * already owns at daemon start: pass online = 1). */
void fsm_init(struct fsm *m, int nsvc, int ndg, int online, uint64_t now);

/*
 * Feed one event.  Rules:
 * - OFFLINE/FAILED + ACQUIRE -> ACQUIRING, runs the takeover plan.
 *   ACQUIRE while ONLINE or ACQUIRING: ignored.  ACQUIRE while RELEASING:
 *   queued (pending) and started when the release ends.
 * - ONLINE/ACQUIRING + RELEASE(target) -> RELEASING.  While ACQUIRING the
 *   running step finishes first (the event is queued), then the release plan
 *   undoes what was done.  RELEASE while OFFLINE: ignored (no action).
 * - LOST: like RELEASE(-1) but without KERNEL_DEMOTE and HANDOFF.  LOST while
 *   OFFLINE or FAILED: no action.
 * - STEP_OK advances; at the end of the takeover plan -> ONLINE; at the end
 *   of a release -> OFFLINE (or FAILED when the release undid a failed
 *   takeover, with why kept).
 * - STEP_FAIL during takeover: -> RELEASING with a plan that undoes what was
 *   done, then FAILED.  STEP_FAIL during release: recorded in why, the release
 *   goes on with the next step (a stuck stop must not keep the VIP).
 * - RESET: FAILED -> OFFLINE.
 * why, when non-NULL, is a short reason copied into m->why on failures.
 * Returns 0, or -EINVAL for an event not defined in the current state (then
 * nothing changes and act->act == FSM_ACT_NONE).
 */
int fsm_step(struct fsm *m, int ev, int arg, const char *why, uint64_t now, struct fsm_action *act);

/*
 * Taking a set nobody holds, at start-up or after a peer was lost, in a
 * cluster that may be partitioned.  gate says how a node that cannot see
 * every other node of the set decides:
 */
#define FSM_GATE_OPEN 0	  /* no tie-breaker: take it (the config check warned) */
#define FSM_GATE_ASK 1	  /* only after a fresh tie-breaker answer */
#define FSM_GATE_CLOSED 2 /* "tie-breaker none": never automatically */

/* Decisions */
#define FSM_CLAIM_NO 0	   /* not this node's to take (now) */
#define FSM_CLAIM_TAKE 1   /* acquire it */
#define FSM_CLAIM_WAIT 2   /* ask the tie-breaker, decide when it answered */
#define FSM_CLAIM_REFUSE 3 /* the gate is closed: an operator decides */
#define FSM_CLAIM_SILENT 4 /* the tie-breaker has not answered within its timeout */

struct fsm_start {
	int resume_round;   /* 1: the first round, only for sets held at shutdown */
	int held;	    /* this node held the set when its daemon last stopped */
	int held_elsewhere; /* a live node announces it */
	int first_usable;   /* this node comes first among the set's usable nodes */
	int all_seen;	    /* every other node of the set is usable: no partition */
	int gate;	    /* FSM_GATE_* */
	int tb_answered;    /* the tie-breaker answered since the decision began */
};

/*
 * Start-up: after listening for two detection periods, a node first resumes
 * what it held at shutdown (resume round), then, two detection periods later
 * and once no live peer is still before its own resume round, claims by
 * priority what nobody holds, so a resumer's announcement reaches the others
 * before they claim.  Nobody resumes or claims a set another live
 * node announces.  Returns FSM_CLAIM_NO, _TAKE, _WAIT or _REFUSE.
 */
int fsm_startup_decide(const struct fsm_start *st);

/*
 * A lost peer's set, with the tie-breaker asked (FSM_GATE_ASK): claim_ns is
 * when the kernel asked (the peer was already silent a whole detection
 * period then), ans_ns when the first probe sent since then was sent (0 = no
 * answer yet).  The set is taken once confirm_ns passed after that probe
 * with the peer still silent (the caller checks): a probe that got through
 * just as a cut healed must not beat the peer's next heartbeat.  Returns
 * FSM_CLAIM_TAKE, _WAIT, or _SILENT after timeout_ns without an answer
 * (the claim stays open: a later answer still takes the set).
 */
int fsm_tb_claim(uint64_t claim_ns, uint64_t ans_ns, uint64_t now, uint64_t confirm_ns,
		 uint64_t timeout_ns);

const char *fsm_state_name(int state); /* "offline", "acquiring", ... */
const char *fsm_step_name(int kind);   /* "kernel-own", "vip-up", ... */

#endif /* HBPF_FSM_H */
