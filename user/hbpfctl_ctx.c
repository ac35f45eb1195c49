// SPDX-License-Identifier: GPL-2.0-only
/*
 * hbpfctl: what every command stands on (see hbpfctl_ctx.h): the configuration
 * and the display names it gives, the pinned maps opened and checked, the
 * usage lines, and sending one action to the daemon.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctl.h"
#include "hbpfctl_ctx.h"
#include "pinned.h"

void cmd_usage(const struct cmd *cmd)
{
	fprintf(stderr, "usage: hbpfctl %s%s%s\n", cmd->name, *cmd->args ? " " : "", cmd->args);
}

int cmd_too_many(const struct cmd *cmd)
{
	fprintf(stderr, "hbpfctl: %s: too many arguments\n", cmd->name);
	cmd_usage(cmd);
	return EXIT_USAGE;
}

/* ------------------------------------------------------------------------ */
/* Configuration and names */

void ctl_load_config(struct ctl *c)
{
	c->cfg = calloc(1, sizeof(*c->cfg));
	if (!c->cfg) {
		c->cfg_ret = -ENOMEM;
		snprintf(c->cfg_err, sizeof(c->cfg_err), "out of memory");
		return;
	}
	c->cfg_ret = hbpf_config_load(c->conf_path, c->cfg, c->cfg_err, sizeof(c->cfg_err));
	if (c->cfg_ret) {
		free(c->cfg);
		c->cfg = NULL;
		/* The default file may simply be absent on a test box: stay quiet then. */
		if (c->conf_explicit || c->cfg_ret != -ENOENT)
			fprintf(stderr, "hbpfctl: warning: %s (names not checked, shown by id)\n",
				c->cfg_err);
	}
}

static void names_init(struct ctl *c, const struct hbpf_cfg *kcfg)
{
	const struct hbpf_config *cfg = c->cfg;

	if (cfg && kcfg && kcfg->cluster != cfg->cluster) {
		fprintf(stderr,
			"hbpfctl: warning: %s is for cluster %u but the kernel runs cluster %u "
			"(names shown by id)\n",
			cfg->path, cfg->cluster, kcfg->cluster);
		cfg = NULL;
	}
	for (int i = 0; i < HBPF_MAX_NODES; i++) {
		const struct hbpf_cfg_node *n = cfg ? hbpf_config_node_by_id(cfg, i) : NULL;

		if (n)
			snprintf(c->node[i], NAMELEN, "%s", n->name);
		else
			snprintf(c->node[i], NAMELEN, "node%d", i);
	}
	for (int i = 0; i < HBPF_MAX_SETS; i++)
		snprintf(c->set[i], NAMELEN, "set%d", i);
	for (int i = 0; cfg && i < cfg->nsets; i++)
		if (cfg->sets[i].id < HBPF_MAX_SETS)
			snprintf(c->set[cfg->sets[i].id], NAMELEN, "%s", cfg->sets[i].name);
	for (int i = 0; i < HBPF_MAX_LINKS; i++) {
		if (cfg && i < cfg->nlinks)
			snprintf(c->link[i], NAMELEN, "%s", cfg->link_names[i]);
		else
			snprintf(c->link[i], NAMELEN, "link%d", i);
	}
}

const char *ctl_node_name(const struct ctl *c, unsigned int id)
{
	return id < HBPF_MAX_NODES ? c->node[id] : "-";
}

/* A final reply line meaning success: "ok" or "ok <text>". */
int ctl_reply_ok(const char *line)
{
	return !strncmp(line, "ok", 2) && (!line[2] || line[2] == ' ');
}

/* ------------------------------------------------------------------------ */
/* The pinned maps */

int ctl_open_maps(struct ctl *c, struct hbpf_pinned *p, unsigned int need, struct hbpf_cfg *kcfg)
{
	char err[512];
	int ret;

	ret = hbpf_pinned_open(p, c->pin_root, need | HBPF_PM_BIT(HBPF_PM_CONFIG), err,
			       sizeof(err));
	if (ret) {
		fprintf(stderr, "hbpfctl: %s\n", err);
		return EXIT_UNREACH;
	}
	ret = hbpf_pinned_cfg(p, kcfg);
	if (ret) {
		fprintf(stderr, "hbpfctl: cannot read %s/config: %s\n", p->dir, strerror(-ret));
		hbpf_pinned_close(p);
		return EXIT_UNREACH;
	}
	names_init(c, kcfg);
	return 0;
}

int ctl_map_err(const struct hbpf_pinned *p, const char *map, int ret)
{
	fprintf(stderr, "hbpfctl: cannot read %s/%s: %s\n", p->dir, map, strerror(-ret));
	return EXIT_FAIL;
}

/* Send req, print the reply (the last line to stderr on error); an exit code. */
int send_action(const struct ctl *c, const char *req, int timeout_ms)
{
	char *reply = NULL, *last, *save = NULL, *l;
	char why[512];
	int ret;

	ret = hbpf_ctl_request(c->sock_path, req, timeout_ms, &reply, why, sizeof(why));
	if (ret) {
		fprintf(stderr, "hbpfctl: %s\n", why);
		return EXIT_UNREACH;
	}
	last = hbpf_reply_last_line(reply);
	if (last != reply)
		for (l = strtok_r(reply, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
			printf("%s\n", l);
	if (ctl_reply_ok(last)) {
		printf("%s\n", last);
		ret = 0;
	} else if (!strncmp(last, "error:", 6)) {
		fprintf(stderr, "%s\n", last);
		ret = EXIT_FAIL;
	} else {
		fprintf(stderr, "hbpfctl: reply from %s does not end in ok or error: '%s'\n",
			c->sock_path, last);
		ret = EXIT_FAIL;
	}
	free(reply);
	return ret;
}
