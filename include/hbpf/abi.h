/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * hbpf shared ABI: the heartbeat wire format, the pinned map keys and values,
 * the ring-buffer event records and the limits.  This header is the single
 * source of truth for the BPF programs (bpf/) and userspace (user/, tests/).
 *
 * Rules: fixed-width types only, explicit padding, no bool/enum members, every
 * struct size asserted.  Included from BPF after vmlinux.h (which provides the
 * __u8..__u64/__be16/__be32 types) and from userspace after <linux/types.h>.
 */
#ifndef HBPF_ABI_H
#define HBPF_ABI_H

#ifndef __bpf__
#include <linux/types.h>
#endif

/* Version of the pinned layout; pins live under <pin-root>/v<N>/. */
#define HBPF_LAYOUT_VERSION 3
#define HBPF_PIN_ROOT_DEFAULT "/sys/fs/bpf/hbpf"

/* Limits.  Node ids and set ids index arrays, so they stay small. */
#define HBPF_MAX_NODES 16   /* node id 0..15 */
#define HBPF_MAX_LINKS 4    /* heartbeat links per node, index 0..3 */
#define HBPF_MAX_SETS 32    /* set id 0..31 (bit i of the owned masks) */
#define HBPF_MAX_VIPS 256   /* virtual IPv4 addresses, all sets together */
#define HBPF_MAX_IFACES 8   /* interfaces the XDP program is attached to */
#define HBPF_NODE_NONE 0xff /* "no node" in every __u8 node field */

/* ------------------------------------------------------------------------ */
/* Heartbeat wire format: the UDP payload (IPv4, destination port from the
 * config, default HBPF_PORT_DEFAULT).  All multi-byte fields big-endian.
 *
 * A node's daemon sends an HB to every peer on every link every `interval`.
 * The receiving XDP program records it and turns the same frame around at
 * once (XDP_TX) as an ECHO of the same length: it swaps MAC, IP and UDP
 * endpoints and rewrites the state part (flags .. epoch[]) with its own
 * node's state, keeping the first HBPF_WIRE_KEPT_LEN bytes (seq, orig_tx_ns
 * and boot among them) so that the originator's XDP program measures the
 * round trip kernel to kernel.
 *
 * Length (wire version 3): the fixed struct hbpf_wire (HBPF_WIRE_HDR_LEN
 * bytes), then one epoch slot per set, epoch[nsets], then the 8-byte mac:
 * HBPF_WIRE_LEN(nsets) bytes in all, 54 to 182.  The sender carries nsets =
 * its highest configured (or owned) set id + 1, so a cluster with 2 sets
 * pays for 2 slots, not HBPF_MAX_SETS.  A payload whose length is not
 * exactly HBPF_WIRE_LEN(nsets) is dropped (short / size), and so is nsets >
 * HBPF_MAX_SETS (size).  A set's slot says both whether src_node owns it
 * (HBPF_WIRE_OWNED) and src_node's epoch of it, so no claim comes without
 * its epoch; a packet says nothing about the sets it has no slot for, and
 * what the receiver knew about them stands.
 *
 * Authentication (docs/AUTH.md): mac is SipHash-2-4 under a 128-bit cluster
 * key over every byte before it (HBPF_WIRE_MAC_OFF(nsets) bytes), keyid
 * names the key.  An HB is signed by the sender with its send key, an ECHO
 * is re-signed by the echoer's XDP program with the echoer's send key after
 * the rewrite.  Replay: (boot, seq) of HBs only ever grows per (peer, link);
 * an ECHO must carry one of our own recent orig_tx_ns, newer than the last
 * one.  Every field is where it is for the cost of the two MACs an HB costs
 * its receiver: the ECHO's part begins on a 64-bit word, so the MAC state of
 * the kept prefix serves both; nothing pads the signed bytes, since SipHash
 * pads its last block itself (a padding word would cost a block).
 */
#define HBPF_PORT_DEFAULT 7201
#define HBPF_WIRE_MAGIC 0x48425046u /* "HBPF" */
#define HBPF_WIRE_VERSION 3

#define HBPF_WT_HB 1   /* heartbeat, built by the sender's daemon */
#define HBPF_WT_ECHO 2 /* reflection built by the receiver's XDP program */

/* hbpf_wire.flags */
#define HBPF_WF_DAEMON_UP (1u << 0) /* src daemon running (stamp valid) */
#define HBPF_WF_RESTARTING                                                \
	(1u << 1)		    /* set only while src's clean-restart \
				     * grace lasts: do not judge daemon_age */
