/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The set runtime: one record per service set around its pure state machine
 * (fsm.h).  It runs the steps the machine asks for (the kernel ownership,
 * the VIPs, GARP bursts, service commands through svc.h, the handoff),
 * feeds their outcome back, times and logs them, runs the notify hook and
 * keeps the dampening of moves.  What lies above it (disk groups, the
 * health monitor, the claims) it reaches only through struct set_ops, so
 * nothing it calls points back up.
 */
#ifndef HBPF_SET_H
#define HBPF_SET_H

#include <stdint.h>
#include "config.h"
#include "fsm.h"
#include "garp.h"
#include "loader.h"
#include "loop.h"
#include "netlink.h"
#include "peers.h"
#include "proc.h"
#include "sender.h"
#include "svc.h"

#define SET_HANDOFF_HOLD_NS 2000000000ull /* how long a handoff/move is announced */
#define SET_MAX_NOTIFY 16		  /* notify hooks running at once */

struct setrt;

/* The layers above the sets, called from the steps (set_ctx.ops). */
struct set_ops {
	/* s leaves old_state for new_state (called before the change is
	 * logged and notified). */
	void (*state_changed)(void *arg, struct setrt *s, int old_state, int new_state);
	/* Start disk-group step kind (STEP_DG_*) on the set's dg-th group:
	 * 0, then set_step_done() when it ends; or -errno. */
	int (*dg_step)(void *arg, struct setrt *s, int kind, int dg);
};

struct notify_proc {
	struct loop *loop;
	struct proc p;
	struct watch w;
	int used;
};

/* What every set's steps use; filled by the daemon before its loop runs. */
struct set_ctx {
	const struct hbpf_config *cfg;
	int self;
	const char *self_name;
	struct hbpf_kern *k;
	struct nlctx *nl;
	int pub_ifindex;
	struct garp *garp; /* NULL: no gratuitous ARP */
	struct sender *snd;
	struct loop *loop;
	struct peers *peers;
	const struct set_ops *ops;
	void *ops_arg;
	struct notify_proc notify[SET_MAX_NOTIFY];
};

struct setrt {
	struct set_ctx *x;
	const struct hbpf_cfg_set *c;
	int id;
	struct fsm m;
	struct svc_run step; /* the running step's command */
	int garp_left;	     /* GARP bursts still due */
	uint64_t garp_next_ns;
	uint64_t trigger_ns; /* what started the current plan (kernel ts) */
	char reason[64];     /* what started the current plan (notify hook) */
	/* dampening: when the last moves happened (ring, 0 = unused) */
	uint64_t move_ns[HBPF_MAX_DAMPEN];
	int move_next;
	int dampened;	/* refused a move; stays until quiet for the window */
	int lease_busy; /* the last DG_ACQUIRE met a live holder */
	int claim_from; /* peer whose death started the running takeover, -1 */
	/* the last step, for status and logs */
	int last_step; /* its kind */
	uint64_t last_step_us;
};

/* Set id of the configuration, its machine ONLINE when the kernel owns it. */
void set_init(struct setrt *s, struct set_ctx *x, int id, uint64_t now);
/* Feed a state-machine event to a set and run what it asks. */
void set_event(struct setrt *s, int ev, int arg, const char *why);
/* A running step ended (commands, disk-group operations). */
void set_step_done(struct setrt *s, int ok, const char *why);
/* Periodic: GARP bursts still due, dampening, the step command's deadline. */
void set_tick(struct setrt *s, uint64_t now);
/* Announce the set's VIPs now (one GARP burst); -ENOTCONN without GARP. */
int set_garp(struct setrt *s);

/*
 * A move the daemon decides itself (monitor failover, failback): release the
 * set to node `to` unless dampening forbids it.  When the set already moved
 * dampen_moves times within the window it stays here, is marked dampened
 * (logged and notified once), and -EBUSY is returned.
 */
int set_move(struct setrt *s, int to, const char *why);
/* Operator override (move, reset): forget the moves and clear dampening. */
void set_undampen(struct setrt *s, const char *why);
/* Run the notify hook for s without a state change ("online online WHY"). */
void set_notify(struct setrt *s, const char *why);
/* Count a move of s (dampening): takeovers, claims and handoffs. */
void set_move_record(struct setrt *s, uint64_t now);
/* Kill the notify hooks past their deadline (once per tick, for all sets). */
void set_notify_tick(struct set_ctx *x, uint64_t now);

#endif /* HBPF_SET_H */
