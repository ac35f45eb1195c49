// SPDX-License-Identifier: GPL-2.0-only
/*
 * hbpf.conf parser.  Hand-written and strict: one directive per line, every
 * value checked where it is read, cross references (link names, node names,
 * unique addresses) checked once the whole file is read, and the first error
 * reported as "file:line: what is wrong".  Syntax: man/hbpf.conf.5.
 *
 * Four files, one module, in layers: this one reads the text (lines,
 * comments, tokens) and hands each line to its directive; config_dir.c holds
 * the directives and the blocks they open; config_value.c the parsers of
 * single values and the error reports; config_check.c the checks that need
 * the whole file, the dump and the lookups.  Their shared state is in
 * config_int.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_int.h"

#define FILE_MAX_BYTES (1 << 20)

static const char *const ctx_where[CTX_N] = {"at top level", "in a node block", "in a set block",
					     "in a service block", "in a diskgroup block"};

/* ---- lines --------------------------------------------------------------- */

/* Cut a '#' comment that is not inside a quoted string. */
static int strip_comment(struct parser *p, char *s)
{
	int quoted = 0;

	for (; *s; s++) {
		if (*s == '"') {
			quoted = !quoted;
		} else if (*s == '#' && !quoted) {
			*s = '\0';
			break;
		}
	}
	if (quoted)
		return config_perr(p, p->line, "unterminated quoted string (missing '\"')");
	return 0;
}

static int tokenize(struct parser *p, char *s, struct args *a)
{
	a->ntok = 0;
	while (*s) {
		if (a->ntok == MAX_TOKENS)
			return config_verr(p, "too many values (at most %d)", MAX_TOKENS);
		a->tok[a->ntok++] = s;
		s += strcspn(s, " \t");
		if (*s)
			*s++ = '\0';
		s += strspn(s, " \t");
	}
	return 0;
}

static int parse_line(struct parser *p, char *s)
{
	const struct directive *d;
	char rest_copy[LINE_MAX_BYTES + 1];
	struct args a;
	int block = 0, idx, err;
	size_t n;
	char *w;

	err = strip_comment(p, s);
	if (err)
		return err;
	s = config_trim(s);
	if (!*s)
		return 0;
	if (!strcmp(s, "}"))
		return config_close_block(p);
	n = strlen(s);
	if (s[n - 1] == '{') {
		block = 1;
		s[n - 1] = '\0';
		s = config_trim(s);
		if (!*s)
			return config_perr(
				p, p->line,
				"\"{\" must end a directive line (e.g. \"node NAME {\")");
	}
	w = s;
	s += strcspn(s, " \t");
	if (*s)
		*s++ = '\0';
	a.rest = config_trim(s);

	idx = config_lookup(p->ctx, w);
	if (idx < 0) {
		if (w[0] == '}')
			return config_perr(p, p->line, "\"}\" must be alone on its line");
		idx = config_lookup(-1, w);
		if (idx < 0)
			return config_perr(p, p->line, "%sunknown directive \"%s\"", p->prefix, w);
		return config_perr(p, p->line, "%s\"%s\" is not allowed %s (it belongs %s)",
				   p->prefix, w, ctx_where[p->ctx],
				   ctx_where[config_directives[idx].ctx]);
	}
	d = &config_directives[idx];
	p->dir = d;
	if (d->block && !block)
		return config_verr(p, "expected \"%s\"", d->usage);
	if (!d->block && block)
		return config_verr(p, "unexpected \"{\": \"%s\" does not open a block", d->name);
	if (!d->multi && p->seen[idx])
		return config_verr(p, "duplicate directive (first on line %d)", p->seen[idx]);
	if (d->max < 0) {
		a.ntok = 0;
		if (!*a.rest)
			return config_verr(p, "expected \"%s\"", d->usage);
	} else {
		strcpy(rest_copy, a.rest);
		err = tokenize(p, rest_copy, &a);
		if (err)
			return err;
		if (a.ntok < d->min || a.ntok > d->max)
			return config_verr(p, "expected \"%s\"", d->usage);
	}
	p->seen[idx] = p->line;
	err = config_apply(p, d, &a);
	if (!err && d->block)
		for (idx = 0; config_directives[idx].name; idx++)
			if (config_directives[idx].ctx == p->ctx)
				p->seen[idx] = 0;
	return err;
}

