// SPDX-License-Identifier: GPL-2.0-only
/*
 * hbpf.conf, the directive layer: what each directive means (top level,
 * node, set, service and disk-group blocks), the table that names them with
 * their context, usage and value count, and the blocks they open and close.
 * Values are read with the parsers of config_value.c; lines are split and
 * dispatched here by config.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

/* ---- top-level directives --------------------------------------------- */

static int d_port(struct parser *p, struct args *a)
{
	uint32_t v;
	int err = cv_u32(p, a->tok[0], 1, 65535, &v);

	if (err)
		return err;
	p->cfg->port = (uint16_t)v;
	return 0;
}

static int d_socket_group(struct parser *p, struct args *a)
{
	return cv_name(p, "group", a->tok[0], p->cfg->socket_group);
}

static int d_links(struct parser *p, struct args *a)
{
	struct hbpf_config *c = p->cfg;
	int i, j, err;

	if (a->ntok > HBPF_MAX_LINKS)
		return config_verr(p, "%d links given, at most %d are supported", a->ntok,
				   HBPF_MAX_LINKS);
	for (i = 0; i < a->ntok; i++) {
		err = cv_name(p, "link name", a->tok[i], c->link_names[i]);
		if (err)
			return err;
		for (j = 0; j < i; j++)
			if (!strcmp(c->link_names[j], a->tok[i]))
				return config_verr(p, "link \"%s\" is listed twice", a->tok[i]);
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
		return config_verr(p, "too many nodes (at most %d)", HBPF_MAX_NODES);
	for (i = 0; i < c->nnodes; i++)
		if (!strcmp(c->nodes[i].name, a->tok[0]))
			return config_verr(p, "node \"%s\" is already defined on line %d",
					   a->tok[0], c->nodes[i].line);
	n = &c->nodes[c->nnodes];
	err = cv_name(p, "node name", a->tok[0], n->name);
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
		return config_verr(p, "too many sets (at most %d)", HBPF_MAX_SETS);
	for (i = 0; i < c->nsets; i++)
		if (!strcmp(c->sets[i].name, a->tok[0]))
			return config_verr(p, "set \"%s\" is already defined on line %d", a->tok[0],
					   c->sets[i].line);
	s = &c->sets[c->nsets];
	err = cv_name(p, "set name", a->tok[0], s->name);
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
		return config_verr(p, "too many disk groups (at most %d)", HBPF_MAX_DGS);
	for (i = 0; i < c->ndgs; i++)
		if (!strcmp(c->dgs[i].name, a->tok[0]))
			return config_verr(p, "disk group \"%s\" is already defined on line %d",
					   a->tok[0], c->dgs[i].line);
	g = &c->dgs[c->ndgs];
	err = cv_name(p, "disk group name", a->tok[0], g->name);
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
		return config_verr(p, "\"%s\" is not an absolute path", s);
	if (strlen(s) >= HBPF_PATH_MAX)
		return config_verr(p, "path is longer than %d characters", HBPF_PATH_MAX - 1);
	/* The suffix tests only once the path is long enough ("/" is 1 byte). */
	if (strstr(s, "/./") || strstr(s, "/../") ||
	    (strlen(s) >= 2 && !strcmp(s + strlen(s) - 2, "/.")) ||
	    (strlen(s) >= 3 && !strcmp(s + strlen(s) - 3, "/..")))
		return config_verr(p, "\"%s\": \".\" and \"..\" are not allowed in the path", s);
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
			return config_verr(p, "\"none\" takes no options");
		c->tiebreak = HBPF_TB_NONE;
		return 0;
	}
	err = cv_ipv4(p, a->tok[0], &c->tb_addr);
	if (err)
		return err;
	for (i = 1; i < a->ntok; i += 2) {
		int iv = !strcmp(a->tok[i], "interval");

		if (!iv && strcmp(a->tok[i], "timeout"))
			return config_verr(p,
					   "unknown option \"%s\" (expected interval or timeout)",
					   a->tok[i]);
		if ((iv && seen_iv) || (!iv && seen_to))
			return config_verr(p, "\"%s\" given twice", a->tok[i]);
		if (i + 1 >= a->ntok)
			return config_verr(p, "\"%s\" needs a duration", a->tok[i]);
		err = cv_ms(p, a->tok[i + 1], 1, 60000,
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
			return config_verr(p, "the metadata device is already given on line %d",
					   p->dg_meta_line[gi]);
		err = get_devpath(p, a->tok[0], g->meta);
		if (!err)
			p->dg_meta_line[gi] = p->line;
		return err;
	}
	err = cv_name(p, "node name", a->tok[0], node);
	if (err)
		return err;
	for (k = 0; k < p->dg_nover[gi]; k++)
		if (!strcmp(p->dg_over_node[gi][k], node))
			return config_verr(p, "node \"%s\" already has a metadata path on line %d",
					   node, p->dg_over_line[gi][k]);
	if (k >= HBPF_MAX_NODES)
		return config_verr(p, "too many per-node paths (at most %d)", HBPF_MAX_NODES);
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

	err = cv_u32(p, a->tok[0], 0, HBPF_MAX_NODES - 1, &v);
	if (err)
		return err;
	for (i = 0; i < c->nnodes - 1; i++)
		if (c->nodes[i].id == v)
			return config_verr(p, "id %u is already used by node \"%s\"", v,
					   c->nodes[i].name);
	p->node->id = (uint8_t)v;
	return 0;
}

static int d_public(struct parser *p, struct args *a)
{
	return cv_ifname(p, a->tok[0], p->node->public_if);
}

/* Kept in file order here; finish_nodes() puts them in link-index order. */
static int d_link(struct parser *p, struct args *a)
{
	struct hbpf_cfg_node *n = p->node;
	struct hbpf_cfg_link *l;
	int i, err;

	if (n->nlinks >= HBPF_MAX_LINKS)
		return config_verr(p, "too many links (at most %d)", HBPF_MAX_LINKS);
	for (i = 0; i < n->nlinks; i++)
		if (!strcmp(n->links[i].name, a->tok[0]))
			return config_verr(p, "link \"%s\" is already given on line %d", a->tok[0],
					   n->links[i].line);
	l = &n->links[n->nlinks];
	err = cv_name(p, "link name", a->tok[0], l->name);
	if (!err)
		err = cv_ifname(p, a->tok[1], l->ifname);
	if (!err)
		err = cv_ipv4(p, a->tok[2], &l->addr);
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
		return config_verr(p, "too many VIPs in one set (at most %d)", HBPF_MAX_SET_VIPS);
	if (p->vips_total >= HBPF_MAX_VIPS)
		return config_verr(p, "too many VIPs (at most %d in all sets)", HBPF_MAX_VIPS);
	if (slash) {
		*slash = '\0';
		err = cv_u32(p, slash + 1, 1, 32, &prefix);
		if (err)
			return err;
	}
	v = &s->vips[s->nvips];
	err = cv_ipv4(p, a->tok[0], &v->addr);
	if (err)
		return err;
	for (i = 0; i < c->nsets; i++)
		for (j = 0; j < c->sets[i].nvips; j++)
			if (c->sets[i].vips[j].addr.s_addr == v->addr.s_addr)
				return config_verr(p, "%s is already a VIP of set \"%s\" (line %d)",
						   a->tok[0], c->sets[i].name,
						   c->sets[i].vips[j].line);
	v->prefix = (uint8_t)prefix;
	v->line = p->line;
	s->nvips++;
	p->vips_total++;
	return 0;
}

static int d_vmac(struct parser *p, struct args *a)
{
	uint8_t *m = p->set->vmac;

	if (cv_mac(a->tok[0], m))
		return config_verr(p, "\"%s\" is not a MAC address (expected xx:xx:xx:xx:xx:xx)",
				   a->tok[0]);
	if (m[0] & 1)
		return config_verr(p,
				   "%s is a multicast MAC (bit 0 of the first octet must be clear)",
				   a->tok[0]);
	if (!(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]))
		return config_verr(p, "the all-zero MAC is not usable");
	p->set_vmac_line[p->set->id] = p->line;
	return 0;
}

