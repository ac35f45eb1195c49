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

#include "claim.h"
#include "log.h"
#include "proc.h"

int claim_gate(const struct hbpf_config *cfg, const struct hbpf_cfg_set *c)
{
	switch (cfg->tiebreak) {
	case HBPF_TB_NONE:
		return FSM_GATE_CLOSED;
	case HBPF_TB_ADDRESS:
		/* A disk lease is a stronger witness than any address. */
		return c->ndgs ? FSM_GATE_OPEN : FSM_GATE_ASK;
	default:
		return FSM_GATE_OPEN;
	}
}

static uint64_t detect_ns(const struct claim *cl)
{
	return (uint64_t)cl->cfg->interval_ms * cl->cfg->detect_mult * 1000000ull;
}

static uint64_t tb_timeout_ns(const struct claim *cl)
{
	return (uint64_t)cl->cfg->tb_timeout_ms * 1000000ull;
}

static const char *tb_addr_str(const struct claim *cl, char *buf, size_t len)
{
	return inet_ntop(AF_INET, &cl->cfg->tb_addr, buf, (socklen_t)len) ? buf : "?";
}

static const char *node_name(const struct claim *cl, int id)
{
	return peers_name(cl->peers, id);
}

static struct fsm_start start_inputs(struct claim *cl, struct setrt *s, int resume_round,
				     int answered)
{
	return (struct fsm_start){
		.resume_round = resume_round,
		.held = cl->cs[s->id].held,
		.held_elsewhere = peers_holder(cl->peers, s->id) >= 0,
		.first_usable = peers_next(cl->peers, s->c, -1) == cl->peers->self,
		.all_seen = peers_first_unseen(cl->peers, s->c) < 0,
		.gate = claim_gate(cl->cfg, s->c),
		.tb_answered = answered,
	};
}

static void held_write(struct claim *cl);
static void held_check(struct claim *cl);

/*
 * This run did not take back a set held at the last stop (someone else
 * holds it, or it was not this node's to take): the record must not make
 * a later start resume it.
 */
static void held_forget(struct claim *cl, struct setrt *s)
{
	uint32_t bit = 1u << s->id;

	cl->cs[s->id].held = 0;
	if (!(cl->held_mask & bit) || s->m.state != FSM_OFFLINE)
		return;
	cl->held_mask &= ~bit;
	held_write(cl);
}

static void claim_clear(struct claim *cl, struct setrt *s)
{
	struct claim_set *cs = &cl->cs[s->id];

	cs->tb_claim_ns = 0;
	cs->tb_ans_ns = 0;
	cs->tb_peer = -1;
	cs->tb_said = 0;
}

/* move: the set leaves a lost peer (counted for dampening); a start-up
 * claim or resume moves nothing. */
static void take(struct claim *cl, struct setrt *s, const char *why, int move, uint64_t now)
{
	/* After a reboot the kernel's epochs start over: make this take
	 * newer than what this node made before it went down. */
	if (cl->cs[s->id].held)
		kern_set_own(cl->k, s->id, cl->peers->self, cl->held_epochs[s->id], KERN_OWN_FLOOR);
	claim_clear(cl, s);
	s->trigger_ns = now;
	if (move)
		set_move_record(s, now);
	set_event(s, FSM_EV_ACQUIRE, 0, why);
}

static void claim_begin(struct claim *cl, struct setrt *s, int peer, uint64_t since)
{
	struct claim_set *cs = &cl->cs[s->id];

	cs->tb_claim_ns = since;
	cs->tb_ans_ns = 0;
	cs->tb_peer = peer;
	cs->tb_said = 0;
	/* The first probe that counts is one sent after the peer was lost. */
	if (tb_send(&cl->tb, mono_now_ns()))
		log_debug("tie-breaker probe not sent");
}

