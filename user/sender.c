// SPDX-License-Identifier: GPL-2.0-only
/* Heartbeat sender thread (see sender.h). */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <bpf/bpf.h>

#include "log.h"
#include "proc.h"
#include "sender.h"
#include "wire.h"

#define NONE16 0xffffu
#define SENDER_STACK (256u * 1024u) /* bytes; see sender_start() */

static void close_fds(struct sender *s)
{
	int i;

	for (i = 0; i < HBPF_MAX_LINKS; i++) {
		if (s->fds[i] >= 0)
			close(s->fds[i]);
		s->fds[i] = -1;
	}
}

static int link_socket(const struct hbpf_cfg_link *l, uint16_t port)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET, .sin_port = htons(port), .sin_addr = l->addr};
	int one = 1, small = 4096, fd, err;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* Echoes are consumed by XDP; nothing is ever read from this socket. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, l->ifname, strlen(l->ifname) + 1) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

uint64_t sender_boot_value(uint64_t prev)
{
	struct timespec ts;
	uint64_t b;

	clock_gettime(CLOCK_REALTIME, &ts);
	b = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	return b > prev ? b : prev + 1;
}

/* The send key, from slot 0 of the keys map the daemon filled. */
static int send_key(struct hbpf_kern *k, struct hbpf_key *key)
{
	int fd = kern_map_fd(k, "keys");
	__u32 slot = 0;

	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &slot, key))
		return -errno;
	return key->keyid ? 0 : -ENOKEY;
}

int sender_init(struct sender *s, const struct hbpf_config *cfg, int self_idx, struct hbpf_kern *k)
{
	const struct hbpf_cfg_node *me = &cfg->nodes[self_idx];
	int i, n, fd, err;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < HBPF_MAX_LINKS; i++)
		s->fds[i] = -1;
	s->cluster = cfg->cluster;
	s->self = me->id;
	s->interval_ns = (uint64_t)cfg->interval_ms * 1000000ull;
	s->k = k;
	for (i = 0; i < HBPF_MAX_SETS; i++)
		s->handoff_to[i] = 0xff;
	s->move = NONE16;
	s->boot = sender_boot_value(0);
	err = send_key(k, &s->key);
	if (err) {
		log_warnx("no heartbeat send key in the keys map: %s", strerror(-err));
		return err;
	}
	for (i = 0; i < cfg->nlinks; i++) {
		fd = link_socket(&me->links[i], cfg->port);
		if (fd < 0) {
			log_warnx("link %s: cannot open heartbeat socket on %s (%s): %s",
				  me->links[i].name, me->links[i].ifname,
				  inet_ntoa(me->links[i].addr), strerror(-fd));
			close_fds(s);
			return fd;
		}
		s->fds[i] = fd;
		for (n = 0; n < cfg->nnodes; n++) {
			struct sender_dst *d;

			if (n == self_idx)
				continue;
			d = &s->dst[s->ndst++];
			d->fd = fd;
			d->link = i;
			d->peer = cfg->nodes[n].id;
			d->to.sin_family = AF_INET;
			d->to.sin_port = htons(cfg->port);
			d->to.sin_addr = cfg->nodes[n].links[i].addr;
		}
	}
	return 0;
}

static uint16_t announcement(uint32_t *slot, uint64_t *until, uint64_t now)
{
	uint32_t v = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

	if (v != NONE16 && now > __atomic_load_n(until, __ATOMIC_ACQUIRE))
		return NONE16;
	return v;
}

/* The next active handoff, round robin over the sets: (set << 8 | node). */
static uint16_t next_handoff(struct sender *s, uint64_t now)
{
	unsigned k, i;

	for (k = 0; k < HBPF_MAX_SETS; k++) {
		i = (s->handoff_rr + k) % HBPF_MAX_SETS;
		uint32_t to = __atomic_load_n(&s->handoff_to[i], __ATOMIC_ACQUIRE);

		if (to == 0xff || now > __atomic_load_n(&s->handoff_until_ns[i], __ATOMIC_ACQUIRE))
			continue;
		s->handoff_rr = i + 1;
		return (uint16_t)(i << 8 | (to & 0xff));
	}
	return NONE16;
}

/*
 * Epoch slots an HB carries: up to the highest set that is configured, in
 * `owned` (read once by the caller, so the two agree) or being handed over
 * (ho), so every claim and the handoff have their slot, and a cluster with
 * few sets sends short packets.  Every node has the same sets, so every
 * node sends (and echoes) the same length.
 */
static uint8_t wire_nsets(volatile struct hbpf_set *sets, uint32_t owned, uint16_t ho)
{
	int i, n = ho != NONE16 ? (ho >> 8) + 1 : 0;

	for (i = HBPF_MAX_SETS - 1; i >= n; i--)
		if ((sets[i].flags & HBPF_SF_CONFIGURED) || (owned & (1u << i)))
			return (uint8_t)(i + 1);
	return (uint8_t)n;
}

