// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test helper for hbpfctl: pins a known set of hbpf maps under DIR/v1 so that
 * hbpfctl can be checked against values the test knows, without a daemon.
 *
 *   mkmaps DIR [stale|stopped|bad-peers|bad-type]
 *
 * Ages are set relative to CLOCK_MONOTONIC now, so hbpfctl (run right after)
 * sees e.g. a peer last seen a few ms ago.  "stale" ages the daemon stamp past
 * the daemon deadline, "stopped" zeroes it, "bad-peers" pins a peers map with
 * a 64-byte value (an older layout), "bad-type" a HASH where an ARRAY belongs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <hbpf/abi.h>

#define MS 1000000ull

static char dir[512];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Create and pin one map under dir; exits on error. */
static int mk(const char *name, enum bpf_map_type type, __u32 ksz, __u32 vsz, __u32 max)
{
	char path[600];
	int fd;

	fd = bpf_map_create(type, name, ksz, vsz, max, NULL);
	if (fd < 0) {
		fprintf(stderr, "mkmaps: create %s: %s\n", name, strerror(errno));
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (bpf_obj_pin(fd, path)) {
		fprintf(stderr, "mkmaps: pin %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fd;
}

static void put(int fd, __u32 key, const void *val)
{
	if (bpf_map_update_elem(fd, &key, val, BPF_ANY)) {
		fprintf(stderr, "mkmaps: update key %u: %s\n", key, strerror(errno));
		exit(1);
	}
}

static void vip(int fd, const char *addr, __u32 set)
{
	struct hbpf_vip_key k = {0};
	struct hbpf_vip v = {.set = set, .ifindex = 1};

	inet_pton(AF_INET, addr, &k.addr);
	if (bpf_map_update_elem(fd, &k, &v, BPF_ANY)) {
		fprintf(stderr, "mkmaps: vip %s: %s\n", addr, strerror(errno));
		exit(1);
	}
}

/* Per-CPU counter idx: `first` on CPU 0 plus `last` on the last CPU. */
static void percpu(int fd, int ncpus, __u32 idx, __u64 first, __u64 last)
{
	__u64 *v = calloc(ncpus, sizeof(*v));

	if (!v)
		exit(1);
	v[0] += first;
	v[ncpus - 1] += last;
	put(fd, idx, v);
	free(v);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 2 ? argv[2] : "";
	int ncpus = libbpf_num_possible_cpus();
	uint64_t now = now_ns();
	struct hbpf_cfg cfg = {0};
	struct hbpf_local loc = {0};
	struct hbpf_set set = {0};
	struct hbpf_peer peer = {0};
	struct hbpf_link lk = {0};
	int fd;

	if (argc < 2 || ncpus <= 0) {
		fprintf(stderr, "usage: mkmaps DIR [stale|stopped|bad-peers|bad-type]\n");
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s/v%d", argv[1], HBPF_LAYOUT_VERSION);
	if (mkdir(argv[1], 0700) && errno != EEXIST) {
		perror("mkmaps: mkdir");
		return 1;
	}
	if (mkdir(dir, 0700) && errno != EEXIST) {
		perror("mkmaps: mkdir");
		return 1;
	}

	cfg.cluster = 42;
	cfg.self = 0;
	cfg.nlinks = 2;
	cfg.port = HBPF_PORT_DEFAULT;
	cfg.interval_ns = 2 * MS;
	cfg.detect_ns = 10 * MS;
	cfg.daemon_dead_ns = 500 * MS;
	cfg.demote_ns = 450 * MS;
	cfg.nodes_mask = 0x7;
	cfg.auto_mask = 0x1;
	fd = strcmp(mode, "bad-type") ? mk("config", BPF_MAP_TYPE_ARRAY, 4, sizeof(cfg), 1) :
					mk("config", BPF_MAP_TYPE_HASH, 4, sizeof(cfg), 1);
	put(fd, 0, &cfg);

	loc.pid = 4242;
	loc.flags = HBPF_WF_DAEMON_UP;
	loc.stamp_ns = now - 3 * MS;
	loc.last_tx_ns = now - 1 * MS;
	if (!strcmp(mode, "stale"))
		loc.stamp_ns = now - 800 * MS;
	if (!strcmp(mode, "stopped"))
		loc.stamp_ns = 0;
	fd = mk("local", BPF_MAP_TYPE_ARRAY, 4, sizeof(loc), 1);
	put(fd, 0, &loc);

	fd = mk("sets", BPF_MAP_TYPE_ARRAY, 4, sizeof(set), HBPF_MAX_SETS);
	memcpy(set.vmac, "\x02\x00\xc6\x12\x00\x0a", 6);
	set.owned = 1;
	set.owner = 0;
	set.flags = HBPF_SF_CONFIGURED | HBPF_SF_AUTO;
	set.epoch = 3;
	set.changed_ns = now - 12300 * MS;
	memset(set.prio, HBPF_NODE_NONE, sizeof(set.prio));
	put(fd, 0, &set);
	memcpy(set.vmac, "\x02\x00\xc6\x12\x00\x14", 6);
	set.owned = 0;
	set.owner = 1;
	set.flags = HBPF_SF_CONFIGURED;
	set.epoch = 7;
	set.changed_ns = now - 307000 * MS;
	put(fd, 1, &set);

	fd = mk("vips", BPF_MAP_TYPE_HASH, sizeof(struct hbpf_vip_key), sizeof(struct hbpf_vip),
		HBPF_MAX_VIPS);
	vip(fd, "198.18.0.11", 0);
	vip(fd, "198.18.0.10", 0);
	vip(fd, "198.18.0.20", 1);

	fd = strcmp(mode, "bad-peers") ?
		     mk("peers", BPF_MAP_TYPE_ARRAY, 4, sizeof(peer), HBPF_MAX_NODES) :
		     mk("peers", BPF_MAP_TYPE_ARRAY, 4, 64, HBPF_MAX_NODES);
	if (!strcmp(mode, "bad-peers"))
		return 0;
	peer.state = HBPF_PEER_ALIVE;
	peer.last_seen_ns = now - 1 * MS;
	peer.last_hb_ns = now - 1 * MS;
	peer.rx = 1000;
	peer.echo_rx = 990;
	peer.daemon_age_us = 3000;
	peer.flags = HBPF_WF_DAEMON_UP | HBPF_WF_PUBLIC_UP;
	peer.handoff_set = HBPF_NODE_NONE;
	put(fd, 1, &peer);

	fd = mk("links", BPF_MAP_TYPE_ARRAY, 4, sizeof(lk), HBPF_MAX_NODES * HBPF_MAX_LINKS);
	lk.last_seen_ns = now - 1 * MS;
	lk.rx = 900;
	lk.echo_rx = 880;
	lk.lost = 100;
	lk.rtt_ns = 35200;
	lk.rtt_avg_ns = 33100;
	lk.jitter_ns = 4000;
	put(fd, 1 * HBPF_MAX_LINKS + 0, &lk);

	fd = mk("drops", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, HBPF_DROP_SLOTS);
	percpu(fd, ncpus, HBPF_DROP_SHORT, 1, 2);
	percpu(fd, ncpus, HBPF_DROP_CLUSTER, 4, 0);
	fd = mk("stats", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, HBPF_STAT_SLOTS);
	percpu(fd, ncpus, HBPF_STAT_HB_RX, 5, 7);
	return 0;
}
