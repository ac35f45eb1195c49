#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The keepalived side of the failover benchmark (make bench, tools/bench/run.sh):
# Debian's keepalived (VRRPv3) in the namespace lab, measured by the same
# client prober as hbpf.
#
#   keepalived.sh outage MODE SCENARIO TRIALS OUTFILE
#   keepalived.sh stability MODE OUTFILE
#
# MODE      default  keepalived's defaults: VRRPv3, advert_int 1, nothing tuned
#           fast     advert_int FAST_ADVERT (below), vrrp_rt_priority 80,
#                    vrrp_no_swap
# SCENARIO  node     the master dies: both links cut, SIGKILL of everything
#                    it runs (keepalived and the service)
#           link     the master's public link goes down (keepalived: FAULT)
#           kill     SIGKILL of the master's keepalived processes only; the
#                    VIP stays configured there and its service keeps running
#           move     a manual move: the master's keepalived is stopped
#                    gracefully (SIGTERM, as `systemctl stop keepalived`): it
#                    sends a priority-0 advert and drops the VIP, and the
#                    backup takes over after its skew time.  Faster than a
#                    reload with a changed priority, which with preemption
#                    waits for the old master's next advert, or with
#                    nopreempt does not move at all.
#
# outage appends one line per trial to OUTFILE:
#   tool=keepalived-MODE scenario=S trial=N outage_ms=X dual=D vip_nodes=K answers=SEQ
# K: nodes with the VIP configured after the trial, a dead node not counted;
# kill trials add arp_macs=M: distinct MACs answering ARP for the VIP.
# stability runs one lab (3 nodes, a flood between the client and n2) through
# the phases of BENCH_PHASES ("PHASE:SECONDS ...", default "load:60"; with
# BENCH_SYNC set it waits for run.sh's load before each, see bench_phase in
# common.sh) and appends per phase:
#   tool=keepalived-MODE phase=PHASE seconds=S transitions=T
#   longest_gap_ms=G dual=D probes=P lost=L
# where T counts keepalived state changes during the phase.
#
# Trials reuse one lab: the failed node is restored and rejoins as backup, so
# the master alternates between n0 and n1.  For the sweep below, in the fast
# mode KA_ADVERT_INT overrides advert_int and KA_TUNED=0 leaves out
# vrrp_rt_priority and vrrp_no_swap.
#
# Choosing FAST_ADVERT (2026-11-25, 2 CPUs, kernel 6.18, keepalived 2.2.7):
# `stability fast 57` with KA_ADVERT_INT=x, during one 60 s
# `stress-ng --cpu 2 --timer 2 --hdd 1 -t 60` each, plus the flood (c <-> n2,
# 4 x 10k datagrams/s, each answered: both CPUs busy on their own), prober
# and responders at SCHED_DEADLINE 200 us / 1 ms.  Spurious transitions
# (state changes of either node), the client's longest gap, lost probes:
#   advert_int  tuning                transitions  longest_gap_ms  lost
#   0.2 s       rt_priority, no_swap  0            0               0
#   0.1 s       rt_priority, no_swap  0            0               0
#   0.05 s      rt_priority, no_swap  0            0               0
#   0.02 s      rt_priority, no_swap  0            0               0
#   0.01 s      rt_priority, no_swap  0            0               0  (twice)
#   0.01 s      none (KA_TUNED=0)     12, 8        5000, 942       6418, 941
# 0.01 s is VRRPv3's smallest interval (centiseconds), so fast is 0.01 s with
# vrrp_rt_priority 80 and vrrp_no_swap.  Untuned, the backup took over 6 and
# 4 times in 57 s, each time stepping down within about 10 ms as the master's
# next advert arrived; both GARP, and when the backup's GARPs reached the
# client last, the client sent to a node without the VIP until the master's
# next GARP: the one keepalived repeats vrrp_garp_lower_prio_delay (5 s)
# after it saw the lower-priority advert (the 5.0 s gap), or the next false
# takeover's.
# Under real-time starvation (`stress-ng --cpu 2 --sched fifo --sched-prio 50
# -t 20` inside a 30 s run, BENCH_PHASE=rt) fast had 0 transitions, gap 0,
# lost 0: its VRRP process runs at SCHED_RR 80, above the hogs.
set -eu
cd "$(dirname "$0")/../.."
. tools/bench/common.sh

