// SPDX-License-Identifier: GPL-2.0-only
/* libbpf's messages: logged one level down, and what explains a failure remembered. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpflog.h"
#include "log.h"

#define VLOG_BEGIN "-- BEGIN PROG LOAD LOG --"
#define VLOG_END "-- END PROG LOAD LOG --"

static struct bpflog_why cur;
static int tail_next; /* next slot of the tail ring (cur.tail) */
static int in_vlog;   /* between the BEGIN and END markers */
static int quiet;

void bpflog_reset(void)
{
	memset(&cur, 0, sizeof(cur));
	tail_next = 0;
	in_vlog = 0;
}

void bpflog_quiet(int q)
{
	quiet = q;
}

static void copy(char *dst, size_t len, const char *src, size_t n)
{
	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* "prog 'NAME': REST" -> NAME into name, a pointer to REST; NULL if not that shape. */
static const char *prog_prefix(const char *line, char *name, size_t len)
{
	const char *q;

	if (strncmp(line, "prog '", 6))
		return NULL;
	q = strstr(line + 6, "': ");
	if (!q)
		return NULL;
	copy(name, len, line + 6, (size_t)(q - line - 6));
	return q + 3;
}

static void vlog_line(const char *line, size_t n)
{
	copy(cur.tail[tail_next], BPFLOG_LINE, line, n);
	tail_next = (tail_next + 1) % BPFLOG_TAIL;
	if (cur.ntail < BPFLOG_TAIL)
		cur.ntail++;
}

/* Remember what one line says; returns 1 if it is part of the verifier's log. */
static int remember(const char *line, size_t n, int level)
{
	char name[sizeof(cur.prog)];
	const char *rest, *p;

	if (in_vlog) {
		p = strstr(line, VLOG_END);
		if (!p || p > line + n) {
			vlog_line(line, n);
			return 1;
		}
		if (p > line) /* the log did not end in a newline */
			vlog_line(line, (size_t)(p - line));
		in_vlog = 0;
		return 1;
	}
	if (level == LIBBPF_WARN)
		copy(cur.last_warn, sizeof(cur.last_warn), line, n);
	rest = prog_prefix(line, name, sizeof(name));
	if (rest && !strncmp(rest, "BPF program load failed: ", 25)) {
		snprintf(cur.prog, sizeof(cur.prog), "%s", name);
		copy(cur.load_err, sizeof(cur.load_err), rest + 25, n - (size_t)(rest + 25 - line));
	} else if (rest && !strncmp(rest, VLOG_BEGIN, strlen(VLOG_BEGIN))) {
		snprintf(cur.prog, sizeof(cur.prog), "%s", name);
		cur.kind = BPFLOG_VERIFIER;
		cur.ntail = 0;
		tail_next = 0;
		in_vlog = 1;
		return 1;
	} else if ((p = strstr(line, "couldn't reuse pinned map at '")) && p < line + n) {
		const char *s = p + 30, *e = memchr(s, '\'', n - (size_t)(s - line));

		if (e) {
			copy(cur.pin_path, sizeof(cur.pin_path), s, (size_t)(e - s));
			if (cur.kind == BPFLOG_NONE)
				cur.kind = BPFLOG_PINNED;
		}
	} else if ((p = strstr(line, "Kernel error message: ")) && p < line + n) {
		p += 22;
		copy(cur.kmsg, sizeof(cur.kmsg), p, n - (size_t)(p - line));
	}
	return 0;
}

void bpflog_feed(int level, const char *msg)
{
	/* libbpf is chatty: demote each of its levels by one. */
	int lvl = level == LIBBPF_WARN ? LOG_LVL_INFO : LOG_LVL_DEBUG;
	const char *p = msg, *nl;

	while (*p) {
		size_t n;

		nl = strchr(p, '\n');
		n = nl ? (size_t)(nl - p) : strlen(p);
		if (n >= 8 && !strncmp(p, "libbpf: ", 8)) { /* libbpf's own prefix */
			p += 8;
			n -= 8;
		}
		if (n || !nl) {
			int vlog = remember(p, n, level);

			if (!quiet)
				log_msg(vlog ? LOG_LVL_DEBUG : lvl, "libbpf: %.*s", (int)n, p);
		}
		if (!nl)
			break;
		p = nl + 1;
	}
}

static int print_cb(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char small[1024], *buf = small;
	va_list ap2;
	int n;

	/* A verifier log is one message of any length: format it whole. */
	va_copy(ap2, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n >= (int)sizeof(small)) {
		buf = malloc((size_t)n + 1);
		if (buf)
			vsnprintf(buf, (size_t)n + 1, fmt, ap2);
		else
			buf = small; /* cut, but still something */
	}
	va_end(ap2);
	bpflog_feed(level, buf);
	if (buf != small)
		free(buf);
	return 0;
}

void bpflog_hook(void)
{
	libbpf_set_print(print_cb);
}

void bpflog_why(struct bpflog_why *w)
{
	int i, first = (tail_next - cur.ntail + BPFLOG_TAIL) % BPFLOG_TAIL;

	*w = cur;
	/* The tail ring, oldest first. */
	for (i = 0; i < cur.ntail; i++)
		memcpy(w->tail[i], cur.tail[(first + i) % BPFLOG_TAIL], BPFLOG_LINE);
}

/* The first way the map pinned at path differs from what the object declares. */
static void pinned_mismatch(struct bpf_object *obj, const char *path, char *buf, size_t len)
{
	struct bpf_map_info info;
	__u32 ilen = sizeof(info);
	struct bpf_map *map;
	int fd;

	snprintf(buf, len, "its type, sizes or flags differ");
	bpf_object__for_each_map (map, obj) {
		const char *pp = bpf_map__pin_path(map);

		if (!pp || strcmp(pp, path))
			continue;
		fd = bpf_obj_get(path);
		memset(&info, 0, sizeof(info));
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &ilen)) {
			if (fd >= 0)
				close(fd);
			return;
		}
		close(fd);
		if (info.type != bpf_map__type(map))
			snprintf(buf, len, "map type %u, this hbpfd needs %u", info.type,
				 bpf_map__type(map));
		else if (info.key_size != bpf_map__key_size(map))
			snprintf(buf, len, "key size %u, this hbpfd needs %u", info.key_size,
				 bpf_map__key_size(map));
		else if (info.value_size != bpf_map__value_size(map))
			snprintf(buf, len, "value size %u, this hbpfd needs %u", info.value_size,
				 bpf_map__value_size(map));
		else if (info.max_entries != bpf_map__max_entries(map))
			snprintf(buf, len, "%u entries, this hbpfd needs %u", info.max_entries,
				 bpf_map__max_entries(map));
		else if (info.map_flags != bpf_map__map_flags(map))
			snprintf(buf, len, "flags 0x%x, this hbpfd needs 0x%x", info.map_flags,
				 bpf_map__map_flags(map));
		return;
	}
}

