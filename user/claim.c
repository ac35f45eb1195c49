// SPDX-License-Identifier: GPL-2.0-only
/*
 * Taking sets nobody holds without splitting the brain: the start-up rounds
 * (resume what this node held at shutdown, then claim by priority), the
 * lost peers' sets that wait for a fresh tie-breaker answer, and the
 * held-set record those decisions read.  The decisions themselves are pure
 * (fsm_startup_decide, fsm_tb_claim in fsm.c); this file gathers their
 * inputs from the kernel's maps and runs what they say.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "held.h"
#include "log.h"

int claim_gate(const struct daemon *d, const struct hbpf_cfg_set *c)
{
	switch (d->cfg.tiebreak) {
	case HBPF_TB_NONE:
		return FSM_GATE_CLOSED;
	case HBPF_TB_ADDRESS:
		/* A disk lease is a stronger witness than any address. */
		return c->ndgs ? FSM_GATE_OPEN : FSM_GATE_ASK;
	default:
		return FSM_GATE_OPEN;
	}
}

static uint64_t detect_ns(const struct daemon *d)
{
	return (uint64_t)d->cfg.interval_ms * d->cfg.detect_mult * 1000000ull;
}

static uint64_t tb_timeout_ns(const struct daemon *d)
{
	return (uint64_t)d->cfg.tb_timeout_ms * 1000000ull;
}

static const char *tb_addr_str(const struct daemon *d, char *buf, size_t len)
{
	return inet_ntop(AF_INET, &d->cfg.tb_addr, buf, (socklen_t)len) ? buf : "?";
}

/* A live peer announces set s (its heartbeats' owned mask), or -1. */
static int live_holder(struct daemon *d, int s)
{
	int fd = kern_map_fd(&d->k, "peers"), i;

	for (i = 0; i < d->cfg.nnodes && fd >= 0; i++) {
		__u32 key = d->cfg.nodes[i].id;
		struct hbpf_peer p;

		if (key == d->self || bpf_map_lookup_elem(fd, &key, &p))
			continue;
		if (p.state == HBPF_PEER_ALIVE && (p.owned & (1u << s)))
			return (int)key;
	}
	return -1;
}

/* Every other node of the set is in sight, or the first one that is not. */
static int first_unseen(struct daemon *d, const struct hbpf_cfg_set *c)
{
	int i;

	for (i = 0; i < c->nnodes; i++)
		if (c->prio[i] != d->self && !peer_usable(d, c->prio[i]))
			return c->prio[i];
	return -1;
}

static struct fsm_start start_inputs(struct daemon *d, struct setrt *s, int resume_round,
				     int answered)
{
	return (struct fsm_start){
		.resume_round = resume_round,
		.held = s->held,
		.held_elsewhere = live_holder(d, s->id) >= 0,
		.first_usable = set_next_node(d, s->c, -1) == d->self,
		.all_seen = first_unseen(d, s->c) < 0,
		.gate = claim_gate(d, s->c),
		.tb_answered = answered,
	};
}

static void held_write(struct daemon *d);
static void held_check(struct daemon *d);

/*
 * This run did not take back a set held at the last stop (someone else
 * holds it, or it was not this node's to take): the record must not make
 * a later start resume it.
 */
static void held_forget(struct setrt *s)
{
	struct daemon *d = s->d;
	uint32_t bit = 1u << s->id;

	s->held = 0;
	if (!(d->held_mask & bit) || s->m.state != FSM_OFFLINE)
		return;
	d->held_mask &= ~bit;
	held_write(d);
}

static void claim_clear(struct setrt *s)
{
	s->tb_claim_ns = 0;
	s->tb_ans_ns = 0;
	s->tb_peer = -1;
	s->tb_said = 0;
}

/* move: the set leaves a lost peer (counted for dampening); a start-up
 * claim or resume moves nothing. */
static void take(struct setrt *s, const char *why, int move, uint64_t now)
{
	struct daemon *d = s->d;

	/* After a reboot the kernel's epochs start over: make this take
	 * newer than what this node made before it went down. */
	if (s->held)
		kern_set_own(&d->k, s->id, d->self, d->held_epochs[s->id], KERN_OWN_FLOOR);
	claim_clear(s);
	s->trigger_ns = now;
	if (move)
		move_record(s, now);
	set_event(s, FSM_EV_ACQUIRE, 0, why);
}

