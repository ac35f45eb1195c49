// SPDX-License-Identifier: GPL-2.0-only
/*
 * hbpfctl: look at and steer an hbpf node.
 *
 * This file holds main(), the command table and the actions that travel
 * over the control socket (user/ctl.h).  The views (status, peers, sets,
 * counters) are in hbpfctl_view.c, the disk-group commands ("dg ...") in
 * hbpfctl_dg.c, check and keygen in hbpfctl_sys.c, and what they all stand
 * on in hbpfctl_ctx.c; each has its header.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctl.h"
#include "hbpfctl_ctx.h"
#include "hbpfctl_dg.h"
#include "hbpfctl_sys.h"
#include "hbpfctl_view.h"
#include "pinned.h"

#define CONF_DEFAULT "/etc/hbpf/hbpf.conf"
#define ACTION_TIMEOUT_MS 10000 /* hbpfd answers at once; the work goes on after */

/* ------------------------------------------------------------------------ */
/* Actions over the control socket */

static void list_names(char *buf, size_t len, const struct hbpf_config *cfg, int sets)
{
	size_t off = 0;
	int n = sets ? cfg->nsets : cfg->nnodes;

	buf[0] = '\0';
	for (int i = 0; i < n && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
				sets ? cfg->sets[i].name : cfg->nodes[i].name);
	if (!n)
		snprintf(buf, len, "none");
}

/* 0 when name may be sent as a set (sets != 0) or node; else prints why and returns 64. */
static int check_name(const struct ctl *c, const char *name, int sets)
{
	const char *what = sets ? "set" : "node";
	char list[HBPF_MAX_SETS * NAMELEN];

	if (!hbpf_valid_name(name)) {
		fprintf(stderr,
			"hbpfctl: invalid %s name '%s' (1 to %d characters of A-Z a-z 0-9 _ . -)\n",
			what, name, HBPF_NAME_MAX - 1);
		return EXIT_USAGE;
	}
	if (!c->cfg)
		return 0;
	if (sets ? !!hbpf_config_set(c->cfg, name) : !!hbpf_config_node(c->cfg, name))
		return 0;
	list_names(list, sizeof(list), c->cfg, sets);
	fprintf(stderr, "hbpfctl: unknown %s '%s' (%ss: %s)\n", what, name, what, list);
	return EXIT_USAGE;
}

static int cmd_action(struct ctl *c, const struct cmd *cmd, int argc, char **argv)
{
	char req[HBPF_CTL_MAX];
	size_t off;
	int ret;

	if (argc != cmd->nset + cmd->nnode) {
		fprintf(stderr, "hbpfctl: %s: %s\n", cmd->name,
			argc < cmd->nset + cmd->nnode ? "missing argument" : "too many arguments");
		cmd_usage(cmd);
		return EXIT_USAGE;
	}
	if (cmd->nset && (ret = check_name(c, argv[0], 1)))
		return ret;
	if (cmd->nnode && (ret = check_name(c, argv[1], 0)))
		return ret;
	off = snprintf(req, sizeof(req), "%s", cmd->name);
	for (int i = 0; i < argc; i++)
		off += snprintf(req + off, sizeof(req) - off, " %s", argv[i]);
	return send_action(c, req, ACTION_TIMEOUT_MS);
}

/* ------------------------------------------------------------------------ */

static const struct cmd cmds[] = {
	{"status", cmd_status, "", "this node, its daemon, peers and sets at a glance", 0, 0},
	{"peers", cmd_peers, "", "per-peer liveness and per-link statistics", 0, 0},
	{"sets", cmd_sets, "", "service sets: owner, epoch, VMAC, VIPs, daemon state", 0, 0},
	{"counters", cmd_counters, "", "kernel drop reasons and work counters", 0, 0},
	{"move", cmd_action, "SET NODE", "hand SET over to NODE", 1, 1},
	{"acquire", cmd_action, "SET", "take SET on this node", 1, 0},
	{"release", cmd_action, "SET", "stop SET on this node, no handoff", 1, 0},
	{"reset", cmd_action, "SET", "clear SET's FAILED or dampened state", 1, 0},
	{"restart", cmd_action, "", "clean daemon restart; sets stay where they are", 0, 0},
	{"shutdown", cmd_action, "", "the daemon releases its sets and exits", 0, 0},
	{"ping", cmd_action, "", "check that the daemon answers", 0, 0},
	{"check", cmd_check, "[CONFIG]", "validate a configuration file", 0, 0},
	{"keygen", cmd_keygen, "[KEYID]", "print a new heartbeat key-file line", 0, 0},
	{"dg", cmd_dg, "SUBCMD ...", "disk groups: init, show, import, deport", 0, 0},
};
#define NCMDS ((int)(sizeof(cmds) / sizeof(cmds[0])))

