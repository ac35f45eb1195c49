// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the held-set record (user/held.c) and the tie-breaker's
 * answer matching (user/tiebreak.c): the parts of start-up resume and of
 * the tie-breaker that do not need a network or a daemon.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/ip.h>
#include <sys/stat.h>

#include "config.h"
#include "held.h"
#include "tiebreak.h"

static const char conf[] = "cluster 1\nlinks pub\nstate-dir %s\n"
			   "node a {\n\tid 0\n\tpublic p0\n\tlink pub p0 198.18.0.11\n}\n"
			   "node b {\n\tid 1\n\tpublic p0\n\tlink pub p0 198.18.0.12\n}\n"
			   "set web {\n\tvip 198.18.0.100\n\tnodes a b\n}\n"
			   "set db {\n\tvip 198.18.0.101\n\tnodes b a\n}\n";

static struct hbpf_config *load(const char *dir)
{
	struct hbpf_config *c = malloc(sizeof(*c));
	char text[1024], err[256];
	int n = snprintf(text, sizeof(text), conf, dir);

	assert_non_null(c);
	assert_int_equal(hbpf_config_parse("t.conf", text, (size_t)n, c, err, sizeof(err)), 0);
	return c;
}

static void test_parse(void **state)
{
	static const char *const bad[] = {
		"held web\n",	     "held web 1 2\n",	      "hold web 1\n",
		"held web -1\n",     "held web 4294967296\n", "held web 1x\n",
		"held web 1\n\tx\n", "held web +1\n",
	};
	struct hbpf_config *c = load("/tmp");
	uint32_t mask, ep[HBPF_MAX_SETS];
	char err[128];
	const char *ok = "# comment\n\nheld db 7\n  held web 4294967295\nheld gone 3\n";

	(void)state;
	assert_int_equal(held_parse(c, ok, strlen(ok), &mask, ep, err, sizeof(err)), 0);
	/* web is set 0, db set 1; a set the config no longer has is skipped */
	assert_int_equal(mask, 3);
	assert_int_equal(ep[0], 4294967295u);
	assert_int_equal(ep[1], 7);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mask = 99;
		assert_int_equal(held_parse(c, bad[i], strlen(bad[i]), &mask, ep, err, sizeof(err)),
				 -EINVAL);
		/* a damaged record claims nothing */
		assert_int_equal(mask, 0);
		assert_non_null(strstr(err, "expected \"held SET EPOCH\""));
	}
	assert_int_equal(held_parse(c, "held web 1\nheld\0db 2\n", 20, &mask, ep, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "line 2: expected \"held SET EPOCH\"");
	free(c);
}

