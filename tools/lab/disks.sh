#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# disks.sh: shared disks for the lab (e2e tests, the demo, the benchmark).
# Loop devices over sparse files are disks every lab node sees, whatever its
# network or mount namespace.  Everything lives in DIR: backing files, state,
# FUSE mountpoints; `down DIR` removes exactly what was made there.
#
#   disks.sh up DIR PREFIX NVOL SIZE    meta (1 MiB) + NVOL ext4 volumes of SIZE (64M, 1G)
#   disks.sh path DIR NAME              a second loop device over NAME (meta, volN); printed
#   disks.sh fusepath DIR NAME          a loop device over NAME through hbpf-fusefail; printed
#   disks.sh fail DIR NAME on|off       that FUSE path returns EIO on every I/O (on) or not
#   disks.sh dirty DIR VOLN [FILES]     write FILES files + "payload", leave the journal dirty
#   disks.sh corrupt DIR VOLN           damage volN so that `e2fsck -p` gives up (exit >= 4)
#   disks.sh down DIR                   remove everything (idempotent, also after a partial up)
#
# NAME is meta or volN; VOLN is volN or N.  `up` writes DIR/disks.env (shell
# assignments): DISKS_DIR, DISKS_PREFIX, NVOL, META, META_FILE, VOLn, VOLn_FILE,
# VOLn_UUID; `dirty` adds VOLn_FILES and VOLn_PAYLOAD_SHA256 (sha256 of the file
# "payload" at the volume's root).
#
# Every loop device is attached with --direct-io=on and checked: two loop
# devices over one file are coherent only when neither caches, so that O_DIRECT
# written through one path is what the other path reads (a dual-attached array).
# A FUSE path is also direct when the kernel allows it; `fusepath` says if not.
#
# `dirty` crashes a filesystem honestly: it mounts a copy of the volume, writes
# and fsyncs, then copies that image over the volume's backing file *while it
# is still mounted*, which is the state a node dying after the fsync leaves
# behind (journal committed, not checkpointed, superblock "needs_recovery").
# The volume must not be mounted anywhere while `dirty` or `corrupt` runs.
#
# hbpf-fusefail is $FUSEFAIL, else $O/tools/hbpf-fusefail (O defaults to build/).
#
# POSIX sh plus `local` (dash, bash and busybox sh all have it).
# shellcheck disable=SC3043
set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
FUSEFAIL=${FUSEFAIL:-${O:-$TOP/build}/tools/hbpf-fusefail}
MAX_VOL=16
WAIT_TENTHS=50 # bounded waits: 5 s in steps of 0.1 s

die() {
	echo "disks: $*" >&2
	exit 1
}

warn() {
	echo "disks: $*" >&2
}

usage() {
	sed -n '/^#   disks.sh/s/^#   //p' "$0" >&2
	exit 2
}

# The state directory, absolute and without symlinks: loop devices report their
# backing files by canonical path, and `down` finds its devices by that prefix.
state_dir() {
	[ -d "$1" ] || die "$1: no such directory"
	(cd "$1" && pwd -P)
}

lock() {
	exec 9>"$D/.lock"
	flock 9
}

load_env() {
	[ -f "$D/disks.env" ] || die "$D: no disks.env (run 'disks.sh up' first)"
	# shellcheck disable=SC1091
	. "$D/disks.env"
}

# NAME (meta, volN) -> its backing file.  NVOL and the rest come from disks.env.
# shellcheck disable=SC2153
file_of() {
	case "$1" in
	meta) echo "$META_FILE" ;;
	vol[0-9] | vol[0-9][0-9])
		[ "${1#vol}" -lt "$NVOL" ] || die "no volume $1 (NVOL=$NVOL)"
		eval "echo \"\$VOL${1#vol}_FILE\""
		;;
	*) die "bad disk name '$1' (meta, vol0..vol$((NVOL - 1)))" ;;
	esac
}

vol_name() {
	case "$1" in
	vol*) echo "$1" ;;
	*) echo "vol$1" ;;
	esac
}

# losetup with direct I/O, recorded in DIR/loops before anything else can fail.
attach() { # FILE -> prints the device
	local dev
	dev=$(losetup -f --show --direct-io=on "$1") || die "losetup $1 failed"
	echo "$dev $1" >>"$D/loops"
	echo "$dev"
}

dio_of() {
	cat "/sys/block/${1#/dev/}/loop/dio" 2>/dev/null || echo 0
}

attach_direct() { # FILE -> prints the device; fails unless direct I/O is on
	local dev
	dev=$(attach "$1")
	[ "$(dio_of "$dev")" = 1 ] || die "$dev: kernel refused direct I/O over $1"
	echo "$dev"
}

