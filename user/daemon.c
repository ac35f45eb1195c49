// SPDX-License-Identifier: GPL-2.0-only
/*
 * hbpfd's top: set up the kernel side, the modules and the event loop, run
 * it, tear it down; route kernel events, ticks, signals and carrier changes
 * to the modules.  The modules call down (set, peers, svc ...), never back
 * up into this file: the sets reach the layers above them through
 * daemon_set_ops.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "bpflog.h"
#include "ctl.h"
#include "daemon.h"
#include "keyfile.h"
#include "log.h"
#include "proc.h"

#define TICK_NS 2000000ull /* liveness stamp, GARP pacing, deadlines */
#define MAIN_RT_PRIO 70
#define SENDER_RT_PRIO 80
#define RESTART_GRACE_NS 10000000000ull /* a restarting daemon has 10 s */

/* The "config" map: what every program reads of the configuration. */
static int fill_config(struct daemon *d)
{
	struct hbpf_cfg c = {0};
	__u32 zero = 0;
	int i;

	c.cluster = d->cfg.cluster;
	c.self = d->self;
	c.nlinks = d->cfg.nlinks;
	c.port = d->cfg.port;
	c.interval_ns = (__u64)d->cfg.interval_ms * 1000000ull;
	c.detect_ns = c.interval_ns * d->cfg.detect_mult;
	c.daemon_dead_ns = (__u64)d->cfg.daemon_deadline_ms * 1000000ull;
	/* Our own kernel demotes us a safety margin before peers judge us dead,
	 * so the two never overlap. */
	c.demote_ns = c.daemon_dead_ns - c.daemon_dead_ns / 4;
	for (i = 0; i < d->cfg.nnodes; i++)
		c.nodes_mask |= 1u << d->cfg.nodes[i].id;
	for (i = 0; i < d->cfg.nsets; i++)
		if (d->cfg.sets[i].autofailover)
			c.auto_mask |= 1u << i;
	if (bpf_map_update_elem(kern_map_fd(&d->k, "config"), &zero, &c, BPF_ANY))
		return -errno;
	return 0;
}

/* The "ifaces" map: every link, and the public interface (often a link too). */
static int fill_ifaces(struct daemon *d)
{
	const struct hbpf_cfg_node *me = &d->cfg.nodes[d->self_idx];
	int i, err;

	for (i = 0; i <= me->nlinks; i++) {
		const char *ifn = i < me->nlinks ? me->links[i].ifname : me->public_if;
		struct hbpf_iface ifc = {.link = i < me->nlinks ? i : 0xff};
		int idx, carrier;
		__u32 key;

		if (i == me->nlinks && d->pub_ifindex)
			break; /* the public interface was one of the links */
		err = hnl_link_info(d->nl, ifn, &idx, ifc.mac, &carrier);
		if (err) {
			log_warnx("interface %s: %s", ifn, strerror(-err));
			return err;
		}
		if (!strcmp(ifn, me->public_if)) {
			ifc.public = 1;
			d->pub_ifindex = idx;
			d->peers.carrier = carrier;
		}
		key = idx;
		if (bpf_map_update_elem(kern_map_fd(&d->k, "ifaces"), &key, &ifc, BPF_ANY))
			return -errno;
	}
	return 0;
}

/* Set i's slot of "sets", its VIPs in "vips" and its VMAC in "vmacs". */
static int fill_set(struct daemon *d, int i)
{
	volatile struct hbpf_set *ks = &d->k.sets[i];
	const struct hbpf_cfg_set *cs = &d->cfg.sets[i];
	struct hbpf_mac_key mk = {0};
	__u32 sid = i;
	int j;

	/* Adopted maps keep owned/owner/epoch: that is the hitless restart. */
	if (!d->k.adopted || !(ks->flags & HBPF_SF_CONFIGURED))
		kern_set_drop(&d->k, i, KERN_DROP_RESET);
	memcpy((void *)ks->vmac, cs->vmac, 6);
	memset((void *)ks->prio, 0xff, sizeof(ks->prio));
	for (j = 0; j < cs->nnodes; j++)
		ks->prio[j] = cs->prio[j];
	ks->flags = HBPF_SF_CONFIGURED | (cs->autofailover ? HBPF_SF_AUTO : 0) |
		    (cs->ndgs ? HBPF_SF_FENCED : 0);
	for (j = 0; j < cs->nvips; j++) {
		struct hbpf_vip_key k = {.addr = cs->vips[j].addr.s_addr};
		struct hbpf_vip v = {.set = i, .ifindex = d->pub_ifindex};

		if (bpf_map_update_elem(kern_map_fd(&d->k, "vips"), &k, &v, BPF_ANY))
			return -errno;
	}
	memcpy(mk.mac, cs->vmac, 6);
	if (bpf_map_update_elem(kern_map_fd(&d->k, "vmacs"), &mk, &sid, BPF_ANY))
		return -errno;
	return 0;
}

