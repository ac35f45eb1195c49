#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The tie-breaker (the client, 198.18.0.2, answers ICMP echo).
# (a) n1 is cut off from everything without losing carrier (its switch ports
#     leave the bridges): it calls n0 dead, asks the tie-breaker, gets no
#     answer, and never takes the set, while n0 keeps serving; after the cut
#     heals, n0 still holds it.
# (b) n0 dies (links and processes): n1 calls it dead, the tie-breaker answers,
#     n1 takes the set over.
set -eu
TEST_NAME=tiebreak
E2E_TOP_EXTRA="tie-breaker 198.18.0.2 interval 20ms timeout 200ms"
. "$(dirname "$0")/lib.sh"
e2e_up
grep -q "warning: .*split the brain" "$RUN/n0.log" && fail "warned although a tie-breaker is set"
"$HBPFCTL" check "$RUN/hbpf.conf" | grep -q "tie-breaker: 198.18.0.2, probed every 20ms, timeout 200ms" ||
	fail "hbpfctl check does not show the tie-breaker"

# (a) n1 alone in the dark, carrier up.
probe_bg 3500 "$RUN/probe.a"
sleep 0.3
lab_exec sw ip link set p-pub-n1 nomaster
lab_exec sw ip link set p-priv-n1 nomaster
until=$(($(now_ms) + 3000))
while [ "$(now_ms)" -lt "$until" ]; do
	[ "$(kernel_owned 1 0)" = 0 ] || fail "(a) n1's kernel took the set while cut off"
	[ "$(kernel_owned 0 0)" = 1 ] || fail "(a) n0 lost the set"
	sleep 0.05
done
wait "$PROBER_PID" || true
check_probe "$RUN/probe.a" n0 n0 1000
[ "$(kv "$RUN/probe.a" sequence)" = n0 ] || fail "(a) answers: $(tr "\n" " " <"$RUN/probe.a")"
grep -q "peer n0 dead" "$RUN/n1.log" || fail "(a) n1 did not lose n0"
grep -q "(web) n0 lost (silent) and this node is next: asking the tie-breaker" "$RUN/n1.log" ||
	fail "(a) n1 did not ask the tie-breaker"
grep -q "(web) the tie-breaker 198.18.0.2 did not answer within 200ms: not taking" "$RUN/n1.log" ||
	fail "(a) n1 did not log the unanswered tie-breaker"
[ "$(set_state 1 web)" = offline ] || fail "(a) n1's set is $(set_state 1 web)"
lab_exec sw ip link set p-pub-n1 master br-pub
lab_exec sw ip link set p-priv-n1 master br-priv
until=$(($(now_ms) + 2000))
while [ "$(now_ms)" -lt "$until" ]; do
	[ "$(kernel_owned 1 0)" = 0 ] || fail "(a) n1's kernel took the set after the cut healed"
	sleep 0.05
done
grep -q "(web) n0 is back and holds it: not taking it" "$RUN/n1.log" ||
	fail "(a) n1 did not drop its claim when n0 came back"
wait_owner web n0 1000 || fail "(a) n0 does not hold web after the heal"
echo "   (a) n1 cut off: never took the set; n0 served throughout"

# (b) n0 dies; the tie-breaker answers n1.
probe_bg 4000 "$RUN/probe.b"
sleep 1
"$LAB" isolate "$PREFIX" n0
kill -9 "$DPID0" "$(cat "$RUN/resp0.pid")"
wait "$PROBER_PID" || true
check_probe "$RUN/probe.b" n0 n1 1500
wait_owner web n1 2000 || fail "(b) n1 does not hold web"
grep -q "(web) the tie-breaker 198.18.0.2 answers and n0 is still silent: taking the set" \
	"$RUN/n1.log" || fail "(b) n1 did not take the set on the tie-breaker's answer"
pass
