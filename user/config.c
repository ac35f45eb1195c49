// SPDX-License-Identifier: GPL-2.0-only
/*
 * hbpf.conf parser.  Hand-written and strict: one directive per line, every
 * value checked where it is read, cross references (link names, node names,
 * unique addresses) checked once the whole file is read, and the first error
 * reported as "file:line: what is wrong".  Syntax: man/hbpf.conf.5.
 *
 * This file reads the text: value parsers, directives, lines and blocks.  The
 * checks that need the whole file, the dump and the lookups are in
 * config_check.c; the parser state both share is in config_int.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_int.h"
#include "util.h"

#define LINE_MAX_BYTES 1024
#define MAX_TOKENS 24
#define FILE_MAX_BYTES (1 << 20)
#define IFNAME_MAX 15 /* IFNAMSIZ - 1 */

static const char *const ctx_where[CTX_N] = {"at top level", "in a node block", "in a set block",
					     "in a service block", "in a diskgroup block"};

struct args {
	char *rest; /* everything after the directive word, trimmed */
	int ntok;
	char *tok[MAX_TOKENS];
};

struct directive {
	const char *name;
	int ctx;	   /* CTX_* it belongs to */
	const char *usage; /* shown when the values do not fit */
	int min, max;	   /* value count; max < 0: the rest of the line */
	int multi;	   /* may appear more than once per block */
	int block;	   /* opens a block with '{' */
	int (*fn)(struct parser *p, struct args *a); /* or NULL: a plain value */
	int type;				     /* V_*: how a plain value is parsed */
	int target;				     /* T_*: the struct it is stored in */
	size_t off;				     /* offset of the field in that struct */
	uint32_t lo, hi; /* range (ms for durations), or the buffer size */
};

enum { V_NONE, V_U32, V_MS, V_CMD };
enum { T_NONE, T_TOP, T_SVC, T_DG };

