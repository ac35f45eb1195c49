#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# (d) SIGKILL of the owner's daemon: its kernel keeps echoing heartbeats, so
# the fast deadline does not fire; the daemon deadline does.  n0's own kernel
# demotes n0 first, then n1 takes over: never two nodes answering.
set -eu
TEST_NAME=daemon_kill
. "$(dirname "$0")/lib.sh"
e2e_up
probe_bg 4000 "$RUN/probe.out"
sleep 1
kill -9 "$DPID0"
wait "$PROBER_PID" || true
check_probe "$RUN/probe.out" n0 n1 2000
[ "$(kv "$RUN/probe.out" flaps)" = 0 ] || fail "answers flapped"
wait_owner web n1 2000 || fail "n1 does not hold web"
[ "$(kernel_owned 0 0)" = 0 ] || fail "n0's kernel still answers for web"
# n0 stays silent for the VIP: a probe now is answered by n1 only.
probe 500 >"$RUN/after.out"
[ "$(kv "$RUN/after.out" sequence)" = n1 ] || fail "after: $(tr '\n' ' ' <"$RUN/after.out")"
pass
