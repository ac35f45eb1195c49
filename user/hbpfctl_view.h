/* SPDX-License-Identifier: GPL-2.0-only */
/* hbpfctl's views, read from the pinned maps (hbpfctl_view.c); exit codes. */
#ifndef HBPF_HBPFCTL_VIEW_H
#define HBPF_HBPFCTL_VIEW_H

#include "hbpfctl_ctx.h"

int cmd_status(struct ctl *c, const struct cmd *cmd, int argc, char **argv);
int cmd_peers(struct ctl *c, const struct cmd *cmd, int argc, char **argv);
int cmd_sets(struct ctl *c, const struct cmd *cmd, int argc, char **argv);
int cmd_counters(struct ctl *c, const struct cmd *cmd, int argc, char **argv);

#endif /* HBPF_HBPFCTL_VIEW_H */
