#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Both nodes starting at the same instant end with each set on exactly one
# node, ten times over.  Each round releases both daemons through one FIFO
# barrier (they leave it together), lets them settle, asserts that exactly one
# node has the set online and owned in its kernel, that the client was never
# answered by two nodes (from before the start until after the check), and
# that the service was started exactly once; then both daemons stop (SIGTERM)
# and their pinned state is removed so the next round starts cold.
set -eu
TEST_NAME=simultaneous_start
. "$(dirname "$0")/lib.sh"
: "${ROUNDS:=10}"
# SKEW_N1_MS: n1 leaves the barrier this much later (negative: n0 does);
# 0, the default, is the simultaneous start the test is about.
: "${SKEW_N1_MS:=0}"

# The lab, the config and the responders; the daemons e2e_up starts (n0
# takes the set) are stopped and unloaded again before the first round.
e2e_up

# stop_both FIRST SECOND: SIGTERM node nFIRST's daemon, wait (bounded) for it
# to exit, then the same for nSECOND.  One after the other, the owner last:
# this test is about starting; the owner then has nobody to hand the set to
# and takes it down.  Afterwards no node may still have the VIP configured.
stop_both() {
	local n pid until
	for n in "$@"; do
		eval "pid=\$DPID$n"
		kill -TERM "$pid" 2>/dev/null || true
		until=$(($(now_ms) + 10000))
		while kill -0 "$pid" 2>/dev/null; do
			[ "$(now_ms)" -lt "$until" ] || fail "hbpfd on n$n did not exit on SIGTERM"
			sleep 0.02
		done
		wait "$pid" 2>/dev/null || fail "hbpfd on n$n exited with an error"
	done
	DAEMON_PIDS=""
	for n in 0 1; do
		[ -z "$(lab_exec "n$n" ip -o addr show to "$VIP/32")" ] ||
			fail "n$n still has $VIP configured after its daemon stopped"
	done
}

# unload_both: detach the programs and remove the pinned state of both nodes
# (hbpfd -u), so the next start sees no sets held from a previous round.
unload_both() {
	local n
	for n in 0 1; do
		lab_exec "n$n" "$HBPFD" -u -c "$RUN/hbpf.conf" -N "n$n" -p "$PIN/n$n" \
			>>"$RUN/unload.log" 2>&1 || fail "hbpfd -u on n$n failed"
		[ ! -e "$PIN/n$n/v$LAYOUT" ] || fail "pinned state of n$n left after hbpfd -u"
	done
}

# start_both: start_node's command line for both nodes, each held in front of
# one FIFO until both are launched; opening it for writing releases both.
start_both() {
	local n fifo="$RUN/go" delay
	rm -f "$fifo"
	mkfifo "$fifo"
	for n in 0 1; do
		delay=0
		[ "$n" = 1 ] && [ "$SKEW_N1_MS" -gt 0 ] && delay=$SKEW_N1_MS
		[ "$n" = 0 ] && [ "$SKEW_N1_MS" -lt 0 ] && delay=$((-SKEW_N1_MS))
		delay=$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))
		"$LAB" exec "$PREFIX" "n$n" unshare -m --propagation private sh -c \
			': <"$1"; [ "$2" = 0.000 ] || sleep "$2"; shift 2; exec "$@"' \
			sh "$fifo" "$delay" "$HBPFD" -d -c "$RUN/hbpf.conf" -N "n$n" -p "$PIN/n$n" \
			-s "$RUN/n$n.sock" >>"$RUN/n$n.log" 2>&1 &
		eval "DPID$n=$!"
		DAEMON_PIDS="${DAEMON_PIDS:-} $!"
	done
	# Both must be blocked in open(2) on the FIFO: wait until each pid is sh
	# (not yet hbpfd) sleeping in the FIFO open (wait_for_partner).
	local until=$(($(now_ms) + 5000)) pid
	for n in 0 1; do
		eval "pid=\$DPID$n"
		until [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sh ] &&
			grep -q wait_for_partner "/proc/$pid/wchan" 2>/dev/null; do
			[ "$(now_ms)" -lt "$until" ] || fail "n$n never reached the start barrier"
			sleep 0.01
		done
	done
	# O_RDWR does not block; it lets both readers through at once.
	exec 3<>"$fifo"
	exec 3>&-
	for n in 0 1; do
		wait_ctl "$n" 5000 || fail "hbpfd on n$n did not come up"
	done
}

stop_both 1 0
unload_both
: >"$RUN/service.events"

won0=0
won1=0
for r in $(seq 1 "$ROUNDS"); do
	for n in 0 1; do
		echo "== round $r" >>"$RUN/n$n.log"
	done
	before=$(grep -c . "$RUN/service.events" || true)
	# From before the start until after the check, however long the
	# start takes (loading the programs took 0.5 s idle, 3 s beside busy
	# VMs, past a fixed 1.6 s window): stopped below with SIGINT.
	probe_bg 30000 "$RUN/probe.$r"
	sleep 0.1
	start_both
	sleep 1
	s0=$(set_state 0 web)
	s1=$(set_state 1 web)
	k0=$(kernel_owned 0 0)
	k1=$(kernel_owned 1 0)
	if [ "$s0" = online ] && [ "$k0" = 1 ] && [ "$s1" != online ] && [ "$k1" = 0 ]; then
		owner=n0
	elif [ "$s1" = online ] && [ "$k1" = 1 ] && [ "$s0" != online ] && [ "$k0" = 0 ]; then
		owner=n1
	else
		fail "round $r: not exactly one owner: n0 $s0 kernel $k0, n1 $s1 kernel $k1"
	fi
	eval "won${owner#n}=\$((won${owner#n} + 1))"
	# A short probe now: the owner alone answers.
	probe 300 >"$RUN/now.$r"
	[ "$(kv "$RUN/now.$r" sequence)" = "$owner" ] ||
		fail "round $r: owner $owner, but: $(tr '\n' ' ' <"$RUN/now.$r")"
	[ "$(kv "$RUN/now.$r" dual)" = 0 ] || fail "round $r: dual answers: $(tr '\n' ' ' <"$RUN/now.$r")"
	# Throughout the start: never two nodes, and no change of owner.
	kill -INT "$PROBER_PID" 2>/dev/null || true
	wait "$PROBER_PID" || true
	f="$RUN/probe.$r"
	[ -n "$(kv "$f" dual)" ] || fail "round $r: prober printed no summary: $(cat "$f")"
	[ "$(kv "$f" dual)" = 0 ] || fail "round $r: two nodes answered: $(tr '\n' ' ' <"$f")"
	[ "$(kv "$f" sequence)" = "$owner" ] ||
		fail "round $r: answers $(kv "$f" sequence) while starting, owner $owner"
	# The service was started once, on the owner, and not stopped.
	ev=$(tail -n +"$((before + 1))" "$RUN/service.events")
	[ "$ev" = "start $owner web marker" ] ||
		fail "round $r: service events: $(echo "$ev" | tr '\n' ';')"
	echo "   round $r: $owner owns web"
	stop_both $((1 - ${owner#n})) "${owner#n}"
	unload_both
	ev=$(tail -n +"$((before + 1))" "$RUN/service.events")
	[ "$ev" = "start $owner web marker
stop $owner web marker" ] ||
		fail "round $r: service events after the stop: $(echo "$ev" | tr '\n' ';')"
done
pass "$ROUNDS rounds, web on n0 $won0 times, on n1 $won1 times"
