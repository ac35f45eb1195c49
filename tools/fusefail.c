// SPDX-License-Identifier: GPL-2.0-only
/*
 * hbpf-fusefail: a storage path that the lab can break on purpose.
 *
 * A FUSE filesystem with a single regular file, "file", whose bytes are those
 * of a host file (the backing file of a lab disk).  A loop device over
 * MOUNTPOINT/file is then one node's "path" to that disk.  While failing is on,
 * every read, write and fsync of "file" returns EIO, so only the node using
 * this path loses its storage, as when a cable or an HBA dies; other paths to
 * the same backing file are untouched.  There is no device-mapper, fault
 * injection or NBD on the lab machines, which is why this exists.
 *
 * Failing is on while FLAGFILE exists (checked on every request, so a test can
 * switch it with touch/rm and know it took effect), or after SIGUSR1 until
 * SIGUSR2.  SIGTERM, SIGINT or SIGHUP unmount the filesystem and exit.
 *
 * It speaks the kernel's FUSE protocol on /dev/fuse directly and mounts with
 * mount(2) (it runs as root), so it needs neither libfuse nor fusermount.
 * "file" is opened with FOPEN_DIRECT_IO: the kernel keeps no page cache for
 * it, every I/O reaches this process (a cached read could not fail), and
 * O_DIRECT opens work, so `losetup --direct-io=on` can use it.
 *
 * usage: hbpf-fusefail [-f FLAGFILE] [-P PIDFILE] [-v] BACKING MOUNTPOINT
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"

#define FILE_NAME "file"
#define FILE_INO 2
/* The largest request: one 1 MiB write (256 pages) plus its headers. */
#define MAX_PAGES 256
#define MAX_WRITE (MAX_PAGES * 4096)
#define REQ_BUF (MAX_WRITE + 4096)
/* Attribute and entry cache lifetime in seconds; the file never changes size. */
#define ATTR_TTL 1

struct ff {
	int fuse_fd;
	int back_fd;
	const char *mnt;
	const char *flagfile;
	unsigned long nreq;
	unsigned long nfailed;
	int last_fail;
};

static volatile sig_atomic_t stop_sig;
static volatile sig_atomic_t sig_fail;

static void on_stop(int sig)
{
	stop_sig = sig;
}

static void on_usr(int sig)
{
	sig_fail = sig == SIGUSR1;
}

static int failing(struct ff *ff)
{
	int f = sig_fail || (ff->flagfile && access(ff->flagfile, F_OK) == 0);

	if (f != ff->last_fail)
		log_info("failing %s", f ? "on: every read/write returns EIO" : "off");
	ff->last_fail = f;
	return f;
}

static int reply(struct ff *ff, uint64_t unique, int err, const void *data, size_t len)
{
	struct fuse_out_header oh = {
		.len = sizeof(oh) + (err ? 0 : len),
		.error = err,
		.unique = unique,
	};
	struct iovec iov[2] = {
		{.iov_base = &oh, .iov_len = sizeof(oh)},
		{.iov_base = (void *)data, .iov_len = len},
	};

	/* ENOENT: the request was interrupted meanwhile; nothing to do. */
	if (writev(ff->fuse_fd, iov, err || !len ? 1 : 2) < 0 && errno != ENOENT) {
		log_warn("reply to request %llu", (unsigned long long)unique);
		return -errno;
	}
	return 0;
}

static void fill_attr(struct ff *ff, uint64_t ino, struct fuse_attr *a)
{
	struct stat st;

	memset(a, 0, sizeof(*a));
	a->ino = ino;
	a->blksize = 4096;
	if (ino == FUSE_ROOT_ID) {
		a->mode = S_IFDIR | 0755;
		a->nlink = 2;
		return;
	}
	if (fstat(ff->back_fd, &st) == 0) {
		a->size = st.st_size;
		a->blocks = st.st_blocks;
		a->mtime = st.st_mtim.tv_sec;
		a->mtimensec = st.st_mtim.tv_nsec;
		a->ctime = st.st_ctim.tv_sec;
		a->ctimensec = st.st_ctim.tv_nsec;
		a->atime = a->mtime;
	}
	a->mode = S_IFREG | 0600;
	a->nlink = 1;
}

