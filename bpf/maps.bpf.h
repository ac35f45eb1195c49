/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The maps every hbpf program shares, and the small helpers around them
 * (counters, events, lookups of the single-entry maps).  Keys and values come
 * from include/hbpf/abi.h.  No pinning attribute here: the daemon sets pin
 * paths from userspace (bpf_map__set_pin_path), tests load without pins.
 */
#ifndef HBPF_MAPS_BPF_H
#define HBPF_MAPS_BPF_H

#include "base.bpf.h"

/* Cluster configuration written by the daemon before it arms the timers. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hbpf_cfg);
} config SEC(".maps");

/* This node's daemon state (liveness stamp, last send), written through mmap. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct hbpf_local);
} local SEC(".maps");

/* Service sets by id: ownership, epoch, VMAC, takeover priority. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, HBPF_MAX_SETS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct hbpf_set);
} sets SEC(".maps");

/* Virtual IPv4 address -> set (and public interface). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HBPF_MAX_VIPS);
	__type(key, struct hbpf_vip_key);
	__type(value, struct hbpf_vip);
} vips SEC(".maps");

/* Virtual MAC -> set id, for the gate's L2 checks. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HBPF_MAX_SETS);
	__type(key, struct hbpf_mac_key);
	__type(value, __u32);
} vmacs SEC(".maps");

/* Interfaces xdp_node runs on: own MAC, link index, public flag. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HBPF_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct hbpf_iface);
} ifaces SEC(".maps");

/* Per-peer liveness over all links, by node id. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, HBPF_MAX_NODES);
	__type(key, __u32);
	__type(value, struct hbpf_peer);
} peers SEC(".maps");

/* Per-peer, per-link statistics, key peer * HBPF_MAX_LINKS + link. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, HBPF_MAX_NODES *HBPF_MAX_LINKS);
	__type(key, __u32);
	__type(value, struct hbpf_link);
} links SEC(".maps");

/*
 * Arrival time of the previous HB on each (peer, link), same key as "links".
 * links.last_seen_ns also moves on ECHOs, so the heartbeat inter-arrival
 * jitter needs its own clock.  BPF-internal, not part of the ABI.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, HBPF_MAX_NODES *HBPF_MAX_LINKS);
	__type(key, __u32);
	__type(value, __u64);
} hb_prev SEC(".maps");

/* Heartbeat MAC keys: slot 0 signs and verifies, slot 1 only verifies. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, HBPF_MAX_KEYS);
	__type(key, __u32);
	__type(value, struct hbpf_key);
} keys SEC(".maps");

/*
 * Replay window of one (peer, link), same key as "links": the highest
 * (boot, seq) of an accepted HB, and the orig_tx_ns of the last accepted ECHO
 * of our own HBs.  BPF-internal, not part of the ABI; pinned with the rest so
 * that a restarted daemon does not reopen the window.
 */
struct hbpf_win {
	__u64 boot;	  /* peer daemon's boot value of the last accepted HB */
	__u64 echo_tx_ns; /* orig_tx_ns of the last accepted ECHO */
	__u32 seq;	  /* seq of the last accepted HB */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, HBPF_MAX_NODES *HBPF_MAX_LINKS);
	__type(key, __u32);
	__type(value, struct hbpf_win);
} hb_win SEC(".maps");

/* Dropped packets by HBPF_DROP_* reason. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HBPF_DROP_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/* Normal work by HBPF_STAT_* counter. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HBPF_STAT_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

/* Kernel -> daemon notifications, records of struct hbpf_event. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/*
 * Holder for one kernel timer; the value type of "timers".  `armed` is 1
 * while a peer deadline is queued: the XDP path then leaves the timer alone
 * (the callback re-arms itself for the remaining time), which saves an
 * hrtimer restart on every packet.  The callback clears it whenever it
 * lets the timer lapse.
 */
struct hbpf_timer {
	struct bpf_timer t;
	__u64 armed;
};

/* Entry n: peer n's deadline; entry HBPF_TIMER_SELF: the self watchdog. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, HBPF_MAX_NODES + 1);
	__type(key, __u32);
	__type(value, struct hbpf_timer);
} timers SEC(".maps");

static __always_inline void count_drop(__u32 reason)
{
	__u64 *v = bpf_map_lookup_elem(&drops, &reason);

	if (v)
		*v += 1;
}

static __always_inline void count_stat(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		*v += 1;
}

/* Count a drop and return the XDP verdict that goes with it. */
static __always_inline int xdp_drop(__u32 reason)
{
	count_drop(reason);
	return XDP_DROP;
}

static __always_inline struct hbpf_cfg *get_cfg(void)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(&config, &k);
}

static __always_inline struct hbpf_local *get_local(void)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(&local, &k);
}

static __always_inline struct hbpf_set *get_set(__u32 s)
{
	return bpf_map_lookup_elem(&sets, &s);
}

static __always_inline struct hbpf_peer *get_peer(__u32 n)
{
	return bpf_map_lookup_elem(&peers, &n);
}

/*
 * Send one event to the daemon.  A full ring buffer loses the event but never
 * the state change: the daemon re-reads the maps on start and on overrun.
 */
static __always_inline void emit(__u32 type, __u32 reason, __u32 node, __u32 set, __u32 epoch,
				 __u64 last_seen_ns, __u64 now)
{
	struct hbpf_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return;
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = now;
	e->last_seen_ns = last_seen_ns;
	e->type = type;
	e->reason = reason;
	e->epoch = epoch;
	e->node = node;
	e->set = set;
	bpf_ringbuf_submit(e, 0);
}

#endif /* HBPF_MAPS_BPF_H */