static int d_nodes(struct parser *p, struct args *a)
{
	int id = p->set->id, i, j, err;

	if (a->ntok > HBPF_MAX_NODES)
		return config_verr(p, "%d nodes given, at most %d", a->ntok, HBPF_MAX_NODES);
	for (i = 0; i < a->ntok; i++) {
		err = cv_name(p, "node name", a->tok[i], p->set_names[id][i]);
		if (err)
			return err;
		for (j = 0; j < i; j++)
			if (!strcmp(p->set_names[id][j], a->tok[i]))
				return config_verr(p, "node \"%s\" is listed twice", a->tok[i]);
	}
	p->set_nnames[id] = a->ntok;
	p->set_nodes_line[id] = p->line;
	return 0;
}

static int d_autofailover(struct parser *p, struct args *a)
{
	return cv_bool(p, a->tok[0], "yes", "no", &p->set->autofailover);
}

/* "failback manual", "failback auto", "failback auto after DURATION". */
static int d_failback(struct parser *p, struct args *a)
{
	int autofb = 0, err = cv_bool(p, a->tok[0], "auto", "manual", &autofb);

	if (err)
		return err;
	p->set->failback = autofb ? HBPF_FAILBACK_AUTO : HBPF_FAILBACK_MANUAL;
	if (a->ntok == 1)
		return 0;
	if (a->ntok != 3 || strcmp(a->tok[1], "after"))
		return config_verr(p, "expected \"%s\"", p->dir->usage);
	if (!autofb)
		return config_verr(p, "a delay (\"after\") only goes with \"auto\"");
	return cv_ms(p, a->tok[2], 0, 86400000, &p->set->failback_after_ms);
}

