#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Both daemons get SIGTERM at the same instant: neither may hand the set to the
# other (both are going), neither may take it over while stopping, and when
# both have exited no node answers for the VIP, no kernel owns the set, and
# every service start has its stop.
set -eu
TEST_NAME=both_stop
. "$(dirname "$0")/lib.sh"
e2e_up
kill -TERM "$DPID0" "$DPID1"
wait "$DPID0" 2>/dev/null || fail "n0's hbpfd did not exit cleanly"
wait "$DPID1" 2>/dev/null || fail "n1's hbpfd did not exit cleanly"
[ "$(kernel_owned 0 0)" = 0 ] || fail "n0's kernel still owns the set"
[ "$(kernel_owned 1 0)" = 0 ] || fail "n1's kernel still owns the set"
for n in 0 1; do
	lab_exec "n$n" ip -4 addr show dev pub0 | grep -q "$VIP/" &&
		fail "n$n still has the VIP plumbed"
done
starts=$(grep -c '^start' "$RUN/service.events")
stops=$(grep -c '^stop' "$RUN/service.events")
[ "$starts" = "$stops" ] || fail "services: $starts starts, $stops stops ($(tr '\n' ';' <"$RUN/service.events"))"
probe 300 >"$RUN/after.out"
[ "$(kv "$RUN/after.out" answered)" = 0 ] || fail "the VIP is still answered: $(tr '\n' ' ' <"$RUN/after.out")"
pass
