// SPDX-License-Identifier: GPL-2.0-only
/*
 * hbpfctl's commands about this host rather than the cluster: "check" (the
 * configuration, and whether this kernel has what hbpf needs), "keygen", and
 * the XDP modes "status" shows, read from the kernel (the pinned links and
 * rtnetlink), so they are right while the daemon hangs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpffeat.h"
#include "hbpfctl_ctx.h"
#include "hbpfctl_sys.h"
#include "keyfile.h"
#include "loader.h"
#include "xdpmode.h"

/* The kernel-features line of "check"; EXIT_FAIL when hbpfd could not run here. */
static int check_kernel(void)
{
	struct hbpf_features fs;
	char line[2048];
	int err;

	err = kern_features(&fs);
	if (err) {
		printf("kernel: cannot inspect hbpf's BPF object: %s\n", strerror(-err));
		return EXIT_FAIL;
	}
	features_summary(&fs, line, sizeof(line));
	printf("%s\n", line);
	return fs.missing ? EXIT_FAIL : 0;
}

int cmd_check(struct ctl *c, const struct cmd *cmd, int argc, char **argv)
{
	struct hbpf_config *cfg;
	char err[512];
	int ret;

	if (argc > 1)
		return cmd_too_many(cmd);
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg) {
		fprintf(stderr, "hbpfctl: out of memory\n");
		return EXIT_FAIL;
	}
	ret = hbpf_config_load(argc ? argv[0] : c->conf_path, cfg, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s\n", err);
		free(cfg);
		return EXIT_FAIL;
	}
	/* The daemon reads the key file at start-up: catch its problems here too. */
	if (cfg->key_file[0]) {
		struct hbpf_keyset ks;

		ret = hbpf_keyfile_load(cfg->key_file, &ks, err, sizeof(err));
		explicit_bzero(&ks, sizeof(ks));
		if (ret) {
			fprintf(stderr, "%s\n", err);
			free(cfg);
			return EXIT_FAIL;
		}
	}
	hbpf_config_dump(cfg, stdout);
	printf("configuration OK\n");
	free(cfg);
	return check_kernel();
}

/* "keygen [KEYID]": a fresh key-file line on stdout (keyid 1 by default). */
int cmd_keygen(struct ctl *c, const struct cmd *cmd, int argc, char **argv)
{
	unsigned long id = 1;
	char line[64], *end;
	int ret;

	(void)c;
	if (argc > 1)
		return cmd_too_many(cmd);
	if (argc) {
		errno = 0;
		id = strtoul(argv[0], &end, 10);
		if (argv[0][0] < '0' || argv[0][0] > '9' || *end || errno || id < 1 || id > 255) {
			fprintf(stderr, "hbpfctl: keygen: key id '%s' is not a number 1..255\n",
				argv[0]);
			return EXIT_USAGE;
		}
	}
	ret = hbpf_keyfile_gen((uint8_t)id, line, sizeof(line));
	if (ret) {
		fprintf(stderr, "hbpfctl: keygen: %s\n", strerror(-ret));
		return EXIT_FAIL;
	}
	fputs(line, stdout);
	explicit_bzero(line, sizeof(line));
	return fflush(stdout) ? EXIT_FAIL : 0;
}

/* One pinned link's mode as a word: "native", "generic", or why not known. */
static const char *link_mode(const struct xdp_link_state *st)
{
	if (!st->ifindex)
		return "detached (interface gone)";
	if (st->mode < 0)
		return "unknown (interface not in this network namespace)";
	return xdp_attach_mode_name(st->mode);
}

void status_xdp_text(const char *pin_dir)
{
	struct xdp_link_state st[HBPF_MAX_LINKS + 1];
	int n = xdp_links_list(pin_dir, st, HBPF_MAX_LINKS + 1);

	if (n <= 0)
		return;
	printf("xdp:");
	for (int i = 0; i < n; i++)
		printf("%s %s %s", i ? "," : "", st[i].ifname, link_mode(&st[i]));
	printf("\n");
}

void status_xdp_json(struct jw *w, const char *pin_dir)
{
	struct xdp_link_state st[HBPF_MAX_LINKS + 1];
	int n = xdp_links_list(pin_dir, st, HBPF_MAX_LINKS + 1);

	jw_open_arr(w, "xdp");
	for (int i = 0; i < n; i++) {
		jw_open_obj(w, NULL);
		jw_str(w, "interface", st[i].ifname);
		jw_int(w, "ifindex", st[i].ifindex);
		jw_str(w, "mode",
		       !st[i].ifindex ? "detached" :
		       st[i].mode < 0 ? "unknown" :
					xdp_attach_mode_name(st[i].mode));
		jw_u64(w, "prog_id", st[i].prog_id);
		jw_close_obj(w);
	}
	jw_close_arr(w);
}
