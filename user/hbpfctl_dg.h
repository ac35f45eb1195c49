/* SPDX-License-Identifier: GPL-2.0-only */
/* "hbpfctl dg SUBCMD ..." (init, show, import, deport; hbpfctl_dg.c). */
#ifndef HBPF_HBPFCTL_DG_H
#define HBPF_HBPFCTL_DG_H

#include "hbpfctl_ctx.h"

/* An exit code. */
int cmd_dg(struct ctl *c, const struct cmd *cmd, int argc, char **argv);

#endif /* HBPF_HBPFCTL_DG_H */
