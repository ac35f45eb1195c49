// SPDX-License-Identifier: GPL-2.0-only
/*
 * hbpf.conf, after the last line is read (see config.c): the cross checks
 * that need the whole file (timers against each other, link names, unique
 * addresses and VMACs, node, set and disk group references, one metadata
 * device per group), which also put links, set members and per-node metadata
 * paths in their final order; hbpf_config_dump() for "hbpfctl check"; and
 * the lookups by name and id.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "config_int.h"

/* ---- whole-file checks ------------------------------------------------ */

static int finish_timers(struct parser *p)
{
	struct hbpf_config *c = p->cfg;
	uint64_t floor = 2ull * c->detect_mult * c->interval_ms;
	int line = p->seen[config_lookup(CTX_TOP, "daemon-deadline")];
	char a[16];

	if (c->daemon_deadline_ms > floor)
		return 0;
	if (!line)
		line = p->seen[config_lookup(CTX_TOP, "interval")];
	if (!line)
		line = p->seen[config_lookup(CTX_TOP, "detect-mult")];
	return config_perr(
		p, line,
		"daemon-deadline %s must be greater than 2 x detect-mult x interval (%llums)",
		config_fmt_ms(a, sizeof(a), c->daemon_deadline_ms), (unsigned long long)floor);
}

/*
 * The link of the nodes before node ni (and of node ni before link li) that
 * uses addr, or NULL.  With ni == nnodes: any link of any node.
 */
static const struct hbpf_cfg_link *addr_user(const struct hbpf_config *c, uint32_t addr, int ni,
					     int li, const struct hbpf_cfg_node **owner)
{
	int i, j;

	for (i = 0; i <= ni && i < c->nnodes; i++)
		for (j = 0; j < (i == ni ? li : c->nlinks); j++)
			if (c->nodes[i].links[j].addr.s_addr == addr) {
				*owner = &c->nodes[i];
				return &c->nodes[i].links[j];
			}
	return NULL;
}

/* Put a node's links in the order of "links" and check they are all there. */
static int finish_node(struct parser *p, struct hbpf_cfg_node *n)
{
	const struct hbpf_config *c = p->cfg;
	struct hbpf_cfg_link tmp[HBPF_MAX_LINKS];
	int have[HBPF_MAX_LINKS] = {0};
	int j, k, li;

	memcpy(tmp, n->links, sizeof(tmp));
	memset(n->links, 0, sizeof(n->links));
	for (j = 0; j < n->nlinks; j++) {
		for (li = 0; li < c->nlinks; li++)
			if (!strcmp(c->link_names[li], tmp[j].name))
				break;
		if (li == c->nlinks)
			return config_perr(
				p, tmp[j].line,
				"node %s: link \"%s\" is not one of the \"links\" (line %d)",
				n->name, tmp[j].name, p->seen[config_lookup(CTX_TOP, "links")]);
		n->links[li] = tmp[j];
		have[li] = 1;
	}
	for (li = 0; li < c->nlinks; li++)
		if (!have[li])
			return config_perr(p, n->line,
					   "node %s: missing \"link %s IFNAME ADDRESS\"", n->name,
					   c->link_names[li]);
	n->nlinks = c->nlinks;
	/* Two links on one interface would not be independent paths. */
	for (j = 0; j < c->nlinks; j++)
		for (k = 0; k < j; k++)
			if (!strcmp(n->links[j].ifname, n->links[k].ifname))
				return config_perr(p, n->links[j].line,
						   "node %s: interface %s already carries link %s",
						   n->name, n->links[j].ifname, n->links[k].name);
	return 0;
}

static int finish_nodes(struct parser *p)
{
	const struct hbpf_config *c = p->cfg;
	const struct hbpf_cfg_link *x, *y;
	const struct hbpf_cfg_node *owner;
	char ip[INET_ADDRSTRLEN];
	int i, j, err;

	for (i = 0; i < c->nnodes; i++) {
		err = finish_node(p, &p->cfg->nodes[i]);
		if (err)
			return err;
	}
	/* Every heartbeat address must be unique in the cluster. */
	for (i = 0; i < c->nnodes; i++)
		for (j = 0; j < c->nlinks; j++) {
			x = &c->nodes[i].links[j];
			y = addr_user(c, x->addr.s_addr, i, j, &owner);
			if (!y)
				continue;
			inet_ntop(AF_INET, &x->addr, ip, sizeof(ip));
			return config_perr(p, x->line,
					   "node %s: address %s is already used by node %s link %s "
					   "(line %d)",
					   c->nodes[i].name, ip, owner->name, y->name, y->line);
		}
	return 0;
}