/* Control bytes would make both the parse and the error message unreadable. */
static int check_bytes(struct parser *p, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
			return config_perr(p, p->line, "control character 0x%02x in column %zu",
					   s[i], i + 1);
	return 0;
}

static int parse_text(struct parser *p, const char *text, size_t len)
{
	char buf[LINE_MAX_BYTES + 1];
	size_t pos = 0, n;
	int err;

	while (pos < len) {
		const char *start = text + pos;
		const char *nl = memchr(start, '\n', len - pos);

		n = nl ? (size_t)(nl - start) : len - pos;
		pos += n + (nl ? 1 : 0);
		p->line++;
		if (memchr(start, '\0', n))
			return config_perr(p, p->line, "NUL byte in line");
		if (n > LINE_MAX_BYTES)
			return config_perr(p, p->line, "line is longer than %d bytes",
					   LINE_MAX_BYTES);
		memcpy(buf, start, n);
		buf[n] = '\0';
		if (n && buf[n - 1] == '\r')
			buf[--n] = '\0';
		err = check_bytes(p, buf, n);
		if (!err)
			err = parse_line(p, buf);
		if (err)
			return err;
	}
	return config_finish(p);
}

int hbpf_config_parse(const char *name, const char *text, size_t len, struct hbpf_config *cfg,
		      char *err, size_t errlen)
{
	int seen[CONFIG_NDIRECTIVES] = {0};
	struct parser *p;
	int ret;

	if (err && errlen)
		err[0] = '\0';
	p = calloc(1, sizeof(*p));
	if (!p) {
		if (err && errlen)
			snprintf(err, errlen, "%s:0: out of memory", name);
		return -ENOMEM;
	}
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->path, sizeof(cfg->path), "%s", name);
	snprintf(cfg->state_dir, sizeof(cfg->state_dir), "%s", HBPF_STATE_DIR_DEFAULT);
	cfg->port = HBPF_PORT_DEFAULT;
	cfg->interval_ms = 1;
	cfg->detect_mult = 3;
	cfg->daemon_deadline_ms = 500;
	cfg->shutdown_timeout_ms = 120000;
	cfg->garp_count = 3;
	cfg->garp_spacing_ms = 5;
	p->name = name;
	p->cfg = cfg;
	p->err = err;
	p->errlen = errlen;
	p->seen = seen;
	ret = parse_text(p, text, len);
	free(p);
	return ret;
}

static int load_err(const char *path, char *err, size_t errlen, int ret, const char *what)
{
	if (err && errlen)
		snprintf(err, errlen, "%s:0: %s", path, what);
	return ret;
}

int hbpf_config_load(const char *path, struct hbpf_config *cfg, char *err, size_t errlen)
{
	char what[128];
	struct stat st;
	size_t got = 0;
	char *buf;
	ssize_t n = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(what, sizeof(what), "cannot open: %s", strerror(-ret));
		return load_err(path, err, errlen, ret, what);
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		close(fd);
		snprintf(what, sizeof(what), "cannot stat: %s", strerror(-ret));
		return load_err(path, err, errlen, ret, what);
	}
	if (!S_ISREG(st.st_mode) || st.st_size > FILE_MAX_BYTES) {
		close(fd);
		if (!S_ISREG(st.st_mode))
			return load_err(path, err, errlen, -EINVAL, "not a regular file");
		return load_err(path, err, errlen, -EFBIG, "file is larger than 1 MiB");
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return load_err(path, err, errlen, -ENOMEM, "out of memory");
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got < (size_t)st.st_size) {
		ret = n < 0 ? -errno : -EIO;
		free(buf);
		close(fd);
		snprintf(what, sizeof(what), "cannot read: %s", strerror(-ret));
		return load_err(path, err, errlen, ret, what);
	}
	close(fd);
	ret = hbpf_config_parse(path, buf, got, cfg, err, errlen);
	free(buf);
	return ret;
}
