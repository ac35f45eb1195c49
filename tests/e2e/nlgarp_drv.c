// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test driver for user/netlink.c and user/garp.c, run by
 * tests/e2e/test_netlink_garp.sh inside its own network namespaces.
 *
 *   nlgarp_drv link IF                      print ifindex, mac, carrier
 *   nlgarp_drv vipadd IF ADDR PREFIX        hnl_vip_add
 *   nlgarp_drv vipdel IF ADDR               hnl_vip_del
 *   nlgarp_drv vippresent IF ADDR           print 1 or 0
 *   nlgarp_drv mon IF TIMEOUT_MS            print "carrier=C" per event on IF,
 *                                           succeed once carrier went 0 then 1
 *   nlgarp_drv garp IF VIP[,VIP...] VMAC PROG OWNED [COUNT]
 *       PROG: none (AF_PACKET only), tx (a two-instruction program returning
 *       XDP_TX), or the path of hbpf.bpf.o (xdp_garp, maps filled for VIP);
 *       OWNED: what the owned() callback answers.  Several VIPs are sent as
 *       one burst (garp_send_burst), COUNT times.  Prints the mode used.
 *   nlgarp_drv uc IF add|del MAC            hnl_uc_add / hnl_uc_del
 *   nlgarp_drv uc IF list                   hnl_uc_list, one MAC a line
 * Exit status 0 on success, 1 on failure (the message says why).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <hbpf/abi.h>

#include "garp.h"
#include "log.h"
#include "netlink.h"
#include "proc.h"

static int parse_ip(const char *s, struct in_addr *a)
{
	if (inet_pton(AF_INET, s, a) != 1) {
		fprintf(stderr, "bad address %s\n", s);
		return -EINVAL;
	}
	return 0;
}

static int parse_mac(const char *s, unsigned char mac[6])
{
	unsigned int m[6];
	char tail;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5], &tail) !=
	    6) {
		fprintf(stderr, "bad mac %s\n", s);
		return -EINVAL;
	}
	for (int i = 0; i < 6; i++)
		mac[i] = (unsigned char)m[i];
	return 0;
}

/* "A,B,C": at most GARP_BURST_MAX addresses. */
static int parse_vips(const char *s, struct in_addr *out, int *n)
{
	char buf[256], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", s);
	*n = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (*n == GARP_BURST_MAX || parse_ip(tok, &out[*n]))
			return -EINVAL;
		(*n)++;
	}
	return *n ? 0 : -EINVAL;
}

static int cmd_uc(struct nlctx *nl, int ifindex, char **av, int ac)
{
	unsigned char mac[6], list[64][6];
	int n;

	if (ac == 1 && !strcmp(av[0], "list")) {
		n = hnl_uc_list(nl, ifindex, list, 64);
		for (int i = 0; i < n; i++)
			printf("%02x:%02x:%02x:%02x:%02x:%02x\n", list[i][0], list[i][1],
			       list[i][2], list[i][3], list[i][4], list[i][5]);
		return n < 0;
	}
	if (ac != 2 || parse_mac(av[1], mac))
		return 2;
	if (!strcmp(av[0], "add"))
		n = hnl_uc_add(nl, ifindex, mac);
	else if (!strcmp(av[0], "del"))
		n = hnl_uc_del(nl, ifindex, mac);
	else
		return 2;
	printf("rc=%d\n", n);
	return n != 0;
}

static int ifindex_of(struct nlctx *nl, const char *ifname)
{
	int ifindex = 0, err;

	err = hnl_link_info(nl, ifname, &ifindex, NULL, NULL);
	return err ? err : ifindex;
}

struct mon_arg {
	const char *ifname;
	int went_down; /* carrier 0 seen */
	int came_back; /* carrier 1 seen after that */
};

