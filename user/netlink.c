// SPDX-License-Identifier: GPL-2.0-only
/* rtnetlink with libnl-route-3: link facts, VIP plumbing, link monitor. */
#include <errno.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>
#include <linux/neighbour.h>

#include "log.h"
#include "netlink.h"

/* Big enough that a burst of link events (a bridge with many ports going
 * down) does not overflow between two loop iterations. */
#define NL_MON_RCVBUF (1 << 20)

struct nlctx {
	struct nl_sock *cmd; /* request/reply */
	struct nl_sock *mon; /* RTNLGRP_LINK, non-blocking */
};

/* libnl's -NLE_* codes as -errno. */
static int nle_errno(int nle)
{
	static const struct {
		int nle, err;
	} map[] = {
		{NLE_INTR, EINTR},
		{NLE_BAD_SOCK, EBADF},
		{NLE_AGAIN, EAGAIN},
		{NLE_NOMEM, ENOMEM},
		{NLE_EXIST, EEXIST},
		{NLE_INVAL, EINVAL},
		{NLE_RANGE, ERANGE},
		{NLE_MSGSIZE, EMSGSIZE},
		{NLE_OPNOTSUPP, EOPNOTSUPP},
		{NLE_AF_NOSUPPORT, EAFNOSUPPORT},
		{NLE_OBJ_NOTFOUND, ENOENT},
		{NLE_NOADDR, EADDRNOTAVAIL},
		{NLE_BUSY, EBUSY},
		{NLE_NOACCESS, EACCES},
		{NLE_PERM, EPERM},
		{NLE_NODEV, ENODEV},
		{NLE_MSG_OVERFLOW, EOVERFLOW},
		{NLE_MSG_TRUNC, EMSGSIZE},
		{NLE_DUMP_INTR, EINTR},
	};

	if (nle < 0)
		nle = -nle;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].nle == nle)
			return -map[i].err;
	return -EIO;
}

static int nle_log(int nle, const char *what)
{
	log_warnx("netlink: %s: %s", what, nl_geterror(nle));
	return nle_errno(nle);
}