static int finish_set(struct parser *p, struct hbpf_cfg_set *s)
{
	const struct hbpf_config *c = p->cfg;
	const struct hbpf_cfg_node *n;
	const struct hbpf_cfg_link *x;
	char ip[INET_ADDRSTRLEN], mac[18];
	int i = s->id, j;

	for (j = 0; j < p->set_nnames[i]; j++) {
		n = hbpf_config_node(c, p->set_names[i][j]);
		if (!n)
			return config_perr(p, p->set_nodes_line[i],
					   "set %s: node \"%s\" is not defined", s->name,
					   p->set_names[i][j]);
		s->prio[j] = n->id;
	}
	s->nnodes = p->set_nnames[i];
	for (j = s->nnodes; j < HBPF_MAX_NODES; j++)
		s->prio[j] = HBPF_NODE_NONE;
	if (!p->set_vmac_line[i]) {
		/* 02:00 + the first VIP, as in Barber's paper: stable, unicast, local. */
		s->vmac[0] = 0x02;
		s->vmac[1] = 0x00;
		memcpy(&s->vmac[2], &s->vips[0].addr.s_addr, 4);
	}
	for (j = 0; j < i; j++)
		if (!memcmp(c->sets[j].vmac, s->vmac, 6)) {
			config_fmt_mac(mac, sizeof(mac), s->vmac);
			return config_perr(p, p->set_vmac_line[i] ? p->set_vmac_line[i] : s->line,
					   "set %s: vmac %s is already used by set %s", s->name,
					   mac, c->sets[j].name);
		}
	for (j = 0; j < s->nvips; j++) {
		x = addr_user(c, s->vips[j].addr.s_addr, c->nnodes, 0, &n);
		if (!x)
			continue;
		inet_ntop(AF_INET, &x->addr, ip, sizeof(ip));
		return config_perr(p, s->vips[j].line,
				   "set %s: vip %s is the address of node %s link %s", s->name, ip,
				   n->name, x->name);
	}
	return 0;
}

/* Resolve a set's "diskgroup" lines; a group moves with one set only. */
static int finish_set_dgs(struct parser *p, struct hbpf_cfg_set *s)
{
	struct hbpf_config *c = p->cfg;
	const struct hbpf_cfg_dg *g;
	int i = s->id, j, k, gi;

	for (j = 0; j < p->set_ndgs[i]; j++) {
		g = hbpf_config_dg(c, p->set_dg_names[i][j]);
		if (!g)
			return config_perr(p, p->set_dg_line[i][j],
					   "set %s: disk group \"%s\" is not defined", s->name,
					   p->set_dg_names[i][j]);
		gi = (int)(g - c->dgs);
		if (g->set >= 0) {
			/* bounded: set g->set listed this group, that is how it got it */
			for (k = 0; strcmp(p->set_dg_names[g->set][k], g->name); k++)
				;
			return config_perr(
				p, p->set_dg_line[i][j],
				"set %s: disk group \"%s\" already belongs to set %s (line %d)",
				s->name, g->name, c->sets[g->set].name, p->set_dg_line[g->set][k]);
		}
		c->dgs[gi].set = i;
		s->dgs[j] = (uint8_t)gi;
	}
	s->ndgs = p->set_ndgs[i];
	return 0;
}

static int finish_sets(struct parser *p)
{
	int i, err;

	for (i = 0; i < p->cfg->nsets; i++) {
		err = finish_set(p, &p->cfg->sets[i]);
		if (!err)
			err = finish_set_dgs(p, &p->cfg->sets[i]);
		if (err)
			return err;
	}
	return 0;
}