size_t sender_build(struct sender *s, const struct sender_dst *d, uint64_t now, struct hbpf_wire *w)
{
	volatile struct hbpf_local *l = s->k->local;
	volatile struct hbpf_set *sets = s->k->sets;
	struct hbpf_hb hb;
	uint64_t stamp = l->stamp_ns, until = l->restart_until_ns;
	uint16_t ho, mv;
	size_t len;
	int i;

	memset(&hb, 0, sizeof(hb));
	hb.type = HBPF_WT_HB;
	hb.src_node = s->self;
	hb.link = d->link;
	hb.cluster = s->cluster;
	hb.seq = s->seq[d->link];
	hb.orig_tx_ns = now;
	hb.flags = l->flags;
	if (!stamp || now < stamp)
		hb.daemon_age_us = stamp ? 0 : UINT32_MAX;
	else
		hb.daemon_age_us =
			(now - stamp) / 1000 > UINT32_MAX ? UINT32_MAX : (now - stamp) / 1000;
	if (!(until > now)) /* the restart grace is over: not restarting any more */
		hb.flags &= ~HBPF_WF_RESTARTING;
	for (i = 0; i < HBPF_MAX_SETS; i++) {
		if (sets[i].owned)
			hb.owned |= 1u << i;
		hb.epoch[i] = sets[i].epoch;
	}
	ho = next_handoff(s, now);
	mv = announcement(&s->move, &s->move_until_ns, now);
	hb.handoff_set = ho >> 8;
	hb.handoff_to = ho & 0xff;
	/* A handoff carries the epoch at which we released the set, not what we
	 * learned since: once the target took it (a higher epoch), an
	 * announcement still on the air is stale to it and never taken twice. */
	if (ho != NONE16)
		hb.epoch[ho >> 8] = __atomic_load_n(&s->handoff_epoch[ho >> 8], __ATOMIC_ACQUIRE);
	hb.move_set = mv >> 8;
	hb.move_to = mv & 0xff;
	hb.boot = s->boot;
	hb.nsets = wire_nsets(sets, hb.owned, ho);
	/* 0 only for an epoch past 31 bits, which 2^31 takeovers would take. */
	len = hbpf_wire_encode(&hb, w);
	if (len)
		hbpf_wire_sign(w, &s->key);
	return len;
}

void sender_next_seq(struct sender *s)
{
	int i, wrap = 0;

	for (i = 0; i < HBPF_MAX_LINKS; i++)
		if (++s->seq[i] == 0)
			wrap = 1;
	if (!wrap)
		return;
	/* After 2^32 heartbeats: a new boot restarts every link's numbering. */
	s->boot = sender_boot_value(s->boot);
	for (i = 0; i < HBPF_MAX_LINKS; i++)
		s->seq[i] = 1;
}

static void *sender_main(void *arg)
{
	struct sender *s = arg;
	struct timespec next;
	union hbpf_wire_buf b;
	uint64_t now, due;
	size_t len;
	int i;

	due = mono_now_ns();
	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		now = mono_now_ns();
		sender_next_seq(s);
		for (i = 0; i < s->ndst; i++) {
			struct sender_dst *d = &s->dst[i];

			len = sender_build(s, d, now, &b.w);
			if (!len || sendto(d->fd, b.b, len, MSG_DONTWAIT, (struct sockaddr *)&d->to,
					   sizeof(d->to)) < 0)
				s->send_errors++;
			else
				s->sent++;
		}
		s->k->local->last_tx_ns = now;
		due += s->interval_ns;
		now = mono_now_ns();
		if (now > due + s->interval_ns) {
			/* We were stalled for more than an interval: do not burst to catch up. */
			s->late++;
			due = now;
		}
		next.tv_sec = due / 1000000000ull;
		next.tv_nsec = due % 1000000000ull;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
	}
	return NULL;
}

int sender_start(struct sender *s, int rt_prio)
{
	struct sched_param sp = {.sched_priority = rt_prio};
	pthread_attr_t attr;
	int err;

	pthread_attr_init(&attr);
	/* mlockall(MCL_FUTURE) makes the whole stack resident: the default
	 * 8 MiB would be most of the daemon's memory.  The loop needs a frame
	 * and a log line. */
	pthread_attr_setstacksize(&attr, SENDER_STACK);
	if (rt_prio > 0) {
		pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
		pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
		pthread_attr_setschedparam(&attr, &sp);
	}
	err = pthread_create(&s->th, &attr, sender_main, s);
	if (err == EPERM && rt_prio > 0) {
		log_warnx("no permission for SCHED_FIFO; heartbeat sender runs at normal priority");
		pthread_attr_setinheritsched(&attr, PTHREAD_INHERIT_SCHED);
		err = pthread_create(&s->th, &attr, sender_main, s);
	}
	pthread_attr_destroy(&attr);
	if (err)
		return -err;
	pthread_setname_np(s->th, "hbpf-sender");
	s->running = 1;
	return 0;
}

void sender_stop(struct sender *s)
{
	if (s->running) {
		__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
		pthread_join(s->th, NULL);
		s->running = 0;
	}
	close_fds(s);
}

static void announce(uint32_t *slot, uint64_t *until, int set, int node, uint64_t hold_ns)
{
	__atomic_store_n(until, mono_now_ns() + hold_ns, __ATOMIC_RELEASE);
	__atomic_store_n(slot, ((uint32_t)(set & 0xff) << 8) | (node & 0xff), __ATOMIC_RELEASE);
}

void sender_handoff(struct sender *s, int set, int node, uint64_t hold_ns)
{
	if (set < 0 || set >= HBPF_MAX_SETS)
		return;
	__atomic_store_n(&s->handoff_epoch[set], s->k->sets[set].epoch, __ATOMIC_RELEASE);
	__atomic_store_n(&s->handoff_until_ns[set], mono_now_ns() + hold_ns, __ATOMIC_RELEASE);
	__atomic_store_n(&s->handoff_to[set], (uint32_t)(node & 0xff), __ATOMIC_RELEASE);
}

void sender_move(struct sender *s, int set, int node, uint64_t hold_ns)
{
	announce(&s->move, &s->move_until_ns, set, node, hold_ns);
}
