// SPDX-License-Identifier: GPL-2.0-only
/* A streaming JSON writer (see jw.h). */
#include <stdio.h>
#include <string.h>

#include "jw.h"

void jw_init(struct jw *w, FILE *f)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
}

void jw_escape(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
	}
	fputc('"', f);
}

/* Comma and key before a value at the current level. */
static void jw_member(struct jw *w, const char *key)
{
	if (w->count[w->depth]++)
		fputc(',', w->f);
	if (key) {
		jw_escape(w->f, key);
		fputc(':', w->f);
	}
}

static void jw_open(struct jw *w, const char *key, char c)
{
	jw_member(w, key);
	fputc(c, w->f);
	if (w->depth < JW_MAX_DEPTH - 1)
		w->count[++w->depth] = 0;
}

static void jw_close(struct jw *w, char c)
{
	fputc(c, w->f);
	if (w->depth > 0)
		w->depth--;
	if (!w->depth)
		fputc('\n', w->f);
}

void jw_open_obj(struct jw *w, const char *key)
{
	jw_open(w, key, '{');
}

void jw_open_arr(struct jw *w, const char *key)
{
	jw_open(w, key, '[');
}

void jw_close_obj(struct jw *w)
{
	jw_close(w, '}');
}

void jw_close_arr(struct jw *w)
{
	jw_close(w, ']');
}

void jw_str(struct jw *w, const char *key, const char *val)
{
	jw_member(w, key);
	if (val)
		jw_escape(w->f, val);
	else
		fputs("null", w->f);
}

void jw_u64(struct jw *w, const char *key, uint64_t val)
{
	jw_member(w, key);
	fprintf(w->f, "%llu", (unsigned long long)val);
}

void jw_int(struct jw *w, const char *key, long long val)
{
	jw_member(w, key);
	fprintf(w->f, "%lld", val);
}

void jw_bool(struct jw *w, const char *key, int val)
{
	jw_member(w, key);
	fputs(val ? "true" : "false", w->f);
}

void jw_null(struct jw *w, const char *key)
{
	jw_member(w, key);
	fputs("null", w->f);
}

void jw_fixed(struct jw *w, const char *key, double val, int decimals)
{
	jw_member(w, key);
	if (val < 0)
		fputs("null", w->f);
	else
		fprintf(w->f, "%.*f", decimals, val);
}

void jw_dec1(struct jw *w, const char *key, double val)
{
	jw_fixed(w, key, val, 1);
}
