// SPDX-License-Identifier: GPL-2.0-only
/*
 * hbpfctl's views: status, peers, sets, counters.  They read the pinned maps
 * directly, so they work while hbpfd hangs or is dead; the daemon is only
 * asked (with a short timeout) for what the kernel does not know: the set
 * state machines and the disk groups.  Text, or JSON with -j.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "config.h"
#include "ctl.h"
#include "hbpfctl_ctx.h"
#include "hbpfctl_sys.h"
#include "hbpfctl_view.h"
#include "margin.h"
#include "pinned.h"
#include "util.h"

#define STATUS_TIMEOUT_MS 1000 /* a hung daemon must not hang "status" */

/* One line of the daemon's "sets" reply:
 * "<set> <state> <owner> <epoch> <step> <ms> [<flags>]" (flags: "dampened" or "-"). */
struct dset {
	char name[NAMELEN];
	char state[NAMELEN];
	char step[NAMELEN];
	char ms[24];
	char flags[NAMELEN];
};

_Static_assert(NAMELEN == 40 && sizeof(((struct dset *)0)->ms) == 24, "sscanf widths below");

/* One line of the daemon's "dg-status" reply: "<dg> <status text>". */
struct ddg {
	char name[NAMELEN];
	char text[200];
};

struct daemon_view {
	int answering;
	char why[256]; /* when not answering */
	int n;
	struct dset sets[HBPF_MAX_SETS];
	int dg_known;	  /* the daemon answered dg-status */
	char dg_why[200]; /* its error, "" when none or when it predates disk groups */
	int ndgs;
	struct ddg dgs[HBPF_MAX_DGS];
};

/* Every view: no arguments, then the maps it needs (and config); 0 or an exit code. */
static int view_open(struct ctl *c, const struct cmd *cmd, int argc, unsigned int need,
		     struct hbpf_pinned *p, struct hbpf_cfg *kcfg)
{
	if (argc)
		return cmd_too_many(cmd);
	return ctl_open_maps(c, p, need, kcfg);
}

/* A map read failed after view_open(): say which, close the maps; EXIT_FAIL. */
static int view_fail(struct hbpf_pinned *p, const char *map, int ret)
{
	ctl_map_err(p, map, ret);
	hbpf_pinned_close(p);
	return EXIT_FAIL;
}

/* ------------------------------------------------------------------------ */
/* The daemon's view */

static void daemon_query(const struct ctl *c, struct daemon_view *d)
{
	char *reply = NULL, *last, *save = NULL, *l;

	memset(d, 0, sizeof(*d));
	if (hbpf_ctl_request(c->sock_path, "sets", STATUS_TIMEOUT_MS, &reply, d->why,
			     sizeof(d->why)))
		return;
	last = hbpf_reply_last_line(reply);
	if (!ctl_reply_ok(last)) {
		snprintf(d->why, sizeof(d->why), "%s", last);
		free(reply);
		return;
	}
	d->answering = 1;
	if (last == reply) {
		free(reply);
		return;
	}
	for (l = strtok_r(reply, "\n", &save); l && d->n < HBPF_MAX_SETS;
	     l = strtok_r(NULL, "\n", &save)) {
		struct dset *s = &d->sets[d->n];
		char owner[NAMELEN], epoch[24];

		memset(s, 0, sizeof(*s));
		/* %39s: NAMELEN - 1 (asserted above), so no token can overflow its field */
		if (sscanf(l, "%39s %39s %39s %23s %39s %23s %39s", s->name, s->state, owner, epoch,
			   s->step, s->ms, s->flags) >= 2)
			d->n++;
	}
	free(reply);
}

