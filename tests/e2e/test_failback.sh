#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# failback auto after 2s: n0 dies, n1 takes the set; n0 comes back (its links
# restored, its daemon restarted).  The set returns to n0, the node it prefers,
# only once n0 has been usable for 2 s: still on n1 a second after n0 is
# back, on n0 four seconds after.
set -eu
TEST_NAME=failback
E2E_SET_EXTRA="failback auto after 2s"
. "$(dirname "$0")/lib.sh"
e2e_up
probe_bg 9000 "$RUN/probe.out"
sleep 0.5
kill -9 "$DPID0"
"$LAB" isolate "$PREFIX" n0
wait_owner web n1 3000 || fail "n1 did not take web"
"$LAB" restore "$PREFIX" n0
start_node 0
back=$(now_ms)
grep -q "resuming\|(web) adopted" "$RUN/n0.log" && fail "n0 resumed the set itself"
sleep 1
[ "$(set_state 1 web)" = online ] && [ "$(kernel_owned 1 0)" = 1 ] ||
	fail "web left n1 within 1 s of n0 coming back (failback delay is 2 s)"
grep -q "failback: n0 is back" "$RUN/n1.log" && fail "n1 failed back before the delay"
wait_owner web n0 $((back + 4000 - $(now_ms))) || fail "web did not fail back to n0 within 4 s"
took=$(($(now_ms) - back))
grep -q "failback: n0 is back and preferred (usable for [2-9]\." "$RUN/n1.log" ||
	fail "n1 did not log a failback after 2 s: $(grep failback "$RUN/n1.log")"
echo "   failback ${took} ms after n0's daemon answered (delay 2 s)"
[ "$took" -ge 1500 ] || fail "failback after ${took} ms, before the 2 s delay"
wait "$PROBER_PID" || true
check_probe "$RUN/probe.out" n0 n0 1000
[ "$(kv "$RUN/probe.out" sequence)" = "n0,n1,n0" ] ||
	fail "answer sequence $(kv "$RUN/probe.out" sequence), expected n0,n1,n0"
pass
