#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# (f) Services on failover: after n0 dies, the start script runs on n1 (with
# the set's environment); the failed start of a service undoes the takeover.
set -eu
TEST_NAME=services
. "$(dirname "$0")/lib.sh"
e2e_up
[ "$(cat "$RUN/service.events")" = "start n0 web marker" ] ||
	fail "start-up: $(tr '\n' ';' <"$RUN/service.events")"
"$LAB" isolate "$PREFIX" n0
kill -9 "$DPID0"
wait_owner web n1 3000 || fail "n1 does not hold web"
tail -n 1 "$RUN/service.events" | grep -q "^start n1 web marker" ||
	fail "no start on n1: $(tr '\n' ';' <"$RUN/service.events")"
# A release on n1 runs the stop script there and leaves nobody holding it.
ctl 1 release web | grep -q '^ok' || fail "release refused"
sleep 0.5
tail -n 1 "$RUN/service.events" | grep -q "^stop n1 web marker" || fail "no stop on n1"
[ "$(kernel_owned 1 0)" = 0 ] || fail "n1's kernel still owns web after release"
# A service whose start fails: the set ends failed, its VIP is not answered.
sed -i 's/^echo/[ "$1" = start ] \&\& exit 3\necho/' "$RUN/svc.sh"
ctl 1 acquire web | grep -q '^ok' || fail "acquire refused"
sleep 0.5
[ "$(set_state 1 web)" = failed ] || fail "state $(set_state 1 web), expected failed"
[ "$(kernel_owned 1 0)" = 0 ] || fail "failed set still owned in the kernel"
pass
