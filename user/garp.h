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
 * (old kernel, driver) or when the device drops XDP transmissions silently
 * (a veth whose peer has neither an XDP program nor GRO).  The silent drop is
 * seen in the device counters around every live send: the ethtool XDP
 * transmit counters (veth: tx_queue_N_xdp_xmit, ..._xdp_xmit_errors) and the
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

/* 1 if this node owns the set of vip now, 0 if not, or -errno. */
typedef int (*garp_owned_fn)(void *arg, struct in_addr vip);

struct garp {
	int prog_fd; /* xdp_garp, or -1 (fallback only) */
	int ifindex;
	char ifname[IF_NAMESIZE];
	int pkt_fd; /* AF_PACKET socket, -1 if it could not be opened */
	int ctl_fd; /* AF_INET socket for SIOCETHTOOL */
	int mode;   /* GARP_MODE_* */
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

/*
 * Send one gratuitous ARP for vip at vmac.  vmac is used by the fallback;
 * the live path takes it from the kernel's sets map.  Returns 0, -EPERM when
 * owned() says the VIP is not ours (nothing sent), -EAGAIN when the fallback
 * socket's queue is full, or -errno.
 */
int garp_send(struct garp *g, struct in_addr vip, const unsigned char vmac[6]);

void garp_close(struct garp *g);

/* The announcement (ARP request, sha = vmac, spa = tpa = vip, tha = 0,
 * Ethernet broadcast from vmac): what the fallback sends. */
void garp_build(unsigned char frame[GARP_FRAME_LEN], struct in_addr vip,
		const unsigned char vmac[6]);

#endif /* HBPF_GARP_H */
