#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# dg_seq.sh DIR: the baseline of the disk-group benchmark.  What the seeds'
# administrators did by hand after `vxdg import -C` (seed 004: "fsck file
# systems ... mount file systems"), done the same way: for every volume of the
# lab disks in DIR/disks.env (tools/lab/disks.sh), `e2fsck -p`, then `mount`,
# one volume after the other.  There is no volume manager here, so the import
# step itself costs nothing and is not timed.
#
# The mounts are made in a private mount namespace, which also guarantees they
# are gone when it exits; they are unmounted explicitly after the timing.
# Output, one line per volume then a summary (times in ms, monotonic clock):
#   dg_seq: volN DEV fsck_rc=R fsck_ms=N mount_ms=N
#   dg_seq: total_ms=N volumes=N slowest_ms=N failed=N
# slowest_ms is the largest single fsck+mount, the floor a parallel import can
# reach.  A volume whose fsck exits >= 4 is not mounted (as an administrator
# would not), is counted in failed=, and makes the exit status 1.
set -euo pipefail

die() {
	echo "dg_seq: $*" >&2
	exit 1
}

[ $# -eq 1 ] || die "usage: dg_seq.sh DIR (a directory set up by tools/lab/disks.sh up)"
D=$(cd "$1" && pwd -P) || die "$1: no such directory"
[ -f "$D/disks.env" ] || die "$D/disks.env missing"

if [ "${DG_SEQ_INNER:-}" != 1 ]; then
	DG_SEQ_INNER=1 exec unshare -m --propagation private bash "$0" "$D"
fi

# shellcheck disable=SC1091
. "$D/disks.env"

# Microseconds from bash itself: forking date(1) per step would add noise.
# (Wall clock; nothing steps it on the lab machines during a run.)
now_us() {
	echo "${EPOCHREALTIME/./}"
}

MNT="$D/seq-mnt"
mounted=()
cleanup() {
	local i
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount "${mounted[i]}" || echo "dg_seq: cannot unmount ${mounted[i]}" >&2
	done
	# rmdir, never rm -r: a mountpoint that failed to unmount keeps its data.
	rm -f "$MNT"/fsck-vol*.log
	rmdir "$MNT"/vol* "$MNT" 2>/dev/null || :
}
trap cleanup EXIT

mkdir -p "$MNT"
failed=0
slowest=0
t_start=$(now_us)
for ((i = 0; i < NVOL; i++)); do
	dev_var="VOL$i"
	dev=${!dev_var}
	mkdir -p "$MNT/vol$i"
	t0=$(now_us)
	rc=0
	e2fsck -p "$dev" >"$MNT/fsck-vol$i.log" 2>&1 || rc=$?
	t1=$(now_us)
	if [ "$rc" -ge 4 ]; then
		echo "dg_seq: vol$i $dev fsck_rc=$rc fsck_ms=$(((t1 - t0) / 1000)) mount_ms=-" \
			"(not mounted: $(tr -s '\n\t' '  ' <"$MNT/fsck-vol$i.log" | cut -c1-160))"
		failed=$((failed + 1))
		continue
	fi
	mount -t ext4 "$dev" "$MNT/vol$i"
	mounted+=("$MNT/vol$i")
	t2=$(now_us)
	echo "dg_seq: vol$i $dev fsck_rc=$rc fsck_ms=$(((t1 - t0) / 1000))" \
		"mount_ms=$(((t2 - t1) / 1000))"
	[ $((t2 - t0)) -le "$slowest" ] || slowest=$((t2 - t0))
	rm -f "$MNT/fsck-vol$i.log"
done
t_end=$(now_us)
echo "dg_seq: total_ms=$(((t_end - t_start) / 1000)) volumes=$NVOL" \
	"slowest_ms=$((slowest / 1000)) failed=$failed"
[ "$failed" -eq 0 ]