/* The disk groups' state, for status; a daemon that predates them is skipped silently. */
static void daemon_query_dgs(const struct ctl *c, struct daemon_view *d)
{
	char *reply = NULL, *last, *save = NULL, *l, why[256];

	if (!d->answering || hbpf_ctl_request(c->sock_path, "dg-status", STATUS_TIMEOUT_MS, &reply,
					      why, sizeof(why)))
		return;
	last = hbpf_reply_last_line(reply);
	if (!ctl_reply_ok(last)) {
		if (strncmp(last, "error: unknown", 14))
			snprintf(d->dg_why, sizeof(d->dg_why), "%s", last);
		free(reply);
		return;
	}
	d->dg_known = 1;
	for (l = last == reply ? NULL : strtok_r(reply, "\n", &save); l && d->ndgs < HBPF_MAX_DGS;
	     l = strtok_r(NULL, "\n", &save)) {
		struct ddg *g = &d->dgs[d->ndgs];
		size_t n = strcspn(l, " ");

		if (!n || n >= sizeof(g->name))
			continue;
		snprintf(g->name, sizeof(g->name), "%.*s", (int)n, l);
		snprintf(g->text, sizeof(g->text), "%s", l[n] ? l + n + 1 : "");
		d->ndgs++;
	}
	free(reply);
}

/* "data (set web)": the set a group moves with, from the config. */
static void fmt_ddg(char *buf, size_t len, const struct ctl *c, const char *name)
{
	const struct hbpf_cfg_dg *g = c->cfg ? hbpf_config_dg(c->cfg, name) : NULL;

	if (g && g->set >= 0)
		snprintf(buf, len, "%s (set %s)", name, c->cfg->sets[g->set].name);
	else
		snprintf(buf, len, "%s", name);
}

static const struct dset *daemon_set(const struct daemon_view *d, const char *name)
{
	for (int i = 0; i < d->n; i++)
		if (!strcmp(d->sets[i].name, name))
			return &d->sets[i];
	return NULL;
}

static void fmt_mac(char *buf, size_t len, const __u8 *m)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* A configured time in ns, as ms: "2 ms", "0.5 ms". */
static void fmt_ns(char *buf, size_t len, uint64_t ns)
{
	if (ns % 1000000 == 0)
		snprintf(buf, len, "%llu ms", (unsigned long long)(ns / 1000000));
	else
		snprintf(buf, len, "%.3f ms", ns / 1e6);
}

static void text_ms(char *buf, size_t len, double ms)
{
	if (ms < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f", ms);
}

int cmd_counters(struct ctl *c, const struct cmd *cmd, int argc, char **argv)
{
	unsigned int need = HBPF_PM_BIT(HBPF_PM_DROPS) | HBPF_PM_BIT(HBPF_PM_STATS);
	static const struct {
		int map, n;
		const char *label, *key;
	} kinds[] = {
		{HBPF_PM_DROPS, HBPF_DROP_MAX, "drop", "drops"},
		{HBPF_PM_STATS, HBPF_STAT_MAX, "stat", "stats"},
	};
	struct hbpf_pinned p;
	struct hbpf_cfg kcfg;
	struct jw w;
	uint64_t v;
	int ret;

	(void)argv;
	ret = view_open(c, cmd, argc, need, &p, &kcfg);
	if (ret)
		return ret;
	jw_init(&w, stdout);
	if (c->json)
		jw_open_obj(&w, NULL);
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		if (c->json)
			jw_open_obj(&w, kinds[k].key);
		for (int i = 0; i < kinds[k].n; i++) {
			const char *name = kinds[k].map == HBPF_PM_DROPS ? hbpf_drop_name(i) :
									   hbpf_stat_name(i);

			ret = hbpf_pinned_counter(&p, kinds[k].map, i, &v);
			if (ret)
				return view_fail(&p, kinds[k].key, ret);
			if (c->json)
				jw_u64(&w, name, v);
			else
				printf("%s %s %llu\n", kinds[k].label, name, (unsigned long long)v);
		}
		if (c->json)
			jw_close_obj(&w);
	}
	if (c->json)
		jw_close_obj(&w);
	hbpf_pinned_close(&p);
	return 0;
}

