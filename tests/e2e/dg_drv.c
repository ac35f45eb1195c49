// SPDX-License-Identifier: GPL-2.0-only
/*
 * Driver for tests/e2e/test_dg_engine.sh: runs user/dg.c on its own io_uring
 * loop and prints one line per event, so the script can assert outcomes.
 *
 *   dg_drv init META NAME LEASE_MS RENEW_MS VOL...
 *        VOL = DEV:MOUNTPOINT:FSTYPE:UUID|-:auto|never|force:ORDER
 *   dg_drv owner META             prints "owner node=N gen=G" (N -1 = none)
 *   dg_drv run [-p PAR] [-g GRACE_MS] [-t FSCK_TIMEOUT_MS] META NAME SELF CMD...
 *        CMD: acquire force adopt fsck mount unmount release status hold
 *             sleep:MS waitfile:PATH touch:PATH waitlost:MS live:NODE sh:COMMAND
 *             reopen (close the engine without releasing, open a fresh one: a
 *             daemon restart that keeps its mount namespace)
 *        prints "done OP err=E ms=M why=..." per operation, "lost why=..." when the
 *        engine reports a lost lease, "live NODE=V", "status ...", "sh rc=N".
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dg.h"
#include "log.h"
#include "proc.h"

static const char *const ops[] = {"", "acquire", "fsck", "mount", "unmount", "release"};
static int done_seen, lost_seen;
static uint64_t op_start;

static void on_done(void *arg, int op, int err, const char *why)
{
	(void)arg;
	printf("done %s err=%d ms=%llu why=%s\n", ops[op], err,
	       (unsigned long long)((mono_now_ns() - op_start) / 1000000), why);
	fflush(stdout);
	done_seen = 1;
}

static void on_lost(void *arg, const char *why)
{
	(void)arg;
	printf("lost why=%s\n", why);
	fflush(stdout);
	lost_seen = 1;
}

static const struct dg_ops drv_ops = {.done = on_done, .lost = on_lost};

static void spin(struct loop *l, struct dg *g)
{
	loop_run_once(l, 2);
	dg_tick(g, mono_now_ns());
}

/* Run the loop until *flag or ms pass (0 = no limit); 1 if the flag was set. */
static int run_until(struct loop *l, struct dg *g, int *flag, unsigned ms)
{
	uint64_t end = mono_now_ns() + (uint64_t)ms * 1000000ull;

	while (!(flag && *flag) && (!ms || mono_now_ns() < end))
		spin(l, g);
	return flag && *flag;
}

static int parse_uuid(const char *s, uint8_t u[16])
{
	int i = 0;

	for (; *s && i < 16; s++) {
		unsigned x;

		if (*s == '-')
			continue;
		if (sscanf(s, "%2x", &x) != 1)
			return -1;
		u[i++] = (uint8_t)x;
		s++;
	}
	return i == 16 ? 0 : -1;
}

static int parse_vol(char *spec, struct dgm_volume *v)
{
	char *f[6];
	int n = 0;

	memset(v, 0, sizeof(*v));
	for (char *p = strtok(spec, ":"); p && n < 6; p = strtok(NULL, ":"))
		f[n++] = p;
	if (n != 6)
		return -1;
	snprintf(v->device, sizeof(v->device), "%s", f[0]);
	snprintf(v->mountpoint, sizeof(v->mountpoint), "%s", f[1]);
	snprintf(v->fstype, sizeof(v->fstype), "%s", f[2]);
	if (strcmp(f[3], "-") && parse_uuid(f[3], v->fs_uuid))
		return -1;
	v->fsck = !strcmp(f[4], "never") ? DGM_FSCK_NEVER :
		  !strcmp(f[4], "force") ? DGM_FSCK_FORCE :
					   DGM_FSCK_AUTO;
	v->order = (uint8_t)atoi(f[5]);
	return 0;
}

static int cmd_init(int argc, char **argv)
{
	struct dgm_header h;
	int fd, err, i;

	if (argc < 6)
		return 2;
	memset(&h, 0, sizeof(h));
	h.version = DGM_VERSION;
	snprintf(h.name, sizeof(h.name), "%s", argv[2]);
	if (getrandom(h.uuid, sizeof(h.uuid), 0) != sizeof(h.uuid))
		return 1;
	h.created_s = (uint64_t)time(NULL);
	h.lease_timeout_ms = (uint32_t)atoi(argv[3]);
	h.renew_ms = (uint32_t)atoi(argv[4]);
	for (i = 5; i < argc && h.nvolumes < DGM_MAX_VOLUMES; i++)
		if (parse_vol(argv[i], &h.vol[h.nvolumes++])) {
			fprintf(stderr, "bad volume spec %s\n", argv[i]);
			return 2;
		}
	fd = open(argv[1], O_RDWR | O_DIRECT);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	err = dgm_init_device(fd, &h);
	close(fd);
	printf("init rc=%d\n", err);
	return err ? 1 : 0;
}

