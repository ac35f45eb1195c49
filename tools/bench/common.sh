# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-only
# Shared helpers for the failover benchmarks (sourced by bash from
# tools/bench/hbpf.sh and tools/bench/keepalived.sh).  Tool-agnostic: a lab of
# its own per call, the lab's service (hbpf-responder) on nodes, the client
# prober, a bounded traffic flood between two lab hosts, and result lines.
#
# A caller does:
#   . tools/bench/common.sh
#   bench_init k             # k: one letter naming the tool in the lab prefix
#   bench_up 2               # lab with 2 nodes; EXIT/INT/TERM trap cleans up
#   ...
# and may define bench_tool_cleanup(), run first by the trap.
#
# Every name (lab namespaces, run directory, pid files, logs) derives from
# PREFIX, so calls run in parallel never share anything.
#
# BENCH_CLIENT_SCHED: optional wrapper command (e.g. `chrt -d --sched-runtime
# 200000 --sched-deadline 1000000 --sched-period 1000000 0`) put right before
# the prober and the responders, after lab.sh and nsenter have exec'd into
# them: a SCHED_DEADLINE task cannot fork, so nothing between the wrapper and
# the measured program may.  Those programs are started in the foreground of
# a background job, never with their daemonizing flag.

: "${O:=build}"
BENCH_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
O=$(cd "$BENCH_TOP" && cd "$O" && pwd)
LAB="$BENCH_TOP/tools/lab/lab.sh"
PROBER="$O/tools/hbpf-prober"
RESPONDER="$O/tools/hbpf-responder"
VIP=198.18.0.100
# The flood's own UDP port on its peer, so the flood never reaches the
# service the client probes (port 7).
FLOOD_PORT=9
# Flood senders: each one is a prober at 100 us (10k probes/s, each answered).
: "${BENCH_FLOOD_SENDERS:=4}"
: "${BENCH_CLIENT_SCHED:=}"

BENCH_PIDS=""

bench_die() {
	echo "bench: $*" >&2
	exit 1
}

bench_now_ms() {
	echo $((${EPOCHREALTIME/./} / 1000))
}

# bench_prefix LETTER: a lab prefix no existing lab uses: "b", the tool's
# letter, then five digits from our PID (the next free number if taken).
bench_prefix() {
	local i n p
	case "$1" in
	[a-z]) ;;
	*) bench_die "bench_prefix: want one lowercase letter, got '$1'" ;;
	esac
	for i in $(seq 0 99); do
		n=$((($$ + i) % 100000))
		p="b$1$(printf '%05d' "$n")"
		if ! ip netns list 2>/dev/null | awk -v p="$p" 'index($1, p) == 1 { f = 1 } END { exit !f }'; then
			echo "$p"
			return 0
		fi
	done
	bench_die "no free lab prefix for b$1*"
}