static int do_init(struct ff *ff, const struct fuse_in_header *ih, const void *arg)
{
	const struct fuse_init_in *in = arg;
	struct fuse_init_out out = {0};

	if (in->major != FUSE_KERNEL_VERSION) {
		log_warnx("kernel FUSE protocol %u.%u, need %u", in->major, in->minor,
			  FUSE_KERNEL_VERSION);
		return reply(ff, ih->unique, -EPROTO, NULL, 0);
	}
	out.major = FUSE_KERNEL_VERSION;
	out.minor = FUSE_KERNEL_MINOR_VERSION;
	out.max_readahead = in->max_readahead;
	/* Async direct I/O lets the loop driver keep several requests queued. */
	out.flags = in->flags & (FUSE_MAX_PAGES | FUSE_ASYNC_DIO);
	out.max_background = 16;
	out.congestion_threshold = 12;
	out.max_write = MAX_WRITE;
	out.time_gran = 1;
	out.max_pages = MAX_PAGES;
	log_info("kernel FUSE %u.%u, flags 0x%x", in->major, in->minor, out.flags);
	return reply(ff, ih->unique, 0, &out, sizeof(out));
}

static int do_lookup(struct ff *ff, const struct fuse_in_header *ih, const char *name)
{
	struct fuse_entry_out out = {0};

	if (ih->nodeid != FUSE_ROOT_ID || strcmp(name, FILE_NAME))
		return reply(ff, ih->unique, -ENOENT, NULL, 0);
	out.nodeid = FILE_INO;
	out.generation = 1;
	out.entry_valid = ATTR_TTL;
	out.attr_valid = ATTR_TTL;
	fill_attr(ff, FILE_INO, &out.attr);
	return reply(ff, ih->unique, 0, &out, sizeof(out));
}

static int do_getattr(struct ff *ff, const struct fuse_in_header *ih)
{
	struct fuse_attr_out out = {0};

	if (ih->nodeid != FUSE_ROOT_ID && ih->nodeid != FILE_INO)
		return reply(ff, ih->unique, -ENOENT, NULL, 0);
	out.attr_valid = ATTR_TTL;
	fill_attr(ff, ih->nodeid, &out.attr);
	return reply(ff, ih->unique, 0, &out, sizeof(out));
}

/* Only a size change is honoured (truncate); modes and times are fixed. */
static int do_setattr(struct ff *ff, const struct fuse_in_header *ih, const void *arg)
{
	const struct fuse_setattr_in *in = arg;

	if (ih->nodeid != FILE_INO)
		return reply(ff, ih->unique, -EPERM, NULL, 0);
	if (in->valid & FATTR_SIZE) {
		if (failing(ff))
			return reply(ff, ih->unique, -EIO, NULL, 0);
		if (ftruncate(ff->back_fd, (off_t)in->size) < 0)
			return reply(ff, ih->unique, -errno, NULL, 0);
	}
	return do_getattr(ff, ih);
}

static int do_open(struct ff *ff, const struct fuse_in_header *ih, int dir)
{
	struct fuse_open_out out = {0};

	if (dir != (ih->nodeid == FUSE_ROOT_ID))
		return reply(ff, ih->unique, dir ? -ENOTDIR : -EISDIR, NULL, 0);
	if (!dir)
		out.open_flags = FOPEN_DIRECT_IO;
	return reply(ff, ih->unique, 0, &out, sizeof(out));
}