# Loop devices whose backing file is under DIR, whoever recorded them.
our_loops() {
	losetup -n -l -O NAME,BACK-FILE 2>/dev/null | while read -r dev back; do
		case "$back" in
		"$D"/*) echo "$dev" ;;
		esac
	done
}

loops_of_file() { # FILE -> every loop device over it (all paths)
	losetup -n -l -O NAME,BACK-FILE 2>/dev/null | while read -r dev back; do
		[ "$back" = "$1" ] && echo "$dev"
	done
	return 0
}

# Other paths keep blocks of the old contents in their buffer caches.
flush_paths() { # FILE NAME
	local dev
	for dev in $(loops_of_file "$1") $(loops_of_file "$D/fuse-$2/file"); do
		blockdev --flushbufs "$dev" || warn "flushbufs $dev failed"
	done
}

our_mounts() { # mountpoints under DIR in this mount namespace, deepest first
	awk -v d="$D/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r
}

fs_uuid() {
	dumpe2fs -h "$1" 2>/dev/null | sed -n 's/^Filesystem UUID: *//p'
}

cmd_up() {
	[ $# -eq 4 ] || usage
	local prefix="$2" nvol="$3" size="$4" i f dev
	case "$prefix" in
	"" | *[!A-Za-z0-9_-]*) die "bad prefix '$prefix' (letters, digits, _ and -)" ;;
	esac
	# It names the ext4 labels too, PREFIX-volNN, which hold 16 characters.
	[ "${#prefix}" -le 10 ] || die "prefix '$prefix' longer than 10 characters"
	case "$nvol" in
	"" | *[!0-9]*) die "bad volume count '$nvol'" ;;
	esac
	if [ "$nvol" -lt 1 ] || [ "$nvol" -gt "$MAX_VOL" ]; then
		die "volume count 1..$MAX_VOL"
	fi
	case "$size" in
	[1-9]*[0-9KMG]) ;;
	*) die "bad size '$size' (e.g. 64M, 1G)" ;;
	esac
	mkdir -p "$1"
	D=$(state_dir "$1")
	lock
	[ ! -e "$D/disks.env" ] || die "$D already has disks (disks.env exists)"
	# A failed up leaves nothing behind.
	trap 'rc=$?; [ $rc -eq 0 ] || { exec 9>&-; cmd_down "$D" >/dev/null 2>&1; }; exit $rc' EXIT
	{
		echo "DISKS_DIR=$D"
		echo "DISKS_PREFIX=$prefix"
		echo "NVOL=$nvol"
	} >"$D/disks.env.new"
	f="$D/$prefix-meta.img"
	truncate -s 1M "$f"
	dev=$(attach_direct "$f")
	printf 'META=%s\nMETA_FILE=%s\n' "$dev" "$f" >>"$D/disks.env.new"
	i=0
	while [ "$i" -lt "$nvol" ]; do
		f="$D/$prefix-vol$i.img"
		truncate -s "$size" "$f"
		dev=$(attach_direct "$f")
		mkfs.ext4 -q -F -L "$prefix-vol$i" "$dev" || die "mkfs.ext4 $dev failed"
		printf 'VOL%d=%s\nVOL%d_FILE=%s\nVOL%d_UUID=%s\n' "$i" "$dev" "$i" "$f" "$i" \
			"$(fs_uuid "$dev")" >>"$D/disks.env.new"
		i=$((i + 1))
	done
	mv "$D/disks.env.new" "$D/disks.env"
	cat "$D/disks.env"
}