static void test_save_load(void **state)
{
	char dir[] = "/tmp/hbpf-held-XXXXXX", sub[300], path[256], err[128];
	uint32_t mask, ep[HBPF_MAX_SETS] = {0}, got[HBPF_MAX_SETS];
	struct hbpf_config *c;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/state", dir);
	c = load(sub);
	assert_int_equal(held_path(c, "b", path, sizeof(path)), 0);
	assert_non_null(strstr(path, "/state/b.held"));
	/* No record yet: nothing held, no error. */
	assert_int_equal(held_load(c, path, &mask, got, err, sizeof(err)), 0);
	assert_int_equal(mask, 0);
	ep[1] = 12;
	assert_int_equal(held_save(c, path, 1u << 1, ep), 0); /* creates the directory */
	assert_int_equal(held_load(c, path, &mask, got, err, sizeof(err)), 0);
	assert_int_equal(mask, 1u << 1);
	assert_int_equal(got[1], 12);
	/* Rewritten whole (rename): no temporary left behind. */
	assert_int_equal(held_save(c, path, 0, ep), 0);
	assert_int_equal(held_load(c, path, &mask, got, err, sizeof(err)), 0);
	assert_int_equal(mask, 0);
	snprintf(sub, sizeof(sub), "%s.tmp", path);
	assert_int_not_equal(stat(sub, &st), 0);
	unlink(path);
	snprintf(sub, sizeof(sub), "%s/state", dir);
	rmdir(sub);
	rmdir(dir);
	free(c);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Wait (bounded) for the writer's result to change; returns it. */
static int next_result(struct held_writer *w, uint64_t *seen, uint64_t within_ms)
{
	uint64_t until = mono_ms() + within_ms;
	int err;

	while (!held_writer_result(w, seen, &err)) {
		assert_true(mono_ms() < until);
		usleep(10000);
	}
	return err;
}

/*
 * Storage that blocks: the temporary file is a FIFO nobody reads, so the
 * writer's open(2) hangs as on a hung disk.  Posting never waits for it;
 * when the "storage" comes back (a reader opens the FIFO, fsync then fails
 * on it and the writer removes it) the writer retries and the latest record
 * posted reaches the disk.
 */
static void test_writer_never_blocks_the_poster(void **state)
{
	char dir[] = "/tmp/hbpf-held-XXXXXX", sub[300], path[256], tmp[300], err[128];
	uint32_t mask, ep[HBPF_MAX_SETS] = {0}, got[HBPF_MAX_SETS];
	static struct held_writer w;
	struct hbpf_config *c;
	uint64_t seen = 0, t0;
	int rfd, last = -1;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/state", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	c = load(sub);
	assert_int_equal(held_path(c, "a", path, sizeof(path)), 0);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(mkfifo(tmp, 0644), 0);
	assert_int_equal(held_writer_start(&w, c, path), 0);
	ep[0] = 7;
	t0 = mono_ms();
	held_writer_post(&w, 1u << 0, ep);
	usleep(200000);
	ep[1] = 9;
	held_writer_post(&w, 3u, ep);		  /* replaces the one still waiting */
	assert_true(mono_ms() - t0 < 400);	  /* 200 ms of it slept here */
	assert_int_equal(access(path, F_OK), -1); /* nothing written yet */
	/* The storage answers: the blocked attempt fails (not a regular
	 * file), and the newer record waiting is written at once. */
	rfd = open(tmp, O_RDONLY | O_NONBLOCK);
	assert_true(rfd >= 0);
	for (t0 = mono_ms(); seen < 2;) {
		assert_true(mono_ms() - t0 < 3000);
		last = next_result(&w, &seen, 3000);
	}
	close(rfd);
	assert_int_equal(seen, 2); /* one failure, one recovery */
	assert_int_equal(last, 0);
	assert_int_equal(held_writer_stop(&w, 2000000000ull), 0);
	assert_int_equal(held_load(c, path, &mask, got, err, sizeof(err)), 0);
	assert_int_equal(mask, 3u);
	assert_int_equal(got[0], 7);
	assert_int_equal(got[1], 9);

	/* At exit the wait is bounded: a writer still blocked is left behind. */
	assert_int_equal(mkfifo(tmp, 0644), 0);
	assert_int_equal(held_writer_start(&w, c, path), 0);
	held_writer_post(&w, 0, ep);
	usleep(50000);
	t0 = mono_ms();
	assert_int_equal(held_writer_stop(&w, 200000000ull), -ETIMEDOUT);
	assert_true(mono_ms() - t0 < 1000);
	/* Release it (it gives up: stopping) before w goes away. */
	rfd = open(tmp, O_RDONLY | O_NONBLOCK);
	assert_true(rfd >= 0);
	for (t0 = mono_ms();;) {
		int busy;

		pthread_mutex_lock(&w.mu);
		busy = w.started;
		pthread_mutex_unlock(&w.mu);
		if (!busy)
			break;
		assert_true(mono_ms() - t0 < 3000);
		usleep(10000);
	}
	close(rfd);
	usleep(10000); /* the detached thread returns after its last unlock */
	assert_int_equal(held_load(c, path, &mask, got, err, sizeof(err)), 0);
	assert_int_equal(mask, 3u); /* the earlier record stands */
	unlink(tmp);
	unlink(path);
	rmdir(sub);
	rmdir(dir);
	free(c);
}

/* An IPv4 + ICMP echo reply as a raw socket returns it. */
static size_t reply(uint8_t *buf, uint32_t src, uint8_t type, uint16_t ident, uint16_t seq)
{
	struct iphdr *ip = (void *)buf;
	uint8_t *icmp = buf + sizeof(*ip);
	uint32_t sum = 0;
	size_t i, len = 8 + 16;

	memset(buf, 0, sizeof(*ip) + len);
	ip->version = 4;
	ip->ihl = 5;
	ip->protocol = IPPROTO_ICMP;
	ip->saddr = htonl(src);
	icmp[0] = type;
	icmp[4] = (uint8_t)(ident >> 8);
	icmp[5] = (uint8_t)ident;
	icmp[6] = (uint8_t)(seq >> 8);
	icmp[7] = (uint8_t)seq;
	memcpy(icmp + 8, "hbpf tie-breaker", 16);
	for (i = 0; i < len; i += 2)
		sum += (uint32_t)(icmp[i] << 8 | icmp[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	icmp[2] = (uint8_t)(~sum >> 8);
	icmp[3] = (uint8_t)~sum;
	return sizeof(*ip) + len;
}

static void test_tb_parse_reply(void **state)
{
	struct in_addr tb = {.s_addr = htonl(0xc6120002)};
	uint8_t buf[128];
	size_t n;

	(void)state;
	n = reply(buf, 0xc6120002, 0, 0x1234, 77);
	assert_int_equal(tb_parse_reply(buf, n, tb, 0x1234), 77);
	/* another daemon's probe, another host, a request, a bad checksum, short */
	assert_int_equal(tb_parse_reply(buf, n, tb, 0x1235), -1);
	n = reply(buf, 0xc6120003, 0, 0x1234, 77);
	assert_int_equal(tb_parse_reply(buf, n, tb, 0x1234), -1);
	n = reply(buf, 0xc6120002, 8, 0x1234, 77);
	assert_int_equal(tb_parse_reply(buf, n, tb, 0x1234), -1);
	n = reply(buf, 0xc6120002, 0, 0x1234, 77);
	buf[n - 1] ^= 1;
	assert_int_equal(tb_parse_reply(buf, n, tb, 0x1234), -1);
	assert_int_equal(tb_parse_reply(buf, 27, tb, 0x1234), -1);
}

static void test_tb_reachable(void **state)
{
	struct tiebreak tb;

	(void)state;
	memset(&tb, 0, sizeof(tb));
	assert_int_equal(tb_reachable(&tb, 1000, 500), 0);
	tb.ans_sent_ns = 600;
	assert_int_equal(tb_reachable(&tb, 1000, 500), 1);
	assert_int_equal(tb_reachable(&tb, 1101, 500), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_save_load),
		cmocka_unit_test(test_writer_never_blocks_the_poster),
		cmocka_unit_test(test_tb_parse_reply),
		cmocka_unit_test(test_tb_reachable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
