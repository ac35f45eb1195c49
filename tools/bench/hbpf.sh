#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# hbpf.sh: the hbpf side of `make bench` (tools/bench/run.sh), in the lab of
# tests/e2e/lib.sh, at hbpf's default timers (the config names none).
#
#   hbpf.sh outage SCENARIO TRIALS OUTFILE
#       SCENARIO: node (the owner's links cut and every process on it killed),
#       link (the owner's public link down), kill (SIGKILL of the owner's
#       hbpfd only), move (hbpfctl move to the other node).  One lab for all
#       trials; the failed node is brought back (as a rebooted node: pinned
#       state unloaded, fresh daemon) and the next trial fails the new owner.
#       Appends per trial:
#       tool=hbpf scenario=S trial=N outage_ms=X dual=D vip_nodes=K answers=SEQ
#       and, for `node`, a breakdown line per trial from the survivor's log:
#       tool=hbpf breakdown trial=N silent_ms=A event_ms=B vip_ms=C garp_ms=D services_ms=E
#       (A: last heartbeat seen -> deadline fired, which is the instant the
#       kernel flips ownership; B..E: from that flip to the daemon seeing the
#       event, the VIP plumbed, the first GARP out, the services started).
#   hbpf.sh stability OUTFILE
#       Three nodes (n2 only a flood peer), a flood on the public link between
#       the client and n2, then for each PHASE:SECONDS of BENCH_PHASES
#       (default "load:60") the prober for SECONDS.  Appends per phase:
#       tool=hbpf phase=P seconds=S transitions=T longest_gap_ms=G dual=D probes=P lost=L
#       With BENCH_SYNC set (run.sh), it writes BENCH_SYNC/hbpf.PHASE.ready
#       and waits for BENCH_SYNC/PHASE.go (the load is on) before each phase.
#   hbpf.sh cost OUTFILE
#       The daemon's CPU share and RSS and the heartbeat packets per second
#       over 10 s of an idle two-node cluster at the default interval.
#
# BENCH_CLIENT_SCHED, when set, is a command prefix (e.g. a chrt -d ...) for
# the prober and the responders, so the client's own starvation under the
# load does not count as the failover tool's.
set -eu
cd "$(dirname "$0")/../.."
# shellcheck source=tests/e2e/lib.sh
. tests/e2e/lib.sh
# shellcheck source=tools/bench/common.sh
. tools/bench/common.sh
TEST_NAME=bench-hbpf
# hbpf's own defaults: the config written by lib.sh names no timers.
E2E_INTERVAL=
E2E_DETECT_MULT=
E2E_DAEMON_DEADLINE=
SCHED=${BENCH_CLIENT_SCHED:-}

die() {
	echo "hbpf.sh: $*" >&2
	exit 1
}

# The node (0 or 1) whose kernel owns set 0, or "" when none or both do.
owner() {
	local a b
	a=$(kernel_owned 0 0)
	b=$(kernel_owned 1 0)
	if [ "$a" = 1 ] && [ "$b" != 1 ]; then
		echo 0
	elif [ "$b" = 1 ] && [ "$a" != 1 ]; then
		echo 1
	fi
}

# Nodes that answer for the VIP: with hbpf that is the kernel gate, whatever
# addresses the interfaces still have (a SIGKILLed daemon leaves the VIP
# configured, and the gate drops everything for it once the node is demoted).
vip_nodes() {
	echo $(($(kernel_owned 0 0) + $(kernel_owned 1 0)))
}

# Both daemons see each other alive: the cluster is ready for a trial.
wait_peers() {
	local until=$(($(now_ms) + $1)) n ok
	while [ "$(now_ms)" -lt "$until" ]; do
		ok=0
		for n in 0 1; do
			ctl "$n" -j peers 2>/dev/null | jq -e '.peers[] | select(.state == "alive")' \
				>/dev/null 2>&1 && ok=$((ok + 1))
		done
		[ "$ok" = 2 ] && return 0
		sleep 0.05
	done
	return 1
}

start_responder() {
	local n=$1
	# shellcheck disable=SC2086
	(exec "$LAB" exec "$PREFIX" "n$n" $SCHED "$RESPONDER" -n "n$n" -p 7 \
		>>"$RUN/resp$n.log" 2>&1) &
	echo $! >"$RUN/resp$n.pid"
}