static void peer_json(struct jw *w, const struct ctl *c, int id, const struct hbpf_peer *pr,
		      uint64_t now, int full)
{
	const char *st = hbpf_peer_state_name(pr->state);
	char flags[96];

	jw_open_obj(w, NULL);
	jw_int(w, "id", id);
	jw_str(w, "name", c->node[id]);
	jw_str(w, "state", st ? st : "invalid");
	jw_dec1(w, "last_seen_ms", hbpf_age_ms(now, pr->last_seen_ns));
	if (full) {
		hbpf_wire_flags_str(pr->flags, flags, sizeof(flags));
		jw_u64(w, "rx", pr->rx);
		jw_u64(w, "echo_rx", pr->echo_rx);
		jw_dec1(w, "daemon_age_ms", pr->last_hb_ns ? pr->daemon_age_us / 1000.0 : -1);
		jw_str(w, "flags", flags);
		jw_u64(w, "deaths", pr->deaths);
	}
	jw_close_obj(w);
}

int cmd_peers(struct ctl *c, const struct cmd *cmd, int argc, char **argv)
{
	unsigned int need = HBPF_PM_BIT(HBPF_PM_PEERS) | HBPF_PM_BIT(HBPF_PM_LINKS);
	struct hbpf_peer peer[HBPF_MAX_NODES];
	struct hbpf_pinned p;
	struct hbpf_cfg kcfg;
	uint64_t now;
	struct jw w;
	int ret, nlinks;

	(void)argv;
	ret = view_open(c, cmd, argc, need, &p, &kcfg);
	if (ret)
		return ret;
	nlinks = kcfg.nlinks < HBPF_MAX_LINKS ? kcfg.nlinks : HBPF_MAX_LINKS;
	for (int i = 0; i < HBPF_MAX_NODES; i++) {
		ret = hbpf_pinned_peer(&p, i, &peer[i]);
		if (ret)
			return view_fail(&p, "peers", ret);
	}
	now = mono_now_ns();
	jw_init(&w, stdout);
	if (c->json) {
		jw_open_obj(&w, NULL);
		jw_open_arr(&w, "peers");
	} else {
		printf("%-16s %3s %-11s %13s %10s %10s %14s  %s\n", "PEER", "ID", "STATE",
		       "LAST-SEEN(ms)", "RX", "ECHO-RX", "DAEMON-AGE(ms)", "FLAGS");
	}
	for (int i = 0; i < HBPF_MAX_NODES; i++) {
		const char *st = hbpf_peer_state_name(peer[i].state);
		char seen[32], dage[32], flags[96];

		if (i == kcfg.self || !(kcfg.nodes_mask & (1u << i)))
			continue;
		if (c->json) {
			peer_json(&w, c, i, &peer[i], now, 1);
			continue;
		}
		text_ms(seen, sizeof(seen), hbpf_age_ms(now, peer[i].last_seen_ns));
		text_ms(dage, sizeof(dage),
			peer[i].last_hb_ns ? peer[i].daemon_age_us / 1000.0 : -1);
		hbpf_wire_flags_str(peer[i].flags, flags, sizeof(flags));
		printf("%-16s %3d %-11s %13s %10llu %10llu %14s  %s\n", c->node[i], i,
		       st ? st : "invalid", seen, (unsigned long long)peer[i].rx,
		       (unsigned long long)peer[i].echo_rx, dage, flags);
	}
	if (c->json) {
		jw_close_arr(&w);
		jw_open_arr(&w, "links");
	} else {
		printf("\n%-16s %-16s %13s %9s %9s %10s %10s %7s\n", "LINK", "PEER",
		       "LAST-SEEN(ms)", "RTT(us)", "AVG(us)", "JITTER(us)", "LOST", "LOSS%");
	}
	for (int i = 0; i < HBPF_MAX_NODES; i++) {
		if (i == kcfg.self || !(kcfg.nodes_mask & (1u << i)))
			continue;
		for (int l = 0; l < nlinks; l++) {
			struct hbpf_link lk;
			char seen[32], loss[32];
			double pct;

			ret = hbpf_pinned_link(&p, i, l, &lk);
			if (ret)
				return view_fail(&p, "links", ret);
			pct = hbpf_loss_pct(lk.rx, lk.lost);
			if (c->json) {
				jw_open_obj(&w, NULL);
				jw_str(&w, "link", c->link[l]);
				jw_int(&w, "link_id", l);
				jw_str(&w, "peer", c->node[i]);
				jw_int(&w, "peer_id", i);
				jw_dec1(&w, "last_seen_ms", hbpf_age_ms(now, lk.last_seen_ns));
				jw_u64(&w, "rx", lk.rx);
				jw_u64(&w, "echo_rx", lk.echo_rx);
				jw_dec1(&w, "rtt_us", lk.rtt_ns / 1000.0);
				jw_dec1(&w, "rtt_avg_us", lk.rtt_avg_ns / 1000.0);
				jw_dec1(&w, "jitter_us", lk.jitter_ns / 1000.0);
				jw_u64(&w, "lost", lk.lost);
				jw_fixed(&w, "loss_pct", pct, 2);
				jw_close_obj(&w);
				continue;
			}
			text_ms(seen, sizeof(seen), hbpf_age_ms(now, lk.last_seen_ns));
			if (pct < 0)
				snprintf(loss, sizeof(loss), "-");
			else
				snprintf(loss, sizeof(loss), "%.2f", pct);
			printf("%-16s %-16s %13s %9.1f %9.1f %10.1f %10llu %7s\n", c->link[l],
			       c->node[i], seen, lk.rtt_ns / 1000.0, lk.rtt_avg_ns / 1000.0,
			       lk.jitter_ns / 1000.0, (unsigned long long)lk.lost, loss);
		}
	}
	if (c->json) {
		jw_close_arr(&w);
		jw_close_obj(&w);
	}
	hbpf_pinned_close(&p);
	return 0;
}

