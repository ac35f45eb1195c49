#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Service monitor: a failing monitor on the owner moves the set to the next
# node (and, with manual failback, it stays there when the owner recovers).
set -eu
TEST_NAME=health
E2E_SVC_EXTRA="monitor __RUN__/svc.sh check
		interval 100ms"
. "$(dirname "$0")/lib.sh"
# The monitor command names the run directory, known only once it exists.
eval "$(declare -f write_config | sed '1s/write_config/write_config_base/')"
write_config() {
	write_config_base "$1"
	sed -i "s|__RUN__|$RUN|" "$1"
}
e2e_up
probe_bg 4000 "$RUN/probe.out"
sleep 0.5
touch "$RUN/sick.n0"
wait_owner web n1 3000 || fail "the failing monitor on n0 did not move web to n1"
grep -q "monitor of marker failed" "$RUN/n0.log" || fail "n0 did not log the monitor failure"
rm -f "$RUN/sick.n0"
wait "$PROBER_PID" || true
check_probe "$RUN/probe.out" n0 n1 1000
[ "$(kv "$RUN/probe.out" sequence)" = "n0,n1" ] ||
	fail "answer sequence $(kv "$RUN/probe.out" sequence), expected n0,n1 (manual failback)"
pass