cmd_path() {
	[ $# -eq 2 ] || usage
	D=$(state_dir "$1")
	lock
	load_env
	attach_direct "$(file_of "$2")"
}

fuse_pid() { # NAME -> PID of its hbpf-fusefail if it is still ours
	local pid
	pid=$(cat "$D/fuse-$1.spid" 2>/dev/null) || return 1
	case "$pid" in
	"" | *[!0-9]*) return 1 ;;
	esac
	{ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF " $D/fuse-$1 " || return 1
	echo "$pid"
}

cmd_fusepath() {
	[ $# -eq 2 ] || usage
	local name="$2" file mnt pid dev n=0
	D=$(state_dir "$1")
	lock
	load_env
	file=$(file_of "$name")
	mnt="$D/fuse-$name"
	[ -x "$FUSEFAIL" ] || die "$FUSEFAIL not built (make $FUSEFAIL or set FUSEFAIL)"
	! fuse_pid "$name" >/dev/null || die "$name already has a FUSE path at $mnt"
	mkdir -p "$mnt"
	rm -f "$D/fuse-$name.pid" "$D/fail-$name"
	# Its own session: a ^C to the test must not kill it before `down` has
	# detached the loop devices that use it.  No stdio shared with the caller,
	# nor the lock, or $(disks.sh fusepath ...) would never return.
	setsid "$FUSEFAIL" -f "$D/fail-$name" -P "$D/fuse-$name.pid" "$file" "$mnt" \
		</dev/null >>"$D/fuse-$name.log" 2>&1 9>&- &
	pid=$!
	echo "$pid" >"$D/fuse-$name.spid"
	while [ ! -s "$D/fuse-$name.pid" ]; do
		kill -0 "$pid" 2>/dev/null || die "hbpf-fusefail exited: $(tail -n 3 "$D/fuse-$name.log")"
		n=$((n + 1))
		[ "$n" -le "$WAIT_TENTHS" ] || die "hbpf-fusefail did not mount $mnt"
		sleep 0.1
	done
	# setsid execs in place when it can; else the pidfile has the real PID.
	cat "$D/fuse-$name.pid" >"$D/fuse-$name.spid"
	dev=$(attach "$mnt/file")
	[ "$(dio_of "$dev")" = 1 ] ||
		warn "$dev: no direct I/O through FUSE here; the loop device over $mnt/file is buffered"
	echo "$dev"
}

cmd_fail() {
	[ $# -eq 3 ] || usage
	D=$(state_dir "$1")
	load_env
	file_of "$2" >/dev/null
	fuse_pid "$2" >/dev/null || die "$2 has no FUSE path (disks.sh fusepath first)"
	case "$3" in
	on) : >"$D/fail-$2" ;;
	off) rm -f "$D/fail-$2" ;;
	*) usage ;;
	esac
}

# The payload's content is a function of the volume's name and UUID, so a test
# can check it byte for byte after recovery.
payload_text() { # VOLNAME UUID
	local i=0
	while [ "$i" -lt 256 ]; do
		printf 'hbpf payload %s %s line %04d\n' "$1" "$2" "$i"
		i=$((i + 1))
	done
}

