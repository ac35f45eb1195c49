/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's side of disk groups (dgrun.c): one engine (dg.h) per
 * configured group, the sets' disk-group steps, the operator's
 * dg-import/dg-deport/dg-status requests, and the demotion when a lease is
 * lost.  Calls down into the sets (set.h) and the cluster view (peers.h).
 */
#ifndef HBPF_DGRUN_H
#define HBPF_DGRUN_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "dg.h"
#include "loader.h"
#include "loop.h"
#include "peers.h"
#include "set.h"

struct dgrun;

/* A disk group's runtime. */
struct dgrt {
	struct dgrun *run;
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

struct dgrun {
	const struct hbpf_config *cfg;
	struct hbpf_kern *k;
	struct peers *peers;
	struct setrt *sets;
	struct dgrt dgs[HBPF_MAX_DGS];
};

/* Open every group (the disk heartbeat runs on every node); a set ONLINE
 * already (a hitless restart) adopts its groups. */
int dgrun_open(struct dgrun *r, const struct hbpf_config *cfg, struct hbpf_kern *k,
	       struct peers *peers, struct loop *loop, struct setrt *sets);
void dgrun_close(struct dgrun *r);
void dgrun_tick(struct dgrun *r, uint64_t now);
/* A set's STEP_DG_* on its arg-th group (set_ops.dg_step). */
int dgrun_step(struct dgrun *r, struct setrt *s, int kind, int arg);
/* dg-import/dg-deport/dg-status; returns 1 when the reply is deferred (the
 * request's fd then belongs to dgrun and is answered and closed later). */
int dgrun_ctl(struct dgrun *r, const char *cmd, const char *name, const char *opt, int fd,
	      char *out, size_t len);

#endif /* HBPF_DGRUN_H */
