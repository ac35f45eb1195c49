// SPDX-License-Identifier: GPL-2.0-only
/* Small pure helpers shared by several layers (see util.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

long name_bad_at(const char *s)
{
	for (const char *c = s; *c; c++)
		if (!name_char_ok(*c))
			return c - s;
	return -1;
}

int name_valid(const char *s, size_t max)
{
	size_t len = strlen(s);

	return len && len < max && name_bad_at(s) < 0;
}

int errf(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

int uuid_zero(const uint8_t u[16])
{
	for (int i = 0; i < 16; i++)
		if (u[i])
			return 0;
	return 1;
}
