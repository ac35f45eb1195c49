#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Clean shutdown (SIGTERM) of the owner's daemon releases its sets: the
# services stop there, the set is handed to the next node, and the client
# sees one short gap and never two nodes at once.
set -eu
TEST_NAME=shutdown
. "$(dirname "$0")/lib.sh"
e2e_up
probe_bg 3000 "$RUN/probe.out"
sleep 1
kill -TERM "$DPID0"
wait "$DPID0" 2>/dev/null || fail "hbpfd on n0 did not exit cleanly on SIGTERM"
wait "$PROBER_PID" || true
check_probe "$RUN/probe.out" n0 n1 1000
wait_owner web n1 2000 || fail "n1 does not hold web"
expect="start n0 web marker
stop n0 web marker
start n1 web marker"
[ "$(cat "$RUN/service.events")" = "$expect" ] ||
	fail "service events: $(tr '\n' ';' <"$RUN/service.events")"
grep -q "handed over to n1" "$RUN/n0.log" || fail "n0 did not hand the set over"
pass