/*
 * "COUNT in DURATION" (restart, dampen): at most COUNT events within a
 * window of 1s..1 day.  A bare "0" needs no window (restart 0: none).
 */
static int get_rate(struct parser *p, struct args *a, uint32_t lo, uint32_t hi, uint32_t *count,
		    uint32_t *window_ms)
{
	int err = cv_u32(p, a->tok[0], lo, hi, count);

	if (err)
		return err;
	if (a->ntok == 1 && !*count) {
		*window_ms = 0;
		return 0;
	}
	if (a->ntok == 1)
		return config_verr(p, "a count needs a window (e.g. \"%s %u in 60s\")",
				   p->dir->name, *count);
	if (a->ntok != 3)
		return config_verr(p, "expected \"%s\"", p->dir->usage);
	if (strcmp(a->tok[1], "in"))
		return config_verr(p,
				   "expected \"in\" between the count and the window, not \"%s\"",
				   a->tok[1]);
	return cv_ms(p, a->tok[2], 1000, 86400000, window_ms);
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
	return config_verr(p, "\"%s\" is not one of auto, native, generic", a->tok[0]);
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
	return config_verr(p, "\"%s\" is not one of failover, halt, ignore", a->tok[0]);
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
			return config_verr(p, "disk group \"%s\" is already listed on line %d",
					   a->tok[0], p->set_dg_line[id][i]);
	if (n >= HBPF_MAX_SET_DGS)
		return config_verr(p, "too many disk groups (at most %d per set)",
				   HBPF_MAX_SET_DGS);
	err = cv_name(p, "disk group name", a->tok[0], p->set_dg_names[id][n]);
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
		return config_verr(p, "too many services (at most %d per set)", HBPF_MAX_SERVICES);
	for (i = 0; i < s->nservices; i++)
		if (!strcmp(s->services[i].name, a->tok[0]))
			return config_verr(p, "service \"%s\" is already defined on line %d",
					   a->tok[0], s->services[i].line);
	v = &s->services[s->nservices];
	err = cv_name(p, "service name", a->tok[0], v->name);
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

const struct directive config_directives[] = {
	{"cluster", CTX_TOP, "cluster ID", 1, 1, 0, 0, NULL, V_U32, TOP(cluster), 1, UINT32_MAX},
	{"port", CTX_TOP, "port NUMBER", 1, 1, 0, 0, FN(d_port)},
	{"interval", CTX_TOP, "interval DURATION", 1, 1, 0, 0, NULL, V_MS, TOP(interval_ms), 1,
	 1000},
	{"detect-mult", CTX_TOP, "detect-mult NUMBER", 1, 1, 0, 0, NULL, V_U32, TOP(detect_mult), 2,
	 100},
	{"daemon-deadline", CTX_TOP, "daemon-deadline DURATION", 1, 1, 0, 0, NULL, V_MS,
	 TOP(daemon_deadline_ms), 1, 60000},
	{"shutdown-timeout", CTX_TOP, "shutdown-timeout DURATION", 1, 1, 0, 0, NULL, V_MS,
	 TOP(shutdown_timeout_ms), 1000, 3600000},
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
_Static_assert(sizeof(config_directives) / sizeof(config_directives[0]) == CONFIG_NDIRECTIVES + 1,
	       "CONFIG_NDIRECTIVES is the number of directives");

#define NDIRECTIVES (sizeof(directives) / sizeof(config_directives[0]) - 1)

/* A directive whose value goes straight into a field. */
static int set_value(struct parser *p, const struct directive *d, struct args *a)
{
	char *base = d->target == T_TOP ? (char *)p->cfg :
		     d->target == T_DG	? (char *)p->dg :
					  (char *)p->svc;
	char *field = base + d->off;

	switch (d->type) {
	case V_U32:
		return cv_u32(p, a->tok[0], d->lo, d->hi, (uint32_t *)field);
	case V_MS:
		return cv_ms(p, a->tok[0], d->lo, d->hi, (uint32_t *)field);
	default:
		return cv_cmd(p, a->rest, field, d->hi);
	}
}

int config_apply(struct parser *p, const struct directive *d, struct args *a)
{
	return d->fn ? d->fn(p, a) : set_value(p, d, a);
}

int config_lookup(int ctx, const char *name)
{
	int i;

	for (i = 0; config_directives[i].name; i++)
		if ((ctx < 0 || config_directives[i].ctx == ctx) &&
		    !strcmp(config_directives[i].name, name))
			return i;
	return -1;
}

/* ---- blocks ------------------------------------------------------------ */

static int require(struct parser *p, int ctx, const char *name)
{
	if (p->seen[config_lookup(ctx, name)])
		return 0;
	return config_perr(p, p->block_line[ctx], "%smissing \"%s\" (required)", p->prefix, name);
}

int config_close_block(struct parser *p)
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