# bench_init LETTER: PREFIX and the run directory; installs the cleanup trap.
bench_init() {
	if [ ! -x "$PROBER" ] || [ ! -x "$RESPONDER" ]; then
		bench_die "$PROBER or $RESPONDER missing (make)"
	fi
	PREFIX=$(bench_prefix "$1")
	RUN=$(mktemp -d "/tmp/${PREFIX}.XXXXXX")
	trap bench_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# Kills what we started, removes the lab and the run directory.  Logs are
# shown first when the call failed (BENCH_KEEP=1 keeps the directory).
bench_cleanup() {
	local rc=$? p f
	set +e
	trap - EXIT INT TERM
	if declare -F bench_tool_cleanup >/dev/null; then
		bench_tool_cleanup
	fi
	for p in $BENCH_PIDS; do
		kill -KILL "$p" 2>/dev/null
	done
	for p in $BENCH_PIDS; do
		wait "$p" 2>/dev/null
	done
	if [ -n "${PREFIX:-}" ]; then
		"$LAB" down "$PREFIX" >>"$RUN/lab.log" 2>&1
	fi
	if [ "$rc" -ne 0 ] && [ -n "${RUN:-}" ]; then
		for f in "$RUN"/*.log; do
			[ -s "$f" ] || continue
			echo "---- $f (last 15 lines)" >&2
			tail -n 15 "$f" >&2
		done
	fi
	if [ -n "${RUN:-}" ] && [ -z "${BENCH_KEEP:-}" ]; then
		rm -rf "$RUN"
	fi
	exit "$rc"
}

# bench_up NNODES: the lab; LAB_* variables describe it (lab.sh env).
bench_up() {
	"$LAB" up "$PREFIX" "$1" >>"$RUN/lab.log" 2>&1 ||
		bench_die "lab up failed: $(tail -n 3 "$RUN/lab.log")"
	eval "$("$LAB" env "$PREFIX")"
}

# bench_track PID: killed (and reaped) by the cleanup.
bench_track() {
	BENCH_PIDS="$BENCH_PIDS $1"
}

bench_untrack() {
	local p out=""
	for p in $BENCH_PIDS; do
		[ "$p" = "$1" ] || out="$out $p"
	done
	BENCH_PIDS=$out
}

# bench_kill PID...: SIGKILL and reap processes we started (quietly).
# Killed and reaped in one redirected group: bash reports a job killed by a
# signal ("Killed") when it reaps it, which must not happen elsewhere.
bench_kill() {
	local p
	{
		kill -KILL "$@"
		for p in "$@"; do
			wait "$p"
		done
	} 2>/dev/null || true
	for p in "$@"; do
		bench_untrack "$p"
	done
}

# bench_responder NODE [PORT]: the service on NODE, answering with NODE's
# name; its PID in RESP_PID_<NODE>.  Waits until it listens.
bench_responder() {
	local node=$1 port=${2:-7} pid _
	# shellcheck disable=SC2086 # the wrapper is a command line, split on purpose
	"$LAB" exec "$PREFIX" "$node" $BENCH_CLIENT_SCHED "$RESPONDER" -n "$node" -p "$port" \
		>>"$RUN/resp-$node.log" 2>&1 &
	pid=$!
	bench_track "$pid"
	eval "RESP_PID_$node=$pid"
	for _ in $(seq 1 100); do
		if nsenter --net="/run/netns/$PREFIX$node" -- ss -Hlun "sport = :$port" | grep -q .; then
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || bench_die "responder on $node exited: $(tail -n 3 "$RUN/resp-$node.log")"
		sleep 0.02
	done
	bench_die "responder on $node does not listen on port $port"
}

# bench_probe_start OUT [MS]: the client prober in the background (PROBER_PID),
# 1 ms probes to VIP:7 for MS ms (default: the prober's maximum, for a run
# that bench_probe_stop ends).
bench_probe_start() {
	# shellcheck disable=SC2086
	"$LAB" exec "$PREFIX" c $BENCH_CLIENT_SCHED "$PROBER" -q -t "$VIP:7" -d "${2:-600000}" \
		>"$1" 2>>"$RUN/prober.log" &
	PROBER_PID=$!
	bench_track "$PROBER_PID"
	bench_prober_running "$PROBER_PID" || bench_die "the prober did not start"
}

# bench_prober_running PID: wait (at most 5 s) until PID, started through lab.sh
# exec (which execs on), is the prober itself.  A failure injected before
# that, on a loaded host, happens before the first probe: the client sees no
# outage at all.
bench_prober_running() {
	local until=$(($(bench_now_ms) + 5000)) comm
	while [ "$(bench_now_ms)" -lt "$until" ]; do
		comm=$(cat "/proc/$1/comm" 2>/dev/null) || return 1
		[ "$comm" = hbpf-prober ] && return 0
		sleep 0.005
	done
	return 1
}

# bench_probe_wait: wait for a prober started with a duration to finish.
bench_probe_wait() {
	wait "$PROBER_PID" 2>/dev/null
	bench_untrack "$PROBER_PID"
}

# bench_probe_stop: end the prober's run now (SIGINT: it waits out the
# reply window of its last probe and prints its summary).
bench_probe_stop() {
	kill -INT "$PROBER_PID" 2>/dev/null
	bench_probe_wait
}

# bench_sleep_random BASE SPAN: sleep BASE + a uniformly random part of SPAN
# seconds (1 ms steps).  A failure injected a fixed time after the previous
# trial would fall at the same phase of a protocol's timers every trial and
# measure one point of the outage distribution instead of all of it.
bench_sleep_random() {
	local ms
	ms=$(awk -v b="$1" -v s="$2" -v r="$(((RANDOM << 15 | RANDOM) % 1000000))" \
		'BEGIN { printf "%.3f", b + s * r / 1000000 }')
	sleep "$ms"
}

# bench_kv FILE KEY: a value from a prober summary.
bench_kv() {
	sed -n "s/^$2=//p" "$1" | head -n 1
}

# bench_vip_nodes [DEAD]: how many nodes have the VIP configured on their
# public interface right now, not counting node DEAD (a dead node's leftover
# configuration answers nobody).
bench_vip_nodes() {
	local i k=0
	for i in $(seq 0 $((LAB_NODES - 1))); do
		[ "n$i" = "${1:-}" ] && continue
		if ip -n "${PREFIX}n$i" -o -4 addr show dev pub0 2>/dev/null | grep -q " $VIP/"; then
			k=$((k + 1))
		fi
	done
	echo "$k"
}

# bench_has_vip NODE: true when NODE has the VIP configured.
bench_has_vip() {
	ip -n "$PREFIX$1" -o -4 addr show dev pub0 2>/dev/null | grep -q " $VIP/"
}

# bench_neigh_refresh NODE: every other lab host's ARP entry for NODE's
# public address is set to NODE's MAC (state stale: used at once, confirmed
# later), before NODE's links come back.  Unicast sent to NODE while it was
# cut off left those entries failed or incomplete, and the kernel would
# resolve them again only at its next ARP retry, up to retrans_time (1 s)
# later: a rejoining node hearing nothing for that long takes over, which
# is a lab artifact of restoring a node within milliseconds, not the
# failover being measured.
bench_neigh_refresh() {
	local node=$1 i ip mac
	eval "ip=\$LAB_NODE${node#n}_PUB mac=\$LAB_NODE${node#n}_PUB_MAC"
	for i in $(seq 0 $((LAB_NODES - 1))); do
		[ "n$i" = "$node" ] && continue
		ip -n "${PREFIX}n$i" neigh replace "$ip" lladdr "$mac" dev pub0 nud stale
	done
	ip -n "${PREFIX}c" neigh replace "$ip" lladdr "$mac" dev pub0 nud stale
}

# bench_arp_macs: how many distinct MACs answer one broadcast ARP request for
# the VIP from the client (up to one per node, waiting at most 1 s).  Two
# means two nodes claim the address: which one a client reaches depends on
# whose reply it cached last.
bench_arp_macs() {
	"$LAB" exec "$PREFIX" c arping -b -c "$LAB_NODES" -w 1 -I pub0 "$VIP" 2>/dev/null |
		sed -n 's/.*reply from [0-9.]* \[\([0-9A-Fa-f:]*\)\].*/\1/p' | sort -u | wc -l
}

# bench_flood_start A B SECONDS: a bounded flood on the public link between
# lab hosts A and B (the client c and a node; neither should be a service
# node): BENCH_FLOOD_SENDERS probers on A each send 10k datagrams/s to a
# responder on B, which answers each one.  The senders are restarted every
# 150 s (the prober keeps at most 2M probes) until SECONDS have passed.
bench_flood_start() {
	local a=$1 b=$2 secs=$3 ip
	case "$b" in
	n[0-9]) eval "ip=\$LAB_NODE${b#n}_PUB" ;;
	c) ip=$LAB_CLIENT_IP ;;
	*) bench_die "bench_flood_start: bad host '$b'" ;;
	esac
	[ -n "$ip" ] || bench_die "bench_flood_start: no host $b in lab $PREFIX"
	# Normal priority: the flood is load, not measurement.
	BENCH_CLIENT_SCHED="" bench_responder "$b" "$FLOOD_PORT"
	(
		end=$(($(bench_now_ms) + secs * 1000))
		trap 'kill -KILL $(jobs -p) 2>/dev/null; exit 0' TERM
		while :; do
			left=$((end - $(bench_now_ms)))
			[ "$left" -gt 0 ] || break
			[ "$left" -le 150000 ] || left=150000
			for i in $(seq 1 "$BENCH_FLOOD_SENDERS"); do
				"$LAB" exec "$PREFIX" "$a" "$PROBER" -q -i 100 -w 50 -t "$ip:$FLOOD_PORT" \
					-d "$left" >/dev/null 2>&1 &
			done
			wait
		done
	) &
	FLOOD_PID=$!
	bench_track "$FLOOD_PID"
}