static int dset_dampened(const struct dset *s)
{
	return !strcmp(s->flags, "dampened");
}

/* The daemon's view of one set, for text output: "ONLINE (last step svc_start 12 ms)". */
static void fmt_dset(char *buf, size_t len, const struct daemon_view *d, const char *name)
{
	const struct dset *s = daemon_set(d, name);

	if (!d->answering)
		snprintf(buf, len, "?");
	else if (!s)
		snprintf(buf, len, "unknown to daemon");
	else if (*s->step && strcmp(s->step, "-"))
		snprintf(buf, len, "%s%s (last step %s%s%s%s)", s->state,
			 dset_dampened(s) ? ", dampened" : "", s->step, *s->ms ? " " : "", s->ms,
			 *s->ms ? " ms" : "");
	else
		snprintf(buf, len, "%s%s", s->state, dset_dampened(s) ? ", dampened" : "");
}

static void dset_json(struct jw *w, const struct daemon_view *d, const char *name)
{
	const struct dset *s = d->answering ? daemon_set(d, name) : NULL;

	if (!s) {
		jw_null(w, "daemon");
		return;
	}
	jw_open_obj(w, "daemon");
	jw_str(w, "state", s->state);
	jw_str(w, "step", *s->step && strcmp(s->step, "-") ? s->step : NULL);
	jw_str(w, "step_ms", *s->ms ? s->ms : NULL);
	if (*s->flags) /* a daemon that predates the flags column says nothing */
		jw_bool(w, "dampened", dset_dampened(s));
	jw_close_obj(w);
}

static void daemon_json(struct jw *w, const struct daemon_view *d)
{
	jw_open_obj(w, "control");
	jw_bool(w, "answering", d->answering);
	jw_str(w, "error", d->answering ? NULL : d->why);
	jw_close_obj(w);
}

