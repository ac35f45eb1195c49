/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A streaming JSON writer for hbpfctl's -j output: tracks nesting and
 * commas, escapes strings.
 */
#ifndef HBPF_JW_H
#define HBPF_JW_H

#include <stdint.h>
#include <stdio.h>

#define JW_MAX_DEPTH 16

struct jw {
	FILE *f;
	int depth;
	int count[JW_MAX_DEPTH]; /* members written at each level */
};

void jw_init(struct jw *w, FILE *f);
/* key is NULL inside arrays and for the top-level value. */
void jw_open_obj(struct jw *w, const char *key);
void jw_open_arr(struct jw *w, const char *key);
void jw_close_obj(struct jw *w);
void jw_close_arr(struct jw *w);
void jw_str(struct jw *w, const char *key, const char *val); /* val NULL -> null */
void jw_u64(struct jw *w, const char *key, uint64_t val);
void jw_int(struct jw *w, const char *key, long long val);
void jw_bool(struct jw *w, const char *key, int val);
void jw_null(struct jw *w, const char *key);
/* A number with one decimal place; a negative value (our "never") is written as null. */
void jw_dec1(struct jw *w, const char *key, double val);
/* The same with the given number of decimal places. */
void jw_fixed(struct jw *w, const char *key, double val, int decimals);
/* Write s as a JSON string literal with quotes and escapes. */
void jw_escape(FILE *f, const char *s);

#endif /* HBPF_JW_H */
