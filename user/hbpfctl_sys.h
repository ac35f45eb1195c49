/* SPDX-License-Identifier: GPL-2.0-only */
/* hbpfctl's commands about this host rather than the cluster (hbpfctl_sys.c). */
#ifndef HBPF_HBPFCTL_SYS_H
#define HBPF_HBPFCTL_SYS_H

#include "hbpfctl_ctx.h"
#include "jw.h"

/* "check [CONFIG]" (and the kernel's features), "keygen [KEYID]"; exit codes. */
int cmd_check(struct ctl *c, const struct cmd *cmd, int argc, char **argv);
int cmd_keygen(struct ctl *c, const struct cmd *cmd, int argc, char **argv);
/* The XDP mode of each pinned link under pin_dir, for status. */
void status_xdp_text(const char *pin_dir);
void status_xdp_json(struct jw *w, const char *pin_dir);

#endif /* HBPF_HBPFCTL_SYS_H */
