/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private to hbpfctl: what its main file (hbpfctl.c) shares with the
 * disk-group commands (hbpfctl_dg.c) and the host commands (hbpfctl_sys.c).
 * Both are built into libhbpf.a with the rest of user/, but only hbpfctl
 * references them, so only hbpfctl links them.
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

/* hbpfctl.c: "CMD: too many arguments" and the usage; EXIT_USAGE. */
int cmd_too_many(const struct cmd *cmd);
/* hbpfctl.c: send req, print the reply (the last line to stderr on error); an exit code. */
int send_action(const struct ctl *c, const char *req, int timeout_ms);

/* hbpfctl_dg.c: "hbpfctl dg SUBCMD ..." (init, show, import, deport); an exit code. */
int cmd_dg(struct ctl *c, const struct cmd *cmd, int argc, char **argv);

/* hbpfctl_sys.c: "check [CONFIG]" (and the kernel's features), "keygen [KEYID]". */
int cmd_check(struct ctl *c, const struct cmd *cmd, int argc, char **argv);
int cmd_keygen(struct ctl *c, const struct cmd *cmd, int argc, char **argv);
/* hbpfctl_sys.c: the XDP mode of each pinned link under pin_dir, for status. */
void status_xdp_text(const char *pin_dir);
void status_xdp_json(struct jw *w, const char *pin_dir);

#endif /* HBPF_HBPFCTL_H */
