#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# (b) Manual move n0 -> n1 and back, asked on either node; (f) the service's
# stop script runs on the old owner before its start script on the new one.
set -eu
TEST_NAME=move
. "$(dirname "$0")/lib.sh"
e2e_up
probe_bg 5000 "$RUN/probe.out"
sleep 1
ctl 0 move web n1 | grep -q '^ok' || fail "move web n1 refused"
wait_owner web n1 3000 || fail "web did not reach n1"
sleep 1
# Asked on the node that does not hold it: relayed to the owner by heartbeat.
ctl 0 move web n0 | grep -q '^ok' || fail "move web n0 (asked on n0) refused"
wait_owner web n0 3000 || fail "web did not come back to n0"
wait "$PROBER_PID" || true
check_probe "$RUN/probe.out" n0 n0 1000
[ "$(kv "$RUN/probe.out" sequence)" = "n0,n1,n0" ] ||
	fail "answer sequence $(kv "$RUN/probe.out" sequence), expected n0,n1,n0"
expect="start n0 web marker
stop n0 web marker
start n1 web marker
stop n1 web marker
start n0 web marker"
[ "$(cat "$RUN/service.events")" = "$expect" ] ||
	fail "service events: $(tr '\n' ';' <"$RUN/service.events")"
grep -q "^web acquiring online kernel takeover" "$RUN/notify.events" ||
	fail "notify hook not run: $(tr '\n' ';' <"$RUN/notify.events")"
grep -q "^web online releasing move" "$RUN/notify.events" || fail "no notify for the release"
# Bad requests are refused and change nothing.
ctl 0 move web nX >/dev/null 2>&1 && fail "move to an unknown node accepted"
ctl 0 move nope n1 >/dev/null 2>&1 && fail "move of an unknown set accepted"
ctl 1 acquire web 2>&1 | grep -q 'held by n0' || fail "acquire of a held set not refused"
# An unprivileged user cannot steer the cluster.
chmod 755 "$RUN"
if setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$HBPFCTL" -c "$RUN/hbpf.conf" -s "$RUN/n0.sock" move web n1 >"$RUN/nobody.out" 2>&1; then
	fail "an unprivileged user moved the set"
fi
[ "$(kernel_owned 0 0)" = 1 ] && [ "$(kernel_owned 1 0)" = 0 ] || fail "ownership changed"
pass
