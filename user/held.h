/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The held-set record: which sets this node held, with their epochs, kept in
 * <state-dir>/<node>.held so that a node coming back from a reboot or a
 * crash knows what it held when its daemon stopped (it resumes those sets
 * if nobody else holds them).  Rewritten atomically (temporary file, fsync,
 * rename, fsync of the directory) on every ownership change; a clean
 * shutdown's releases do not remove sets from it.
 *
 * Format, one line per set: "held NAME EPOCH"; "#" lines are comments.
 */
#ifndef HBPF_HELD_H
#define HBPF_HELD_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include "config.h"

/* "<state_dir>/<node>.held"; -ENAMETOOLONG when it does not fit. */
int held_path(const struct hbpf_config *cfg, const char *node, char *out, size_t len);

/*
 * Parse a record (text, len bytes) against cfg: bit i of *mask for set i,
 * epochs[i] its epoch.  Sets the config no longer has are skipped.  A
 * malformed line makes the whole record invalid (-EINVAL, the line in err):
 * a damaged record must not make the node claim anything.
 */
int held_parse(const struct hbpf_config *cfg, const char *text, size_t len, uint32_t *mask,
	       uint32_t epochs[HBPF_MAX_SETS], char *err, size_t errlen);
/* Read path; a missing file is an empty record (returns 0). */
int held_load(const struct hbpf_config *cfg, const char *path, uint32_t *mask,
	      uint32_t epochs[HBPF_MAX_SETS], char *err, size_t errlen);
/* Write the record atomically, creating the directory if needed. */
int held_save(const struct hbpf_config *cfg, const char *path, uint32_t mask,
	      const uint32_t epochs[HBPF_MAX_SETS]);

/*
 * The writer: held_save() on a thread of its own, so that a state directory
 * on storage that stalls (a hung disk, an NFS server gone) never stalls the
 * daemon's loop.  The loop writes the liveness stamp; an fsync that takes
 * longer than the demote time would make the node's own kernel give up its
 * sets (seen: 390 ms for two fsyncs beside two program loads).  Each post
 * replaces the record waiting to be written: the writer always writes the
 * latest one, and retries it every HELD_RETRY_NS after a failure.
 */
#define HELD_RETRY_NS (1000ull * 1000000ull)

struct held_writer {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	const struct hbpf_config *cfg;
	char path[HBPF_PATH_MAX + HBPF_NAME_MAX + 8];
	uint32_t mask; /* the latest record posted */
	uint32_t epochs[HBPF_MAX_SETS];
	uint64_t posted, written; /* generations: posted > written while one waits */
	int err;		  /* the last attempt's result, 0 or -errno */
	uint64_t err_gen;	  /* bumped whenever err changes */
	int stop, started;
};

/* Start the thread for path (copied); -errno when it cannot. */
int held_writer_start(struct held_writer *w, const struct hbpf_config *cfg, const char *path);
/* Hand the writer a new record; never blocks on storage. */
void held_writer_post(struct held_writer *w, uint32_t mask, const uint32_t epochs[HBPF_MAX_SETS]);
/*
 * The writer's last result when it changed since *seen (updates *seen):
 * 1 and *err set, else 0.  For the loop to log.
 */
int held_writer_result(struct held_writer *w, uint64_t *seen, int *err);
/*
 * Wait up to timeout_ns for the latest record to be on disk, then stop the
 * thread: 0, or -ETIMEDOUT (the thread is left blocked in the storage and
 * dies with the process) or the last write's error.
 */
int held_writer_stop(struct held_writer *w, uint64_t timeout_ns);

#endif /* HBPF_HELD_H */