static int fill_maps(struct daemon *d)
{
	int i, err;

	err = fill_config(d);
	if (!err)
		err = fill_ifaces(d);
	for (i = 0; i < HBPF_MAX_SETS && !err; i++) {
		if (i < d->cfg.nsets) {
			err = fill_set(d, i);
			continue;
		}
		kern_set_drop(&d->k, i, KERN_DROP_SILENT);
		d->k.sets[i].flags = 0;
	}
	return err;
}

/* garp's ownership check for its fallback path: the kernel's view decides. */
static int vip_owned(void *arg, struct in_addr vip)
{
	struct daemon *d = arg;
	int i, j;

	for (i = 0; i < d->cfg.nsets; i++)
		for (j = 0; j < d->cfg.sets[i].nvips; j++)
			if (d->cfg.sets[i].vips[j].addr.s_addr == vip.s_addr)
				return d->k.sets[i].owned ? 1 : 0;
	return 0;
}

static int attach_all(struct daemon *d)
{
	const struct hbpf_cfg_node *me = &d->cfg.nodes[d->self_idx];
	int i, err, idx, carrier, mode, public_is_link = 0;
	unsigned char mac[6];

	for (i = 0; i < me->nlinks; i++) {
		err = hnl_link_info(d->nl, me->links[i].ifname, &idx, mac, &carrier);
		if (!err)
			err = kern_attach_xdp(&d->k, idx, me->links[i].ifname, d->cfg.xdp_mode,
					      &mode);
		if (err)
			return err;
		if (!strcmp(me->links[i].ifname, me->public_if)) {
			public_is_link = 1;
			d->pub_xdp_mode = mode;
		}
	}
	if (!public_is_link) {
		err = kern_attach_xdp(&d->k, d->pub_ifindex, me->public_if, d->cfg.xdp_mode,
				      &d->pub_xdp_mode);
		if (err)
			return err;
	}
	return kern_attach_tc(&d->k, d->pub_ifindex, me->public_if);
}

static int set_rt(int prio)
{
	struct sched_param sp = {.sched_priority = prio};

	/* Children (service scripts) must not inherit real-time priority. */
	if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp)) {
		log_warn("cannot run at SCHED_FIFO %d", prio);
		return -errno;
	}
	return 0;
}

/*
 * The heartbeat keys.  hbpfd refuses to run unauthenticated: a missing
 * key-file directive, a missing, group/other-accessible or malformed file is
 * fatal, reported on one line that says how to fix it.
 */
static int load_keys(const struct hbpf_config *cfg, struct hbpf_keyset *ks, char *err,
		     size_t errlen)
{
	if (!cfg->key_file[0]) {
		snprintf(err, errlen,
			 "%s: key-file: required (generate one with: hbpfctl keygen > %s)",
			 cfg->path, HBPF_KEY_FILE_DEFAULT);
		return -EINVAL;
	}
	return hbpf_keyfile_load(cfg->key_file, ks, err, errlen);
}

/* Fill the "keys" map before the programs see traffic (and before the sender starts). */
static int install_keys(struct daemon *d)
{
	struct hbpf_keyset ks;
	char err[512];
	int ret;

	ret = load_keys(&d->cfg, &ks, err, sizeof(err));
	if (ret) {
		log_warnx("%s", err);
		return ret;
	}
	ret = hbpf_keyset_install(&ks, kern_map_fd(&d->k, "keys"));
	explicit_bzero(&ks, sizeof(ks));
	if (ret)
		log_warnx("cannot write the keys map: %s", strerror(-ret));
	return ret;
}

