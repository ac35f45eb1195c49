// SPDX-License-Identifier: GPL-2.0-only
/*
 * The held-set record (held.h).  Plain text so an operator can read it and,
 * before starting a node, delete it to keep the node from resuming anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "held.h"

#define HELD_MAX_BYTES 65536

int held_path(const struct hbpf_config *cfg, const char *node, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/%s.held", cfg->state_dir, node);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* One "held NAME EPOCH" line; *set = -1 for a set the config lacks. */
static int parse_line(const struct hbpf_config *cfg, char *s, int *set, uint32_t *epoch)
{
	char *save = NULL, *w, *name, *num, *end;
	const struct hbpf_cfg_set *c;
	unsigned long v;

	w = strtok_r(s, " \t", &save);
	name = strtok_r(NULL, " \t", &save);
	num = strtok_r(NULL, " \t", &save);
	if (!w || strcmp(w, "held") || !name || !num || strtok_r(NULL, " \t", &save))
		return -EINVAL;
	if (num[0] < '0' || num[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(num, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return -EINVAL;
	c = hbpf_config_set(cfg, name);
	*set = c ? c->id : -1;
	*epoch = (uint32_t)v;
	return 0;
}

int held_parse(const struct hbpf_config *cfg, const char *text, size_t len, uint32_t *mask,
	       uint32_t epochs[HBPF_MAX_SETS], char *err, size_t errlen)
{
	char line[256];
	size_t i = 0;
	int lineno = 0;

	*mask = 0;
	memset(epochs, 0, sizeof(uint32_t) * HBPF_MAX_SETS);
	while (i < len) {
		size_t j = i, n;
		char *s;
		int set;
		uint32_t ep;

		while (j < len && text[j] != '\n')
			j++;
		n = j - i;
		lineno++;
		if (n >= sizeof(line) || memchr(text + i, '\0', n))
			goto bad;
		memcpy(line, text + i, n);
		line[n] = '\0';
		i = j + 1;
		s = line + strspn(line, " \t");
		if (!*s || *s == '#')
			continue;
		if (parse_line(cfg, s, &set, &ep))
			goto bad;
		if (set < 0)
			continue;
		*mask |= 1u << set;
		epochs[set] = ep;
		continue;
	bad:
		*mask = 0;
		memset(epochs, 0, sizeof(uint32_t) * HBPF_MAX_SETS);
		snprintf(err, errlen, "line %d: expected \"held SET EPOCH\"", lineno);
		return -EINVAL;
	}
	return 0;
}

int held_load(const struct hbpf_config *cfg, const char *path, uint32_t *mask,
	      uint32_t epochs[HBPF_MAX_SETS], char *err, size_t errlen)
{
	char *buf;
	ssize_t n;
	int fd, ret;

	*mask = 0;
	memset(epochs, 0, sizeof(uint32_t) * HBPF_MAX_SETS);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open: %s", strerror(-ret));
		return ret;
	}
	buf = malloc(HELD_MAX_BYTES);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	n = read(fd, buf, HELD_MAX_BYTES);
	ret = n < 0 ? -errno : 0;
	close(fd);
	if (ret)
		snprintf(err, errlen, "cannot read: %s", strerror(-ret));
	else if (n == HELD_MAX_BYTES) {
		snprintf(err, errlen, "larger than %d bytes", HELD_MAX_BYTES - 1);
		ret = -EFBIG;
	} else
		ret = held_parse(cfg, buf, (size_t)n, mask, epochs, err, errlen);
	free(buf);
	return ret;
}

static int write_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

int held_save(const struct hbpf_config *cfg, const char *path, uint32_t mask,
	      const uint32_t epochs[HBPF_MAX_SETS])
{
	char tmp[HBPF_PATH_MAX + 16], text[HBPF_MAX_SETS * (HBPF_NAME_MAX + 24) + 128];
	struct stat st;
	size_t off;
	int fd, dfd, i, err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	if (mkdir(cfg->state_dir, 0755) && errno != EEXIST)
		return -errno;
	off = (size_t)snprintf(text, sizeof(text),
			       "# hbpfd: the sets this node holds (or held when it stopped)\n");
	for (i = 0; i < cfg->nsets; i++)
		if (mask & (1u << i))
			off += (size_t)snprintf(text + off, sizeof(text) - off, "held %s %u\n",
						cfg->sets[i].name, epochs[i]);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	/* Something else in the way (a FIFO, a device): not ours to write to. */
	err = fstat(fd, &st) ? -errno : S_ISREG(st.st_mode) ? 0 : -EINVAL;
	if (!err)
		err = write_all(fd, text, off);
	if (!err && fsync(fd))
		err = -errno;
	close(fd);
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		unlink(tmp);
		return err;
	}
	/* The rename itself must survive a power cut. */
	dfd = open(cfg->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

static void deadline_after(struct timespec *ts, uint64_t ns)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ns += (uint64_t)ts->tv_nsec;
	ts->tv_sec += (time_t)(ns / 1000000000ull);
	ts->tv_nsec = (long)(ns % 1000000000ull);
}

static void *writer_main(void *arg)
{
	struct held_writer *w = arg;
	uint32_t mask, epochs[HBPF_MAX_SETS];
	struct timespec ts;
	uint64_t gen;
	int err;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->stop && w->posted == w->written)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->posted == w->written)
			break; /* stopping, nothing left to write */
		gen = w->posted;
		mask = w->mask;
		memcpy(epochs, w->epochs, sizeof(epochs));
		pthread_mutex_unlock(&w->mu);
		err = held_save(w->cfg, w->path, mask, epochs);
		pthread_mutex_lock(&w->mu);
		if (err != w->err) {
			w->err = err;
			w->err_gen++;
		}
		if (!err) {
			w->written = gen;
			pthread_cond_broadcast(&w->cv);
			continue;
		}
		if (w->stop)
			break; /* one attempt at exit; held_writer_stop reports it */
		/* Storage failing: try again later (or as soon as a newer
		 * record arrives), never in a tight loop. */
		deadline_after(&ts, HELD_RETRY_NS);
		while (!w->stop && w->posted == gen &&
		       pthread_cond_timedwait(&w->cv, &w->mu, &ts) == 0)
			;
	}
	w->started = 0;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int held_writer_start(struct held_writer *w, const struct hbpf_config *cfg, const char *path)
{
	pthread_condattr_t ca;
	int err;

	memset(w, 0, sizeof(*w));
	if (snprintf(w->path, sizeof(w->path), "%s", path) >= (int)sizeof(w->path))
		return -ENAMETOOLONG;
	w->cfg = cfg;
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	w->started = 1;
	err = pthread_create(&w->th, NULL, writer_main, w);
	if (err) {
		w->started = 0;
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		return -err;
	}
	return 0;
}

void held_writer_post(struct held_writer *w, uint32_t mask, const uint32_t epochs[HBPF_MAX_SETS])
{
	pthread_mutex_lock(&w->mu);
	w->mask = mask;
	memcpy(w->epochs, epochs, sizeof(w->epochs));
	w->posted++;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

int held_writer_result(struct held_writer *w, uint64_t *seen, int *err)
{
	int changed;

	pthread_mutex_lock(&w->mu);
	changed = w->err_gen != *seen;
	*seen = w->err_gen;
	*err = w->err;
	pthread_mutex_unlock(&w->mu);
	return changed;
}

int held_writer_stop(struct held_writer *w, uint64_t timeout_ns)
{
	struct timespec ts;
	int ret = 0;

	deadline_after(&ts, timeout_ns);
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_broadcast(&w->cv);
	while (w->started && ret == 0)
		ret = pthread_cond_timedwait(&w->cv, &w->mu, &ts);
	if (w->started) {
		/* Blocked in the storage: leave it; it ends with the process. */
		pthread_mutex_unlock(&w->mu);
		pthread_detach(w->th);
		return -ETIMEDOUT;
	}
	ret = w->posted == w->written ? 0 : (w->err ? w->err : -EIO);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->th, NULL);
	return ret;
}
