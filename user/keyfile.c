// SPDX-License-Identifier: GPL-2.0-only
/* The heartbeat key file (see keyfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <bpf/bpf.h>

#include "keyfile.h"
#include "util.h"

#define KEYFILE_MAX 4096 /* a key file is two short lines; refuse anything big */

/* One "KEYID HEX32" line (already stripped of comment and newline). */
static int parse_line(const char *name, int line, char *s, struct hbpf_key *k, char *err,
		      size_t errlen)
{
	char *tok[3], *save = NULL;
	unsigned long id;
	char *end;
	int n = 0;

	for (char *t = strtok_r(s, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
		if (n == 2)
			return errf(err, errlen, -EINVAL,
				    "%s:%d: expected \"KEYID HEX32\", found more than two words",
				    name, line);
		tok[n++] = t;
	}
	if (n != 2)
		return errf(err, errlen, -EINVAL, "%s:%d: expected \"KEYID HEX32\"", name, line);
	errno = 0;
	id = strtoul(tok[0], &end, 10);
	if (tok[0][0] < '0' || tok[0][0] > '9' || *end || errno || id < 1 || id > 255)
		return errf(err, errlen, -EINVAL, "%s:%d: key id \"%s\" is not a number 1..255",
			    name, line, tok[0]);
	if (strlen(tok[1]) != 32)
		return errf(err, errlen, -EINVAL,
			    "%s:%d: key must be 32 hex digits (128 bits), found %zu characters",
			    name, line, strlen(tok[1]));
	memset(k, 0, sizeof(*k));
	k->keyid = (uint8_t)id;
	for (int i = 0; i < 16; i++) {
		int hi = hexval(tok[1][2 * i]), lo = hexval(tok[1][2 * i + 1]);

		if (hi < 0 || lo < 0)
			return errf(err, errlen, -EINVAL, "%s:%d: key has a non-hex character",
				    name, line);
		k->key[i] = (uint8_t)(hi << 4 | lo);
	}
	for (int i = 0; i < 16; i++)
		if (k->key[i])
			return 0;
	return errf(err, errlen, -EINVAL, "%s:%d: key is all zeros", name, line);
}

int hbpf_keyfile_parse(const char *name, const char *text, size_t len, struct hbpf_keyset *ks,
		       char *err, size_t errlen)
{
	char buf[KEYFILE_MAX + 1];
	char *line, *next;
	int lno = 0, ret;

	memset(ks, 0, sizeof(*ks));
	if (len > KEYFILE_MAX)
		return errf(err, errlen, -EINVAL, "%s: larger than %d bytes: not a key file", name,
			    KEYFILE_MAX);
	if (memchr(text, '\0', len))
		return errf(err, errlen, -EINVAL, "%s: contains a NUL byte: not a key file", name);
	memcpy(buf, text, len);
	buf[len] = '\0';
	for (line = buf; line; line = next) {
		char *hash, *p;

		lno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		for (p = line; *p == ' ' || *p == '\t' || *p == '\r'; p++)
			;
		if (!*p)
			continue;
		if (ks->n == HBPF_MAX_KEYS)
			return errf(err, errlen, -EINVAL,
				    "%s:%d: more than %d keys (the send key and one rollover key)",
				    name, lno, HBPF_MAX_KEYS);
		ret = parse_line(name, lno, p, &ks->k[ks->n], err, errlen);
		if (ret)
			return ret;
		if (ks->n && ks->k[0].keyid == ks->k[1].keyid)
			return errf(err, errlen, -EINVAL, "%s:%d: key id %u is used twice", name,
				    lno, ks->k[1].keyid);
		ks->n++;
	}
	if (!ks->n)
		return errf(
			err, errlen, -EINVAL,
			"%s: no key (expected a line \"KEYID HEX32\"; hbpfctl keygen makes one)",
			name);
	return 0;
}

int hbpf_keyfile_load(const char *path, struct hbpf_keyset *ks, char *err, size_t errlen)
{
	char buf[KEYFILE_MAX + 1];
	struct stat st;
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		if (ret == -ENOENT)
			return errf(
				err, errlen, ret,
				"key-file %s: no such file (generate one with: hbpfctl keygen > "
				"%s; chmod 600 %s)",
				path, path, path);
		return errf(err, errlen, ret, "key-file %s: cannot open: %s", path, strerror(-ret));
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		close(fd);
		return errf(err, errlen, ret, "key-file %s: %s", path, strerror(-ret));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return errf(err, errlen, -EINVAL, "key-file %s: not a regular file", path);
	}
	if (st.st_uid != 0) {
		close(fd);
		return errf(err, errlen, -EPERM,
			    "key-file %s: owned by uid %u, must be owned by root (chown root %s)",
			    path, (unsigned int)st.st_uid, path);
	}
	if (st.st_mode & 077) {
		close(fd);
		return errf(err, errlen, -EPERM,
			    "key-file %s: mode %04o lets group or others read it, must be 0600 or "
			    "stricter (chmod 600 %s)",
			    path, (unsigned int)(st.st_mode & 07777), path);
	}
	n = read(fd, buf, sizeof(buf));
	ret = n < 0 ? -errno : 0;
	close(fd);
	if (ret)
		return errf(err, errlen, ret, "key-file %s: cannot read: %s", path, strerror(-ret));
	return hbpf_keyfile_parse(path, buf, (size_t)n, ks, err, errlen);
}

int hbpf_keyfile_gen(uint8_t keyid, char *line, size_t len)
{
	uint8_t key[16];
	size_t got = 0;
	int off;

	if (!keyid || len < 4 + 32 + 2)
		return -EINVAL;
	while (got < sizeof(key)) {
		ssize_t n = getrandom(key + got, sizeof(key) - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	off = snprintf(line, len, "%u ", keyid);
	for (int i = 0; i < 16; i++)
		off += snprintf(line + off, len - (size_t)off, "%02x", key[i]);
	snprintf(line + off, len - (size_t)off, "\n");
	memset(key, 0, sizeof(key));
	return 0;
}

int hbpf_keyset_install(const struct hbpf_keyset *ks, int map_fd)
{
	for (__u32 i = 0; i < HBPF_MAX_KEYS; i++) {
		struct hbpf_key k;

		memset(&k, 0, sizeof(k));
		if ((int)i < ks->n)
			k = ks->k[i];
		if (bpf_map_update_elem(map_fd, &i, &k, BPF_ANY))
			return -errno;
	}
	return 0;
}