static struct nl_sock *sock_open(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	int err;

	if (!sk) {
		errno = ENOMEM;
		return NULL;
	}
	err = nl_connect(sk, NETLINK_ROUTE);
	if (err < 0) {
		errno = -nle_log(err, "connect");
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

int hnl_open(struct nlctx **out)
{
	struct nlctx *nl;
	int err;

	*out = NULL;
	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	nl->cmd = sock_open();
	if (!nl->cmd)
		goto fail_errno;
	nl->mon = sock_open();
	if (!nl->mon)
		goto fail_errno;
	/* Multicast only: nothing is ever sent on it, so no sequence checks. */
	nl_socket_disable_seq_check(nl->mon);
	err = nl_socket_add_membership(nl->mon, RTNLGRP_LINK);
	if (err < 0) {
		err = nle_log(err, "join RTNLGRP_LINK");
		goto fail;
	}
	err = nl_socket_set_buffer_size(nl->mon, NL_MON_RCVBUF, 0);
	if (err < 0)
		log_warnx("netlink: monitor buffer size: %s", nl_geterror(err));
	err = nl_socket_set_nonblocking(nl->mon);
	if (err < 0) {
		err = nle_log(err, "monitor non-blocking");
		goto fail;
	}
	*out = nl;
	return 0;

fail_errno:
	err = -errno;
fail:
	hnl_close(nl);
	return err;
}

void hnl_close(struct nlctx *nl)
{
	if (!nl)
		return;
	if (nl->mon)
		nl_socket_free(nl->mon);
	if (nl->cmd)
		nl_socket_free(nl->cmd);
	free(nl);
}

static int flags_carrier(unsigned int flags)
{
	return (flags & IFF_UP) && (flags & IFF_LOWER_UP);
}

int hnl_link_info(struct nlctx *nl, const char *ifname, int *ifindex, unsigned char mac[6],
		  int *carrier)
{
	struct rtnl_link *link = NULL;
	struct nl_addr *lladdr;
	int err;

	err = rtnl_link_get_kernel(nl->cmd, 0, ifname, &link);
	if (err < 0) {
		/* The kernel's ENODEV comes back as NLE_OBJ_NOTFOUND. */
		if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV) {
			log_warnx("netlink: no interface %s", ifname);
			return -ENODEV;
		}
		log_warnx("netlink: get link %s: %s", ifname, nl_geterror(err));
		return nle_errno(err);
	}
	if (ifindex)
		*ifindex = rtnl_link_get_ifindex(link);
	if (carrier)
		*carrier = flags_carrier(rtnl_link_get_flags(link));
	if (mac) {
		lladdr = rtnl_link_get_addr(link);
		memset(mac, 0, 6);
		if (lladdr && nl_addr_get_len(lladdr) == 6)
			memcpy(mac, nl_addr_get_binary_addr(lladdr), 6);
	}
	rtnl_link_put(link);
	return 0;
}

static int in_prefix(struct in_addr a, struct in_addr net, int prefix)
{
	uint32_t mask = prefix <= 0 ? 0 : htonl(~0u << (32 - prefix));

	return ((a.s_addr ^ net.s_addr) & mask) == 0;
}

/*
 * Look at the IPv4 addresses of ifindex: *found gets a reference to the
 * address object equal to addr (or NULL), *covered whether another address
 * already has addr in its prefix.
 */
static int addr_scan(struct nlctx *nl, int ifindex, struct in_addr addr, struct rtnl_addr **found,
		     int *covered)
{
	struct nl_cache *cache;
	struct nl_object *obj;
	int err;

	*found = NULL;
	if (covered)
		*covered = 0;
	err = rtnl_addr_alloc_cache(nl->cmd, &cache);
	if (err < 0)
		return nle_log(err, "dump addresses");
	for (obj = nl_cache_get_first(cache); obj; obj = nl_cache_get_next(obj)) {
		struct rtnl_addr *a = (struct rtnl_addr *)obj;
		struct nl_addr *local = rtnl_addr_get_local(a);
		struct in_addr ia;

		if (rtnl_addr_get_family(a) != AF_INET || rtnl_addr_get_ifindex(a) != ifindex ||
		    !local || nl_addr_get_len(local) != 4)
			continue;
		memcpy(&ia, nl_addr_get_binary_addr(local), 4);
		if (ia.s_addr == addr.s_addr) {
			if (!*found) {
				nl_object_get(obj);
				*found = a;
			}
		} else if (covered && rtnl_addr_get_prefixlen(a) < 32 &&
			   in_prefix(addr, ia, rtnl_addr_get_prefixlen(a))) {
			*covered = 1;
		}
	}
	nl_cache_free(cache);
	return 0;
}

int hnl_vip_present(struct nlctx *nl, int ifindex, struct in_addr addr)
{
	struct rtnl_addr *found;
	int err;

	err = addr_scan(nl, ifindex, addr, &found, NULL);
	if (err)
		return err;
	if (!found)
		return 0;
	rtnl_addr_put(found);
	return 1;
}

int hnl_vip_add(struct nlctx *nl, int ifindex, struct in_addr addr, int prefix)
{
	struct rtnl_addr *found, *a;
	struct nl_addr *local;
	char what[96], ip[INET_ADDRSTRLEN];
	int err, covered, plen;

	if (prefix < 0 || prefix > 32)
		return -EINVAL;
	err = addr_scan(nl, ifindex, addr, &found, &covered);
	if (err)
		return err;
	if (found) {
		rtnl_addr_put(found);
		return 0;
	}
	plen = covered ? 32 : prefix;
	inet_ntop(AF_INET, &addr, ip, sizeof(ip));
	snprintf(what, sizeof(what), "add %s/%d on ifindex %d", ip, plen, ifindex);
	a = rtnl_addr_alloc();
	local = nl_addr_build(AF_INET, &addr, 4);
	if (!a || !local) {
		err = -ENOMEM;
		goto out;
	}
	nl_addr_set_prefixlen(local, plen);
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_family(a, AF_INET);
	err = rtnl_addr_set_local(a, local);
	if (err < 0) {
		err = nle_log(err, what);
		goto out;
	}
	rtnl_addr_set_prefixlen(a, plen);
	if (covered)
		rtnl_addr_set_flags(a, IFA_F_NOPREFIXROUTE);
	err = rtnl_addr_add(nl->cmd, a, 0);
	if (err == -NLE_EXIST) {
		/* Raced with someone adding it: present is what we want. */
		err = 0;
	} else if (err < 0) {
		err = nle_log(err, what);
	} else {
		log_info("netlink: %s%s", what, covered ? " (noprefixroute)" : "");
		err = 0;
	}
out:
	if (local)
		nl_addr_put(local);
	if (a)
		rtnl_addr_put(a);
	return err;
}

int hnl_vip_del(struct nlctx *nl, int ifindex, struct in_addr addr)
{
	struct rtnl_addr *found;
	char what[96], ip[INET_ADDRSTRLEN];
	int err;

	err = addr_scan(nl, ifindex, addr, &found, NULL);
	if (err || !found)
		return err;
	inet_ntop(AF_INET, &addr, ip, sizeof(ip));
	snprintf(what, sizeof(what), "delete %s/%d on ifindex %d", ip,
		 rtnl_addr_get_prefixlen(found), ifindex);
	err = rtnl_addr_delete(nl->cmd, found, 0);
	rtnl_addr_put(found);
	if (err == -NLE_NOADDR || err == -NLE_OBJ_NOTFOUND)
		return 0;
	if (err < 0)
		return nle_log(err, what);
	log_info("netlink: %s", what);
	return 0;
}

int hnl_mon_fd(struct nlctx *nl)
{
	return nl_socket_get_fd(nl->mon);
}

static int link_msg(struct nlmsghdr *h, hnl_link_cb cb, void *arg)
{
	struct ifinfomsg *ifi;
	const char *name = "";
	struct rtattr *rta;
	int len;

	if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK)
		return 0;
	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return 0;
	ifi = NLMSG_DATA(h);
	len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi)));
	for (rta = IFLA_RTA(ifi); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == IFLA_IFNAME && RTA_PAYLOAD(rta) > 0 &&
		    ((char *)RTA_DATA(rta))[RTA_PAYLOAD(rta) - 1] == '\0') {
			name = RTA_DATA(rta);
			break;
		}
	}
	cb(arg, ifi->ifi_index, name,
	   h->nlmsg_type == RTM_NEWLINK ? flags_carrier(ifi->ifi_flags) : 0);
	return 1;
}