#define HBPF_WF_PUBLIC_UP (1u << 2) /* src node's public interface has carrier */
#define HBPF_WF_SHUTDOWN (1u << 3)  /* src daemon stopping cleanly, holds nothing */
/*
 * src node's automatic takeovers are gated by its tie-breaker (or refused:
 * "tie-breaker none"): its kernel never takes a dead peer's set itself, it
 * sends HBPF_EV_CLAIM and the daemon takes the set only after a fresh
 * tie-breaker answer (docs/TIEBREAK.md).
 */
#define HBPF_WF_TB_GATE (1u << 4)
/* src daemon has not finished its start-up resume round (it may still take
 * back the sets it held when it stopped): peers hold their priority claims. */
#define HBPF_WF_STARTING (1u << 5)

struct hbpf_wire {
	/* Bytes [0, HBPF_WIRE_KEPT_LEN): the ECHO keeps them (keyid too, when the
	 * echoer signs with the key that made the HB's mac). */
	__be32 magic;	   /* HBPF_WIRE_MAGIC */
	__u8 version;	   /* HBPF_WIRE_VERSION */
	__u8 link;	   /* link index the packet travels on (same on all nodes) */
	__u8 nsets;	   /* epoch slots carried, 0..HBPF_MAX_SETS */
	__u8 keyid;	   /* key that made mac, 1..255 (ECHO: the echoer's) */
	__be32 cluster;	   /* cluster id from the config; mismatch => drop */
	__be32 seq;	   /* originator's per-link sequence number */
	__be64 orig_tx_ns; /* originator's CLOCK_MONOTONIC at send, ns */
	__be64 boot;	   /* originator's daemon start, CLOCK_REALTIME ns; a
			    * larger value resets the replay window */
	/* The state of src_node: the echoer rewrites all of it. */
	__be32 flags;	      /* HBPF_WF_* of src_node; RESTARTING only while
			       * its restart grace lasts */
	__be32 daemon_age_us; /* age of src_node's daemon liveness stamp, us */
	__u8 type;	      /* HBPF_WT_* */
	__u8 src_node;	      /* node that built this packet (ECHO: the echoer) */
	__u8 handoff_set;     /* set src_node has released for handoff_to, or 0xff */
	__u8 handoff_to;      /* node that should take handoff_set now, or 0xff */
	__u8 move_set;	      /* request: owner of move_set hand it to move_to */
	__u8 move_to;	      /* or 0xff; only in HB */
	__be32 epoch[];	      /* [nsets]: set s's slot, HBPF_WIRE_OWNED when src_node
			       * owns set s, | src_node's epoch of set s (31 bits,
			       * 0 = never owned); then mac[8]: SipHash-2-4(key,
			       * bytes [0, HBPF_WIRE_MAC_OFF(nsets))), the 64-bit
			       * result in little-endian byte order */
} __attribute__((packed));
#define HBPF_WIRE_HDR_LEN 46  /* sizeof(struct hbpf_wire): the fixed part */
#define HBPF_WIRE_KEPT_LEN 32 /* offsetof(struct hbpf_wire, flags) */
_Static_assert(sizeof(struct hbpf_wire) == HBPF_WIRE_HDR_LEN, "hbpf_wire layout");
_Static_assert(__builtin_offsetof(struct hbpf_wire, flags) == HBPF_WIRE_KEPT_LEN, "kept prefix");
_Static_assert(HBPF_WIRE_KEPT_LEN % 8 == 0, "the kept prefix is whole 64-bit words");
#define HBPF_WIRE_OWNED 0x80000000u	 /* epoch slot: src_node owns the set */
#define HBPF_WIRE_EPOCH_MASK 0x7fffffffu /* epoch slot: the epoch; epochs are 31-bit */
/* Offset of the mac: the length of the signed bytes. */
#define HBPF_WIRE_MAC_OFF(nsets) (HBPF_WIRE_HDR_LEN + 4u * (nsets))
/* The whole payload. */
#define HBPF_WIRE_LEN(nsets) (HBPF_WIRE_MAC_OFF(nsets) + 8u)
#define HBPF_WIRE_MIN_LEN HBPF_WIRE_LEN(0)	       /* 54 */
#define HBPF_WIRE_MAX_LEN HBPF_WIRE_LEN(HBPF_MAX_SETS) /* 182 */

/* ------------------------------------------------------------------------ */
/* Maps (all pinned under <pin-root>/v3/ by name, BTF-described).            */

