#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# (e) Clean restart of the owner's daemon: it exits keeping its sets (the
# pinned programs keep answering), a new daemon adopts the pinned state, and
# nothing moves: no change of answering node, no service restart.
#
# The restart is slower than the daemon deadline on purpose, as a restart on
# a slow or busy host is: the daemon deadline is short (200 ms, shorter than
# loading the programs takes the new daemon) and the new daemon starts a
# second after the old one exited.  Only the restart grace (10 s) may carry
# it; a daemon that ended the grace with a stale liveness stamp lost the set.
set -eu
TEST_NAME=restart
E2E_DAEMON_DEADLINE=200ms
DEADLINE_MS=200
PAUSE_S=1
. "$(dirname "$0")/lib.sh"
e2e_up
probe_bg 5000 "$RUN/probe.out"
sleep 1
ctl 0 restart | grep -q '^ok' || fail "restart refused"
wait "$DPID0" || true
sleep "$PAUSE_S"
start_node 0
sleep 1.5
wait "$PROBER_PID" || true
check_probe "$RUN/probe.out" n0 n0 100
[ "$(kv "$RUN/probe.out" changes)" = 0 ] || fail "the answering node changed"
wait_owner web n0 1000 || fail "n0 no longer holds web"
[ "$(grep -c '^start' "$RUN/service.events")" = 1 ] || fail "service restarted"
grep -q "adopted" "$RUN/n0.log" || fail "the new daemon did not adopt the pinned state"
! grep -q "kernel took the set over" "$RUN/n1.log" || fail "n1's kernel took the set"
# Neither daemon may ever look dead to its peer, not even while it starts
# (a stamp older than the program load says dead).
! grep -q "daemon stale or gone" "$RUN/n1.log" || fail "n1 judged n0's daemon dead"
! grep -q "daemon stale or gone" "$RUN/n0.log" || fail "n0 judged n1's starting daemon dead"
! grep -q "kernel dropped ownership" "$RUN/n0.log" || fail "n0's kernel dropped the set"
# The restart (last stamp of the old daemon to the new one's grace end) must
# really have outlasted the daemon deadline, or this test proved nothing.
took=$(awk -F'[][]' '/exiting for a restart/ { x = $2 }
	/restart grace over/ { if (x) { printf "%d", ($2 - x) * 1000; exit } }' "$RUN/n0.log")
[ -n "$took" ] || fail "no restart grace end in n0's log"
[ "$took" -gt "$DEADLINE_MS" ] || fail "the restart took ${took} ms, not more than the deadline"
pass "restart took ${took} ms (daemon deadline ${DEADLINE_MS} ms), nothing moved"
