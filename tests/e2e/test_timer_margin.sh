#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Timers that leave no margin are reported, not left to flap silently:
# 1 ms x 2 gives a 2 ms detection time, and the gaps a heartbeat path shows
# (1 ms interval plus any jitter) need more than half of it.  Within a few
# seconds of start both daemons log the verdict for the links they hear,
# with the measured jitter and RTT and a detect-mult that would hold, and
# hbpfctl status (text and -j) shows the same verdict.
set -eu
TEST_NAME=timer_margin
E2E_INTERVAL=1ms
E2E_DETECT_MULT=2
E2E_NO_CLAIM=1
. "$(dirname "$0")/lib.sh"
e2e_up
for n in 0 1; do
	until=$(($(now_ms) + 10000))
	while ! grep -q "leaves too little margin" "$RUN/n$n.log"; do
		[ "$(now_ms)" -lt "$until" ] || fail "n$n did not warn about the timers"
		sleep 0.1
	done
	line=$(grep -m1 "leaves too little margin" "$RUN/n$n.log")
	peer=n$((1 - n))
	echo "$line" | grep -Eq "warning: link (priv|pub) to $peer: jitter [0-9.]+ ms, rtt [0-9.]+ ms: detection time 2\.0 ms leaves too little margin over the [0-9.]+ ms gaps expected; raise interval or detect-mult \(detect-mult [0-9]+ at this interval\)" ||
		fail "n$n's warning is not the expected one: $line"
	# hbpfctl status says the same from the maps (it works while the daemon hangs).
	st=$(ctl "$n" status)
	echo "$st" | grep -Eq "^warning: link (priv|pub) to $peer: jitter [0-9.]+ ms, rtt [0-9.]+ ms: detection time 2\.0 ms leaves too little margin" ||
		fail "n$n's status does not warn: $st"
	ctl "$n" -j status | jq -e --arg p "$peer" '.timer_warnings | length > 0 and all(.peer == $p and (.text | test("leaves too little margin")))' >/dev/null ||
		fail "n$n's status -j has no timer warning: $(ctl "$n" -j status)"
done
pass