/*
 * "config" (ARRAY, 1 entry, key __u32 0): written by the daemon before it
 * starts the programs' timers; read by every program.  Times in ns.
 */
struct hbpf_cfg {
	__u32 cluster;	      /* cluster id */
	__u8 self;	      /* this node's id */
	__u8 nlinks;	      /* heartbeat links in use */
	__u16 port;	      /* heartbeat UDP port, host order */
	__u64 interval_ns;    /* heartbeat interval */
	__u64 detect_ns;      /* peer dead after this much silence (detect_mult x interval) */
	__u64 daemon_dead_ns; /* peer daemon dead when its stamp is older than this */
	__u64 demote_ns;      /* own daemon stamp older than this => demote self
			       * (daemon_dead_ns minus a safety margin) */
	__u32 nodes_mask;     /* bit n: node n is configured */
	__u32 auto_mask;      /* bit s: set s may be taken over automatically */
};
_Static_assert(sizeof(struct hbpf_cfg) == 48, "hbpf_cfg layout");

/*
 * "local" (ARRAY, 1 entry, BPF_F_MMAPABLE): this node's daemon state,
 * written by the daemon through mmap, read by the kernel.
 */
struct hbpf_local {
	__u64 stamp_ns;		/* daemon liveness stamp, CLOCK_MONOTONIC ns */
	__u64 last_tx_ns;	/* when the sender last sent a heartbeat */
	__u64 restart_until_ns; /* clean restart in progress until then (0 = none) */
	__u32 pid;		/* daemon pid */
	__u32 flags;		/* HBPF_WF_* this node announces */
};
_Static_assert(sizeof(struct hbpf_local) == 32, "hbpf_local layout");

/*
 * "keys" (ARRAY, HBPF_MAX_KEYS entries, key __u32 slot): the heartbeat MAC
 * keys, written by the daemon from the key file before the programs run.
 * Slot 0 is the send key (HBs and ECHOs are signed with it); slot 1, when
 * keyid != 0, is also accepted (key rollover).  keyid 0 = slot empty.
 */
#define HBPF_MAX_KEYS 2
struct hbpf_key {
	__u8 keyid;   /* 1..255, 0 = empty */
	__u8 pad[7];  /* zero */
	__u8 key[16]; /* SipHash key bytes k0 (LE) then k1 (LE), as in the key file */
};
_Static_assert(sizeof(struct hbpf_key) == 24, "hbpf_key layout");

/* hbpf_set.flags */
#define HBPF_SF_CONFIGURED (1u << 0) /* slot in use */
#define HBPF_SF_AUTO (1u << 1)	     /* automatic takeover allowed */
#define HBPF_SF_FENCED                                                \
	(1u << 2) /* has disk groups: the daemon fences (acquires the \
		   * lease) before the kernel may own it */
#define HBPF_SF_DAMPENED                                                \
	(1u << 3) /* moved dampen-count times within the window: a lost \
		   * peer's set is the daemon's to take (after a hold-down) */

/*
 * "sets" (ARRAY, HBPF_MAX_SETS entries, BPF_F_MMAPABLE, key = set id):
 * the kernel's view of every service set.  The XDP gate answers for a set's
 * VIPs and VMAC only while owned == 1.
 */
struct hbpf_set {
	__u8 vmac[6];		   /* the set's virtual MAC */
	__u8 owned;		   /* 1: this node owns the set (the gate answers) */
	__u8 owner;		   /* node believed to own it (self, a peer) or 0xff */
	__u8 prio[HBPF_MAX_NODES]; /* node ids in takeover order, 0xff-terminated */
	__u32 flags;		   /* HBPF_SF_* */
	__u32 epoch;		   /* highest epoch seen or made for the set */
	__u64 changed_ns;	   /* when owned last changed */
	__u64 garp_req_ns;	   /* when the kernel last asked for a re-announce */
};
_Static_assert(sizeof(struct hbpf_set) == 48, "hbpf_set layout");

/*
 * "vips" (HASH, key = struct hbpf_vip_key): which set a virtual IPv4 belongs to.
 */
struct hbpf_vip_key {
	__be32 addr; /* IPv4 address, network order */
};
struct hbpf_vip {
	__u32 set;     /* set id */
	__u32 ifindex; /* public interface that carries it */
};
_Static_assert(sizeof(struct hbpf_vip) == 8, "hbpf_vip layout");

/* "vmacs" (HASH): virtual MAC -> set id, for the gate's L2 checks. */
struct hbpf_mac_key {
	__u8 mac[6];
	__u8 pad[2]; /* zero */
};
_Static_assert(sizeof(struct hbpf_mac_key) == 8, "hbpf_mac_key layout");