static void claim_begin(struct setrt *s, int peer, uint64_t since)
{
	struct daemon *d = s->d;

	s->tb_claim_ns = since;
	s->tb_ans_ns = 0;
	s->tb_peer = peer;
	s->tb_said = 0;
	/* The first probe that counts is one sent after the peer was lost. */
	if (tb_send(&d->tb, kern_now_ns()))
		log_debug("tie-breaker probe not sent");
}

/* One start-up round over every set nobody holds here. */
static void start_round(struct daemon *d, int resume_round, uint64_t now)
{
	char ip[INET_ADDRSTRLEN];
	int i;

	for (i = 0; i < d->cfg.nsets; i++) {
		struct setrt *s = &d->sets[i];
		struct fsm_start st;
		int unseen, holder;

		if (s->m.state != FSM_OFFLINE || !s->c->autofailover || d->k.sets[i].owned ||
		    s->tb_claim_ns || !d->pub_carrier)
			continue;
		st = start_inputs(d, s, resume_round, 0);
		unseen = first_unseen(d, s->c);
		switch (fsm_startup_decide(&st)) {
		case FSM_CLAIM_TAKE:
			if (st.held)
				log_info("(%s) held it when this node stopped and nobody holds it: "
					 "resuming",
					 s->c->name);
			else
				log_info(
					"(%s) nobody holds it and this node comes first: acquiring",
					s->c->name);
			take(s, st.held ? "resume" : "start-up", 0, now);
			break;
		case FSM_CLAIM_WAIT:
			log_info("(%s) %s not in sight: asking the tie-breaker %s before taking it",
				 s->c->name, node_name(d, unseen), tb_addr_str(d, ip, sizeof(ip)));
			claim_begin(s, -1, now);
			break;
		case FSM_CLAIM_REFUSE:
			/* Still decided again once every node is in sight. */
			log_warnx("(%s) %s not in sight and \"tie-breaker none\": not taking it "
				  "until it is seen (or hbpfctl acquire %s)",
				  s->c->name, node_name(d, unseen), s->c->name);
			claim_begin(s, -1, now);
			break;
		default:
			holder = live_holder(d, i);
			if (resume_round && s->held && holder >= 0)
				log_info(
					"(%s) held it when this node stopped, but %s holds it now: "
					"leaving it there",
					s->c->name, node_name(d, holder));
			if (s->held && (holder >= 0 || !resume_round))
				held_forget(s);
			break;
		}
	}
}

/*
 * A start-up claim that waits: for the tie-breaker (decided again with its
 * answer, confirmed like a lost peer's set), or, with the gate closed, for
 * every node of the set to come in sight.
 */
static void startup_step(struct daemon *d, struct setrt *s, uint64_t now)
{
	char ip[INET_ADDRSTRLEN], buf[16];
	int answered = s->tb_ans_ns && now >= s->tb_ans_ns + detect_ns(d);
	struct fsm_start st = start_inputs(d, s, 0, answered);

	switch (fsm_startup_decide(&st)) {
	case FSM_CLAIM_TAKE:
		if (answered && !st.all_seen)
			log_info("(%s) the tie-breaker %s answers: %s", s->c->name,
				 tb_addr_str(d, ip, sizeof(ip)),
				 st.held ? "resuming" : "acquiring");
		else
			log_info("(%s) every node in sight: %s", s->c->name,
				 st.held ? "resuming" : "acquiring");
		take(s, st.held ? "resume" : "start-up", 0, now);
		break;
	case FSM_CLAIM_NO:
		claim_clear(s);
		held_forget(s);
		break;
	case FSM_CLAIM_WAIT:
		if (!s->tb_said && now >= s->tb_claim_ns + tb_timeout_ns(d)) {
			s->tb_said = 1;
			log_warnx(
				"(%s) the tie-breaker %s did not answer within %s: not taking the "
				"set; still asking",
				s->c->name, tb_addr_str(d, ip, sizeof(ip)),
				config_fmt_ms(buf, sizeof(buf), d->cfg.tb_timeout_ms));
		}
		break;
	default:
		break; /* refused: waits for the other nodes or the operator */
	}
}

