/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The heartbeat sender: a real-time thread that sends an HB to every peer on
 * every link each interval, on absolute-time sleeps, so that CPU load does not
 * stretch the interval.  It reads this node's state (owned sets, epochs,
 * daemon stamp) from the mmapped maps and the handoff/move announcements from
 * the main thread through atomics; it never blocks on anything else.  Every
 * HB is signed with the send key (slot 0 of the "keys" map) and carries this
 * daemon's boot value, so that receivers can tell a restart from a replay.
 */
#ifndef HBPF_SENDER_H
#define HBPF_SENDER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include "config.h"
#include "loader.h"

#define SENDER_MAX_DST (HBPF_MAX_NODES * HBPF_MAX_LINKS)

struct sender_dst {
	int fd; /* the link's socket */
	uint8_t link, peer;
	struct sockaddr_in to;
};

struct sender {
	pthread_t th;
	int running;
	int stop; /* atomic: ask the thread to exit */
	int fds[HBPF_MAX_LINKS];
	int ndst;
	struct sender_dst dst[SENDER_MAX_DST];
	uint32_t seq[HBPF_MAX_LINKS];
	uint64_t boot;	     /* CLOCK_REALTIME ns at start; grows when a seq wraps */
	struct hbpf_key key; /* send key */
	uint32_t cluster;
	uint8_t self;
	uint64_t interval_ns;
	struct hbpf_kern *k;
	int rt_prio; /* SCHED_FIFO priority, 0 = none */
	/* Announcements, written by the main thread with __atomic stores.
	 * Handoffs: one slot per set (node or 0xff), so handing over several
	 * sets at once (a shutdown) loses none: heartbeats carry the active
	 * ones in turn.  move: (set << 8 | node), 0xffff = none. */
	uint32_t handoff_to[HBPF_MAX_SETS];
	uint32_t handoff_epoch[HBPF_MAX_SETS]; /* our epoch of the set when released */
	uint64_t handoff_until_ns[HBPF_MAX_SETS];
	unsigned handoff_rr; /* sender thread only */
	uint32_t move;
	uint64_t move_until_ns;
	/* statistics */
	uint64_t sent, send_errors, late;
};

/* Open one UDP socket per link, bound to this node's link address and port
 * and to the link's interface; take the send key from the "keys" map, which
 * must be filled (-ENOKEY otherwise). */
int sender_init(struct sender *s, const struct hbpf_config *cfg, int self_idx, struct hbpf_kern *k);
int sender_start(struct sender *s, int rt_prio);
void sender_stop(struct sender *s);

/* Announce in every HB for hold_ns: set released for node (handoff), or a
 * request to set's owner to move it to node. */
void sender_handoff(struct sender *s, int set, int node, uint64_t hold_ns);
void sender_move(struct sender *s, int set, int node, uint64_t hold_ns);

/* Build and sign the HB for one destination into w (room for
 * HBPF_WIRE_MAX_LEN bytes); returns its length, 0 if this node's state
 * cannot be put on the wire (exposed for tests). */
size_t sender_build(struct sender *s, const struct sender_dst *d, uint64_t now,
		    struct hbpf_wire *w);

/* Advance every link's seq; on a wrap take a new, larger boot value so that
 * receivers' replay windows accept the restarted numbering (exposed for tests). */
void sender_next_seq(struct sender *s);

/* A boot value: CLOCK_REALTIME in ns, at least prev + 1. */
uint64_t sender_boot_value(uint64_t prev);

#endif /* HBPF_SENDER_H */
