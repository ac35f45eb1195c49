/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's view of the cluster, read from the kernel's "peers" and
 * "links" maps: node names, whether a node can take sets (and since when),
 * the next usable node of a set, who holds a set, and whether each link's
 * timing leaves the detection time enough margin.  Reads only; the kernel
 * keeps the maps.
 */
#ifndef HBPF_PEERS_H
#define HBPF_PEERS_H

#include <stdint.h>
#include "config.h"
#include "loader.h"

struct peers {
	const struct hbpf_config *cfg;
	struct hbpf_kern *k;
	int self;    /* this node's id */
	int carrier; /* this node's public link: its own usability */
	/* since when each node id has been usable (peers_usable), 0 = not now */
	uint64_t usable_ns[HBPF_MAX_NODES];
	uint64_t usable_check_ns;
	/* timer margin: next check, and the links judged too tight
	 * (bit peer * HBPF_MAX_LINKS + link) */
	uint64_t margin_check_ns;
	uint64_t margin_tight;
};

void peers_init(struct peers *p, const struct hbpf_config *cfg, struct hbpf_kern *k, int self);
/* The configured name of node id, "-" for none. */
const char *peers_name(const struct peers *p, int id);
/* The kernel's record of node id (zeroed when there is none): HBPF_PEER_*;
 * this node is always HBPF_PEER_ALIVE. */
int peers_state(struct peers *p, int id, struct hbpf_peer *out);
/* Node id can take sets: alive, daemon up, public link up, not shutting down. */
int peers_usable(struct peers *p, int id);
/* Since when node id has been usable without a break (ns), 0 = not usable. */
uint64_t peers_usable_since(struct peers *p, int id);
/* First usable node of c's order other than skip, or -1. */
int peers_next(struct peers *p, const struct hbpf_cfg_set *c, int skip);
/* First other node of c's order that is not usable, or -1 (all in sight). */
int peers_first_unseen(struct peers *p, const struct hbpf_cfg_set *c);
/* A live peer that announces set s (its heartbeats' owned mask), or -1. */
int peers_holder(struct peers *p, int s);
/* A live peer has not finished its resume round yet (HBPF_WF_STARTING). */
int peers_starting(struct peers *p);
/* Periodic: sample usability (for peers_usable_since) and judge the links'
 * timer margin, logging each change. */
void peers_tick(struct peers *p, uint64_t now);

#endif /* HBPF_PEERS_H */
