// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hostile heartbeats for tests/e2e/test_auth.sh.
 *
 *   hbinject capture FILE COUNT TIMEOUT_MS
 *	record up to COUNT heartbeats (HB payloads, each as a struct rec) this
 *	host sends, from an AF_PACKET socket, as an eavesdropper on the wire
 *	would;
 *   hbinject send ADDR PORT MODE COUNT [FILE]
 *	send COUNT packets to ADDR:PORT, one per millisecond.  MODE: mac (an
 *	HB from node 0 that says its daemon is dead, signed with a random key
 *	under keyid 1), key (the same under keyid 77), short, long, cluster
 *	(wrong cluster id), replay (the payloads in FILE, in turn).
 *
 * Every loop is bounded in count and time.  Addresses come from the caller
 * (the lab's, in 198.18.0.0/15).
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <hbpf/abi.h>
#include "siphash.h"

#define CLUSTER 4242u
#define MAX_PKTS 4096
#define FORGED_NSETS 1 /* the lab's cluster has one set */

/* One recorded payload (heartbeats have a length of their own). */
struct rec {
	uint16_t len;
	uint8_t b[HBPF_WIRE_MAX_LEN];
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int capture(const char *file, int count, int timeout_ms)
{
	/* Outgoing frames reach only ETH_P_ALL taps. */
	int fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL));
	uint64_t end = now_ms() + (uint64_t)timeout_ms;
	FILE *out;
	int got = 0;

	if (fd < 0) {
		perror("socket(AF_PACKET)");
		return 1;
	}
	out = fopen(file, "w");
	if (!out) {
		perror(file);
		return 1;
	}
	while (got < count && now_ms() < end) {
		uint8_t buf[2048];
		struct sockaddr_ll sll;
		socklen_t sl = sizeof(sll);
		struct pollfd p = {.fd = fd, .events = POLLIN};
		const struct iphdr *ip = (void *)buf;
		const struct udphdr *udp;
		const struct hbpf_wire *w;
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&sll, &sl);
		struct rec r;

		if (n < (ssize_t)(sizeof(*ip) + sizeof(*udp) + sizeof(*w)) ||
		    sll.sll_pkttype != PACKET_OUTGOING || sll.sll_protocol != htons(ETH_P_IP) ||
		    ip->protocol != IPPROTO_UDP)
			continue;
		udp = (void *)(buf + ip->ihl * 4);
		w = (void *)(udp + 1);
		if ((uint8_t *)(w + 1) > buf + n || ntohs(udp->dest) != HBPF_PORT_DEFAULT ||
		    w->type != HBPF_WT_HB || ntohs(udp->len) < sizeof(*udp) ||
		    ntohs(udp->len) - sizeof(*udp) > sizeof(r.b) ||
		    (uint8_t *)udp + ntohs(udp->len) > buf + n)
			continue;
		memset(&r, 0, sizeof(r));
		r.len = (uint16_t)(ntohs(udp->len) - sizeof(*udp));
		memcpy(r.b, w, r.len);
		fwrite(&r, sizeof(r), 1, out);
		got++;
	}
	fclose(out);
	close(fd);
	printf("captured %d\n", got);
	return got == count ? 0 : 1;
}

/*
 * An HB from node 0 announcing a dead daemon and no sets, harmful if
 * believed, signed with a random key; returns its length.
 */
static size_t forge(uint8_t *buf, uint8_t keyid, uint32_t seq)
{
	struct hbpf_wire *w = (void *)buf;
	uint8_t key[16];

	memset(buf, 0, HBPF_WIRE_LEN(FORGED_NSETS));
	w->magic = htonl(HBPF_WIRE_MAGIC);
	w->version = HBPF_WIRE_VERSION;
	w->nsets = FORGED_NSETS;
	w->type = HBPF_WT_HB;
	w->src_node = 0;
	w->link = 1;
	w->cluster = htonl(CLUSTER);
	w->seq = htonl(seq);
	w->daemon_age_us = htonl(0xffffffffu);
	w->handoff_set = w->handoff_to = w->move_set = w->move_to = HBPF_NODE_NONE;
	w->boot = htobe64(UINT64_MAX / 2);
	w->keyid = keyid;
	if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key))
		memset(key, 0x5a, sizeof(key));
	hbpf_siphash_bytes(hbpf_siphash24(key, w, HBPF_WIRE_MAC_OFF(FORGED_NSETS)),
			   buf + HBPF_WIRE_MAC_OFF(FORGED_NSETS));
	return HBPF_WIRE_LEN(FORGED_NSETS);
}

static int load(const char *file, struct rec *pk, int max)
{
	FILE *in = fopen(file, "r");
	int n = 0;

	if (!in) {
		perror(file);
		return -1;
	}
	while (n < max && fread(&pk[n], sizeof(pk[n]), 1, in) == 1)
		if (pk[n].len <= sizeof(pk[n].b))
			n++;
	fclose(in);
	return n;
}

static int send_mode(const char *addr, int port, const char *mode, int count, const char *file)
{
	static struct rec pk[MAX_PKTS];
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct timespec ms = {0, 1000000};
	uint8_t buf[HBPF_WIRE_MAX_LEN + 16];
	int fd, npk = 0, sent = 0;

	if (inet_pton(AF_INET, addr, &to.sin_addr) != 1 || count < 1 || count > 100000) {
		fprintf(stderr, "hbinject: bad address or count\n");
		return 2;
	}
	if (!strcmp(mode, "replay")) {
		npk = file ? load(file, pk, MAX_PKTS) : -1;
		if (npk <= 0) {
			fprintf(stderr, "hbinject: nothing to replay\n");
			return 1;
		}
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	for (int i = 0; i < count; i++) {
		struct hbpf_wire *w = (void *)buf;
		size_t len;

		memset(buf, 0, sizeof(buf));
		if (!strcmp(mode, "mac")) {
			len = forge(buf, 1, 0x7fff0000u + (uint32_t)i);
		} else if (!strcmp(mode, "key")) {
			len = forge(buf, 77, 0x7fff0000u + (uint32_t)i);
		} else if (!strcmp(mode, "short")) {
			len = forge(buf, 1, 1);
			len -= 1 + (size_t)i % (len - 1); /* 1 .. len - 1 bytes */
		} else if (!strcmp(mode, "long")) {
			len = forge(buf, 1, 1) + 1 + (size_t)(i % 16);
		} else if (!strcmp(mode, "cluster")) {
			len = forge(buf, 1, 1);
			w->cluster = htonl(CLUSTER + 1);
		} else if (!strcmp(mode, "replay")) {
			len = pk[i % npk].len;
			memcpy(buf, pk[i % npk].b, len);
		} else {
			fprintf(stderr, "hbinject: unknown mode %s\n", mode);
			close(fd);
			return 2;
		}
		if (sendto(fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)len)
			sent++;
		nanosleep(&ms, NULL);
	}
	close(fd);
	printf("sent %d\n", sent);
	return sent == count ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "capture"))
		return capture(argv[2], atoi(argv[3]), atoi(argv[4]));
	if ((argc == 6 || argc == 7) && !strcmp(argv[1], "send"))
		return send_mode(argv[2], atoi(argv[3]), argv[4], atoi(argv[5]),
				 argc == 7 ? argv[6] : NULL);
	fprintf(stderr, "usage: hbinject capture FILE COUNT TIMEOUT_MS\n"
			"       hbinject send ADDR PORT mac|key|short|long|cluster|replay COUNT "
			"[FILE]\n");
	return 2;
}
