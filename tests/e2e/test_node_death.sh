#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# (a) Node death: n0 holds the set; its links go down and its processes are
# killed at once.  n1's kernel deadline fires, the set moves, the client sees
# n1 answer, and never two nodes at once.
set -eu
TEST_NAME=node_death
. "$(dirname "$0")/lib.sh"
e2e_up
probe_bg 4000 "$RUN/probe.out"
sleep 1.5
# The node dies: every link goes at once, then its processes.
"$LAB" isolate "$PREFIX" n0
kill -9 "$DPID0" "$(cat "$RUN/resp0.pid")"
wait "$PROBER_PID" || true
check_probe "$RUN/probe.out" n0 n1 1000
wait_owner web n1 2000 || fail "n1 does not hold web"
grep -q "peer n0 dead" "$RUN/n1.log" || fail "n1 did not log the kernel deadline"
pass
