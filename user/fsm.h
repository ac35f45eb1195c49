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

const char *fsm_state_name(int state); /* "offline", "acquiring", ... */
const char *fsm_step_name(int kind);   /* "kernel-own", "vip-up", ... */

#endif /* HBPF_FSM_H */
