/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hbpfctl's base (hbpfctl_ctx.c): the state one run works on (struct ctl),
 * a command table entry, the exit codes, and what every command stands on.
 * hbpfctl.c (main, the command table, the actions) calls the command groups,
 * hbpfctl_view.c, hbpfctl_dg.c and hbpfctl_sys.c, each through its own
 * header; all of them stand on this one, which calls none of them.  The
 * hbpfctl_*.c files are built into libhbpf.a with the rest of user/, but
 * only hbpfctl references them, so only hbpfctl links them.
 */
#ifndef HBPF_HBPFCTL_CTX_H
#define HBPF_HBPFCTL_CTX_H

#include "config.h"
#include "pinned.h"

/* Exit codes (hbpfctl(8)). */
#define EXIT_FAIL 1
#define EXIT_UNREACH 2
#define EXIT_USAGE 64

#define NAMELEN (HBPF_NAME_MAX + 8)

struct ctl {
	const char *conf_path;
	int conf_explicit; /* -c given: a config that fails to load is worth a warning */
	const char *pin_root;
	const char *sock_path;
	int json;
	struct hbpf_config *cfg; /* NULL when not loaded */
	char cfg_err[512];
	int cfg_ret;
	/* display names, from the config when it matches the kernel's cluster */
	char node[HBPF_MAX_NODES][NAMELEN];
	char set[HBPF_MAX_SETS][NAMELEN];
	char link[HBPF_MAX_LINKS][NAMELEN];
};

struct cmd {
	const char *name;
	int (*fn)(struct ctl *c, const struct cmd *cmd, int argc, char **argv);
	const char *args; /* usage of the arguments */
	const char *help;
	int nset;  /* action commands: 1 when the first argument is a set */
	int nnode; /* 1 when the second is a node */
};

/* "CMD: too many arguments" and the usage; EXIT_USAGE. */
int cmd_too_many(const struct cmd *cmd);
/* "usage: hbpfctl CMD ARGS" on stderr. */
void cmd_usage(const struct cmd *cmd);
/* load c->conf_path into c->cfg (NULL, with a warning, when it fails). */
void ctl_load_config(struct ctl *c);
/* the display name of node id ("-" when out of range). */
const char *ctl_node_name(const struct ctl *c, unsigned int id);
/* a final reply line meaning success: "ok" or "ok <text>". */
int ctl_reply_ok(const char *line);
/*
 * hbpfctl_ctx.c: open the maps in need (and config, read into kcfg) and set
 * the display names; 0 or an exit code after saying why.
 */
int ctl_open_maps(struct ctl *c, struct hbpf_pinned *p, unsigned int need, struct hbpf_cfg *kcfg);
/* "cannot read DIR/MAP: why"; EXIT_FAIL. */
int ctl_map_err(const struct hbpf_pinned *p, const char *map, int ret);
/* send req, print the reply (the last line to stderr on error); an exit code. */
int send_action(const struct ctl *c, const char *req, int timeout_ms);

#endif /* HBPF_HBPFCTL_CTX_H */
