// SPDX-License-Identifier: GPL-2.0-only
/*
 * hbpfd: the hbpf daemon.  Loads and adopts the BPF programs, sends the
 * heartbeats, and drives the service sets from one io_uring event loop
 * (daemon.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ctl.h"
#include "daemon.h"
#include "log.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: hbpfd [-dnuv] [-c config] [-N node] [-p pin-root] [-s socket]\n"
		     "  -c FILE  configuration (default /etc/hbpf/hbpf.conf)\n"
		     "  -N NAME  this node's name in the configuration (default: the host name)\n"
		     "  -p DIR   pin root (default " HBPF_PIN_ROOT_DEFAULT ")\n"
		     "  -s PATH  control socket (default " HBPF_CTL_SOCKET ")\n"
		     "  -d       stay in the foreground, log to stderr\n"
		     "  -n       check the configuration and exit\n"
		     "  -u       detach the programs and remove the pinned state, then exit\n"
		     "  -v       more logging (repeat for debug)\n");
}

int main(int argc, char **argv)
{
	const char *config = "/etc/hbpf/hbpf.conf", *node = NULL;
	static struct daemon d;
	int opt, fg = 0, check = 0, unload = 0, verbose = 0;

	daemon_defaults(&d);
	while ((opt = getopt(argc, argv, "c:N:p:s:dnuvh")) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 'N':
			node = optarg;
			break;
		case 'p':
			d.pin_root = optarg;
			break;
		case 's':
			d.sock_path = optarg;
			break;
		case 'd':
			fg = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 'u':
			unload = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 64;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 64;
	}
	if (daemon_configure(&d, config, node, !unload))
		return 1;
	if (check) {
		hbpf_config_warnings(&d.cfg, stderr);
		printf("configuration OK\n");
		return 0;
	}
	daemon_log_start(&d, fg, verbose);
	if (unload)
		return daemon_unload(&d) ? 1 : 0;
	if (!fg && daemon(0, 0))
		fatal("daemon");
	return daemon_main(&d) ? 1 : 0;
}