# Replace the daemonized responders of e2e_up by ones under $SCHED, each
# once the old one is gone (its port free), and make sure the new ones run.
respawn_responders() {
	local n
	for n in 0 1; do
		stop_wait "$(cat "$RUN/resp$n.pid")" || die "the responder on n$n does not exit"
		start_responder "$n"
	done
	sleep 0.2
	for n in 0 1; do
		responder_runs "$n"
	done
}

responder_runs() {
	kill -0 "$(cat "$RUN/resp$1.pid")" 2>/dev/null ||
		die "the responder on n$1 exited: $(tail -n 3 "$RUN/resp$1.log")"
}

# A node that died comes back as after a reboot: nothing pinned survives,
# links up, a fresh daemon and responder.
revive() {
	local n=$1
	lab_exec "n$n" "$HBPFD" -u -c "$RUN/hbpf.conf" -N "n$n" -p "$PIN/n$n" \
		>>"$RUN/n$n.log" 2>&1 || true
	lab_exec "n$n" ip -4 addr del "$VIP/24" dev pub0 2>/dev/null || true
	"$LAB" restore "$PREFIX" "n$n"
	start_node "$n"
	stop_wait "$(cat "$RUN/resp$n.pid")" KILL || die "the responder on n$n does not exit"
	start_responder "$n"
	sleep 0.2
	responder_runs "$n"
}

# The survivor's timeline of the last takeover, from its log (hbpfd prints
# "hbpfd[<monotonic s>] ...").
breakdown() {
	local t=$1 log=$2
	awk -v t="$t" '
	function ts(l) { sub(/^hbpfd\[/, "", l); sub(/\].*/, "", l); return l * 1000 }
	/peer .* dead: silent for/ {
		for (i = 1; i <= NF; i++) if ($i == "for") silent = $(i + 1)
	}
	/kernel took the set over/ {
		for (i = 1; i <= NF; i++) if ($(i + 1) == "ms" && $(i + 2) == "ago") ago = $i
		flip = ts($0) - ago; ev = ago
	}
	flip && /step vip-up done/ && !vip { vip = ts($0) - flip }
	flip && /step garp done/ && !garp { garp = ts($0) - flip }
	flip && /online .* after the trigger/ && !svc { svc = ts($0) - flip }
	END {
		if (!flip) exit 1
		printf "tool=hbpf breakdown trial=%d silent_ms=%.3f event_ms=%.3f vip_ms=%.3f " \
			"garp_ms=%.3f services_ms=%.3f\n", t, silent, ev, vip, garp, svc
	}' "$log"
}

outage() {
	local scen=$1 trials=$2 out=$3 t o s dur mark
	case "$scen" in
	node | link | kill | move) ;;
	*) die "unknown scenario '$scen' (node, link, kill, move)" ;;
	esac
	e2e_up
	respawn_responders
	probe 300 >/dev/null
	for t in $(seq 1 "$trials"); do
		wait_peers 10000 || die "trial $t: the peers do not see each other"
		o=$(owner)
		[ -n "$o" ] || die "trial $t: no single owner before the trial"
		s=$((1 - o))
		# The SIGKILL case waits for the owner's kernel watchdog and the
		# peer's daemon deadline: a longer window.
		dur=800
		[ "$scen" = kill ] && dur=1500
		mark=$(wc -l <"$RUN/n$s.log")
		# shellcheck disable=SC2086
		"$LAB" exec "$PREFIX" c $SCHED "$PROBER" -q -t "$VIP:7" -d "$dur" \
			>"$RUN/probe.out" 2>&1 &
		PROBER_PID=$!
		bench_prober_running "$PROBER_PID" || die "trial $t: the prober did not start"
		# Some service first, then a random phase of the heartbeat interval.
		bench_sleep_random 0.2 0.001
		case "$scen" in
		node)
			"$LAB" isolate "$PREFIX" "n$o"
			eval "kill -9 \$DPID$o"
			kill -9 "$(cat "$RUN/resp$o.pid")" 2>/dev/null || true
			;;
		link) lab_exec "n$o" ip link set pub0 down ;;
		kill) eval "kill -9 \$DPID$o" ;;
		move) ctl "$o" move web "n$s" >/dev/null ;;
		esac
		wait "$PROBER_PID" || true
		wait_owner web "n$s" 5000 || die "trial $t ($scen): n$s did not take the set"
		echo "tool=hbpf scenario=$scen trial=$t outage_ms=$(kv "$RUN/probe.out" outage_ms)" \
			"dual=$(kv "$RUN/probe.out" dual) vip_nodes=$(vip_nodes)" \
			"answers=$(kv "$RUN/probe.out" sequence)" >>"$out"
		if [ "$scen" = node ]; then
			tail -n +"$((mark + 1))" "$RUN/n$s.log" >"$RUN/tl.log"
			breakdown "$t" "$RUN/tl.log" >>"$out" ||
				die "trial $t: no kernel takeover in n$s's log since the trial began"
		fi
		case "$scen" in
		node)
			eval "wait \$DPID$o" 2>/dev/null || true
			revive "$o"
			;;
		link) lab_exec "n$o" ip link set pub0 up ;;
		kill)
			eval "wait \$DPID$o" 2>/dev/null || true
			start_node "$o"
			;;
		move) ;;
		esac
	done
}