/* One start-up round over every set nobody holds here. */
static void start_round(struct claim *cl, int resume_round, uint64_t now)
{
	char ip[INET_ADDRSTRLEN];
	int i;

	for (i = 0; i < cl->cfg->nsets; i++) {
		struct setrt *s = &cl->sets[i];
		struct fsm_start st;
		int unseen, holder;

		if (s->m.state != FSM_OFFLINE || !s->c->autofailover || cl->k->sets[i].owned ||
		    cl->cs[s->id].tb_claim_ns || !cl->peers->carrier)
			continue;
		st = start_inputs(cl, s, resume_round, 0);
		unseen = peers_first_unseen(cl->peers, s->c);
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
			take(cl, s, st.held ? "resume" : "start-up", 0, now);
			break;
		case FSM_CLAIM_WAIT:
			log_info("(%s) %s not in sight: asking the tie-breaker %s before taking it",
				 s->c->name, node_name(cl, unseen),
				 tb_addr_str(cl, ip, sizeof(ip)));
			claim_begin(cl, s, -1, now);
			break;
		case FSM_CLAIM_REFUSE:
			/* Still decided again once every node is in sight. */
			log_warnx("(%s) %s not in sight and \"tie-breaker none\": not taking it "
				  "until it is seen (or hbpfctl acquire %s)",
				  s->c->name, node_name(cl, unseen), s->c->name);
			claim_begin(cl, s, -1, now);
			break;
		default:
			holder = peers_holder(cl->peers, i);
			if (resume_round && cl->cs[s->id].held && holder >= 0)
				log_info(
					"(%s) held it when this node stopped, but %s holds it now: "
					"leaving it there",
					s->c->name, node_name(cl, holder));
			if (cl->cs[s->id].held && (holder >= 0 || !resume_round))
				held_forget(cl, s);
			break;
		}
	}
}

/*
 * A start-up claim that waits: for the tie-breaker (decided again with its
 * answer, confirmed like a lost peer's set), or, with the gate closed, for
 * every node of the set to come in sight.
 */
static void startup_step(struct claim *cl, struct setrt *s, uint64_t now)
{
	struct claim_set *cs = &cl->cs[s->id];
	char ip[INET_ADDRSTRLEN], buf[16];
	int answered = cs->tb_ans_ns && now >= cs->tb_ans_ns + detect_ns(cl);
	struct fsm_start st = start_inputs(cl, s, 0, answered);

	switch (fsm_startup_decide(&st)) {
	case FSM_CLAIM_TAKE:
		if (answered && !st.all_seen)
			log_info("(%s) the tie-breaker %s answers: %s", s->c->name,
				 tb_addr_str(cl, ip, sizeof(ip)),
				 st.held ? "resuming" : "acquiring");
		else
			log_info("(%s) every node in sight: %s", s->c->name,
				 st.held ? "resuming" : "acquiring");
		take(cl, s, st.held ? "resume" : "start-up", 0, now);
		break;
	case FSM_CLAIM_NO:
		claim_clear(cl, s);
		held_forget(cl, s);
		break;
	case FSM_CLAIM_WAIT:
		if (!cs->tb_said && now >= cs->tb_claim_ns + tb_timeout_ns(cl)) {
			cs->tb_said = 1;
			log_warnx(
				"(%s) the tie-breaker %s did not answer within %s: not taking the "
				"set; still asking",
				s->c->name, tb_addr_str(cl, ip, sizeof(ip)),
				config_fmt_ms(buf, sizeof(buf), cl->cfg->tb_timeout_ms));
		}
		break;
	default:
		break; /* refused: waits for the other nodes or the operator */
	}
}

/* A set waiting for the tie-breaker: still wanted?  answered?  take it. */
static void claim_step(struct claim *cl, struct setrt *s, uint64_t now)
{
	struct claim_set *cs = &cl->cs[s->id];
	char ip[INET_ADDRSTRLEN], buf[16];
	int holder = peers_holder(cl->peers, s->id), r;

	if (s->m.state != FSM_OFFLINE || cl->k->sets[s->id].owned) {
		claim_clear(cl, s);
		return;
	}
	if (holder >= 0 || (cs->tb_peer >= 0 && peers_usable(cl->peers, cs->tb_peer))) {
		log_info("(%s) %s is back%s: not taking it", s->c->name,
			 node_name(cl, holder >= 0 ? holder : cs->tb_peer),
			 holder >= 0 ? " and holds it" : "");
		claim_clear(cl, s);
		held_forget(cl, s);
		return;
	}
	if (!cs->tb_ans_ns && cl->tb.ans_sent_ns >= cs->tb_claim_ns)
		cs->tb_ans_ns = cl->tb.ans_sent_ns;
	if (cs->tb_peer < 0) {
		startup_step(cl, s, now);
		return;
	}
	r = fsm_tb_claim(cs->tb_claim_ns, cs->tb_ans_ns, now, detect_ns(cl), tb_timeout_ns(cl));
	if (r == FSM_CLAIM_SILENT && !cs->tb_said) {
		cs->tb_said = 1;
		log_warnx("(%s) the tie-breaker %s did not answer within %s: not taking the set "
			  "(this node may be the one cut off); still asking",
			  s->c->name, tb_addr_str(cl, ip, sizeof(ip)),
			  config_fmt_ms(buf, sizeof(buf), cl->cfg->tb_timeout_ms));
	}
	if (r != FSM_CLAIM_TAKE)
		return;
	log_info("(%s) the tie-breaker %s answers and %s is still silent: taking the set",
		 s->c->name, tb_addr_str(cl, ip, sizeof(ip)), node_name(cl, cs->tb_peer));
	s->claim_from = cs->tb_peer;
	take(cl, s, "peer dead", 1, now);
}

