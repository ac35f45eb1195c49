#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# "tie-breaker none": no automatic takeover of a lost peer's sets.  n0 holds
# the set and dies (links and processes); n1 calls it dead but does not take
# the set: it stays down, nobody answers, until an operator runs
# "hbpfctl acquire web" on n1, which then takes it.
set -eu
TEST_NAME=tiebreak_none
E2E_TOP_EXTRA="tie-breaker none"
. "$(dirname "$0")/lib.sh"
e2e_up
grep -q "warning: .*split the brain" "$RUN/n0.log" && fail "warned although tie-breaker none is set"
"$LAB" isolate "$PREFIX" n0
kill -9 "$DPID0" "$(cat "$RUN/resp0.pid")"
until=$(($(now_ms) + 2500))
while [ "$(now_ms)" -lt "$until" ]; do
	[ "$(kernel_owned 1 0)" = 0 ] || fail "n1's kernel took the set"
	sleep 0.05
done
grep -q "peer n0 dead" "$RUN/n1.log" || fail "n1 did not lose n0"
grep -q "(web) n0 lost (silent) and \"tie-breaker none\": not taking the set; run \"hbpfctl acquire web\"" \
	"$RUN/n1.log" || fail "n1 did not say why it does not take the set"
[ "$(set_state 1 web)" = offline ] || fail "n1's set is $(set_state 1 web)"
probe 300 >"$RUN/down.out"
[ "$(kv "$RUN/down.out" answered)" = 0 ] || fail "the VIP is answered: $(tr '\n' ' ' <"$RUN/down.out")"
out=$(ctl 1 acquire web) || fail "hbpfctl acquire failed: $out"
wait_owner web n1 3000 || fail "n1 does not hold web after hbpfctl acquire"
probe 500 >"$RUN/after.out"
[ "$(kv "$RUN/after.out" sequence)" = n1 ] || fail "after: $(tr '\n' ' ' <"$RUN/after.out")"
pass
