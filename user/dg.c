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
 * Times are CLOCK_MONOTONIC nanoseconds (the caller's now_ns, mono_now_ns()
 * in I/O callbacks).
 *
 * This file holds the metadata side: the header and heartbeat reads, the
 * lease writes and decisions, release, the tick and open/close.  The volume
 * side (member checks, fsck, mount, unmount) is in dgvol.c; the state both
 * share is in dgvol.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dgvol.h"
#include "log.h"
#include "util.h"

#define HB_BLOCKS (1 + DGM_MAX_NODES) /* owner record + every slot, one read */
#define HB_LEN (HB_BLOCKS * DGM_BLOCK)
#define HDR_RETRY_NS (1000 * MS)
#define LOG_EVERY_NS (1000 * MS)
#define W_OWN 1u
#define W_SLOT 2u

static const char *const op_name[] = {"", "acquire", "fsck", "mount", "unmount", "release"};

void dg_finish(struct dg *g, int err, const char *fmt, ...)
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
	uint64_t now = mono_now_ns();

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
int dg_ring_back(struct dg *g)
{
	g->inflight--;
	if (!g->closing)
		return 0;
	maybe_free(g);
	return 1;
}

int dg_submit_read(struct dg *g, struct uop *op, void *buf, unsigned len, uint64_t off, int fd)
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

static void acq_decide(struct dg *g, uint64_t now);
static void acq_confirm(struct dg *g);
static void adopt_decide(struct dg *g, uint64_t now);
static void rel_write(struct dg *g, int read_err);

static void hdr_done(struct uop *op, int res)
{
	struct dg *g = op->arg;
	int acq, err;
	struct dgm_header h;
	char why[160];

	if (dg_ring_back(g))
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
			dg_finish(g, err, "%s", why);
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
	if (acq && g->adopt) {
		/* Decide on an owner read issued after this header read. */
		g->step = D_READ;
		if (!g->hb_op.busy && dg_hb_read(g, mono_now_ns()))
			dg_finish(g, -EIO, "cannot queue the owner read");
	} else if (acq) {
		dg_acq_members(g);
	}
}

