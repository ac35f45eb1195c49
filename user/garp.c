// SPDX-License-Identifier: GPL-2.0-only
/* Gratuitous ARP: XDP live frames through xdp_garp, AF_PACKET as fallback. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <netpacket/packet.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "garp.h"
#include "log.h"

#define ARPHRD_ETHER_BE 0x0001
#define ARPOP_REQUEST_BE 0x0001

/* What the device says about XDP transmissions, summed over queues. */
struct xmit_ctr {
	uint64_t ok;	     /* ethtool "*xdp_xmit" (frames accepted) */
	uint64_t err;	     /* ethtool "*xdp_xmit*err*" */
	uint64_t tx_dropped; /* /proc/net/dev tx drop */
	int has_ok;	     /* the device has an "ok" counter at all */
	int has_dropped;
};

void garp_build(unsigned char f[GARP_FRAME_LEN], struct in_addr vip, const unsigned char vmac[6])
{
	memset(f, 0xff, 6);	/* Ethernet destination: broadcast */
	memcpy(f + 6, vmac, 6); /* Ethernet source */
	f[12] = ETH_P_ARP >> 8;
	f[13] = ETH_P_ARP & 0xff;
	f[14] = ARPHRD_ETHER_BE >> 8; /* htype */
	f[15] = ARPHRD_ETHER_BE & 0xff;
	f[16] = ETH_P_IP >> 8; /* ptype */
	f[17] = ETH_P_IP & 0xff;
	f[18] = 6;		       /* hlen */
	f[19] = 4;		       /* plen */
	f[20] = ARPOP_REQUEST_BE >> 8; /* op: request (RFC 5227 announcement) */
	f[21] = ARPOP_REQUEST_BE & 0xff;
	memcpy(f + 22, vmac, 6);		  /* sha */
	memcpy(f + 28, &vip.s_addr, 4);		  /* spa */
	memset(f + 32, 0, 6);			  /* tha */
	memcpy(f + GARP_TPA_OFF, &vip.s_addr, 4); /* tpa */
}

/* tx_dropped of ifname from this network namespace's /proc/net/dev. */
static int read_tx_dropped(const char *ifname, uint64_t *out)
{
	char line[512];
	size_t n = strlen(ifname);
	int ret = -ENODEV;
	FILE *f;

	f = fopen("/proc/self/net/dev", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v[12];
		char *p = line;

		while (*p == ' ')
			p++;
		if (strncmp(p, ifname, n) || p[n] != ':')
			continue;
		if (sscanf(p + n + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9],
			   &v[10], &v[11]) == 12) {
			*out = v[11];
			ret = 0;
		}
		break;
	}
	fclose(f);
	return ret;
}

static int ethtool_ioctl(struct garp *g, void *data)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", g->ifname);
	ifr.ifr_data = data;
	return ioctl(g->ctl_fd, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
}

/* Sum the ethtool ETH_SS_STATS counters about XDP transmission. */
static int read_ethtool(struct garp *g, struct xmit_ctr *c)
{
	struct {
		struct ethtool_sset_info hdr;
		__u32 len;
	} info;
	struct ethtool_gstrings *names = NULL;
	struct ethtool_stats *stats = NULL;
	__u32 n;
	int err;

	memset(&info, 0, sizeof(info));
	info.hdr.cmd = ETHTOOL_GSSET_INFO;
	info.hdr.sset_mask = 1ull << ETH_SS_STATS;
	err = ethtool_ioctl(g, &info);
	if (err)
		return err;
	if (!(info.hdr.sset_mask & (1ull << ETH_SS_STATS)) || !info.len)
		return 0;
	n = info.len;
	names = calloc(1, sizeof(*names) + (size_t)n * ETH_GSTRING_LEN);
	stats = calloc(1, sizeof(*stats) + (size_t)n * sizeof(__u64));
	if (!names || !stats) {
		err = -ENOMEM;
		goto out;
	}
	names->cmd = ETHTOOL_GSTRINGS;
	names->string_set = ETH_SS_STATS;
	names->len = n;
	stats->cmd = ETHTOOL_GSTATS;
	stats->n_stats = n;
	err = ethtool_ioctl(g, names);
	if (!err)
		err = ethtool_ioctl(g, stats);
	if (err)
		goto out;
	if (names->len < n)
		n = names->len;
	if (stats->n_stats < n)
		n = stats->n_stats;
	for (__u32 i = 0; i < n; i++) {
		char name[ETH_GSTRING_LEN + 1];

		memcpy(name, names->data + (size_t)i * ETH_GSTRING_LEN, ETH_GSTRING_LEN);
		name[ETH_GSTRING_LEN] = '\0';
		if (!strstr(name, "xdp_xmit"))
			continue;
		if (strstr(name, "err")) {
			c->err += stats->data[i];
		} else {
			c->ok += stats->data[i];
			c->has_ok = 1;
		}
	}
out:
	free(names);
	free(stats);
	return err;
}

static void read_ctr(struct garp *g, struct xmit_ctr *c)
{
	memset(c, 0, sizeof(*c));
	/* A device without ethtool stats simply has no counters to compare. */
	read_ethtool(g, c);
	c->has_dropped = read_tx_dropped(g->ifname, &c->tx_dropped) == 0;
}

/*
 * Why the frame did not leave, or NULL if it looks sent.  Only called after a
 * send for an owned VIP: then xdp_garp returned XDP_TX and the device had to
 * take exactly that frame.
 */
