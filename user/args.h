/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Strict parsers for hbpfctl's command-line words: a command or subcommand
 * by unambiguous prefix, a name that may travel in a control request, a
 * decimal number, a disk-group volume spec.  Pure functions, no I/O.
 */
#ifndef HBPF_ARGS_H
#define HBPF_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "dgmeta.h"

/*
 * Unambiguous prefix match of word against names[0..n-1]: an exact match
 * wins, else the only name word is a prefix of.  Returns the index,
 * -ENOENT when nothing matches, -EINVAL when several do.
 */
int hbpf_match_prefix(const char *word, const char *const *names, int n);

/*
 * A name that may travel in a control request: 1..HBPF_NAME_MAX-1 bytes of
 * [A-Za-z0-9_.-], so that it can neither split nor extend the request line.
 */
int hbpf_valid_name(const char *s);

/* Strict decimal: no sign, no spaces, no base prefix, no trailing text; lo..hi. */
int hbpf_parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out);

/*
 * "DEV:MOUNTPOINT[:FSTYPE[:OPTIONS]]" into v (device, mountpoint, fstype,
 * options; the rest of v untouched).  DEV ends at the first ":/", so device
 * names with colons (/dev/disk/by-path/pci-0000:00:1f.2-ata-1) work; an empty
 * FSTYPE means "detect"; OPTIONS is the rest (mount -o syntax).  Mountpoints
 * are absolute, not "/", without "." or ".." steps, "//" or a trailing '/'.
 * Returns 0 or -EINVAL with a one-line reason in err.
 */
int hbpf_parse_volume(const char *spec, struct dgm_volume *v, char *err, size_t errlen);

#endif /* HBPF_ARGS_H */
