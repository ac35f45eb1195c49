// SPDX-License-Identifier: GPL-2.0-only
/*
 * The disk-group engine (see dg.h).  Metadata I/O is O_DIRECT through the
 * daemon's io_uring (loop_read/loop_write), children (fsck, mount, fuser,
 * umount) are polled through their pidfds on the same ring, and every timer
 * is driven by dg_tick(): nothing here waits.
 *
 * An operation that cannot start returns -errno and calls nothing; one that
 * starts ends with exactly one ops->done(), always delivered from dg_tick() so
 * that the caller may start the next operation (or close) from its callback.
 * Times are CLOCK_MONOTONIC nanoseconds (the caller's now_ns, proc_now_ns()
 * in I/O callbacks).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dg.h"
#include "lease.h"
#include "log.h"
#include "proc.h"

#define MS 1000000ull
#define HB_BLOCKS (1 + DGM_MAX_NODES) /* owner record + every slot, one read */
#define HB_LEN (HB_BLOCKS * DGM_BLOCK)
#define HDR_RETRY_NS (1000 * MS)
#define LOG_EVERY_NS (1000 * MS)
#define UMOUNT_RETRY_NS (100 * MS)
#define BTRFS_SB_OFF 65536
#define W_OWN 1u
#define W_SLOT 2u

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
	F_RUN,	     /* checkers running */
	M_RUN,	     /* one mount helper at a time */
	U_TERM,	     /* fuser -TERM, one volume at a time */
	U_GRACE,     /* kill_grace before SIGKILL */
	U_KILL,	     /* fuser -KILL */
	U_UMOUNT,    /* umount, reverse order */
	U_RETRY,     /* a busy umount is retried shortly (never lazily) */
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
	int op, step, force, pending, cur, any_found, tries, failed;
	uint64_t op_ns, step_ns, wait_until_ns, settle_ns;
	int wait_logged;
	unsigned running;
	uint64_t sum_ms, fsck_ms, mount_ms;
	int fin_err;
	char why[256];
};

static const char *const op_name[] = {"", "acquire", "fsck", "mount", "unmount", "release"};

static uint64_t ms_since(uint64_t t0, uint64_t now)
{
	return now > t0 ? (now - t0) / MS : 0;
}

