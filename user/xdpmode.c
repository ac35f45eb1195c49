// SPDX-License-Identifier: GPL-2.0-only
/* XDP attach modes and the state of hbpfd's pinned XDP links. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xdpmode.h"

const char *xdp_cfg_mode_name(int mode)
{
	static const char *const names[] = {[HBPF_XDP_AUTO] = "auto",
					    [HBPF_XDP_NATIVE] = "native",
					    [HBPF_XDP_GENERIC] = "generic"};

	return mode >= 0 && mode < (int)(sizeof(names) / sizeof(names[0])) ? names[mode] : NULL;
}

const char *xdp_attach_mode_name(int attach_mode)
{
	switch (attach_mode) {
	case XDP_ATTACHED_NONE:
		return "none";
	case XDP_ATTACHED_DRV:
		return "native";
	case XDP_ATTACHED_SKB:
		return "generic";
	case XDP_ATTACHED_HW:
		return "offload";
	case XDP_ATTACHED_MULTI:
		return "multi";
	default:
		return "unknown";
	}
}

int xdp_link_query(int link_fd, struct xdp_link_state *st)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct bpf_link_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	st->ifindex = 0;
	st->prog_id = 0;
	st->mode = -1;
	if (bpf_obj_get_info_by_fd(link_fd, &info, &len))
		return -errno;
	if (info.type != BPF_LINK_TYPE_XDP)
		return -EPROTO;
	st->ifindex = (int)info.xdp.ifindex;
	st->prog_id = info.prog_id;
	if (!st->ifindex || bpf_xdp_query(st->ifindex, 0, &q))
		return 0;
	if (q.drv_prog_id == st->prog_id)
		st->mode = XDP_ATTACHED_DRV;
	else if (q.skb_prog_id == st->prog_id)
		st->mode = XDP_ATTACHED_SKB;
	else if (q.hw_prog_id == st->prog_id)
		st->mode = XDP_ATTACHED_HW;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct xdp_link_state *)a)->ifname,
		      ((const struct xdp_link_state *)b)->ifname);
}

int xdp_links_list(const char *pin_dir, struct xdp_link_state *out, int max)
{
	size_t plen = strlen(XDP_LINK_PREFIX);
	struct dirent *de;
	int stored = 0;
	DIR *dir;

	dir = opendir(pin_dir);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		struct xdp_link_state st;
		char path[512];
		int fd;

		if (strncmp(de->d_name, XDP_LINK_PREFIX, plen) ||
		    strlen(de->d_name + plen) >= sizeof(st.ifname))
			continue;
		snprintf(path, sizeof(path), "%s/%s", pin_dir, de->d_name);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		memset(&st, 0, sizeof(st));
		snprintf(st.ifname, sizeof(st.ifname), "%s", de->d_name + plen);
		if (stored < max && !xdp_link_query(fd, &st))
			out[stored++] = st;
		close(fd);
	}
	closedir(dir);
	qsort(out, (size_t)stored, sizeof(*out), by_name);
	return stored;
}
