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

#endif /* HBPF_HELD_H */