static void public_carrier(struct daemon *d, int up)
{
	int i;

	if (up == d->peers.carrier)
		return;
	d->peers.carrier = up;
	if (up)
		d->k.local->flags |= HBPF_WF_PUBLIC_UP;
	else
		d->k.local->flags &= ~HBPF_WF_PUBLIC_UP;
	log_warnx("public interface %s: carrier %s", d->cfg.nodes[d->self_idx].public_if,
		  up ? "up" : "down");
	if (up)
		return;
	for (i = 0; i < d->cfg.nsets; i++) {
		struct setrt *s = &d->sets[i];
		int to;

		if (s->m.state != FSM_ONLINE && s->m.state != FSM_ACQUIRING)
			continue;
		to = peers_next(&d->peers, s->c, d->self);
		log_warnx("(%s) public link lost: releasing%s%s", s->c->name, to >= 0 ? " to " : "",
			  to >= 0 ? peers_name(&d->peers, to) : " (no usable peer)");
		/* Not dampened: with no public link the set serves nobody here. */
		s->trigger_ns = mono_now_ns();
		if (to >= 0)
			set_move_record(s, s->trigger_ns);
		set_event(s, FSM_EV_RELEASE, to, "public link down");
	}
}

static void kernel_event(struct daemon *d, const struct hbpf_event *ev)
{
	struct setrt *s = ev->set < d->cfg.nsets ? &d->sets[ev->set] : NULL;
	uint64_t now = mono_now_ns();
	double ago = ev->ts_ns && now > ev->ts_ns ? (double)(now - ev->ts_ns) / 1e6 : 0;

	switch (ev->type) {
	case HBPF_EV_PEER_UP:
		log_info("peer %s up", peers_name(&d->peers, ev->node));
		break;
	case HBPF_EV_PEER_DEAD:
		log_warnx("peer %s dead: silent for %.3f ms on every link (kernel deadline; "
			  "event %.3f ms old)",
			  peers_name(&d->peers, ev->node),
			  (double)(ev->ts_ns - ev->last_seen_ns) / 1e6, ago);
		break;
	case HBPF_EV_PEER_DAEMON_DEAD:
		log_warnx("peer %s: kernel alive but daemon stale or gone",
			  peers_name(&d->peers, ev->node));
		break;
	case HBPF_EV_TAKEOVER:
		if (!s)
			break;
		log_info("(%s) kernel took the set over from %s (reason %u, epoch %u), %.3f ms ago",
			 s->c->name, peers_name(&d->peers, ev->node), ev->reason, ev->epoch, ago);
		if (!s->trigger_ns)
			s->trigger_ns = ev->ts_ns;
		set_move_record(s, now);
		set_event(s, FSM_EV_ACQUIRE, 1, "kernel takeover");
		break;
	case HBPF_EV_CLAIM:
		if (s && s->m.state == FSM_OFFLINE)
			claim_event(&d->claim, s, ev);
		break;
	case HBPF_EV_DEMOTE:
	case HBPF_EV_YIELD:
		if (!s)
			break;
		log_warnx("(%s) kernel dropped ownership (%s, epoch %u)", s->c->name,
			  ev->type == HBPF_EV_YIELD ? "higher epoch elsewhere" :
						      "own daemon stamp went stale",
			  ev->epoch);
		if (!s->trigger_ns)
			s->trigger_ns = ev->ts_ns;
		if (ev->type == HBPF_EV_YIELD)
			set_move_record(s, now);
		set_event(s, FSM_EV_LOST, -1, "kernel demoted");
		break;
	case HBPF_EV_MOVE_REQ:
		if (!s || s->m.state != FSM_ONLINE)
			break;
		if (!peers_usable(&d->peers, ev->node)) {
			log_warnx("(%s) move to %s requested, but %s is not usable", s->c->name,
				  peers_name(&d->peers, ev->node), peers_name(&d->peers, ev->node));
			break;
		}
		/* Only "hbpfctl move" run on another node sends this: an operator's
		 * move, obeyed like one given here. */
		log_info("(%s) move to %s requested by a peer", s->c->name,
			 peers_name(&d->peers, ev->node));
		set_undampen(s, "move requested");
		s->trigger_ns = now;
		set_event(s, FSM_EV_RELEASE, ev->node, "move requested");
		break;
	case HBPF_EV_STALE_ARP:
		if (s && s->m.state == FSM_ONLINE) {
			log_info("(%s) foreign ARP for an owned VIP: re-announcing", s->c->name);
			set_garp(s);
		}
		break;
	default:
		log_debug("unknown kernel event %u", ev->type);
	}
}

