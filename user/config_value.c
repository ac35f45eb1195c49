// SPDX-License-Identifier: GPL-2.0-only
/*
 * hbpf.conf, the value layer: error reports at a line, and the parsers of
 * one value each (numbers, durations, names, interface names, addresses,
 * commands, yes/no words, MACs).  Each checks its value completely and says
 * what is wrong with it; the directives (config_dir.c) decide where it goes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "util.h"

#define IFNAME_MAX 15 /* IFNAMSIZ - 1 */

/* Report an error at a line; only the first error is kept. */
int config_perr(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!p->err || !p->errlen)
		return -EINVAL;
	n = snprintf(p->err, p->errlen, "%s:%d: ", p->name, line);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Report an error in the value of the directive on the current line. */
int config_verr(struct parser *p, const char *fmt, ...)
{
	char msg[LINE_MAX_BYTES + 128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return config_perr(p, p->line, "%s%s: %s", p->prefix, p->dir->name, msg);
}

char *config_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* ---- value parsers ---------------------------------------------------- */

/* Decimal digits only: no sign, no spaces, no base prefix, no overflow. */
static int parse_digits(const char *s, const char **end, uint64_t *out)
{
	uint64_t v = 0;
	const char *c = s;

	for (; *c >= '0' && *c <= '9'; c++) {
		v = v * 10 + (uint64_t)(*c - '0');
		if (v > 0xffffffffffull)
			return -ERANGE;
	}
	if (c == s)
		return -EINVAL;
	*end = c;
	*out = v;
	return 0;
}

int cv_u32(struct parser *p, const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	const char *end;
	uint64_t v;
	int err;

	err = parse_digits(s, &end, &v);
	if (err == -EINVAL || (!err && *end))
		return config_verr(p, "\"%s\" is not a number (expected an integer %u..%u)", s, lo,
				   hi);
	if (err || v < lo || v > hi)
		return config_verr(p, "%s is out of range (%u..%u)", s, lo, hi);
	*out = (uint32_t)v;
	return 0;
}

const char *config_fmt_ms(char *buf, size_t len, uint32_t ms)
{
	if (ms >= 1000 && ms % 1000 == 0)
		snprintf(buf, len, "%us", ms / 1000);
	else
		snprintf(buf, len, "%ums", ms);
	return buf;
}

/* A duration: an integer followed by "ms" or "s". */
int cv_ms(struct parser *p, const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	char a[16], b[16];
	const char *end;
	uint64_t v;
	int err;

	err = parse_digits(s, &end, &v);
	if (err == -EINVAL)
		return config_verr(p, "\"%s\" is not a duration (expected e.g. 500ms or 2s)", s);
	if (!err && *end == '.')
		return config_verr(p, "\"%s\": durations are whole numbers (use ms)", s);
	if (!err && !*end)
		return config_verr(p, "\"%s\" needs a unit (ms or s)", s);
	if (!err && strcmp(end, "ms") && strcmp(end, "s"))
		return config_verr(p, "\"%s\": unknown unit \"%s\" (expected ms or s)", s, end);
	if (!err && !strcmp(end, "s"))
		v *= 1000;
	if (err || v < lo || v > hi)
		return config_verr(p, "%s is out of range (%s..%s)", s,
				   config_fmt_ms(a, sizeof(a), lo),
				   config_fmt_ms(b, sizeof(b), hi));
	*out = (uint32_t)v;
	return 0;
}

int cv_name(struct parser *p, const char *what, const char *s, char *out)
{
	if (strlen(s) >= HBPF_NAME_MAX)
		return config_verr(p, "%s \"%s\" is longer than %d characters", what, s,
				   HBPF_NAME_MAX - 1);
	if (!*s || name_bad_at(s) >= 0)
		return config_verr(p, "%s \"%s\" may only use letters, digits, '_', '.' and '-'",
				   what, s);
	strcpy(out, s);
	return 0;
}

int cv_ifname(struct parser *p, const char *s, char *out)
{
	if (strlen(s) > IFNAME_MAX)
		return config_verr(p, "interface name \"%s\" is longer than %d characters", s,
				   IFNAME_MAX);
	if (!*s || name_bad_at(s) >= 0 || !strcmp(s, ".") || !strcmp(s, ".."))
		return config_verr(p, "\"%s\" is not a valid interface name", s);
	strcpy(out, s);
	return 0;
}

int cv_ipv4(struct parser *p, const char *s, struct in_addr *out)
{
	uint32_t h;

	if (inet_pton(AF_INET, s, out) != 1)
		return config_verr(p, "\"%s\" is not an IPv4 address (expected a.b.c.d)", s);
	h = ntohl(out->s_addr);
	if ((h >> 24) == 0 || (h >> 24) == 127 || (h >> 24) >= 224)
		return config_verr(p, "%s is not a unicast address", s);
	return 0;
}

/* "cmd args", or "\"cmd args # not a comment\"": the rest of the line. */
int cv_cmd(struct parser *p, char *s, char *out, size_t outlen)
{
	if (*s == '"') {
		char *q = strchr(s + 1, '"');

		/* strip_comment() already refused an unbalanced quote */
		if (!q || *config_trim(q + 1))
			return config_verr(p, "text after the closing quote");
		*q = '\0';
		s++;
	}
	if (!*s)
		return config_verr(p, "empty command");
	if (strlen(s) >= outlen)
		return config_verr(p, "command is longer than %zu bytes", outlen - 1);
	strcpy(out, s);
	return 0;
}

int cv_bool(struct parser *p, const char *s, const char *yes, const char *no, int *out)
{
	if (!strcmp(s, yes))
		*out = 1;
	else if (!strcmp(s, no))
		*out = 0;
	else
		return config_verr(p, "\"%s\" is neither \"%s\" nor \"%s\"", s, yes, no);
	return 0;
}

int cv_mac(const char *s, uint8_t mac[6])
{
	int i, hi, lo;

	if (strlen(s) != 17)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		hi = hexval(s[3 * i]);
		lo = hexval(s[3 * i + 1]);
		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void config_fmt_mac(char *buf, size_t len, const uint8_t m[6])
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}