int cmd_sets(struct ctl *c, const struct cmd *cmd, int argc, char **argv)
{
	unsigned int need = HBPF_PM_BIT(HBPF_PM_SETS) | HBPF_PM_BIT(HBPF_PM_VIPS);
	struct in_addr vips[HBPF_MAX_SET_VIPS];
	struct daemon_view d;
	struct hbpf_pinned p;
	struct hbpf_cfg kcfg;
	uint64_t now;
	struct jw w;
	int ret;

	(void)argv;
	ret = view_open(c, cmd, argc, need, &p, &kcfg);
	if (ret)
		return ret;
	daemon_query(c, &d);
	now = mono_now_ns();
	jw_init(&w, stdout);
	if (c->json) {
		jw_open_obj(&w, NULL);
		jw_open_arr(&w, "sets");
	} else {
		/* The state comes second so that scripts can read it as $2 */
		printf("%-16s %-10s %-5s %-16s %6s %-17s %-9s %-16s %s\n", "SET", "STATE", "OWNED",
		       "OWNER", "EPOCH", "VMAC", "CHANGED", "VIPS", "LAST-STEP");
	}
	for (int i = 0; i < HBPF_MAX_SETS; i++) {
		char mac[24], age[24], vipstr[HBPF_MAX_SET_VIPS * 17], step[80];
		const struct dset *ds = d.answering ? daemon_set(&d, c->set[i]) : NULL;
		struct hbpf_set s;
		size_t off = 0;
		int nv = 0;

		ret = hbpf_pinned_set(&p, i, &s);
		if (!ret) {
			nv = hbpf_pinned_vips(&p, i, vips, HBPF_MAX_SET_VIPS);
			ret = nv < 0 ? nv : 0;
		}
		if (ret)
			return view_fail(&p, "sets", ret);
		if (!(s.flags & HBPF_SF_CONFIGURED))
			continue;
		if (nv > HBPF_MAX_SET_VIPS)
			nv = HBPF_MAX_SET_VIPS;
		fmt_mac(mac, sizeof(mac), s.vmac);
		hbpf_fmt_age(age, sizeof(age), now, s.changed_ns);
		if (c->json) {
			jw_open_obj(&w, NULL);
			jw_int(&w, "id", i);
			jw_str(&w, "name", c->set[i]);
			jw_bool(&w, "owned", s.owned);
			jw_str(&w, "owner",
			       s.owner == HBPF_NODE_NONE ? NULL : ctl_node_name(c, s.owner));
			jw_u64(&w, "epoch", s.epoch);
			jw_str(&w, "vmac", mac);
			jw_open_arr(&w, "vips");
			for (int v = 0; v < nv; v++)
				jw_str(&w, NULL, inet_ntoa(vips[v]));
			jw_close_arr(&w);
			jw_bool(&w, "auto", s.flags & HBPF_SF_AUTO);
			jw_dec1(&w, "changed_age_ms", hbpf_age_ms(now, s.changed_ns));
			dset_json(&w, &d, c->set[i]);
			jw_close_obj(&w);
			continue;
		}
		vipstr[0] = '\0';
		for (int v = 0; v < nv; v++)
			off += snprintf(vipstr + off, sizeof(vipstr) - off, "%s%s", v ? "," : "",
					inet_ntoa(vips[v]));
		/* Last column: the state stays a plain word in $2 for scripts. */
		if (ds && *ds->step && strcmp(ds->step, "-"))
			snprintf(step, sizeof(step), "%s %s ms%s", ds->step, ds->ms,
				 dset_dampened(ds) ? " (dampened)" : "");
		else
			snprintf(step, sizeof(step), "%s",
				 ds && dset_dampened(ds) ? "(dampened)" : "-");
		printf("%-16s %-10s %-5s %-16s %6u %-17s %-9s %-16s %s\n", c->set[i],
		       ds	   ? ds->state :
		       d.answering ? "unknown" :
				     "?",
		       s.owned ? "yes" : "no",
		       s.owner == HBPF_NODE_NONE ? "-" : ctl_node_name(c, s.owner), s.epoch, mac,
		       age, nv ? vipstr : "-", step);
	}
	if (c->json) {
		jw_close_arr(&w);
		daemon_json(&w, &d);
		jw_close_obj(&w);
	} else if (!d.answering) {
		printf("daemon: not answering (%s)\n", d.why);
	}
	hbpf_pinned_close(&p);
	return 0;
}

/* Liveness of this node's daemon from its stamp, e.g. "running", "stale". */
static const char *daemon_state(const struct hbpf_local *l, const struct hbpf_cfg *k,
				const struct ctl *c, uint64_t now)
{
	uint64_t deadline = k->daemon_dead_ns;

	if (!deadline && c->cfg)
		deadline = (uint64_t)c->cfg->daemon_deadline_ms * 1000000;
	if (!l->stamp_ns)
		return "not running";
	if (l->restart_until_ns > now)
		return "restarting";
	if (deadline && now > l->stamp_ns && now - l->stamp_ns > deadline)
		return "stale";
	return "running";
}