# Runs in a private mount namespace: mount, write, fsync, copy while mounted.
cmd_dirty_inner() { # DEV MNT NFILES NAME UUID COPY_FROM COPY_TO
	local dev="$1" mnt="$2" nfiles="$3" i=0 d
	[ $# -eq 7 ] || usage
	mount -t ext4 "$dev" "$mnt"
	mkdir -p "$mnt/files"
	while [ "$i" -lt "$nfiles" ]; do
		d="$mnt/files/d$((i / 500))"
		[ -d "$d" ] || mkdir "$d"
		printf 'small file %d of %s\n' "$i" "$4" >"$d/f$i"
		i=$((i + 1))
	done
	payload_text "$4" "$5" >"$mnt/payload"
	sync "$mnt/payload"
	sync -f "$mnt"
	cp --sparse=always "$6" "$7"
	umount "$mnt"
}

# The work copy's mount lived in a private namespace that is gone by now.
dirty_cleanup() {
	local l
	for l in $(loops_of_file "$DIRTY_WORK"); do
		losetup -d "$l" || warn "cannot detach $l"
	done
	rm -f "$DIRTY_WORK"
	rmdir "$DIRTY_MNT" 2>/dev/null || :
}

cmd_dirty() {
	local name nfiles="${3:-2000}" n file uuid wdev sum
	if [ $# -lt 2 ] || [ $# -gt 3 ]; then
		usage
	fi
	D=$(state_dir "$1")
	lock
	load_env
	name=$(vol_name "$2")
	file=$(file_of "$name")
	[ "$name" != meta ] || die "meta has no filesystem"
	n=${name#vol}
	case "$nfiles" in
	"" | *[!0-9]*) die "bad file count '$nfiles'" ;;
	esac
	eval "uuid=\$VOL${n}_UUID"
	DIRTY_WORK="$D/dirty-$name.img"
	DIRTY_MNT="$D/dirty-mnt-$name"
	trap dirty_cleanup EXIT
	cp --sparse=always "$file" "$DIRTY_WORK"
	wdev=$(attach_direct "$DIRTY_WORK")
	mkdir -p "$DIRTY_MNT"
	unshare -m --propagation private sh "$0" _dirty-inner "$wdev" "$DIRTY_MNT" "$nfiles" \
		"$name" "$uuid" "$DIRTY_WORK" "$file" 9>&- || die "writing $name failed"
	flush_paths "$file" "$name"
	dumpe2fs -h "$file" 2>/dev/null | grep -q '^Filesystem features:.*needs_recovery' ||
		die "$name: journal is not dirty after the crash copy"
	sum=$(payload_text "$name" "$uuid" | sha256sum | cut -d' ' -f1)
	grep -v "^VOL${n}_FILES=\|^VOL${n}_PAYLOAD_SHA256=" "$D/disks.env" >"$D/disks.env.new" || :
	printf 'VOL%d_FILES=%d\nVOL%d_PAYLOAD_SHA256=%s\n' "$n" "$nfiles" "$n" "$sum" \
		>>"$D/disks.env.new"
	mv "$D/disks.env.new" "$D/disks.env"
	echo "$name: $nfiles files and payload (sha256 $sum) written, journal needs recovery"
}

cmd_corrupt() {
	[ $# -eq 2 ] || usage
	local name file n dev rc=0
	D=$(state_dir "$1")
	lock
	load_env
	name=$(vol_name "$2")
	file=$(file_of "$name")
	n=${name#vol}
	eval "dev=\$VOL$n"
	# The root inode cleared is beyond what preen mode may repair, and a state
	# of "not clean" makes e2fsck -p check instead of trusting the superblock.
	printf 'clri <2>\nssv state 0\n' | debugfs -w -f - "$dev" >/dev/null 2>&1 ||
		die "debugfs on $dev failed"
	flush_paths "$file" "$name"
	e2fsck -fn "$dev" >/dev/null 2>&1 || rc=$?
	[ "$rc" -ge 4 ] || die "$name: e2fsck -fn exits $rc after corruption, expected >= 4"
	echo "$name: root inode cleared, e2fsck -fn exits $rc (e2fsck -p will stop with 4)"
}

stop_fuse() { # NAME
	local pid n=0
	pid=$(fuse_pid "$1") || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	while kill -0 "$pid" 2>/dev/null; do
		n=$((n + 1))
		if [ "$n" -gt "$WAIT_TENTHS" ]; then
			warn "hbpf-fusefail $pid ignored SIGTERM, killing it"
			kill -KILL "$pid" 2>/dev/null || :
			break
		fi
		sleep 0.1
	done
}

cmd_down() {
	[ $# -eq 1 ] || usage
	local dev m f name n=0 left
	[ -d "$1" ] || return 0
	D=$(state_dir "$1")
	# Filesystems first (mounted under DIR in this namespace, FUSE excluded),
	# then loop devices, then the FUSE servers, whose files the loops held.
	for m in $(our_mounts); do
		case "$m" in
		"$D"/fuse-*) ;;
		*) umount "$m" 2>/dev/null || umount -l "$m" || warn "cannot unmount $m" ;;
		esac
	done
	for dev in $(our_loops); do
		losetup -d "$dev" 2>/dev/null || warn "cannot detach $dev"
	done
	for f in "$D"/fuse-*.spid; do
		[ -f "$f" ] || continue
		name=${f#"$D"/fuse-}
		stop_fuse "${name%.spid}"
	done
	for m in $(our_mounts); do
		umount -l "$m" || warn "cannot unmount $m"
	done
	# A busy loop device is only detached when its last user closes it.
	while left=$(our_loops) && [ -n "$left" ]; do
		n=$((n + 1))
		if [ "$n" -gt "$WAIT_TENTHS" ]; then
			warn "still attached (in use; detached when closed): $(echo "$left" | tr '\n' ' ')"
			break
		fi
		sleep 0.1
	done
	rm -f "$D/disks.env" "$D/disks.env.new" "$D/loops" "$D"/*.img "$D"/fuse-*.pid \
		"$D"/fuse-*.spid "$D"/fuse-*.log "$D"/fail-* "$D/.lock"
	for m in "$D"/fuse-* "$D"/dirty-mnt-* "$D"/seq-mnt; do
		if [ -d "$m" ]; then
			rmdir "$m" 2>/dev/null || warn "$m not empty, left in place"
		fi
	done
	rmdir "$D" 2>/dev/null || :
	[ -z "$left" ] && [ -z "$(our_mounts 2>/dev/null)" ]
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case "$cmd" in
up) cmd_up "$@" ;;
path) cmd_path "$@" ;;
fusepath) cmd_fusepath "$@" ;;
fail) cmd_fail "$@" ;;
dirty) cmd_dirty "$@" ;;
corrupt) cmd_corrupt "$@" ;;
down) cmd_down "$@" ;;
_dirty-inner) cmd_dirty_inner "$@" ;;
*) usage ;;
esac