static void mon_cb(void *arg, int ifindex, const char *ifname, int carrier)
{
	struct mon_arg *m = arg;

	if (strcmp(ifname, m->ifname))
		return;
	printf("ifindex=%d carrier=%d\n", ifindex, carrier);
	fflush(stdout);
	if (!carrier)
		m->went_down = 1;
	else if (m->went_down)
		m->came_back = 1;
}

static int cmd_mon(struct nlctx *nl, const char *ifname, int timeout_ms)
{
	struct mon_arg m = {.ifname = ifname};
	uint64_t end = mono_now_ns() + (uint64_t)timeout_ms * 1000000ull;
	struct pollfd pfd = {.fd = hnl_mon_fd(nl), .events = POLLIN};

	printf("ready\n");
	fflush(stdout);
	while (!m.came_back) {
		uint64_t now = mono_now_ns();
		int r;

		if (now >= end)
			return 1;
		r = poll(&pfd, 1, (int)((end - now) / 1000000ull) + 1);
		if (r < 0)
			return 1;
		if (r == 0)
			continue;
		r = hnl_mon_dispatch(nl, mon_cb, &m);
		if (r < 0 && r != -ENOBUFS)
			return 1;
	}
	return 0;
}

/* r0 = XDP_TX; exit: transmits whatever garp hands it, owned or not. */
static int load_tx_prog(void)
{
	struct bpf_insn insns[2];

	memset(insns, 0, sizeof(insns));
	insns[0].code = BPF_ALU64 | BPF_MOV | BPF_K;
	insns[0].dst_reg = BPF_REG_0;
	insns[0].imm = XDP_TX;
	insns[1].code = BPF_JMP | BPF_EXIT;
	return bpf_prog_load(BPF_PROG_TYPE_XDP, "drv_tx", "GPL", insns, 2, NULL);
}

/* Load hbpf.bpf.o unpinned and make this node the owner of set 1 with vip. */
static int load_hbpf(const char *path, int ifindex, struct in_addr vip, const unsigned char vmac[6],
		     struct bpf_object **objp)
{
	struct hbpf_vip_key key = {.addr = vip.s_addr};
	struct hbpf_vip val = {.set = 1, .ifindex = (__u32)ifindex};
	struct bpf_program *prog;
	struct hbpf_set set;
	struct bpf_object *obj;
	struct bpf_map *map;
	__u32 sid = 1;
	int err;

	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		return -errno;
	*objp = obj;
	/* Never touch the pinned state of a running daemon. */
	bpf_object__for_each_map (map, obj)
		bpf_map__set_pin_path(map, NULL);
	err = bpf_object__load(obj);
	if (err)
		return err;
	memset(&set, 0, sizeof(set));
	memcpy(set.vmac, vmac, 6);
	set.owned = 1;
	set.owner = 0;
	memset(set.prio, 0xff, sizeof(set.prio));
	set.flags = HBPF_SF_CONFIGURED;
	set.epoch = 1;
	map = bpf_object__find_map_by_name(obj, "sets");
	if (!map || bpf_map_update_elem(bpf_map__fd(map), &sid, &set, BPF_ANY))
		return -ENOENT;
	map = bpf_object__find_map_by_name(obj, "vips");
	if (!map || bpf_map_update_elem(bpf_map__fd(map), &key, &val, BPF_ANY))
		return -ENOENT;
	prog = bpf_object__find_program_by_name(obj, "xdp_garp");
	if (!prog)
		return -ENOENT;
	return bpf_program__fd(prog);
}

static int owned_answer;

static int drv_owned(void *arg, struct in_addr vip)
{
	(void)arg;
	(void)vip;
	return owned_answer;
}