/* Put per-node metadata paths at their node's id, once every node is known. */
static int finish_dg(struct parser *p, struct hbpf_cfg_dg *g)
{
	int gi = (int)(g - p->cfg->dgs), k;
	char tmp[HBPF_MAX_NODES][HBPF_PATH_MAX];
	const struct hbpf_cfg_node *n;

	memcpy(tmp, g->meta_node, sizeof(tmp));
	memset(g->meta_node, 0, sizeof(g->meta_node));
	for (k = 0; k < p->dg_nover[gi]; k++) {
		n = hbpf_config_node(p->cfg, p->dg_over_node[gi][k]);
		if (!n)
			return config_perr(p, p->dg_over_line[gi][k],
					   "diskgroup %s: meta: node \"%s\" is not defined",
					   g->name, p->dg_over_node[gi][k]);
		strcpy(g->meta_node[n->id], tmp[k]);
	}
	return 0;
}

/* path without repeated or trailing '/' ("/dev//loop0/" -> "/dev/loop0") */
static void path_norm(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in && o + 1 < len; in++) {
		if (*in == '/' && o && out[o - 1] == '/')
			continue;
		out[o++] = *in;
	}
	while (o > 1 && out[o - 1] == '/')
		o--;
	out[o] = '\0';
}

/*
 * 1 when paths a and b name one device: the same path once normalised, or
 * two names (a /dev/disk/by-id link, another node file) of one block device
 * on this host, by st_rdev; then how is said in how.  A path that does not
 * exist here (another node's name) compares by its spelling only.
 */
static int same_device(const char *a, const char *b, char *how, size_t len)
{
	char na[HBPF_PATH_MAX], nb[HBPF_PATH_MAX];
	struct stat sa, sb;

	how[0] = '\0';
	path_norm(a, na, sizeof(na));
	path_norm(b, nb, sizeof(nb));
	if (!strcmp(na, nb))
		return 1;
	if (stat(a, &sa) || stat(b, &sb) || !S_ISBLK(sa.st_mode) || !S_ISBLK(sb.st_mode) ||
	    sa.st_rdev != sb.st_rdev)
		return 0;
	snprintf(how, len, " (%s: the same block device %u:%u)", b, major(sa.st_rdev),
		 minor(sa.st_rdev));
	return 1;
}

/*
 * Two groups on one metadata device would overwrite each other's header and
 * leases: check the device every node would use, however it is spelt.
 */
static int finish_dgs(struct parser *p)
{
	const struct hbpf_config *c = p->cfg;
	const struct hbpf_cfg_dg *g, *h;
	char how[HBPF_PATH_MAX + 64];
	const char *a;
	int i, j, k, err;

	for (i = 0; i < c->ndgs; i++) {
		err = finish_dg(p, &p->cfg->dgs[i]);
		if (err)
			return err;
	}
	for (i = 0; i < c->ndgs; i++)
		for (j = 0; j < i; j++)
			for (k = 0; k < c->nnodes; k++) {
				g = &c->dgs[i];
				h = &c->dgs[j];
				a = hbpf_config_dg_meta(g, c->nodes[k].id);
				if (!same_device(a, hbpf_config_dg_meta(h, c->nodes[k].id), how,
						 sizeof(how)))
					continue;
				return config_perr(
					p, g->line,
					"diskgroup %s: node %s would use %s, the metadata "
					"device of diskgroup %s (line %d)%s",
					g->name, c->nodes[k].name, a, h->name, h->line, how);
			}
	return 0;
}

/*
 * The tie-breaker's timers default from the daemon deadline: an answer older
 * than that says nothing about now.  Its address must be a third party: a
 * node's own address or a VIP would be answered by one of the contenders.
 */
