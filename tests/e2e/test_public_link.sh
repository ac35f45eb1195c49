#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# (c) Public link death on the owner: n0 still heartbeats over the private
# link, sees its carrier go, releases and hands the set to n1.
set -eu
TEST_NAME=public_link
. "$(dirname "$0")/lib.sh"
e2e_up
probe_bg 4000 "$RUN/probe.out"
sleep 1.5
"$LAB" link "$PREFIX" n0 pub down
wait "$PROBER_PID" || true
check_probe "$RUN/probe.out" n0 n1 1000
wait_owner web n1 2000 || fail "n1 does not hold web"
grep -q "public link lost" "$RUN/n0.log" || fail "n0 did not log the carrier loss"
pass