static void claim_kernel(struct claim *cl, struct setrt *s, const struct hbpf_event *ev)
{
	char ip[INET_ADDRSTRLEN];
	const char *how = ev->reason == HBPF_RS_DAEMON_DEAD ? "its daemon died" : "silent";

	if (s->m.state != FSM_OFFLINE || cl->cs[s->id].tb_claim_ns)
		return;
	switch (claim_gate(cl->cfg, s->c)) {
	case FSM_GATE_CLOSED:
		log_warnx("(%s) %s lost (%s) and \"tie-breaker none\": not taking the set; run "
			  "\"hbpfctl acquire %s\" on the node that should have it",
			  s->c->name, node_name(cl, ev->node), how, s->c->name);
		break;
	case FSM_GATE_ASK:
		log_info("(%s) %s lost (%s) and this node is next: asking the tie-breaker %s",
			 s->c->name, node_name(cl, ev->node), how, tb_addr_str(cl, ip, sizeof(ip)));
		claim_begin(cl, s, ev->node, ev->ts_ns ? ev->ts_ns : mono_now_ns());
		break;
	default:
		/* The gate is open (the configuration changed under a pinned
		 * flag): do what the kernel would have done. */
		s->claim_from = ev->node;
		take(cl, s, "peer dead", 1, mono_now_ns());
		break;
	}
}

/* What the kernel's claim asks for, once any dampening hold-down is over. */
static void claim_dispatch(struct claim *cl, struct setrt *s, const struct hbpf_event *ev)
{
	/* Without disk groups the kernel asks only when a tie-breaker (or
	 * "tie-breaker none") gates the takeover, or the set is dampened. */
	if (!s->c->ndgs || claim_gate(cl->cfg, s->c) == FSM_GATE_CLOSED) {
		claim_kernel(cl, s, ev);
		return;
	}
	/* Whether the peer is dead or only cut off from us is for its disk
	 * slot to say: the lease acquire watches it for a full lease timeout
	 * and refuses if it still advances. */
	log_info("(%s) %s is silent on every network link and this node is next: "
		 "fencing its disk groups first",
		 s->c->name, node_name(cl, ev->node));
	s->claim_from = ev->node;
	s->trigger_ns = ev->ts_ns;
	set_move_record(s, mono_now_ns());
	set_event(s, FSM_EV_ACQUIRE, 0, "peer dead");
}

static void hold_clear(struct claim *cl, struct setrt *s)
{
	cl->cs[s->id].hold_until_ns = 0;
}

void claim_event(struct claim *cl, struct setrt *s, const struct hbpf_event *ev)
{
	struct claim_set *cs = &cl->cs[s->id];
	uint64_t since = ev->ts_ns ? ev->ts_ns : mono_now_ns();
	char buf[16];

	if (cs->hold_until_ns)
		return; /* the same loss, told again */
	if (!(cl->k->sets[s->id].flags & HBPF_SF_DAMPENED)) {
		claim_dispatch(cl, s, ev);
		return;
	}
	cs->hold_ev = *ev;
	cs->hold_until_ns = since + (uint64_t)cl->cfg->daemon_deadline_ms * 1000000ull;
	log_info("(%s) %s lost, but the set is dampened: taking it only if nobody holds it "
		 "for %s",
		 s->c->name, node_name(cl, ev->node),
		 config_fmt_ms(buf, sizeof(buf), cl->cfg->daemon_deadline_ms));
}

/* A dampened set's hold-down: the peer came back holding it (the set stays
 * where it is), or nobody held it to the end (the claim goes on). */