static const char *xmit_lost(const struct xmit_ctr *b, const struct xmit_ctr *a)
{
	if (a->err > b->err)
		return "the device counted an XDP transmit error";
	if (b->has_dropped && a->has_dropped && a->tx_dropped > b->tx_dropped)
		return "the device dropped the XDP transmission";
	if (b->has_ok && a->ok == b->ok)
		return "the device's XDP transmit counter did not move";
	return NULL;
}

static int live_run(struct garp *g, struct in_addr vip)
{
	unsigned char frame[GARP_FRAME_LEN];
	struct xdp_md ctx;
	int err;

	memset(frame, 0, sizeof(frame));
	memcpy(frame + GARP_TPA_OFF, &vip.s_addr, 4);
	memset(&ctx, 0, sizeof(ctx));
	/* The kernel insists that data_end matches the input size. */
	ctx.data_end = sizeof(frame);
	ctx.ingress_ifindex = (__u32)g->ifindex;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = sizeof(frame),
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
		    .repeat = 1);
	err = bpf_prog_test_run_opts(g->prog_fd, &opts);
	return err < 0 ? -errno : 0;
}

static void use_fallback(struct garp *g, const char *why)
{
	g->mode = GARP_MODE_PACKET;
	log_warnx("garp: %s: %s; sending gratuitous ARPs through AF_PACKET from now on%s",
		  g->ifname, why,
		  g->pkt_fd < 0 ? " (but the AF_PACKET socket is unavailable)" : "");
}

/* 0: sent by XDP; 1: send it by the fallback; -EPERM: lost ownership. */
static int live_send(struct garp *g, struct in_addr vip)
{
	struct xmit_ctr before, after;
	const char *why;
	char msg[128];
	int err;

	read_ctr(g, &before);
	err = live_run(g, vip);
	if (err == -EOPNOTSUPP || err == -EINVAL || err == -524) {
		/* 524 is the kernel's ENOTSUPP, which leaks out of some paths. */
		snprintf(msg, sizeof(msg), "XDP live frames not supported (%s)", strerror(-err));
		use_fallback(g, msg);
		return 1;
	}
	if (err) {
		log_warnx("garp: %s: XDP live-frames run failed: %s; this one through AF_PACKET",
			  g->ifname, strerror(-err));
		return 1;
	}
	g->sent_live++;
	read_ctr(g, &after);
	why = xmit_lost(&before, &after);
	if (!why)
		return 0;
	/* xdp_garp also drops for a set we just lost: that is not the device. */
	err = g->owned(g->owned_arg, vip);
	if (err <= 0)
		return err < 0 ? err : -EPERM;
	use_fallback(g, why);
	return 1;
}

static int packet_send(struct garp *g, struct in_addr vip, const unsigned char vmac[6])
{
	unsigned char frame[GARP_FRAME_LEN];
	struct sockaddr_ll sll;

	if (g->pkt_fd < 0)
		return -ENOTCONN;
	garp_build(frame, vip, vmac);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ARP);
	sll.sll_ifindex = g->ifindex;
	sll.sll_halen = 6;
	memset(sll.sll_addr, 0xff, 6);
	if (sendto(g->pkt_fd, frame, sizeof(frame), MSG_DONTWAIT, (struct sockaddr *)&sll,
		   sizeof(sll)) < 0) {
		int err = -errno;

		if (err != -EAGAIN)
			log_warnx("garp: %s: AF_PACKET send: %s", g->ifname, strerror(-err));
		return err;
	}
	g->sent_packet++;
	return 0;
}

int garp_init(struct garp *g, int prog_fd, int ifindex, const char *ifname, garp_owned_fn owned,
	      void *owned_arg)
{
	int err;

	memset(g, 0, sizeof(*g));
	g->pkt_fd = -1;
	g->ctl_fd = -1;
	if (!owned || ifindex <= 0 || !ifname || strlen(ifname) >= sizeof(g->ifname))
		return -EINVAL;
	g->prog_fd = prog_fd;
	g->ifindex = ifindex;
	snprintf(g->ifname, sizeof(g->ifname), "%s", ifname);
	g->owned = owned;
	g->owned_arg = owned_arg;
	g->mode = prog_fd >= 0 ? GARP_MODE_LIVE : GARP_MODE_PACKET;

	/* Protocol 0: this socket only sends, it never queues received frames. */
	g->pkt_fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (g->pkt_fd < 0) {
		err = -errno;
		if (prog_fd < 0) {
			log_warnx("garp: %s: AF_PACKET socket: %s", ifname, strerror(-err));
			return err;
		}
		log_warnx("garp: %s: AF_PACKET socket: %s; no fallback if XDP cannot send", ifname,
			  strerror(-err));
	}
	g->ctl_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (g->ctl_fd < 0) {
		err = -errno;
		log_warnx("garp: %s: control socket: %s", ifname, strerror(-err));
		garp_close(g);
		return err;
	}
	return 0;
}

int garp_send(struct garp *g, struct in_addr vip, const unsigned char vmac[6])
{
	int r;

	r = g->owned(g->owned_arg, vip);
	if (r <= 0)
		return r < 0 ? r : -EPERM;
	if (g->mode == GARP_MODE_LIVE) {
		r = live_send(g, vip);
		if (r <= 0)
			return r;
	}
	return packet_send(g, vip, vmac);
}

void garp_close(struct garp *g)
{
	if (g->pkt_fd >= 0)
		close(g->pkt_fd);
	if (g->ctl_fd >= 0)
		close(g->ctl_fd);
	g->pkt_fd = -1;
	g->ctl_fd = -1;
	log_debug("garp: %s: %" PRIu64 " sent by XDP, %" PRIu64 " by AF_PACKET", g->ifname,
		  g->sent_live, g->sent_packet);
}
