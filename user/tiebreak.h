/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tie-breaker prober: ICMP echo requests to one third-party address, sent
 * on the public interface from the daemon's event loop, and their answers.
 * A node that still reaches that address after losing every heartbeat from
 * its peer is on the side of the network that serves clients; a node that
 * does not is the one cut off, and must not take the peer's sets
 * (docs/TIEBREAK.md).
 */
#ifndef HBPF_TIEBREAK_H
#define HBPF_TIEBREAK_H

#include <stdint.h>
#include <netinet/in.h>

#define TB_RING 64 /* probes remembered, to match answers to send times */

struct tiebreak {
	int fd; /* raw ICMP socket bound to the public interface, -1 = closed */
	struct in_addr addr;
	uint16_t ident;		   /* echo identifier of this daemon */
	uint16_t seq;		   /* next sequence number */
	uint64_t sent_ns[TB_RING]; /* send time of seq % TB_RING (0 = none) */
	uint16_t sent_seq[TB_RING];
	uint64_t open_ns;     /* when probing began */
	uint64_t next_ns;     /* next periodic probe */
	uint64_t ans_ns;      /* when the last answer arrived (0 = never) */
	uint64_t ans_sent_ns; /* when the probe it answered was sent */
	uint64_t sent;	      /* probes sent */
	uint64_t answered;    /* answers matched */
	int reachable;	      /* as last logged: 1 answering, 0 not, -1 unknown */
};

/* Open the socket (bound to ifname); the address is probed from then on. */
int tb_open(struct tiebreak *tb, struct in_addr addr, const char *ifname);
void tb_close(struct tiebreak *tb);
/* Send one echo request now. */
int tb_send(struct tiebreak *tb, uint64_t now);
/* Read every pending answer; returns how many matched one of our probes. */
int tb_recv(struct tiebreak *tb, uint64_t now);
/* 1 if a probe sent within the last timeout_ns was answered. */
int tb_reachable(const struct tiebreak *tb, uint64_t now, uint64_t timeout_ns);

/*
 * The matching part of tb_recv, without I/O: an IPv4 packet as a raw ICMP
 * socket returns it.  Returns the sequence number (0..65535) when it is an
 * echo reply from addr with our identifier and a valid checksum, else -1.
 */
int tb_parse_reply(const void *pkt, size_t len, struct in_addr addr, uint16_t ident);

#endif /* HBPF_TIEBREAK_H */
