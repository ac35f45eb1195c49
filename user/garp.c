// SPDX-License-Identifier: GPL-2.0-only
/* Gratuitous ARP: XDP live frames through xdp_garp, AF_PACKET as fallback. */
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <netpacket/packet.h>
#include <linux/if_ether.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ethtool.h"
#include "garp.h"
#include "log.h"

#define ARPHRD_ETHER_BE 0x0001
#define ARPOP_REQUEST_BE 0x0001

/* What the device says about XDP transmissions, summed over queues. */
struct xmit_ctr {
	uint64_t ok;	     /* GARP_CTR_OK counters (frames accepted) */
	uint64_t err;	     /* GARP_CTR_ERR counters */
	uint64_t tx_dropped; /* /proc/net/dev tx drop */
	int n_ok, n_err;     /* how many counters of each class the device has */
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

/*
 * The ethtool counters, per driver, that count frames handed to the driver's
 * XDP transmit (ndo_xdp_xmit: redirects and live test-run frames), or refused
 * by it.  Receive-side counters (rx_queue_N_xdp_tx: XDP_TX verdicts) are not
 * these.  Patterns are fnmatch(3) globs, errors tried first.
 *   veth        tx_queue_N_xdp_xmit, tx_queue_N_xdp_xmit_errors
 *   virtio_net  tx_queue_N_xdp_tx, tx_queue_N_xdp_tx_drops (up to 6.8),
 *               txN_xdp_tx, txN_xdp_tx_drops (6.9 on)
 *   mlx5_core   tx_xdp_xmit, tx_xdp_err, tx_xdp_full
 * virtio_net also counts XDP_TX echoes in tx_queue_N_xdp_tx: there the "ok"
 * counter moving proves less, the drop counter still proves a loss.
 */
static const struct {
	const char *glob;
	int class;
} ctr_globs[] = {
	{"tx*_xdp_xmit_err*", GARP_CTR_ERR}, {"tx*_xdp_tx_drops", GARP_CTR_ERR},
	{"tx*_xdp_err", GARP_CTR_ERR},	     {"tx*_xdp_full", GARP_CTR_ERR},
	{"tx*_xdp_xmit", GARP_CTR_OK},	     {"tx*_xdp_tx", GARP_CTR_OK},
};

int garp_ctr_class(const char *name)
{
	for (size_t i = 0; i < sizeof(ctr_globs) / sizeof(ctr_globs[0]); i++)
		if (!fnmatch(ctr_globs[i].glob, name, 0))
			return ctr_globs[i].class;
	return GARP_CTR_NONE;
}

static void add_ctr(void *arg, const char *name, uint64_t v)
{
	struct xmit_ctr *c = arg;

	switch (garp_ctr_class(name)) {
	case GARP_CTR_ERR:
		c->err += v;
		c->n_err++;
		break;
	case GARP_CTR_OK:
		c->ok += v;
		c->n_ok++;
		break;
	}
}

static void read_ctr(struct garp *g, struct xmit_ctr *c)
{
	memset(c, 0, sizeof(*c));
	/* A device without ethtool stats simply has no counters to compare. */
	ethtool_stats(g->ctl_fd, g->ifname, add_ctr, c);
	c->has_dropped = read_tx_dropped(g->ifname, &c->tx_dropped) == 0;
}

/*
 * Why frames did not leave, or NULL if they look sent.  Only called after n
 * live sends for owned VIPs: then xdp_garp returned XDP_TX each time and the
 * device had to take exactly those frames.
 */
static const char *xmit_lost(const struct xmit_ctr *b, const struct xmit_ctr *a, int n)
{
	if (a->err > b->err)
		return "the device counted an XDP transmit error";
	if (b->has_dropped && a->has_dropped && a->tx_dropped > b->tx_dropped)
		return "the device dropped the XDP transmission";
	if (b->n_ok && a->ok - b->ok < (uint64_t)n)
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

void garp_use_packet(struct garp *g, const char *why)
{
	if (g->mode == GARP_MODE_PACKET)
		return;
	g->mode = GARP_MODE_PACKET;
	log_warnx("garp: %s: %s; sending gratuitous ARPs through AF_PACKET from now on%s",
		  g->ifname, why,
		  g->pkt_fd < 0 ? " (but the AF_PACKET socket is unavailable)" : "");
}

/*
 * The live path for a burst: one counter read before and one after all of
 * its frames, not around each.  live[i] says which frames xdp_garp took.
 * Returns 0, or -EPERM when ownership was lost meanwhile (nothing more is
 * to be sent).
 */
static int live_burst(struct garp *g, const struct in_addr *vips, int n, int *live)
{
	struct xmit_ctr before, after;
	const char *why;
	char msg[128];
	int i, err, nlive = 0;

	read_ctr(g, &before);
	for (i = 0; i < n && g->mode == GARP_MODE_LIVE; i++) {
		err = live_run(g, vips[i]);
		if (err == -EOPNOTSUPP || err == -EINVAL || err == -524) {
			/* 524 is the kernel's ENOTSUPP, which leaks out of some paths. */
			snprintf(msg, sizeof(msg), "XDP live frames not supported (%s)",
				 strerror(-err));
			garp_use_packet(g, msg);
		} else if (err) {
			log_warnx("garp: %s: XDP live-frames run failed: %s; this one through "
				  "AF_PACKET",
				  g->ifname, strerror(-err));
		} else {
			live[i] = 1;
			nlive++;
			g->sent_live++;
		}
	}
	if (!nlive)
		return 0;
	read_ctr(g, &after);
	why = xmit_lost(&before, &after, nlive);
	if (!why)
		return 0;
	/* xdp_garp also drops for a set we just lost: that is not the device. */
	err = g->owned(g->owned_arg, vips[0]);
	if (err <= 0)
		return err < 0 ? err : -EPERM;
	garp_use_packet(g, why);
	memset(live, 0, sizeof(*live) * (size_t)n); /* send them all again */
	return 0;
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

/* Say once which counters the loss check of this device rests on. */
static void describe_check(struct garp *g)
{
	struct xmit_ctr c;

	if (ethtool_driver(g->ctl_fd, g->ifname, g->driver, sizeof(g->driver)))
		snprintf(g->driver, sizeof(g->driver), "unknown");
	read_ctr(g, &c);
	if (c.n_ok || c.n_err)
		log_info("garp: %s (driver %s): XDP transmit loss check on %d sent and %d "
			 "error counter(s)%s",
			 g->ifname, g->driver, c.n_ok, c.n_err,
			 c.has_dropped ? " and tx_dropped" : "");
	else
		log_info("garp: %s (driver %s): no XDP transmit counters known for this driver: "
			 "the loss check sees only %s",
			 g->ifname, g->driver, c.has_dropped ? "tx_dropped" : "nothing");
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
	if (g->mode == GARP_MODE_LIVE)
		describe_check(g);
	return 0;
}

int garp_send_burst(struct garp *g, const struct in_addr *vips, int n, const unsigned char vmac[6])
{
	int live[GARP_BURST_MAX] = {0};
	int i, r, err = 0;

	if (n < 1 || n > GARP_BURST_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		r = g->owned(g->owned_arg, vips[i]);
		if (r <= 0)
			return r < 0 ? r : -EPERM;
	}
	if (g->mode == GARP_MODE_LIVE) {
		r = live_burst(g, vips, n, live);
		if (r)
			return r;
	}
	for (i = 0; i < n; i++)
		if (!live[i] && (r = packet_send(g, vips[i], vmac)) && !err)
			err = r;
	return err;
}

int garp_send(struct garp *g, struct in_addr vip, const unsigned char vmac[6])
{
	return garp_send_burst(g, &vip, 1, vmac);
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
