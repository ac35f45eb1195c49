// SPDX-License-Identifier: GPL-2.0-only
/* Strict parsers for hbpfctl's command-line words (see args.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "config.h"
#include "util.h"

int hbpf_match_prefix(const char *word, const char *const *names, int n)
{
	size_t len = strlen(word);
	int found = -ENOENT;

	if (!len)
		return -ENOENT;
	for (int i = 0; i < n; i++) {
		if (!strcmp(word, names[i]))
			return i;
		if (strncmp(word, names[i], len))
			continue;
		if (found >= 0)
			found = -EINVAL;
		else if (found == -ENOENT)
			found = i;
	}
	return found;
}

int hbpf_valid_name(const char *s)
{
	return name_valid(s, HBPF_NAME_MAX);
}

int hbpf_parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	uint64_t v = 0;
	const char *c;

	if (!*s)
		return -EINVAL;
	for (c = s; *c; c++) {
		if (*c < '0' || *c > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(*c - '0');
		if (v > UINT32_MAX)
			return -ERANGE;
	}
	if (v < lo || v > hi)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

/* Copy n bytes of s into a field of size max (NUL included), or explain. */
static int vol_field(char *dst, size_t max, const char *s, size_t n, const char *what, char *err,
		     size_t errlen)
{
	if (n >= max)
		return errf(err, errlen, -EINVAL, "%s \"%.*s\" is longer than %zu bytes", what,
			    (int)n, s, max - 1);
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

static int mountpoint_ok(const char *m, char *err, size_t errlen)
{
	size_t n = strlen(m);

	if (m[0] != '/')
		return errf(err, errlen, -EINVAL, "mountpoint \"%s\" is not absolute", m);
	if (!strcmp(m, "/"))
		return errf(err, errlen, -EINVAL, "mountpoint \"/\" is not allowed");
	if (m[n - 1] == '/' || strstr(m, "//") || strstr(m, "/./") || strstr(m, "/../") ||
	    (n >= 2 && !strcmp(m + n - 2, "/.")) || (n >= 3 && !strcmp(m + n - 3, "/..")))
		return errf(err, errlen, -EINVAL,
			    "mountpoint \"%s\" is not canonical (no \".\", \"..\", \"//\" or "
			    "trailing '/')",
			    m);
	return 0;
}

int hbpf_parse_volume(const char *spec, struct dgm_volume *v, char *err, size_t errlen)
{
	const char *mp, *end, *fs, *fsend;
	int ret;

	for (const char *c = spec; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return errf(err, errlen, -EINVAL,
				    "\"%s\": spaces and control characters are not allowed", spec);
	mp = strstr(spec, ":/");
	if (!mp)
		mp = strchr(spec, ':');
	if (!mp || mp == spec)
		return errf(err, errlen, -EINVAL, "\"%s\" is not DEV:MOUNTPOINT[:FSTYPE[:OPTIONS]]",
			    spec);
	if (spec[0] != '/')
		return errf(err, errlen, -EINVAL, "device \"%.*s\" is not an absolute path",
			    (int)(mp - spec), spec);
	ret = vol_field(v->device, sizeof(v->device), spec, (size_t)(mp - spec), "device", err,
			errlen);
	if (ret)
		return ret;
	mp++;
	end = strchr(mp, ':');
	if (!end)
		end = mp + strlen(mp);
	ret = vol_field(v->mountpoint, sizeof(v->mountpoint), mp, (size_t)(end - mp), "mountpoint",
			err, errlen);
	if (!ret)
		ret = mountpoint_ok(v->mountpoint, err, errlen);
	if (ret)
		return ret;
	v->fstype[0] = '\0';
	v->options[0] = '\0';
	if (!*end)
		return 0;
	fs = end + 1;
	fsend = strchr(fs, ':');
	if (!fsend)
		fsend = fs + strlen(fs);
	ret = vol_field(v->fstype, sizeof(v->fstype), fs, (size_t)(fsend - fs), "fstype", err,
			errlen);
	if (ret || !*fsend)
		return ret;
	return vol_field(v->options, sizeof(v->options), fsend + 1, strlen(fsend + 1), "options",
			 err, errlen);
}