FAST_ADVERT=0.01
KEEPALIVED=${KEEPALIVED:-/usr/sbin/keepalived}
TEMPLATE=tools/bench/keepalived.conf.in

usage() {
	sed -n 's/^#   keepalived.sh/keepalived.sh/p' "$0" >&2
	exit 2
}

# --- keepalived on a node ----------------------------------------------------

# ka_conf NODE PRIO: the node's configuration; its peers are the other
# service nodes (n0 and n1).
ka_conf() {
	local node=$1 i src peers="" ip
	src=$(eval "echo \$LAB_NODE${node#n}_PUB")
	for i in 0 1; do
		[ "n$i" = "$node" ] && continue
		ip=$(eval "echo \$LAB_NODE${i}_PUB")
		peers="$peers		$ip
"
	done
	awk -v tuned="$TUNED" -v node="$node" -v prio="$2" -v vrid="$VRID" -v adv="$ADVERT" \
		-v src="$src" -v peers="${peers%?}" -v vip="$VIP" -v notify="$RUN/notify.sh" '
		/^@FAST@/ { if (!tuned) next; sub(/^@FAST@/, "") }
		/^@PEERS@$/ { print peers; next }
		{ gsub(/@NODE@/, node); gsub(/@PRIO@/, prio); gsub(/@VRID@/, vrid)
		  gsub(/@ADVERT@/, adv); gsub(/@SRC@/, src); gsub(/@VIP@/, vip)
		  gsub(/@NOTIFY@/, notify); print }' "$TEMPLATE" >"$RUN/ka-$node.conf"
}

# ka_start NODE: keepalived on NODE in the foreground of a background job
# (its PID is the parent's), logging to the run directory.
ka_start() {
	local node=$1 _ pid
	rm -f "$RUN/ka-$node".*pid
	"$LAB" exec "$PREFIX" "$node" "$KEEPALIVED" -n -l -D -G -f "$RUN/ka-$node.conf" \
		-p "$RUN/ka-$node.pid" -r "$RUN/ka-$node.vrrp.pid" -c "$RUN/ka-$node.chk.pid" \
		-b "$RUN/ka-$node.bfd.pid" >>"$RUN/ka-$node.log" 2>&1 &
	pid=$!
	bench_track "$pid"
	eval "KA_PID_$node=$pid"
	for _ in $(seq 1 250); do
		[ -s "$RUN/ka-$node.vrrp.pid" ] && return 0
		kill -0 "$pid" 2>/dev/null || bench_die "keepalived on $node exited"
		sleep 0.02
	done
	bench_die "keepalived on $node started no VRRP process"
}

ka_pids() { # NODE: parent and VRRP child
	local pid
	eval "pid=\$KA_PID_$1"
	echo "$pid $(cat "$RUN/ka-$1.vrrp.pid" 2>/dev/null)"
}

# ka_crash NODE: SIGKILL of both keepalived processes.  The parent is stopped
# first so that it cannot respawn the child, and the child dies first so that
# its parent-death signal (SIGTERM, a graceful stop) never reaches it.
ka_crash() {
	local parent child
	read -r parent child <<<"$(ka_pids "$1")"
	kill -STOP "$parent"
	# shellcheck disable=SC2086 # empty when the child is gone already
	bench_kill $child "$parent"
}

# ka_stop NODE: the graceful stop an operator does (SIGTERM to the parent).
# The VRRP process sends its priority-0 advert and drops the VIP at once; the
# parent takes about a second more to exit (ka_reap waits for it).
ka_stop() {
	kill -TERM "$(ka_pids "$1" | cut -d' ' -f1)"
}

ka_reap() { # NODE
	local parent
	parent=$(ka_pids "$1" | cut -d' ' -f1)
	wait "$parent" 2>/dev/null || true
	bench_untrack "$parent"
}

# ka_state NODE: its last state per the notify script (none before any).
ka_state() {
	awk -v n="$1" '$2 == n { s = $3 } END { print s ? s : "none" }' "$RUN/events"
}

# ka_wait_state NODE STATE TIMEOUT_MS
ka_wait_state() {
	local until=$(($(bench_now_ms) + $3))
	while [ "$(bench_now_ms)" -lt "$until" ]; do
		[ "$(ka_state "$1")" = "$2" ] && return 0
		sleep 0.01
	done
	return 1
}

# How long a backup needs at most to notice a dead master, in ms:
# 3 x advert_int + skew, with a generous margin for a loaded machine.
takeover_ms() {
	awk -v a="$ADVERT" 'BEGIN { printf "%d", a * 1000 * 4 * 3 + 3000 }'
}