static void finish(struct dg *g, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void finish(struct dg *g, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(g->why, sizeof(g->why), fmt, ap);
	va_end(ap);
	g->fin_err = err;
	g->step = ST_FIN;
	if (err)
		log_warnx("(dg %s) %s failed: %s", g->name, op_name[g->op], g->why);
	else
		log_info("(dg %s) %s: %s", g->name, op_name[g->op], g->why);
}

/* At most one line a second per kind of trouble, with the count of the rest. */
static void rl_warn(struct dg *g, struct rlim *rl, const char *msg)
{
	uint64_t now = proc_now_ns();

	if (rl->at && now - rl->at < LOG_EVERY_NS) {
		rl->n++;
		return;
	}
	if (rl->n)
		log_warnx("(dg %s) %s (and %u more since)", g->name, msg, rl->n);
	else
		log_warnx("(dg %s) %s", g->name, msg);
	rl->at = now;
	rl->n = 0;
}

static void io_error(struct dg *g, const char *what, int res)
{
	int err = res < 0 ? res : -EIO;

	snprintf(g->io_why, sizeof(g->io_why), "%s: %s", what,
		 res < 0 ? strerror(-err) : "short transfer");
	rl_warn(g, &g->io_rl, g->io_why);
}

static void maybe_free(struct dg *g)
{
	if (!g->closing || g->inflight > 0)
		return;
	if (g->fd >= 0)
		close(g->fd);
	free(g->hbuf);
	free(g->vbufs);
	free(g);
}

/* Every ring completion of ours starts here; 1 when g is closing (and maybe freed). */
static int ring_back(struct dg *g)
{
	g->inflight--;
	if (!g->closing)
		return 0;
	maybe_free(g);
	return 1;
}

static int submit_read(struct dg *g, struct uop *op, void *buf, unsigned len, uint64_t off, int fd)
{
	int err = loop_read(g->loop, op, fd, buf, len, off);

	if (!err)
		g->inflight++;
	return err;
}

static int submit_write(struct dg *g, struct uop *op, const void *buf, uint64_t off)
{
	int err = loop_write(g->loop, op, g->fd, buf, DGM_BLOCK, off);

	if (!err)
		g->inflight++;
	return err;
}

/* ---- metadata: header, heartbeat reads, lease writes ---------------------- */

static void acq_members(struct dg *g);
static void acq_decide(struct dg *g, uint64_t now);
static void acq_confirm(struct dg *g);
static void rel_write(struct dg *g, int read_err);

static void hdr_done(struct uop *op, int res)
{
	struct dg *g = op->arg;
	int acq, err;
	struct dgm_header h;
	char why[160];

	if (ring_back(g))
		return;
	acq = g->op == DG_OP_ACQUIRE && g->step == A_HDR;
	if (res != DGM_BLOCK) {
		err = res < 0 ? res : -EIO;
		snprintf(why, sizeof(why), "header read from %s: %s", g->meta,
			 res < 0 ? strerror(-err) : "short read");
	} else {
		err = dgm_header_decode(g->hbuf, &h, why, sizeof(why));
		if (!err && strcmp(h.name, g->name)) {
			err = -EMEDIUMTYPE;
			snprintf(why, sizeof(why), "header: group name is '%s', expected '%s'",
				 h.name, g->name);
		}
	}
	if (err) {
		snprintf(g->hdr_why, sizeof(g->hdr_why), "%s", why);
		if (acq)
			finish(g, err, "%s", why);
		else
			rl_warn(g, &g->dec_rl, why);
		return;
	}
	if (!g->hdr_ok || memcmp(h.uuid, g->hdr.uuid, sizeof(h.uuid)) ||
	    h.lease_timeout_ms != g->hdr.lease_timeout_ms || h.renew_ms != g->hdr.renew_ms) {
		/* A new or re-initialised group: earlier observations mean nothing. */
		lease_init(&g->lease, g->p.self, h.lease_timeout_ms, h.renew_ms);
		g->owner_ok = 0;
		g->read_ok_ns = 0;
		g->next_hb_ns = 0;
		if (!g->hdr_ok)
			log_info("(dg %s) metadata %s: %u volumes, lease %u ms, renew %u ms",
				 g->name, g->meta, h.nvolumes, h.lease_timeout_ms, h.renew_ms);
	}
	g->hdr = h;
	g->hdr_ok = 1;
	g->hdr_why[0] = 0;
	if (acq)
		acq_members(g);
}

static int hdr_read(struct dg *g)
{
	g->hdr_op.cb = hdr_done;
	g->hdr_op.arg = g;
	return submit_read(g, &g->hdr_op, g->hbuf, DGM_BLOCK, 0, g->fd);
}

static void hb_decode(struct dg *g, uint64_t now)
{
	char why[200];
	int n, err;

	err = dgm_owner_decode(g->rbuf, g->hdr.uuid, &g->owner, g->owner_why, sizeof(g->owner_why));
	g->owner_ok = !err;
	if (err)
		rl_warn(g, &g->dec_rl, g->owner_why);
	g->slot_bad = 0;
	for (n = 0; n < DGM_MAX_NODES; n++) {
		struct dgm_slot s;

		err = dgm_slot_decode(g->rbuf + (size_t)(1 + n) * DGM_BLOCK, g->hdr.uuid, n, &s,
				      why, sizeof(why));
		if (err) {
			g->slot_bad |= 1u << n;
			rl_warn(g, &g->dec_rl, why);
			continue;
		}
		lease_observe(&g->lease, n, &s, now);
	}
	g->read_ok_ns = now;
}

static void lose(struct dg *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void lose(struct dg *g, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	if (g->lost_sent)
		return;
	g->lost_sent = 1;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_warnx("(dg %s) LEASE LOST: %s", g->name, why);
	if (g->ops->lost)
		g->ops->lost(g->arg, why);
}

static void hb_done(struct uop *op, int res)
{
	struct dg *g = op->arg;
	uint64_t now;

	if (ring_back(g))
		return;
	now = proc_now_ns();
	if (res != HB_LEN) {
		io_error(g, "heartbeat read", res);
		if (g->op == DG_OP_ACQUIRE && (g->step == A_OBSERVE || g->step == A_CONFIRM))
			finish(g, res < 0 ? res : -EIO, "metadata %s: %s", g->meta, g->io_why);
		else if (g->op == DG_OP_RELEASE && g->step == R_READ)
			rel_write(g, res < 0 ? res : -EIO);
		return;
	}
	hb_decode(g, now);
	if (g->held && g->owner_ok &&
	    (g->owner.node != g->p.self || g->owner.generation != g->lease.generation))
		lose(g,
		     "the owner record now says node %d generation %llu (ours: %llu): another "
		     "node imported the group",
		     g->owner.node == DGM_OWNER_NONE ? -1 : g->owner.node,
		     (unsigned long long)g->owner.generation,
		     (unsigned long long)g->lease.generation);
	if (g->op == DG_OP_ACQUIRE && g->step == A_OBSERVE)
		acq_decide(g, now);
	else if (g->op == DG_OP_ACQUIRE && g->step == A_CONFIRM)
		acq_confirm(g);
	else if (g->op == DG_OP_RELEASE && g->step == R_READ)
		rel_write(g, 0);
}

static int hb_read(struct dg *g, uint64_t now)
{
	int err;

	g->hb_op.cb = hb_done;
	g->hb_op.arg = g;
	err = submit_read(g, &g->hb_op, g->rbuf, HB_LEN, DGM_BLOCK, g->fd);
	if (err)
		io_error(g, "heartbeat read submit", err);
	g->next_hb_ns = now + g->lease.renew_ns;
	return err;
}

static void claim_written(struct dg *g);
static void rel_written(struct dg *g);

static void write_done(struct uop *op, int res)
{
	struct dg *g = op->arg;
	int slot = op == &g->slot_op;
	int err = res == DGM_BLOCK ? 0 : res < 0 ? res : -EIO;

	if (ring_back(g))
		return;
	if (err)
		io_error(g, slot ? "slot write" : "owner write", res);
	else if (slot && g->renewing)
		lease_renewed(&g->lease, proc_now_ns());
	/* Renewals share slot_op: only the operation's own writes count here. */
	if (!(g->wmask & (slot ? W_SLOT : W_OWN)))
		return;
	g->wmask &= slot ? ~W_SLOT : ~W_OWN;
	if (err && !g->werr)
		g->werr = err;
	if (g->wmask)
		return;
	if (g->op == DG_OP_ACQUIRE && g->step == A_CLAIM)
		claim_written(g);
	else if (g->op == DG_OP_RELEASE && g->step == R_WRITE)
		rel_written(g);
}

/* Queue the operation's owner and/or slot write; 0 when at least one is in flight. */
static int op_writes(struct dg *g, struct dgm_owner *o, struct dgm_slot *s);

static int write_slot(struct dg *g, struct dgm_slot *s)
{
	s->node = (uint8_t)g->p.self;
	memcpy(s->uuid, g->hdr.uuid, sizeof(s->uuid));
	dgm_slot_encode(s, g->sbuf);
	g->slot_op.cb = write_done;
	g->slot_op.arg = g;
	return submit_write(g, &g->slot_op, g->sbuf, (uint64_t)(2 + g->p.self) * DGM_BLOCK);
}

static int write_owner(struct dg *g, struct dgm_owner *o)
{
	memcpy(o->uuid, g->hdr.uuid, sizeof(o->uuid));
	dgm_owner_encode(o, g->obuf);
	g->own_op.cb = write_done;
	g->own_op.arg = g;
	return submit_write(g, &g->own_op, g->obuf, DGM_BLOCK);
}

static void renew(struct dg *g, uint64_t now)
{
	struct dgm_slot s;
	int err;

	if (!g->renewing || now < g->next_renew_ns || g->slot_op.busy)
		return;
	lease_next_slot(&g->lease, &s);
	err = write_slot(g, &s);
	if (err)
		io_error(g, "slot write submit", err);
	g->next_renew_ns = now + g->lease.renew_ns;
}

/* ---- acquire --------------------------------------------------------------- */

static int uuid_zero(const uint8_t u[16])
{
	for (int i = 0; i < 16; i++)
		if (u[i])
			return 0;
	return 1;
}

static void uuid_str(const uint8_t u[16], char out[37])
{
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
		 u[13], u[14], u[15]);
}

static int is_ext(const char *t)
{
	return !strcmp(t, "ext2") || !strcmp(t, "ext3") || !strcmp(t, "ext4");
}

/* Where the filesystem's UUID lives: offset of the superblock read, and within it. */
static int sb_where(const char *fstype, uint64_t *off)
{
	*off = !strcmp(fstype, "btrfs") ? BTRFS_SB_OFF : 0;
	return is_ext(fstype) || !strcmp(fstype, "xfs") || !strcmp(fstype, "btrfs") ? 0 : -ENOTSUP;
}

/* The UUID in the superblock block just read, or NULL when its magic is not there. */
static const uint8_t *sb_uuid(const char *fstype, const unsigned char *b)
{
	if (is_ext(fstype))
		return b[1024 + 0x38] == 0x53 && b[1024 + 0x39] == 0xef ? b + 1024 + 0x68 : NULL;
	if (!strcmp(fstype, "xfs"))
		return !memcmp(b, "XFSB", 4) ? b + 32 : NULL;
	return !memcmp(b + 0x40, "_BHRfS_M", 8) ? b + 0x20 : NULL;
}

static void vol_fail(struct dg_vol *v, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void vol_fail(struct dg_vol *v, int err, const char *fmt, ...)
{
	const struct dgm_volume *d = &v->g->hdr.vol[v->idx];
	int n;
	va_list ap;

	v->err = err;
	n = snprintf(v->why, sizeof(v->why), "volume %d %s: ", v->idx, d->device);
	va_start(ap, fmt);
	vsnprintf(v->why + n, sizeof(v->why) - (size_t)n, fmt, ap);
	va_end(ap);
}

static void members_eval(struct dg *g, uint64_t now)
{
	unsigned i;

	for (i = 0; i < g->hdr.nvolumes; i++)
		if (g->vol[i].err) {
			finish(g, g->vol[i].err, "%s", g->vol[i].why);
			return;
		}
	log_info("(dg %s) %u member volumes present and matching (%llu ms)", g->name,
		 g->hdr.nvolumes, (unsigned long long)ms_since(g->step_ns, now));
	g->step = A_OBSERVE;
	g->step_ns = now;
	g->wait_logged = 0;
	/* Decide on a fresh read at once: a free record is claimed without delay. */
	if (!g->hb_op.busy)
		hb_read(g, now);
}

static void vol_read_done(struct uop *op, int res)
{
	struct dg_vol *v = op->arg;
	struct dg *g = v->g;
	const struct dgm_volume *d;
	const uint8_t *u;
	char want[37], got[37];

	close(v->fd);
	v->fd = -1;
	if (ring_back(g))
		return;
	d = &g->hdr.vol[v->idx];
	if (res != DGM_BLOCK) {
		vol_fail(v, res < 0 ? res : -EIO, "superblock read: %s",
			 res < 0 ? strerror(-res) : "short read");
	} else if (!(u = sb_uuid(d->fstype, v->buf))) {
		vol_fail(v, -EMEDIUMTYPE, "no %s filesystem found", d->fstype);
	} else if (memcmp(u, d->fs_uuid, 16)) {
		uuid_str(u, got);
		uuid_str(d->fs_uuid, want);
		vol_fail(v, -EMEDIUMTYPE,
			 "filesystem UUID %s does not match the header's %s: wrong disk?", got,
			 want);
	}
	if (--g->pending == 0)
		members_eval(g, proc_now_ns());
}

/* Start one member's check; its result lands in v->err (0 = fine so far). */
static void member_check(struct dg *g, struct dg_vol *v)
{
	const struct dgm_volume *d = &g->hdr.vol[v->idx];
	struct stat st;
	uint64_t off;
	int err;

	v->err = 0;
	if (stat(d->device, &st) < 0) {
		vol_fail(v, -ENODEV, "not present (%s)", strerror(errno));
		return;
	}
	if (!S_ISBLK(st.st_mode)) {
		vol_fail(v, -ENODEV, "not a block device");
		return;
	}
	if (uuid_zero(d->fs_uuid))
		return;
	if (sb_where(d->fstype, &off)) {
		vol_fail(v, -EMEDIUMTYPE, "cannot read the UUID of a %s filesystem", d->fstype);
		return;
	}
	v->fd = open(d->device, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (v->fd < 0) {
		vol_fail(v, -errno, "open: %s", strerror(errno));
		return;
	}
	v->op.cb = vol_read_done;
	v->op.arg = v;
	err = submit_read(g, &v->op, v->buf, DGM_BLOCK, off, v->fd);
	if (err) {
		close(v->fd);
		v->fd = -1;
		vol_fail(v, err, "superblock read submit: %s", strerror(-err));
		return;
	}
	g->pending++;
}

static void acq_members(struct dg *g)
{
	uint64_t now = proc_now_ns();
	unsigned i;

	g->step = A_MEMBERS;
	g->step_ns = now;
	g->pending = 0;
	for (i = 0; i < g->hdr.nvolumes; i++) {
		g->vol[i].fsck = FS_NONE;
		member_check(g, &g->vol[i]);
	}
	if (g->pending == 0)
		members_eval(g, now);
}

static void acq_decide(struct dg *g, uint64_t now)
{
	struct dgm_owner mine;
	struct dgm_slot s;
	int d, ov = -1, on;

	if (!g->owner_ok) {
		finish(g, -EBADMSG, "%s", g->owner_why);
		return;
	}
	on = g->owner.node;
	if (on != DGM_OWNER_NONE && on != g->p.self && on < DGM_MAX_NODES &&
	    (g->slot_bad & (1u << on)) && !g->force) {
		/* Never guess about a holder whose slot we cannot read. */
		finish(g, -EBADMSG, "the slot of owner node %d is unreadable (see the log)", on);
		return;
	}
	d = lease_decide(&g->lease, &g->owner, now, g->force, &ov);
	switch (d) {
	case LD_WAIT:
		if (!g->wait_logged)
			log_info("(dg %s) owner node %d generation %llu: watching its slot for up "
				 "to %u ms",
				 g->name, on, (unsigned long long)g->owner.generation,
				 g->hdr.lease_timeout_ms);
		g->wait_logged = 1;
		return;
	case LD_HELD:
		/* A holder that died a moment ago still looks live: its last
		 * renewals are fresh.  Only a slot still advancing after a full
		 * lease timeout (plus a renewal) of our watching is a live holder
		 * (a node cut off from the network but not dead). */
		if (now - g->op_ns < g->lease.timeout_ns + g->lease.renew_ns) {
			if (!g->wait_logged)
				log_info("(dg %s) owner node %d is renewing: watching its slot for "
					 "%u ms before deciding",
					 g->name, on, g->hdr.lease_timeout_ms);
			g->wait_logged = 1;
			return;
		}
		finish(g, -EBUSY, "held by node %d (still renewing after %u ms, generation %llu)",
		       on, g->hdr.lease_timeout_ms, (unsigned long long)g->owner.generation);
		return;
	case LD_MINE:
		g->held = 1;
		g->renewing = 1;
		finish(g, 0, "already ours, generation %llu",
		       (unsigned long long)g->owner.generation);
		return;
	default:
		break;
	}
	if (g->own_op.busy || g->slot_op.busy)
		return; /* an earlier write still in flight: decide on the next read */
	if (ov >= 0)
		log_warnx("(dg %s) FORCED IMPORT: overriding node %d, which is still renewing its "
			  "slot (owner generation %llu)",
			  g->name, ov, (unsigned long long)g->owner.generation);
	else if (g->force && on != DGM_OWNER_NONE)
		log_warnx(
			"(dg %s) forced import: owner node %d (generation %llu) had expired anyway",
			g->name, on, (unsigned long long)g->owner.generation);
	else if (on != DGM_OWNER_NONE)
		log_info("(dg %s) owner node %d stopped renewing (generation %llu): claiming",
			 g->name, on, (unsigned long long)g->owner.generation);
	lease_claim(&g->lease, &g->owner, now, &mine, &s);
	g->step = A_CLAIM;
	g->renewing = 1;
	g->next_renew_ns = now + g->lease.renew_ns;
	if (op_writes(g, &mine, &s))
		claim_written(g);
}

static void claim_written(struct dg *g)
{
	int err = g->werr;

	if (err) {
		g->renewing = 0;
		lease_drop(&g->lease);
		finish(g, err, "claim write to %s failed: %s", g->meta, strerror(-err));
		return;
	}
	g->step = A_SETTLE;
	g->settle_ns = lease_settle_at(&g->lease);
}

static void acq_confirm(struct dg *g)
{
	if (!g->owner_ok) {
		g->renewing = 0;
		lease_drop(&g->lease);
		finish(g, -EBADMSG, "%s", g->owner_why);
		return;
	}
	if (lease_confirm(&g->lease, &g->owner)) {
		g->renewing = 0;
		lease_drop(&g->lease);
		finish(g, -EBUSY, "lost a racing claim to node %d (generation %llu)",
		       g->owner.node == DGM_OWNER_NONE ? -1 : g->owner.node,
		       (unsigned long long)g->owner.generation);
		return;
	}
	g->held = 1;
	g->lost_sent = 0;
	finish(g, 0, "acquired generation %llu in %llu ms", (unsigned long long)g->lease.generation,
	       (unsigned long long)ms_since(g->op_ns, proc_now_ns()));
}

/* ---- children: fsck, mount, fuser, umount ---------------------------------- */

/* Append s to buf, single-quoted for /bin/sh when q. */
static void cmd_add(char *buf, size_t len, const char *s, int q)
{
	size_t n = strlen(buf);

	if (n && n < len - 1)
		buf[n++] = ' ';
	if (q && n < len - 1)
		buf[n++] = '\'';
	for (; *s && n < len - 5; s++) {
		if (q && *s == '\'') {
			memcpy(buf + n, "'\\''", 4);
			n += 4;
		} else {
			buf[n++] = *s;
		}
	}
	if (q && n < len - 1)
		buf[n++] = '\'';
	buf[n] = 0;
}

static void child_done(struct watch *w, int res);

static int child_start(struct dg *g, struct dg_vol *v, const char *cmd)
{
	int err;

	err = proc_spawn(&v->proc, cmd, NULL, (uint64_t)g->p.fsck_timeout_ms * MS);
	if (err)
		return err;
	memset(&v->w, 0, sizeof(v->w));
	v->w.fd = v->proc.pidfd;
	v->w.events = POLLIN;
	v->w.cb = child_done;
	v->w.arg = v;
	v->w.what = "dg child";
	err = loop_watch(g->loop, &v->w);
	if (err) {
		proc_kill(&v->proc, SIGKILL);
		proc_forget(&v->proc);
		return err;
	}
	g->inflight++;
	v->running = 1;
	v->killed = 0;
	log_debug("(dg %s) started: %s", g->name, cmd);
	return 0;
}

/* "exit 4" or "killed by SIGKILL" or "timed out after 600000 ms". */
static const char *child_str(struct dg *g, struct dg_vol *v, int status, char *buf, size_t len)
{
	if (v->killed)
		snprintf(buf, len, "timed out after %u ms", g->p.fsck_timeout_ms);
	else
		proc_status_str(status, buf, len);
	return buf;
}

static void fsck_next(struct dg *g);
static void mount_next(struct dg *g);
static void unmount_next(struct dg *g, uint64_t now);

/* e2fsck's exit code, a bit mask: the most serious bit names it. */
static const char *fsck_code_str(int code)
{
	if (code == 126 || code == 127)
		return "e2fsck could not be run";
	if (code & 128)
		return "shared library error";
	if (code & 32)
		return "cancelled";
	if (code & 16)
		return "usage or syntax error";
	if (code & 8)
		return "operational error";
	if (code & 4)
		return "errors left uncorrected";
	return "errors corrected, reboot needed";
}

static void fsck_result(struct dg *g, struct dg_vol *v, int status, uint64_t now)
{
	const char *dev = g->hdr.vol[v->idx].device;
	int code = WIFEXITED(status) && !v->killed ? WEXITSTATUS(status) : -1;
	char what[64];

	v->fsck_ms = ms_since(v->proc.start_ns, now);
	g->sum_ms += v->fsck_ms;
	g->running--;
	if (code == 0 || code == 1) {
		v->fsck = FS_OK;
		log_info("(dg %s) fsck %s: %s in %llu ms", g->name, dev,
			 code ? "errors corrected" : "clean", (unsigned long long)v->fsck_ms);
	} else {
		v->fsck = FS_FAIL;
		if (code < 0)
			child_str(g, v, status, what, sizeof(what));
		else
			snprintf(what, sizeof(what), "%s (exit %d)", fsck_code_str(code), code);
		log_warnx("(dg %s) fsck %s: %s after %llu ms: not mounting it", g->name, dev, what,
			  (unsigned long long)v->fsck_ms);
		if (!g->failed) {
			g->failed = 1;
			snprintf(g->why, sizeof(g->why), "fsck %s: %s", dev, what);
		}
	}
	fsck_next(g);
}

static void mount_result(struct dg *g, struct dg_vol *v, int status, uint64_t now)
{
	const struct dgm_volume *d = &g->hdr.vol[v->idx];
	char st[64];

	v->mount_ms = ms_since(v->proc.start_ns, now);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && !v->killed) {
		v->mounted = 1;
		log_info("(dg %s) mount %s on %s: %llu ms", g->name, d->device, d->mountpoint,
			 (unsigned long long)v->mount_ms);
		g->cur++;
		mount_next(g);
		return;
	}
	finish(g, -EIO, "mount %s on %s: %s", d->device, d->mountpoint,
	       child_str(g, v, status, st, sizeof(st)));
}

static void unmount_result(struct dg *g, struct dg_vol *v, int status, uint64_t now)
{
	const struct dgm_volume *d = &g->hdr.vol[v->idx];
	int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && !v->killed;
	char st[64];

	if (g->step == U_TERM || g->step == U_KILL) {
		/* fuser exits 0 when it found (and signalled) users. */
		if (ok)
			g->any_found = 1;
		/* 1 is "nothing found"; anything else means fuser itself failed. */
		if (!ok && !(WIFEXITED(status) && WEXITSTATUS(status) == 1))
			log_warnx("(dg %s) fuser -%s %s failed: %s", g->name,
				  g->step == U_TERM ? "TERM" : "KILL", d->mountpoint,
				  child_str(g, v, status, st, sizeof(st)));
		else
			log_info("(dg %s) fuser -%s %s: %s (%llu ms)", g->name,
				 g->step == U_TERM ? "TERM" : "KILL", d->mountpoint,
				 ok ? "signalled its users" : "no users",
				 (unsigned long long)ms_since(v->proc.start_ns, now));
		g->cur++;
	} else if (ok) {
		v->mounted = 0;
		log_info("(dg %s) umount %s: %llu ms", g->name, d->mountpoint,
			 (unsigned long long)ms_since(v->proc.start_ns, now));
		g->cur++;
		g->tries = 0;
	} else if (++g->tries * UMOUNT_RETRY_NS <= (uint64_t)g->p.kill_grace_ms * MS) {
		/* Killed users may still be exiting: retry for one grace period. */
		g->step = U_RETRY;
		g->wait_until_ns = now + UMOUNT_RETRY_NS;
		return;
	} else {
		finish(g, -EBUSY, "umount %s: %s (still in use; not detaching it lazily)",
		       d->mountpoint, child_str(g, v, status, st, sizeof(st)));
		return;
	}
	unmount_next(g, now);
}

static void child_done(struct watch *w, int res)
{
	struct dg_vol *v = w->arg;
	struct dg *g = v->g;
	int status = 0, err;

	err = proc_reap(&v->proc, &status);
	if (err == -EAGAIN && !g->closing && res >= 0) {
		/* Not exited after all: poll again. */
		if (loop_watch(g->loop, &v->w) == 0)
			return;
	}
	if (err)
		status = W_EXITCODE(127, 0);
	v->running = 0;
	if (ring_back(g))
		return;
	switch (g->op) {
	case DG_OP_FSCK:
		fsck_result(g, v, status, proc_now_ns());
		break;
	case DG_OP_MOUNT:
		mount_result(g, v, status, proc_now_ns());
		break;
	case DG_OP_UNMOUNT:
		unmount_result(g, v, status, proc_now_ns());
		break;
	default:
		break;
	}
}

/* ---- fsck ---------------------------------------------------------------- */

static void fsck_next(struct dg *g)
{
	uint64_t now = proc_now_ns();
	unsigned i;
	char cmd[512];
	int err;

	for (i = 0; i < g->hdr.nvolumes && !g->failed && g->running < g->p.fsck_parallel; i++) {
		struct dg_vol *v = &g->vol[i];
		const struct dgm_volume *d = &g->hdr.vol[i];

		if (v->fsck != FS_PENDING)
			continue;
		cmd[0] = 0;
		cmd_add(cmd, sizeof(cmd), d->fsck == DGM_FSCK_FORCE ? "e2fsck -f -p" : "e2fsck -p",
			0);
		cmd_add(cmd, sizeof(cmd), d->device, 1);
		/* The checker's report belongs in the log (stderr), not on our stdout. */
		cmd_add(cmd, sizeof(cmd), ">&2", 0);
		err = child_start(g, v, cmd);
		if (err) {
			v->fsck = FS_FAIL;
			g->failed = 1;
			snprintf(g->why, sizeof(g->why), "fsck %s: cannot start e2fsck: %s",
				 d->device, strerror(-err));
			break;
		}
		v->fsck = FS_RUN;
		g->running++;
		log_info("(dg %s) fsck %s: started (%u running)", g->name, d->device, g->running);
	}
	if (g->running)
		return;
	g->fsck_ms = ms_since(g->op_ns, now);
	if (g->failed) {
		/* finish() formats from g->why: keep a copy. */
		char why[sizeof(g->why)];

		snprintf(why, sizeof(why), "%s", g->why);
		finish(g, -EIO, "%s", why);
		return;
	}
	finish(g, 0, "%u volumes checked in %llu ms (sum %llu ms, parallel %u)", g->pending,
	       (unsigned long long)g->fsck_ms, (unsigned long long)g->sum_ms, g->p.fsck_parallel);
}

int dg_fsck(struct dg *g)
{
	unsigned i;

	if (g->op)
		return -EBUSY;
	if (!g->held)
		return -EPERM;
	g->op = DG_OP_FSCK;
	g->step = F_RUN;
	g->op_ns = proc_now_ns();
	g->failed = 0;
	g->running = 0;
	g->pending = 0;
	g->sum_ms = 0;
	for (i = 0; i < g->hdr.nvolumes; i++) {
		const struct dgm_volume *d = &g->hdr.vol[i];
		struct dg_vol *v = &g->vol[i];

		v->fsck_ms = 0;
		if (d->fsck == DGM_FSCK_NEVER || !is_ext(d->fstype)) {
			v->fsck = FS_SKIP;
			log_info("(dg %s) fsck %s: skipped (%s)", g->name, d->device,
				 d->fsck == DGM_FSCK_NEVER ? "policy never" :
							     "the filesystem recovers on mount");
			continue;
		}
		v->fsck = FS_PENDING;
		g->pending++;
	}
	fsck_next(g);
	return 0;
}

/* ---- mount ----------------------------------------------------------------- */

static int mp_depth(const char *p)
{
	int n = 0;

	for (; *p; p++)
		if (*p == '/' && p[1] && p[1] != '/')
			n++;
	return n;
}

static void sort_order(struct dg *g)
{
	unsigned i, j, n = g->hdr.nvolumes;

	for (i = 0; i < n; i++)
		g->order[i] = (int)i;
	/* Insertion sort: at most DGM_MAX_VOLUMES entries. */
	for (i = 1; i < n; i++) {
		int x = g->order[i];
		const struct dgm_volume *a = &g->hdr.vol[x];

		for (j = i; j > 0; j--) {
			const struct dgm_volume *b = &g->hdr.vol[g->order[j - 1]];

			if (b->order < a->order ||
			    (b->order == a->order &&
			     mp_depth(b->mountpoint) <= mp_depth(a->mountpoint)))
				break;
			g->order[j] = g->order[j - 1];
		}
		g->order[j] = x;
	}
}

static int mkdir_p(const char *path)
{
	char buf[DGM_PATH_MAX];
	size_t i;

	snprintf(buf, sizeof(buf), "%s", path);
	for (i = 1;; i++) {
		char c = buf[i];

		if (c != '/' && c)
			continue;
		buf[i] = 0;
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		buf[i] = c;
		if (!c)
			return 0;
	}
}

static void mount_next(struct dg *g)
{
	uint64_t now = proc_now_ns();
	char cmd[768];
	int err;

	for (; g->cur < (int)g->hdr.nvolumes; g->cur++) {
		struct dg_vol *v = &g->vol[g->order[g->cur]];
		const struct dgm_volume *d = &g->hdr.vol[v->idx];

		if (v->mounted)
			continue;
		err = mkdir_p(d->mountpoint);
		if (err) {
			finish(g, err, "mkdir %s: %s", d->mountpoint, strerror(-err));
			return;
		}
		snprintf(cmd, sizeof(cmd), "mount -t");
		cmd_add(cmd, sizeof(cmd), d->fstype, 1);
		if (d->options[0]) {
			cmd_add(cmd, sizeof(cmd), "-o", 0);
			cmd_add(cmd, sizeof(cmd), d->options, 1);
		}
		cmd_add(cmd, sizeof(cmd), d->device, 1);
		cmd_add(cmd, sizeof(cmd), d->mountpoint, 1);
		cmd_add(cmd, sizeof(cmd), ">&2", 0);
		err = child_start(g, v, cmd);
		if (err)
			finish(g, err, "mount %s: cannot start: %s", d->device, strerror(-err));
		return;
	}
	g->mount_ms = ms_since(g->op_ns, now);
	finish(g, 0, "%u volumes mounted in %llu ms", g->hdr.nvolumes,
	       (unsigned long long)g->mount_ms);
}

int dg_mount(struct dg *g)
{
	unsigned i;

	if (g->op)
		return -EBUSY;
	if (!g->held)
		return -EPERM;
	g->op = DG_OP_MOUNT;
	g->step = M_RUN;
	g->op_ns = proc_now_ns();
	g->cur = 0;
	sort_order(g);
	/* A group whose fsck failed is not mounted at all, not even in part. */
	for (i = 0; i < g->hdr.nvolumes; i++)
		if (g->vol[i].fsck == FS_FAIL || g->vol[i].fsck == FS_PENDING ||
		    g->vol[i].fsck == FS_RUN) {
			finish(g, -EIO, "%s: fsck did not pass: not mounting the group",
			       g->hdr.vol[i].device);
			return 0;
		}
	mount_next(g);
	return 0;
}

/* ---- unmount --------------------------------------------------------------- */

/* Next mounted volume at or after g->cur in reverse mount order, or NULL. */
static struct dg_vol *unmount_vol(struct dg *g)
{
	int n = (int)g->hdr.nvolumes;

	for (; g->cur < n; g->cur++) {
		struct dg_vol *v = &g->vol[g->order[n - 1 - g->cur]];

		if (v->mounted)
			return v;
	}
	return NULL;
}

static void unmount_next(struct dg *g, uint64_t now)
{
	struct dg_vol *v = unmount_vol(g);
	char cmd[512];
	int err;

	if (!v) {
		if (g->step == U_TERM && g->any_found) {
			g->step = U_GRACE;
			g->wait_until_ns = now + (uint64_t)g->p.kill_grace_ms * MS;
			return;
		}
		if (g->step == U_TERM || g->step == U_KILL) {
			g->step = U_UMOUNT;
			g->cur = 0;
			g->tries = 0;
			v = unmount_vol(g);
		}
		if (!v) {
			finish(g, 0, "unmounted in %llu ms",
			       (unsigned long long)ms_since(g->op_ns, now));
			return;
		}
	}
	if (g->step == U_UMOUNT) {
		snprintf(cmd, sizeof(cmd), "umount");
	} else {
		/* -M: only if it still is a mountpoint, never the filesystem under it. */
		snprintf(cmd, sizeof(cmd), "fuser -s -M -k %s -m",
			 g->step == U_TERM ? "-TERM" : "-KILL");
	}
	cmd_add(cmd, sizeof(cmd), g->hdr.vol[v->idx].mountpoint, 1);
	/* fuser complains about every /proc entry it may not stat: noise. */
	cmd_add(cmd, sizeof(cmd), g->step == U_UMOUNT ? ">&2" : "2>/dev/null", 0);
	err = child_start(g, v, cmd);
	if (err)
		finish(g, err, "cannot start \"%s\": %s", cmd, strerror(-err));
}

int dg_unmount(struct dg *g)
{
	if (g->op)
		return -EBUSY;
	g->op = DG_OP_UNMOUNT;
	g->step = U_TERM;
	g->op_ns = proc_now_ns();
	g->cur = 0;
	g->any_found = 0;
	sort_order(g);
	unmount_next(g, g->op_ns);
	return 0;
}

/* ---- release --------------------------------------------------------------- */

static int op_writes(struct dg *g, struct dgm_owner *o, struct dgm_slot *s)
{
	int err;

	g->wmask = 0;
	g->werr = 0;
	if (o) {
		err = write_owner(g, o);
		if (err)
			g->werr = err;
		else
			g->wmask |= W_OWN;
	}
	if (s) {
		err = write_slot(g, s);
		if (err && !g->werr)
			g->werr = err;
		else if (!err)
			g->wmask |= W_SLOT;
	}
	return g->wmask ? 0 : -EAGAIN;
}

static void rel_write(struct dg *g, int read_err)
{
	struct dgm_owner o;
	struct dgm_slot s;
	int ours = !read_err && g->owner_ok && g->owner.node == g->p.self;

	g->step = R_WRITE;
	o = g->owner;
	o.node = DGM_OWNER_NONE;
	if (g->lease.my_counter) {
		lease_next_slot(&g->lease, &s);
		s.generation = 0;
	}
	g->tries = ours;
	g->fin_err = read_err;
	if (op_writes(g, ours ? &o : NULL, g->lease.my_counter ? &s : NULL))
		rel_written(g);
}

static void rel_written(struct dg *g)
{
	int err = g->werr;

	lease_drop(&g->lease);
	if (g->fin_err) {
		finish(g, g->fin_err,
		       "cannot read the owner record (%s): slot cleared, owner record "
		       "left as it was",
		       strerror(-g->fin_err));
		return;
	}
	if (err) {
		finish(g, err, "release write to %s failed: %s", g->meta, strerror(-err));
		return;
	}
	if (g->tries)
		g->owner.node = DGM_OWNER_NONE;
	finish(g, 0, "%s in %llu ms",
	       g->tries ? "owner record freed" : "owner record not ours, left as it was",
	       (unsigned long long)ms_since(g->op_ns, proc_now_ns()));
}

int dg_release(struct dg *g)
{
	unsigned i;

	if (g->op)
		return -EBUSY;
	g->op = DG_OP_RELEASE;
	g->op_ns = proc_now_ns();
	for (i = 0; i < g->hdr.nvolumes; i++)
		if (g->vol[i].mounted) {
			/* Freeing the lease now would let another node mount it too. */
			finish(g, -EBUSY, "%s is still mounted on %s: not releasing",
			       g->hdr.vol[i].device, g->hdr.vol[i].mountpoint);
			return 0;
		}
	g->held = 0;
	g->renewing = 0;
	g->step = R_IOWAIT;
	return 0;
}

/* ---- acquire entry, tick, open/close, queries --------------------------------- */

int dg_acquire(struct dg *g, int force)
{
	unsigned i;

	if (g->op)
		return -EBUSY;
	for (i = 0; i < g->hdr.nvolumes; i++)
		if (g->vol[i].mounted)
			return -EBUSY;
	g->op = DG_OP_ACQUIRE;
	g->op_ns = proc_now_ns();
	g->force = force;
	if (g->held) {
		finish(g, 0, "already held, generation %llu",
		       (unsigned long long)g->lease.generation);
		return 0;
	}
	g->lost_sent = 0;
	g->step = A_HDR_QUEUE;
	return 0;
}

static void tick_op(struct dg *g, uint64_t now)
{
	unsigned i;

	switch (g->step) {
	case A_HDR_QUEUE:
		if (g->hdr_op.busy)
			break;
		g->step = A_HDR;
		g->step_ns = now;
		if (hdr_read(g))
			finish(g, -EBUSY, "cannot queue the header read");
		break;
	case A_SETTLE:
		if (now >= g->settle_ns && !g->hb_op.busy) {
			g->step = A_CONFIRM;
			if (hb_read(g, now))
				finish(g, -EIO, "cannot queue the confirming read");
		}
		break;
	case U_GRACE:
		if (now >= g->wait_until_ns) {
			g->step = U_KILL;
			g->cur = 0;
			unmount_next(g, now);
		}
		break;
	case U_RETRY:
		if (now >= g->wait_until_ns) {
			g->step = U_UMOUNT;
			unmount_next(g, now);
		}
		break;
	case R_IOWAIT:
		if (g->own_op.busy || g->slot_op.busy || g->hb_op.busy)
			break;
		g->step = R_READ;
		if (!g->hdr_ok || hb_read(g, now))
			rel_write(g, -EIO);
		break;
	default:
		break;
	}
	for (i = 0; i < g->hdr.nvolumes; i++) {
		struct dg_vol *v = &g->vol[i];

		if (v->running && !v->killed && proc_expired(&v->proc, now)) {
			log_warnx("(dg %s) %s: child %d timed out after %u ms: killing it", g->name,
				  g->hdr.vol[i].device, (int)v->proc.pid, g->p.fsck_timeout_ms);
			proc_kill(&v->proc, SIGKILL);
			v->killed = 1;
		}
	}
}

void dg_tick(struct dg *g, uint64_t now)
{
	int op;

	if (!g || g->closing)
		return;
	if (!g->hdr_ok) {
		if (now >= g->hdr_retry_ns && !g->hdr_op.busy && g->step != A_HDR) {
			g->hdr_retry_ns = now + HDR_RETRY_NS;
			hdr_read(g);
		}
	} else {
		if (now >= g->next_hb_ns) {
			if (!g->hb_op.busy)
				hb_read(g, now);
			else /* still busy: skip this period */
				g->next_hb_ns = now + g->lease.renew_ns;
		}
		renew(g, now);
		if (g->held && lease_must_fence(&g->lease, now))
			lose(g, "cannot renew the lease on %s for %llu ms (%s): fencing", g->meta,
			     (unsigned long long)ms_since(g->lease.renewed_ns, now),
			     g->io_why[0] ? g->io_why : "writes not completing");
	}
	tick_op(g, now);
	if (g->step != ST_FIN)
		return;
	/* Last: the callback may start the next operation or close g. */
	op = g->op;
	g->op = 0;
	g->step = ST_IDLE;
	g->ops->done(g->arg, op, g->fin_err, g->why);
}

int dg_open(struct dg **out, const struct dg_params *p, struct loop *loop, const struct dg_ops *ops,
	    void *arg)
{
	struct dg *g;
	void *mem;
	int i, err;

	*out = NULL;
	if (!p->name || !p->meta || strlen(p->name) >= DGM_NAME_MAX ||
	    strlen(p->meta) >= DGM_PATH_MAX || p->self < 0 || p->self >= DGM_MAX_NODES || !ops ||
	    !ops->done)
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	snprintf(g->name, sizeof(g->name), "%s", p->name);
	snprintf(g->meta, sizeof(g->meta), "%s", p->meta);
	g->p = *p;
	g->p.name = g->name;
	g->p.meta = g->meta;
	if (!g->p.fsck_parallel)
		g->p.fsck_parallel = 1;
	if (!g->p.fsck_timeout_ms)
		g->p.fsck_timeout_ms = 600000;
	g->loop = loop;
	g->ops = ops;
	g->arg = arg;
	g->fd = -1;
	/* header, heartbeat area (owner + slots), owner write, slot write */
	if (posix_memalign(&mem, DGM_BLOCK, (size_t)(3 + HB_BLOCKS) * DGM_BLOCK))
		goto nomem;
	g->hbuf = mem;
	g->rbuf = g->hbuf + DGM_BLOCK;
	g->obuf = g->rbuf + HB_LEN;
	g->sbuf = g->obuf + DGM_BLOCK;
	if (posix_memalign(&mem, DGM_BLOCK, (size_t)DGM_MAX_VOLUMES * DGM_BLOCK))
		goto nomem;
	g->vbufs = mem;
	for (i = 0; i < DGM_MAX_VOLUMES; i++) {
		g->vol[i].g = g;
		g->vol[i].idx = i;
		g->vol[i].fd = -1;
		g->vol[i].proc.pidfd = -1;
		g->vol[i].buf = g->vbufs + (size_t)i * DGM_BLOCK;
	}
	g->fd = open(g->meta, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (g->fd < 0) {
		err = -errno;
		log_warn("(dg %s) open %s", g->name, g->meta);
		goto fail;
	}
	lease_init(&g->lease, g->p.self, 1000, 100);
	g->hdr_retry_ns = proc_now_ns() + HDR_RETRY_NS;
	err = hdr_read(g);
	if (err)
		goto fail;
	*out = g;
	return 0;
nomem:
	err = -ENOMEM;
fail:
	g->closing = 1;
	maybe_free(g);
	return err;
}

void dg_close(struct dg *g)
{
	unsigned i;

	if (!g)
		return;
	for (i = 0; i < DGM_MAX_VOLUMES; i++)
		if (g->vol[i].running)
			proc_kill(&g->vol[i].proc, SIGKILL);
	g->closing = 1;
	maybe_free(g);
}

int dg_node_live(const struct dg *g, int node, uint64_t now_ns)
{
	if (!g || !g->hdr_ok || node < 0 || node >= DGM_MAX_NODES || !g->read_ok_ns)
		return -1;
	/* Our own reads failing says nothing about the peer: do not call it dead. */
	if (now_ns > g->read_ok_ns && now_ns - g->read_ok_ns > 2 * g->lease.renew_ns + 100 * MS)
		return -1;
	return lease_node_live(&g->lease, node, now_ns);
}

int dg_held(const struct dg *g)
{
	return g && g->held;
}

int dg_status(const struct dg *g, char *buf, size_t len)
{
	unsigned i, mounted = 0;
	int n;

	if (!g || !len)
		return -EINVAL;
	if (!g->hdr_ok) {
		snprintf(buf, len, "metadata unreadable: %s",
			 g->hdr_why[0] ? g->hdr_why : "reading");
		return 0;
	}
	for (i = 0; i < g->hdr.nvolumes; i++)
		mounted += g->vol[i].mounted;
	if (g->held)
		n = snprintf(buf, len, "held gen %llu", (unsigned long long)g->lease.generation);
	else if (!g->owner_ok)
		n = snprintf(buf, len, "owner unknown");
	else if (g->owner.node == DGM_OWNER_NONE)
		n = snprintf(buf, len, "free (gen %llu)", (unsigned long long)g->owner.generation);
	else
		n = snprintf(buf, len, "owner node %d gen %llu", g->owner.node,
			     (unsigned long long)g->owner.generation);
	if (n < 0 || (size_t)n >= len)
		return 0;
	n += snprintf(buf + n, len - (size_t)n,
		      ", %u/%u volumes mounted, fsck %llu ms, mount %llu ms%s%s", mounted,
		      g->hdr.nvolumes, (unsigned long long)g->fsck_ms,
		      (unsigned long long)g->mount_ms, g->op ? ", busy: " : "", op_name[g->op]);
	if (g->lost_sent && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, ", LEASE LOST");
	return 0;
}
