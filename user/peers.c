// SPDX-License-Identifier: GPL-2.0-only
/* The cluster view: names, usability and holders from the kernel's maps. */
#include <string.h>
#include <bpf/bpf.h>

#include "log.h"
#include "margin.h"
#include "peers.h"

#define USABLE_PERIOD_NS 20000000ull		/* how often node usability is sampled */
#define MARGIN_FIRST_NS (2ull * 1000000000ull)	/* first margin look, after start */
#define MARGIN_PERIOD_NS (5ull * 1000000000ull) /* then every so often */

void peers_init(struct peers *p, const struct hbpf_config *cfg, struct hbpf_kern *k, int self)
{
	memset(p, 0, sizeof(*p));
	p->cfg = cfg;
	p->k = k;
	p->self = self;
}

const char *peers_name(const struct peers *p, int id)
{
	const struct hbpf_cfg_node *n = hbpf_config_node_by_id(p->cfg, id);

	return n ? n->name : "-";
}

int peers_state(struct peers *p, int id, struct hbpf_peer *out)
{
	__u32 key = id;
	int fd = kern_map_fd(p->k, "peers");

	memset(out, 0, sizeof(*out));
	if (id == p->self)
		return HBPF_PEER_ALIVE;
	if (fd < 0 || bpf_map_lookup_elem(fd, &key, out))
		return HBPF_PEER_UNKNOWN;
	return out->state;
}

int peers_usable(struct peers *p, int id)
{
	struct hbpf_peer pr;

	if (id == p->self)
		return p->carrier;
	return peers_state(p, id, &pr) == HBPF_PEER_ALIVE && (pr.flags & HBPF_WF_DAEMON_UP) &&
	       (pr.flags & HBPF_WF_PUBLIC_UP) && !(pr.flags & HBPF_WF_SHUTDOWN);
}

int peers_next(struct peers *p, const struct hbpf_cfg_set *c, int skip)
{
	int i;

	for (i = 0; i < c->nnodes; i++) {
		if (c->prio[i] == skip)
			continue;
		if (peers_usable(p, c->prio[i]))
			return c->prio[i];
	}
	return -1;
}

int peers_first_unseen(struct peers *p, const struct hbpf_cfg_set *c)
{
	int i;

	for (i = 0; i < c->nnodes; i++)
		if (c->prio[i] != p->self && !peers_usable(p, c->prio[i]))
			return c->prio[i];
	return -1;
}

int peers_holder(struct peers *p, int s)
{
	int fd = kern_map_fd(p->k, "peers"), i;

	for (i = 0; i < p->cfg->nnodes && fd >= 0; i++) {
		__u32 key = p->cfg->nodes[i].id;
		struct hbpf_peer pr;

		if ((int)key == p->self || bpf_map_lookup_elem(fd, &key, &pr))
			continue;
		if (pr.state == HBPF_PEER_ALIVE && (pr.owned & (1u << s)))
			return (int)key;
	}
	return -1;
}

int peers_starting(struct peers *p)
{
	int fd = kern_map_fd(p->k, "peers"), i;

	for (i = 0; i < p->cfg->nnodes && fd >= 0; i++) {
		__u32 key = p->cfg->nodes[i].id;
		struct hbpf_peer pr;

		if ((int)key != p->self && !bpf_map_lookup_elem(fd, &key, &pr) &&
		    pr.state == HBPF_PEER_ALIVE && (pr.flags & HBPF_WF_STARTING))
			return 1;
	}
	return 0;
}

uint64_t peers_usable_since(struct peers *p, int id)
{
	struct hbpf_peer pr;
	uint64_t since;

	if (id < 0 || id >= HBPF_MAX_NODES || !p->usable_ns[id] || !peers_usable(p, id))
		return 0;
	since = p->usable_ns[id];
	/* A flap between two samples: the kernel knows when the peer came back. */
	if (id != p->self && peers_state(p, id, &pr) == HBPF_PEER_ALIVE && pr.state_ns > since)
		since = pr.state_ns;
	return since;
}

/* Sample every node's usability, so failback can ask "usable for how long". */
static void usable_tick(struct peers *p, uint64_t now)
{
	int i;

	if (now < p->usable_check_ns)
		return;
	p->usable_check_ns = now + USABLE_PERIOD_NS;
	for (i = 0; i < p->cfg->nnodes; i++) {
		int id = p->cfg->nodes[i].id;

		if (!peers_usable(p, id))
			p->usable_ns[id] = 0;
		else if (!p->usable_ns[id])
			p->usable_ns[id] = now;
	}
}

/* Judge one link (bit: its place in margin_tight); log a change of verdict. */
static void margin_link(struct peers *p, int id, int l, const struct hbpf_link *lnk, uint64_t bit)
{
	const struct hbpf_config *cfg = p->cfg;
	uint64_t interval = (uint64_t)cfg->interval_ms * 1000000ull;
	struct margin m;
	char buf[320];

	margin_judge(interval, cfg->detect_mult, lnk->rtt_avg_ns, lnk->jitter_ns, &m);
	if (m.tight == !!(p->margin_tight & bit))
		return;
	p->margin_tight ^= bit;
	margin_format(&m, lnk->rtt_avg_ns, lnk->jitter_ns, buf, sizeof(buf));
	if (m.tight)
		log_warnx("link %s to %s: %s", cfg->link_names[l], peers_name(p, id), buf);
	else
		log_info("link %s to %s: %s again", cfg->link_names[l], peers_name(p, id), buf);
}

/* Judge every link this node hears against the timers. */
static void margin_tick(struct peers *p, uint64_t now)
{
	int fd = kern_map_fd(p->k, "links"), i, l;

	if (!p->margin_check_ns)
		p->margin_check_ns = now + MARGIN_FIRST_NS;
	if (now < p->margin_check_ns || fd < 0)
		return;
	p->margin_check_ns = now + MARGIN_PERIOD_NS;
	for (i = 0; i < p->cfg->nnodes; i++) {
		int id = p->cfg->nodes[i].id;

		if (id == p->self)
			continue;
		for (l = 0; l < p->cfg->nlinks; l++) {
			__u32 key = (__u32)(id * HBPF_MAX_LINKS + l);
			struct hbpf_link lnk;

			if (bpf_map_lookup_elem(fd, &key, &lnk) || !lnk.rx || !lnk.echo_rx ||
			    !margin_fresh(now, lnk.last_seen_ns))
				continue;
			margin_link(p, id, l, &lnk, 1ull << key);
		}
	}
}

void peers_tick(struct peers *p, uint64_t now)
{
	usable_tick(p, now);
	margin_tick(p, now);
}
