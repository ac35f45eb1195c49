#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The benchmark pieces still work (make bench itself takes ~20 minutes and is
# not part of make test): two node-death trials of hbpf and two manual moves
# of keepalived, each through the same script make bench runs, produce
# well-formed result lines with plausible figures and leave no lab, process
# or keepalived behind; bad arguments are refused before anything is built.
set -u
cd "$(dirname "$0")/../.."
TEST_NAME=bench_tools
OUT=$(mktemp /tmp/hbpf-bench-test.XXXXXX)

fail() {
	echo "FAIL $TEST_NAME: $*"
	exit 1
}

# run TOOL ARGS...: run a bench script, its output in $MSG, its pid added to PIDS.
# A script's lab prefix carries its pid (hb/bh/bk and five digits), so what it
# leaves behind is told apart from the labs others build on this machine.
PIDS=""
MSG=$(mktemp /tmp/hbpf-bench-test.XXXXXX)
trap 'rm -f "$OUT" "$MSG"' EXIT
run() {
	local tool=$1 pid
	shift
	bash "tools/bench/$tool" "$@" >"$MSG" 2>&1 &
	pid=$!
	PIDS="$PIDS $pid"
	wait "$pid"
}

# Labs (network namespaces) and keepalived processes of our runs still there.
leftovers() {
	local pid d
	for pid in $PIDS; do
		d=$(printf '%05d' $((pid % 100000)))
		ip netns list 2>/dev/null | awk -v d="$d" '$1 ~ "^(hb|bh|bk)" d { print $1 }'
		pgrep -f "keepalived -n -l -D -G -f /tmp/bk$d" >/dev/null && echo "keepalived of bk$d"
	done
}

# As make bench does: a client prober descheduled across the failover would
# see no outage at all.
export BENCH_CLIENT_SCHED="chrt -f 90"

# Bad input: a precise error, nothing built.
for args in "outage nodes 2 $OUT" "outage node 0 $OUT" "outage node x $OUT" "stability" "frob"; do
	# shellcheck disable=SC2086
	run hbpf.sh $args && fail "hbpf.sh $args was accepted"
	grep -q "^hbpf.sh: \|^bench: " "$MSG" || fail "hbpf.sh $args: no error message ($(cat "$MSG"))"
done
for args in "outage slow node 2 $OUT" "outage fast nodes 2 $OUT" "outage fast node 0 $OUT"; do
	# shellcheck disable=SC2086
	run keepalived.sh $args && fail "keepalived.sh $args was accepted"
	[ -s "$MSG" ] || fail "keepalived.sh $args: no error message"
done
[ -z "$(leftovers)" ] || fail "a refused call left something behind: $(leftovers)"
[ -s "$OUT" ] && fail "a refused call wrote results"

# Its error message and the lab's logs go to stderr: shown when it fails.
run hbpf.sh outage node 2 "$OUT" ||
	fail "hbpf.sh outage node 2 failed: $(grep -v ' Killed ' "$MSG" | tail -n 60)"
run keepalived.sh outage fast move 2 "$OUT" ||
	fail "keepalived.sh outage fast move 2 failed: $(grep -v ' Killed ' "$MSG" | tail -n 60)"

n=$(grep -c '^tool=hbpf scenario=node trial=[12] outage_ms=[0-9.]* dual=0 vip_nodes=1 answers=n[01],n[01]$' "$OUT")
[ "$n" = 2 ] || fail "expected 2 hbpf node lines, got $n: $(cat "$OUT")"
n=$(grep -c '^tool=hbpf breakdown trial=[12] silent_ms=[0-9.]* event_ms=[0-9.]* vip_ms=[0-9.]* garp_ms=[0-9.]* services_ms=[0-9.]*$' "$OUT")
[ "$n" = 2 ] || fail "expected 2 hbpf breakdown lines, got $n: $(cat "$OUT")"
n=$(grep -c '^tool=keepalived-fast scenario=move trial=[12] outage_ms=[0-9.]* dual=0 vip_nodes=1 answers=n[01],n[01]$' "$OUT")
[ "$n" = 2 ] || fail "expected 2 keepalived move lines, got $n: $(cat "$OUT")"
# Generous bounds: the figures are for make bench, these only catch a broken
# measurement (an outage of 0 means the failure was never injected).
awk '/^tool=hbpf scenario=|^tool=keepalived-fast scenario=/ {
	for (i = 1; i <= NF; i++) if ($i ~ /^outage_ms=/) { v = substr($i, 11) + 0 }
	if (v <= 0 || v > 1000) { print "implausible outage: " $0; bad = 1 }
} END { exit bad }' "$OUT" || fail "implausible figures: $(cat "$OUT")"

[ -z "$(leftovers)" ] || fail "left behind: $(leftovers)"
echo "PASS $TEST_NAME"
