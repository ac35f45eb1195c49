/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's control socket (ctl.h has the protocol): listening,
 * permission checks on each client, and the requests, one table entry per
 * command.  Calls down into the sets, the cluster view and the disk groups;
 * shutdown and restart only raise the daemon's flags.
 */
#ifndef HBPF_CTL_SERVER_H
#define HBPF_CTL_SERVER_H

#include <stddef.h>
#include "config.h"
#include "dgrun.h"
#include "loader.h"
#include "loop.h"
#include "peers.h"
#include "sender.h"
#include "set.h"

struct ctl_server {
	const struct hbpf_config *cfg;
	const char *path;
	const char *self_name;
	struct hbpf_kern *k;
	struct sender *snd;
	struct loop *loop;
	struct peers *peers;
	struct setrt *sets;
	struct dgrun *dg;
	int *stopping;	 /* "shutdown" sets it */
	int *restarting; /* "restart" sets it */
	int fd;		 /* listening, -1 = closed */
	struct watch w;
};

/* Listen on cs->path (fields above filled, fd -1) and watch it on cs->loop. */
int ctl_server_open(struct ctl_server *cs);
void ctl_server_close(struct ctl_server *cs);
/*
 * One request line (modified) from client fd, the reply written into out.
 * Returns 0, -1 (an error reply), or 1 when the reply is deferred (fd then
 * belongs to the disk-group runtime, which answers and closes it).
 */
int ctl_server_request(struct ctl_server *cs, char *line, int fd, char *out, size_t len);

#endif /* HBPF_CTL_SERVER_H */
