/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private to the configuration parser: the state shared by config.c (reading
 * the text) and config_check.c (the whole-file checks, the dump).  Users of
 * the configuration include config.h only.
 */
#ifndef HBPF_CONFIG_INT_H
#define HBPF_CONFIG_INT_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"

enum { CTX_TOP, CTX_NODE, CTX_SET, CTX_SERVICE, CTX_DG, CTX_N };

struct directive;

struct parser {
	const char *name;
	struct hbpf_config *cfg;
	char *err;
	size_t errlen;
	int line;
	int ctx;
	int block_line[CTX_N];
	char prefix[2 * HBPF_NAME_MAX + 24]; /* "set web: service http: " */
	const struct directive *dir;	     /* directive being parsed */
	int *seen;			     /* per directive: line, 0 = not yet */
	struct hbpf_cfg_node *node;
	struct hbpf_cfg_set *set;
	struct hbpf_cfg_service *svc;
	struct hbpf_cfg_dg *dg;
	int vips_total;
	/* resolved at the end, once every node is known */
	int set_nodes_line[HBPF_MAX_SETS];
	int set_vmac_line[HBPF_MAX_SETS];
	int set_nnames[HBPF_MAX_SETS];
	char set_names[HBPF_MAX_SETS][HBPF_MAX_NODES][HBPF_NAME_MAX];
	/* "diskgroup NAME" lines of each set, resolved once every group is known */
	int set_ndgs[HBPF_MAX_SETS];
	int set_dg_line[HBPF_MAX_SETS][HBPF_MAX_SET_DGS];
	char set_dg_names[HBPF_MAX_SETS][HBPF_MAX_SET_DGS][HBPF_NAME_MAX];
	/* "meta" lines of each disk group; per-node paths wait in meta_node[k] */
	int dg_meta_line[HBPF_MAX_DGS];
	int dg_nover[HBPF_MAX_DGS];
	int dg_over_line[HBPF_MAX_DGS][HBPF_MAX_NODES];
	char dg_over_node[HBPF_MAX_DGS][HBPF_MAX_NODES][HBPF_NAME_MAX];
};

/* config.c */

/* Report an error at a line; only the first error is kept.  Returns -EINVAL. */
int config_perr(struct parser *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Index of directive name in context ctx (in the directive table and p->seen). */
int config_lookup(int ctx, const char *name);
void config_fmt_mac(char *buf, size_t len, const uint8_t m[6]);

/* config_check.c */

/* After the last line: required directives present, every cross reference resolved. */
int config_finish(struct parser *p);

#endif /* HBPF_CONFIG_INT_H */
