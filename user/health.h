/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Service health and failback, for sets ONLINE on this node (health.c):
 * monitors, restarts, the on-failure policy and automatic failback.  Calls
 * down into the sets (set.h), the cluster view (peers.h) and the service
 * actions (svc.h); the daemon calls health_tick and health_stop.
 */
#ifndef HBPF_HEALTH_H
#define HBPF_HEALTH_H

#include <stdint.h>
#include "set.h"
#include "svc.h"

/* The command a set's health runs (struct health_set.phase) */
#define HEALTH_CHECK 0 /* the monitor */
#define HEALTH_STOP 1  /* restart, first half: the stop command */
#define HEALTH_START 2 /* restart, second half: the start command */

/* One set's health: one command runs at a time, a monitor or one half of a
 * restart. */
struct health_set {
	struct setrt *s;
	struct svc_run run;
	int phase; /* HEALTH_* of the running command */
	int svc;   /* its service */
	uint64_t next_ns[HBPF_MAX_SERVICES];
	/* when each service's last restarts began (ring, 0 = unused) */
	uint64_t restart_ns[HBPF_MAX_SERVICES][HBPF_MAX_RESTARTS];
	uint8_t restart_next[HBPF_MAX_SERVICES];
	int fail_reported; /* on-failure ignore: this failure streak is logged */
	uint64_t failback_check_ns;
};

struct health {
	struct health_set sets[HBPF_MAX_SETS];
};

/* sets[0..nsets-1]: the set runtimes (set_init done). */
void health_init(struct health *h, struct setrt *sets, int nsets);
/* Monitors, restarts and automatic failback of set id. */
void health_tick(struct health *h, int id, uint64_t now);
/* Set id left ONLINE: stop its monitor or restart and forget the schedule. */
void health_stop(struct health *h, int id);

#endif /* HBPF_HEALTH_H */