int hnl_mon_dispatch(struct nlctx *nl, hnl_link_cb cb, void *arg)
{
	/* nlmsghdr alignment for the walk below. */
	static char buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
	int fd = nl_socket_get_fd(nl->mon), handled = 0;

	/*
	 * Plain recvfrom rather than nl_recvmsgs(): libnl folds ENOBUFS (events
	 * lost) into NLE_NOMEM, and the caller must know to resynchronise.
	 */
	for (;;) {
		struct sockaddr_nl from;
		socklen_t flen = sizeof(from);
		struct nlmsghdr *h;
		ssize_t n;
		int len;

		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &flen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return handled;
			if (errno == ENOBUFS) {
				log_warnx("netlink: link monitor overflowed, events lost");
				return -ENOBUFS;
			}
			log_warn("netlink: link monitor recv");
			return -errno;
		}
		/* Only the kernel speaks on RTNLGRP_LINK. */
		if (from.nl_pid != 0)
			continue;
		len = (int)n;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len))
			handled += link_msg(h, cb, arg);
	}
}

/* ---- the interface's own unicast filter ------------------------------- */

static void mac_str(char *buf, size_t len, const unsigned char m[6])
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

int hnl_uc_list(struct nlctx *nl, int ifindex, unsigned char (*macs)[6], int max)
{
	struct nl_cache *cache;
	struct nl_object *obj;
	int err, n = 0;

	/* RTM_GETNEIGH for AF_BRIDGE dumps every device's fdb, and for a
	 * device that is no bridge port its address lists (dev->uc, dev->mc),
	 * as NTF_SELF entries: what "bridge fdb show dev IF self" prints. */
	err = nl_cache_alloc_name("route/neigh", &cache);
	if (err < 0)
		return nle_log(err, "neighbour cache");
	nl_cache_set_arg1(cache, AF_BRIDGE);
	err = nl_cache_refill(nl->cmd, cache);
	if (err < 0) {
		nl_cache_free(cache);
		return nle_log(err, "dump the forwarding database");
	}
	for (obj = nl_cache_get_first(cache); obj; obj = nl_cache_get_next(obj)) {
		struct rtnl_neigh *ne = (struct rtnl_neigh *)obj;
		struct nl_addr *ll = rtnl_neigh_get_lladdr(ne);
		const unsigned char *m;

		if (rtnl_neigh_get_family(ne) != AF_BRIDGE ||
		    rtnl_neigh_get_ifindex(ne) != ifindex ||
		    !(rtnl_neigh_get_flags(ne) & NTF_SELF) || !ll || nl_addr_get_len(ll) != 6)
			continue;
		m = nl_addr_get_binary_addr(ll);
		if (m[0] & 1)
			continue; /* multicast: the mc list */
		if (n < max)
			memcpy(macs[n], m, 6);
		n++;
	}
	nl_cache_free(cache);
	return n < max ? n : max;
}

