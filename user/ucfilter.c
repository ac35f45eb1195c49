// SPDX-License-Identifier: GPL-2.0-only
/* The set VMACs in the public NIC's unicast filter (see ucfilter.h for why at start). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <hbpf/abi.h>

#include "log.h"
#include "ucfilter.h"

/* Every MAC hbpf may have put there: cfg's VMACs and the pinned map's keys. */
struct macset {
	int n;
	unsigned char m[2 * HBPF_MAX_SETS][6];
};

static int macset_has(const struct macset *s, const unsigned char *mac)
{
	for (int i = 0; i < s->n; i++)
		if (!memcmp(s->m[i], mac, 6))
			return 1;
	return 0;
}

static void macset_add(struct macset *s, const unsigned char *mac)
{
	if (s->n < (int)(sizeof(s->m) / sizeof(s->m[0])) && !macset_has(s, mac))
		memcpy(s->m[s->n++], mac, 6);
}

static void known_macs(struct macset *s, const struct hbpf_config *cfg, int vmacs_fd)
{
	struct hbpf_mac_key k, next;
	void *prev = NULL;
	int guard = 0;

	memset(s, 0, sizeof(*s));
	for (int i = 0; i < cfg->nsets; i++)
		macset_add(s, cfg->sets[i].vmac);
	/* Bounded: a hash map of at most HBPF_MAX_SETS-ish keys. */
	while (vmacs_fd >= 0 && guard++ < 1024 && !bpf_map_get_next_key(vmacs_fd, prev, &next)) {
		macset_add(s, next.mac);
		k = next;
		prev = &k;
	}
}

static void fmt_mac(char *b, size_t len, const unsigned char m[6])
{
	snprintf(b, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static int listed(const struct hbpf_cfg_set *s, int self_id)
{
	for (int j = 0; j < s->nnodes; j++)
		if (s->prio[j] == self_id)
			return 1;
	return 0;
}

static int present(unsigned char (*list)[6], int n, const unsigned char *mac)
{
	for (int i = 0; i < n; i++)
		if (!memcmp(list[i], mac, 6))
			return 1;
	return 0;
}

/* Remove from the filter what hbpf knows but f does not want. */
static void remove_stale(struct ucfilter *f, struct nlctx *nl, const struct macset *known,
			 unsigned char (*have)[6], int nhave)
{
	char m[18];

	for (int i = 0; i < nhave; i++) {
		int wanted = 0;

		for (int j = 0; j < f->n; j++)
			wanted |= !memcmp(f->e[j].mac, have[i], 6);
		if (wanted || !macset_has(known, have[i]))
			continue; /* ours to keep, or not ours at all */
		fmt_mac(m, sizeof(m), have[i]);
		if (!hnl_uc_del(nl, f->ifindex, have[i]))
			log_info("%s: VMAC %s removed from the unicast filter (no set of this node "
				 "uses it)",
				 f->ifname, m);
	}
}

int ucf_open(struct ucfilter *f, struct nlctx *nl, int ifindex, const char *ifname,
	     const struct hbpf_config *cfg, int self_id, int vmacs_fd)
{
	unsigned char have[64][6];
	struct macset known;
	int nhave, promisc, err;
	char m[18];

	memset(f, 0, sizeof(*f));
	f->ifindex = ifindex;
	snprintf(f->ifname, sizeof(f->ifname), "%s", ifname);
	for (int i = 0; i < cfg->nsets; i++) {
		if (!listed(&cfg->sets[i], self_id))
			continue;
		memcpy(f->e[f->n].mac, cfg->sets[i].vmac, 6);
		snprintf(f->e[f->n].set, sizeof(f->e[f->n].set), "%s", cfg->sets[i].name);
		f->n++;
	}
	nhave = hnl_uc_list(nl, ifindex, have, 64);
	if (nhave < 0)
		return nhave;
	known_macs(&known, cfg, vmacs_fd);
	remove_stale(f, nl, &known, have, nhave);
	promisc = hnl_promiscuity(nl, ifindex);
	for (int i = 0; i < f->n; i++) {
		fmt_mac(m, sizeof(m), f->e[i].mac);
		if (present(have, nhave, f->e[i].mac)) {
			log_info("%s: VMAC %s (set %s) already in the unicast filter: kept", ifname,
				 m, f->e[i].set);
			continue;
		}
		err = hnl_uc_add(nl, ifindex, f->e[i].mac);
		if (err) {
			log_warnx("%s: cannot add VMAC %s (set %s) to the unicast filter: %s; the "
				  "NIC would drop the set's traffic",
				  ifname, m, f->e[i].set, strerror(-err));
			return err;
		}
		f->e[i].added = 1;
		log_info("%s: VMAC %s (set %s) added to the unicast filter", ifname, m,
			 f->e[i].set);
	}
	if (promisc >= 0 && hnl_promiscuity(nl, ifindex) > promisc)
		log_info("%s: the driver has no unicast filter of its own (no IFF_UNICAST_FLT, as "
			 "veth): the kernel made the interface promiscuous to receive the VMACs",
			 ifname);
	return 0;
}

void ucf_commit(struct ucfilter *f)
{
	f->committed = 1;
}

void ucf_close(struct ucfilter *f, struct nlctx *nl, int restarting)
{
	char m[18];

	if (!f->ifindex)
		return;
	if (restarting) {
		if (f->n)
			log_info("%s: %d VMAC(s) stay in the unicast filter for the next daemon",
				 f->ifname, f->n);
		f->ifindex = 0;
		return;
	}
	for (int i = 0; i < f->n; i++) {
		if (!f->committed && !f->e[i].added)
			continue; /* adopted: a failed start leaves it as it was */
		fmt_mac(m, sizeof(m), f->e[i].mac);
		if (!hnl_uc_del(nl, f->ifindex, f->e[i].mac))
			log_info("%s: VMAC %s (set %s) removed from the unicast filter", f->ifname,
				 m, f->e[i].set);
	}
	f->ifindex = 0;
}

int ucf_remove_all(struct nlctx *nl, int ifindex, const char *ifname, const struct hbpf_config *cfg,
		   int vmacs_fd)
{
	unsigned char have[64][6];
	struct macset known;
	int nhave, err = 0;
	char m[18];

	nhave = hnl_uc_list(nl, ifindex, have, 64);
	if (nhave < 0)
		return nhave;
	known_macs(&known, cfg, vmacs_fd);
	for (int i = 0; i < nhave; i++) {
		int e;

		if (!macset_has(&known, have[i]))
			continue;
		fmt_mac(m, sizeof(m), have[i]);
		e = hnl_uc_del(nl, ifindex, have[i]);
		if (e)
			err = e;
		else
			log_info("%s: VMAC %s removed from the unicast filter", ifname, m);
	}
	return err;
}
