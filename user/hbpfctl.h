/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private to hbpfctl: what its files share.  hbpfctl.c (main, the command
 * table, the actions) calls the command groups: hbpfctl_view.c (status,
 * peers, sets, counters), hbpfctl_dg.c (dg ...) and hbpfctl_sys.c (check,
 * keygen, XDP modes); all of them stand on hbpfctl_ctx.c, which calls none
 * of them.  They are built into libhbpf.a with the rest of user/, but only
 * hbpfctl references them, so only hbpfctl links them.
 */
#ifndef HBPF_HBPFCTL_H
#define HBPF_HBPFCTL_H

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

/* hbpfctl_ctx.c: "CMD: too many arguments" and the usage; EXIT_USAGE. */
int cmd_too_many(const struct cmd *cmd);
/* hbpfctl_ctx.c: "usage: hbpfctl CMD ARGS" on stderr. */
void cmd_usage(const struct cmd *cmd);
/* hbpfctl_ctx.c: load c->conf_path into c->cfg (NULL, with a warning, when it fails). */
void ctl_load_config(struct ctl *c);
/* hbpfctl_ctx.c: the display name of node id ("-" when out of range). */
const char *ctl_node_name(const struct ctl *c, unsigned int id);
/* hbpfctl_ctx.c: a final reply line meaning success: "ok" or "ok <text>". */
int ctl_reply_ok(const char *line);
/*
 * hbpfctl_ctx.c: open the maps in need (and config, read into kcfg) and set
 * the display names; 0 or an exit code after saying why.
 */
int ctl_open_maps(struct ctl *c, struct hbpf_pinned *p, unsigned int need, struct hbpf_cfg *kcfg);
/* hbpfctl_ctx.c: "cannot read DIR/MAP: why"; EXIT_FAIL. */
int ctl_map_err(const struct hbpf_pinned *p, const char *map, int ret);
/* hbpfctl_ctx.c: send req, print the reply (the last line to stderr on error); an exit code. */
int send_action(const struct ctl *c, const char *req, int timeout_ms);

/* hbpfctl_view.c: the views; exit codes. */
int cmd_status(struct ctl *c, const struct cmd *cmd, int argc, char **argv);
int cmd_peers(struct ctl *c, const struct cmd *cmd, int argc, char **argv);
int cmd_sets(struct ctl *c, const struct cmd *cmd, int argc, char **argv);
int cmd_counters(struct ctl *c, const struct cmd *cmd, int argc, char **argv);

/* hbpfctl_dg.c: "hbpfctl dg SUBCMD ..." (init, show, import, deport); an exit code. */
int cmd_dg(struct ctl *c, const struct cmd *cmd, int argc, char **argv);

/* hbpfctl_sys.c: "check [CONFIG]" (and the kernel's features), "keygen [KEYID]". */
int cmd_check(struct ctl *c, const struct cmd *cmd, int argc, char **argv);
int cmd_keygen(struct ctl *c, const struct cmd *cmd, int argc, char **argv);
/* hbpfctl_sys.c: the XDP mode of each pinned link under pin_dir, for status. */
void status_xdp_text(const char *pin_dir);
void status_xdp_json(struct jw *w, const char *pin_dir);

#endif /* HBPF_HBPFCTL_H */