static int do_read(struct ff *ff, const struct fuse_in_header *ih, const void *arg, char *buf)
{
	const struct fuse_read_in *in = arg;
	size_t size = in->size > MAX_WRITE ? MAX_WRITE : in->size;
	size_t done = 0;
	ssize_t n;

	if (failing(ff)) {
		ff->nfailed++;
		return reply(ff, ih->unique, -EIO, NULL, 0);
	}
	while (done < size) {
		n = pread(ff->back_fd, buf + done, size - done, (off_t)(in->offset + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return reply(ff, ih->unique, -errno, NULL, 0);
		if (n == 0)
			break;
		done += n;
	}
	return reply(ff, ih->unique, 0, buf, done);
}

static int do_write(struct ff *ff, const struct fuse_in_header *ih, const void *arg)
{
	const struct fuse_write_in *in = arg;
	const char *data = (const char *)(in + 1);
	struct fuse_write_out out = {0};
	size_t done = 0;
	ssize_t n;

	if (ih->len < sizeof(*ih) + sizeof(*in) + in->size)
		return reply(ff, ih->unique, -EINVAL, NULL, 0);
	if (failing(ff)) {
		ff->nfailed++;
		return reply(ff, ih->unique, -EIO, NULL, 0);
	}
	while (done < in->size) {
		n = pwrite(ff->back_fd, data + done, in->size - done, (off_t)(in->offset + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return reply(ff, ih->unique, -errno, NULL, 0);
		done += n;
	}
	out.size = done;
	return reply(ff, ih->unique, 0, &out, sizeof(out));
}

static int do_fsync(struct ff *ff, const struct fuse_in_header *ih)
{
	if (failing(ff)) {
		ff->nfailed++;
		return reply(ff, ih->unique, -EIO, NULL, 0);
	}
	if (fdatasync(ff->back_fd) < 0)
		return reply(ff, ih->unique, -errno, NULL, 0);
	return reply(ff, ih->unique, 0, NULL, 0);
}

static size_t add_dirent(char *p, uint64_t ino, uint64_t off, uint32_t type, const char *name)
{
	struct fuse_dirent *d = (struct fuse_dirent *)p;
	size_t len = strlen(name);
	size_t rec = FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + len);

	memset(p, 0, rec);
	d->ino = ino;
	d->off = off;
	d->namelen = len;
	d->type = type;
	memcpy(d->name, name, len);
	return rec;
}

/* The directory has three entries; offset N means "resume after entry N". */
static int do_readdir(struct ff *ff, const struct fuse_in_header *ih, const void *arg, char *buf)
{
	static const struct {
		uint64_t ino;
		uint32_t type;
		const char *name;
	} ents[] = {
		{FUSE_ROOT_ID, DT_DIR, "."},
		{FUSE_ROOT_ID, DT_DIR, ".."},
		{FILE_INO, DT_REG, FILE_NAME},
	};
	const struct fuse_read_in *in = arg;
	size_t len = 0, rec;
	uint64_t i;

	for (i = in->offset; i < sizeof(ents) / sizeof(ents[0]); i++) {
		rec = FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + strlen(ents[i].name));
		if (len + rec > in->size)
			break;
		len += add_dirent(buf + len, ents[i].ino, i + 1, ents[i].type, ents[i].name);
	}
	return reply(ff, ih->unique, 0, buf, len);
}

static int do_statfs(struct ff *ff, const struct fuse_in_header *ih)
{
	struct fuse_statfs_out out = {0};
	struct statvfs sv;

	if (fstatvfs(ff->back_fd, &sv) == 0) {
		out.st.blocks = sv.f_blocks;
		out.st.bfree = sv.f_bfree;
		out.st.bavail = sv.f_bavail;
		out.st.files = sv.f_files;
		out.st.ffree = sv.f_ffree;
		out.st.bsize = sv.f_bsize;
		out.st.frsize = sv.f_frsize;
	}
	out.st.namelen = 255;
	return reply(ff, ih->unique, 0, &out, sizeof(out));
}

/* Handles one request; returns 1 when the kernel says the filesystem is going away. */
static int dispatch(struct ff *ff, char *req, char *buf)
{
	const struct fuse_in_header *ih = (const struct fuse_in_header *)req;
	const void *arg = req + sizeof(*ih);

	ff->nreq++;
	log_debug("request %llu: opcode %u node %llu", (unsigned long long)ih->unique, ih->opcode,
		  (unsigned long long)ih->nodeid);
	switch (ih->opcode) {
	case FUSE_INIT:
		return do_init(ff, ih, arg);
	case FUSE_LOOKUP:
		return do_lookup(ff, ih, arg);
	case FUSE_GETATTR:
		return do_getattr(ff, ih);
	case FUSE_SETATTR:
		return do_setattr(ff, ih, arg);
	case FUSE_OPEN:
		return do_open(ff, ih, 0);
	case FUSE_OPENDIR:
		return do_open(ff, ih, 1);
	case FUSE_READ:
		return do_read(ff, ih, arg, buf);
	case FUSE_WRITE:
		return do_write(ff, ih, arg);
	case FUSE_FSYNC:
		return do_fsync(ff, ih);
	case FUSE_READDIR:
		return do_readdir(ff, ih, arg, buf);
	case FUSE_STATFS:
		return do_statfs(ff, ih);
	case FUSE_FLUSH:
	case FUSE_RELEASE:
	case FUSE_RELEASEDIR:
	case FUSE_FSYNCDIR:
	case FUSE_ACCESS:
		return reply(ff, ih->unique, 0, NULL, 0);
	case FUSE_FORGET:
	case FUSE_BATCH_FORGET:
	case FUSE_INTERRUPT:
		/* No reply: the kernel expects none for these. */
		return 0;
	case FUSE_DESTROY:
		reply(ff, ih->unique, 0, NULL, 0);
		return 1;
	default:
		/* ENOSYS also tells the kernel not to ask again (xattrs, statx, ...). */
		return reply(ff, ih->unique, -ENOSYS, NULL, 0);
	}
}

static int serve(struct ff *ff)
{
	struct pollfd pfd = {.fd = ff->fuse_fd, .events = POLLIN};
	char *req = malloc(REQ_BUF), *buf = malloc(MAX_WRITE);
	sigset_t none;
	ssize_t n;
	int err = 0;

	if (!req || !buf) {
		err = -ENOMEM;
		goto out;
	}
	sigemptyset(&none);
	while (!stop_sig) {
		/* Signals are blocked except inside ppoll, so none is lost between checks. */
		if (ppoll(&pfd, 1, NULL, &none) < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			log_warn("poll /dev/fuse");
			break;
		}
		n = read(ff->fuse_fd, req, REQ_BUF);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == ENOENT)
				continue;
			/* ENODEV: unmounted or aborted from outside. */
			if (errno != ENODEV) {
				err = -errno;
				log_warn("read /dev/fuse");
			}
			break;
		}
		if ((size_t)n < sizeof(struct fuse_in_header))
			continue;
		if (dispatch(ff, req, buf) == 1)
			break;
	}
out:
	free(req);
	free(buf);
	return err;
}