/* A set waiting for the tie-breaker: still wanted?  answered?  take it. */
static void claim_step(struct daemon *d, struct setrt *s, uint64_t now)
{
	char ip[INET_ADDRSTRLEN], buf[16];
	int holder = live_holder(d, s->id), r;

	if (s->m.state != FSM_OFFLINE || d->k.sets[s->id].owned) {
		claim_clear(s);
		return;
	}
	if (holder >= 0 || (s->tb_peer >= 0 && peer_usable(d, s->tb_peer))) {
		log_info("(%s) %s is back%s: not taking it", s->c->name,
			 node_name(d, holder >= 0 ? holder : s->tb_peer),
			 holder >= 0 ? " and holds it" : "");
		claim_clear(s);
		held_forget(s);
		return;
	}
	if (!s->tb_ans_ns && d->tb.ans_sent_ns >= s->tb_claim_ns)
		s->tb_ans_ns = d->tb.ans_sent_ns;
	if (s->tb_peer < 0) {
		startup_step(d, s, now);
		return;
	}
	r = fsm_tb_claim(s->tb_claim_ns, s->tb_ans_ns, now, detect_ns(d), tb_timeout_ns(d));
	if (r == FSM_CLAIM_SILENT && !s->tb_said) {
		s->tb_said = 1;
		log_warnx("(%s) the tie-breaker %s did not answer within %s: not taking the set "
			  "(this node may be the one cut off); still asking",
			  s->c->name, tb_addr_str(d, ip, sizeof(ip)),
			  config_fmt_ms(buf, sizeof(buf), d->cfg.tb_timeout_ms));
	}
	if (r != FSM_CLAIM_TAKE)
		return;
	log_info("(%s) the tie-breaker %s answers and %s is still silent: taking the set",
		 s->c->name, tb_addr_str(d, ip, sizeof(ip)), node_name(d, s->tb_peer));
	s->claim_from = s->tb_peer;
	take(s, "peer dead", 1, now);
}

static void claim_kernel(struct daemon *d, struct setrt *s, const struct hbpf_event *ev)
{
	char ip[INET_ADDRSTRLEN];
	const char *how = ev->reason == HBPF_RS_DAEMON_DEAD ? "its daemon died" : "silent";

	if (s->m.state != FSM_OFFLINE || s->tb_claim_ns)
		return;
	switch (claim_gate(d, s->c)) {
	case FSM_GATE_CLOSED:
		log_warnx("(%s) %s lost (%s) and \"tie-breaker none\": not taking the set; run "
			  "\"hbpfctl acquire %s\" on the node that should have it",
			  s->c->name, node_name(d, ev->node), how, s->c->name);
		break;
	case FSM_GATE_ASK:
		log_info("(%s) %s lost (%s) and this node is next: asking the tie-breaker %s",
			 s->c->name, node_name(d, ev->node), how, tb_addr_str(d, ip, sizeof(ip)));
		claim_begin(s, ev->node, ev->ts_ns ? ev->ts_ns : kern_now_ns());
		break;
	default:
		/* The gate is open (the configuration changed under a pinned
		 * flag): do what the kernel would have done. */
		s->claim_from = ev->node;
		take(s, "peer dead", 1, kern_now_ns());
		break;
	}
}

/* What the kernel's claim asks for, once any dampening hold-down is over. */
static void claim_dispatch(struct daemon *d, struct setrt *s, const struct hbpf_event *ev)
{
	/* Without disk groups the kernel asks only when a tie-breaker (or
	 * "tie-breaker none") gates the takeover, or the set is dampened. */
	if (!s->c->ndgs || claim_gate(d, s->c) == FSM_GATE_CLOSED) {
		claim_kernel(d, s, ev);
		return;
	}
	/* Whether the peer is dead or only cut off from us is for its disk
	 * slot to say: the lease acquire watches it for a full lease timeout
	 * and refuses if it still advances. */
	log_info("(%s) %s is silent on every network link and this node is next: "
		 "fencing its disk groups first",
		 s->c->name, node_name(d, ev->node));
	s->claim_from = ev->node;
	s->trigger_ns = ev->ts_ns;
	move_record(s, kern_now_ns());
	set_event(s, FSM_EV_ACQUIRE, 0, "peer dead");
}

static void hold_clear(struct setrt *s)
{
	s->hold_until_ns = 0;
}

void claim_event(struct daemon *d, struct setrt *s, const struct hbpf_event *ev)
{
	uint64_t since = ev->ts_ns ? ev->ts_ns : kern_now_ns();
	char buf[16];

	if (s->hold_until_ns)
		return; /* the same loss, told again */
	if (!(d->k.sets[s->id].flags & HBPF_SF_DAMPENED)) {
		claim_dispatch(d, s, ev);
		return;
	}
	s->hold_ev = *ev;
	s->hold_until_ns = since + (uint64_t)d->cfg.daemon_deadline_ms * 1000000ull;
	log_info("(%s) %s lost, but the set is dampened: taking it only if nobody holds it "
		 "for %s",
		 s->c->name, node_name(d, ev->node),
		 config_fmt_ms(buf, sizeof(buf), d->cfg.daemon_deadline_ms));
}