/*
 * "ifaces" (HASH, key = __u32 ifindex): the interfaces xdp_node runs on.
 * The gate needs the interface's own MAC to hand frames sent to an owned VMAC
 * to the stack (it rewrites the destination MAC to this one).
 */
struct hbpf_iface {
	__u8 mac[6]; /* the interface's own MAC */
	__u8 link;   /* heartbeat link index on it, or 0xff */
	__u8 public; /* 1: carries VIPs (gate active) */
	__u32 pad;
};
_Static_assert(sizeof(struct hbpf_iface) == 12, "hbpf_iface layout");

/* hbpf_peer.state */
#define HBPF_PEER_UNKNOWN 0 /* never heard */
#define HBPF_PEER_ALIVE 1
#define HBPF_PEER_DEAD 2	/* kernel deadline fired */
#define HBPF_PEER_DAEMON_DEAD 3 /* kernel alive, daemon stamp too old */

/*
 * "peers" (ARRAY, HBPF_MAX_NODES entries, key = node id): per-peer liveness
 * as measured by the XDP program, over all links together.
 */
struct hbpf_peer {
	__u64 last_seen_ns;  /* last HB or ECHO from the peer, any link */
	__u64 last_hb_ns;    /* last HB (peer's daemon sent it) */
	__u64 last_echo_ns;  /* last ECHO (peer's kernel reflected ours) */
	__u64 state_ns;	     /* when state last changed */
	__u64 rx;	     /* heartbeats received */
	__u64 echo_rx;	     /* echoes received */
	__u32 state;	     /* HBPF_PEER_* */
	__u32 flags;	     /* peer's last HBPF_WF_* */
	__u32 owned;	     /* sets the peer last announced */
	__u32 daemon_age_us; /* peer's last announced daemon stamp age */
	__u32 deaths;	     /* times the deadline fired */
	__u8 handoff_set;    /* last handoff the peer announced (dedup), or 0xff */
	__u8 handoff_to;
	__u8 move_set; /* last move request the peer sent (dedup), or 0xff */
	__u8 move_to;
};
_Static_assert(sizeof(struct hbpf_peer) == 72, "hbpf_peer layout");

/*
 * "links" (ARRAY, HBPF_MAX_NODES * HBPF_MAX_LINKS entries,
 * key = peer * HBPF_MAX_LINKS + link): per-peer, per-link statistics.
 */
struct hbpf_link {
	__u64 last_seen_ns; /* last HB or ECHO on this link */
	__u64 rx;	    /* heartbeats received */
	__u64 echo_rx;	    /* echoes received */
	__u64 lost;	    /* heartbeats missing by sequence number */
	__u64 rtt_ns;	    /* last round trip, ns */
	__u64 rtt_avg_ns;   /* smoothed round trip (1/8 EWMA), ns */
	__u64 jitter_ns;    /* smoothed |delta inter-arrival - interval| (1/16), ns */
	__u32 last_seq;	    /* last heartbeat sequence */
	__u32 ifindex;	    /* where it arrived */
};
_Static_assert(sizeof(struct hbpf_link) == 64, "hbpf_link layout");

/*
 * "timers" (ARRAY, HBPF_MAX_NODES + 1 entries, BPF-only value holding a
 * struct bpf_timer): entry n is peer n's deadline, entry HBPF_TIMER_SELF the
 * local daemon watchdog.  Pinned, so deadlines outlive a crashed daemon.
 */
#define HBPF_TIMER_SELF HBPF_MAX_NODES

/*
 * "drops" (PERCPU_ARRAY, HBPF_DROP_SLOTS entries): packets dropped, by
 * reason.  The map has room for reasons not yet named, so a new one does not
 * change the pinned layout; entries from HBPF_DROP_MAX on stay zero.
 */