static void hold_step(struct claim *cl, struct setrt *s, uint64_t now)
{
	struct claim_set *cs = &cl->cs[s->id];
	int peer = cs->hold_ev.node, holder = peers_holder(cl->peers, s->id);
	struct hbpf_event ev;

	if (s->m.state != FSM_OFFLINE || cl->k->sets[s->id].owned) {
		hold_clear(cl, s);
		return;
	}
	/* Back means holding it again: a peer that is heard but gave the set
	 * up (its own watchdog demoted it) leaves it for us to take. */
	if (holder >= 0) {
		log_info("(%s) %s holds it again within the hold-down: the dampened set stays "
			 "where it is",
			 s->c->name, node_name(cl, holder));
		hold_clear(cl, s);
		return;
	}
	if (now < cs->hold_until_ns)
		return;
	log_info("(%s) nobody held it through the hold-down after %s was lost: claiming the "
		 "dampened set",
		 s->c->name, node_name(cl, peer));
	ev = cs->hold_ev;
	hold_clear(cl, s);
	claim_dispatch(cl, s, &ev);
}

static void tb_tick(struct claim *cl, uint64_t now)
{
	char ip[INET_ADDRSTRLEN], buf[16];
	int r;

	if (cl->tb.fd <= 0)
		return;
	if (now >= cl->tb.next_ns) {
		tb_send(&cl->tb, now);
		cl->tb.next_ns = now + (uint64_t)cl->cfg->tb_interval_ms * 1000000ull;
	}
	/* Judge only once a whole timeout of probes had its chance. */
	if (now < cl->tb.open_ns + tb_timeout_ns(cl) && !cl->tb.answered)
		return;
	r = tb_reachable(&cl->tb, now, tb_timeout_ns(cl));
	if (r == cl->tb.reachable)
		return;
	cl->tb.reachable = r;
	if (r)
		log_info("tie-breaker %s answers", tb_addr_str(cl, ip, sizeof(ip)));
	else
		log_warnx("tie-breaker %s: no answer for %s", tb_addr_str(cl, ip, sizeof(ip)),
			  config_fmt_ms(buf, sizeof(buf), cl->cfg->tb_timeout_ms));
}

void claim_tick(struct claim *cl, uint64_t now)
{
	int i;

	tb_tick(cl, now);
	held_check(cl);
	if (*cl->stopping)
		return;
	if (!cl->resumed && now >= cl->claim_at_ns) {
		cl->resumed = 1;
		start_round(cl, 1, now);
		/* Announced with what the round took (the kernel already owns
		 * it): peers that waited for us can claim by priority now. */
		cl->k->local->flags &= ~HBPF_WF_STARTING;
	}
	/* Two nodes starting a few ms apart: the later one's resume round
	 * must come before the earlier one's priority round.  Bounded by the
	 * daemon deadline, in case a peer never says it is done. */
	if (!cl->claimed && now >= cl->prio_at_ns &&
	    (!peers_starting(cl->peers) ||
	     now >= cl->prio_at_ns + (uint64_t)cl->cfg->daemon_deadline_ms * 1000000ull)) {
		cl->claimed = 1;
		start_round(cl, 0, now);
	}
	for (i = 0; i < cl->cfg->nsets; i++) {
		if (cl->cs[i].hold_until_ns)
			hold_step(cl, &cl->sets[i], now);
		if (cl->cs[i].tb_claim_ns)
			claim_step(cl, &cl->sets[i], now);
	}
}

/* Never on the loop: the writer thread does the fsyncs (held.h). */
static void held_write(struct claim *cl)
{
	if (cl->held_w_ok)
		held_writer_post(&cl->held_w, cl->held_mask, cl->held_epochs);
}

/* The writer's failures (and its recovery) reach the log from the loop. */
static void held_check(struct claim *cl)
{
	int err;

	if (!cl->held_w_ok || !held_writer_result(&cl->held_w, &cl->held_err_seen, &err))
		return;
	if (err)
		log_warnx("cannot write the held-set record %s: %s (retrying every %.0f s)",
			  cl->held_path, strerror(-err), HELD_RETRY_NS / 1e9);
	else
		log_info("held-set record %s written again", cl->held_path);
}

void claim_state_changed(struct claim *cl, struct setrt *s, int old_state, int new_state)
{
	uint32_t bit = 1u << s->id, ep = cl->k->sets[s->id].epoch;

	(void)old_state;
	if (new_state != FSM_OFFLINE)
		claim_clear(cl, s);
	if (new_state == FSM_ONLINE) {
		if ((cl->held_mask & bit) && cl->held_epochs[s->id] == ep)
			return;
		cl->held_mask |= bit;
		cl->held_epochs[s->id] = ep;
		held_write(cl);
	} else if ((new_state == FSM_OFFLINE || new_state == FSM_FAILED) && !*cl->stopping &&
		   (cl->held_mask & bit)) {
		/* A clean shutdown's releases stay in the record: that is
		 * what the node held when it stopped. */
		cl->held_mask &= ~bit;
		held_write(cl);
	}
}

