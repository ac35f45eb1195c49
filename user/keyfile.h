/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The heartbeat key file: one or two lines "KEYID HEX32" (keyid 1..255, a
 * 128-bit SipHash key as 32 hex digits), '#' comments and blank lines
 * allowed.  The first key signs and verifies; a second one is also accepted
 * (rollover, see docs/AUTH.md).  The file must be a regular file owned by
 * root with no group or other permission bits.
 */
#ifndef HBPF_KEYFILE_H
#define HBPF_KEYFILE_H

#include <stddef.h>
#include <stdint.h>
#include <hbpf/abi.h>

#define HBPF_KEY_FILE_DEFAULT "/etc/hbpf/hbpf.key"

struct hbpf_keyset {
	int n;				  /* keys in use, 1..HBPF_MAX_KEYS */
	struct hbpf_key k[HBPF_MAX_KEYS]; /* [0] sends, [1] also accepted */
};

/* Parse len bytes of key-file text; name is used in messages ("name:line: what"). */
int hbpf_keyfile_parse(const char *name, const char *text, size_t len, struct hbpf_keyset *ks,
		       char *err, size_t errlen);

/*
 * Open, check ownership and mode, and parse the key file at path.  Returns
 * 0, -ENOENT (missing), -EPERM (not root-only), -EINVAL (malformed) or
 * another -errno, with one line in err saying what is wrong and how to fix it.
 */
int hbpf_keyfile_load(const char *path, struct hbpf_keyset *ks, char *err, size_t errlen);

/* A fresh key line "KEYID HEX32\n" from getrandom(2).  Returns 0 or -errno. */
int hbpf_keyfile_gen(uint8_t keyid, char *line, size_t len);

/* Write ks into the "keys" map (fd); unused slots are cleared. */
int hbpf_keyset_install(const struct hbpf_keyset *ks, int map_fd);

#endif /* HBPF_KEYFILE_H */
