// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the configuration parser: any byte string fed to
 * hbpf_config_parse() must end in either a configuration that keeps every
 * invariant the daemon relies on, or one "name:line: message" error.  Built
 * with -fsanitize=fuzzer,address,undefined (see the Makefile, target fuzz),
 * so an out-of-bounds access, a leak or undefined behaviour is a crash too.
 *
 * Run by hand:
 *   build/fuzz/fuzz_config build/fuzz/corpus_config tests/fuzz/corpus_config
 * The seeds in tests/fuzz/corpus_config are small valid and invalid files;
 * libFuzzer writes what it finds into the first directory.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define FUZZ_NAME "fuzz.conf"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

/* Report the broken invariant and abort: libFuzzer saves the input. */
__attribute__((format(printf, 1, 2), noreturn)) static void fz_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "fuzz_config: invariant broken: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

#define CHECK(cond, ...)                      \
	do {                                  \
		if (!(cond))                  \
			fz_fail(__VA_ARGS__); \
	} while (0)

/* A fixed-size name or command field must hold a NUL inside its bounds. */
#define CHECK_STR(field, what) \
	CHECK(memchr((field), '\0', sizeof(field)), "%s not terminated", what)

/* The error is "fuzz.conf:<digits>: <something>". */
static void check_error(const char *err)
{
	size_t n = strlen(FUZZ_NAME), i;

	CHECK(!strncmp(err, FUZZ_NAME ":", n + 1), "error without the file name: \"%s\"", err);
	i = n + 1;
	CHECK(isdigit((unsigned char)err[i]), "error without a line number: \"%s\"", err);
	while (isdigit((unsigned char)err[i]))
		i++;
	CHECK(err[i] == ':' && err[i + 1] == ' ' && err[i + 2], "malformed error: \"%s\"", err);
}

static void check_nodes(const struct hbpf_config *c)
{
	uint32_t ids = 0;

	CHECK(c->nnodes >= 1 && c->nnodes <= HBPF_MAX_NODES, "nnodes %d", c->nnodes);
	for (int i = 0; i < c->nnodes; i++) {
		const struct hbpf_cfg_node *n = &c->nodes[i];

		CHECK_STR(n->name, "node name");
		CHECK_STR(n->public_if, "public interface");
		CHECK(n->name[0], "empty node name");
		CHECK(n->id < HBPF_MAX_NODES, "node id %u", n->id);
		CHECK(!(ids & (1u << n->id)), "node id %u twice", n->id);
		ids |= 1u << n->id;
		CHECK(hbpf_config_node(c, n->name) == n, "node %s not found by name", n->name);
		CHECK(hbpf_config_node_by_id(c, n->id) == n, "node %u not found by id", n->id);
		CHECK(n->nlinks == c->nlinks, "node %s has %d links of %d", n->name, n->nlinks,
		      c->nlinks);
		for (int j = 0; j < n->nlinks; j++) {
			CHECK_STR(n->links[j].name, "link name");
			CHECK_STR(n->links[j].ifname, "link interface");
			CHECK(!strcmp(n->links[j].name, c->link_names[j]),
			      "node %s link %d is %s, not %s", n->name, j, n->links[j].name,
			      c->link_names[j]);
		}
	}
}

static void check_set(const struct hbpf_config *c, const struct hbpf_cfg_set *s, int i)
{
	CHECK_STR(s->name, "set name");
	CHECK(s->id == i, "set %d has id %u", i, s->id);
	CHECK(hbpf_config_set(c, s->name) == s, "set %s not found by name", s->name);
	CHECK(s->nvips >= 1 && s->nvips <= HBPF_MAX_SET_VIPS, "set %s nvips %d", s->name, s->nvips);
	for (int j = 0; j < s->nvips; j++)
		CHECK(s->vips[j].prefix >= 1 && s->vips[j].prefix <= 32, "set %s prefix %u",
		      s->name, s->vips[j].prefix);
	CHECK(s->nnodes >= 1 && s->nnodes <= HBPF_MAX_NODES, "set %s nnodes %d", s->name,
	      s->nnodes);
	for (int j = 0; j < HBPF_MAX_NODES; j++) {
		if (j >= s->nnodes) {
			CHECK(s->prio[j] == HBPF_NODE_NONE, "set %s prio[%d] = %u past the end",
			      s->name, j, s->prio[j]);
			continue;
		}
		CHECK(hbpf_config_node_by_id(c, s->prio[j]), "set %s prio[%d] = undefined node %u",
		      s->name, j, s->prio[j]);
	}
	CHECK(!(s->vmac[0] & 1), "set %s vmac is a group address", s->name);
	CHECK(s->ndgs >= 0 && s->ndgs <= HBPF_MAX_SET_DGS, "set %s ndgs %d", s->name, s->ndgs);
	for (int j = 0; j < s->ndgs; j++) {
		CHECK(s->dgs[j] < c->ndgs, "set %s dg index %u", s->name, s->dgs[j]);
		CHECK(c->dgs[s->dgs[j]].set == i, "set %s dg %s belongs to set %d", s->name,
		      c->dgs[s->dgs[j]].name, c->dgs[s->dgs[j]].set);
	}
	CHECK(s->nservices >= 0 && s->nservices <= HBPF_MAX_SERVICES, "set %s nservices %d",
	      s->name, s->nservices);
	for (int j = 0; j < s->nservices; j++) {
		const struct hbpf_cfg_service *v = &s->services[j];

		CHECK_STR(v->name, "service name");
		CHECK_STR(v->start, "start command");
		CHECK_STR(v->stop, "stop command");
		CHECK_STR(v->monitor, "monitor command");
		CHECK(v->start[0] && v->stop[0], "service %s without start or stop", v->name);
	}
}