static void on_tb(struct watch *w, int res)
{
	struct claim *cl = w->arg;

	(void)res;
	tb_recv(&cl->tb, mono_now_ns());
}

int claim_open(struct claim *cl, const struct hbpf_config *cfg, struct hbpf_kern *k,
	       struct peers *peers, struct loop *loop, struct setrt *sets, const int *stopping,
	       uint64_t claim_at_ns)
{
	const struct hbpf_cfg_node *me_node = hbpf_config_node_by_id(cfg, peers->self);
	const char *me = me_node->name, *pub = me_node->public_if;
	char err[128], ip[INET_ADDRSTRLEN];
	uint32_t mask = 0;
	int i, ret;

	cl->cfg = cfg;
	cl->k = k;
	cl->peers = peers;
	cl->loop = loop;
	cl->sets = sets;
	cl->stopping = stopping;
	cl->claim_at_ns = claim_at_ns;
	cl->tb.fd = -1;
	cl->prio_at_ns = cl->claim_at_ns + 2 * detect_ns(cl);
	ret = held_path(cl->cfg, me, cl->held_path, sizeof(cl->held_path));
	if (ret) {
		log_warnx("state-dir %s: path too long", cl->cfg->state_dir);
		return ret;
	}
	ret = held_load(cl->cfg, cl->held_path, &mask, cl->held_epochs, err, sizeof(err));
	if (ret)
		log_warnx("held-set record %s: %s; resuming nothing", cl->held_path, err);
	cl->held_mask = mask;
	ret = held_writer_start(&cl->held_w, cl->cfg, cl->held_path);
	if (ret) {
		log_warnx("held-set record: cannot start its writer: %s", strerror(-ret));
		return ret;
	}
	cl->held_w_ok = 1;
	for (i = 0; i < cl->cfg->nsets; i++) {
		struct setrt *s = &cl->sets[i];

		claim_clear(cl, s);
		hold_clear(cl, s);
		cl->cs[i].held = !!(mask & (1u << i));
		if (cl->cs[i].held)
			log_info("(%s) held when this node stopped (epoch %u)", s->c->name,
				 cl->held_epochs[i]);
		if (s->m.state == FSM_ONLINE)
			claim_state_changed(cl, s, FSM_OFFLINE, FSM_ONLINE); /* adopted */
	}
	if (cl->cfg->tiebreak != HBPF_TB_ADDRESS)
		return 0;
	ret = tb_open(&cl->tb, cl->cfg->tb_addr, pub);
	if (ret) {
		log_warnx("tie-breaker %s: cannot open an ICMP socket on %s: %s",
			  tb_addr_str(cl, ip, sizeof(ip)), pub, strerror(-ret));
		return ret;
	}
	cl->tb.open_ns = mono_now_ns();
	cl->tb_w = (struct watch){.fd = cl->tb.fd,
				  .events = POLLIN,
				  .multishot = 1,
				  .cb = on_tb,
				  .arg = cl,
				  .what = "tie-breaker"};
	if (loop_watch(cl->loop, &cl->tb_w))
		return -EBUSY;
	log_info("tie-breaker %s: probed every %ums on %s, timeout %ums",
		 tb_addr_str(cl, ip, sizeof(ip)), cl->cfg->tb_interval_ms, pub,
		 cl->cfg->tb_timeout_ms);
	return 0;
}

#define HELD_FLUSH_NS (5000ull * 1000000ull) /* at exit, for the last record */

void claim_close(struct claim *cl)
{
	int err;

	if (cl->tb.fd > 0)
		tb_close(&cl->tb);
	if (!cl->held_w_ok)
		return;
	cl->held_w_ok = 0;
	err = held_writer_stop(&cl->held_w, HELD_FLUSH_NS);
	if (err == -ETIMEDOUT)
		log_warnx("held-set record %s: storage still blocked after %.0f s; exiting "
			  "without the last record",
			  cl->held_path, HELD_FLUSH_NS / 1e9);
	else if (err)
		log_warnx("held-set record %s: the last record was not written: %s", cl->held_path,
			  strerror(-err));
}