void bpflog_explain_load(struct bpf_object *obj, int err, const char *pin_dir)
{
	struct bpflog_why w;
	char diff[96];

	bpflog_why(&w);
	switch (w.kind) {
	case BPFLOG_VERIFIER:
		log_msg(LOG_LVL_ERR,
			"the kernel's verifier refused program %s (%s); the last %d lines of its "
			"log (hbpfd -v logs all of it):",
			w.prog, *w.load_err ? w.load_err : strerror(-err), w.ntail);
		for (int i = 0; i < w.ntail; i++)
			log_msg(LOG_LVL_ERR, "  verifier: %s", w.tail[i]);
		break;
	case BPFLOG_PINNED:
		pinned_mismatch(obj, w.pin_path, diff, sizeof(diff));
		log_msg(LOG_LVL_ERR,
			"the map pinned at %s has another layout (%s): another hbpf build "
			"pinned it; stop the hbpfd using %s and remove its state (hbpfd -u), "
			"or use another pin root (-p)",
			w.pin_path, diff, pin_dir);
		break;
	default:
		if (*w.prog)
			log_msg(LOG_LVL_ERR, "the kernel refused program %s: %s", w.prog,
				*w.load_err ? w.load_err : strerror(-err));
		else
			log_msg(LOG_LVL_ERR, "cannot load the BPF programs: %s%s%s", strerror(-err),
				*w.last_warn ? " (libbpf: " : "", *w.last_warn ? w.last_warn : "");
		if (*w.last_warn && *w.prog)
			log_msg(LOG_LVL_ERR, "  libbpf: %s", w.last_warn);
	}
}