/*
 * End the clean restart's grace (called right after a fresh stamp).  While
 * it lasts, this node's kernel and its peers do not judge the daemon's
 * stamp; once it ends they do, at once: ended before the stamp is fresh (a
 * restart slower than the daemon deadline, program load included), the self
 * watchdog demotes this node and the peers take its sets.
 */
static void grace_end(struct daemon *d, uint64_t now)
{
	volatile struct hbpf_local *l = d->k.local;
	uint64_t until = l->restart_until_ns;

	/* The stamp is visible before the grace is gone (to the XDP program
	 * and the sender thread, on other CPUs). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	l->flags &= ~HBPF_WF_RESTARTING;
	l->restart_until_ns = 0;
	d->grace_open = 0;
	if (until > now)
		log_info("restart grace over: the liveness stamp is fresh, %.0f ms of grace unused",
			 (double)(until - now) / 1e6);
	else
		log_warnx("restart grace over: it had run out %.0f ms ago (the kernel may have "
			  "demoted this node)",
			  (double)(now - until) / 1e6);
}

static void tick(struct daemon *d, uint64_t now)
{
	int i;

	d->k.local->stamp_ns = now;
	if (d->grace_open)
		grace_end(d, now);
	peers_tick(&d->peers, now);
	/* Start-up rounds (resume, then priority) and tie-breaker claims. */
	claim_tick(&d->claim, now);
	for (i = 0; i < d->cfg.nsets; i++) {
		set_tick(&d->sets[i], now);
		health_tick(&d->health, i, now);
	}
	dgrun_tick(&d->dg, now);
	set_notify_tick(&d->setx, now);
}

static void on_signal(struct watch *w, int res)
{
	struct daemon *d = w->arg;
	struct signalfd_siginfo si;

	(void)res;
	while (read(w->fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			log_info("signal %u: releasing sets and exiting", si.ssi_signo);
			d->stopping = 1;
		} else if (si.ssi_signo == SIGUSR2) {
			log_info("SIGUSR2: exiting for a restart, sets stay here");
			d->restarting = 1;
		}
	}
}

static void on_tick(struct watch *w, int res)
{
	struct daemon *d = w->arg;
	uint64_t exp;

	(void)res;
	while (read(w->fd, &exp, sizeof(exp)) == sizeof(exp))
		;
	tick(d, mono_now_ns());
}

static int ring_cb(void *ctx, void *data, size_t len)
{
	if (len >= sizeof(struct hbpf_event))
		kernel_event(ctx, data);
	return 0;
}

static void on_ring(struct watch *w, int res)
{
	struct daemon *d = w->arg;

	(void)res;
	ring_buffer__consume(d->rb);
}

static void on_nl(void *arg, int ifindex, const char *ifname, int carrier)
{
	struct daemon *d = arg;

	(void)ifname;
	if (ifindex == d->pub_ifindex)
		public_carrier(d, carrier);
}

static void on_nl_watch(struct watch *w, int res)
{
	struct daemon *d = w->arg;

	int carrier;

	(void)res;
	if (hnl_mon_dispatch(d->nl, on_nl, d) == -ENOBUFS &&
	    hnl_link_info(d->nl, d->cfg.nodes[d->self_idx].public_if, NULL, NULL, &carrier) == 0)
		public_carrier(d, carrier); /* events were lost: re-read */
}

/* A multishot POLLIN watch. */
static void watch_set(struct watch *w, int fd, watch_cb cb, void *arg, const char *what)
{
	*w = (struct watch){
		.fd = fd, .events = POLLIN, .multishot = 1, .cb = cb, .arg = arg, .what = what};
}

/* The kernel side: netlink, programs and maps, keys, unicast filter,
 * liveness, attachment, timers. */
