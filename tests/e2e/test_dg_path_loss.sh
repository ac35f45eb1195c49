#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Disk groups (c): n0 loses its storage path (every read and write fails)
# while its network is fine.  It cannot renew its lease, so it demotes itself,
# stops the service and releases; n1 fences, imports and serves the data.
set -eu
TEST_NAME=dg_path_loss
E2E_DG=1
DG_FUSE_N0=1
. "$(dirname "$0")/lib.sh"
e2e_up
content="path-loss-$$"
on_node 0 sh -c "echo $content > $DG_MNT/v0/payload && sync -f $DG_MNT/v0" || fail "write on n0"
probe_bg 8000 "$RUN/probe.out"
sleep 0.5
dg_fail_n0 on
wait_owner web n1 15000 || fail "n1 did not take the set after n0 lost its path"
grep -q "lease lost\|cannot renew" "$RUN/n0.log" || fail "n0 did not notice the lost lease"
[ "$(kernel_owned 0 0)" = 0 ] || fail "n0 still answers for the VIP"
[ "$(served)" = "$content" ] || fail "n1 serves '$(served)'"
wait "$PROBER_PID" || true
check_probe "$RUN/probe.out" n0 n1 15000
pass