/* A dampened set's hold-down: the peer came back holding it (the set stays
 * where it is), or nobody held it to the end (the claim goes on). */
static void hold_step(struct daemon *d, struct setrt *s, uint64_t now)
{
	int peer = s->hold_ev.node, holder = live_holder(d, s->id);
	struct hbpf_event ev;

	if (s->m.state != FSM_OFFLINE || d->k.sets[s->id].owned) {
		hold_clear(s);
		return;
	}
	/* Back means holding it again: a peer that is heard but gave the set
	 * up (its own watchdog demoted it) leaves it for us to take. */
	if (holder >= 0) {
		log_info("(%s) %s holds it again within the hold-down: the dampened set stays "
			 "where it is",
			 s->c->name, node_name(d, holder));
		hold_clear(s);
		return;
	}
	if (now < s->hold_until_ns)
		return;
	log_info("(%s) nobody held it through the hold-down after %s was lost: claiming the "
		 "dampened set",
		 s->c->name, node_name(d, peer));
	ev = s->hold_ev;
	hold_clear(s);
	claim_dispatch(d, s, &ev);
}

static void tb_tick(struct daemon *d, uint64_t now)
{
	char ip[INET_ADDRSTRLEN], buf[16];
	int r;

	if (d->tb.fd <= 0)
		return;
	if (now >= d->tb.next_ns) {
		tb_send(&d->tb, now);
		d->tb.next_ns = now + (uint64_t)d->cfg.tb_interval_ms * 1000000ull;
	}
	/* Judge only once a whole timeout of probes had its chance. */
	if (now < d->tb.open_ns + tb_timeout_ns(d) && !d->tb.answered)
		return;
	r = tb_reachable(&d->tb, now, tb_timeout_ns(d));
	if (r == d->tb.reachable)
		return;
	d->tb.reachable = r;
	if (r)
		log_info("tie-breaker %s answers", tb_addr_str(d, ip, sizeof(ip)));
	else
		log_warnx("tie-breaker %s: no answer for %s", tb_addr_str(d, ip, sizeof(ip)),
			  config_fmt_ms(buf, sizeof(buf), d->cfg.tb_timeout_ms));
}

/* A live peer has not finished its resume round yet (HBPF_WF_STARTING). */
static int peer_starting(struct daemon *d)
{
	int fd = kern_map_fd(&d->k, "peers"), i;

	for (i = 0; i < d->cfg.nnodes && fd >= 0; i++) {
		__u32 key = d->cfg.nodes[i].id;
		struct hbpf_peer p;

		if (key != d->self && !bpf_map_lookup_elem(fd, &key, &p) &&
		    p.state == HBPF_PEER_ALIVE && (p.flags & HBPF_WF_STARTING))
			return 1;
	}
	return 0;
}

void claim_tick(struct daemon *d, uint64_t now)
{
	int i;

	tb_tick(d, now);
	held_check(d);
	if (d->stopping)
		return;
	if (!d->resumed && now >= d->claim_at_ns) {
		d->resumed = 1;
		start_round(d, 1, now);
		/* Announced with what the round took (the kernel already owns
		 * it): peers that waited for us can claim by priority now. */
		d->k.local->flags &= ~HBPF_WF_STARTING;
	}
	/* Two nodes starting a few ms apart: the later one's resume round
	 * must come before the earlier one's priority round.  Bounded by the
	 * daemon deadline, in case a peer never says it is done. */
	if (!d->claimed && now >= d->prio_at_ns &&
	    (!peer_starting(d) ||
	     now >= d->prio_at_ns + (uint64_t)d->cfg.daemon_deadline_ms * 1000000ull)) {
		d->claimed = 1;
		start_round(d, 0, now);
	}
	for (i = 0; i < d->cfg.nsets; i++) {
		if (d->sets[i].hold_until_ns)
			hold_step(d, &d->sets[i], now);
		if (d->sets[i].tb_claim_ns)
			claim_step(d, &d->sets[i], now);
	}
}

/* Never on the loop: the writer thread does the fsyncs (held.h). */
static void held_write(struct daemon *d)
{
	if (d->held_w_ok)
		held_writer_post(&d->held_w, d->held_mask, d->held_epochs);
}

/* The writer's failures (and its recovery) reach the log from the loop. */
static void held_check(struct daemon *d)
{
	int err;

	if (!d->held_w_ok || !held_writer_result(&d->held_w, &d->held_err_seen, &err))
		return;
	if (err)
		log_warnx("cannot write the held-set record %s: %s (retrying every %.0f s)",
			  d->held_path, strerror(-err), HELD_RETRY_NS / 1e9);
	else
		log_info("held-set record %s written again", d->held_path);
}

