/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private to the disk-group engine: the state shared by dg.c (metadata,
 * lease, tick, open/close) and dgvol.c (member checks, fsck, mount, unmount),
 * and the few functions each calls in the other.  Users of the engine include
 * dg.h only.
 */
#ifndef HBPF_DGVOL_H
#define HBPF_DGVOL_H

#include <stdint.h>
#include "dg.h"
#include "lease.h"
#include "loop.h"
#include "proc.h"

#define MS 1000000ull

/* Steps of the running operation (g->step). */
enum {
	ST_IDLE,
	ST_FIN,	     /* finished; done() is delivered by the next tick */
	A_HDR_QUEUE, /* header read wanted while the open-time one still runs */
	A_HDR,	     /* header read in flight */
	A_MEMBERS,   /* superblock reads of the member volumes in flight */
	A_OBSERVE,   /* deciding on every heartbeat read */
	A_CLAIM,     /* owner + slot claim writes in flight */
	A_SETTLE,    /* waiting for lease_settle_at() */
	A_CONFIRM,   /* owner re-read in flight */
	D_READ,	     /* adopt: owner read in flight */
	F_RUN,	     /* checkers running */
	M_RUN,	     /* mount helpers, independent volumes at once */
	U_TERM,	     /* fuser -TERM, one volume at a time */
	U_GRACE,     /* kill_grace before SIGKILL */
	U_KILL,	     /* fuser -KILL */
	U_UMOUNT,    /* umount, reverse order; a busy one is retried shortly (never lazily) */
	R_IOWAIT,    /* in-flight lease writes must land before the release ones */
	R_READ,	     /* fresh owner read in flight */
	R_WRITE,     /* release writes in flight */
};

/* Per-volume fsck result. */
enum { FS_NONE, FS_SKIP, FS_PENDING, FS_RUN, FS_OK, FS_FAIL };

struct dg_vol {
	struct dg *g;
	int idx;
	struct proc proc;
	struct watch w;
	int running; /* child spawned and not reaped */
	int killed;  /* we killed it on its deadline */
	int fsck;    /* FS_* */
	int mounted; /* by this engine */
	uint64_t fsck_ms, mount_ms;
	int tries;	   /* busy umounts so far */
	uint64_t retry_ns; /* next umount attempt, 0 = now */
	/* member check */
	int fd;
	struct uop op;
	unsigned char *buf;
	int err;
	char why[200];
};

struct rlim {
	uint64_t at;
	unsigned n;
};

struct dg {
	char name[DGM_NAME_MAX];
	char meta[DGM_PATH_MAX];
	struct dg_params p;
	struct loop *loop;
	const struct dg_ops *ops;
	void *arg;
	int fd;
	int closing;
	int inflight; /* uops and watches the ring still owes us */

	unsigned char *hbuf, *rbuf, *obuf, *sbuf, *vbufs;
	struct uop hdr_op, hb_op, own_op, slot_op;
	unsigned wmask; /* W_OWN/W_SLOT: the running operation's writes in flight */
	int werr;	/* their first error */

	struct dgm_header hdr;
	int hdr_ok;
	uint64_t hdr_retry_ns;
	char hdr_why[160];

	struct lease lease;
	struct dgm_owner owner;
	int owner_ok;
	char owner_why[160];
	uint32_t slot_bad; /* slots that failed to decode on the last read */
	uint64_t next_hb_ns, read_ok_ns, next_renew_ns;
	int renewing, held, lost_sent;
	char io_why[160];
	struct rlim io_rl, dec_rl;

	struct dg_vol vol[DGM_MAX_VOLUMES];
	int order[DGM_MAX_VOLUMES]; /* mount order */

	/* the running operation */
	int op, step, force, adopt, pending, cur, any_found, tries, failed;
	int late_claims; /* claims of this acquire dropped for writes past the bound */
	uint64_t op_ns, step_ns, wait_until_ns, settle_ns;
	int wait_logged;
	unsigned running;
	unsigned mount_max, umount_max; /* most helpers at once in the last mount/unmount */
	uint64_t sum_ms, fsck_ms, mount_ms;
	int fin_err;
	char why[256];
};

static inline uint64_t ms_since(uint64_t t0, uint64_t now)
{
	return now > t0 ? (now - t0) / MS : 0;
}

/* dg.c */

/* End the running operation (step ST_FIN); done() is delivered by the next tick. */
void dg_finish(struct dg *g, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Every ring completion of ours starts here; 1 when g is closing (and maybe freed). */
int dg_ring_back(struct dg *g);
int dg_submit_read(struct dg *g, struct uop *op, void *buf, unsigned len, uint64_t off, int fd);
/* Queue the heartbeat read (owner record + every slot). */
int dg_hb_read(struct dg *g, uint64_t now);

/* dgvol.c */

/* Acquire, after the header: check every member volume, then observe the lease. */
void dg_acq_members(struct dg *g);
/* Unmount: the next fuser or umount children, or the end of the operation. */
void dg_unmount_next(struct dg *g, uint64_t now);
/* Adopt: mark the volumes /proc/self/mountinfo shows at their mountpoints; how many. */
unsigned dg_adopt_mounts(struct dg *g);

#endif /* HBPF_DGVOL_H */