bench_flood_stop() {
	[ -n "${FLOOD_PID:-}" ] || return 0
	kill -TERM "$FLOOD_PID" 2>/dev/null
	wait "$FLOOD_PID" 2>/dev/null
	bench_untrack "$FLOOD_PID"
	FLOOD_PID=""
}

# bench_result OUTFILE KEY=VALUE...: append one result line (one write, so
# parallel calls appending to one file do not interleave).
bench_result() {
	local out=$1
	shift
	printf '%s\n' "$*" >>"$out"
}

# bench_check_outfile OUTFILE: the result file must be appendable (checked
# before anything is built).
bench_check_outfile() {
	[ -n "$1" ] || bench_die "no OUTFILE given"
	[ -d "$(dirname "$1")" ] || bench_die "OUTFILE $1: no such directory"
	if [ -e "$1" ]; then
		if [ ! -f "$1" ] || [ ! -w "$1" ]; then
			bench_die "OUTFILE $1 is not a writable file"
		fi
	fi
	return 0
}

# bench_check_uint NAME VALUE MIN MAX
bench_check_uint() {
	case "$2" in
	"" | *[!0-9]*) bench_die "$1: '$2' is not a number" ;;
	esac
	if [ "$2" -lt "$3" ] || [ "$2" -gt "$4" ]; then
		bench_die "$1: $2 out of range $3..$4"
	fi
}

# bench_phase TOOL PHASE: with BENCH_SYNC set (tools/bench/run.sh runs both
# tools' stability labs at once), say this tool is ready for PHASE and wait
# until run.sh has the load for it on (BENCH_SYNC/PHASE.go).
bench_phase() {
	[ -n "${BENCH_SYNC:-}" ] || return 0
	touch "$BENCH_SYNC/$1.$2.ready"
	while [ ! -e "$BENCH_SYNC/$2.go" ]; do
		sleep 0.1
	done
}
