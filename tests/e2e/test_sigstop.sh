#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# SIGSTOP of the owner's daemon for longer than the daemon deadline, then
# SIGCONT.  Its kernel keeps echoing heartbeats but its daemon stamp goes
# stale: n0's own kernel demotes n0, n1 takes the set over.  When n0's daemon
# resumes it must yield (stop its service, keep the kernel gate closed), not
# reclaim: the set moves exactly once and no probe is answered by two nodes.
set -eu
TEST_NAME=sigstop
. "$(dirname "$0")/lib.sh"
e2e_up
probe_bg 6000 "$RUN/probe.out"
sleep 1
kill -STOP "$DPID0"
sleep 1.5
# What the service did while n0's daemon was stopped (n0 can have run nothing).
cp "$RUN/service.events" "$RUN/service.before-cont"
kill -CONT "$DPID0"
# The prober runs on for a few seconds after SIGCONT: a late reclaim by n0
# would show as a flap or a dual answer.
wait "$PROBER_PID" || true
check_probe "$RUN/probe.out" n0 n1 2000
[ "$(kv "$RUN/probe.out" sequence)" = n0,n1 ] ||
	fail "answers were not n0 then n1: $(tr '\n' ' ' <"$RUN/probe.out")"
[ "$(kv "$RUN/probe.out" flaps)" = 0 ] || fail "answers flapped"
wait_owner web n1 2000 || fail "n1 does not hold web"
[ "$(kernel_owned 0 0)" = 0 ] || fail "n0's kernel still answers for web"
kill -0 "$DPID0" 2>/dev/null || fail "n0's daemon exited after SIGCONT"
ctl 0 ping >/dev/null 2>&1 || fail "n0's daemon does not answer on its control socket"
[ "$(set_state 0 web)" = offline ] || fail "n0 has web in state '$(set_state 0 web)'"
# n0's daemon saw its own kernel drop the set (the stamp went stale while it
# was stopped) and released it.
grep -q '(web) kernel dropped ownership (own daemon stamp went stale' "$RUN/n0.log" ||
	fail "n0's daemon did not log that its kernel dropped web"
# The service: started on n0 at start-up, stopped on n0 (after SIGCONT: the
# stopped daemon could not run anything), started on n1; nothing else.
ev=$(tr '\n' ';' <"$RUN/service.events")
[ "$(grep -c '^start n0 ' "$RUN/service.events")" = 1 ] || fail "service events: $ev"
[ "$(grep -c '^stop n0 ' "$RUN/service.events")" = 1 ] || fail "no single stop on n0: $ev"
[ "$(grep -c '^start n1 ' "$RUN/service.events")" = 1 ] || fail "no single start on n1: $ev"
[ "$(grep -c . "$RUN/service.events")" = 3 ] || fail "unexpected service events: $ev"
! grep -q '^stop n0 ' "$RUN/service.before-cont" || fail "n0 stopped its service while stopped"
# n0 stays silent for the VIP: a probe now is answered by n1 only.
probe 500 >"$RUN/after.out"
[ "$(kv "$RUN/after.out" sequence)" = n1 ] || fail "after: $(tr '\n' ' ' <"$RUN/after.out")"
pass