/* RTM_NEWNEIGH or RTM_DELNEIGH, AF_BRIDGE, NTF_SELF, NUD_PERMANENT. */
static int uc_change(struct nlctx *nl, int ifindex, const unsigned char mac[6], int add)
{
	struct rtnl_neigh *ne = rtnl_neigh_alloc();
	struct nl_addr *ll = nl_addr_build(AF_LLC, mac, 6);
	char what[80], m[18];
	int err;

	if (!ne || !ll) {
		err = -ENOMEM;
		goto out;
	}
	mac_str(m, sizeof(m), mac);
	snprintf(what, sizeof(what), "%s %s %s ifindex %d's unicast filter", add ? "add" : "delete",
		 m, add ? "to" : "from", ifindex);
	rtnl_neigh_set_family(ne, AF_BRIDGE);
	rtnl_neigh_set_ifindex(ne, ifindex);
	rtnl_neigh_set_lladdr(ne, ll);
	rtnl_neigh_set_state(ne, NUD_PERMANENT);
	rtnl_neigh_set_flags(ne, NTF_SELF);
	/* Without NLM_F_EXCL the kernel answers an existing entry with success. */
	err = add ? rtnl_neigh_add(nl->cmd, ne, NLM_F_CREATE) : rtnl_neigh_delete(nl->cmd, ne, 0);
	if (!add && (err == -NLE_OBJ_NOTFOUND || err == -NLE_NOADDR))
		err = 0; /* absent is what we want */
	else if (err < 0)
		err = nle_log(err, what);
out:
	if (ll)
		nl_addr_put(ll);
	if (ne)
		rtnl_neigh_put(ne);
	return err;
}

int hnl_uc_add(struct nlctx *nl, int ifindex, const unsigned char mac[6])
{
	return uc_change(nl, ifindex, mac, 1);
}

int hnl_uc_del(struct nlctx *nl, int ifindex, const unsigned char mac[6])
{
	return uc_change(nl, ifindex, mac, 0);
}

int hnl_promiscuity(struct nlctx *nl, int ifindex)
{
	struct rtnl_link *link = NULL;
	int err;

	err = rtnl_link_get_kernel(nl->cmd, ifindex, NULL, &link);
	if (err < 0)
		return nle_log(err, "get link");
	err = (int)rtnl_link_get_promiscuity(link);
	rtnl_link_put(link);
	return err;
}
