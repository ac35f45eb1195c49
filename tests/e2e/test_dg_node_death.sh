#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Disk groups (a): n0 holds a set with 4 ext4 volumes and serves a file it
# wrote and fsynced; n0 dies with its journals dirty (its storage path fails,
# its links go, its processes are killed).  n1 fences (waits out n0's lease),
# replays the journals with fsck, mounts, starts the service, and the client
# reads exactly the content n0 wrote.
set -eu
TEST_NAME=dg_node_death
E2E_DG=1
DG_FUSE_N0=1
. "$(dirname "$0")/lib.sh"
e2e_up
[ "$(mounted 0 "$DG_MNT/v3")" = 1 ] || fail "n0 did not mount its volumes"
content="written-by-n0-$$-$(date +%s%N)"
on_node 0 sh -c "echo $content > $DG_MNT/v0/payload.tmp && sync $DG_MNT/v0/payload.tmp &&
	mv $DG_MNT/v0/payload.tmp $DG_MNT/v0/payload && sync -f $DG_MNT/v0" ||
	fail "cannot write the payload on n0"
[ "$(served)" = "$content" ] || fail "n0 serves '$(served)'"
# Crash: the disks stop answering n0 first, so nothing it still holds reaches them.
dg_fail_n0 on
"$LAB" isolate "$PREFIX" n0
kill -9 "$DPID0" "$(cat "$RUN/svc8.n0.pid" 2>/dev/null || echo 0)"
dumpe2fs -h "$VOL0" 2>/dev/null | grep -q needs_recovery ||
	echo "   (note: v0's journal was already replayed when checked)"
wait_owner web n1 15000 || fail "n1 did not take the set"
[ "$(mounted 1 "$DG_MNT/v0")" = 1 ] && [ "$(mounted 1 "$DG_MNT/v3")" = 1 ] ||
	fail "n1 did not mount the volumes"
[ "$(served)" = "$content" ] || fail "the client read '$(served)', expected '$content'"
grep -q "fsck" "$RUN/n1.log" || fail "n1 did not fsck"
grep -E "dg-acquire done|dg-fsck done|dg-mount done|online .* after" "$RUN/n1.log" | sed 's/^/   /'
pass