static int cmd_garp(struct nlctx *nl, char **av, int ac)
{
	struct bpf_object *obj = NULL;
	unsigned char vmac[6];
	struct in_addr vip, vips[GARP_BURST_MAX];
	struct garp g;
	int ifindex, prog_fd = -1, err, count = 1, nvips;

	ifindex = ifindex_of(nl, av[0]);
	if (ifindex < 0 || parse_vips(av[1], vips, &nvips) || parse_mac(av[2], vmac))
		return 1;
	vip = vips[0];
	owned_answer = atoi(av[4]);
	if (ac > 5)
		count = atoi(av[5]);
	if (!strcmp(av[3], "tx"))
		prog_fd = load_tx_prog();
	else if (strcmp(av[3], "none"))
		prog_fd = load_hbpf(av[3], ifindex, vip, vmac, &obj);
	if (strcmp(av[3], "none") && prog_fd < 0) {
		fprintf(stderr, "loading %s: %s\n", av[3], strerror(-prog_fd));
		bpf_object__close(obj);
		return 1;
	}
	err = garp_init(&g, prog_fd, ifindex, av[0], drv_owned, NULL);
	if (err) {
		fprintf(stderr, "garp_init: %s\n", strerror(-err));
		return 1;
	}
	for (int i = 0; i < count && !err; i++)
		err = garp_send_burst(&g, vips, nvips, vmac);
	printf("rc=%d mode=%s live=%llu packet=%llu\n", err,
	       g.mode == GARP_MODE_LIVE ? "live" : "packet", (unsigned long long)g.sent_live,
	       (unsigned long long)g.sent_packet);
	garp_close(&g);
	bpf_object__close(obj);
	return 0;
}

int main(int argc, char **argv)
{
	struct nlctx *nl;
	struct in_addr a;
	int err, ifindex, carrier, ret = 1;
	unsigned char mac[6];

	log_init("nlgarp_drv", 1, getenv("DRV_DEBUG") ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	if (argc < 3) {
		fprintf(stderr, "usage: see the comment at the top of nlgarp_drv.c\n");
		return 2;
	}
	err = hnl_open(&nl);
	if (err) {
		fprintf(stderr, "hnl_open: %s\n", strerror(-err));
		return 1;
	}
	if (!strcmp(argv[1], "link")) {
		err = hnl_link_info(nl, argv[2], &ifindex, mac, &carrier);
		if (!err)
			printf("ifindex=%d mac=%02x:%02x:%02x:%02x:%02x:%02x carrier=%d\n", ifindex,
			       mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], carrier);
		else
			printf("err=%d\n", err);
		ret = err != 0;
	} else if (!strcmp(argv[1], "vipadd") && argc == 5 && !parse_ip(argv[3], &a)) {
		ifindex = ifindex_of(nl, argv[2]);
		err = ifindex < 0 ? ifindex : hnl_vip_add(nl, ifindex, a, atoi(argv[4]));
		printf("rc=%d\n", err);
		ret = err != 0;
	} else if (!strcmp(argv[1], "vipdel") && argc == 4 && !parse_ip(argv[3], &a)) {
		ifindex = ifindex_of(nl, argv[2]);
		err = ifindex < 0 ? ifindex : hnl_vip_del(nl, ifindex, a);
		printf("rc=%d\n", err);
		ret = err != 0;
	} else if (!strcmp(argv[1], "vippresent") && argc == 4 && !parse_ip(argv[3], &a)) {
		ifindex = ifindex_of(nl, argv[2]);
		err = ifindex < 0 ? ifindex : hnl_vip_present(nl, ifindex, a);
		printf("%d\n", err);
		ret = err < 0;
	} else if (!strcmp(argv[1], "mon") && argc == 4) {
		ret = cmd_mon(nl, argv[2], atoi(argv[3]));
	} else if (!strcmp(argv[1], "uc") && argc >= 4) {
		ifindex = ifindex_of(nl, argv[2]);
		ret = ifindex < 0 ? 1 : cmd_uc(nl, ifindex, argv + 3, argc - 3);
	} else if (!strcmp(argv[1], "garp") && argc >= 7) {
		ret = cmd_garp(nl, argv + 2, argc - 2);
	} else {
		fprintf(stderr, "bad arguments\n");
		ret = 2;
	}
	hnl_close(nl);
	return ret;
}
