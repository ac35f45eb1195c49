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
ERR=$(mktemp /tmp/hbpf-bench-test.XXXXXX)
trap 'rm -f "$OUT" "$ERR"' EXIT

fail() {
	echo "FAIL $TEST_NAME: $*"
	exit 1
}

labs_now() {
	ip netns list 2>/dev/null | grep -c "^b[hk]\|^hb" || true
}

before=$(labs_now)
# As make bench does: a client prober descheduled across the failover would
# see no outage at all.
export BENCH_CLIENT_SCHED="chrt -f 90"

# Bad input: a precise error, nothing built.
for args in "outage nodes 2 $OUT" "outage node 0 $OUT" "outage node x $OUT" "stability" "frob"; do
	# shellcheck disable=SC2086
	msg=$(bash tools/bench/hbpf.sh $args 2>&1) && fail "hbpf.sh $args was accepted"
	echo "$msg" | grep -q "^hbpf.sh: \|^bench: " || fail "hbpf.sh $args: no error message ($msg)"
done
for args in "outage slow node 2 $OUT" "outage fast nodes 2 $OUT" "outage fast node 0 $OUT"; do
	# shellcheck disable=SC2086
	msg=$(bash tools/bench/keepalived.sh $args 2>&1) && fail "keepalived.sh $args was accepted"
	[ -n "$msg" ] || fail "keepalived.sh $args: no error message"
done
[ "$(labs_now)" = "$before" ] || fail "a refused call left a lab behind"
[ -s "$OUT" ] && fail "a refused call wrote results"

# Its error message and the lab's logs go to stderr: shown when it fails.
bash tools/bench/hbpf.sh outage node 2 "$OUT" 2>"$ERR" ||
	fail "hbpf.sh outage node 2 failed: $(grep -v ' Killed ' "$ERR" | tail -n 60)"
bash tools/bench/keepalived.sh outage fast move 2 "$OUT" >/dev/null 2>&1 ||
	fail "keepalived.sh outage fast move 2 failed"

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

[ "$(labs_now)" = "$before" ] || fail "a lab was left behind: $(ip netns list)"
pgrep -f "keepalived -n -l -D -G -f /tmp/bk" >/dev/null && fail "keepalived left running"
echo "PASS $TEST_NAME"