static int hdr_read(struct dg *g)
{
	g->hdr_op.cb = hdr_done;
	g->hdr_op.arg = g;
	return dg_submit_read(g, &g->hdr_op, g->hbuf, DGM_BLOCK, 0, g->fd);
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

	if (dg_ring_back(g))
		return;
	now = mono_now_ns();
	if (res != HB_LEN) {
		io_error(g, "heartbeat read", res);
		if (g->op == DG_OP_ACQUIRE &&
		    (g->step == A_OBSERVE || g->step == A_CONFIRM || g->step == D_READ))
			dg_finish(g, res < 0 ? res : -EIO, "metadata %s: %s", g->meta, g->io_why);
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
	else if (g->op == DG_OP_ACQUIRE && g->step == D_READ)
		adopt_decide(g, now);
	else if (g->op == DG_OP_RELEASE && g->step == R_READ)
		rel_write(g, 0);
}

int dg_hb_read(struct dg *g, uint64_t now)
{
	int err;

	g->hb_op.cb = hb_done;
	g->hb_op.arg = g;
	err = dg_submit_read(g, &g->hb_op, g->rbuf, HB_LEN, DGM_BLOCK, g->fd);
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

	if (dg_ring_back(g))
		return;
	if (err)
		io_error(g, slot ? "slot write" : "owner write", res);
	else if (slot && g->renewing)
		lease_renewed(&g->lease, mono_now_ns());
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

/* ---- acquire: lease decision (member checks are in dgvol.c) ------------------- */

static void acq_decide(struct dg *g, uint64_t now)
{
	struct dgm_owner mine;
	struct dgm_slot s;
	int d, ov = -1, on;

	if (!g->owner_ok) {
		dg_finish(g, -EBADMSG, "%s", g->owner_why);
		return;
	}
	on = g->owner.node;
	if (on != DGM_OWNER_NONE && on != g->p.self && on < DGM_MAX_NODES &&
	    (g->slot_bad & (1u << on)) && !g->force) {
		/* Never guess about a holder whose slot we cannot read. */
		dg_finish(g, -EBADMSG, "the slot of owner node %d is unreadable (see the log)", on);
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
		dg_finish(g, -EBUSY,
			  "held by node %d (still renewing after %u ms, generation %llu)", on,
			  g->hdr.lease_timeout_ms, (unsigned long long)g->owner.generation);
		return;
	case LD_MINE:
		g->held = 1;
		g->renewing = 1;
		dg_finish(g, 0, "already ours, generation %llu",
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

#define LATE_CLAIMS_MAX 3

static void claim_written(struct dg *g)
{
	uint64_t now = mono_now_ns();
	unsigned long long took = ms_since(g->lease.claim_ns, now);
	int err = g->werr;

	if (err) {
		g->renewing = 0;
		lease_drop(&g->lease);
		dg_finish(g, err, "claim write to %s failed: %s", g->meta, strerror(-err));
		return;
	}
	if (lease_claim_written(&g->lease, now)) {
		/* Past the bound the settle time no longer covers a racing
		 * claimant: never confirm such a claim.  Our slot and owner
		 * record now show a claim of ours that nobody renews, so the
		 * next decision watches them like any other holder's. */
		g->renewing = 0;
		lease_drop(&g->lease);
		if (++g->late_claims >= LATE_CLAIMS_MAX) {
			dg_finish(g, -ETIMEDOUT,
				  "claim writes to %s took %llu ms, more than the renew period (%u "
				  "ms), %d times: this storage is too slow for the group's lease "
				  "timings",
				  g->meta, took, g->hdr.renew_ms, g->late_claims);
			return;
		}
		log_warnx("(dg %s) claim writes to %s took %llu ms, more than the renew period (%u "
			  "ms): claim dropped, deciding again on a fresh read",
			  g->name, g->meta, took, g->hdr.renew_ms);
		g->step = A_OBSERVE;
		g->wait_logged = 0;
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
		dg_finish(g, -EBADMSG, "%s", g->owner_why);
		return;
	}
	if (lease_confirm(&g->lease, &g->owner)) {
		g->renewing = 0;
		lease_drop(&g->lease);
		dg_finish(g, -EBUSY, "lost a racing claim to node %d (generation %llu)",
			  g->owner.node == DGM_OWNER_NONE ? -1 : g->owner.node,
			  (unsigned long long)g->owner.generation);
		return;
	}
	g->held = 1;
	g->lost_sent = 0;
	dg_finish(g, 0, "acquired generation %llu in %llu ms",
		  (unsigned long long)g->lease.generation,
		  (unsigned long long)ms_since(g->op_ns, mono_now_ns()));
}

/* ---- adopt ------------------------------------------------------------------ */

/*
 * A restarted daemon takes over what its previous run held: the owner record
 * must name us; its generation becomes ours and renewals resume at once,
 * continuing our slot's counter so that peers see it advancing without a
 * gap.  Nothing is written unless we hold it.
 */
static void adopt_decide(struct dg *g, uint64_t now)
{
	struct lease *l = &g->lease;
	int self = g->p.self;
	unsigned n;

	if (!g->owner_ok) {
		dg_finish(g, -EBADMSG, "%s", g->owner_why);
		return;
	}
	if (g->owner.node != self) {
		if (g->owner.node == DGM_OWNER_NONE)
			dg_finish(g, -ESTALE, "not held by this node (owner none, generation %llu)",
				  (unsigned long long)g->owner.generation);
		else
			dg_finish(g, -ESTALE,
				  "not held by this node (owner node %d, generation %llu)",
				  g->owner.node, (unsigned long long)g->owner.generation);
		return;
	}
	l->generation = g->owner.generation;
	memcpy(l->uuid, g->hdr.uuid, sizeof(l->uuid));
	if (l->seen_ns[self] && l->counter[self] > l->my_counter)
		l->my_counter = l->counter[self];
	l->claim_ns = now;
	/* The fencing clock starts now, as after a claim. */
	lease_renewed(l, now);
	g->held = 1;
	g->renewing = 1;
	g->lost_sent = 0;
	g->next_renew_ns = now;
	renew(g, now);
	n = dg_adopt_mounts(g);
	dg_finish(g, 0, "adopted generation %llu, %u/%u volumes mounted, in %llu ms",
		  (unsigned long long)l->generation, n, g->hdr.nvolumes,
		  (unsigned long long)ms_since(g->op_ns, now));
}

int dg_adopt(struct dg *g)
{
	if (g->op)
		return -EBUSY;
	g->op = DG_OP_ACQUIRE;
	g->op_ns = mono_now_ns();
	g->force = 0;
	g->adopt = 1;
	g->lost_sent = 0;
	g->step = A_HDR_QUEUE;
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
		dg_finish(g, g->fin_err,
			  "cannot read the owner record (%s): slot cleared, owner record "
			  "left as it was",
			  strerror(-g->fin_err));
		return;
	}
	if (err) {
		dg_finish(g, err, "release write to %s failed: %s", g->meta, strerror(-err));
		return;
	}
	if (g->tries)
		g->owner.node = DGM_OWNER_NONE;
	dg_finish(g, 0, "%s in %llu ms",
		  g->tries ? "owner record freed" : "owner record not ours, left as it was",
		  (unsigned long long)ms_since(g->op_ns, mono_now_ns()));
}

int dg_release(struct dg *g)
{
	unsigned i;

	if (g->op)
		return -EBUSY;
	g->op = DG_OP_RELEASE;
	g->op_ns = mono_now_ns();
	for (i = 0; i < g->hdr.nvolumes; i++)
		if (g->vol[i].mounted) {
			/* Freeing the lease now would let another node mount it too. */
			dg_finish(g, -EBUSY, "%s is still mounted on %s: not releasing",
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
	g->op_ns = mono_now_ns();
	g->force = force;
	g->adopt = 0;
	if (g->held) {
		dg_finish(g, 0, "already held, generation %llu",
			  (unsigned long long)g->lease.generation);
		return 0;
	}
	g->lost_sent = 0;
	g->late_claims = 0;
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
			dg_finish(g, -EBUSY, "cannot queue the header read");
		break;
	case A_SETTLE:
		if (now >= g->settle_ns && !g->hb_op.busy) {
			g->step = A_CONFIRM;
			if (dg_hb_read(g, now))
				dg_finish(g, -EIO, "cannot queue the confirming read");
		}
		break;
	case U_GRACE:
		if (now >= g->wait_until_ns) {
			g->step = U_KILL;
			g->cur = 0;
			dg_unmount_next(g, now);
		}
		break;
	case U_UMOUNT:
		/* busy umounts whose retry time has come */
		dg_unmount_next(g, now);
		break;
	case R_IOWAIT:
		if (g->own_op.busy || g->slot_op.busy || g->hb_op.busy)
			break;
		g->step = R_READ;
		if (!g->hdr_ok || dg_hb_read(g, now))
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
				dg_hb_read(g, now);
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
	g->hdr_retry_ns = mono_now_ns() + HDR_RETRY_NS;
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
		      ", %u/%u volumes mounted, fsck %llu ms, mount %llu ms (%u at once)%s%s",
		      mounted, g->hdr.nvolumes, (unsigned long long)g->fsck_ms,
		      (unsigned long long)g->mount_ms, g->mount_max, g->op ? ", busy: " : "",
		      op_name[g->op]);
	if (g->lost_sent && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, ", LEASE LOST");
	return 0;
}
