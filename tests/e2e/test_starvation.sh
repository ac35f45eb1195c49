#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Load is not a failure: at hbpf's default timers (1 ms x 3), 5 s of both
# CPUs saturated by ordinary tasks and then 5 s of SCHED_FIFO 50 hogs on
# both CPUs (every ordinary task on the machine stalls for up to ~1 s) move
# nothing: the set stays on n0, no node changes state, the client is served
# throughout.  make bench runs the same for 10 + 2 minutes.
#
# The client prober and the responders run as SCHED_DEADLINE tasks: on one
# machine they share the starved CPUs, and a real client does not.
set -u
cd "$(dirname "$0")/../.."
E2E_INTERVAL=
E2E_DETECT_MULT=
E2E_DAEMON_DEADLINE=
. tests/e2e/lib.sh
TEST_NAME=starvation
command -v stress-ng >/dev/null || fail "stress-ng missing (make deps)"
DL="chrt -d --sched-runtime 200000 --sched-deadline 1000000 --sched-period 1000000 0"
STRESS=""

e2e_up
trap 'kill -9 $STRESS 2>/dev/null; e2e_down' EXIT
for n in 0 1; do
	stop_wait "$(cat "$RUN/resp$n.pid")" || fail "the responder on n$n does not exit"
	# shellcheck disable=SC2086
	(exec "$LAB" exec "$PREFIX" "n$n" $DL "$RESPONDER" -n "n$n" -p 7 >>"$RUN/resp$n.log" 2>&1) &
	echo $! >"$RUN/resp$n.pid"
done
sleep 0.3
probe 300 >/dev/null
before=$(cat "$RUN/notify.events" 2>/dev/null | wc -l)

# shellcheck disable=SC2086
"$LAB" exec "$PREFIX" c $DL "$PROBER" -q -t "$VIP:7" -d 11000 >"$RUN/probe.out" 2>&1 &
PROBER_PID=$!
sleep 0.5
stress-ng --cpu 2 --timer 2 -t 5 >/dev/null 2>&1 &
STRESS=$!
wait "$STRESS"
stress-ng --cpu 2 --sched fifo --sched-prio 50 -t 5 >/dev/null 2>&1 &
STRESS=$!
wait "$STRESS"
STRESS=""
wait "$PROBER_PID"

after=$(cat "$RUN/notify.events" 2>/dev/null | wc -l)
[ "$after" = "$before" ] || fail "spurious transitions under load: $(tail -n $((after - before)) "$RUN/notify.events")"
[ "$(kernel_owned 0 0)" = 1 ] && [ "$(kernel_owned 1 0)" = 0 ] || fail "the set moved"
[ "$(kv "$RUN/probe.out" sequence)" = n0 ] || fail "answers: $(tr '\n' ' ' <"$RUN/probe.out")"
[ "$(kv "$RUN/probe.out" dual)" = 0 ] || fail "two nodes answered"
# Generous: the client and service are deadline tasks; a gap means the
# failover layer (or the VIP) faltered.
gap=$(kv "$RUN/probe.out" outage_ms)
awk -v g="$gap" 'BEGIN { exit !(g < 100) }' || fail "client gap $gap ms under load"
pat="peer .* dead\|kernel took the set\|kernel dropped ownership"
grep -q "$pat" "$RUN/n0.log" "$RUN/n1.log" &&
	fail "a node declared a death or lost its set: $(grep -h "$pat" "$RUN"/n*.log)"
pass "10 s of load, 0 transitions, longest client gap $gap ms, $(kv "$RUN/probe.out" probes) probes"
