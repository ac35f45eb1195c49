// SPDX-License-Identifier: GPL-2.0-only
/*
 * hbpf-prober: the client's view of a failover.  Sends one UDP probe
 * ("HBPF-PROBE <seq> <send_ns>") to a VIP every interval and records which node
 * answered each one (tools/responder.c answers "<node> <seq>").  The summary
 * says how long the client saw no service (the outage), which nodes served it
 * and in what order, and whether two nodes ever answered the same probe
 * (a split brain as the client sees it).
 *
 * One socket, one thread.  Probes are clocked by a CLOCK_MONOTONIC timerfd
 * armed on an absolute schedule (start + k * interval), which keeps the
 * clock_nanosleep(TIMER_ABSTIME) property of never drifting while letting the
 * same poll() wake for replies, so reply times are taken when they arrive and
 * sending is never held up by a receive.  Replies are drained non-blocking with
 * recvmmsg().  A probe is final once its reply window (-w) has passed: replies
 * after that count as late, not as answers.  Final probes are folded into the
 * summary in sequence order as the run goes, so the live line costs nothing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define LAB_NET 0xc6120000u  /* 198.18.0.0 */
#define LAB_MASK 0xfffe0000u /* /15: the only range a lab tool may send to */
#define MAX_PROBES 2000000u  /* hard cap whatever -d and -i say */
#define MAX_DURATION_MS 600000u
#define MAX_NODES 32 /* distinct answering names tracked (bits of a u32) */
#define NAME_LEN 32
#define MAX_SEQ_LIST 64 /* changes listed in sequence=, then "..." */
#define RX_BATCH 64
#define NODE_NONE 0xff

struct opts {
	struct sockaddr_in target;
	unsigned long interval_us;
	unsigned long duration_ms;
	unsigned long timeout_ms;
	int quiet;
	int json;
};

/* One probe: 16 bytes so the hard cap stays at 32 MB. */
struct probe {
	uint32_t send_us; /* since start */
	uint32_t rtt_us;  /* of the first answer */
	uint32_t nodes;	  /* bit i: node i answered in time */
	uint8_t first;	  /* node of the first answer, NODE_NONE if none */
	uint8_t pad[3];
};

/* The summary, built from final probes in sequence order. */
struct summary {
	uint64_t answered, lost, dual, dups, late, stray, unknown_nodes;
	uint64_t changes, flaps, send_errors, skipped;
	uint64_t node_answers[MAX_NODES];
	uint64_t rtt_sum_us;
	uint32_t rtt_min_us, rtt_max_us;
	int64_t last_ok_us; /* send time of the last answered probe */
	int64_t gap_max_us, gap_start_us;
	uint64_t run_lost, run_lost_max;
	uint8_t first, cur;
	uint32_t been_cur; /* nodes that have been current at some point */
	uint8_t seq_list[MAX_SEQ_LIST];
	unsigned int seq_len;
	int seq_truncated;
};

struct prober {
	struct opts o;
	struct probe *p;
	uint32_t cap;	/* slots allocated */
	uint32_t sent;	/* probes sent, = next sequence number */
	uint32_t final; /* probes [0, final) are folded into sum */
	uint64_t start_ns;
	char names[MAX_NODES][NAME_LEN];
	unsigned int nnames;
	struct summary sum;
	int interrupted;
	char last_extra[64]; /* what the last reply carried after "<node> <seq> " */
};

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	(void)sig;
	got_signal++;
}

