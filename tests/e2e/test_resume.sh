#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Start-up resume ("System Reboot"): a node resumes the sets it held when its
# daemon stopped, only if no other node holds them, even when it is not
# first in their order.  The record is <state-dir>/<node>.held.
# (1) n1 holds web and stops cleanly: it hands web to n0.  n1 comes back:
#     n0 holds it, so n1 must not resume it (never owns it in its kernel).
# (2) n1 holds web again and stops; then the operator releases web on n0, so
#     nobody holds it.  n1 comes back and resumes it (n0, first in the order,
#     is up and in sight, and does not claim it).
set -eu
TEST_NAME=resume
. "$(dirname "$0")/lib.sh"
e2e_up

held() { # N: the set names in node nN's record
	awk '$1 == "held" { print $2 }' "$RUN/state/n$1.held" 2>/dev/null | tr '\n' ' '
}

# held_is N WANT WHAT: node nN's record lists WANT within 1 s (hbpfd writes
# it on a thread of its own, a few ms after the change), else fail.
held_is() {
	local until=$(($(now_ms) + 1000))
	while [ "$(held "$1")" != "$2" ]; do
		[ "$(now_ms)" -lt "$until" ] || fail "$3: n$1's record: '$(held "$1")', expected '$2'"
		sleep 0.02
	done
}

to_n1_and_stop_n1() {
	ctl 0 move web n1 >/dev/null || fail "hbpfctl move failed"
	wait_owner web n1 3000 || fail "web did not move to n1"
	held_is 1 "web " "after the move"
	held_is 0 "" "after the move"
	kill -TERM "$DPID1"
	wait "$DPID1" 2>/dev/null || fail "hbpfd on n1 did not exit cleanly"
	wait_owner web n0 3000 || fail "n1 did not hand web to n0 when it stopped"
	# What it held when it stopped stays in the record.
	[ "$(held 1)" = "web " ] || fail "n1's record after its stop: '$(held 1)'"
	grep -q '^held web [0-9][0-9]*$' "$RUN/state/n1.held" || fail "record: $(cat "$RUN/state/n1.held")"
}

# (1) n0 holds it: no resume.
to_n1_and_stop_n1
start_node 1
until=$(($(now_ms) + 2000))
while [ "$(now_ms)" -lt "$until" ]; do
	[ "$(kernel_owned 1 0)" = 0 ] || fail "(1) n1 resumed web although n0 holds it"
	[ "$(kernel_owned 0 0)" = 1 ] || fail "(1) n0 lost web"
	sleep 0.05
done
grep -q "(web) held it when this node stopped, but n0 holds it now: leaving it there" "$RUN/n1.log" ||
	fail "(1) n1 did not log why it does not resume"
echo "   (1) n1 held web at shutdown, n0 holds it now: n1 did not resume it"

# (2) nobody holds it: n1 resumes.
to_n1_and_stop_n1
out=$(ctl 0 release web) || fail "hbpfctl release failed: $out"
until=$(($(now_ms) + 3000))
while [ "$(set_state 0 web)" != offline ] || [ "$(kernel_owned 0 0)" != 0 ]; do
	[ "$(now_ms)" -lt "$until" ] || fail "(2) n0 did not release web"
	sleep 0.05
done
held_is 0 "" "(2) after the release"
probe 300 >"$RUN/none.out"
[ "$(kv "$RUN/none.out" answered)" = 0 ] || fail "(2) the VIP is answered: $(tr '\n' ' ' <"$RUN/none.out")"
mark=$(wc -l <"$RUN/n1.log")
start_node 1
wait_owner web n1 3000 || fail "(2) n1 did not resume web"
tail -n +"$((mark + 1))" "$RUN/n1.log" |
	grep -q "(web) held it when this node stopped and nobody holds it: resuming" ||
	fail "(2) n1 did not log the resume"
sleep 0.5
[ "$(kernel_owned 0 0)" = 0 ] || fail "(2) n0 took web too"
probe 500 >"$RUN/after.out"
[ "$(kv "$RUN/after.out" sequence)" = n1 ] || fail "(2) after: $(tr '\n' ' ' <"$RUN/after.out")"
held_is 1 "web " "(2) after the resume"
echo "   (2) nobody held web: n1 resumed it although n0 comes first"
pass
