#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# (e) Clean restart of the owner's daemon: it exits keeping its sets (the
# pinned programs keep answering), a new daemon adopts the pinned state, and
# nothing moves: no change of answering node, no service restart.
set -eu
TEST_NAME=restart
. "$(dirname "$0")/lib.sh"
e2e_up
probe_bg 4000 "$RUN/probe.out"
sleep 1
ctl 0 restart | grep -q '^ok' || fail "restart refused"
wait "$DPID0" || true
sleep 0.3
start_node 0
sleep 1
wait "$PROBER_PID" || true
check_probe "$RUN/probe.out" n0 n0 100
[ "$(kv "$RUN/probe.out" changes)" = 0 ] || fail "the answering node changed"
wait_owner web n0 1000 || fail "n0 no longer holds web"
[ "$(grep -c '^start' "$RUN/service.events")" = 1 ] || fail "service restarted"
grep -q "adopted" "$RUN/n0.log" || fail "the new daemon did not adopt the pinned state"
pass