static int setup_kernel(struct daemon *d)
{
	const struct hbpf_cfg_node *me = &d->cfg.nodes[d->self_idx];
	int err;

	err = hnl_open(&d->nl);
	if (err)
		return err;
	err = kern_open(&d->k, d->pin_root);
	if (err)
		return err;
	err = install_keys(d);
	if (err)
		return err;
	err = fill_maps(d);
	if (err) {
		log_warnx("cannot fill the BPF maps: %s", strerror(-err));
		return err;
	}
	/* Before XDP runs: the NIC must already pass the VMACs' frames. */
	err = ucf_open(&d->ucf, d->nl, d->pub_ifindex, me->public_if, &d->cfg, d->self,
		       kern_map_fd(&d->k, "vmacs"));
	if (err)
		return err;
	/* Daemon liveness before the programs see traffic: their first echoes
	 * already tell the peers that this daemon is up.  A fresh stamp, not
	 * the start time: loading the programs takes hundreds of ms, longer
	 * than a short daemon deadline, and a stamp that old says the daemon
	 * is dead. */
	d->k.local->stamp_ns = mono_now_ns();
	d->k.local->pid = getpid();
	d->k.local->flags = HBPF_WF_DAEMON_UP | (d->peers.carrier ? HBPF_WF_PUBLIC_UP : 0) |
			    (d->k.local->flags & HBPF_WF_RESTARTING) |
			    (d->cfg.tiebreak != HBPF_TB_UNSET ? HBPF_WF_TB_GATE : 0) |
			    HBPF_WF_STARTING;
	err = attach_all(d);
	if (err)
		return err;
	return kern_arm(&d->k);
}

static void on_set_state(void *arg, struct setrt *s, int old_state, int new_state)
{
	struct daemon *d = arg;

	if (old_state == FSM_ONLINE)
		health_stop(&d->health, s->id);
	claim_state_changed(&d->claim, s, old_state, new_state);
}

static int on_set_dg_step(void *arg, struct setrt *s, int kind, int dg)
{
	struct daemon *d = arg;

	return dgrun_step(&d->dg, s, kind, dg);
}

static const struct set_ops daemon_set_ops = {
	.state_changed = on_set_state,
	.dg_step = on_set_dg_step,
};

/* The sets' machines (adopting what the kernel still owns), GARP, the sender. */
static int setup_sets(struct daemon *d, uint64_t now)
{
	const struct hbpf_cfg_node *me = &d->cfg.nodes[d->self_idx];
	int i, err;

	d->setx = (struct set_ctx){.cfg = &d->cfg,
				   .self = d->self,
				   .self_name = me->name,
				   .k = &d->k,
				   .nl = d->nl,
				   .pub_ifindex = d->pub_ifindex,
				   .snd = &d->snd,
				   .loop = &d->loop,
				   .peers = &d->peers,
				   .ops = &daemon_set_ops,
				   .ops_arg = d};
	for (i = 0; i < d->cfg.nsets; i++)
		set_init(&d->sets[i], &d->setx, i, now);
	health_init(&d->health, d->sets, d->cfg.nsets);
	err = garp_init(&d->garp, kern_garp_prog_fd(&d->k), d->pub_ifindex, me->public_if,
			vip_owned, d);
	if (err)
		log_warnx("gratuitous ARP unavailable: %s", strerror(-err));
	d->garp_ok = !err;
	d->setx.garp = d->garp_ok ? &d->garp : NULL;
	if (d->garp_ok && d->pub_xdp_mode == XDP_ATTACHED_SKB)
		garp_use_packet(&d->garp, "generic XDP: live frames would need the driver's own "
					  "XDP transmit, which a driver without native XDP lacks");

	err = sender_init(&d->snd, &d->cfg, d->self_idx, &d->k);
	if (err)
		return err;
	d->snd_ok = 1;
	err = sender_start(&d->snd, SENDER_RT_PRIO);
	if (err)
		return err;
	set_rt(MAIN_RT_PRIO);
	return 0;
}

/* The loop and its watches: signals, the tick, the ring buffer, the disk
 * groups, the control socket, rtnetlink. */
