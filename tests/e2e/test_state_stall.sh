#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A state directory on storage that stops answering (a hung disk, an NFS
# server gone) must not cost a set its owner.  hbpfd rewrites the held-set
# record (fsync, rename, fsync) on every ownership change; done on the
# daemon's loop, a write that blocks stops the liveness stamp, and the
# node's own kernel gives the set up after the demote time.  Here the
# record's temporary file is a FIFO nobody reads, so n1's open(2) blocks
# like I/O on a hung disk:
# (1) web moves to n1 and stays there, answered by n1 alone, for several
#     demote times while the write is blocked;
# (2) the storage answers again: the record is written (after one logged
#     failure: a FIFO is not a file the record may go to);
# (3) blocked again, a clean stop of n1 still ends (the wait for the last
#     record is bounded) and hands web to n0.
set -eu
TEST_NAME=state_stall
. "$(dirname "$0")/lib.sh"
e2e_up

FIFO=$RUN/state/n1.held.tmp
held() { # N: the set names in node nN's record
	awk '$1 == "held" { print $2 }' "$RUN/state/n$1.held" 2>/dev/null | tr '\n' ' '
}
blocked() { # the writer of n1 sits in open(2) on the FIFO
	local t
	for t in /proc/"$DPID1"/task/*; do
		grep -q wait_for_partner "$t/wchan" 2>/dev/null && return 0
	done
	return 1
}
wait_blocked() { # WHAT: n1's writer reaches the FIFO within 1 s, else fail
	local until=$(($(now_ms) + 1000))
	until blocked; do
		[ "$(now_ms)" -lt "$until" ] || fail "$1: n1's record writer is not blocked on the FIFO"
		sleep 0.02
	done
}

# (1)
[ -d "$RUN/state" ] || fail "n0 wrote no record at start-up"
mkfifo "$FIFO"
probe_bg 6000 "$RUN/probe.out"
sleep 0.3
ctl 0 move web n1 >/dev/null || fail "hbpfctl move failed"
wait_owner web n1 3000 || fail "web did not move to n1"
wait_blocked "(1)"
# Demote time is 0.75 x the daemon deadline (375 ms here): hold 3 s.
until=$(($(now_ms) + 3000))
while [ "$(now_ms)" -lt "$until" ]; do
	[ "$(kernel_owned 1 0)" = 1 ] || fail "(1) n1's kernel gave web up while the record write hung"
	[ "$(kernel_owned 0 0)" = 0 ] || fail "(1) n0's kernel owns web again"
	sleep 0.05
done
[ "$(set_state 1 web)" = online ] || fail "(1) web is $(set_state 1 web) on n1"
! grep -q "stamp went stale" "$RUN/n1.log" || fail "(1) n1's kernel saw its daemon stale: $(grep "stamp went stale" "$RUN/n1.log")"
blocked || fail "(1) the write is not blocked any more: the test proves nothing"
[ "$(held 1)" = "" ] || fail "(1) n1's record already lists '$(held 1)'"
wait "$PROBER_PID" || true
check_probe "$RUN/probe.out" n0 n1 1000
echo "   (1) web on n1 for 3 s while its record write hung"

# (2) O_RDWR opens a FIFO without waiting: n1's open returns.
exec 4<>"$FIFO"
until=$(($(now_ms) + 5000))
while [ "$(held 1)" != "web " ]; do
	[ "$(now_ms)" -lt "$until" ] || fail "(2) n1's record was not written: '$(held 1)'"
	sleep 0.05
done
exec 4>&-
grep -q "cannot write the held-set record $RUN/state/n1.held: Invalid argument (retrying every 1 s)" "$RUN/n1.log" ||
	fail "(2) n1 did not log the failed write"
grep -q "held-set record $RUN/state/n1.held written again" "$RUN/n1.log" ||
	fail "(2) n1 did not log the recovery"
[ ! -e "$FIFO" ] || fail "(2) the FIFO is still there"
echo "   (2) the storage answered: n1's record lists web"

# (3) Blocked again: the stop hands web over and ends in bounded time.
mkfifo "$FIFO"
ctl 1 move web n0 >/dev/null || fail "hbpfctl move back failed"
wait_owner web n0 3000 || fail "(3) web did not move back to n0"
wait_blocked "(3)"
t0=$(now_ms)
kill -TERM "$DPID1"
until=$((t0 + 15000))
while kill -0 "$DPID1" 2>/dev/null; do
	[ "$(now_ms)" -lt "$until" ] || fail "(3) hbpfd on n1 did not exit within 15 s with its storage hung"
	sleep 0.05
done
wait "$DPID1" 2>/dev/null || fail "(3) hbpfd on n1 exited with an error"
grep -q "storage still blocked after 5 s; exiting without the last record" "$RUN/n1.log" ||
	fail "(3) n1 did not say it left the record unwritten"
[ "$(kernel_owned 0 0)" = 1 ] || fail "(3) n0 does not own web"
echo "   (3) a stop with the storage hung ended in $(($(now_ms) - t0)) ms"
exec 4<>"$FIFO" # let the stranded open return; nothing waits for it now
exec 4>&-
pass