static int finish_tiebreak(struct parser *p)
{
	struct hbpf_config *c = p->cfg;
	int line = p->seen[config_lookup(CTX_TOP, "tie-breaker")];
	char ip[INET_ADDRSTRLEN], a[16], b[16];
	const struct hbpf_cfg_node *owner;
	int i, j;

	if (c->tiebreak != HBPF_TB_ADDRESS)
		return 0;
	if (!c->tb_timeout_ms)
		c->tb_timeout_ms = c->daemon_deadline_ms;
	if (!c->tb_interval_ms)
		c->tb_interval_ms = c->daemon_deadline_ms / 5 ? c->daemon_deadline_ms / 5 : 1;
	if (c->tb_interval_ms > c->tb_timeout_ms)
		return config_perr(p, line, "tie-breaker: interval %s is longer than timeout %s",
				   config_fmt_ms(a, sizeof(a), c->tb_interval_ms),
				   config_fmt_ms(b, sizeof(b), c->tb_timeout_ms));
	inet_ntop(AF_INET, &c->tb_addr, ip, sizeof(ip));
	if (addr_user(c, c->tb_addr.s_addr, c->nnodes, 0, &owner))
		return config_perr(p, line,
				   "tie-breaker: %s is node %s's own address; it must be a third "
				   "host both nodes reach",
				   ip, owner->name);
	for (i = 0; i < c->nsets; i++)
		for (j = 0; j < c->sets[i].nvips; j++)
			if (c->sets[i].vips[j].addr.s_addr == c->tb_addr.s_addr)
				return config_perr(p, line,
						   "tie-breaker: %s is a VIP of set %s; it must "
						   "be a third host both nodes reach",
						   ip, c->sets[i].name);
	return 0;
}

