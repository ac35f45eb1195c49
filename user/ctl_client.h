/* SPDX-License-Identifier: GPL-2.0-only */
/* The client side of the control socket (ctl.h): one request, its whole reply. */
#ifndef HBPF_CTL_CLIENT_H
#define HBPF_CTL_CLIENT_H

#include <stddef.h>

#define HBPF_REPLY_MAX (64 * 1024) /* longest control reply accepted */

/*
 * Send one request line (without its '\n') to the daemon's socket at path and
 * collect the whole reply (the daemon closes the connection after its last
 * line), waiting at most timeout_ms for each read.  Returns 0 with a malloc'd
 * NUL-terminated *reply, or -errno with a one-line reason in why.
 */
int hbpf_ctl_request(const char *path, const char *req, int timeout_ms, char **reply, char *why,
		     size_t whylen);
/*
 * The last non-empty line of a reply, in place: the reply is cut before it,
 * so what remains of reply is the lines above (or reply itself is returned).
 */
char *hbpf_reply_last_line(char *reply);

#endif /* HBPF_CTL_CLIENT_H */
