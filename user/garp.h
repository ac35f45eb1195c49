/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Gratuitous ARP sender for one public interface.
 *
 * Normal path: the BPF program xdp_garp run once through BPF_PROG_TEST_RUN
 * with BPF_F_TEST_XDP_LIVE_FRAMES.  Its input is a 42-byte Ethernet+ARP
 * buffer in which only the ARP target IP (offset 38) holds the VIP; the
 * program fills in the announcement and returns XDP_TX only when this node
 * owns the VIP's set, and the kernel transmits the frame on the interface.
 *
 * Fallback: an AF_PACKET socket sending the same frame built here.  It is
 * used, with one warning saying why, when the live test run is not supported
 * (old kernel, driver), when the device drops XDP transmissions silently (a
 * veth whose peer has neither an XDP program nor GRO), and from the start
 * when the caller says so (garp_use_packet): hbpfd does when the interface
 * runs generic XDP, where the frames would need the driver's own XDP
 * transmit (ndo_xdp_xmit), which a driver without native XDP lacks.  The
 * silent drop is seen in the device counters read once before and once
 * after each burst (not around each frame): the ethtool XDP transmit
 * counters of the driver (garp_ctr_class: veth, virtio_net, mlx5) and the
 * device's tx_dropped.  Once switched, the interface stays on the fallback.
 *
 * Every send first asks the owned() callback: the live path is also refused
 * by the kernel for a set it does not own, the fallback is not.
 */
#ifndef HBPF_GARP_H
#define HBPF_GARP_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>

#define GARP_FRAME_LEN 42 /* Ethernet header + ARP for IPv4, unpadded */
#define GARP_TPA_OFF 38	  /* ARP target protocol address */

#define GARP_MODE_LIVE 0   /* XDP live frames */
#define GARP_MODE_PACKET 1 /* AF_PACKET fallback */

#define GARP_BURST_MAX 16 /* frames per garp_send_burst (a set's VIPs) */

/* What an ethtool counter of the interface says about XDP transmission. */
#define GARP_CTR_NONE 0 /* nothing */
#define GARP_CTR_OK 1	/* frames the driver took for XDP transmission */
#define GARP_CTR_ERR 2	/* frames it refused or dropped */
int garp_ctr_class(const char *name);

/* 1 if this node owns the set of vip now, 0 if not, or -errno. */
typedef int (*garp_owned_fn)(void *arg, struct in_addr vip);

struct garp {
	int prog_fd; /* xdp_garp, or -1 (fallback only) */
	int ifindex;
	char ifname[IF_NAMESIZE];
	int pkt_fd; /* AF_PACKET socket, -1 if it could not be opened */
	int ctl_fd; /* AF_INET socket for SIOCETHTOOL */
	char driver[32];
	int mode; /* GARP_MODE_* */
	garp_owned_fn owned;
	void *owned_arg;
	uint64_t sent_live;   /* frames handed to xdp_garp */
	uint64_t sent_packet; /* frames sent through AF_PACKET */
};

/*
 * prog_fd may be -1 to use only the fallback.  owned must not be NULL.
 * Returns 0 or -errno (no usable path at all).
 */
int garp_init(struct garp *g, int prog_fd, int ifindex, const char *ifname, garp_owned_fn owned,
	      void *owned_arg);

/* Use AF_PACKET from now on, logging why once (nothing when already there). */
void garp_use_packet(struct garp *g, const char *why);

/*
 * Send one gratuitous ARP for vip at vmac.  vmac is used by the fallback;
 * the live path takes it from the kernel's sets map.  Returns 0, -EPERM when
 * owned() says the VIP is not ours (nothing sent), -EAGAIN when the fallback
 * socket's queue is full, or -errno.
 */
int garp_send(struct garp *g, struct in_addr vip, const unsigned char vmac[6]);
/* The same for n (1..GARP_BURST_MAX) VIPs of one set, at once. */
int garp_send_burst(struct garp *g, const struct in_addr *vips, int n, const unsigned char vmac[6]);

void garp_close(struct garp *g);

/* The announcement (ARP request, sha = vmac, spa = tpa = vip, tha = 0,
 * Ethernet broadcast from vmac): what the fallback sends. */
void garp_build(unsigned char frame[GARP_FRAME_LEN], struct in_addr vip,
		const unsigned char vmac[6]);

#endif /* HBPF_GARP_H */