static int parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* "A.B.C.D[:PORT]", port 7 (echo) by default. */
static int parse_target(const char *arg, struct sockaddr_in *sin)
{
	char host[INET_ADDRSTRLEN];
	const char *colon = strchr(arg, ':');
	unsigned long port = 7;
	size_t n = colon ? (size_t)(colon - arg) : strlen(arg);

	if (n == 0 || n >= sizeof(host))
		return -EINVAL;
	memcpy(host, arg, n);
	host[n] = '\0';
	if (colon && parse_ulong(colon + 1, 1, 65535, &port))
		return -EINVAL;
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		return -EINVAL;
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: hbpf-prober -t VIP[:PORT] -d DURATION_MS [-i INTERVAL_US] "
		"[-w TIMEOUT_MS] [-q] [-j]\n"
		"  -d 1..%u ms, -i 100..1000000 us (1000), -w 1..10000 ms (100)\n",
		MAX_DURATION_MS);
	exit(2);
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	const char *target = NULL;
	int c, bad = 0;

	o->interval_us = 1000;
	o->timeout_ms = 100;
	while ((c = getopt(argc, argv, "t:i:d:w:qjh")) != -1) {
		switch (c) {
		case 't':
			target = optarg;
			break;
		case 'i':
			bad |= parse_ulong(optarg, 100, 1000000, &o->interval_us);
			break;
		case 'd':
			bad |= parse_ulong(optarg, 1, MAX_DURATION_MS, &o->duration_ms);
			break;
		case 'w':
			bad |= parse_ulong(optarg, 1, 10000, &o->timeout_ms);
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'j':
			o->json = 1;
			break;
		default:
			usage();
		}
	}
	if (bad || optind != argc || !target || !o->duration_ms)
		usage();
	if (parse_target(target, &o->target)) {
		fprintf(stderr, "hbpf-prober: bad target '%s' (want A.B.C.D[:PORT])\n", target);
		exit(2);
	}
	if ((ntohl(o->target.sin_addr.s_addr) & LAB_MASK) != LAB_NET) {
		fprintf(stderr, "hbpf-prober: refusing target %s: outside 198.18.0.0/15\n", target);
		exit(2);
	}
}

/* Index of a node name, adding it if new; NODE_NONE when the table is full. */
static uint8_t node_id(struct prober *pr, const char *name, size_t len)
{
	unsigned int i;

	for (i = 0; i < pr->nnames; i++)
		if (strlen(pr->names[i]) == len && !memcmp(pr->names[i], name, len))
			return (uint8_t)i;
	if (pr->nnames == MAX_NODES)
		return NODE_NONE;
	memcpy(pr->names[pr->nnames], name, len);
	pr->names[pr->nnames][len] = '\0';
	return (uint8_t)pr->nnames++;
}