# ka_lab NNODES: lab, notify script, n0 master and n1 backup, responders.
ka_lab() {
	bench_up "$1"
	: >"$RUN/events"
	cat >"$RUN/notify.sh" <<EOF
#!/bin/sh
# keepalived notify: \$1 our node name, then TYPE NAME STATE PRIORITY.
echo "\$(date +%s.%N) \$1 \$4" >>"$RUN/events"
EOF
	chmod 755 "$RUN/notify.sh"
	ka_conf n0 101
	ka_conf n1 100
	bench_responder n0
	bench_responder n1
	# n0 first: it becomes master after its own master-down timer, and n1
	# then finds a master and stays backup.
	ka_start n0
	ka_wait_state n0 MASTER "$(takeover_ms)" || bench_die "n0 did not become master"
	ka_start n1
	ka_wait_state n1 BACKUP 5000 || bench_die "n1 did not enter BACKUP"
	# The client learns the VIP's MAC like any host would: by ARP.
	bench_probe_start "$RUN/warm.out" 300
	bench_probe_wait
	[ "$(bench_kv "$RUN/warm.out" last)" = n0 ] ||
		bench_die "the client is not served by n0: $(tr '\n' ' ' <"$RUN/warm.out")"
}

bench_tool_cleanup() {
	bench_flood_stop
}

# --- outage ------------------------------------------------------------------

# fail_node SCENARIO NODE: what happens to the master.
fail_node() {
	local pids ours
	case "$1" in
	node)
		ours="$(ka_pids "$2" | cut -d' ' -f1) $(eval "echo \$RESP_PID_$2")"
		# The node's links go first, in one batch, then everything it runs
		# is killed: the outage starts when the network loses the node, as
		# in tools/bench/hbpf.sh.  (A process that reacts to its own link
		# loss in between cannot reach anyone any more.)
		"$LAB" isolate "$PREFIX" "$2"
		pids=$(ip netns pids "$PREFIX$2")
		# shellcheck disable=SC2086 # lists of PIDs
		bench_kill $ours $pids
		;;
	link) "$LAB" link "$PREFIX" "$2" pub down ;;
	kill) ka_crash "$2" ;;
	move) ka_stop "$2" ;;
	esac
}

# restore_node SCENARIO NODE: bring the failed node back as a backup.
restore_node() {
	case "$1" in
	node)
		# A dead node comes back without its VIP (a reboot clears it).
		ip -n "$PREFIX$2" addr del "$VIP/24" dev pub0 2>/dev/null || true
		bench_neigh_refresh "$2"
		"$LAB" restore "$PREFIX" "$2"
		bench_responder "$2"
		ka_start "$2"
		;;
	link)
		bench_neigh_refresh "$2"
		"$LAB" link "$PREFIX" "$2" pub up
		;;
	# keepalived removes a VIP it finds configured when it starts ("removing
	# VIPs"), so a restart after a SIGKILL clears the duplicate.
	kill) ka_start "$2" ;;
	move)
		ka_reap "$2"
		ka_start "$2"
		;;
	esac
	ka_wait_state "$2" BACKUP 5000 || bench_die "$2 did not rejoin as backup (state $(ka_state "$2"))"
}

# settled: one master with the VIP, one backup, the VIP nowhere else; prints
# "MASTER BACKUP".
settled() {
	local s0 s1
	s0=$(ka_state n0)
	s1=$(ka_state n1)
	[ "$(bench_vip_nodes)" = 1 ] || return 1
	if [ "$s0" = MASTER ] && [ "$s1" = BACKUP ] && bench_has_vip n0; then
		echo "n0 n1"
	elif [ "$s1" = MASTER ] && [ "$s0" = BACKUP ] && bench_has_vip n1; then
		echo "n1 n0"
	else
		return 1
	fi
}