/* Keep a warning ("file:line: warning: ..."); the config stays valid. */
static void config_warn(struct parser *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void config_warn(struct parser *p, int line, const char *fmt, ...)
{
	struct hbpf_config *c = p->cfg;
	char *w;
	va_list ap;
	int n;

	if (c->nwarnings >= HBPF_MAX_WARNINGS)
		return;
	w = c->warnings[c->nwarnings++];
	n = snprintf(w, HBPF_WARN_MAX, "%s:%d: warning: ", p->name, line);
	if (n < 0 || n >= HBPF_WARN_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(w + n, HBPF_WARN_MAX - n, fmt, ap);
	va_end(ap);
}

/*
 * Two nodes, no shared disk and no tie-breaker: when every heartbeat link
 * is cut while both nodes stay up, each sees the other dead and both take
 * the set.  Legal (some sites accept it), so a warning per set.
 */
static void warn_split_brain(struct parser *p)
{
	const struct hbpf_config *c = p->cfg;
	int i;

	if (c->tiebreak != HBPF_TB_UNSET || c->nnodes != 2)
		return;
	for (i = 0; i < c->nsets; i++) {
		const struct hbpf_cfg_set *s = &c->sets[i];

		if (!s->autofailover || s->ndgs || s->nnodes < 2)
			continue;
		config_warn(p, s->line,
			    "set %s: two nodes, no disk group and automatic takeover, but no "
			    "tie-breaker: a partition of the heartbeat links can split the brain "
			    "(both nodes take the set); add \"tie-breaker ADDRESS\" (a host both "
			    "nodes reach on the public network) or \"tie-breaker none\"",
			    s->name);
	}
}

int config_finish(struct parser *p)
{
	int err;

	if (p->ctx != CTX_TOP)
		return config_perr(p, p->block_line[p->ctx],
				   "%sblock is not closed (missing \"}\")", p->prefix);
	if (!p->seen[config_lookup(CTX_TOP, "cluster")])
		return config_perr(p, 0, "missing \"cluster\" (required)");
	if (!p->seen[config_lookup(CTX_TOP, "links")])
		return config_perr(p, 0, "missing \"links\" (required)");
	if (!p->cfg->nnodes)
		return config_perr(
			p, 0, "no node defined (at least one \"node NAME {\" block is required)");
	err = finish_timers(p);
	if (!err)
		err = finish_nodes(p);
	if (!err)
		err = finish_dgs(p);
	if (!err)
		err = finish_sets(p);
	if (!err)
		err = finish_tiebreak(p);
	if (!err)
		warn_split_brain(p);
	return err;
}

/* ---- dump (hbpfctl check) ---------------------------------------------- */

static void dump_dg(const struct hbpf_config *cfg, const struct hbpf_cfg_dg *g, FILE *out)
{
	char a[16];
	int i;

	fprintf(out, "diskgroup %s: set %s, fsck-parallel %u, kill-grace %s\n", g->name,
		g->set >= 0 ? cfg->sets[g->set].name : "(none)", g->fsck_parallel,
		config_fmt_ms(a, sizeof(a), g->kill_grace_ms));
	fprintf(out, "  meta: %s\n", g->meta);
	for (i = 0; i < HBPF_MAX_NODES; i++) {
		const struct hbpf_cfg_node *n = hbpf_config_node_by_id(cfg, i);

		if (g->meta_node[i][0])
			fprintf(out, "  meta on %s: %s\n", n ? n->name : "?", g->meta_node[i]);
	}
}

static void dump_set(const struct hbpf_config *cfg, const struct hbpf_cfg_set *s, FILE *out)
{
	static const char *const onfail[] = {"failover", "halt", "ignore"};
	char ip[INET_ADDRSTRLEN], mac[18], a[16], b[16];
	int i;

	config_fmt_mac(mac, sizeof(mac), s->vmac);
	fprintf(out, "set %s: id %u, vmac %s, autofailover %s, failback %s%s\n", s->name, s->id,
		mac, s->autofailover ? "yes" : "no",
		s->failback == HBPF_FAILBACK_AUTO ? "auto after " : "manual",
		s->failback == HBPF_FAILBACK_AUTO ?
			config_fmt_ms(a, sizeof(a), s->failback_after_ms) :
			"");
	fprintf(out, "  on-failure %s, dampen ", onfail[s->on_failure]);
	if (s->dampen_moves)
		fprintf(out, "%u moves in %s\n", s->dampen_moves,
			config_fmt_ms(a, sizeof(a), s->dampen_window_ms));
	else
		fprintf(out, "off\n");
	fprintf(out, "  vips:");
	for (i = 0; i < s->nvips; i++) {
		inet_ntop(AF_INET, &s->vips[i].addr, ip, sizeof(ip));
		fprintf(out, " %s/%u", ip, s->vips[i].prefix);
	}
	fprintf(out, "\n  takeover order:");
	for (i = 0; i < s->nnodes; i++) {
		const struct hbpf_cfg_node *n = hbpf_config_node_by_id(cfg, s->prio[i]);

		fprintf(out, " %s", n ? n->name : "?");
	}
	fprintf(out, "\n");
	if (s->ndgs) {
		fprintf(out, "  diskgroups:");
		for (i = 0; i < s->ndgs; i++)
			fprintf(out, " %s", cfg->dgs[s->dgs[i]].name);
		fprintf(out, "\n");
	}
	for (i = 0; i < s->nservices; i++) {
		const struct hbpf_cfg_service *v = &s->services[i];

		fprintf(out, "  service %s: timeout %s, monitor every %s, ", v->name,
			config_fmt_ms(a, sizeof(a), v->timeout_ms),
			config_fmt_ms(b, sizeof(b), v->monitor_interval_ms));
		if (v->restart_max)
			fprintf(out, "restart %u times in %s\n", v->restart_max,
				config_fmt_ms(a, sizeof(a), v->restart_window_ms));
		else
			fprintf(out, "no restart\n");
		fprintf(out, "    start: %s\n    stop: %s\n    monitor: %s\n", v->start, v->stop,
			v->monitor[0] ? v->monitor : "(none)");
	}
}

void hbpf_config_dump(const struct hbpf_config *cfg, FILE *out)
{
	char ip[INET_ADDRSTRLEN], a[16], b[16], c[16];
	int i, j;

	fprintf(out, "config %s: cluster %u, port %u\n", cfg->path, cfg->cluster, cfg->port);
	fprintf(out,
		"timers: interval %s, detect-mult %u: peer dead after %s; daemon-deadline %s\n",
		config_fmt_ms(a, sizeof(a), cfg->interval_ms), cfg->detect_mult,
		config_fmt_ms(b, sizeof(b), cfg->detect_mult * cfg->interval_ms),
		config_fmt_ms(c, sizeof(c), cfg->daemon_deadline_ms));
	fprintf(out, "garp: %u announcements, %s apart\n", cfg->garp_count,
		config_fmt_ms(a, sizeof(a), cfg->garp_spacing_ms));
	fprintf(out, "notify: %s\n", cfg->notify[0] ? cfg->notify : "(none)");
	fprintf(out, "socket-group: %s\n",
		cfg->socket_group[0] ? cfg->socket_group : "(root only)");
	fprintf(out, "key-file: %s\n", cfg->key_file[0] ? cfg->key_file : "(none: hbpfd refuses)");
	fprintf(out, "state-dir: %s\n", cfg->state_dir);
	fprintf(out, "xdp-mode: %s\n",
		cfg->xdp_mode == HBPF_XDP_NATIVE  ? "native (refuse to start without it)" :
		cfg->xdp_mode == HBPF_XDP_GENERIC ? "generic" :
						    "auto (native, else generic)");
	if (cfg->tiebreak == HBPF_TB_ADDRESS) {
		inet_ntop(AF_INET, &cfg->tb_addr, ip, sizeof(ip));
		fprintf(out, "tie-breaker: %s, probed every %s, timeout %s\n", ip,
			config_fmt_ms(a, sizeof(a), cfg->tb_interval_ms),
			config_fmt_ms(b, sizeof(b), cfg->tb_timeout_ms));
	} else {
		fprintf(out, "tie-breaker: %s\n",
			cfg->tiebreak == HBPF_TB_NONE ?
				"none (a lost peer's sets wait for hbpfctl acquire)" :
				"(none configured: lost peers' sets are taken at once)");
	}
	fprintf(out, "links:");
	for (i = 0; i < cfg->nlinks; i++)
		fprintf(out, " %d=%s", i, cfg->link_names[i]);
	fprintf(out, "\n");
	for (i = 0; i < cfg->nnodes; i++) {
		const struct hbpf_cfg_node *n = &cfg->nodes[i];

		fprintf(out, "node %s: id %u, public %s\n", n->name, n->id, n->public_if);
		for (j = 0; j < n->nlinks; j++) {
			inet_ntop(AF_INET, &n->links[j].addr, ip, sizeof(ip));
			fprintf(out, "  link %d %s: %s %s\n", j, n->links[j].name,
				n->links[j].ifname, ip);
		}
	}
	for (i = 0; i < cfg->ndgs; i++)
		dump_dg(cfg, &cfg->dgs[i], out);
	for (i = 0; i < cfg->nsets; i++)
		dump_set(cfg, &cfg->sets[i], out);
	hbpf_config_warnings(cfg, out);
}

void hbpf_config_warnings(const struct hbpf_config *cfg, FILE *out)
{
	int i;

	for (i = 0; i < cfg->nwarnings; i++)
		fprintf(out, "%s\n", cfg->warnings[i]);
}

/* ---- lookups ---------------------------------------------------------- */

const struct hbpf_cfg_node *hbpf_config_node(const struct hbpf_config *cfg, const char *name)
{
	int i;

	for (i = 0; i < cfg->nnodes; i++)
		if (!strcmp(cfg->nodes[i].name, name))
			return &cfg->nodes[i];
	return NULL;
}

const struct hbpf_cfg_node *hbpf_config_node_by_id(const struct hbpf_config *cfg, int id)
{
	int i;

	for (i = 0; i < cfg->nnodes; i++)
		if (cfg->nodes[i].id == id)
			return &cfg->nodes[i];
	return NULL;
}

const struct hbpf_cfg_set *hbpf_config_set(const struct hbpf_config *cfg, const char *name)
{
	int i;

	for (i = 0; i < cfg->nsets; i++)
		if (!strcmp(cfg->sets[i].name, name))
			return &cfg->sets[i];
	return NULL;
}

const struct hbpf_cfg_dg *hbpf_config_dg(const struct hbpf_config *cfg, const char *name)
{
	int i;

	for (i = 0; i < cfg->ndgs; i++)
		if (!strcmp(cfg->dgs[i].name, name))
			return &cfg->dgs[i];
	return NULL;
}

const char *hbpf_config_dg_meta(const struct hbpf_cfg_dg *dg, int node_id)
{
	if (node_id >= 0 && node_id < HBPF_MAX_NODES && dg->meta_node[node_id][0])
		return dg->meta_node[node_id];
	return dg->meta;
}
