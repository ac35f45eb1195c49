/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hbpfd's state: the configuration, the kernel side, the sender, and one
 * runtime record per service set driven by the pure state machine (fsm.h).
 * daemon.c runs the steps the machine asks for and turns kernel events,
 * control requests and link changes into machine events.
 */
#ifndef HBPF_DAEMON_H
#define HBPF_DAEMON_H

#include <stdint.h>
#include "config.h"
#include "dg.h"
#include "fsm.h"
#include "garp.h"
#include "held.h"
#include "loader.h"
#include "loop.h"
#include "netlink.h"
#include "proc.h"
#include "sender.h"
#include "tiebreak.h"
#include "ucfilter.h"

struct daemon;

/* A disk group's runtime (dgrun.c). */
struct dgrt {
	struct daemon *d;
	const struct hbpf_cfg_dg *c;
	int idx;
	int set; /* set using it, -1 = none */
	struct dg *g;
	int op; /* DG_OP_* running, 0 = idle */
	uint64_t op_start_ns;
	uint64_t op_us[6]; /* last duration of each op, us */
	int force;	   /* next acquire overrides a live holder */
	int ctl_fd;	   /* hbpfctl waiting for dg-import/dg-deport, -1 = none */
	int ctl_import;	   /* 1: import chain, 0: deport chain */
	int adopting;	   /* dg_adopt() running (start-up of an adopted set) */
};

struct setrt {
	struct daemon *d;
	const struct hbpf_cfg_set *c;
	int id;
	struct fsm m;
	struct proc proc; /* the running step's command */
	int proc_running;
	struct watch proc_w;
	int garp_left; /* GARP bursts still due */
	uint64_t garp_next_ns;
	uint64_t trigger_ns; /* what started the current plan (kernel ts) */
	int trigger_reason;  /* HBPF_RS_* or 0 for a command */
	int target;	     /* handoff target of the running release */
	char reason[64];     /* what started the current plan (notify hook) */
	/* service health (health.c): one command runs at a time per set, a
	 * monitor or one half of a restart (HEALTH_*) */
	struct proc mon;
	int mon_running;
	int mon_phase; /* HEALTH_CHECK, HEALTH_STOP, HEALTH_START */
	int mon_svc;
	struct watch mon_w;
	uint64_t mon_next_ns[HBPF_MAX_SERVICES];
	/* when each service's last restarts began (ring, 0 = unused) */
	uint64_t restart_ns[HBPF_MAX_SERVICES][HBPF_MAX_RESTARTS];
	uint8_t restart_next[HBPF_MAX_SERVICES];
	int fail_reported; /* on-failure ignore: this failure streak is logged */
	uint64_t failback_check_ns;
	/* dampening (daemon.c): when the last moves happened (ring, 0 = unused) */
	uint64_t move_ns[HBPF_MAX_DAMPEN];
	int move_next;
	int dampened;	      /* refused a move; stays until quiet for the window */
	uint64_t dampened_ns; /* when it was refused first */
	int lease_busy;	      /* the last DG_ACQUIRE met a live holder */
	int claim_from;	      /* peer whose death started the running takeover, -1 */
	/* partition safety (claim.c): a claim waiting for the tie-breaker */
	uint64_t tb_claim_ns; /* when it began, 0 = none */
	uint64_t tb_ans_ns;   /* send time of the first probe answered since */
	int tb_peer;	      /* the lost peer, -1 = a start-up claim */
	int tb_said;	      /* "not answering" / "refused" logged for this claim */
	/* dampened claim (claim.c): a lost peer's set taken only after a hold-down */
	uint64_t hold_until_ns;	   /* end of the hold-down, 0 = none */
	struct hbpf_event hold_ev; /* the kernel's claim it holds */
	int held;		   /* held when the daemon last stopped (held-set record) */
	/* timings of the last takeover/release, for status and logs */
	uint64_t last_plan_ms_x1000; /* plan duration, us */
	int last_step;		     /* kind of the step last run */
	uint64_t last_step_us;
};

struct notify_proc {
	struct daemon *d;
	struct proc p;
	struct watch w;
	int used;
};

#define DAEMON_MAX_NOTIFY 16