/*
 * The daemon's timer-margin verdict for the link from peer to this node, from
 * the links map (so it shows while the daemon hangs): 1 and the text in buf
 * when the detection time leaves too little margin, 0 when it has margin or
 * the link has no fresh samples, or -errno.
 */
static int link_tight(const struct hbpf_pinned *p, const struct hbpf_cfg *k, int peer, int link,
		      uint64_t now, char *buf, size_t len)
{
	struct hbpf_link lk;
	struct margin m;
	int ret = hbpf_pinned_link(p, peer, link, &lk);

	if (ret)
		return ret;
	if (!k->interval_ns || !lk.rx || !lk.echo_rx || !margin_fresh(now, lk.last_seen_ns))
		return 0;
	margin_judge(k->interval_ns, (uint32_t)(k->detect_ns / k->interval_ns), lk.rtt_avg_ns,
		     lk.jitter_ns, &m);
	if (!m.tight)
		return 0;
	margin_format(&m, lk.rtt_avg_ns, lk.jitter_ns, buf, len);
	return 1;
}

/* Call fn for every link whose timers are too tight (link_tight). */
static int for_tight_links(
	const struct ctl *c, const struct hbpf_pinned *p, const struct hbpf_cfg *k, uint64_t now,
	void (*fn)(void *arg, const char *link, const char *peer, const char *text), void *arg)
{
	char buf[320];

	for (int i = 0; i < HBPF_MAX_NODES; i++) {
		if (i == k->self || !(k->nodes_mask & (1u << i)))
			continue;
		for (int l = 0; l < k->nlinks && l < HBPF_MAX_LINKS; l++) {
			int ret = link_tight(p, k, i, l, now, buf, sizeof(buf));

			if (ret < 0)
				return ctl_map_err(p, "links", ret);
			if (ret)
				fn(arg, c->link[l], c->node[i], buf);
		}
	}
	return 0;
}

static void tight_text(void *arg, const char *link, const char *peer, const char *text)
{
	(void)arg;
	printf("warning: link %s to %s: %s\n", link, peer, text);
}

static void tight_json(void *arg, const char *link, const char *peer, const char *text)
{
	struct jw *w = arg;

	jw_open_obj(w, NULL);
	jw_str(w, "link", link);
	jw_str(w, "peer", peer);
	jw_str(w, "text", text);
	jw_close_obj(w);
}

