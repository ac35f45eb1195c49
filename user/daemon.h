/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hbpfd's top: the configuration, the kernel side, the sender and the event
 * loop, and the modules it routes to.  daemon.c sets everything up, runs the
 * loop and tears it down; it turns kernel events, ticks, signals and carrier
 * changes into calls of the modules below it (set, health, claim, dgrun,
 * ctl_server, peers), and nothing calls back into it except through the
 * sets' struct set_ops.
 */
#ifndef HBPF_DAEMON_H
#define HBPF_DAEMON_H

#include <stdint.h>
#include "claim.h"
#include "config.h"
#include "ctl_server.h"
#include "dgrun.h"
#include "garp.h"
#include "health.h"
#include "loader.h"
#include "loop.h"
#include "netlink.h"
#include "peers.h"
#include "sender.h"
#include "set.h"
#include "ucfilter.h"

struct daemon {
	struct hbpf_config cfg;
	int self_idx; /* index in cfg.nodes */
	uint8_t self; /* node id */
	const char *pin_root;
	const char *sock_path;
	struct hbpf_kern k;
	struct sender snd;
	int snd_ok;
	struct nlctx *nl;
	struct garp garp;
	int garp_ok;
	struct loop loop;
	int pub_ifindex;
	int pub_xdp_mode;    /* XDP_ATTACHED_DRV or _SKB: how xdp_node runs on it */
	struct ucfilter ucf; /* the set VMACs in its unicast filter */
	int stopping;	     /* 1: releasing everything before exit */
	int restarting;	     /* 1: exit keeping the sets */
	int grace_open;	     /* 1: our predecessor's restart grace is still ours to end */
	/* the modules */
	struct peers peers; /* its carrier is the public interface's */
	struct set_ctx setx;
	struct setrt sets[HBPF_MAX_SETS];
	struct health health;
	struct claim claim;
	struct dgrun dg;
	struct ctl_server ctl;
	/* watches */
	struct watch sig_w, tick_w, ring_w, nl_w;
	struct ring_buffer *rb;
};

/* Defaults before the options: pin root, socket path, nothing open. */
void daemon_defaults(struct daemon *d);
/*
 * Load the configuration, find this node (node NULL: the host name) and,
 * with keys set, check the key file.  Errors go to stderr; returns 0 or -1.
 */
int daemon_configure(struct daemon *d, const char *config, const char *node, int keys);
/* Start logging (fg: stderr, else syslog; verbose: -v count) and log the
 * configuration's warnings. */
void daemon_log_start(struct daemon *d, int fg, int verbose);
/* hbpfd -u: detach the programs, remove the pins and the VMAC filters. */
int daemon_unload(struct daemon *d);
/* Set up, run until shutdown or restart, tear down: 0, or -errno of the
 * failed start-up (logged; a fresh start leaves nothing pinned). */
int daemon_main(struct daemon *d);

#endif /* HBPF_DAEMON_H */