static int cmd_owner(const char *meta)
{
	static uint8_t blk[DGM_BLOCK] __attribute__((aligned(4096)));
	struct dgm_header h;
	struct dgm_owner o;
	char err[200];
	int fd, rc;

	fd = open(meta, O_RDONLY | O_DIRECT);
	if (fd < 0)
		return 1;
	rc = dgm_read_block(fd, 0, blk);
	if (!rc)
		rc = dgm_header_decode(blk, &h, err, sizeof(err));
	if (!rc)
		rc = dgm_read_block(fd, 1, blk);
	if (!rc)
		rc = dgm_owner_decode(blk, h.uuid, &o, err, sizeof(err));
	close(fd);
	if (rc) {
		printf("owner error rc=%d\n", rc);
		return 1;
	}
	printf("owner node=%d gen=%llu\n", o.node == DGM_OWNER_NONE ? -1 : o.node,
	       (unsigned long long)o.generation);
	return 0;
}

static int start_op(struct dg *g, const char *c)
{
	if (!strcmp(c, "acquire"))
		return dg_acquire(g, 0);
	if (!strcmp(c, "force"))
		return dg_acquire(g, 1);
	if (!strcmp(c, "adopt"))
		return dg_adopt(g);
	if (!strcmp(c, "fsck"))
		return dg_fsck(g);
	if (!strcmp(c, "mount"))
		return dg_mount(g);
	if (!strcmp(c, "unmount"))
		return dg_unmount(g);
	if (!strcmp(c, "release"))
		return dg_release(g);
	return 1;
}

/* Open the engine and let the header read and a first heartbeat land. */
static int engine_open(struct loop *l, struct dg **g, const struct dg_params *p)
{
	int err = dg_open(g, p, l, &drv_ops, NULL);

	if (err) {
		printf("open err=%d\n", err);
		return err;
	}
	run_until(l, *g, NULL, 20);
	return 0;
}

static int run_cmd(struct loop *l, struct dg **gp, const struct dg_params *p, const char *c)
{
	struct dg *g = *gp;
	char buf[256];
	int err;

	if (!strcmp(c, "reopen")) {
		/* No release, no unmount: the engine just goes away, as in a restart. */
		dg_close(g);
		*gp = NULL;
		run_until(l, NULL, NULL, 20);
		lost_seen = 0;
		return engine_open(l, gp, p) ? 1 : 0;
	} else if (!strncmp(c, "sleep:", 6)) {
		run_until(l, g, NULL, (unsigned)atoi(c + 6));
	} else if (!strncmp(c, "waitfile:", 9)) {
		uint64_t end = mono_now_ns() + 60000000000ull;

		while (access(c + 9, F_OK) && mono_now_ns() < end)
			spin(l, g);
	} else if (!strncmp(c, "touch:", 6)) {
		FILE *f = fopen(c + 6, "w");

		if (f)
			fclose(f);
	} else if (!strncmp(c, "waitlost:", 9)) {
		if (!run_until(l, g, &lost_seen, (unsigned)atoi(c + 9)))
			printf("nolost\n");
	} else if (!strncmp(c, "live:", 5)) {
		printf("live %d=%d\n", atoi(c + 5), dg_node_live(g, atoi(c + 5), mono_now_ns()));
	} else if (!strcmp(c, "status")) {
		dg_status(g, buf, sizeof(buf));
		printf("status %s\n", buf);
	} else if (!strcmp(c, "hold")) {
		run_until(l, g, NULL, 0);
	} else if (!strncmp(c, "sh:", 3)) {
		fflush(stdout);
		err = system(c + 3);
		printf("sh rc=%d\n", WIFEXITED(err) ? WEXITSTATUS(err) : -1);
	} else {
		done_seen = 0;
		op_start = mono_now_ns();
		err = start_op(g, c);
		if (err == 1) {
			fprintf(stderr, "unknown command %s\n", c);
			return 2;
		}
		if (err) {
			printf("start %s err=%d\n", c, err);
		} else if (!run_until(l, g, &done_seen, 120000)) {
			printf("timeout %s\n", c);
			return 1;
		}
	}
	fflush(stdout);
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	struct dg_params p = {.fsck_parallel = 1, .kill_grace_ms = 1000, .fsck_timeout_ms = 60000};
	struct loop l;
	struct dg *g;
	int opt, i, rc = 0;

	optind = 2;
	while ((opt = getopt(argc, argv, "p:g:t:")) != -1) {
		if (opt == 'p')
			p.fsck_parallel = (unsigned)atoi(optarg);
		else if (opt == 'g')
			p.kill_grace_ms = (unsigned)atoi(optarg);
		else if (opt == 't')
			p.fsck_timeout_ms = (unsigned)atoi(optarg);
		else
			return 2;
	}
	if (argc - optind < 3)
		return 2;
	p.meta = argv[optind];
	p.name = argv[optind + 1];
	p.self = atoi(argv[optind + 2]);
	if (loop_init(&l, 64))
		return 1;
	if (engine_open(&l, &g, &p))
		return 1;
	for (i = optind + 3; i < argc && !rc; i++)
		rc = run_cmd(&l, &g, &p, argv[i]);
	dg_close(g);
	/* Drain what the ring still owes the closed engine. */
	run_until(&l, NULL, NULL, 50);
	loop_fini(&l);
	return rc;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	log_init("dg_drv", 1, LOG_LVL_INFO);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "init"))
		return cmd_init(argc - 1, argv + 1) ? 1 : 0;
	if (argc == 3 && !strcmp(argv[1], "owner"))
		return cmd_owner(argv[2]);
	if (argc >= 2 && !strcmp(argv[1], "run"))
		return cmd_run(argc, argv);
	fprintf(stderr, "usage: see tests/e2e/dg_drv.c\n");
	return 2;
}
