#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make bench: hbpf against keepalived in the namespace lab, same client
# prober, same run.  Prints the tables and writes BENCHMARKS.md.
#
#   tools/bench/run.sh [OUT.md]          (default BENCHMARKS.md; needs root)
#
# Pieces (each runnable alone, see the scripts):
#   tools/bench/hbpf.sh outage|stability|cost ...
#   tools/bench/keepalived.sh outage|stability ...
#   tools/bench/dg_bench.sh ROUNDS
#   build/tests/bpf/test_hb                (the XDP cost lines)
#
# BENCH_TRIALS (20), BENCH_LOAD_S (600), BENCH_RT_S (120), BENCH_DG_ROUNDS (3)
# shorten a run for a look; BENCHMARKS.md says which values produced it.
set -eu
cd "$(dirname "$0")/../.."
TOP=$(pwd)
OUT_MD=${1:-BENCHMARKS.md}
TRIALS=${BENCH_TRIALS:-20}
LOAD_S=${BENCH_LOAD_S:-600}
RT_S=${BENCH_RT_S:-120}
DG_ROUNDS=${BENCH_DG_ROUNDS:-3}
SCENARIOS="node link kill move"
# During the stability phases the client (prober) and the service
# (responder) run as SCHED_DEADLINE tasks: on one machine the client shares
# the starved CPUs, and a real client does not.  Deadline tasks are scheduled
# ahead of any SCHED_FIFO load and are not subject to RT throttling.  (Not
# for the outage trials: there is no load then, and the kernel admits only
# so much deadline bandwidth, which parallel labs would exceed.)
CLIENT_SCHED="chrt -d --sched-runtime 200000 --sched-deadline 1000000 --sched-period 1000000 0"
# In the outage trials the client and the service run SCHED_FIFO 90 (both
# tools alike): a prober at normal priority was once descheduled for a few
# ms across a failover, sent no probes then, lost none, and so reported no
# outage at all.  FIFO has no admission limit, so parallel labs are fine.
export BENCH_CLIENT_SCHED="chrt -f 90"

W=$(mktemp -d /tmp/hbpf-bench.XXXXXX)
RES=$W/results.txt
T0=${EPOCHREALTIME/./}
BG=""

