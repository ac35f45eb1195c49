/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Small pure helpers that several layers of user/ need, so that each rule
 * exists once: the monotonic clock, hex digits, the name rule, and writing a
 * one-line reason into a caller's buffer.
 */
#ifndef HBPF_UTIL_H
#define HBPF_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
 * CLOCK_MONOTONIC now, in ns: the clock bpf_ktime_get_ns() reads, so the
 * kernel's stamps in the maps and ours compare directly.
 */
static inline uint64_t mono_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Value of the hex digit c (either case), or -1. */
int hexval(char c);

/*
 * The name rule of node, set, link, service, interface and disk-group names:
 * letters, digits, '_', '.' and '-' only, so that a name can neither split
 * nor extend a control request line, a log tag or a path component.
 */
int name_char_ok(char c);
/* Offset of the first byte of s that the name rule refuses, or -1 when none is. */
long name_bad_at(const char *s);
/* 1 when s is 1..max-1 bytes long and follows the name rule. */
int name_valid(const char *s, size_t max);

/* 1 when every byte of the UUID u is 0 (none recorded). */
int uuid_zero(const uint8_t u[16]);

/* Write the reason into err (when err and errlen are given) and return ret. */
int errf(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif /* HBPF_UTIL_H */
