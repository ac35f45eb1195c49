// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon's side of disk groups: one engine (dg.c) per configured group,
 * opened at start-up so the disk heartbeat runs on every node; the set steps
 * DG_ACQUIRE/FSCK/MOUNT/UNMOUNT/RELEASE call into it, the operator's
 * dg-import/dg-deport requests chain its operations, and a lost lease demotes
 * the set at once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dgrun.h"
#include "log.h"
#include "proc.h"

static const char *const op_names[] = {"", "acquire", "fsck", "mount", "unmount", "release"};

static void dg_lost_cb(void *arg, const char *why);

static struct dgrt *dgrt_of_set(struct dgrun *run, struct setrt *s, int arg)
{
	if (arg < 0 || arg >= s->c->ndgs)
		return NULL;
	return &run->dgs[s->c->dgs[arg]];
}

/* Operator request finished (or failed): answer the waiting hbpfctl. */
static void ctl_answer(struct dgrt *r, int err, const char *why)
{
	char out[512];
	int n;

	if (r->ctl_fd < 0)
		return;
	if (err)
		n = snprintf(out, sizeof(out), "error: %s %s failed: %s\n", r->c->name,
			     op_names[r->op], why ? why : strerror(-err));
	else
		n = snprintf(out, sizeof(out),
			     "ok %s %s: acquire %.1f ms, fsck %.1f ms, mount %.1f ms%s\n",
			     r->c->name, r->ctl_import ? "imported" : "deported",
			     (double)r->op_us[DG_OP_ACQUIRE] / 1000,
			     (double)r->op_us[DG_OP_FSCK] / 1000,
			     (double)r->op_us[DG_OP_MOUNT] / 1000,
			     r->ctl_import ? "" : " (unmount and release done)");
	if (send(r->ctl_fd, out, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("(dg %s) reply not delivered: %s", r->c->name, strerror(errno));
	close(r->ctl_fd);
	r->ctl_fd = -1;
}

static int start_op(struct dgrt *r, int op)
{
	int err;

	r->op = op;
	r->op_start_ns = mono_now_ns();
	switch (op) {
	case DG_OP_ACQUIRE:
		err = dg_acquire(r->g, r->force);
		r->force = 0;
		break;
	case DG_OP_FSCK:
		err = dg_fsck(r->g);
		break;
	case DG_OP_MOUNT:
		err = dg_mount(r->g);
		break;
	case DG_OP_UNMOUNT:
		err = dg_unmount(r->g);
		break;
	default:
		err = dg_release(r->g);
		break;
	}
	if (err)
		r->op = 0;
	return err;
}

static void dg_done_cb(void *arg, int op, int err, const char *why)
{
	struct dgrt *r = arg;
	struct dgrun *run = r->run;
	char buf[256];

	r->op_us[op] = (mono_now_ns() - r->op_start_ns) / 1000;
	r->op = 0;
	if (r->adopting) {
		/* Not a set step: the set is ONLINE already and no step waits for it. */
		r->adopting = 0;
		if (!err)
			log_info("(dg %s) %s", r->c->name, why);
		else
			dg_lost_cb(r, why); /* not renewing: demote before peers take it */
		return;
	}
	if (r->ctl_fd >= 0) {
		/* An operator import runs acquire -> fsck -> mount; a deport
		 * unmount -> release.  Stop at the first failure. */
		int next = 0;

		if (!err && r->ctl_import && op < DG_OP_MOUNT)
			next = op + 1;
		if (!err && !r->ctl_import && op == DG_OP_UNMOUNT)
			next = DG_OP_RELEASE;
		if (next) {
			err = start_op(r, next);
			if (!err)
				return;
			why = strerror(-err);
		}
		r->op = op;
		ctl_answer(r, err, why);
		r->op = 0;
		return;
	}
	if (r->set < 0)
		return;
	if (err == -EBUSY && op == DG_OP_ACQUIRE)
		run->sets[r->set].lease_busy = 1;
	if (err)
		snprintf(buf, sizeof(buf), "dg %s %s: %s", r->c->name, op_names[op],
			 why ? why : strerror(-err));
	set_step_done(&run->sets[r->set], err == 0, err ? buf : NULL);
}

static void dg_lost_cb(void *arg, const char *why)
{
	struct dgrt *r = arg;
	struct dgrun *run = r->run;
	struct peers *p = run->peers;
	struct setrt *s;
	int to;

	log_warnx("(dg %s) lease lost: %s", r->c->name, why);
	if (r->set < 0)
		return;
	s = &run->sets[r->set];
	if (s->m.state != FSM_ONLINE && s->m.state != FSM_ACQUIRING)
		return;
	/* Stop answering now: a peer may soon call our lease expired. */
	kern_set_drop(run->k, s->id, KERN_DROP_SILENT);
	to = peers_next(p, s->c, p->self);
	log_warnx("(%s) cannot renew the lease of %s: demoted, releasing%s%s", s->c->name,
		  r->c->name, to >= 0 ? " to " : "", to >= 0 ? peers_name(p, to) : "");
	s->trigger_ns = mono_now_ns();
	set_event(s, FSM_EV_RELEASE, to, "disk lease lost");
}

static const struct dg_ops dg_ops = {.done = dg_done_cb, .lost = dg_lost_cb};

int dgrun_open(struct dgrun *run, const struct hbpf_config *cfg, struct hbpf_kern *k,
	       struct peers *peers, struct loop *loop, struct setrt *sets)
{
	int i, err;

	run->cfg = cfg;
	run->k = k;
	run->peers = peers;
	run->sets = sets;
	for (i = 0; i < cfg->ndgs; i++) {
		struct dgrt *r = &run->dgs[i];
		struct dg_params p = {0};

		r->run = run;
		r->c = &cfg->dgs[i];
		r->idx = i;
		r->set = r->c->set;
		r->ctl_fd = -1;
		p.name = r->c->name;
		p.meta = hbpf_config_dg_meta(r->c, peers->self);
		p.self = peers->self;
		p.fsck_parallel = r->c->fsck_parallel;
		p.kill_grace_ms = r->c->kill_grace_ms;
		p.fsck_timeout_ms = 600000;
		err = dg_open(&r->g, &p, loop, &dg_ops, r);
		if (err) {
			log_warnx("(dg %s) cannot open metadata device %s: %s", r->c->name, p.meta,
				  strerror(-err));
			return err;
		}
		if (r->set >= 0 && sets[r->set].m.state == FSM_ONLINE) {
			/* Hitless restart: the kernel kept the set, so our last run held
			 * this group and its volumes are still mounted. */
			r->adopting = 1;
			r->op = DG_OP_ACQUIRE;
			r->op_start_ns = mono_now_ns();
			err = dg_adopt(r->g);
			if (err) {
				r->adopting = 0;
				r->op = 0;
				log_warnx("(dg %s) cannot adopt: %s", r->c->name, strerror(-err));
				return err;
			}
		}
	}
	return 0;
}

void dgrun_close(struct dgrun *run)
{
	int i;

	if (!run->cfg)
		return; /* never opened */
	for (i = 0; i < run->cfg->ndgs; i++) {
		if (run->dgs[i].ctl_fd >= 0)
			close(run->dgs[i].ctl_fd);
		if (run->dgs[i].g)
			dg_close(run->dgs[i].g);
		run->dgs[i].g = NULL;
	}
}

void dgrun_tick(struct dgrun *run, uint64_t now)
{
	int i;

	for (i = 0; i < run->cfg->ndgs; i++)
		if (run->dgs[i].g)
			dg_tick(run->dgs[i].g, now);
}

int dgrun_step(struct dgrun *run, struct setrt *s, int kind, int arg)
{
	struct dgrt *r = dgrt_of_set(run, s, arg);
	int op;

	if (!r || !r->g)
		return -ENODEV;
	if (kind == STEP_DG_RELEASE && (s->m.dg_mounted & (1u << arg))) {
		/* The unmount failed: keeping the lease keeps others from
		 * mounting a filesystem this node still has mounted. */
		log_warnx("(dg %s) still mounted: keeping the lease", r->c->name);
		return -EBUSY;
	}
	if (r->op) {
		log_warnx("(dg %s) busy with %s", r->c->name, op_names[r->op]);
		return -EBUSY;
	}
	switch (kind) {
	case STEP_DG_ACQUIRE:
		op = DG_OP_ACQUIRE;
		break;
	case STEP_DG_FSCK:
		op = DG_OP_FSCK;
		break;
	case STEP_DG_MOUNT:
		op = DG_OP_MOUNT;
		break;
	case STEP_DG_UNMOUNT:
		op = DG_OP_UNMOUNT;
		break;
	default:
		op = DG_OP_RELEASE;
		break;
	}
	return start_op(r, op);
}

int dgrun_ctl(struct dgrun *run, const char *cmd, const char *name, const char *opt, int fd,
	      char *out, size_t len)
{
	const struct hbpf_cfg_dg *c;
	struct dgrt *r;
	size_t off = 0;
	int i, err;

	if (!strcmp(cmd, "dg-status")) {
		for (i = 0; i < run->cfg->ndgs && off < len; i++) {
			char st[256];

			r = &run->dgs[i];
			if (!r->g || dg_status(r->g, st, sizeof(st)))
				snprintf(st, sizeof(st), "not open");
			off += snprintf(out + off, len - off, "%s %s\n", r->c->name, st);
		}
		if (off < len)
			snprintf(out + off, len - off, "ok\n");
		return 0;
	}
	c = name ? hbpf_config_dg(run->cfg, name) : NULL;
	if (!c) {
		snprintf(out, len, "error: unknown disk group '%s'\n", name ? name : "");
		return -1;
	}
	r = &run->dgs[c - run->cfg->dgs];
	if (r->op || r->ctl_fd >= 0) {
		snprintf(out, len, "error: %s is busy (%s)\n", c->name, op_names[r->op]);
		return -1;
	}
	if (r->set >= 0 && run->sets[r->set].m.state != FSM_OFFLINE &&
	    run->sets[r->set].m.state != FSM_FAILED) {
		snprintf(out, len, "error: %s belongs to set %s, which is %s here; use the set\n",
			 c->name, run->cfg->sets[r->set].name,
			 fsm_state_name(run->sets[r->set].m.state));
		return -1;
	}
	if (!strcmp(cmd, "dg-import")) {
		if (opt && strcmp(opt, "force")) {
			snprintf(out, len, "error: unknown option '%s' (force)\n", opt);
			return -1;
		}
		r->force = opt != NULL;
		r->ctl_import = 1;
		memset(r->op_us, 0, sizeof(r->op_us));
		err = start_op(r, DG_OP_ACQUIRE);
	} else {
		if (opt) {
			snprintf(out, len, "error: too many arguments\n");
			return -1;
		}
		r->ctl_import = 0;
		err = start_op(r, DG_OP_UNMOUNT);
	}
	if (err) {
		snprintf(out, len, "error: %s: %s\n", c->name, strerror(-err));
		return -1;
	}
	r->ctl_fd = fd;
	return 1; /* deferred: answered when the chain ends */
}