static int status_text(const struct ctl *c, const struct hbpf_pinned *p, const struct hbpf_cfg *k,
		       const struct hbpf_local *l, const struct daemon_view *d, uint64_t now)
{
	const char *dst = daemon_state(l, k, c, now);
	char a[32], b[32], e[32], f[32], g[32];
	int ret, any = 0;

	printf("node: %s (id %u), cluster %u\n", ctl_node_name(c, k->self), k->self, k->cluster);
	hbpf_fmt_age(a, sizeof(a), now, l->stamp_ns);
	if (!strcmp(dst, "not running"))
		printf("daemon: not running (no liveness stamp)\n");
	else if (!strcmp(dst, "restarting"))
		printf("daemon: restarting, pid %u, %.0f ms of grace left\n", l->pid,
		       (l->restart_until_ns - now) / 1e6);
	else
		printf("daemon: %s, pid %u, stamp %s ago\n", dst, l->pid, a);
	fmt_ns(a, sizeof(a), k->interval_ns);
	fmt_ns(b, sizeof(b), k->detect_ns);
	fmt_ns(e, sizeof(e), k->daemon_dead_ns);
	fmt_ns(f, sizeof(f), k->demote_ns);
	hbpf_fmt_age(g, sizeof(g), now, l->last_tx_ns);
	printf("timers: interval %s, peer deadline %s, daemon deadline %s, self demote %s, "
	       "last heartbeat sent %s%s\n",
	       a, b, e, f, g, l->last_tx_ns ? " ago" : "");
	for (int i = 0; i < HBPF_MAX_NODES; i++) {
		const char *st;
		struct hbpf_peer pr;

		if (i == k->self || !(k->nodes_mask & (1u << i)))
			continue;
		ret = hbpf_pinned_peer(p, i, &pr);
		if (ret)
			return ctl_map_err(p, "peers", ret);
		st = hbpf_peer_state_name(pr.state);
		hbpf_fmt_age(a, sizeof(a), now, pr.last_seen_ns);
		printf("peer %s (%d): %s, last seen %s%s\n", c->node[i], i, st ? st : "invalid", a,
		       pr.last_seen_ns ? " ago" : "");
	}
	ret = for_tight_links(c, p, k, now, tight_text, NULL);
	if (ret)
		return ret;
	for (int i = 0; i < HBPF_MAX_SETS; i++) {
		char ds[160];
		struct hbpf_set s;

		ret = hbpf_pinned_set(p, i, &s);
		if (ret)
			return ctl_map_err(p, "sets", ret);
		if (!(s.flags & HBPF_SF_CONFIGURED))
			continue;
		hbpf_fmt_age(a, sizeof(a), now, s.changed_ns);
		fmt_dset(ds, sizeof(ds), d, c->set[i]);
		printf("set %s (%d): %s, owner %s, epoch %u, since %s", c->set[i], i,
		       s.owned ? "owned here" : "not owned",
		       s.owner == HBPF_NODE_NONE ? "-" : ctl_node_name(c, s.owner), s.epoch, a);
		if (d->answering)
			printf(", daemon %s", ds);
		printf("\n");
	}
	for (int i = 0; i < HBPF_DROP_MAX; i++) {
		uint64_t v;

		ret = hbpf_pinned_counter(p, HBPF_PM_DROPS, i, &v);
		if (ret)
			return ctl_map_err(p, "drops", ret);
		if (!v)
			continue;
		printf("%s %s %llu", any++ ? "," : "drops:", hbpf_drop_name(i),
		       (unsigned long long)v);
	}
	if (any)
		printf("\n");
	status_xdp_text(p->dir);
	if (d->dg_known && d->ndgs)
		printf("disk groups:\n");
	for (int i = 0; d->dg_known && i < d->ndgs; i++) {
		char name[2 * NAMELEN + 8];

		fmt_ddg(name, sizeof(name), c, d->dgs[i].name);
		printf("  %s: %s\n", name, d->dgs[i].text);
	}
	if (*d->dg_why)
		printf("disk groups: %s\n", d->dg_why);
	if (!d->answering)
		printf("daemon: not answering (%s)\n", d->why);
	return 0;
}