struct daemon {
	struct hbpf_config cfg;
	int self_idx; /* index in cfg.nodes */
	uint8_t self; /* node id */
	const char *pin_root;
	const char *sock_path;
	struct hbpf_kern k;
	struct sender snd;
	int snd_ok;
	struct nlctx *nl;
	struct garp garp;
	int garp_ok;
	struct loop loop;
	int pub_ifindex;
	int pub_carrier;
	int pub_xdp_mode;    /* XDP_ATTACHED_DRV or _SKB: how xdp_node runs on it */
	struct ucfilter ucf; /* the set VMACs in its unicast filter */
	uint64_t started_ns;
	uint64_t claim_at_ns; /* start-up listening period ends: resume round */
	uint64_t prio_at_ns;  /* priority round (resumers announced by then) */
	int resumed;	      /* resume round done */
	int claimed;	      /* priority round done */
	/* tie-breaker and held-set record (claim.c) */
	struct tiebreak tb;
	struct watch tb_w;
	char held_path[HBPF_PATH_MAX + HBPF_NAME_MAX + 8];
	uint32_t held_mask; /* sets in the record */
	uint32_t held_epochs[HBPF_MAX_SETS];
	struct held_writer held_w; /* writes the record off the loop */
	int held_w_ok;
	uint64_t held_err_seen;
	int stopping;	/* 1: releasing everything before exit */
	int restarting; /* 1: exit keeping the sets */
	int grace_open; /* 1: our predecessor's restart grace is still ours to end */
	int exit_now;
	struct setrt sets[HBPF_MAX_SETS];
	struct dgrt dgs[HBPF_MAX_DGS];
	struct notify_proc notify[DAEMON_MAX_NOTIFY];
	/* since when each node id has been usable (peer_usable), 0 = not now */
	uint64_t usable_ns[HBPF_MAX_NODES];
	uint64_t usable_check_ns;
	/* timer margin (daemon.c): next check, and the links judged too tight
	 * (bit peer * HBPF_MAX_LINKS + link) */
	uint64_t margin_check_ns;
	uint64_t margin_tight;
	/* watches */
	struct watch sig_w, tick_w, ring_w, ctl_w, nl_w;
	int ctl_fd;
	struct ring_buffer *rb;
};

int daemon_setup(struct daemon *d);
void daemon_run(struct daemon *d);
void daemon_teardown(struct daemon *d);

/* Kernel event from the ring buffer. */
void daemon_kernel_event(struct daemon *d, const struct hbpf_event *ev);
/* Periodic work: liveness stamp, GARP bursts, command deadlines, start-up claim. */
void daemon_tick(struct daemon *d, uint64_t now);
/* Feed a state-machine event to a set and run what it asks. */
void set_event(struct setrt *s, int ev, int arg, const char *why);
/* Service monitors, restarts and automatic failback of one set (health.c). */
void health_tick(struct setrt *s, uint64_t now);
/* The set left ONLINE: stop its monitor or restart and forget the schedule. */
void health_stop(struct setrt *s);

/* health.c's command kinds (struct setrt.mon_phase) */
#define HEALTH_CHECK 0 /* the monitor */
#define HEALTH_STOP 1  /* restart, first half: the stop command */
#define HEALTH_START 2 /* restart, second half: the start command */

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
void move_record(struct setrt *s, uint64_t now);
/* Since when node id has been usable without a break (ns), 0 = not usable. */
uint64_t node_usable_since(struct daemon *d, int id);
/* Peer usable for taking sets (alive, daemon up, public link up). */
int peer_usable(struct daemon *d, int id);

/* A running step ended (commands, disk-group operations). */
void set_step_done(struct setrt *s, int ok, const char *why);

/* Disk groups (dgrun.c). */
int dgrun_open(struct daemon *d);
void dgrun_close(struct daemon *d);
void dgrun_tick(struct daemon *d, uint64_t now);
int dgrun_step(struct setrt *s, int kind, int arg);
/* dg-import/dg-deport/dg-status; returns 1 when the reply is deferred (the
 * request's fd then belongs to dgrun and is answered and closed later). */
int dgrun_ctl(struct daemon *d, const char *cmd, const char *name, const char *opt, int fd,
	      char *out, size_t len);

/* Control request: one line in, reply written into out. Returns 0 or -1. */
int daemon_ctl(struct daemon *d, char *line, int fd, char *out, size_t outlen);
/* First alive node after `skip` in a set's order, or -1. */
int set_next_node(struct daemon *d, const struct hbpf_cfg_set *c, int skip);
const char *node_name(struct daemon *d, int id);
/* Carrier change on the public interface: losing it releases the sets. */
void daemon_public_carrier(struct daemon *d, int up);

/*
 * Claims and partitions (claim.c): the held-set record, the tie-breaker,
 * the start-up rounds and the lost peers' sets that wait for the
 * tie-breaker.  claim_open() after the sets' machines exist, before the
 * loop runs; claim_tick() from daemon_tick().
 */
int claim_open(struct daemon *d);
void claim_close(struct daemon *d);
void claim_tick(struct daemon *d, uint64_t now);
/* HBPF_EV_CLAIM for a set without disk groups (the gate was closed). */
void claim_event(struct daemon *d, struct setrt *s, const struct hbpf_event *ev);
/* s changed state: keep the held-set record in step. */
void claim_state_changed(struct setrt *s, int old_state, int new_state);
/* The gate the configuration asks for (FSM_GATE_*). */
int claim_gate(const struct daemon *d, const struct hbpf_cfg_set *c);

#endif /* HBPF_DAEMON_H */