cleanup() {
	local p
	for p in $BG; do
		kill -TERM "$p" 2>/dev/null || true
	done
	pkill -f "stress-ng-hbpf-bench" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

elapsed() {
	echo $(((${EPOCHREALTIME/./} - T0) / 1000000))
}

say() {
	printf '[%4ds] %s\n' "$(elapsed)" "$*"
}

need() {
	command -v "$1" >/dev/null || {
		echo "bench: $1 not found (make deps)" >&2
		exit 1
	}
}
need keepalived
need stress-ng
need chrt
[ "$(id -u)" = 0 ] || {
	echo "bench: needs root (network namespaces, BPF)" >&2
	exit 1
}

# A tool's piece; its stderr goes to a log that is shown if it fails.
piece() {
	local log=$W/log.$1
	shift
	if ! "$@" 2>"$log"; then
		echo "bench: '$*' failed:" >&2
		tail -n 30 "$log" >&2
		exit 1
	fi
}

# ---- 1. cost ---------------------------------------------------------------
say "cost: XDP heartbeat path (BPF_PROG_TEST_RUN), hbpfd CPU/RSS, packets/s"
"$TOP/build/tests/bpf/test_hb" 2>&1 | sed -n 's/^\[  COST    \] //p' >"$W/xdp.txt"
[ -s "$W/xdp.txt" ] || {
	echo "bench: build/tests/bpf/test_hb printed no COST lines" >&2
	exit 1
}
piece cost tools/bench/hbpf.sh cost "$RES"

# ---- 2. client-observed outage ----------------------------------------------
for s in $SCENARIOS; do
	say "outage: hbpf, $s, $TRIALS trials"
	piece "hbpf.$s" tools/bench/hbpf.sh outage "$s" "$TRIALS" "$RES"
done
for s in $SCENARIOS; do
	say "outage: keepalived (fast), $s, $TRIALS trials"
	piece "kaf.$s" tools/bench/keepalived.sh outage fast "$s" "$TRIALS" "$RES"
done
# At its defaults keepalived needs seconds per trial and its timers are
# 1 s: the four scenarios run in parallel labs, which costs them nothing
# measurable at that scale.
say "outage: keepalived (defaults), all scenarios in parallel, $TRIALS trials each"
pids=""
for s in $SCENARIOS; do
	tools/bench/keepalived.sh outage default "$s" "$TRIALS" "$W/kad.$s" 2>"$W/log.kad.$s" &
	pids="$pids $!"
done
for p in $pids; do
	wait "$p" || {
		echo "bench: keepalived default outage failed:" >&2
		tail -n 20 "$W"/log.kad.* >&2
		exit 1
	}
done
cat "$W"/kad.* >>"$RES"

# ---- 3. disk groups ---------------------------------------------------------
say "disk groups: $DG_ROUNDS rounds"
piece dg tools/bench/dg_bench.sh "$DG_ROUNDS" >"$W/dg.txt"

# ---- 4. stability -----------------------------------------------------------
# Both tools' labs run at once under the same load.  Each tool script builds
# its lab, starts its flood, then per phase writes SYNC/<tool>.<phase>.ready
# and waits for SYNC/<phase>.go before starting its prober for the phase.
SYNC=$W/sync
mkdir -p "$SYNC"
export BENCH_SYNC=$SYNC BENCH_PHASES="load:$LOAD_S rt:$RT_S" BENCH_CLIENT_SCHED=$CLIENT_SCHED
say "stability: hbpf (defaults) and keepalived (fast) labs, ${LOAD_S}s saturation then ${RT_S}s RT starvation"
tools/bench/hbpf.sh stability "$RES" 2>"$W/log.stab.hbpf" &
sh=$!
tools/bench/keepalived.sh stability fast "$RES" 2>"$W/log.stab.ka" &
sk=$!
BG="$sh $sk"

# wait_ready PHASE SECONDS: both tools ready for PHASE within SECONDS.
wait_ready() {
	local phase=$1 until=$(($(elapsed) + $2))
	while [ ! -e "$SYNC/hbpf.$phase.ready" ] || [ ! -e "$SYNC/keepalived.$phase.ready" ]; do
		kill -0 "$sh" 2>/dev/null && kill -0 "$sk" 2>/dev/null || {
			echo "bench: a stability run ended early:" >&2
			tail -n 20 "$W/log.stab.hbpf" "$W/log.stab.ka" >&2
			exit 1
		}
		[ "$(elapsed)" -lt "$until" ] || {
			echo "bench: stability labs not ready for $phase" >&2
			exit 1
		}
		sleep 0.2
	done
}

# Saturation: both CPUs busy, timer pressure, some disk I/O (the flood on
# the public link is each lab's own, between the client and n2).
wait_ready load 120
stress-ng --cpu 2 --timer 2 --hdd 1 --hdd-bytes 64m --temp-path "$W" -t "$((LOAD_S + 5))" \
	--metrics-brief >"$W/stress.load" 2>&1 &
BG="$BG $!"
touch "$SYNC/load.go"
wait_ready rt "$((LOAD_S + 120))"
# Real-time starvation: SCHED_FIFO 50 on both CPUs; ordinary tasks get the
# kernel's leftover (RT throttling: 50 ms per second).
stress-ng --cpu 2 --sched fifo --sched-prio 50 -t "$((RT_S + 3))" >"$W/stress.rt" 2>&1 &
BG="$BG $!"
touch "$SYNC/rt.go"
wait "$sh" || {
	tail -n 30 "$W/log.stab.hbpf" >&2
	exit 1
}
wait "$sk" || {
	tail -n 30 "$W/log.stab.ka" >&2
	exit 1
}
BG=""
say "done; writing $OUT_MD"

# ---- 5. report --------------------------------------------------------------
# stats TOOL SCENARIO: "n median p90 p99 max dual vip_nodes_max" of outage_ms.
stats() {
	grep "^tool=$1 scenario=$2 " "$RES" | awk '
	{
		for (i = 1; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == "outage_ms") v[++n] = kv[2] + 0
			if (kv[1] == "dual") d += kv[2]
			if (kv[1] == "vip_nodes" && kv[2] > vm) vm = kv[2]
		}
	}
	function rank(p,   r) { r = int(p * n + 0.999999); if (r < 1) r = 1; return v[r] }
	END {
		if (!n) { print "0 - - - - - -"; exit }
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
		printf "%d %.1f %.1f %.1f %.1f %d %d\n", n, rank(0.5), rank(0.9), rank(0.99), v[n], d, vm
	}'
}