#define HBPF_DROP_SLOTS 32
#define HBPF_DROP_SHORT 0	    /* truncated heartbeat */
#define HBPF_DROP_MAGIC 1	    /* bad magic */
#define HBPF_DROP_VERSION 2	    /* unknown wire version */
#define HBPF_DROP_CLUSTER 3	    /* wrong cluster id */
#define HBPF_DROP_NODE 4	    /* unknown or self src_node */
#define HBPF_DROP_LINK 5	    /* link index out of range */
#define HBPF_DROP_TYPE 6	    /* unknown type */
#define HBPF_DROP_SIZE 7	    /* oversized payload */
#define HBPF_DROP_ARP_FOREIGN 8	    /* ARP for a VIP this node does not own */
#define HBPF_DROP_VMAC_FOREIGN 9    /* frame to a VMAC this node does not own */
#define HBPF_DROP_VIP_FOREIGN 10    /* IP to a VIP this node does not own */
#define HBPF_DROP_EGRESS_FOREIGN 11 /* egress from a VIP this node does not own */
#define HBPF_DROP_KEY 12	    /* heartbeat keyid not in the keys map */
#define HBPF_DROP_MAC 13	    /* heartbeat MAC does not verify */
#define HBPF_DROP_REPLAY 14	    /* replayed heartbeat/echo (not newer than the window) */
#define HBPF_DROP_STALE_ECHO 15	    /* echo older than 2 x detect: a late path, not a replay */
#define HBPF_DROP_MAX 16

/* "stats" (PERCPU_ARRAY, HBPF_STAT_SLOTS entries, room to grow as drops has):
 * counters of normal work. */
#define HBPF_STAT_SLOTS 32
#define HBPF_STAT_HB_RX 0
#define HBPF_STAT_ECHO_TX 1
#define HBPF_STAT_ECHO_RX 2
#define HBPF_STAT_ARP_REPLY 3	   /* ARP requests answered with a VMAC */
#define HBPF_STAT_VMAC_RX 4	   /* frames to an owned VMAC accepted */
#define HBPF_STAT_EGRESS_REWRITE 5 /* egress source MAC rewritten to VMAC */
#define HBPF_STAT_GARP_TX 6
#define HBPF_STAT_TIMER_FIRE 7
#define HBPF_STAT_TIMER_STARVED 8 /* deadline deferred: we had not sent */
#define HBPF_STAT_STALE_ARP 9	  /* foreign ARP claiming an owned VIP seen */
#define HBPF_STAT_GARP_REFUSED 10 /* GARP asked for a set not owned */
#define HBPF_STAT_MAX 11
_Static_assert(HBPF_DROP_MAX <= HBPF_DROP_SLOTS && HBPF_STAT_MAX <= HBPF_STAT_SLOTS,
	       "drops/stats slots");

/* ------------------------------------------------------------------------ */
/* Ring buffer "events": kernel -> daemon.                                   */
#define HBPF_EV_PEER_UP 1	   /* peer heard again (node) */
#define HBPF_EV_PEER_DEAD 2	   /* peer deadline fired (node) */
#define HBPF_EV_PEER_DAEMON_DEAD 3 /* peer kernel alive, daemon stamp stale (node) */
#define HBPF_EV_TAKEOVER 4	   /* kernel made this node owner of set (set, node=from) */
#define HBPF_EV_DEMOTE 5	   /* kernel dropped this node's ownership of set (set) */
#define HBPF_EV_YIELD 6		   /* higher epoch seen for an owned set: yielded (set, node) */
#define HBPF_EV_MOVE_REQ 7	   /* peer asks us to move set to node (set, node) */
#define HBPF_EV_STALE_ARP 8	   /* foreign ARP for an owned VIP: re-announce (set) */
#define HBPF_EV_CLAIM                                           \
	9 /* owner dead and this node is next for a fenced set: \
	   * the daemon acquires its disk groups, then owns it (set, node=from) */

/* hbpf_event.reason for TAKEOVER/DEMOTE */
#define HBPF_RS_PEER_DEAD 1   /* previous owner's kernel went silent */
#define HBPF_RS_DAEMON_DEAD 2 /* previous owner's daemon went stale */
#define HBPF_RS_HANDOFF 3     /* previous owner handed the set over */
#define HBPF_RS_SELF_STALE 4  /* our own daemon stamp went stale */
#define HBPF_RS_EPOCH 5	      /* a higher epoch exists elsewhere */

struct hbpf_event {
	__u64 ts_ns;	    /* CLOCK_MONOTONIC when the kernel acted */
	__u64 last_seen_ns; /* for peer events: peer's last heartbeat/echo */
	__u32 type;	    /* HBPF_EV_* */
	__u32 reason;	    /* HBPF_RS_* */
	__u32 epoch;	    /* the set's epoch after the change */
	__u8 node;	    /* peer concerned, or 0xff */
	__u8 set;	    /* set concerned, or 0xff */
	__u8 pad[2];
};
_Static_assert(sizeof(struct hbpf_event) == 32, "hbpf_event layout");

#endif /* HBPF_ABI_H */