static void usage(FILE *f)
{
	fprintf(f, "usage: hbpfctl [-c CONFIG] [-p PIN_ROOT] [-s SOCKET] [-j] [-h] COMMAND [ARGS]\n"
		   "options:\n"
		   "  -c, --config CONFIG   configuration file (default " CONF_DEFAULT ")\n"
		   "  -p, --pin-root DIR    pinned maps root (default " HBPF_PIN_ROOT_DEFAULT ")\n"
		   "  -s, --socket PATH     daemon control socket (default " HBPF_CTL_SOCKET ")\n"
		   "  -j, --json            JSON output (status, peers, sets, counters, dg show)\n"
		   "  -h, --help            this help\n"
		   "commands (any unambiguous prefix will do):\n");
	for (int i = 0; i < NCMDS; i++) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%s %s", cmds[i].name, cmds[i].args);
		fprintf(f, "  %-17s %s\n", buf, cmds[i].help);
	}
}

static const struct cmd *find_cmd(const char *word)
{
	const char *names[NCMDS];
	char list[256];
	size_t off = 0;
	int i;

	for (i = 0; i < NCMDS; i++)
		names[i] = cmds[i].name;
	i = hbpf_match_prefix(word, names, NCMDS);
	if (i >= 0)
		return &cmds[i];
	if (i == -ENOENT) {
		fprintf(stderr, "hbpfctl: unknown command '%s' (try hbpfctl -h)\n", word);
		return NULL;
	}
	list[0] = '\0';
	for (i = 0; i < NCMDS; i++)
		if (!strncmp(word, cmds[i].name, strlen(word)))
			off += snprintf(list + off, sizeof(list) - off, "%s%s", off ? ", " : "",
					cmds[i].name);
	fprintf(stderr, "hbpfctl: ambiguous command '%s' (%s)\n", word, list);
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"pin-root", required_argument, NULL, 'p'},
		{"socket", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct ctl c = {
		.conf_path = CONF_DEFAULT,
		.pin_root = HBPF_PIN_ROOT_DEFAULT,
		.sock_path = HBPF_CTL_SOCKET,
	};
	const struct cmd *cmd;
	int opt, ret;

	/* "+": options end at the command, so its arguments are never parsed as ours */
	while ((opt = getopt_long(argc, argv, "+c:p:s:jh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			c.conf_path = optarg;
			c.conf_explicit = 1;
			break;
		case 'p':
			c.pin_root = optarg;
			break;
		case 's':
			c.sock_path = optarg;
			break;
		case 'j':
			c.json = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "hbpfctl: missing command\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = find_cmd(argv[optind]);
	if (!cmd)
		return EXIT_USAGE;
	if (c.json && cmd->fn != cmd_status && cmd->fn != cmd_peers && cmd->fn != cmd_sets &&
	    cmd->fn != cmd_counters && cmd->fn != cmd_dg) {
		fprintf(stderr, "hbpfctl: -j is not supported by '%s'\n", cmd->name);
		return EXIT_USAGE;
	}
	if (*c.pin_root == '\0' || *c.sock_path == '\0' || *c.conf_path == '\0') {
		fprintf(stderr, "hbpfctl: empty path given to -c, -p or -s\n");
		return EXIT_USAGE;
	}
	if (cmd->fn != cmd_check && cmd->fn != cmd_keygen)
		ctl_load_config(&c);
	ret = cmd->fn(&c, cmd, argc - optind - 1, argv + optind + 1);
	free(c.cfg);
	return ret;
}