# field LINE KEY
field() {
	echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

machine() {
	echo "- CPU: $(nproc) x $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	echo "- memory: $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "- kernel: $(uname -r); $(. /etc/os-release && echo "$PRETTY_NAME")"
	echo "- keepalived: $(keepalived --version 2>&1 | head -n 1)"
	echo "- stress-ng: $(stress-ng --version 2>&1 | head -n 1)"
	echo "- hbpf: commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with local changes)')"
}

name_of() {
	case "$1" in
	node) echo "node death" ;;
	link) echo "public link death" ;;
	kill) echo "daemon SIGKILL" ;;
	move) echo "manual move" ;;
	esac
}

{
	echo "# Benchmarks"
	echo
	echo "Written by \`make bench\` (tools/bench/run.sh) on $(date -u '+%Y-%m-%d %H:%M UTC'), in $(elapsed) s."
	echo "Trials per scenario: $TRIALS; saturation ${LOAD_S} s; real-time starvation ${RT_S} s."
	echo "Every figure below comes from that one run; the notes after the tables explain them."
	echo
	echo "## Machine"
	echo
	machine
	echo
	echo "## Client-observed outage (ms; 1 ms UDP prober on the client, same lab for every tool)"
	echo
	echo "hbpf runs at its default timers; keepalived (VRRPv3) at its fastest stable settings"
	echo "(\"fast\", see tools/bench/keepalived.sh) and at its defaults."
	echo "\"dual\" counts probes answered by two nodes; \"answering\" is the most nodes answering"
	echo "for the VIP after a trial (hbpf: kernel gates owning the set; keepalived: nodes with"
	echo "the VIP configured)."
	echo
	echo "| scenario | tool | trials | median | p90 | p99 | max | dual | answering |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
	for s in $SCENARIOS; do
		for t in hbpf keepalived-fast keepalived-default; do
			read -r n med p90 p99 max dual vm <<<"$(stats "$t" "$s")"
			echo "| $(name_of "$s") | $t | $n | $med | $p90 | $p99 | $max | $dual | $vm |"
		done
	done
	echo
	echo "### hbpf against keepalived, same run (median and p99 ratios)"
	echo
	echo "A dash: no ratio, one of the tools had no outage (see \"answering\" for why)."
	echo
	echo "| scenario | keepalived-fast / hbpf median | p99 | keepalived-default / hbpf median |"
	echo "|---|---:|---:|---:|"
	for s in $SCENARIOS; do
		read -r _ hm _ hp _ _ _ <<<"$(stats hbpf "$s")"
		read -r _ fm _ fp _ _ _ <<<"$(stats keepalived-fast "$s")"
		read -r _ dm _ _ _ _ _ <<<"$(stats keepalived-default "$s")"
		awk -v s="$(name_of "$s")" -v hm="$hm" -v hp="$hp" -v fm="$fm" -v fp="$fp" -v dm="$dm" \
			'function r(a, b) { return (a + 0 > 0 && b + 0 > 0) ? sprintf("%.1fx", a / b) : "-" }
			 BEGIN { printf "| %s | %s | %s | %s |\n", s, r(fm, hm), r(fp, hp), r(dm, hm) }'
	done
	echo
	echo "## hbpf node death: where the time goes (ms, from the survivor's log)"
	echo
	echo "From the last heartbeat seen to the deadline, which is also the instant the kernel"
	echo "takes the set (the takeover runs in the deadline's timer callback); then, from that"
	echo "instant: the daemon reads the event, the VIP is plumbed, the first GARP is out, the"
	echo "services are started."
	echo
	echo "| | median | max |"
	echo "|---|---:|---:|"
	for k in silent_ms event_ms vip_ms garp_ms services_ms; do
		grep "^tool=hbpf breakdown " "$RES" | tr ' ' '\n' | sed -n "s/^$k=//p" | sort -n |
			awk -v k="$k" '{ v[NR] = $1 } END {
				split("silent_ms:last heartbeat -> deadline = kernel takeover,event_ms:-> daemon has the event,vip_ms:-> VIP plumbed,garp_ms:-> first GARP out,services_ms:-> services started", L, ",")
				for (i in L) { split(L[i], p, ":"); if (p[1] == k) name = p[2] }
				if (NR) printf "| %s | %.3f | %.3f |\n", name, v[int((NR + 1) / 2)], v[NR] }'
	done
	echo
	echo "## Stability under load"
	echo
	echo "${LOAD_S} s with both CPUs saturated (\`stress-ng --cpu 2 --timer 2 --hdd 1\`) and a"
	echo "flood on each lab's public link between the client and a third node, then ${RT_S} s"
	echo "of \`stress-ng --cpu 2 --sched fifo --sched-prio 50\` (real-time starvation of every"
	echo "ordinary task on the machine, both labs' nodes included).  Nothing fails: every"
	echo "transition is spurious."
	echo
	echo "| tool | phase | seconds | spurious transitions | client's longest gap (ms) | dual | probes lost |"
	echo "|---|---|---:|---:|---:|---:|---:|"
	grep " phase=" "$RES" | while read -r l; do
		echo "| $(field "$l" tool) | $(field "$l" phase) | $(field "$l" seconds) | $(field "$l" transitions) | $(field "$l" longest_gap_ms) | $(field "$l" dual) | $(field "$l" lost) |"
	done
	echo
	echo "## Cost"
	echo
	l=$(grep "^tool=hbpf cost " "$RES")
	echo "| | |"
	echo "|---|---:|"
	while read -r c; do
		echo "| XDP ${c%%:*} | ${c#*: } |"
	done <"$W/xdp.txt"
	echo "| hbpfd CPU share (one node, idle cluster, default interval) | $(field "$l" cpu_pct) % of one CPU |"
	echo "| hbpfd RSS | $(($(field "$l" rss_kib) / 1024)) MiB ($(field "$l" rss_kib) KiB) |"
	echo "| heartbeats sent per second (one node, all links) | $(field "$l" hb_pps) |"
	echo "| echoes sent per second by the XDP program (one node) | $(field "$l" echo_pps) |"
	echo
	echo "## Disk groups"
	echo
	sed -n '/^|/p' "$W/dg.txt"
	echo
	echo "## Targets (issue 5)"
	echo
	read -r _ hm _ hp _ _ _ <<<"$(stats hbpf node)"
	read -r _ fm _ _ _ _ _ <<<"$(stats keepalived-fast node)"
	dual_all=$(grep "^tool=hbpf scenario=" "$RES" | grep -o ' dual=[0-9]*' |
		awk -F= '{ s += $2 } END { print s + 0 }')
	spur=$(grep "^tool=hbpf phase=load " "$RES" | tr ' ' '\n' | sed -n 's/^transitions=//p')
	xdp=$(sed -n 's/^xdp_node HB->ECHO[^:]*: \([0-9.]*\) ns.*/\1/p' "$W/xdp.txt" | head -n 1)
	awk -v hm="$hm" -v hp="$hp" -v fm="$fm" -v dual="$dual_all" -v spur="$spur" -v xdp="$xdp" \
		-v rss="$(field "$l" rss_kib)" 'function ok(c) { return c ? "met" : "**missed**" }
	BEGIN {
		print "| target | figure | |"
		print "|---|---:|---|"
		printf "| node death median <= 5 ms | %s ms | %s |\n", hm, ok(hm + 0 <= 5)
		printf "| node death p99 <= 10 ms | %s ms | %s |\n", hp, ok(hp + 0 <= 10)
		printf "| >= 6x lower than keepalived-fast (median) | %.1fx | %s |\n", fm / hm, ok(fm / hm >= 6)
		printf "| 0 spurious transitions in the saturation phase | %s | %s |\n", spur, ok(spur == "0")
		printf "| 0 probes answered by two nodes, every hbpf scenario | %s | %s |\n", dual, ok(dual == 0)
		printf "| XDP heartbeat path < 200 ns/packet (HB->ECHO, 1 set) | %s ns | %s |\n", xdp, ok(xdp + 0 < 200)
		printf "| hbpfd RSS < 10 MiB | %.1f MiB | %s |\n", rss / 1024, ok(rss / 1024 < 10)
	}'
	echo
	echo "## Raw results"
	echo
	echo '```'
	cat "$RES"
	echo '```'
	echo
	cat tools/bench/notes.md
} >"$W/report.md"
cp "$W/report.md" "$OUT_MD"
sed -n '/^## Client/,/^## Raw results/p' "$OUT_MD" | grep -v "^## Raw results"
echo "bench: wrote $OUT_MD in $(elapsed) s"