static int verr(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

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
static int verr(struct parser *p, const char *fmt, ...)
{
	char msg[LINE_MAX_BYTES + 128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return config_perr(p, p->line, "%s%s: %s", p->prefix, p->dir->name, msg);
}

static char *trim(char *s)
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

static int get_u32(struct parser *p, const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	const char *end;
	uint64_t v;
	int err;

	err = parse_digits(s, &end, &v);
	if (err == -EINVAL || (!err && *end))
		return verr(p, "\"%s\" is not a number (expected an integer %u..%u)", s, lo, hi);
	if (err || v < lo || v > hi)
		return verr(p, "%s is out of range (%u..%u)", s, lo, hi);
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
static int get_ms(struct parser *p, const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	char a[16], b[16];
	const char *end;
	uint64_t v;
	int err;

	err = parse_digits(s, &end, &v);
	if (err == -EINVAL)
		return verr(p, "\"%s\" is not a duration (expected e.g. 500ms or 2s)", s);
	if (!err && *end == '.')
		return verr(p, "\"%s\": durations are whole numbers (use ms)", s);
	if (!err && !*end)
		return verr(p, "\"%s\" needs a unit (ms or s)", s);
	if (!err && strcmp(end, "ms") && strcmp(end, "s"))
		return verr(p, "\"%s\": unknown unit \"%s\" (expected ms or s)", s, end);
	if (!err && !strcmp(end, "s"))
		v *= 1000;
	if (err || v < lo || v > hi)
		return verr(p, "%s is out of range (%s..%s)", s, config_fmt_ms(a, sizeof(a), lo),
			    config_fmt_ms(b, sizeof(b), hi));
	*out = (uint32_t)v;
	return 0;
}

static int get_name(struct parser *p, const char *what, const char *s, char *out)
{
	if (strlen(s) >= HBPF_NAME_MAX)
		return verr(p, "%s \"%s\" is longer than %d characters", what, s,
			    HBPF_NAME_MAX - 1);
	if (!*s || name_bad_at(s) >= 0)
		return verr(p, "%s \"%s\" may only use letters, digits, '_', '.' and '-'", what, s);
	strcpy(out, s);
	return 0;
}

static int get_ifname(struct parser *p, const char *s, char *out)
{
	if (strlen(s) > IFNAME_MAX)
		return verr(p, "interface name \"%s\" is longer than %d characters", s, IFNAME_MAX);
	if (!*s || name_bad_at(s) >= 0 || !strcmp(s, ".") || !strcmp(s, ".."))
		return verr(p, "\"%s\" is not a valid interface name", s);
	strcpy(out, s);
	return 0;
}

static int get_ipv4(struct parser *p, const char *s, struct in_addr *out)
{
	uint32_t h;

	if (inet_pton(AF_INET, s, out) != 1)
		return verr(p, "\"%s\" is not an IPv4 address (expected a.b.c.d)", s);
	h = ntohl(out->s_addr);
	if ((h >> 24) == 0 || (h >> 24) == 127 || (h >> 24) >= 224)
		return verr(p, "%s is not a unicast address", s);
	return 0;
}

/* "cmd args", or "\"cmd args # not a comment\"": the rest of the line. */
static int get_cmd(struct parser *p, char *s, char *out, size_t outlen)
{
	if (*s == '"') {
		char *q = strchr(s + 1, '"');

		/* strip_comment() already refused an unbalanced quote */
		if (!q || *trim(q + 1))
			return verr(p, "text after the closing quote");
		*q = '\0';
		s++;
	}
	if (!*s)
		return verr(p, "empty command");
	if (strlen(s) >= outlen)
		return verr(p, "command is longer than %zu bytes", outlen - 1);
	strcpy(out, s);
	return 0;
}

static int get_bool(struct parser *p, const char *s, const char *yes, const char *no, int *out)
{
	if (!strcmp(s, yes))
		*out = 1;
	else if (!strcmp(s, no))
		*out = 0;
	else
		return verr(p, "\"%s\" is neither \"%s\" nor \"%s\"", s, yes, no);
	return 0;
}

static int parse_mac(const char *s, uint8_t mac[6])
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

/* ---- top-level directives --------------------------------------------- */

static int d_port(struct parser *p, struct args *a)
{
	uint32_t v;
	int err = get_u32(p, a->tok[0], 1, 65535, &v);

	if (err)
		return err;
	p->cfg->port = (uint16_t)v;
	return 0;
}

static int d_socket_group(struct parser *p, struct args *a)
{
	return get_name(p, "group", a->tok[0], p->cfg->socket_group);
}

static int d_links(struct parser *p, struct args *a)
{
	struct hbpf_config *c = p->cfg;
	int i, j, err;

	if (a->ntok > HBPF_MAX_LINKS)
		return verr(p, "%d links given, at most %d are supported", a->ntok, HBPF_MAX_LINKS);
	for (i = 0; i < a->ntok; i++) {
		err = get_name(p, "link name", a->tok[i], c->link_names[i]);
		if (err)
			return err;
		for (j = 0; j < i; j++)
			if (!strcmp(c->link_names[j], a->tok[i]))
				return verr(p, "link \"%s\" is listed twice", a->tok[i]);
	}
	c->nlinks = a->ntok;
	return 0;
}

/* Enter a block; errors inside it name it.  parse_line() resets its "seen". */
static void open_block(struct parser *p, int ctx)
{
	p->ctx = ctx;
	p->block_line[ctx] = p->line;
	if (ctx == CTX_NODE)
		snprintf(p->prefix, sizeof(p->prefix), "node %s: ", p->node->name);
	else if (ctx == CTX_SET)
		snprintf(p->prefix, sizeof(p->prefix), "set %s: ", p->set->name);
	else if (ctx == CTX_DG)
		snprintf(p->prefix, sizeof(p->prefix), "diskgroup %s: ", p->dg->name);
	else
		snprintf(p->prefix, sizeof(p->prefix), "set %s: service %s: ", p->set->name,
			 p->svc->name);
}

static int d_node(struct parser *p, struct args *a)
{
	struct hbpf_config *c = p->cfg;
	struct hbpf_cfg_node *n;
	int i, err;

	if (c->nnodes >= HBPF_MAX_NODES)
		return verr(p, "too many nodes (at most %d)", HBPF_MAX_NODES);
	for (i = 0; i < c->nnodes; i++)
		if (!strcmp(c->nodes[i].name, a->tok[0]))
			return verr(p, "node \"%s\" is already defined on line %d", a->tok[0],
				    c->nodes[i].line);
	n = &c->nodes[c->nnodes];
	err = get_name(p, "node name", a->tok[0], n->name);
	if (err)
		return err;
	n->line = p->line;
	c->nnodes++;
	p->node = n;
	open_block(p, CTX_NODE);
	return 0;
}

static int d_set(struct parser *p, struct args *a)
{
	struct hbpf_config *c = p->cfg;
	struct hbpf_cfg_set *s;
	int i, err;

	if (c->nsets >= HBPF_MAX_SETS)
		return verr(p, "too many sets (at most %d)", HBPF_MAX_SETS);
	for (i = 0; i < c->nsets; i++)
		if (!strcmp(c->sets[i].name, a->tok[0]))
			return verr(p, "set \"%s\" is already defined on line %d", a->tok[0],
				    c->sets[i].line);
	s = &c->sets[c->nsets];
	err = get_name(p, "set name", a->tok[0], s->name);
	if (err)
		return err;
	s->id = (uint8_t)c->nsets;
	s->line = p->line;
	s->autofailover = 1;
	s->failback = HBPF_FAILBACK_MANUAL;
	s->failback_after_ms = 1000;
	s->on_failure = HBPF_ONFAIL_FAILOVER;
	s->dampen_moves = 3;
	s->dampen_window_ms = 300000;
	c->nsets++;
	p->set = s;
	open_block(p, CTX_SET);
	return 0;
}

static int d_diskgroup(struct parser *p, struct args *a)
{
	struct hbpf_config *c = p->cfg;
	struct hbpf_cfg_dg *g;
	int i, err;

	if (c->ndgs >= HBPF_MAX_DGS)
		return verr(p, "too many disk groups (at most %d)", HBPF_MAX_DGS);
	for (i = 0; i < c->ndgs; i++)
		if (!strcmp(c->dgs[i].name, a->tok[0]))
			return verr(p, "disk group \"%s\" is already defined on line %d", a->tok[0],
				    c->dgs[i].line);
	g = &c->dgs[c->ndgs];
	err = get_name(p, "disk group name", a->tok[0], g->name);
	if (err)
		return err;
	g->line = p->line;
	g->fsck_parallel = 4;
	g->kill_grace_ms = 1000;
	g->set = -1;
	c->ndgs++;
	p->dg = g;
	open_block(p, CTX_DG);
	return 0;
}

/* ---- disk group directives -------------------------------------------- */

/* A device path: absolute, no "." or ".." step that would hide what is meant. */
static int get_devpath(struct parser *p, const char *s, char *out)
{
	if (s[0] != '/')
		return verr(p, "\"%s\" is not an absolute path", s);
	if (strlen(s) >= HBPF_PATH_MAX)
		return verr(p, "path is longer than %d characters", HBPF_PATH_MAX - 1);
	/* The suffix tests only once the path is long enough ("/" is 1 byte). */
	if (strstr(s, "/./") || strstr(s, "/../") ||
	    (strlen(s) >= 2 && !strcmp(s + strlen(s) - 2, "/.")) ||
	    (strlen(s) >= 3 && !strcmp(s + strlen(s) - 3, "/..")))
		return verr(p, "\"%s\": \".\" and \"..\" are not allowed in the path", s);
	strcpy(out, s);
	return 0;
}

/* "key-file PATH": the heartbeat key file (checked and read by hbpfd). */
static int d_key_file(struct parser *p, struct args *a)
{
	return get_devpath(p, a->tok[0], p->cfg->key_file);
}

/* "state-dir PATH": where hbpfd keeps the record of the sets it holds. */
static int d_state_dir(struct parser *p, struct args *a)
{
	return get_devpath(p, a->tok[0], p->cfg->state_dir);
}

/*
 * "tie-breaker none" or "tie-breaker ADDRESS [interval DURATION]
 * [timeout DURATION]".  Interval and timeout left at 0 get their defaults
 * from the daemon deadline once the whole file is read (config_check.c).
 */
static int d_tiebreak(struct parser *p, struct args *a)
{
	struct hbpf_config *c = p->cfg;
	int i, err, seen_iv = 0, seen_to = 0;

	if (!strcmp(a->tok[0], "none")) {
		if (a->ntok > 1)
			return verr(p, "\"none\" takes no options");
		c->tiebreak = HBPF_TB_NONE;
		return 0;
	}
	err = get_ipv4(p, a->tok[0], &c->tb_addr);
	if (err)
		return err;
	for (i = 1; i < a->ntok; i += 2) {
		int iv = !strcmp(a->tok[i], "interval");

		if (!iv && strcmp(a->tok[i], "timeout"))
			return verr(p, "unknown option \"%s\" (expected interval or timeout)",
				    a->tok[i]);
		if ((iv && seen_iv) || (!iv && seen_to))
			return verr(p, "\"%s\" given twice", a->tok[i]);
		if (i + 1 >= a->ntok)
			return verr(p, "\"%s\" needs a duration", a->tok[i]);
		err = get_ms(p, a->tok[i + 1], 1, 60000,
			     iv ? &c->tb_interval_ms : &c->tb_timeout_ms);
		if (err)
			return err;
		seen_iv |= iv;
		seen_to |= !iv;
	}
	c->tiebreak = HBPF_TB_ADDRESS;
	return 0;
}

/*
 * "meta PATH" (required, once) or "meta NODE PATH" (once per node).  The
 * node may be defined further down: its path waits in meta_node[k], in file
 * order, until finish_dgs() moves it to the node's id.
 */
static int d_meta(struct parser *p, struct args *a)
{
	struct hbpf_cfg_dg *g = p->dg;
	int gi = (int)(g - p->cfg->dgs), k, err;
	char node[HBPF_NAME_MAX];

	if (a->ntok == 1) {
		if (p->dg_meta_line[gi])
			return verr(p, "the metadata device is already given on line %d",
				    p->dg_meta_line[gi]);
		err = get_devpath(p, a->tok[0], g->meta);
		if (!err)
			p->dg_meta_line[gi] = p->line;
		return err;
	}
	err = get_name(p, "node name", a->tok[0], node);
	if (err)
		return err;
	for (k = 0; k < p->dg_nover[gi]; k++)
		if (!strcmp(p->dg_over_node[gi][k], node))
			return verr(p, "node \"%s\" already has a metadata path on line %d", node,
				    p->dg_over_line[gi][k]);
	if (k >= HBPF_MAX_NODES)
		return verr(p, "too many per-node paths (at most %d)", HBPF_MAX_NODES);
	err = get_devpath(p, a->tok[1], g->meta_node[k]);
	if (err)
		return err;
	strcpy(p->dg_over_node[gi][k], node);
	p->dg_over_line[gi][k] = p->line;
	p->dg_nover[gi]++;
	return 0;
}

/* ---- node directives -------------------------------------------------- */

static int d_id(struct parser *p, struct args *a)
{
	struct hbpf_config *c = p->cfg;
	uint32_t v;
	int i, err;

	err = get_u32(p, a->tok[0], 0, HBPF_MAX_NODES - 1, &v);
	if (err)
		return err;
	for (i = 0; i < c->nnodes - 1; i++)
		if (c->nodes[i].id == v)
			return verr(p, "id %u is already used by node \"%s\"", v, c->nodes[i].name);
	p->node->id = (uint8_t)v;
	return 0;
}

static int d_public(struct parser *p, struct args *a)
{
	return get_ifname(p, a->tok[0], p->node->public_if);
}

/* Kept in file order here; finish_nodes() puts them in link-index order. */
static int d_link(struct parser *p, struct args *a)
{
	struct hbpf_cfg_node *n = p->node;
	struct hbpf_cfg_link *l;
	int i, err;

	if (n->nlinks >= HBPF_MAX_LINKS)
		return verr(p, "too many links (at most %d)", HBPF_MAX_LINKS);
	for (i = 0; i < n->nlinks; i++)
		if (!strcmp(n->links[i].name, a->tok[0]))
			return verr(p, "link \"%s\" is already given on line %d", a->tok[0],
				    n->links[i].line);
	l = &n->links[n->nlinks];
	err = get_name(p, "link name", a->tok[0], l->name);
	if (!err)
		err = get_ifname(p, a->tok[1], l->ifname);
	if (!err)
		err = get_ipv4(p, a->tok[2], &l->addr);
	if (err)
		return err;
	l->line = p->line;
	n->nlinks++;
	return 0;
}

/* ---- set directives --------------------------------------------------- */

static int d_vip(struct parser *p, struct args *a)
{
	struct hbpf_config *c = p->cfg;
	struct hbpf_cfg_set *s = p->set;
	struct hbpf_cfg_vip *v;
	char *slash = strchr(a->tok[0], '/');
	uint32_t prefix = 32;
	int i, j, err;

	if (s->nvips >= HBPF_MAX_SET_VIPS)
		return verr(p, "too many VIPs in one set (at most %d)", HBPF_MAX_SET_VIPS);
	if (p->vips_total >= HBPF_MAX_VIPS)
		return verr(p, "too many VIPs (at most %d in all sets)", HBPF_MAX_VIPS);
	if (slash) {
		*slash = '\0';
		err = get_u32(p, slash + 1, 1, 32, &prefix);
		if (err)
			return err;
	}
	v = &s->vips[s->nvips];
	err = get_ipv4(p, a->tok[0], &v->addr);
	if (err)
		return err;
	for (i = 0; i < c->nsets; i++)
		for (j = 0; j < c->sets[i].nvips; j++)
			if (c->sets[i].vips[j].addr.s_addr == v->addr.s_addr)
				return verr(p, "%s is already a VIP of set \"%s\" (line %d)",
					    a->tok[0], c->sets[i].name, c->sets[i].vips[j].line);
	v->prefix = (uint8_t)prefix;
	v->line = p->line;
	s->nvips++;
	p->vips_total++;
	return 0;
}

static int d_vmac(struct parser *p, struct args *a)
{
	uint8_t *m = p->set->vmac;

	if (parse_mac(a->tok[0], m))
		return verr(p, "\"%s\" is not a MAC address (expected xx:xx:xx:xx:xx:xx)",
			    a->tok[0]);
	if (m[0] & 1)
		return verr(p, "%s is a multicast MAC (bit 0 of the first octet must be clear)",
			    a->tok[0]);
	if (!(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]))
		return verr(p, "the all-zero MAC is not usable");
	p->set_vmac_line[p->set->id] = p->line;
	return 0;
}

static int d_nodes(struct parser *p, struct args *a)
{
	int id = p->set->id, i, j, err;

	if (a->ntok > HBPF_MAX_NODES)
		return verr(p, "%d nodes given, at most %d", a->ntok, HBPF_MAX_NODES);
	for (i = 0; i < a->ntok; i++) {
		err = get_name(p, "node name", a->tok[i], p->set_names[id][i]);
		if (err)
			return err;
		for (j = 0; j < i; j++)
			if (!strcmp(p->set_names[id][j], a->tok[i]))
				return verr(p, "node \"%s\" is listed twice", a->tok[i]);
	}
	p->set_nnames[id] = a->ntok;
	p->set_nodes_line[id] = p->line;
	return 0;
}

static int d_autofailover(struct parser *p, struct args *a)
{
	return get_bool(p, a->tok[0], "yes", "no", &p->set->autofailover);
}

/* "failback manual", "failback auto", "failback auto after DURATION". */
static int d_failback(struct parser *p, struct args *a)
{
	int autofb = 0, err = get_bool(p, a->tok[0], "auto", "manual", &autofb);

	if (err)
		return err;
	p->set->failback = autofb ? HBPF_FAILBACK_AUTO : HBPF_FAILBACK_MANUAL;
	if (a->ntok == 1)
		return 0;
	if (a->ntok != 3 || strcmp(a->tok[1], "after"))
		return verr(p, "expected \"%s\"", p->dir->usage);
	if (!autofb)
		return verr(p, "a delay (\"after\") only goes with \"auto\"");
	return get_ms(p, a->tok[2], 0, 86400000, &p->set->failback_after_ms);
}

/*
 * "COUNT in DURATION" (restart, dampen): at most COUNT events within a
 * window of 1s..1 day.  A bare "0" needs no window (restart 0: none).
 */
static int get_rate(struct parser *p, struct args *a, uint32_t lo, uint32_t hi, uint32_t *count,
		    uint32_t *window_ms)
{
	int err = get_u32(p, a->tok[0], lo, hi, count);

	if (err)
		return err;
	if (a->ntok == 1 && !*count) {
		*window_ms = 0;
		return 0;
	}
	if (a->ntok == 1)
		return verr(p, "a count needs a window (e.g. \"%s %u in 60s\")", p->dir->name,
			    *count);
	if (a->ntok != 3)
		return verr(p, "expected \"%s\"", p->dir->usage);
	if (strcmp(a->tok[1], "in"))
		return verr(p, "expected \"in\" between the count and the window, not \"%s\"",
			    a->tok[1]);
	return get_ms(p, a->tok[2], 1000, 86400000, window_ms);
}

static int d_xdp_mode(struct parser *p, struct args *a)
{
	static const char *const names[] = {[HBPF_XDP_AUTO] = "auto",
					    [HBPF_XDP_NATIVE] = "native",
					    [HBPF_XDP_GENERIC] = "generic"};

	for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (!strcmp(a->tok[0], names[i])) {
			p->cfg->xdp_mode = i;
			return 0;
		}
	return verr(p, "\"%s\" is not one of auto, native, generic", a->tok[0]);
}

static int d_on_failure(struct parser *p, struct args *a)
{
	static const char *const names[] = {[HBPF_ONFAIL_FAILOVER] = "failover",
					    [HBPF_ONFAIL_HALT] = "halt",
					    [HBPF_ONFAIL_IGNORE] = "ignore"};
	int i;

	for (i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (!strcmp(a->tok[0], names[i])) {
			p->set->on_failure = i;
			return 0;
		}
	return verr(p, "\"%s\" is not one of failover, halt, ignore", a->tok[0]);
}

/* "dampen COUNT in DURATION" or "dampen off". */
static int d_dampen(struct parser *p, struct args *a)
{
	struct hbpf_cfg_set *s = p->set;

	if (a->ntok == 1 && !strcmp(a->tok[0], "off")) {
		s->dampen_moves = 0;
		s->dampen_window_ms = 0;
		return 0;
	}
	return get_rate(p, a, 1, HBPF_MAX_DAMPEN, &s->dampen_moves, &s->dampen_window_ms);
}

static int d_restart(struct parser *p, struct args *a)
{
	return get_rate(p, a, 0, HBPF_MAX_RESTARTS, &p->svc->restart_max,
			&p->svc->restart_window_ms);
}

/* "diskgroup NAME" in a set: resolved by finish_sets(), groups may come later. */
static int d_set_dg(struct parser *p, struct args *a)
{
	int id = p->set->id, n = p->set_ndgs[id], i, err;

	for (i = 0; i < n; i++)
		if (!strcmp(p->set_dg_names[id][i], a->tok[0]))
			return verr(p, "disk group \"%s\" is already listed on line %d", a->tok[0],
				    p->set_dg_line[id][i]);
	if (n >= HBPF_MAX_SET_DGS)
		return verr(p, "too many disk groups (at most %d per set)", HBPF_MAX_SET_DGS);
	err = get_name(p, "disk group name", a->tok[0], p->set_dg_names[id][n]);
	if (err)
		return err;
	p->set_dg_line[id][n] = p->line;
	p->set_ndgs[id]++;
	return 0;
}

static int d_service(struct parser *p, struct args *a)
{
	struct hbpf_cfg_set *s = p->set;
	struct hbpf_cfg_service *v;
	int i, err;

	if (s->nservices >= HBPF_MAX_SERVICES)
		return verr(p, "too many services (at most %d per set)", HBPF_MAX_SERVICES);
	for (i = 0; i < s->nservices; i++)
		if (!strcmp(s->services[i].name, a->tok[0]))
			return verr(p, "service \"%s\" is already defined on line %d", a->tok[0],
				    s->services[i].line);
	v = &s->services[s->nservices];
	err = get_name(p, "service name", a->tok[0], v->name);
	if (err)
		return err;
	v->line = p->line;
	v->timeout_ms = 10000;
	v->monitor_interval_ms = 5000;
	s->nservices++;
	p->svc = v;
	open_block(p, CTX_SERVICE);
	return 0;
}

/* ---- the directive table ---------------------------------------------- */

#define TOP(f) T_TOP, offsetof(struct hbpf_config, f)
#define SVC(f) T_SVC, offsetof(struct hbpf_cfg_service, f)
#define DG(f) T_DG, offsetof(struct hbpf_cfg_dg, f)
#define CMD(f) sizeof(((struct hbpf_cfg_service *)0)->f)
#define FN(f) f, V_NONE, T_NONE, 0, 0, 0

static const struct directive directives[] = {
	{"cluster", CTX_TOP, "cluster ID", 1, 1, 0, 0, NULL, V_U32, TOP(cluster), 1, UINT32_MAX},
	{"port", CTX_TOP, "port NUMBER", 1, 1, 0, 0, FN(d_port)},
	{"interval", CTX_TOP, "interval DURATION", 1, 1, 0, 0, NULL, V_MS, TOP(interval_ms), 1,
	 1000},
	{"detect-mult", CTX_TOP, "detect-mult NUMBER", 1, 1, 0, 0, NULL, V_U32, TOP(detect_mult), 2,
	 100},
	{"daemon-deadline", CTX_TOP, "daemon-deadline DURATION", 1, 1, 0, 0, NULL, V_MS,
	 TOP(daemon_deadline_ms), 1, 60000},
	{"garp-count", CTX_TOP, "garp-count NUMBER", 1, 1, 0, 0, NULL, V_U32, TOP(garp_count), 1,
	 50},
	{"garp-spacing", CTX_TOP, "garp-spacing DURATION", 1, 1, 0, 0, NULL, V_MS,
	 TOP(garp_spacing_ms), 0, 1000},
	{"notify", CTX_TOP, "notify COMMAND", 1, -1, 0, 0, NULL, V_CMD, TOP(notify), 0,
	 HBPF_CMD_MAX},
	{"socket-group", CTX_TOP, "socket-group GROUP", 1, 1, 0, 0, FN(d_socket_group)},
	{"key-file", CTX_TOP, "key-file PATH", 1, 1, 0, 0, FN(d_key_file)},
	{"state-dir", CTX_TOP, "state-dir PATH", 1, 1, 0, 0, FN(d_state_dir)},
	{"tie-breaker", CTX_TOP, "tie-breaker ADDRESS [interval DURATION] [timeout DURATION]|none",
	 1, 5, 0, 0, FN(d_tiebreak)},
	{"xdp-mode", CTX_TOP, "xdp-mode auto|native|generic", 1, 1, 0, 0, FN(d_xdp_mode)},
	{"links", CTX_TOP, "links NAME...", 1, MAX_TOKENS, 0, 0, FN(d_links)},
	{"node", CTX_TOP, "node NAME {", 1, 1, 1, 1, FN(d_node)},
	{"set", CTX_TOP, "set NAME {", 1, 1, 1, 1, FN(d_set)},
	{"diskgroup", CTX_TOP, "diskgroup NAME {", 1, 1, 1, 1, FN(d_diskgroup)},
	{"id", CTX_NODE, "id NUMBER", 1, 1, 0, 0, FN(d_id)},
	{"public", CTX_NODE, "public IFNAME", 1, 1, 0, 0, FN(d_public)},
	{"link", CTX_NODE, "link NAME IFNAME ADDRESS", 3, 3, 1, 0, FN(d_link)},
	{"vip", CTX_SET, "vip ADDRESS[/PREFIX]", 1, 1, 1, 0, FN(d_vip)},
	{"vmac", CTX_SET, "vmac xx:xx:xx:xx:xx:xx", 1, 1, 0, 0, FN(d_vmac)},
	{"nodes", CTX_SET, "nodes NODE...", 1, MAX_TOKENS, 0, 0, FN(d_nodes)},
	{"autofailover", CTX_SET, "autofailover yes|no", 1, 1, 0, 0, FN(d_autofailover)},
	{"failback", CTX_SET, "failback manual|auto [after DURATION]", 1, 3, 0, 0, FN(d_failback)},
	{"on-failure", CTX_SET, "on-failure failover|halt|ignore", 1, 1, 0, 0, FN(d_on_failure)},
	{"dampen", CTX_SET, "dampen COUNT in DURATION|off", 1, 3, 0, 0, FN(d_dampen)},
	{"diskgroup", CTX_SET, "diskgroup NAME", 1, 1, 1, 0, FN(d_set_dg)},
	{"service", CTX_SET, "service NAME {", 1, 1, 1, 1, FN(d_service)},
	{"start", CTX_SERVICE, "start COMMAND", 1, -1, 0, 0, NULL, V_CMD, SVC(start), 0,
	 CMD(start)},
	{"stop", CTX_SERVICE, "stop COMMAND", 1, -1, 0, 0, NULL, V_CMD, SVC(stop), 0, CMD(stop)},
	{"monitor", CTX_SERVICE, "monitor COMMAND", 1, -1, 0, 0, NULL, V_CMD, SVC(monitor), 0,
	 CMD(monitor)},
	{"timeout", CTX_SERVICE, "timeout DURATION", 1, 1, 0, 0, NULL, V_MS, SVC(timeout_ms), 1,
	 600000},
	{"interval", CTX_SERVICE, "interval DURATION", 1, 1, 0, 0, NULL, V_MS,
	 SVC(monitor_interval_ms), 1, 3600000},
	{"restart", CTX_SERVICE, "restart COUNT in DURATION", 1, 3, 0, 0, FN(d_restart)},
	{"meta", CTX_DG, "meta [NODE] PATH", 1, 2, 1, 0, FN(d_meta)},
	{"fsck-parallel", CTX_DG, "fsck-parallel NUMBER", 1, 1, 0, 0, NULL, V_U32,
	 DG(fsck_parallel), 1, 64},
	{"kill-grace", CTX_DG, "kill-grace DURATION", 1, 1, 0, 0, NULL, V_MS, DG(kill_grace_ms), 0,
	 60000},
	{0},
};

#define NDIRECTIVES (sizeof(directives) / sizeof(directives[0]) - 1)

/* A directive whose value goes straight into a field. */
static int set_value(struct parser *p, const struct directive *d, struct args *a)
{
	char *base = d->target == T_TOP ? (char *)p->cfg :
		     d->target == T_DG	? (char *)p->dg :
					  (char *)p->svc;
	char *field = base + d->off;

	switch (d->type) {
	case V_U32:
		return get_u32(p, a->tok[0], d->lo, d->hi, (uint32_t *)field);
	case V_MS:
		return get_ms(p, a->tok[0], d->lo, d->hi, (uint32_t *)field);
	default:
		return get_cmd(p, a->rest, field, d->hi);
	}
}

int config_lookup(int ctx, const char *name)
{
	int i;

	for (i = 0; directives[i].name; i++)
		if ((ctx < 0 || directives[i].ctx == ctx) && !strcmp(directives[i].name, name))
			return i;
	return -1;
}

/* ---- lines and blocks ------------------------------------------------- */

static int require(struct parser *p, int ctx, const char *name)
{
	if (p->seen[config_lookup(ctx, name)])
		return 0;
	return config_perr(p, p->block_line[ctx], "%smissing \"%s\" (required)", p->prefix, name);
}

static int close_block(struct parser *p)
{
	int err = 0;

	switch (p->ctx) {
	case CTX_TOP:
		return config_perr(p, p->line, "unexpected \"}\" (no block is open)");
	case CTX_NODE:
		err = require(p, CTX_NODE, "id");
		if (!err)
			err = require(p, CTX_NODE, "public");
		p->ctx = CTX_TOP;
		break;
	case CTX_SET:
		err = require(p, CTX_SET, "vip");
		if (!err)
			err = require(p, CTX_SET, "nodes");
		p->ctx = CTX_TOP;
		break;
	case CTX_SERVICE:
		err = require(p, CTX_SERVICE, "start");
		if (!err)
			err = require(p, CTX_SERVICE, "stop");
		p->ctx = CTX_SET;
		break;
	case CTX_DG:
		if (!p->dg_meta_line[p->dg - p->cfg->dgs])
			err = config_perr(p, p->block_line[CTX_DG],
					  "%smissing \"meta PATH\" (required)", p->prefix);
		p->ctx = CTX_TOP;
		break;
	}
	if (p->ctx == CTX_TOP)
		p->prefix[0] = '\0';
	else
		snprintf(p->prefix, sizeof(p->prefix), "set %s: ", p->set->name);
	return err;
}

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
			return verr(p, "too many values (at most %d)", MAX_TOKENS);
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
	s = trim(s);
	if (!*s)
		return 0;
	if (!strcmp(s, "}"))
		return close_block(p);
	n = strlen(s);
	if (s[n - 1] == '{') {
		block = 1;
		s[n - 1] = '\0';
		s = trim(s);
		if (!*s)
			return config_perr(
				p, p->line,
				"\"{\" must end a directive line (e.g. \"node NAME {\")");
	}
	w = s;
	s += strcspn(s, " \t");
	if (*s)
		*s++ = '\0';
	a.rest = trim(s);

	idx = config_lookup(p->ctx, w);
	if (idx < 0) {
		if (w[0] == '}')
			return config_perr(p, p->line, "\"}\" must be alone on its line");
		idx = config_lookup(-1, w);
		if (idx < 0)
			return config_perr(p, p->line, "%sunknown directive \"%s\"", p->prefix, w);
		return config_perr(p, p->line, "%s\"%s\" is not allowed %s (it belongs %s)",
				   p->prefix, w, ctx_where[p->ctx], ctx_where[directives[idx].ctx]);
	}
	d = &directives[idx];
	p->dir = d;
	if (d->block && !block)
		return verr(p, "expected \"%s\"", d->usage);
	if (!d->block && block)
		return verr(p, "unexpected \"{\": \"%s\" does not open a block", d->name);
	if (!d->multi && p->seen[idx])
		return verr(p, "duplicate directive (first on line %d)", p->seen[idx]);
	if (d->max < 0) {
		a.ntok = 0;
		if (!*a.rest)
			return verr(p, "expected \"%s\"", d->usage);
	} else {
		strcpy(rest_copy, a.rest);
		err = tokenize(p, rest_copy, &a);
		if (err)
			return err;
		if (a.ntok < d->min || a.ntok > d->max)
			return verr(p, "expected \"%s\"", d->usage);
	}
	p->seen[idx] = p->line;
	if (!d->fn)
		return set_value(p, d, &a);
	err = d->fn(p, &a);
	if (!err && d->block)
		for (idx = 0; directives[idx].name; idx++)
			if (directives[idx].ctx == p->ctx)
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
	int seen[NDIRECTIVES] = {0};
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