static int do_mount(struct ff *ff)
{
	char opts[128];
	struct stat st;

	if (stat(ff->mnt, &st) < 0 || !S_ISDIR(st.st_mode)) {
		log_warnx("%s: not a directory", ff->mnt);
		return -ENOTDIR;
	}
	ff->fuse_fd = open("/dev/fuse", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (ff->fuse_fd < 0) {
		log_warn("open /dev/fuse");
		return -errno;
	}
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=%o,user_id=0,group_id=0,allow_other",
		 ff->fuse_fd, S_IFDIR | 0755);
	if (mount("hbpf-fusefail", ff->mnt, "fuse.hbpf-fusefail", MS_NOSUID | MS_NODEV, opts) < 0) {
		log_warn("mount %s", ff->mnt);
		return -errno;
	}
	return 0;
}

static int write_pidfile(const char *path)
{
	char tmp[4096];
	FILE *f;

	/* Written under a temporary name and renamed: readers never see half a PID. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fprintf(f, "%d\n", (int)getpid());
	if (fclose(f) != 0 || rename(tmp, path) < 0)
		return -errno;
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: hbpf-fusefail [-f FLAGFILE] [-P PIDFILE] [-v] BACKING MOUNTPOINT\n"
		"  exposes MOUNTPOINT/" FILE_NAME " backed by BACKING; every read/write\n"
		"  fails with EIO while FLAGFILE exists or after SIGUSR1 (SIGUSR2 undoes)\n");
	exit(2);
}

static void setup_signals(void)
{
	struct sigaction sa = {0};
	sigset_t set;

	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_usr;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

int main(int argc, char **argv)
{
	struct ff ff = {.fuse_fd = -1, .back_fd = -1};
	const char *pidfile = NULL;
	int level = LOG_LVL_INFO;
	int c, err;

	while ((c = getopt(argc, argv, "f:P:vh")) != -1) {
		switch (c) {
		case 'f':
			ff.flagfile = optarg;
			break;
		case 'P':
			pidfile = optarg;
			break;
		case 'v':
			level = LOG_LVL_DEBUG;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2)
		usage();
	log_init("hbpf-fusefail", 1, level);
	setup_signals();
	ff.mnt = argv[optind + 1];
	ff.back_fd = open(argv[optind], O_RDWR | O_CLOEXEC);
	if (ff.back_fd < 0)
		fatal("open %s", argv[optind]);
	err = do_mount(&ff);
	if (err)
		return 1;
	if (pidfile && write_pidfile(pidfile) < 0)
		log_warn("pidfile %s", pidfile);
	log_info("serving %s as %s/" FILE_NAME, argv[optind], ff.mnt);
	err = serve(&ff);
	/* Lazy: a loop device may still hold the file; it gets ENOTCONN once we close. */
	if (umount2(ff.mnt, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		log_warn("unmount %s", ff.mnt);
	close(ff.fuse_fd);
	close(ff.back_fd);
	if (pidfile)
		unlink(pidfile);
	log_info("stopped (%s), %lu requests, %lu failed with EIO",
		 stop_sig ? strsignal(stop_sig) : "unmounted", ff.nreq, ff.nfailed);
	return err ? 1 : 0;
}
