#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# failback auto: n0 dies, n1 takes the set; n0 comes back (its links restored,
# its daemon restarted), and once it has been usable for a second the set
# returns to n0, the node it prefers.
set -eu
TEST_NAME=failback
E2E_SET_EXTRA="failback auto"
. "$(dirname "$0")/lib.sh"
e2e_up
probe_bg 7000 "$RUN/probe.out"
sleep 0.5
kill -9 "$DPID0"
"$LAB" isolate "$PREFIX" n0
wait_owner web n1 3000 || fail "n1 did not take web"
"$LAB" restore "$PREFIX" n0
start_node 0
grep -q "resuming\|(web) adopted" "$RUN/n0.log" && fail "n0 resumed the set itself"
wait_owner web n0 5000 || fail "web did not fail back to n0"
grep -q "failback: n0 is back" "$RUN/n1.log" || fail "n1 did not log the failback"
wait "$PROBER_PID" || true
check_probe "$RUN/probe.out" n0 n0 1000
[ "$(kv "$RUN/probe.out" sequence)" = "n0,n1,n0" ] ||
	fail "answer sequence $(kv "$RUN/probe.out" sequence), expected n0,n1,n0"
pass
