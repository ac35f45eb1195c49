/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private to the configuration parser: the state and functions shared by its
 * layers, config.c (lines), config_dir.c (directives, blocks),
 * config_value.c (values, error reports) and config_check.c (whole-file
 * checks, dump).  Users of the configuration include config.h only.
 */
#ifndef HBPF_CONFIG_INT_H
#define HBPF_CONFIG_INT_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include "config.h"

#define LINE_MAX_BYTES 1024
#define MAX_TOKENS 24

enum { CTX_TOP, CTX_NODE, CTX_SET, CTX_SERVICE, CTX_DG, CTX_N };

/* One directive line: the words after the directive's name. */
struct args {
	char *rest; /* everything after the directive word, trimmed */
	int ntok;
	char *tok[MAX_TOKENS];
};

struct parser;

struct directive {
	const char *name;
	int ctx;	   /* CTX_* it belongs to */
	const char *usage; /* shown when the values do not fit */
	int min, max;	   /* value count; max < 0: the rest of the line */
	int multi;	   /* may appear more than once per block */
	int block;	   /* opens a block with '{' */
	int (*fn)(struct parser *p, struct args *a); /* or NULL: a plain value */
	int type;				     /* V_*: how a plain value is parsed */
	int target;				     /* T_*: the struct it is stored in */
	size_t off;				     /* offset of the field in that struct */
	uint32_t lo, hi; /* range (ms for durations), or the buffer size */
};

enum { V_NONE, V_U32, V_MS, V_CMD };
enum { T_NONE, T_TOP, T_SVC, T_DG };

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

/* config_value.c */

/* Report an error at a line; only the first error is kept.  Returns -EINVAL. */
int config_perr(struct parser *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Report an error in the value of the directive on the current line (p->dir). */
int config_verr(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s without leading blanks and trailing blanks or '\r', in place. */
char *config_trim(char *s);

/* Value parsers: 0, or -EINVAL after reporting what is wrong (config_verr). */
int cv_u32(struct parser *p, const char *s, uint32_t lo, uint32_t hi, uint32_t *out);
/* A duration with its unit ("250ms", "2s"), in ms, within lo..hi ms. */
int cv_ms(struct parser *p, const char *s, uint32_t lo, uint32_t hi, uint32_t *out);
/* A node, set, link or service name (util.h's name rule), what names it in errors. */
int cv_name(struct parser *p, const char *what, const char *s, char *out);
int cv_ifname(struct parser *p, const char *s, char *out);
int cv_ipv4(struct parser *p, const char *s, struct in_addr *out);
/* The rest of a line as a command (bare, or one quoted string), below outlen bytes. */
int cv_cmd(struct parser *p, char *s, char *out, size_t outlen);
/* *out = 1 for yes, 0 for no. */
int cv_bool(struct parser *p, const char *s, const char *yes, const char *no, int *out);
/* "xx:xx:xx:xx:xx:xx": 0 or -EINVAL, no report (the caller words it). */
int cv_mac(const char *s, uint8_t mac[6]);
void config_fmt_mac(char *buf, size_t len, const uint8_t m[6]);

/* config_dir.c */

/*
 * The directive table (a {0} entry ends it); the index is also that of
 * p->seen.  config_dir.c asserts that the table has CONFIG_NDIRECTIVES.
 */
#define CONFIG_NDIRECTIVES 39
extern const struct directive config_directives[];
/* Index of directive name in context ctx (any context for ctx < 0), or -1. */
int config_lookup(int ctx, const char *name);
/* Apply directive d to its values: its function, or the plain value into its field. */
int config_apply(struct parser *p, const struct directive *d, struct args *a);
/* "}": check the block's required directives and return to the enclosing one. */
int config_close_block(struct parser *p);

/* config_check.c */

/* After the last line: required directives present, every cross reference resolved. */
int config_finish(struct parser *p);

#endif /* HBPF_CONFIG_INT_H */
