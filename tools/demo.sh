#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# make demo: the main job in a namespace lab.  Two nodes, one service set with
# a VIP; the node holding it dies (links cut, processes killed) while a client
# probes the VIP every millisecond.  Prints the client-observed outage of each
# trial, the kernel's view on the survivor (bpftool), and the daemon's timeline.
set -eu
cd "$(dirname "$0")/.."
TRIALS=${TRIALS:-5}
# hbpf's own default timers: the config names none.
E2E_INTERVAL=
E2E_DETECT_MULT=
E2E_DAEMON_DEADLINE=
. tests/e2e/lib.sh
TEST_NAME=demo
results=()
for t in $(seq 1 "$TRIALS"); do
	(
		e2e_up
		probe_bg 3000 "$RUN/probe.out"
		sleep 1
		"$LAB" isolate "$PREFIX" n0
		kill -9 "$DPID0" "$(cat "$RUN/resp0.pid")"
		wait "$PROBER_PID" || true
		wait_owner web n1 2000 || fail "n1 does not hold web"
		printf 'trial %d: node n0 died; client-observed outage %s ms; answers %s; dual %s\n' \
			"$t" "$(kv "$RUN/probe.out" outage_ms)" "$(kv "$RUN/probe.out" sequence)" \
			"$(kv "$RUN/probe.out" dual)"
		kv "$RUN/probe.out" outage_ms >"/tmp/hbpf-demo-$$.$t"
		if [ "$t" = "$TRIALS" ]; then
			echo
			echo "== n1's kernel view: bpftool map dump pinned $PIN/n1/v3/peers (peer n0)"
			bpftool map lookup pinned "$PIN/n1/v3/peers" key 0 0 0 0
			echo "== bpftool map dump pinned $PIN/n1/v3/links (n0, link priv)"
			bpftool map lookup pinned "$PIN/n1/v3/links" key 0 0 0 0
			echo "== hbpfctl peers / sets on n1"
			ctl 1 peers || true
			ctl 1 sets || true
			echo "== n1's timeline (hbpfd log)"
			grep -E 'dead|took|step|online' "$RUN/n1.log" | tail -n 12
		fi
	)
done
vals=$(cat /tmp/hbpf-demo-$$.* | sort -n)
rm -f /tmp/hbpf-demo-$$.*
n=$(echo "$vals" | wc -l)
med=$(echo "$vals" | awk -v n="$n" 'NR == int((n + 1) / 2) { print }')
max=$(echo "$vals" | tail -n 1)
echo
echo "node death, $n trials at the default timers (heartbeat every 1 ms, dead after 3 silent):" \
	"client-observed outage median $med ms, max $max ms"

# The same death with a disk group: 4 ext4 volumes, a file written and fsynced
# on n0, n0's storage path failing with its links (journals left dirty).
echo
echo "== node death with a disk group (4 ext4 volumes, dirty journals, lease 1000 ms)"
(
	E2E_DG=1
	DG_FUSE_N0=1
	e2e_up
	content="demo-$$"
	on_node 0 sh -c "echo $content > $DG_MNT/v0/payload && sync -f $DG_MNT/v0"
	probe_bg 5000 "$RUN/probe.out"
	sleep 0.5
	dg_fail_n0 on
	"$LAB" isolate "$PREFIX" n0
	kill -9 "$DPID0" "$(cat "$RUN/svc8.n0.pid" 2>/dev/null || echo 0)" 2>/dev/null
	wait_owner web n1 15000 || fail "n1 did not take the set"
	wait "$PROBER_PID" || true
	grep -E "fencing|dg-acquire done|fsck .* in|dg-fsck done|dg-mount done|online .* after" \
		"$RUN/n1.log" | sed 's/^hbpfd\[[0-9.]*\] info: /   /'
	echo "   the client reads from n1: '$(served)' (written on n0: '$content')"
	printf '   client-observed outage of the VIP: %s ms (includes the %s ms lease wait)\n' \
		"$(kv "$RUN/probe.out" outage_ms)" 1000
)
