/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The two ethtool questions hbpf asks a NIC (SIOCETHTOOL on an AF_INET
 * datagram socket): which driver runs it, and its ETH_SS_STATS counters.
 * fd is such a socket, or -1 to use a temporary one.
 */
#ifndef HBPF_ETHTOOL_H
#define HBPF_ETHTOOL_H

#include <stddef.h>
#include <stdint.h>

/* The driver's name ("virtio_net", "veth", ...) into buf.  0 or -errno. */
int ethtool_driver(int fd, const char *ifname, char *buf, size_t len);

/* Call cb for every statistic of ifname (name NUL-terminated).  0 or -errno;
 * a device without statistics calls cb never and returns 0. */
typedef void (*ethtool_stat_cb)(void *arg, const char *name, uint64_t value);
int ethtool_stats(int fd, const char *ifname, ethtool_stat_cb cb, void *arg);

#endif /* HBPF_ETHTOOL_H */
