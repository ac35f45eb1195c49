#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Disk-group benchmark: time from "import requested" to "all mounted" for
# hbpf (hbpfctl dg import: lease, parallel fsck, ordered mounts, on the
# daemon's io_uring loop) against the seeds' sequential procedure
# (tools/bench/dg_seq.sh: e2fsck -p then mount, one volume after the other),
# on the same 8 ext4 volumes of 1 GiB, each with a dirty journal and some
# thousands of files, in the same run.  Prints a markdown table.
#   tools/bench/dg_bench.sh [ROUNDS]      (part of make bench; needs root)
set -eu
cd "$(dirname "$0")/../.."
ROUNDS=${1:-3}
NFILES=${DG_BENCH_FILES:-3000}
E2E_DG=1
DG_NVOL=8
DG_SIZE=1G
E2E_NO_CLAIM=1
E2E_SET_EXTRA="autofailover no"
TEST_NAME=dg_bench
. tests/e2e/lib.sh
e2e_up
DISKS="$TOP/tools/lab/disks.sh"

dirty_all() {
	local i
	for i in $(seq 0 $((DG_NVOL - 1))); do
		"$DISKS" dirty "$RUN/disks" "$i" "$NFILES" >>"$RUN/lab.log" 2>&1 ||
			fail "dirty vol$i: $(tail -n 3 "$RUN/lab.log")"
	done
}

hb=()
sq=()
slow=()
for r in $(seq 1 "$ROUNDS"); do
	dirty_all
	t0=${EPOCHREALTIME/./}
	ctl 0 dg import data >"$RUN/imp.out" 2>&1 || fail "import: $(cat "$RUN/imp.out")"
	t1=${EPOCHREALTIME/./}
	for i in $(seq 0 $((DG_NVOL - 1))); do
		[ "$(mounted 0 "$DG_MNT/v$i")" = 1 ] || fail "v$i not mounted after the import"
	done
	hb+=($(((t1 - t0) / 1000)))
	echo "round $r: hbpf import $(((t1 - t0) / 1000)) ms ($(tail -n 1 "$RUN/imp.out"))"
	ctl 0 dg deport data >"$RUN/dep.out" 2>&1 || fail "deport: $(cat "$RUN/dep.out")"
	dirty_all
	"$TOP/tools/bench/dg_seq.sh" "$RUN/disks" >"$RUN/seq.out" 2>&1 || fail "dg_seq: $(tail -n 3 "$RUN/seq.out")"
	sq+=($(sed -n 's/.*total_ms=\([0-9]*\).*/\1/p' "$RUN/seq.out"))
	slow+=($(sed -n 's/.*slowest_ms=\([0-9]*\).*/\1/p' "$RUN/seq.out"))
	echo "round $r: sequential $(tail -n 1 "$RUN/seq.out")"
done

median() {
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
mh=$(median "${hb[@]}")
ms=$(median "${sq[@]}")
msl=$(median "${slow[@]}")
echo
echo "| $DG_NVOL x ext4 $DG_SIZE, dirty journal, $NFILES files each | median of $ROUNDS |"
echo "|---|---|"
echo "| hbpf: import requested -> all mounted | $mh ms |"
echo "| sequential e2fsck -p + mount (seeds' procedure) | $ms ms |"
echo "| slowest single volume fsck + mount | $msl ms |"
awk -v h="$mh" -v s="$ms" -v l="$msl" 'BEGIN {
	printf "| hbpf / slowest single volume | %.2fx (target <= 1.3x) |\n", h / (l ? l : 1)
	printf "| sequential / hbpf | %.2fx (target >= 4x) |\n", s / (h ? h : 1) }'