void claim_state_changed(struct setrt *s, int old_state, int new_state)
{
	struct daemon *d = s->d;
	uint32_t bit = 1u << s->id, ep = d->k.sets[s->id].epoch;

	(void)old_state;
	if (new_state != FSM_OFFLINE)
		claim_clear(s);
	if (new_state == FSM_ONLINE) {
		if ((d->held_mask & bit) && d->held_epochs[s->id] == ep)
			return;
		d->held_mask |= bit;
		d->held_epochs[s->id] = ep;
		held_write(d);
	} else if ((new_state == FSM_OFFLINE || new_state == FSM_FAILED) && !d->stopping &&
		   (d->held_mask & bit)) {
		/* A clean shutdown's releases stay in the record: that is
		 * what the node held when it stopped. */
		d->held_mask &= ~bit;
		held_write(d);
	}
}

static void on_tb(struct watch *w, int res)
{
	struct daemon *d = w->arg;

	(void)res;
	tb_recv(&d->tb, kern_now_ns());
}

int claim_open(struct daemon *d)
{
	const char *me = d->cfg.nodes[d->self_idx].name;
	char err[128], ip[INET_ADDRSTRLEN];
	uint32_t mask = 0;
	int i, ret;

	d->tb.fd = -1;
	d->prio_at_ns = d->claim_at_ns + 2 * detect_ns(d);
	ret = held_path(&d->cfg, me, d->held_path, sizeof(d->held_path));
	if (ret) {
		log_warnx("state-dir %s: path too long", d->cfg.state_dir);
		return ret;
	}
	ret = held_load(&d->cfg, d->held_path, &mask, d->held_epochs, err, sizeof(err));
	if (ret)
		log_warnx("held-set record %s: %s; resuming nothing", d->held_path, err);
	d->held_mask = mask;
	ret = held_writer_start(&d->held_w, &d->cfg, d->held_path);
	if (ret) {
		log_warnx("held-set record: cannot start its writer: %s", strerror(-ret));
		return ret;
	}
	d->held_w_ok = 1;
	for (i = 0; i < d->cfg.nsets; i++) {
		struct setrt *s = &d->sets[i];

		claim_clear(s);
		hold_clear(s);
		s->held = !!(mask & (1u << i));
		if (s->held)
			log_info("(%s) held when this node stopped (epoch %u)", s->c->name,
				 d->held_epochs[i]);
		if (s->m.state == FSM_ONLINE)
			claim_state_changed(s, FSM_OFFLINE, FSM_ONLINE); /* adopted */
	}
	if (d->cfg.tiebreak != HBPF_TB_ADDRESS)
		return 0;
	ret = tb_open(&d->tb, d->cfg.tb_addr, d->cfg.nodes[d->self_idx].public_if);
	if (ret) {
		log_warnx("tie-breaker %s: cannot open an ICMP socket on %s: %s",
			  tb_addr_str(d, ip, sizeof(ip)), d->cfg.nodes[d->self_idx].public_if,
			  strerror(-ret));
		return ret;
	}
	d->tb.open_ns = kern_now_ns();
	d->tb_w = (struct watch){.fd = d->tb.fd,
				 .events = POLLIN,
				 .multishot = 1,
				 .cb = on_tb,
				 .arg = d,
				 .what = "tie-breaker"};
	if (loop_watch(&d->loop, &d->tb_w))
		return -EBUSY;
	log_info("tie-breaker %s: probed every %ums on %s, timeout %ums",
		 tb_addr_str(d, ip, sizeof(ip)), d->cfg.tb_interval_ms,
		 d->cfg.nodes[d->self_idx].public_if, d->cfg.tb_timeout_ms);
	return 0;
}

#define HELD_FLUSH_NS (5000ull * 1000000ull) /* at exit, for the last record */

void claim_close(struct daemon *d)
{
	int err;

	if (d->tb.fd > 0)
		tb_close(&d->tb);
	if (!d->held_w_ok)
		return;
	d->held_w_ok = 0;
	err = held_writer_stop(&d->held_w, HELD_FLUSH_NS);
	if (err == -ETIMEDOUT)
		log_warnx("held-set record %s: storage still blocked after %.0f s; exiting "
			  "without the last record",
			  d->held_path, HELD_FLUSH_NS / 1e9);
	else if (err)
		log_warnx("held-set record %s: the last record was not written: %s", d->held_path,
			  strerror(-err));
}
