/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Logging: one line per event to stderr (foreground) or syslog.
 * log_warn() appends strerror(errno); log_warnx() does not; fatal() exits 1.
 */
#ifndef HBPF_LOG_H
#define HBPF_LOG_H

#include <stdarg.h>

#define LOG_LVL_ERR 0
#define LOG_LVL_WARN 1
#define LOG_LVL_INFO 2
#define LOG_LVL_DEBUG 3

void log_init(const char *ident, int foreground, int level);
int log_level(void);
void log_msg(int lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(int lvl, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif /* HBPF_LOG_H */
