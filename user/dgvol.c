// SPDX-License-Identifier: GPL-2.0-only
/*
 * The volume side of the disk-group engine (see dg.h, dgvol.h): the member
 * checks of an import (device present, filesystem UUID read from the
 * superblock through the ring), and the children of fsck, mount and unmount
 * (e2fsck, mount, fuser, umount), polled through their pidfds on the
 * daemon's ring.  Like dg.c, nothing here waits: every result arrives in a
 * ring callback and every operation ends in dg_finish().
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dgvol.h"
#include "fsprobe.h"
#include "log.h"
#include "util.h"

#define UMOUNT_RETRY_NS (100 * MS)

/* ---- member checks of an import ------------------------------------------------ */

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
			dg_finish(g, g->vol[i].err, "%s", g->vol[i].why);
			return;
		}
	log_info("(dg %s) %u member volumes present and matching (%llu ms)", g->name,
		 g->hdr.nvolumes, (unsigned long long)ms_since(g->step_ns, now));
	g->step = A_OBSERVE;
	g->step_ns = now;
	g->wait_logged = 0;
	/* Decide on a fresh read at once: a free record is claimed without delay. */
	if (!g->hb_op.busy)
		dg_hb_read(g, now);
}

static void vol_read_done(struct uop *op, int res)
{
	struct dg_vol *v = op->arg;
	struct dg *g = v->g;
	const struct dgm_volume *d;
	const uint8_t *u = NULL;
	char want[37], got[37];
	uint64_t off;

	close(v->fd);
	v->fd = -1;
	if (dg_ring_back(g))
		return;
	d = &g->hdr.vol[v->idx];
	if (res != DGM_BLOCK) {
		vol_fail(v, res < 0 ? res : -EIO, "superblock read: %s",
			 res < 0 ? strerror(-res) : "short read");
	} else if (fs_sb_block(d->fstype, DGM_BLOCK, &off) ||
		   !(u = fs_uuid_at(d->fstype, v->buf, DGM_BLOCK, off))) {
		vol_fail(v, -EMEDIUMTYPE, "no %s filesystem found", d->fstype);
	} else if (memcmp(u, d->fs_uuid, 16)) {
		uuid_fmt(got, sizeof(got), u);
		uuid_fmt(want, sizeof(want), d->fs_uuid);
		vol_fail(v, -EMEDIUMTYPE,
			 "filesystem UUID %s does not match the header's %s: wrong disk?", got,
			 want);
	}
	if (--g->pending == 0)
		members_eval(g, mono_now_ns());
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
	if (fs_sb_block(d->fstype, DGM_BLOCK, &off)) {
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
	err = dg_submit_read(g, &v->op, v->buf, DGM_BLOCK, off, v->fd);
	if (err) {
		close(v->fd);
		v->fd = -1;
		vol_fail(v, err, "superblock read submit: %s", strerror(-err));
		return;
	}
	g->pending++;
}

void dg_acq_members(struct dg *g)
{
	uint64_t now = mono_now_ns();
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

/* Keep the first failure's reason: the operation ends once the running helpers are reaped. */
static void op_fail(struct dg *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void op_fail(struct dg *g, const char *fmt, ...)
{
	va_list ap;

	if (g->failed)
		return;
	g->failed = 1;
	va_start(ap, fmt);
	vsnprintf(g->why, sizeof(g->why), fmt, ap);
	va_end(ap);
}

static void mount_result(struct dg *g, struct dg_vol *v, int status, uint64_t now)
{
	const struct dgm_volume *d = &g->hdr.vol[v->idx];
	char st[64];

	v->mount_ms = ms_since(v->proc.start_ns, now);
	g->running--;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && !v->killed) {
		v->mounted = 1;
		log_info("(dg %s) mount %s on %s: %llu ms", g->name, d->device, d->mountpoint,
			 (unsigned long long)v->mount_ms);
	} else {
		child_str(g, v, status, st, sizeof(st));
		log_warnx("(dg %s) mount %s on %s: %s after %llu ms", g->name, d->device,
			  d->mountpoint, st, (unsigned long long)v->mount_ms);
		op_fail(g, "mount %s on %s: %s", d->device, d->mountpoint, st);
	}
	mount_next(g);
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
		dg_unmount_next(g, now);
		return;
	}
	g->running--;
	if (ok) {
		v->mounted = 0;
		log_info("(dg %s) umount %s: %llu ms", g->name, d->mountpoint,
			 (unsigned long long)ms_since(v->proc.start_ns, now));
	} else if (++v->tries * UMOUNT_RETRY_NS <= (uint64_t)g->p.kill_grace_ms * MS) {
		/* Killed users may still be exiting: retry for one grace period. */
		v->retry_ns = now + UMOUNT_RETRY_NS;
	} else {
		op_fail(g, "umount %s: %s (still in use; not detaching it lazily)", d->mountpoint,
			child_str(g, v, status, st, sizeof(st)));
		log_warnx("(dg %s) %s", g->name, g->why);
	}
	dg_unmount_next(g, now);
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
	if (dg_ring_back(g))
		return;
	switch (g->op) {
	case DG_OP_FSCK:
		fsck_result(g, v, status, mono_now_ns());
		break;
	case DG_OP_MOUNT:
		mount_result(g, v, status, mono_now_ns());
		break;
	case DG_OP_UNMOUNT:
		unmount_result(g, v, status, mono_now_ns());
		break;
	default:
		break;
	}
}

/* ---- fsck ---------------------------------------------------------------- */

static void fsck_next(struct dg *g)
{
	uint64_t now = mono_now_ns();
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
		/* dg_finish() formats from g->why: keep a copy. */
		char why[sizeof(g->why)];

		snprintf(why, sizeof(why), "%s", g->why);
		dg_finish(g, -EIO, "%s", why);
		return;
	}
	dg_finish(g, 0, "%u volumes checked in %llu ms (sum %llu ms, parallel %u)", g->pending,
		  (unsigned long long)g->fsck_ms, (unsigned long long)g->sum_ms,
		  g->p.fsck_parallel);
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
	g->op_ns = mono_now_ns();
	g->failed = 0;
	g->running = 0;
	g->pending = 0;
	g->sum_ms = 0;
	for (i = 0; i < g->hdr.nvolumes; i++) {
		const struct dgm_volume *d = &g->hdr.vol[i];
		struct dg_vol *v = &g->vol[i];

		v->fsck_ms = 0;
		if (d->fsck == DGM_FSCK_NEVER || !fs_is_ext(d->fstype)) {
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

/* 1 when path is dir or lies beneath it ("/a/b" in "/a", not "/ab"). */
static int path_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n == 1 && dir[0] == '/')
		return path[0] == '/';
	return !strncmp(path, dir, n) && (path[n] == '/' || !path[n]);
}

/*
 * Must the volume at mount position a wait for the one at position b < a?
 * Yes when b has a lower order, or a's mountpoint lies in b's (sort_order()
 * puts parents first; an identical mountpoint stacks in position order).
 */
static int mount_dep(struct dg *g, int a, int b)
{
	const struct dgm_volume *va = &g->hdr.vol[g->order[a]];
	const struct dgm_volume *vb = &g->hdr.vol[g->order[b]];

	return vb->order < va->order || path_within(va->mountpoint, vb->mountpoint);
}

static int mount_start(struct dg *g, struct dg_vol *v)
{
	const struct dgm_volume *d = &g->hdr.vol[v->idx];
	char cmd[768];
	int err;

	err = mkdir_p(d->mountpoint);
	if (err) {
		op_fail(g, "mkdir %s: %s", d->mountpoint, strerror(-err));
		return err;
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
	if (err) {
		op_fail(g, "mount %s: cannot start: %s", d->device, strerror(-err));
		return err;
	}
	g->running++;
	if (g->running > g->mount_max)
		g->mount_max = g->running;
	log_info("(dg %s) mount %s on %s: started (%u running)", g->name, d->device, d->mountpoint,
		 g->running);
	return 0;
}

/*
 * Start every volume whose predecessors (lower order, parent mountpoints) are
 * mounted, at most fsck_parallel helpers at once; end the operation when
 * nothing runs any more.  After a failure nothing new starts.
 */
static void mount_next(struct dg *g)
{
	int n = (int)g->hdr.nvolumes, a, b, left = 0;

	for (a = 0; a < n; a++) {
		struct dg_vol *v = &g->vol[g->order[a]];

		if (v->mounted)
			continue;
		left++;
		if (v->running || g->failed || g->running >= g->p.fsck_parallel)
			continue;
		for (b = 0; b < a; b++)
			if (!g->vol[g->order[b]].mounted && mount_dep(g, a, b))
				break;
		if (b == a)
			mount_start(g, v);
	}
	if (g->running)
		return;
	g->mount_ms = ms_since(g->op_ns, mono_now_ns());
	if (g->failed) {
		/* dg_finish() formats from g->why: keep a copy. */
		char why[sizeof(g->why)];

		snprintf(why, sizeof(why), "%s", g->why);
		dg_finish(g, -EIO, "%s", why);
		return;
	}
	if (left) /* cannot happen: dependencies only point to earlier positions */
		dg_finish(g, -EDEADLK, "%d volumes could not be ordered", left);
	else
		dg_finish(g, 0, "%u volumes mounted in %llu ms (at most %u at once)",
			  g->hdr.nvolumes, (unsigned long long)g->mount_ms, g->mount_max);
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
	g->op_ns = mono_now_ns();
	g->failed = 0;
	g->running = 0;
	g->mount_max = 0;
	sort_order(g);
	/* A group whose fsck failed is not mounted at all, not even in part. */
	for (i = 0; i < g->hdr.nvolumes; i++)
		if (g->vol[i].fsck == FS_FAIL || g->vol[i].fsck == FS_PENDING ||
		    g->vol[i].fsck == FS_RUN) {
			dg_finish(g, -EIO, "%s: fsck did not pass: not mounting the group",
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

/*
 * The mirror of mount_next(): a volume is unmounted once every volume that
 * had to wait for it (higher order, nested mountpoints) is unmounted; busy
 * ones are retried from dg_tick() when their retry_ns comes.
 */
static void umount_next(struct dg *g, uint64_t now)
{
	int n = (int)g->hdr.nvolumes, a, b, left = 0;
	char cmd[512];

	for (b = n - 1; b >= 0; b--) {
		struct dg_vol *v = &g->vol[g->order[b]];
		const char *mp = g->hdr.vol[v->idx].mountpoint;

		if (!v->mounted)
			continue;
		left++;
		if (v->running || g->failed || g->running >= g->p.fsck_parallel ||
		    now < v->retry_ns)
			continue;
		for (a = b + 1; a < n; a++)
			if (g->vol[g->order[a]].mounted && mount_dep(g, a, b))
				break;
		if (a < n)
			continue;
		snprintf(cmd, sizeof(cmd), "umount");
		cmd_add(cmd, sizeof(cmd), mp, 1);
		cmd_add(cmd, sizeof(cmd), ">&2", 0);
		if (child_start(g, v, cmd)) {
			op_fail(g, "cannot start \"%s\"", cmd);
			continue;
		}
		g->running++;
		if (g->running > g->umount_max)
			g->umount_max = g->running;
		log_info("(dg %s) umount %s: started (%u running)", g->name, mp, g->running);
	}
	if (g->running)
		return;
	if (g->failed) {
		char why[sizeof(g->why)];

		snprintf(why, sizeof(why), "%s", g->why);
		dg_finish(g, -EBUSY, "%s", why);
	} else if (!left) {
		dg_finish(g, 0, "unmounted in %llu ms (at most %u at once)",
			  (unsigned long long)ms_since(g->op_ns, now), g->umount_max);
	}
}

void dg_unmount_next(struct dg *g, uint64_t now)
{
	struct dg_vol *v;
	char cmd[512];
	unsigned i;
	int err;

	if (g->step == U_UMOUNT) {
		umount_next(g, now);
		return;
	}
	v = unmount_vol(g);
	if (!v) {
		if (g->step == U_TERM && g->any_found) {
			g->step = U_GRACE;
			g->wait_until_ns = now + (uint64_t)g->p.kill_grace_ms * MS;
			return;
		}
		g->step = U_UMOUNT;
		g->running = 0;
		g->failed = 0;
		for (i = 0; i < g->hdr.nvolumes; i++) {
			g->vol[i].tries = 0;
			g->vol[i].retry_ns = 0;
		}
		umount_next(g, now);
		return;
	}
	/* -M: only if it still is a mountpoint, never the filesystem under it. */
	snprintf(cmd, sizeof(cmd), "fuser -s -M -k %s -m", g->step == U_TERM ? "-TERM" : "-KILL");
	cmd_add(cmd, sizeof(cmd), g->hdr.vol[v->idx].mountpoint, 1);
	/* fuser complains about every /proc entry it may not stat: noise. */
	cmd_add(cmd, sizeof(cmd), "2>/dev/null", 0);
	err = child_start(g, v, cmd);
	if (err)
		dg_finish(g, err, "cannot start \"%s\": %s", cmd, strerror(-err));
}

int dg_unmount(struct dg *g)
{
	if (g->op)
		return -EBUSY;
	g->op = DG_OP_UNMOUNT;
	g->step = U_TERM;
	g->op_ns = mono_now_ns();
	g->cur = 0;
	g->any_found = 0;
	g->umount_max = 0;
	sort_order(g);
	dg_unmount_next(g, g->op_ns);
	return 0;
}

/* ---- adopt ------------------------------------------------------------------- */

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = 0;
}

/*
 * One mountinfo line: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS] - FSTYPE
 * SOURCE SUPEROPTS".  Marks the volume mounted at MOUNTPOINT when the line's
 * device is the volume's (same major:minor, or SOURCE names its device path).
 */
static unsigned adopt_line(struct dg *g, char *line, const dev_t *devs)
{
	unsigned maj, min, i, n = 0;
	char *f[5], *src = NULL, *sp, *t;
	int k = 0;

	for (t = strtok_r(line, " \n", &sp); t && k < 5; t = strtok_r(NULL, " \n", &sp))
		f[k++] = t;
	if (k < 5 || sscanf(f[2], "%u:%u", &maj, &min) != 2)
		return 0;
	while ((t = strtok_r(NULL, " \n", &sp)) && strcmp(t, "-"))
		;
	if (t && strtok_r(NULL, " \n", &sp))
		src = strtok_r(NULL, " \n", &sp);
	unescape(f[4]);
	if (src)
		unescape(src);
	for (i = 0; i < g->hdr.nvolumes; i++) {
		const struct dgm_volume *d = &g->hdr.vol[i];
		int same = (devs[i] && major(devs[i]) == maj && minor(devs[i]) == min) ||
			   (src && !strcmp(src, d->device));

		if (g->vol[i].mounted || strcmp(f[4], d->mountpoint))
			continue;
		if (!same) {
			log_warnx("(dg %s) %s has %u:%u mounted, not %s: not adopting it", g->name,
				  d->mountpoint, maj, min, d->device);
			continue;
		}
		g->vol[i].mounted = 1;
		n++;
		log_info("(dg %s) adopted: %s mounted on %s", g->name, d->device, d->mountpoint);
	}
	return n;
}

unsigned dg_adopt_mounts(struct dg *g)
{
	dev_t devs[DGM_MAX_VOLUMES] = {0};
	struct stat st;
	char line[1024];
	unsigned i, n = 0;
	FILE *f;

	for (i = 0; i < g->hdr.nvolumes; i++)
		if (!stat(g->hdr.vol[i].device, &st) && S_ISBLK(st.st_mode))
			devs[i] = st.st_rdev;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f) {
		log_warn("(dg %s) /proc/self/mountinfo", g->name);
		return 0;
	}
	while (fgets(line, sizeof(line), f))
		n += adopt_line(g, line, devs);
	fclose(f);
	return n;
}
