/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The disk-group engine: one struct dg per configured disk group on this
 * node, driven entirely from the daemon's io_uring loop (nothing blocks).
 *
 * While open, the engine reads the owner record and every lease slot of the
 * metadata device every renew period (O_DIRECT reads on the ring): that is
 * the disk heartbeat, answered by dg_node_live().  While holding the lease it
 * also writes its own slot every renew period.
 *
 * Operations are asynchronous; each ends with exactly one call of
 * ops->done(arg, op, err, why) (err 0 or -errno, why a one-line reason):
 *   DG_OP_ACQUIRE  read + validate the header, verify every member volume is
 *                  present and matches it (device exists, fs UUID when
 *                  recorded), then acquire the lease (observe for the lease
 *                  timeout unless the owner record is free or ours, claim,
 *                  settle, confirm); refuses a live holder unless force
 *                  (then logs loudly what it overrode).
 *   DG_OP_FSCK     fsck every volume in parallel (at most fsck_parallel at
 *                  once) with the filesystem's own checker (e2fsck -p for
 *                  ext2/3/4, journal replay included; none for xfs/btrfs,
 *                  which recover on mount); exit 0/1 = ok; 2 (reboot needed),
 *                  4 (errors left), 8+ or a timeout = failure, and the volume
 *                  is never mounted.
 *   DG_OP_MOUNT    mount the volumes, creating missing mountpoints: a volume
 *                  starts once every volume of lower `order` and every
 *                  volume mounted on a parent directory is mounted; the rest
 *                  run at once (at most fsck_parallel).  After a failure
 *                  nothing new starts; what got mounted stays recorded.
 *   DG_OP_UNMOUNT  SIGTERM whatever uses the mountpoints, SIGKILL what is
 *                  left kill_grace later, unmount in reverse order (nested
 *                  and higher `order` first; independent ones at once).
 *   DG_OP_RELEASE  stop renewing, mark the owner record free (when it is
 *                  still ours) and clear our slot's generation.
 * When renewals fail for too long (lease_must_fence), ops->lost(arg, why) is
 * called once: the daemon must demote the set, stop its services and release.
 * Every step is timed and logged ("(dg data) fsck /dev/loop3: clean in 41 ms").
 */
#ifndef HBPF_DG_H
#define HBPF_DG_H

#include <stdint.h>
#include "dgmeta.h"
#include "loop.h"

#define DG_OP_ACQUIRE 1
#define DG_OP_FSCK 2
#define DG_OP_MOUNT 3
#define DG_OP_UNMOUNT 4
#define DG_OP_RELEASE 5

struct dg;

struct dg_ops {
	void (*done)(void *arg, int op, int err, const char *why);
	void (*lost)(void *arg, const char *why);
};

struct dg_params {
	const char *name;	  /* group name (must match the header) */
	const char *meta;	  /* metadata device path on this node */
	int self;		  /* our node id */
	unsigned fsck_parallel;	  /* >= 1 */
	unsigned kill_grace_ms;	  /* SIGTERM -> SIGKILL */
	unsigned fsck_timeout_ms; /* per fsck run, default 600000 */
};

/* Open the metadata device (O_DIRECT) and start the disk heartbeat reads. */
int dg_open(struct dg **out, const struct dg_params *p, struct loop *loop, const struct dg_ops *ops,
	    void *arg);
void dg_close(struct dg *g);

int dg_acquire(struct dg *g, int force);
/*
 * After a clean daemon restart (the set stayed online, the volumes mounted):
 * one done(DG_OP_ACQUIRE).  When the owner record names this node, its
 * generation becomes ours, renewals resume at once and the volumes that
 * /proc/self/mountinfo shows at their mountpoints count as mounted by us;
 * otherwise -ESTALE ("not held by this node (owner ...)") and nothing is written.
 */
int dg_adopt(struct dg *g);
int dg_fsck(struct dg *g);
int dg_mount(struct dg *g);
int dg_unmount(struct dg *g);
int dg_release(struct dg *g);

/* Periodic work (renewal, heartbeat reads, escalation, timeouts). */
void dg_tick(struct dg *g, uint64_t now_ns);

/* Disk heartbeat: 1 node renews its slot, 0 expired, -1 not known yet. */
int dg_node_live(const struct dg *g, int node, uint64_t now_ns);
/* 1 while we hold the lease. */
int dg_held(const struct dg *g);
/* One-line status for hbpfctl ("held gen 7, 4 volumes mounted, fsck 41 ms ..."). */
int dg_status(const struct dg *g, char *buf, size_t len);

#endif /* HBPF_DG_H */