static int status_json(const struct ctl *c, const struct hbpf_pinned *p, const struct hbpf_cfg *k,
		       const struct hbpf_local *l, const struct daemon_view *d, uint64_t now)
{
	struct jw w;
	int ret;

	jw_init(&w, stdout);
	jw_open_obj(&w, NULL);
	jw_open_obj(&w, "node");
	jw_int(&w, "id", k->self);
	jw_str(&w, "name", ctl_node_name(c, k->self));
	jw_close_obj(&w);
	jw_u64(&w, "cluster", k->cluster);
	jw_open_obj(&w, "daemon");
	jw_str(&w, "state", daemon_state(l, k, c, now));
	jw_u64(&w, "pid", l->pid);
	jw_dec1(&w, "stamp_age_ms", hbpf_age_ms(now, l->stamp_ns));
	jw_dec1(&w, "restart_left_ms",
		l->restart_until_ns > now ? (l->restart_until_ns - now) / 1e6 : -1);
	jw_close_obj(&w);
	jw_open_obj(&w, "timers");
	jw_dec1(&w, "interval_ms", k->interval_ns / 1e6);
	jw_dec1(&w, "detect_ms", k->detect_ns / 1e6);
	jw_dec1(&w, "daemon_dead_ms", k->daemon_dead_ns / 1e6);
	jw_dec1(&w, "demote_ms", k->demote_ns / 1e6);
	jw_dec1(&w, "last_tx_age_ms", hbpf_age_ms(now, l->last_tx_ns));
	jw_close_obj(&w);
	jw_open_arr(&w, "peers");
	for (int i = 0; i < HBPF_MAX_NODES; i++) {
		struct hbpf_peer pr;

		if (i == k->self || !(k->nodes_mask & (1u << i)))
			continue;
		ret = hbpf_pinned_peer(p, i, &pr);
		if (ret)
			return ctl_map_err(p, "peers", ret);
		peer_json(&w, c, i, &pr, now, 0);
	}
	jw_close_arr(&w);
	jw_open_arr(&w, "timer_warnings");
	ret = for_tight_links(c, p, k, now, tight_json, &w);
	if (ret)
		return ret;
	jw_close_arr(&w);
	jw_open_arr(&w, "sets");
	for (int i = 0; i < HBPF_MAX_SETS; i++) {
		struct hbpf_set s;

		ret = hbpf_pinned_set(p, i, &s);
		if (ret)
			return ctl_map_err(p, "sets", ret);
		if (!(s.flags & HBPF_SF_CONFIGURED))
			continue;
		jw_open_obj(&w, NULL);
		jw_int(&w, "id", i);
		jw_str(&w, "name", c->set[i]);
		jw_bool(&w, "owned", s.owned);
		jw_str(&w, "owner", s.owner == HBPF_NODE_NONE ? NULL : ctl_node_name(c, s.owner));
		jw_u64(&w, "epoch", s.epoch);
		jw_dec1(&w, "changed_age_ms", hbpf_age_ms(now, s.changed_ns));
		dset_json(&w, d, c->set[i]);
		jw_close_obj(&w);
	}
	jw_close_arr(&w);
	jw_open_obj(&w, "drops");
	for (int i = 0; i < HBPF_DROP_MAX; i++) {
		uint64_t v;

		ret = hbpf_pinned_counter(p, HBPF_PM_DROPS, i, &v);
		if (ret)
			return ctl_map_err(p, "drops", ret);
		if (v)
			jw_u64(&w, hbpf_drop_name(i), v);
	}
	jw_close_obj(&w);
	status_xdp_json(&w, p->dir);
	if (d->dg_known) {
		jw_open_arr(&w, "diskgroups");
		for (int i = 0; i < d->ndgs; i++) {
			const struct hbpf_cfg_dg *g =
				c->cfg ? hbpf_config_dg(c->cfg, d->dgs[i].name) : NULL;

			jw_open_obj(&w, NULL);
			jw_str(&w, "name", d->dgs[i].name);
			jw_str(&w, "set", g && g->set >= 0 ? c->cfg->sets[g->set].name : NULL);
			jw_str(&w, "status", d->dgs[i].text);
			jw_close_obj(&w);
		}
		jw_close_arr(&w);
	}
	daemon_json(&w, d);
	jw_close_obj(&w);
	return 0;
}

int cmd_status(struct ctl *c, const struct cmd *cmd, int argc, char **argv)
{
	unsigned int need = HBPF_PM_BIT(HBPF_PM_LOCAL) | HBPF_PM_BIT(HBPF_PM_SETS) |
			    HBPF_PM_BIT(HBPF_PM_PEERS) | HBPF_PM_BIT(HBPF_PM_DROPS) |
			    HBPF_PM_BIT(HBPF_PM_LINKS);
	struct daemon_view d;
	struct hbpf_pinned p;
	struct hbpf_local l;
	struct hbpf_cfg kcfg;
	uint64_t now;
	int ret;

	(void)argv;
	ret = view_open(c, cmd, argc, need, &p, &kcfg);
	if (ret)
		return ret;
	ret = hbpf_pinned_local(&p, &l);
	if (ret)
		return view_fail(&p, "local", ret);
	daemon_query(c, &d);
	daemon_query_dgs(c, &d);
	now = mono_now_ns();
	if (c->json)
		ret = status_json(c, &p, &kcfg, &l, &d, now);
	else
		ret = status_text(c, &p, &kcfg, &l, &d, now);
	hbpf_pinned_close(&p);
	return ret;
}