static int setup_loop(struct daemon *d, const sigset_t *mask)
{
	struct itimerspec its = {.it_interval = {0, TICK_NS}, .it_value = {0, TICK_NS}};
	int err, sfd, tfd;

	err = loop_init(&d->loop, 256);
	if (err)
		return err;
	sfd = signalfd(-1, mask, SFD_NONBLOCK | SFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (sfd < 0 || tfd < 0 || timerfd_settime(tfd, 0, &its, NULL))
		return -errno;
	err = dgrun_open(&d->dg, &d->cfg, &d->k, &d->peers, &d->loop, d->sets);
	if (err)
		return err;
	d->rb = ring_buffer__new(kern_map_fd(&d->k, "events"), ring_cb, d, NULL);
	if (!d->rb)
		return -errno;
	d->ctl.cfg = &d->cfg;
	d->ctl.path = d->sock_path;
	d->ctl.self_name = d->cfg.nodes[d->self_idx].name;
	d->ctl.k = &d->k;
	d->ctl.snd = &d->snd;
	d->ctl.loop = &d->loop;
	d->ctl.peers = &d->peers;
	d->ctl.sets = d->sets;
	d->ctl.dg = &d->dg;
	d->ctl.stopping = &d->stopping;
	d->ctl.restarting = &d->restarting;
	err = ctl_server_open(&d->ctl);
	if (err)
		return err;
	watch_set(&d->sig_w, sfd, on_signal, d, "signalfd");
	watch_set(&d->tick_w, tfd, on_tick, d, "timerfd");
	watch_set(&d->ring_w, ring_buffer__epoll_fd(d->rb), on_ring, d, "ring buffer");
	watch_set(&d->nl_w, hnl_mon_fd(d->nl), on_nl_watch, d, "rtnetlink");
	if (loop_watch(&d->loop, &d->sig_w) || loop_watch(&d->loop, &d->tick_w) ||
	    loop_watch(&d->loop, &d->ring_w) || loop_watch(&d->loop, &d->nl_w))
		return -EBUSY;
	return 0;
}

static int daemon_setup(struct daemon *d)
{
	const struct hbpf_cfg_node *me = &d->cfg.nodes[d->self_idx];
	uint64_t now = mono_now_ns(), claim_at;
	sigset_t mask;
	int err;

	d->self = me->id;
	peers_init(&d->peers, &d->cfg, &d->k, d->self);
	/* Block the signals before any thread exists: they are read from a signalfd. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGUSR2);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGPIPE);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		log_warn("mlockall");
	err = setup_kernel(d);
	if (!err)
		err = setup_sets(d, now);
	if (!err)
		err = setup_loop(d, &mask);
	if (err)
		return err;

	/* A restarted daemon whose predecessor announced the restart resumes at
	 * once; otherwise listen for two detection periods (every live peer has
	 * been heard, or declared dead, by then) before claiming anything.
	 * The period starts now that the programs listen and the sender runs:
	 * loading them can take longer than the period itself.  The restart
	 * grace is ended by the first tick, right after it stamps. */
	claim_at =
		mono_now_ns() + 2 * (uint64_t)d->cfg.interval_ms * d->cfg.detect_mult * 1000000ull;
	if (d->k.local->restart_until_ns) {
		log_info("resuming after a clean restart");
		d->grace_open = 1;
	}
	err = claim_open(&d->claim, &d->cfg, &d->k, &d->peers, &d->loop, d->sets, &d->stopping,
			 claim_at);
	if (err)
		return err;
	ucf_commit(&d->ucf);
	log_info("node %s (id %u) up: %d link(s), %d set(s), interval %u ms x %u, daemon "
		 "deadline %u ms",
		 me->name, me->id, d->cfg.nlinks, d->cfg.nsets, d->cfg.interval_ms,
		 d->cfg.detect_mult, d->cfg.daemon_deadline_ms);
	return 0;
}

static int all_quiet(struct daemon *d)
{
	int i;

	for (i = 0; i < d->cfg.nsets; i++) {
		int st = d->sets[i].m.state;

		if (st == FSM_ACQUIRING || st == FSM_RELEASING || st == FSM_ONLINE)
			return 0;
	}
	return 1;
}

/* Release whatever this node still runs (a set may come online while we stop:
 * a takeover event queued before our shutdown flag reached the kernel). */
static void release_all(struct daemon *d)
{
	int i;

	for (i = 0; i < d->cfg.nsets; i++) {
		struct setrt *s = &d->sets[i];

		if (s->m.state == FSM_ONLINE || s->m.state == FSM_ACQUIRING)
			set_event(s, FSM_EV_RELEASE, peers_next(&d->peers, s->c, d->self),
				  "shutdown");
	}
}

static void daemon_run(struct daemon *d)
{
	uint64_t stop_deadline = 0, quiet_since = 0, now;

	for (;;) {
		if (loop_run_once(&d->loop, d->stopping ? 5 : 100) < 0)
			log_warnx("event loop error");
		if (d->restarting) {
			d->k.local->restart_until_ns = mono_now_ns() + RESTART_GRACE_NS;
			d->k.local->flags |= HBPF_WF_RESTARTING;
			return;
		}
		if (!d->stopping)
			continue;
		now = mono_now_ns();
		if (!stop_deadline) {
			/* From now on the kernel takes nothing (takeover pass,
			 * handoffs) and peers stop counting on this node. */
			d->k.local->flags |= HBPF_WF_SHUTDOWN;
			stop_deadline = now + (uint64_t)d->cfg.shutdown_timeout_ms * 1000000ull;
		}
		release_all(d);
		if (!all_quiet(d)) {
			quiet_since = 0;
			if (now < stop_deadline)
				continue;
			log_warnx(
				"shutdown: sets still busy after %u ms (shutdown-timeout); exiting "
				"anyway",
				d->cfg.shutdown_timeout_ms);
			return;
		}
		/* Quiet for a few heartbeats: the handoffs reached the peers and no
		 * late takeover is still on its way. */
		if (!quiet_since)
			quiet_since = now;
		if (now - quiet_since >= 10 * (uint64_t)d->cfg.interval_ms * 1000000ull)
			return;
	}
}

/*
 * A daemon that exits for good never leaves the kernel owning a set: its
 * gate would answer for the VIP with nobody to run the set, and the peers,
 * which still hear its kernel echo their heartbeats, would never call it
 * dead.  A set still owned here (the shutdown timed out, or start-up failed
 * half-way) is dropped first, said loudly, and handed to the next node (not
 * when one of its disk groups is still mounted here: see fsm.c), and
 * the heartbeats go on for a few intervals so that the handoff reaches it.
 * Only then does the sender stop and is the stamp cleared (which switches
 * the kernel's self-watchdog off: nothing is owned any more, and the
 * shutdown flag keeps the kernel from taking anything).  A hitless restart
 * keeps everything: its grace covers the gap.
 */
static void drop_before_exit(struct daemon *d)
{
	uint64_t wait_ns = 10 * (uint64_t)d->cfg.interval_ms * 1000000ull;
	int i, next, handed = 0;

	d->k.local->flags |= HBPF_WF_SHUTDOWN;
	for (i = 0; i < d->cfg.nsets; i++) {
		if (!d->k.sets || !d->k.sets[i].owned)
			continue;
		kern_set_drop(&d->k, i, KERN_DROP_DEMOTE);
		/* A disk group still mounted here is handed to nobody. */
		next = d->sets[i].m.dg_mounted ? -1 :
						 peers_next(&d->peers, &d->cfg.sets[i], d->self);
		log_warnx("(%s) exit: still owned in the kernel (state %s): dropped, %s%s",
			  d->cfg.sets[i].name, fsm_state_name(d->sets[i].m.state),
			  next >= 0 ? "handed over to " :
			  d->sets[i].m.dg_mounted ?
				      "not handed over (a disk group is still mounted)" :
				      "no peer can take it",
			  next >= 0 ? peers_name(&d->peers, next) : "");
		if (next >= 0 && d->snd_ok) {
			sender_handoff(&d->snd, i, next, SET_HANDOFF_HOLD_NS);
			handed = 1;
		}
	}
	if (handed) {
		struct timespec ts;

		if (wait_ns < 20000000ull)
			wait_ns = 20000000ull;
		ts.tv_sec = (time_t)(wait_ns / 1000000000ull);
		ts.tv_nsec = (long)(wait_ns % 1000000000ull);
		nanosleep(&ts, NULL);
	}
	if (d->snd_ok)
		sender_stop(&d->snd);
	d->k.local->flags = HBPF_WF_SHUTDOWN;
	d->k.local->stamp_ns = 0;
}

static void daemon_teardown(struct daemon *d)
{
	if (d->k.local && !d->restarting)
		drop_before_exit(d);
	else if (d->snd_ok)
		sender_stop(&d->snd);
	if (d->rb)
		ring_buffer__free(d->rb);
	ctl_server_close(&d->ctl);
	dgrun_close(&d->dg);
	claim_close(&d->claim);
	if (d->garp_ok)
		garp_close(&d->garp);
	if (d->k.skel)
		kern_close(&d->k);
	if (d->nl) {
		ucf_close(&d->ucf, d->nl, d->restarting);
		hnl_close(d->nl);
	}
}

/* hbpfd -u, or a failed first start: detach our programs, remove the pins. */
static int unload_pins(struct daemon *d)
{
	const struct hbpf_cfg_node *me = &d->cfg.nodes[d->self_idx];
	const char *names[HBPF_MAX_LINKS + 1];
	int idx[HBPF_MAX_LINKS + 1], i, n = 0;

	for (i = 0; i <= me->nlinks; i++) {
		names[n] = i < me->nlinks ? me->links[i].ifname : me->public_if;
		idx[n] = if_nametoindex(names[n]);
		n++;
	}
	return kern_unload(d->pin_root, names, idx, n);
}

/* hbpfd -u: the VMACs leave the public interface's unicast filter too. */
static void unload_vmacs(struct daemon *d)
{
	const struct hbpf_cfg_node *me = &d->cfg.nodes[d->self_idx];
	char path[HBPF_PATH_MAX + 32];
	struct nlctx *nl;
	int fd, idx = (int)if_nametoindex(me->public_if);

	if (!idx || hnl_open(&nl))
		return;
	snprintf(path, sizeof(path), "%s/v%d/vmacs", d->pin_root, HBPF_LAYOUT_VERSION);
	fd = bpf_obj_get(path);
	ucf_remove_all(nl, idx, me->public_if, &d->cfg, fd);
	if (fd >= 0)
		close(fd);
	hnl_close(nl);
}

static int find_self(struct daemon *d, const char *name)
{
	char host[HOST_NAME_MAX + 1];
	int i;

	if (!name) {
		if (gethostname(host, sizeof(host)))
			return -1;
		name = host;
	}
	for (i = 0; i < d->cfg.nnodes; i++)
		if (!strcmp(d->cfg.nodes[i].name, name))
			return i;
	fprintf(stderr, "hbpfd: node '%s' is not in %s (use -N)\n", name, d->cfg.path);
	return -1;
}

void daemon_defaults(struct daemon *d)
{
	d->pin_root = HBPF_PIN_ROOT_DEFAULT;
	d->sock_path = HBPF_CTL_SOCKET;
	d->k.lock_fd = -1;
	d->ctl.fd = -1;
}

int daemon_configure(struct daemon *d, const char *config, const char *node, int keys)
{
	struct hbpf_keyset ks;
	char errbuf[512];
	int err;

	if (hbpf_config_load(config, &d->cfg, errbuf, sizeof(errbuf))) {
		fprintf(stderr, "%s\n", errbuf);
		return -1;
	}
	d->self_idx = find_self(d, node);
	if (d->self_idx < 0)
		return -1;
	if (!keys)
		return 0;
	err = load_keys(&d->cfg, &ks, errbuf, sizeof(errbuf));
	explicit_bzero(&ks, sizeof(ks));
	if (err) {
		fprintf(stderr, "%s\n", errbuf);
		return -1;
	}
	return 0;
}

void daemon_log_start(struct daemon *d, int fg, int verbose)
{
	int i;

	log_init("hbpfd", fg,
		 LOG_LVL_INFO + verbose > LOG_LVL_DEBUG ? LOG_LVL_DEBUG : LOG_LVL_INFO + verbose);
	bpflog_hook();
	for (i = 0; i < d->cfg.nwarnings; i++)
		log_warnx("%s", d->cfg.warnings[i]);
}

int daemon_unload(struct daemon *d)
{
	unload_vmacs(d);
	return unload_pins(d);
}

int daemon_main(struct daemon *d)
{
	int err = daemon_setup(d);

	if (err) {
		log_msg(LOG_LVL_ERR, "start-up failed: %s", strerror(-err));
		daemon_teardown(d);
		/* Nothing was there before this start: leave nothing behind. */
		if (d->k.fresh && !unload_pins(d))
			log_info("removed the programs and maps this start-up attached and pinned");
		return err;
	}
	daemon_run(d);
	daemon_teardown(d);
	log_info("exiting%s", d->restarting ? " for a restart" : "");
	return 0;
}
