#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Disk groups (b): both nodes race to import the same group (no set holds it):
# exactly one wins, the other is refused, and only the winner has it mounted.
set -eu
TEST_NAME=dg_race
E2E_DG=1
E2E_SET_EXTRA="autofailover no"
E2E_NO_CLAIM=1
. "$(dirname "$0")/lib.sh"
e2e_up
sleep 0.5
[ "$(mounted 0 "$DG_MNT/v0")" = 0 ] || fail "n0 still has the volumes mounted"
ctl 0 dg import data >"$RUN/imp0.out" 2>&1 &
p0=$!
ctl 1 dg import data >"$RUN/imp1.out" 2>&1 &
p1=$!
r0=0
r1=0
wait "$p0" || r0=$?
wait "$p1" || r1=$?
echo "   n0: $(tail -n 1 "$RUN/imp0.out")"
echo "   n1: $(tail -n 1 "$RUN/imp1.out")"
[ $(((r0 == 0) + (r1 == 0))) = 1 ] || fail "exit codes $r0 and $r1: not exactly one winner"
m0=$(mounted 0 "$DG_MNT/v0")
m1=$(mounted 1 "$DG_MNT/v0")
[ $((m0 + m1)) = 1 ] || fail "mounted on n0: $m0, on n1: $m1"
if [ "$r0" = 0 ]; then [ "$m0" = 1 ] || fail "winner n0 has nothing mounted"; fi
if [ "$r1" = 0 ]; then [ "$m1" = 1 ] || fail "winner n1 has nothing mounted"; fi
pass
