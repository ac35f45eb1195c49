// SPDX-License-Identifier: GPL-2.0-only
/* ethtool ioctls: driver name and ETH_SS_STATS counters. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

#include "ethtool.h"

static int ioctl_on(int fd, const char *ifname, void *data)
{
	struct ifreq ifr;
	int own = -1, err = 0;

	if (fd < 0) {
		own = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (own < 0)
			return -errno;
		fd = own;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = data;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		err = -errno;
	if (own >= 0)
		close(own);
	return err;
}

int ethtool_driver(int fd, const char *ifname, char *buf, size_t len)
{
	struct ethtool_drvinfo di;
	int err;

	memset(&di, 0, sizeof(di));
	di.cmd = ETHTOOL_GDRVINFO;
	err = ioctl_on(fd, ifname, &di);
	if (err)
		return err;
	di.driver[sizeof(di.driver) - 1] = '\0';
	snprintf(buf, len, "%s", di.driver);
	return 0;
}

int ethtool_stats(int fd, const char *ifname, ethtool_stat_cb cb, void *arg)
{
	struct {
		struct ethtool_sset_info hdr;
		__u32 len;
	} info;
	struct ethtool_gstrings *names = NULL;
	struct ethtool_stats *stats = NULL;
	__u32 n;
	int err;

	memset(&info, 0, sizeof(info));
	info.hdr.cmd = ETHTOOL_GSSET_INFO;
	info.hdr.sset_mask = 1ull << ETH_SS_STATS;
	err = ioctl_on(fd, ifname, &info);
	if (err)
		return err == -EOPNOTSUPP ? 0 : err;
	if (!(info.hdr.sset_mask & (1ull << ETH_SS_STATS)) || !info.len)
		return 0;
	n = info.len;
	names = calloc(1, sizeof(*names) + (size_t)n * ETH_GSTRING_LEN);
	stats = calloc(1, sizeof(*stats) + (size_t)n * sizeof(__u64));
	if (!names || !stats) {
		err = -ENOMEM;
		goto out;
	}
	names->cmd = ETHTOOL_GSTRINGS;
	names->string_set = ETH_SS_STATS;
	names->len = n;
	stats->cmd = ETHTOOL_GSTATS;
	stats->n_stats = n;
	err = ioctl_on(fd, ifname, names);
	if (!err)
		err = ioctl_on(fd, ifname, stats);
	if (err)
		goto out;
	if (names->len < n)
		n = names->len;
	if (stats->n_stats < n)
		n = stats->n_stats;
	for (__u32 i = 0; i < n; i++) {
		char name[ETH_GSTRING_LEN + 1];

		memcpy(name, names->data + (size_t)i * ETH_GSTRING_LEN, ETH_GSTRING_LEN);
		name[ETH_GSTRING_LEN] = '\0';
		cb(arg, name, stats->data[i]);
	}
out:
	free(names);
	free(stats);
	return err;
}