static void check_config(const struct hbpf_config *c)
{
	int vips = 0;

	CHECK(c->cluster != 0, "cluster 0");
	CHECK(c->interval_ms >= 1 && c->interval_ms <= 1000, "interval %u", c->interval_ms);
	CHECK(c->detect_mult >= 2 && c->detect_mult <= 100, "detect-mult %u", c->detect_mult);
	CHECK((uint64_t)c->daemon_deadline_ms > (uint64_t)c->detect_mult * c->interval_ms,
	      "daemon-deadline %u not above the detection time", c->daemon_deadline_ms);
	CHECK(c->port != 0, "port 0");
	CHECK_STR(c->notify, "notify");
	CHECK_STR(c->socket_group, "socket-group");
	CHECK(c->nlinks >= 1 && c->nlinks <= HBPF_MAX_LINKS, "nlinks %d", c->nlinks);
	for (int i = 0; i < c->nlinks; i++)
		CHECK_STR(c->link_names[i], "link name");
	check_nodes(c);
	CHECK(c->ndgs >= 0 && c->ndgs <= HBPF_MAX_DGS, "ndgs %d", c->ndgs);
	for (int i = 0; i < c->ndgs; i++) {
		const struct hbpf_cfg_dg *g = &c->dgs[i];

		CHECK_STR(g->name, "diskgroup name");
		CHECK_STR(g->meta, "diskgroup meta");
		CHECK(g->meta[0] == '/', "diskgroup %s meta \"%s\" not absolute", g->name, g->meta);
		CHECK(g->set >= -1 && g->set < c->nsets, "diskgroup %s set %d", g->name, g->set);
		for (int k = 0; k < HBPF_MAX_NODES; k++)
			CHECK_STR(g->meta_node[k], "diskgroup per-node meta");
		for (int k = 0; k < c->nnodes; k++)
			CHECK(hbpf_config_dg_meta(g, c->nodes[k].id)[0] == '/',
			      "diskgroup %s: no path for node %s", g->name, c->nodes[k].name);
	}
	CHECK(c->nsets >= 0 && c->nsets <= HBPF_MAX_SETS, "nsets %d", c->nsets);
	for (int i = 0; i < c->nsets; i++) {
		check_set(c, &c->sets[i], i);
		vips += c->sets[i].nvips;
		for (int j = 0; j < i; j++)
			CHECK(memcmp(c->sets[i].vmac, c->sets[j].vmac, 6),
			      "sets %s and %s share a vmac", c->sets[i].name, c->sets[j].name);
	}
	CHECK(vips <= HBPF_MAX_VIPS, "%d VIPs", vips);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hbpf_config *cfg = malloc(sizeof(*cfg));
	char err[512];
	int ret;

	if (!cfg)
		return 0;
	if (!devnull)
		devnull = fopen("/dev/null", "w");
	/* Canary past the error's end: the parser must stay inside errlen. */
	memset(err, 0x5a, sizeof(err));
	ret = hbpf_config_parse(FUZZ_NAME, (const char *)data, size, cfg, err, sizeof(err) - 1);
	CHECK(err[sizeof(err) - 1] == 0x5a, "error buffer overrun");
	if (ret == 0) {
		check_config(cfg);
		/* The dump walks every field "hbpfctl check" prints. */
		if (devnull)
			hbpf_config_dump(cfg, devnull);
	} else {
		CHECK(ret < 0, "parse returned %d", ret);
		CHECK(memchr(err, '\0', sizeof(err) - 1), "error not terminated");
		check_error(err);
	}
	free(cfg);
	return 0;
}
