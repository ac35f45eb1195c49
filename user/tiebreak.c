// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tie-breaker probes: ICMP echo on a raw socket (the daemon runs with
 * CAP_NET_RAW for its ARP fallback already; unprivileged ping sockets depend
 * on net.ipv4.ping_group_range, which is off by default in a namespace).
 * ICMP rather than ARP: it also works when the address is behind a router,
 * and an answer proves the IP path, not only the segment.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/icmp.h>
#include <netinet/ip.h>
#include <sys/socket.h>

#include "log.h"
#include "tiebreak.h"

#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8

struct echo {
	uint8_t type, code;
	uint16_t csum;
	uint16_t ident, seq; /* network order on the wire */
	uint8_t data[16];    /* "hbpf tie-breaker" */
} __attribute__((packed));

static uint16_t csum16(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int tb_open(struct tiebreak *tb, struct in_addr addr, const char *ifname)
{
	struct icmp_filter filt = {.data = ~(1u << ICMP_ECHO_REPLY)};
	int fd, err;

	memset(tb, 0, sizeof(*tb));
	tb->fd = -1;
	tb->addr = addr;
	tb->reachable = -1;
	tb->ident = (uint16_t)getpid();
	fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (fd < 0)
		return -errno;
	/* Only echo replies reach us; only through the public interface: a
	 * node must reach the address where it serves clients. */
	if (setsockopt(fd, SOL_RAW, ICMP_FILTER, &filt, sizeof(filt)) ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, strlen(ifname) + 1)) {
		err = -errno;
		close(fd);
		return err;
	}
	tb->fd = fd;
	return 0;
}

void tb_close(struct tiebreak *tb)
{
	if (tb->fd >= 0)
		close(tb->fd);
	tb->fd = -1;
}

int tb_send(struct tiebreak *tb, uint64_t now)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr = tb->addr};
	struct echo e = {.type = ICMP_ECHO_REQUEST};
	uint16_t seq = tb->seq++;

	if (tb->fd < 0)
		return -EBADF;
	e.ident = htons(tb->ident);
	e.seq = htons(seq);
	memcpy(e.data, "hbpf tie-breaker", sizeof(e.data));
	e.csum = htons(csum16(&e, sizeof(e)));
	tb->sent_ns[seq % TB_RING] = now;
	tb->sent_seq[seq % TB_RING] = seq;
	if (sendto(tb->fd, &e, sizeof(e), MSG_DONTWAIT, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno; /* e.g. no route while the link is down: unanswered */
	tb->sent++;
	return 0;
}

int tb_parse_reply(const void *pkt, size_t len, struct in_addr addr, uint16_t ident)
{
	const struct iphdr *ip = pkt;
	const struct echo *e;
	size_t hl;

	if (len < sizeof(*ip) || ip->version != 4)
		return -1;
	hl = (size_t)ip->ihl * 4;
	if (hl < sizeof(*ip) || len < hl + 8 || ip->saddr != addr.s_addr ||
	    ip->protocol != IPPROTO_ICMP)
		return -1;
	e = (const void *)((const uint8_t *)pkt + hl);
	if (e->type != ICMP_ECHO_REPLY || e->code || ntohs(e->ident) != ident ||
	    csum16(e, len - hl) != 0)
		return -1;
	return ntohs(e->seq);
}

int tb_recv(struct tiebreak *tb, uint64_t now)
{
	uint8_t buf[256];
	int n = 0;

	for (;;) {
		ssize_t len = recv(tb->fd, buf, sizeof(buf), MSG_DONTWAIT);
		int seq;
		uint64_t sent;

		if (len < 0)
			break;
		seq = tb_parse_reply(buf, (size_t)len, tb->addr, tb->ident);
		if (seq < 0 || tb->sent_seq[seq % TB_RING] != seq)
			continue;
		sent = tb->sent_ns[seq % TB_RING];
		if (!sent)
			continue;
		tb->sent_ns[seq % TB_RING] = 0; /* a duplicate answer counts once */
		tb->ans_ns = now;
		if (sent > tb->ans_sent_ns)
			tb->ans_sent_ns = sent;
		tb->answered++;
		n++;
	}
	return n;
}

int tb_reachable(const struct tiebreak *tb, uint64_t now, uint64_t timeout_ns)
{
	return tb->ans_sent_ns && now - tb->ans_sent_ns <= timeout_ns;
}
