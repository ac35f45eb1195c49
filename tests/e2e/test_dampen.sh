#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Dampening ("dampen 2 in 60s", failback auto): the service's monitor fails
# on n0, then on n1, then on n0 again.  The first two failures move the set
# (n0 -> n1 -> n0); the third would be a third move within 60 s, so the set
# stays on n0, shows "dampened" and the notify hook says so.  "hbpfctl reset"
# clears the dampening and the next failure moves the set again (to the node
# it left under 2 s before: the handoff is announced anew); n1 then refuses
# to fail back, its own count being over the limit.
set -eu
TEST_NAME=dampen
E2E_SET_EXTRA="failback auto
	dampen 2 in 60s"
E2E_SVC_EXTRA="monitor __RUN__/svc.sh check
		interval 100ms"
. "$(dirname "$0")/lib.sh"
eval "$(declare -f write_config | sed '1s/write_config/write_config_base/')"
write_config() {
	write_config_base "$1"
	sed -i "s|__RUN__|$RUN|" "$1"
}
e2e_up
probe_bg 10000 "$RUN/probe.out"
sleep 0.3
touch "$RUN/sick.n0"
wait_owner web n1 3000 || fail "move 1: the failing monitor on n0 did not move web to n1"
rm -f "$RUN/sick.n0"
touch "$RUN/sick.n1"
wait_owner web n0 3000 || fail "move 2: the failing monitor on n1 did not move web to n0"
rm -f "$RUN/sick.n1"
touch "$RUN/sick.n0"
until=$(($(now_ms) + 3000))
while ! grep -q "(web) dampened" "$RUN/n0.log" && [ "$(now_ms)" -lt "$until" ]; do
	sleep 0.05
done
msg="(web) dampened: monitor failed would move it to n1, but it moved 2 times in the last 60s"
grep -q "$msg (limit 2): staying here" "$RUN/n0.log" ||
	fail "n0 did not dampen the third move: $(grep '(web)' "$RUN/n0.log" | tail -n 5)"
# It stays, monitor failing or not.
t_end=$(($(now_ms) + 1500))
while [ "$(now_ms)" -lt "$t_end" ]; do
	[ "$(kernel_owned 0 0)" = 1 ] && [ "$(kernel_owned 1 0)" != 1 ] ||
		fail "web moved although dampened"
	sleep 0.1
done
[ "$(set_state 0 web)" = online ] || fail "web is $(set_state 0 web) on n0, not online"
ctl 0 sets | grep -q "^web .*(dampened)$" || fail "sets does not show dampened: $(ctl 0 sets)"
ctl 0 -j sets | jq -e '.sets[0].daemon.dampened == true' >/dev/null ||
	fail "sets -j does not show dampened: $(ctl 0 -j sets)"
[ "$(grep -c "^web online online dampened$" "$RUN/notify.events")" = 1 ] ||
	fail "notify hook: $(tr '\n' ';' <"$RUN/notify.events")"
[ "$(grep -c "^start n" "$RUN/service.events")" = 3 ] ||
	fail "service events: $(tr '\n' ';' <"$RUN/service.events")"
# The operator clears it; the monitor still fails, so the set moves.
ctl 0 reset web | grep -q "^ok" || fail "reset web failed"
grep -q "(web) no longer dampened (reset command)" "$RUN/n0.log" || fail "reset did not undampen"
wait_owner web n1 3000 || fail "after the reset, the failing monitor on n0 did not move web"
ctl 0 sets | grep -q "(dampened)" && fail "sets still shows dampened after the reset"
# (That was a second handoff of web from n0 to n1 within the 2 s announcement
# window: the handoff carries n0's release epoch, so n1 takes it again.)
# n1 has moved it three times within the window now: its failback to the
# preferred n0 (usable again) is dampened in turn.
until=$(($(now_ms) + 3000))
while ! grep -q "(web) dampened: failback would move it to n0" "$RUN/n1.log" &&
	[ "$(now_ms)" -lt "$until" ]; do
	sleep 0.05
done
grep -q "(web) dampened: failback would move it to n0" "$RUN/n1.log" ||
	fail "n1's failback was not dampened: $(grep '(web)' "$RUN/n1.log" | tail -n 3)"
[ "$(kernel_owned 1 0)" = 1 ] && [ "$(kernel_owned 0 0)" != 1 ] || fail "web left n1"
rm -f "$RUN/sick.n0"
wait "$PROBER_PID" || true
check_probe "$RUN/probe.out" n0 n1 1000
seq=$(kv "$RUN/probe.out" sequence)
[ "$seq" = "n0,n1,n0,n1" ] || fail "answer sequence $seq, expected n0,n1,n0,n1"
pass
