#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Self-test of the lab's shared disks (tools/lab/disks.sh, tools/fusefail.c) and
# of the disk-group benchmark's baseline (tools/bench/dg_seq.sh), without any
# hbpf component:
#
#   O=build bash tests/e2e/test_lab_disks.sh
#
# Two paths to one disk are coherent for O_DIRECT I/O both ways; a FUSE path
# reads the same bytes, fails with EIO on demand (flag file and signals) and
# recovers; `dirty` leaves a journal that e2fsck -p replays with the payload
# intact; `corrupt` makes e2fsck -p give up (>= 4); dg_seq mounts what fsck
# passed and refuses what it did not; a failed `up` and `down` leave no loop
# device, mount, process or file behind.  One PASS/FAIL line per check, exit 1
# if any failed.  Everything lives in a directory unique to the run.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
O=${O:-build}
case "$O" in
/*) ;;
*) O=$PWD/$O ;;
esac
export FUSEFAIL=${FUSEFAIL:-$O/tools/hbpf-fusefail}
DISKS=$ROOT/tools/lab/disks.sh
DG_SEQ=$ROOT/tools/bench/dg_seq.sh
P=dk$(($$ % 1000000))
D=$(mktemp -d "/tmp/hbpf-$P.XXXXXX")
D2=$(mktemp -d "/tmp/hbpf-${P}b.XXXXXX")
T=$(mktemp -d "/tmp/hbpf-${P}t.XXXXXX")
nfail=0
FUSE_PID=

cleanup() {
	sh "$DISKS" down "$D" >/dev/null 2>&1
	sh "$DISKS" down "$D2" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT

pass() {
	echo "PASS test_lab_disks: $*"
}

fail() {
	echo "FAIL test_lab_disks: $*"
	nfail=$((nfail + 1))
}

check() { # DESCRIPTION CMD...: PASS when CMD succeeds
	local what=$1
	shift
	if "$@" >"$T/out" 2>&1; then
		pass "$what"
	else
		fail "$what: $(tail -n 3 "$T/out" | tr '\n' ' ')"
	fi
}

disks() {
	sh "$DISKS" "$@"
}

dio_on() {
	[ "$(cat "/sys/block/${1#/dev/}/loop/dio")" = 1 ]
}

back_file() {
	losetup -n -O BACK-FILE "$1" | sed 's/ *$//'
}

# Loop devices or mounts still referring to a state directory.
leftovers() { # DIR
	losetup -n -l -O NAME,BACK-FILE | grep -F " $1/"
	grep -F " $1/" /proc/self/mounts
	return 0
}

# 64 KiB written O_DIRECT at OFFSET (in 64 KiB blocks) through one device, read
# back O_DIRECT through the other.
same_bytes() { # DEV_W DEV_R OFFSET TAG
	head -c 65536 /dev/urandom >"$T/w.$4"
	dd if="$T/w.$4" of="$1" bs=64k seek="$3" count=1 oflag=direct conv=notrunc status=none &&
		dd if="$2" of="$T/r.$4" bs=64k skip="$3" count=1 iflag=direct status=none &&
		cmp "$T/w.$4" "$T/r.$4"
}

read_fails() { # DEV: an O_DIRECT read must fail with an I/O error
	! dd if="$1" of=/dev/null bs=4k count=1 iflag=direct status=none 2>"$T/err" &&
		grep -q "Input/output error" "$T/err"
}

write_fails() {
	! dd if=/dev/zero of="$1" bs=4k count=1 seek=8 oflag=direct conv=notrunc status=none \
		2>"$T/err" && grep -q "Input/output error" "$T/err"
}

reads_ok() {
	dd if="$1" of=/dev/null bs=4k count=1 iflag=direct status=none
}

has_recovery() {
	dumpe2fs -h "$1" 2>/dev/null | grep -q '^Filesystem features:.*needs_recovery'
}

# e2fsck -p must replay the journal and leave a filesystem with no errors.
replays() { # DEV
	local rc=0
	e2fsck -p "$1" >"$T/fsck" 2>&1 || rc=$?
	cat "$T/fsck"
	[ "$rc" -le 1 ] && grep -q "recovering journal" "$T/fsck" && ! has_recovery "$1" &&
		e2fsck -fn "$1"
}

# Mounted read-only in a private namespace: the payload's hash and file count.
payload_intact() { # DEV SHA256 NFILES
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare -m --propagation private sh -c '
		mkdir -p "$4" && mount -o ro -t ext4 "$1" "$4" || exit 1
		sum=$(sha256sum <"$4/payload" | cut -d" " -f1)
		n=$(find "$4/files" -type f | wc -l)
		umount "$4"
		echo "payload $sum files $n"
		[ "$sum" = "$2" ] && [ "$n" -eq "$3" ]' chk "$1" "$2" "$3" "$T/mnt"
}

fsck_gives_up() { # DEV: e2fsck -p exits >= 4, twice (it must not half-repair)
	local rc=0 rc2=0
	e2fsck -p "$1" || rc=$?
	e2fsck -p "$1" || rc2=$?
	echo "e2fsck -p: $rc then $rc2"
	[ "$rc" -ge 4 ] && [ "$rc2" -ge 4 ]
}

if [ ! -x "$FUSEFAIL" ]; then
	fail "$FUSEFAIL missing (make $FUSEFAIL)"
	exit 1
fi

# --- up
if ! disks up "$D" "$P" 3 64M >"$T/up" 2>&1; then
	fail "disks.sh up: $(tail -n 3 "$T/up")"
	exit 1
fi
# shellcheck disable=SC1091
. "$D/disks.env"
all_dio() {
	local d
	for d in "$@"; do
		dio_on "$d" || return 1
	done
}
check "up: meta and 3 volumes on loop devices with direct I/O" \
	all_dio "$META" "$VOL0" "$VOL1" "$VOL2"
check "up: volume UUIDs in disks.env are the filesystems' own" \
	[ "$(blkid -p -s UUID -o value "$VOL1")" = "$VOL1_UUID" ]

# --- two paths: coherent both ways
M2=$(disks path "$D" meta) || fail "disks.sh path meta"
V1B=$(disks path "$D" vol1) || fail "disks.sh path vol1"
check "path: a second device over the same file, direct I/O" \
	bash -c "[ '$M2' != '$META' ] && [ \"\$(losetup -n -O BACK-FILE '$M2')\" = \
		\"\$(losetup -n -O BACK-FILE '$META')\" ] && [ \"\$(cat /sys/block/${M2#/dev/}/loop/dio)\" = 1 ]"
check "path: O_DIRECT written through one path is read through the other" \
	same_bytes "$META" "$M2" 1 a
check "path: and the other way round" same_bytes "$M2" "$META" 2 b

# --- FUSE path: same bytes, fails on demand, recovers
F=$(disks fusepath "$D" meta 2>"$T/fuse.err") || fail "disks.sh fusepath: $(cat "$T/fuse.err")"
FUSE_PID=$(cat "$D/fuse-meta.pid" 2>/dev/null)
if dio_on "$F"; then
	pass "fusepath: loop device over FUSE has direct I/O"
else
	fail "fusepath: loop device over FUSE is buffered: $(cat "$T/fuse.err")"
fi
check "fusepath: reads what the first path wrote" bash -c \
	"dd if='$F' bs=64k skip=1 count=1 iflag=direct status=none | cmp - '$T/w.a'"
check "fusepath: writes are seen through another path" same_bytes "$F" "$M2" 3 c
check "fail on: reads through the FUSE path fail with EIO" \
	bash -c "sh '$DISKS' fail '$D' meta on && $(declare -f read_fails); T='$T' read_fails '$F'"
check "fail on: writes through the FUSE path fail with EIO" \
	bash -c "$(declare -f write_fails); T='$T' write_fails '$F'"
check "fail on: the other paths still work" same_bytes "$META" "$M2" 4 d
check "fail off: the FUSE path reads the disk again" bash -c \
	"sh '$DISKS' fail '$D' meta off && dd if='$F' bs=64k skip=4 count=1 iflag=direct \
		status=none | cmp - '$T/w.d'"
check "SIGUSR1 fails the FUSE path, SIGUSR2 restores it" bash -c \
	"$(declare -f read_fails reads_ok); T='$T'; kill -USR1 $FUSE_PID && sleep 0.2 &&
		read_fails '$F' && kill -USR2 $FUSE_PID && sleep 0.2 && reads_ok '$F'"

# --- dirty journal, replayed by e2fsck -p (seen through the volume's second path)
check "dirty: vol1 written, journal left dirty" disks dirty "$D" vol1 300
# shellcheck disable=SC1091
. "$D/disks.env"
check "dirty: needs_recovery seen through both paths" bash -c \
	"$(declare -f has_recovery); has_recovery '$VOL1' && has_recovery '$V1B'"
check "dirty: e2fsck -p replays the journal, no errors left" bash -c \
	"$(declare -f replays has_recovery); T='$T' replays '$V1B'"
check "dirty: the payload and the 300 files survived" bash -c \
	"$(declare -f payload_intact); T='$T' payload_intact '$VOL1' '${VOL1_PAYLOAD_SHA256:-none}' 300"

# --- corrupt: e2fsck -p gives up
check "corrupt: vol2 damaged" disks corrupt "$D" vol2
check "corrupt: e2fsck -p exits >= 4" fsck_gives_up "$VOL2"

# --- the benchmark baseline: fsck + mount in sequence, refuses vol2
check "dirty: vol0 for the benchmark baseline" disks dirty "$D" 0 100
rc=0
bash "$DG_SEQ" "$D" >"$T/seq" 2>&1 || rc=$?
cat "$T/seq"
check "dg_seq: vol0 replayed and mounted, vol1 mounted, vol2 refused (exit 1)" bash -c "
	[ $rc -eq 1 ] &&
	grep -Eq '^dg_seq: vol0 .* fsck_rc=[01] fsck_ms=[0-9]+ mount_ms=[0-9]+\$' '$T/seq' &&
	grep -Eq '^dg_seq: vol1 .* fsck_rc=[01] fsck_ms=[0-9]+ mount_ms=[0-9]+\$' '$T/seq' &&
	grep -Eq '^dg_seq: vol2 .* fsck_rc=([4-9]|1[0-9]) .*mount_ms=- \\(not mounted' '$T/seq' &&
	grep -Eq '^dg_seq: total_ms=[0-9]+ volumes=3 slowest_ms=[0-9]+ failed=1\$' '$T/seq'"
check "dg_seq: nothing left mounted, vol0 clean" bash -c \
	"! grep -F ' $D/seq-mnt' /proc/self/mounts && ! [ -e '$D/seq-mnt' ] && e2fsck -fn '$VOL0'"

# --- down: nothing left, and again
check "down: succeeds" disks down "$D"
check "down: no loop device, mount or file left" bash -c \
	"$(declare -f leftovers); [ -z \"\$(leftovers '$D')\" ] && ! [ -e '$D' ]"
check "down: hbpf-fusefail exited" bash -c "[ -n '$FUSE_PID' ] && ! kill -0 '$FUSE_PID'"
check "down: idempotent" disks down "$D"

# --- a failed up (mkfs.ext4 fails for the 2nd volume) removes what it made
mkdir -p "$T/bin"
printf '#!/bin/sh\n[ -e %s/mkfs1 ] && exit 1\n: >%s/mkfs1\nexec /sbin/mkfs.ext4 "$@"\n' \
	"$T" "$T" >"$T/bin/mkfs.ext4"
chmod +x "$T/bin/mkfs.ext4"
rc=0
PATH="$T/bin:$PATH" sh "$DISKS" up "$D2" "${P}b" 2 16M >"$T/up2" 2>&1 || rc=$?
check "partial up: fails and leaves nothing" bash -c \
	"$(declare -f leftovers); [ $rc -ne 0 ] && [ -z \"\$(leftovers '$D2')\" ] && ! [ -e '$D2' ]"

if [ "$nfail" -ne 0 ]; then
	echo "FAIL test_lab_disks: $nfail check(s) failed"
	exit 1
fi
echo "PASS test_lab_disks"