/* "<node> <seq>[ ...]": node of [A-Za-z0-9_.-], 1..31 chars. */
static int parse_reply(const char *buf, size_t len, size_t *name_len, uint64_t *seq)
{
	static const char ok[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-";
	size_t i = 0, d;
	uint64_t v = 0;

	while (i < len && buf[i] && strchr(ok, buf[i]))
		i++;
	if (i == 0 || i >= NAME_LEN || i >= len || buf[i] != ' ')
		return -EINVAL;
	*name_len = i;
	for (d = ++i; i < len && buf[i] >= '0' && buf[i] <= '9' && i - d < 10; i++)
		v = v * 10 + (uint64_t)(buf[i] - '0');
	if (i == d || (i < len && buf[i] != ' '))
		return -EINVAL;
	*seq = v;
	return 0;
}

/* The reply's text after "<node> <seq> " (a service's content), kept printable. */
static void keep_extra(struct prober *pr, const char *buf, size_t len, size_t name_len)
{
	size_t i = name_len + 1, o = 0;

	while (i < len && buf[i] >= '0' && buf[i] <= '9')
		i++;
	if (i < len && buf[i] == ' ')
		i++;
	for (; i < len && buf[i] && buf[i] != '\n' && o < sizeof(pr->last_extra) - 1; i++)
		pr->last_extra[o++] =
			strchr(" =\"\\", buf[i]) || buf[i] < 0x21 || buf[i] > 0x7e ? '_' : buf[i];
	pr->last_extra[o] = '\0';
}

static void record_reply(struct prober *pr, const char *buf, size_t len, uint64_t t_ns)
{
	struct summary *s = &pr->sum;
	struct probe *p;
	size_t name_len;
	uint64_t seq, rtt_ns;
	uint8_t id;

	if (parse_reply(buf, len, &name_len, &seq) || seq >= pr->sent) {
		s->stray++;
		return;
	}
	p = &pr->p[seq];
	rtt_ns = t_ns - pr->start_ns - (uint64_t)p->send_us * 1000;
	/* Past the window the probe may already be folded in: it stays lost. */
	if (seq < pr->final || rtt_ns > pr->o.timeout_ms * 1000000ull) {
		s->late++;
		return;
	}
	id = node_id(pr, buf, name_len);
	if (id == NODE_NONE) {
		s->unknown_nodes++;
		return;
	}
	if (p->nodes & (1u << id)) {
		s->dups++;
		return;
	}
	p->nodes |= 1u << id;
	keep_extra(pr, buf, len, name_len);
	if (p->first == NODE_NONE) {
		p->first = id;
		p->rtt_us = (uint32_t)(rtt_ns / 1000);
	}
}

static void drain(struct prober *pr, int fd)
{
	char bufs[RX_BATCH][256];
	struct mmsghdr msgs[RX_BATCH];
	struct iovec iov[RX_BATCH];
	uint64_t t;
	int i, n;

	for (;;) {
		memset(msgs, 0, sizeof(msgs));
		for (i = 0; i < RX_BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = sizeof(bufs[i]);
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(fd, msgs, RX_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return; /* EAGAIN: queue empty; other errors: next poll */
		t = mono_now_ns();
		for (i = 0; i < n; i++)
			record_reply(pr, bufs[i], msgs[i].msg_len, t);
		if (n < RX_BATCH)
			return;
	}
}

static void note_change(struct summary *s, uint8_t id)
{
	if (s->cur != NODE_NONE) {
		s->changes++;
		if (s->been_cur & (1u << id))
			s->flaps++;
	}
	s->been_cur |= 1u << id;
	s->cur = id;
	if (s->seq_len < MAX_SEQ_LIST)
		s->seq_list[s->seq_len++] = id;
	else
		s->seq_truncated = 1;
}

/*
 * Fold one final probe into the summary.  The node that served a probe is
 * the current node if it is among those that answered (a second answerer
 * during an overlap is counted in dual=, not as a change), else the first to
 * answer.  Outage gaps are measured between send times of answered probes.
 */
static void fold(struct prober *pr, const struct probe *p)
{
	struct summary *s = &pr->sum;
	int64_t gap;
	uint8_t id;
	unsigned int i;

	if (p->first == NODE_NONE) {
		s->lost++;
		s->run_lost++;
		if (s->run_lost > s->run_lost_max)
			s->run_lost_max = s->run_lost;
		return;
	}
	s->answered++;
	s->run_lost = 0;
	if (p->nodes & (p->nodes - 1))
		s->dual++;
	for (i = 0; i < pr->nnames; i++)
		if (p->nodes & (1u << i))
			s->node_answers[i]++;
	s->rtt_sum_us += p->rtt_us;
	if (p->rtt_us < s->rtt_min_us)
		s->rtt_min_us = p->rtt_us;
	if (p->rtt_us > s->rtt_max_us)
		s->rtt_max_us = p->rtt_us;

	gap = (int64_t)p->send_us - s->last_ok_us;
	if (gap > s->gap_max_us) {
		s->gap_max_us = gap;
		s->gap_start_us = s->last_ok_us;
	}
	s->last_ok_us = p->send_us;

	id = (s->cur != NODE_NONE && (p->nodes & (1u << s->cur))) ? s->cur : p->first;
	if (s->first == NODE_NONE)
		s->first = id;
	if (id != s->cur)
		note_change(s, id);
}

/* Fold every probe whose reply window has closed by t_ns (all when t_ns = 0). */
static void fold_final(struct prober *pr, uint64_t t_ns)
{
	uint64_t window_us = pr->o.timeout_ms * 1000;

	while (pr->final < pr->sent) {
		const struct probe *p = &pr->p[pr->final];

		if (t_ns && (uint64_t)p->send_us + window_us > (t_ns - pr->start_ns) / 1000)
			break;
		fold(pr, p);
		pr->final++;
	}
}

/*
 * The longest gap so far, counting a run of losses still open at the last
 * folded probe as ending one interval after it (the same virtual answer as
 * before the first probe): a service that has not come back shows as an
 * outage up to now, and at the end up to the end of the run.
 */
static double outage_ms(const struct prober *pr, int64_t *start_us)
{
	const struct summary *s = &pr->sum;
	int64_t gap = s->gap_max_us, from = s->gap_start_us, end;

	if (!s->lost) {
		*start_us = 0;
		return 0.0;
	}
	if (pr->final && pr->p[pr->final - 1].first == NODE_NONE) {
		end = (int64_t)pr->p[pr->final - 1].send_us + (int64_t)pr->o.interval_us;
		if (end - s->last_ok_us > gap) {
			gap = end - s->last_ok_us;
			from = s->last_ok_us;
		}
	}
	*start_us = from < 0 ? 0 : from;
	return (double)gap / 1000.0;
}

static void live_line(struct prober *pr, uint64_t t_ns)
{
	const struct summary *s = &pr->sum;
	int64_t from;

	fprintf(stderr,
		"prober: t=%.1fs sent=%" PRIu32 " pending=%" PRIu32 " answered=%" PRIu64
		" lost=%" PRIu64 " node=%s changes=%" PRIu64 " dual=%" PRIu64 " outage_ms=%.3f\n",
		(double)(t_ns - pr->start_ns) / 1e9, pr->sent, pr->sent - pr->final, s->answered,
		s->lost, s->cur == NODE_NONE ? "-" : pr->names[s->cur], s->changes, s->dual,
		outage_ms(pr, &from));
}

static int send_probe(struct prober *pr, int fd, uint64_t t_ns)
{
	struct probe *p = &pr->p[pr->sent];
	char buf[64];
	int len;

	len = snprintf(buf, sizeof(buf), "HBPF-PROBE %" PRIu32 " %" PRIu64, pr->sent, t_ns);
	p->send_us = (uint32_t)((t_ns - pr->start_ns) / 1000);
	p->first = NODE_NONE;
	pr->sent++;
	if (sendto(fd, buf, (size_t)len, MSG_DONTWAIT, (const struct sockaddr *)&pr->o.target,
		   sizeof(pr->o.target)) < 0) {
		pr->sum.send_errors++;
		return -errno;
	}
	return 0;
}

static int open_fds(int *sock, int *tfd)
{
	int rcvbuf = 1 << 20;

	*sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (*sock < 0)
		return -errno;
	/* Room for a burst of double answers while we are busy sending. */
	setsockopt(*sock, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	*tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (*tfd < 0) {
		close(*sock);
		return -errno;
	}
	return 0;
}

/*
 * The probe loop: send one probe per timer slot until -d, the probe cap or a
 * signal.  Slots the process slept through are skipped, not sent in a burst.
 */
static int run(struct prober *pr, int sock, int tfd, const sigset_t *wait_mask)
{
	uint64_t dur_ns = pr->o.duration_ms * 1000000ull, iv_ns = pr->o.interval_us * 1000ull;
	uint64_t slot = 0, exp, t, next_live;
	struct pollfd pfd[2] = {{.fd = sock, .events = POLLIN}, {.fd = tfd, .events = POLLIN}};
	struct itimerspec its = {0};

	pr->start_ns = mono_now_ns();
	next_live = pr->start_ns + 1000000000ull;
	its.it_value.tv_sec = (time_t)(pr->start_ns / 1000000000ull);
	its.it_value.tv_nsec = (long)(pr->start_ns % 1000000000ull);
	its.it_interval.tv_sec = (time_t)(iv_ns / 1000000000ull);
	its.it_interval.tv_nsec = (long)(iv_ns % 1000000000ull);
	if (timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		return -errno;

	while (!got_signal && pr->sent < pr->cap && slot * iv_ns < dur_ns) {
		pfd[0].revents = pfd[1].revents = 0;
		if (ppoll(pfd, 2, NULL, wait_mask) < 0 && errno != EINTR)
			return -errno;
		if (pfd[0].revents)
			drain(pr, sock);
		if ((pfd[1].revents & POLLIN) && read(tfd, &exp, sizeof(exp)) == sizeof(exp)) {
			t = mono_now_ns();
			pr->sum.skipped += exp - 1;
			slot += exp - 1;
			if (slot * iv_ns < dur_ns)
				send_probe(pr, sock, t);
			slot++;
			fold_final(pr, t);
			if (!pr->o.quiet && t >= next_live) {
				live_line(pr, t);
				next_live += 1000000000ull;
			}
		}
	}
	pr->interrupted = got_signal > 0;
	return 0;
}

/* After the last probe, wait out its reply window (a second signal cuts it). */
static void final_drain(struct prober *pr, int sock, const sigset_t *wait_mask)
{
	uint64_t end = mono_now_ns() + pr->o.timeout_ms * 1000000ull, t;
	struct pollfd pfd = {.fd = sock, .events = POLLIN};
	sig_atomic_t seen = got_signal;
	struct timespec ts;

	while ((t = mono_now_ns()) < end && got_signal == seen) {
		ts.tv_sec = (time_t)((end - t) / 1000000000ull);
		ts.tv_nsec = (long)((end - t) % 1000000000ull);
		if (ppoll(&pfd, 1, &ts, wait_mask) > 0)
			drain(pr, sock);
	}
	drain(pr, sock);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static uint32_t rtt_p99_us(const struct prober *pr)
{
	uint32_t *v, i, n = 0, r;

	if (!pr->sum.answered)
		return 0;
	v = malloc(sizeof(*v) * pr->sum.answered);
	if (!v)
		return pr->sum.rtt_max_us; /* an upper bound is still honest */
	for (i = 0; i < pr->sent; i++)
		if (pr->p[i].first != NODE_NONE)
			v[n++] = pr->p[i].rtt_us;
	qsort(v, n, sizeof(*v), cmp_u32);
	r = v[(n * 99 + 99) / 100 - 1];
	free(v);
	return r;
}

static const char *name_or(const struct prober *pr, uint8_t id, const char *none)
{
	return id == NODE_NONE ? none : pr->names[id];
}

static void print_summary(const struct prober *pr)
{
	const struct summary *s = &pr->sum;
	const int j = pr->o.json;
	const char *sep = j ? "," : "\n", *q = j ? "\"" : "";
	char addr[INET_ADDRSTRLEN];
	int64_t ostart_us;
	double outage = outage_ms(pr, &ostart_us), ostart = (double)ostart_us / 1000.0;
	unsigned int i;

	inet_ntop(AF_INET, &pr->o.target.sin_addr, addr, sizeof(addr));
#define KEY(k) (j ? "\"" k "\":" : k "=")
	printf("%s%s%s%s:%u%s", j ? "{" : "", KEY("target"), q, addr, ntohs(pr->o.target.sin_port),
	       q);
	printf("%s%s%lu", sep, KEY("interval_us"), pr->o.interval_us);
	printf("%s%s%lu", sep, KEY("duration_ms"), pr->o.duration_ms);
	printf("%s%s%" PRIu32, sep, KEY("probes"), pr->sent);
	printf("%s%s%" PRIu64, sep, KEY("answered"), s->answered);
	printf("%s%s%" PRIu64, sep, KEY("lost"), s->lost);
	printf("%s%s%.3f", sep, KEY("outage_ms"), outage);
	printf("%s%s%.3f", sep, KEY("outage_start_ms"), ostart);
	printf("%s%s%" PRIu64, sep, KEY("max_lost_run"), s->run_lost_max);
	printf("%s%s%s%s%s", sep, KEY("first"), s->first == NODE_NONE ? "" : q,
	       name_or(pr, s->first, j ? "null" : "-"), s->first == NODE_NONE ? "" : q);
	printf("%s%s%s%s%s", sep, KEY("last"), s->cur == NODE_NONE ? "" : q,
	       name_or(pr, s->cur, j ? "null" : "-"), s->cur == NODE_NONE ? "" : q);
	printf("%s%s%" PRIu64, sep, KEY("changes"), s->changes);
	printf("%s%s%s", sep, KEY("sequence"), j ? "[" : "");
	for (i = 0; i < s->seq_len; i++)
		printf("%s%s%s%s", i ? "," : "", q, pr->names[s->seq_list[i]], q);
	if (s->seq_truncated)
		printf(",%s...%s", q, q);
	printf("%s", j ? "]" : "");
	printf("%s%s%" PRIu64, sep, KEY("dual"), s->dual);
	printf("%s%s%" PRIu64, sep, KEY("flaps"), s->flaps);
	printf("%s%s%u", sep, KEY("nodes"), pr->nnames);
	printf("%s%s%s", sep, KEY("per_node"), j ? "{" : "");
	for (i = 0; i < pr->nnames; i++)
		printf("%s%s%s%s:%" PRIu64, i ? "," : "", q, pr->names[i], q, s->node_answers[i]);
	printf("%s", j ? "}" : "");
	printf("%s%s%" PRIu32, sep, KEY("rtt_min_us"), s->answered ? s->rtt_min_us : 0);
	printf("%s%s%" PRIu64, sep, KEY("rtt_avg_us"),
	       s->answered ? s->rtt_sum_us / s->answered : 0);
	printf("%s%s%" PRIu32, sep, KEY("rtt_p99_us"), rtt_p99_us(pr));
	printf("%s%s%" PRIu32, sep, KEY("rtt_max_us"), s->rtt_max_us);
	printf("%s%s%" PRIu64, sep, KEY("late"), s->late);
	printf("%s%s%" PRIu64, sep, KEY("dups"), s->dups);
	printf("%s%s%" PRIu64, sep, KEY("stray"), s->stray + s->unknown_nodes);
	printf("%s%s%" PRIu64, sep, KEY("send_errors"), s->send_errors);
	printf("%s%s%" PRIu64, sep, KEY("skipped_slots"), s->skipped);
	printf("%s%s%d", sep, KEY("interrupted"), pr->interrupted);
	printf("%s%s%s%s%s", sep, KEY("extra"), q, pr->last_extra, q);
	printf("%s\n", j ? "}" : "");
#undef KEY
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	struct prober pr = {0};
	sigset_t block, wait_mask;
	uint64_t want;
	int sock = -1, tfd = -1, err;

	parse_args(argc, argv, &pr.o);
	want = pr.o.duration_ms * 1000ull / pr.o.interval_us + 1;
	pr.cap = want < MAX_PROBES ? (uint32_t)want : MAX_PROBES;
	pr.p = calloc(pr.cap, sizeof(*pr.p));
	if (!pr.p) {
		fprintf(stderr, "hbpf-prober: no memory for %" PRIu32 " probes\n", pr.cap);
		return 1;
	}
	pr.sum.first = pr.sum.cur = NODE_NONE;
	pr.sum.rtt_min_us = UINT32_MAX;
	/* A virtual answer one interval before the first probe: an outage that
	 * starts at once is measured like any other. */
	pr.sum.last_ok_us = -(int64_t)pr.o.interval_us;

	/* Signals only interrupt ppoll(): see tools/responder.c for why. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	err = open_fds(&sock, &tfd);
	if (err) {
		fprintf(stderr, "hbpf-prober: socket: %s\n", strerror(-err));
		free(pr.p);
		return 1;
	}
	err = run(&pr, sock, tfd, &wait_mask);
	if (err)
		fprintf(stderr, "hbpf-prober: probe loop: %s\n", strerror(-err));
	final_drain(&pr, sock, &wait_mask);
	fold_final(&pr, 0);
	print_summary(&pr);
	close(tfd);
	close(sock);
	free(pr.p);
	return err ? 1 : 0;
}