stability() {
	local out=$1 ph phase secs before after
	E2E_LAB_NODES=3
	e2e_up
	respawn_responders
	probe 300 >/dev/null
	wait_peers 10000 || die "the peers do not see each other"
	bench_flood_start c n2 100000
	for ph in ${BENCH_PHASES:-load:60}; do
		phase=${ph%%:*}
		secs=${ph#*:}
		bench_phase hbpf "$phase"
		before=$(cat "$RUN/notify.events" 2>/dev/null | wc -l)
		# shellcheck disable=SC2086
		"$LAB" exec "$PREFIX" c $SCHED "$PROBER" -q -t "$VIP:7" -d "$((secs * 1000))" \
			>"$RUN/probe.out" 2>&1 || true
		after=$(cat "$RUN/notify.events" 2>/dev/null | wc -l)
		# Every notify event is a state change of the set on some node;
		# with nothing failing, each one is spurious.
		echo "tool=hbpf phase=$phase seconds=$secs transitions=$((after - before))" \
			"longest_gap_ms=$(kv "$RUN/probe.out" outage_ms) dual=$(kv "$RUN/probe.out" dual)" \
			"probes=$(kv "$RUN/probe.out" probes) lost=$(kv "$RUN/probe.out" lost)" \
			"owner_after=n$(owner)" >>"$out"
	done
	bench_flood_stop
}

# CPU time (utime + stime, in clock ticks) of a pid.
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

cost() {
	local out=$1 secs=10 c0 c1 tx0 tx1 e0 e1 hz rss
	e2e_up
	wait_peers 10000 || die "the peers do not see each other"
	sleep 1
	hz=$(getconf CLK_TCK)
	# n0's heartbeats are what n1 receives; n0's echoes it counts itself.
	c0=$(cpu_ticks "$DPID0")
	tx0=$(ctl 1 -j counters | jq '.stats.hb_rx')
	e0=$(ctl 0 -j counters | jq '.stats.echo_tx')
	sleep "$secs"
	c1=$(cpu_ticks "$DPID0")
	tx1=$(ctl 1 -j counters | jq '.stats.hb_rx')
	e1=$(ctl 0 -j counters | jq '.stats.echo_tx')
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$DPID0/status")
	echo "tool=hbpf cost cpu_pct=$(echo "$c0 $c1 $hz $secs" |
		awk '{ printf "%.2f", ($2 - $1) * 100 / $3 / $4 }') rss_kib=$rss" \
		"hb_pps=$(((tx1 - tx0) / secs)) echo_pps=$(((e1 - e0) / secs))" >>"$out"
}

[ $# -ge 1 ] || die "usage: hbpf.sh outage SCENARIO TRIALS OUTFILE | stability OUTFILE | cost OUTFILE"
verb=$1
shift
case "$verb" in
outage)
	[ $# = 3 ] || die "usage: hbpf.sh outage SCENARIO TRIALS OUTFILE"
	case "$1" in
	node | link | kill | move) ;;
	*) die "unknown scenario '$1' (node, link, kill, move)" ;;
	esac
	bench_check_uint TRIALS "$2" 1 1000
	bench_check_outfile "$3"
	outage "$@"
	;;
stability)
	[ $# = 1 ] || die "usage: hbpf.sh stability OUTFILE"
	bench_check_outfile "$1"
	stability "$@"
	;;
cost)
	[ $# = 1 ] || die "usage: hbpf.sh cost OUTFILE"
	bench_check_outfile "$1"
	cost "$@"
	;;
*) die "unknown verb '$verb' (outage, stability, cost)" ;;
esac
