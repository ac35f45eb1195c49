/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Control socket protocol between hbpfctl and hbpfd.
 *
 * A Unix stream socket (default HBPF_CTL_SOCKET, mode 0660, owner root, group
 * from the config's socket-group or root).  The daemon checks SO_PEERCRED:
 * uid 0, or a member of the configured group; anyone else gets
 * "error: permission denied" and the connection is closed.
 *
 * One request per connection: a single line of at most HBPF_CTL_MAX - 1 bytes,
 * words separated by single spaces, ending in '\n'.  The reply is one or more
 * lines; the last line is "ok" or "ok <text>" on success, "error: <text>" on
 * failure, then the daemon closes the connection.
 *
 * Requests:
 *   ping                       -> "ok pong <node>"
 *   move <set> <node>          -> the owner releases <set> and hands it to <node>
 *   acquire <set>              -> take <set> here (refused if a live peer owns it)
 *   release <set>              -> stop <set> here, no handoff
 *   reset <set>                -> clear FAILED
 *   sets                       -> one line per set: "<set> <state> <owner> <epoch> <step> <ms>"
 *   restart                    -> the daemon exits for a clean restart, keeping
 *                                 its sets (peers wait for the new daemon)
 *   shutdown                   -> the daemon releases its sets and exits
 *   dg-import <dg> [force]     -> acquire the lease, fsck, mount (no set started);
 *                                 the reply comes when done: "ok <timings>"
 *   dg-deport <dg>             -> kill users, unmount, release the lease
 *   dg-status                  -> one line per disk group: "<dg> <status text>"
 */
#ifndef HBPF_CTL_H
#define HBPF_CTL_H

#define HBPF_CTL_SOCKET "/run/hbpf/hbpfd.sock"
#define HBPF_CTL_MAX 512

#endif /* HBPF_CTL_H */