outage() {
	local scen=$1 trials=$2 out=$3 t m b until line pair dead
	ka_lab 2
	for t in $(seq 1 "$trials"); do
		until=$(($(bench_now_ms) + 5000))
		until pair=$(settled); do
			[ "$(bench_now_ms)" -lt "$until" ] ||
				bench_die "trial $t: not settled (n0 $(ka_state n0), n1 $(ka_state n1), VIP on $(bench_vip_nodes) nodes)"
			sleep 0.01
		done
		read -r m b <<<"$pair"
		bench_probe_start "$RUN/probe.out"
		# At least 0.1 s of service first, then a random phase of the
		# master's advert timer.
		bench_sleep_random 0.1 "$ADVERT"
		fail_node "$scen" "$m"
		ka_wait_state "$b" MASTER "$(takeover_ms)" || bench_die "trial $t: $b did not take over"
		# The new master has set the VIP and sent its GARPs before it runs
		# the notify script; the margin shows the client being served.
		sleep 0.3
		bench_probe_stop
		line="tool=keepalived-$MODE scenario=$scen trial=$t"
		line="$line outage_ms=$(bench_kv "$RUN/probe.out" outage_ms)"
		dead=""
		[ "$scen" = node ] && dead=$m
		line="$line dual=$(bench_kv "$RUN/probe.out" dual) vip_nodes=$(bench_vip_nodes "$dead")"
		line="$line answers=$(bench_kv "$RUN/probe.out" sequence)"
		if [ "$scen" = kill ]; then
			line="$line arp_macs=$(bench_arp_macs)"
		fi
		restore_node "$scen" "$m"
		bench_result "$out" "$line"
		echo "$line"
	done
}

# --- stability ---------------------------------------------------------------

stability() {
	local out=$1 ph phase secs before after line
	ka_lab 3
	bench_flood_start c n2 100000
	for ph in ${BENCH_PHASES:-load:60}; do
		phase=${ph%%:*}
		secs=${ph#*:}
		bench_check_uint SECONDS "$secs" 1 3600
		bench_phase keepalived "$phase"
		before=$(wc -l <"$RUN/events")
		bench_probe_start "$RUN/probe.out" $((secs * 1000))
		bench_probe_wait
		after=$(wc -l <"$RUN/events")
		# Every state change counts: nothing failed, so each one is spurious.
		# (The notify scripts run concurrently, so the lines may be out of order.)
		if [ "$after" -gt "$before" ]; then
			echo "keepalived state changes during $phase:" >&2
			tail -n $((after - before)) "$RUN/events" >&2
		fi
		line="tool=keepalived-$MODE phase=$phase seconds=$secs"
		line="$line transitions=$((after - before))"
		line="$line longest_gap_ms=$(bench_kv "$RUN/probe.out" outage_ms)"
		line="$line dual=$(bench_kv "$RUN/probe.out" dual) probes=$(bench_kv "$RUN/probe.out" probes)"
		line="$line lost=$(bench_kv "$RUN/probe.out" lost)"
		bench_result "$out" "$line"
		echo "$line"
	done
	bench_flood_stop
}

# --- main ----------------------------------------------------------------------

[ $# -ge 1 ] || usage
CMD=$1
shift
case "$CMD" in
outage) [ $# -eq 4 ] || usage ;;
stability) [ $# -eq 2 ] || usage ;;
*) usage ;;
esac
MODE=$1
case "$MODE" in
default)
	ADVERT=1
	TUNED=0
	;;
fast)
	ADVERT=${KA_ADVERT_INT:-$FAST_ADVERT}
	TUNED=${KA_TUNED:-1}
	[ "$TUNED" = 0 ] || [ "$TUNED" = 1 ] || bench_die "KA_TUNED must be 0 or 1"
	;;
*) bench_die "MODE must be fast or default, not '$MODE'" ;;
esac
awk -v a="$ADVERT" 'BEGIN { exit !(a ~ /^[0-9]+(\.[0-9]+)?$/ && a >= 0.01 && a <= 40) }' ||
	bench_die "advert_int '$ADVERT' is not 0.01..40 s"
[ -x "$KEEPALIVED" ] || bench_die "$KEEPALIVED missing (apt-get install keepalived)"
if [ "$CMD" = outage ]; then
	case "$2" in
	node | link | kill | move) ;;
	*) bench_die "SCENARIO must be node, link, kill or move, not '$2'" ;;
	esac
	bench_check_uint TRIALS "$3" 1 1000
	bench_check_outfile "$4"
else
	bench_check_outfile "$2"
fi
command -v arping >/dev/null || bench_die "arping missing (apt-get install iputils-arping)"

bench_init k
# The lab's VRRP instance: a router id of its own per call (labs are separate
# networks, but captures are easier to read).
VRID=$((1 + $$ % 255))
if [ "$CMD" = outage ]; then
	outage "$2" "$3" "$4"
else
	stability "$2"
fi
