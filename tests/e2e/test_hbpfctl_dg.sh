#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# hbpfctl dg init / dg show on loop devices over sparse files: the header,
# volumes and filesystem UUIDs written and read back, every refusal of init
# (and that a refused init writes nothing), slot ages from a writer that
# renews one slot, and show's precise errors for corrupt, foreign and newer
# metadata.  Needs root (losetup) and mkfs.ext4; python3 crafts the blocks.
# Prints one PASS/FAIL line per check; exits 1 if any failed.
set -u
cd "$(dirname "$0")/../.."
: "${O:=build}"
: "${HBPFCTL:=$O/hbpfctl}"
TEST_NAME=hbpfctl_dg

TMP=$(mktemp -d "/var/tmp/hbpfctl-dg-$$.XXXXXX")
LOOPS=()
WRITER_PID=""
failed=0

cleanup() {
	set +e
	[ -n "$WRITER_PID" ] && kill "$WRITER_PID" 2>/dev/null && wait "$WRITER_PID" 2>/dev/null
	for l in "${LOOPS[@]}"; do
		losetup -d "$l"
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

ok() { echo "PASS $TEST_NAME: $1"; }
ko() {
	echo "FAIL $TEST_NAME: $1"
	sed 's/^/    stdout: /' "$TMP/out"
	sed 's/^/    stderr: /' "$TMP/err"
	failed=$((failed + 1))
}

# t NAME RC PATTERN... -- ARGS: run hbpfctl ARGS, expect exit code RC and every
# extended regex PATTERN in its stdout+stderr ("!PATTERN": must not match).
t() {
	local name=$1 rc=$2 pats=() p got
	shift 2
	while [ "$1" != "--" ]; do
		pats+=("$1")
		shift
	done
	shift
	"$HBPFCTL" "$@" >"$TMP/out" 2>"$TMP/err"
	got=$?
	if [ "$got" -ne "$rc" ]; then
		ko "$name: exit $got, expected $rc"
		return
	fi
	for p in "${pats[@]}"; do
		if [ "${p#!}" != "$p" ]; then
			if cat "$TMP/out" "$TMP/err" | grep -qE -- "${p#!}"; then
				ko "$name: unexpected /${p#!}/"
				return
			fi
		elif ! cat "$TMP/out" "$TMP/err" | grep -qE -- "$p"; then
			ko "$name: missing /$p/"
			return
		fi
	done
	ok "$name"
}

# mkloop VAR FILE SIZE: a loop device with O_DIRECT over a new sparse file,
# its path stored in VAR (not echoed: a subshell could not record it in LOOPS).
mkloop() {
	local f=$TMP/$2 dev
	truncate -s "$3" "$f" || return 1
	dev=$(losetup -f --show --direct-io=on "$f") || return 1
	LOOPS+=("$dev")
	printf -v "$1" '%s' "$dev"
}

# Metadata bytes (header, owner, slots) of a backing file, for "nothing written".
meta_sum() { head -c 73728 "$TMP/$1" | md5sum | cut -d' ' -f1; }

[ -x "$HBPFCTL" ] || { echo "FAIL $TEST_NAME: $HBPFCTL not built"; exit 1; }
for c in python3 mkfs.ext4 losetup blkid; do
	command -v $c >/dev/null || { echo "FAIL $TEST_NAME: $c missing"; exit 1; }
done

# Block crafting: the layout of user/dgmeta.c (docs/DISKFORMAT.md), crc32c included.
cat >"$TMP/blk.py" <<'EOF'
import os, struct, sys, time
BLOCK = 4096
T = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    T.append(c)
def crc32c(b):
    c = 0xFFFFFFFF
    for x in b:
        c = T[(c ^ x) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF
path, cmd, args = sys.argv[1], sys.argv[2], [int(a) for a in sys.argv[3:]]
def rd(n):
    with open(path, "rb") as f:
        f.seek(n * BLOCK)
        return bytearray(f.read(BLOCK))
def wr(n, b):
    b[BLOCK - 4:] = struct.pack("<I", crc32c(bytes(b[:BLOCK - 4])))
    fd = os.open(path, os.O_WRONLY)
    os.pwrite(fd, bytes(b), n * BLOCK)
    os.fsync(fd)
    os.close(fd)
uuid = bytes(rd(0)[32:48])
def rec(magic, node):
    b = bytearray(BLOCK)
    b[0:8] = magic
    b[8:12] = struct.pack("<I", 1)
    b[12] = node
    return b
def slot(node, counter, gen):
    b = rec(b"HBPFDGS\0", node)
    b[16:32] = struct.pack("<QQ", counter, gen)
    b[32:48] = uuid
    wr(2 + node, b)
if cmd == "owner":            # owner NODE GEN
    b = rec(b"HBPFDGO\0", args[0])
    b[16:24] = struct.pack("<Q", args[1])
    b[24:40] = uuid
    wr(1, b)
elif cmd == "slot":           # slot NODE COUNTER GEN
    slot(*args)
elif cmd == "renew":          # renew NODE GEN SECONDS: advance every 20 ms, then stop
    end, n = time.monotonic() + args[2], 1
    while time.monotonic() < end:
        slot(args[0], n, args[1])
        n += 1
        time.sleep(0.02)
elif cmd == "version":        # version N: a header of another format version
    b = rd(0)
    b[8:12] = struct.pack("<I", args[0])
    wr(0, b)
elif cmd == "magic":          # a well-checksummed block that is not ours
    b = rd(0)
    b[0:8] = b"NOTHBPF\0"
    wr(0, b)
elif cmd == "foreign-owner":  # an owner record of another group
    b = rec(b"HBPFDGO\0", 0xff)
    b[24:40] = bytes(16)
    b[24] = 1
    wr(1, b)
EOF
blk() { python3 "$TMP/blk.py" "$@"; }

mkloop META meta 1M && mkloop V1 v1 32M && mkloop V2 v2 32M && mkloop RAW raw 4M &&
	mkloop META2 meta2 1M && mkloop TINY tiny 16K && mkloop XFS xfs 1M &&
	mkloop BTRFS btrfs 1M || { echo "FAIL $TEST_NAME: losetup"; exit 1; }
mkfs.ext4 -q -F "$V1" && mkfs.ext4 -q -F -t ext2 "$V2" ||
	{ echo "FAIL $TEST_NAME: mkfs.ext4"; exit 1; }
U1=$(blkid -s UUID -o value "$V1")
U2=$(blkid -s UUID -o value "$V2")
# Signatures only, at the documented offsets: enough for the probe, no mkfs.xfs needed.
printf 'XFSB' | dd of="$TMP/xfs" conv=notrunc status=none
printf '\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff\x00' |
	dd of="$TMP/xfs" bs=1 seek=32 conv=notrunc status=none
printf '_BHRfS_M' | dd of="$TMP/btrfs" bs=1 seek=$((65536 + 64)) conv=notrunc status=none
printf '\xb0\xb1\xb2\xb3\xb4\xb5\xb6\xb7\xb8\xb9\xba\xbb\xbc\xbd\xbe\xbf' |
	dd of="$TMP/btrfs" bs=1 seek=$((65536 + 32)) conv=notrunc status=none
touch "$TMP/plain"
ln -s "$V1" "$TMP/v1-alias"

CONF="$TMP/hbpf.conf"
cat >"$CONF" <<EOF
cluster 42
links l0
node n1 {
	id 0
	public e0
	link l0 e0 198.18.7.1
}
node n2 {
	id 1
	public e0
	link l0 e0 198.18.7.2
}
diskgroup data {
	meta $META
	meta n2 $TMP/absent-path
}
diskgroup spare {
	meta $META2
}
EOF
C=(-c "$CONF" -p "$TMP/nopin" -s "$TMP/nosock")
INIT=(dg init data --meta "$META" --volume "$V1:/srv/data" --volume "$V2:/srv/data/logs:ext2:noatime,ro")
ZERO=$(meta_sum meta)

# --- usage ---
t "dg without subcommand" 64 '^hbpfctl: dg: missing subcommand$' '^usage: hbpfctl dg init NAME --meta DEV' \
	-- "${C[@]}" dg
t "dg unknown subcommand" 64 "unknown subcommand 'frob'" -- "${C[@]}" dg frob
t "init: missing --meta" 64 'dg init: --meta DEV is required' -- "${C[@]}" dg init data --volume "$V1:/m"
t "init: missing volume" 64 'dg init: at least one --volume is required' -- "${C[@]}" dg init data --meta "$META"
t "init: missing NAME" 64 'dg init: missing NAME' -- "${C[@]}" dg init --meta "$META" --volume "$V1:/m"
t "init: bad name" 64 "invalid disk group name 'a/b'" -- "${C[@]}" dg init a/b --meta "$META" --volume "$V1:/m"
t "init: relative mountpoint" 64 'dg init: --volume mountpoint "srv" is not absolute' \
	-- "${C[@]}" dg init data --meta "$META" --volume "$V1:srv"
t "init: mountpoint /" 64 'mountpoint "/" is not allowed' -- "${C[@]}" dg init data --meta "$META" --volume "$V1:/"
t "init: non-canonical mountpoint" 64 'mountpoint "/srv/../etc" is not canonical' \
	-- "${C[@]}" dg init data --meta "$META" --volume "$V1:/srv/../etc"
t "init: no mountpoint" 64 "\"$V1\" is not DEV:MOUNTPOINT" -- "${C[@]}" dg init data --meta "$META" --volume "$V1"
t "init: duplicate mountpoint" 64 'volumes 0 and 1 share mountpoint /srv/a' \
	-- "${C[@]}" dg init data --meta "$META" --volume "$V1:/srv/a" --volume "$V2:/srv/a"
t "init: duplicate device" 64 "volumes 0 and 1 share device $V1" \
	-- "${C[@]}" dg init data --meta "$META" --volume "$V1:/srv/a" --volume "$V1:/srv/b"
t "init: renew too short" 64 'at least 3 x --renew \(got 100 and 200 ms\)' \
	-- "${C[@]}" "${INIT[@]}" --lease-timeout 200 --renew 100
t "init: bad number" 64 "--renew: '10x' is not 1..3600000" -- "${C[@]}" "${INIT[@]}" --renew 10x
t "init: unknown option" 64 "unknown option '--frob'" -- "${C[@]}" "${INIT[@]}" --frob
t "init: same device twice" 1 "$V1 and $TMP/v1-alias are the same device" \
	-- "${C[@]}" dg init data --meta "$META" --volume "$V1:/a" --volume "$TMP/v1-alias:/b"
t "init: not a block device" 1 "$TMP/plain is not a block device" \
	-- "${C[@]}" dg init data --meta "$META" --volume "$TMP/plain:/a"
t "init: no filesystem" 1 "$RAW: no ext2/3/4, xfs or btrfs filesystem found" \
	-- "${C[@]}" dg init data --meta "$META" --volume "$RAW:/a"
t "init: wrong fstype" 1 "$V1: no xfs filesystem found \\(found ext4\\)" \
	-- "${C[@]}" dg init data --meta "$META" --volume "$V1:/a:xfs"
t "init: ext2 over ext4" 1 "$V1: the filesystem uses ext4 features; ext2 cannot mount it" \
	-- "${C[@]}" dg init data --meta "$META" --volume "$V1:/a:ext2"
t "init: unsupported fstype" 1 'unsupported filesystem type "vfat"' \
	-- "${C[@]}" dg init data --meta "$META" --volume "$V1:/a:vfat"
t "init: meta is a volume" 1 "--meta $V1 is also volume 0" -- "${C[@]}" dg init data --meta "$V1" --volume "$V1:/a"
t "init: meta not a block device" 1 "--meta $TMP/plain is not a block device" \
	-- "${C[@]}" dg init data --meta "$TMP/plain" --volume "$V1:/a"
t "init: meta too small" 1 "$TINY: cannot write the metadata: device is smaller than the metadata area" \
	-- "${C[@]}" dg init data --meta "$TINY" --volume "$V1:/a"
if [ "$(meta_sum meta)" = "$ZERO" ]; then ok "refused inits wrote nothing"; else ko "refused inits wrote nothing"; fi

# --- init and show ---
t "init" 0 "^initialized disk group data on $META$" '^disk group: data$' \
	'^lease: timeout 900 ms, renew 100 ms$' \
	"^  0 +$V1 +ext4 +$U1 +/srv/data +defaults +auto$" \
	"^  1 +$V2 +ext2 +$U2 +/srv/data/logs +noatime,ro +auto$" \
	-- "${C[@]}" "${INIT[@]}" --lease-timeout 900 --renew 100
GUUID=$(sed -n 's/^uuid: //p' "$TMP/out")
t "show --meta" 0 '^disk group: data$' "^metadata device: $META$" "^uuid: $GUUID$" \
	'^format version: 1$' '^created: 20[0-9]{2}-[0-9]{2}-[0-9]{2} ' '^lease: timeout 900 ms, renew 100 ms$' \
	'^volumes: 2$' "^  0 +$V1 +ext4 +$U1 +/srv/data +defaults +auto$" \
	"^  1 +$V2 +ext2 +$U2 +/srv/data/logs +noatime,ro +auto$" \
	'^owner: none, generation 0$' '^slots: none used$' -- "${C[@]}" dg show --meta "$META"
t "show NAME via the config (-N n1)" 0 "^metadata device: $META$" -- "${C[@]}" dg sh data -N n1
t "show NAME uses the node's own path" 1 "^hbpfctl: $TMP/absent-path: No such file or directory$" \
	-- "${C[@]}" dg show data -N n2
t "show NAME, node unknown" 64 'per-node metadata paths and this node is unknown' -- "${C[@]}" dg show data
t "show: -N not a node" 64 '-N n9 is not a node' -- "${C[@]}" dg show data -N n9
t "show: unknown group" 64 "unknown disk group 'nope' \\(disk groups: data, spare\\)" -- "${C[@]}" dg show nope
t "show: name mismatch" 1 "$META holds disk group 'data', not 'spare'" -- "${C[@]}" dg show spare --meta "$META"
t "show: uninitialized" 1 "$META2: header: block is all zero: not an hbpf disk group" \
	-- "${C[@]}" dg show spare
if "$HBPFCTL" -j "${C[@]}" dg show --meta "$META" >"$TMP/out" 2>"$TMP/err" &&
	python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
v = d["volumes"]
sys.exit(0 if d["name"] == "data" and d["uuid"] == sys.argv[2] and d["version"] == 1 and
	d["lease_timeout_ms"] == 900 and d["renew_ms"] == 100 and len(v) == 2 and
	v[0]["fs_uuid"] == sys.argv[3] and v[1]["fs_uuid"] == sys.argv[4] and
	v[1]["options"] == "noatime,ro" and v[1]["fstype"] == "ext2" and v[1]["order"] == 1 and
	d["owner"] == {"node": None, "node_id": None, "generation": 0} and d["slots"] == [] else 1)' \
		"$TMP/out" "$GUUID" "$U1" "$U2"; then
	ok "show -j"
else
	ko "show -j"
fi
t "-j refused by init" 64 "-j is not supported by 'dg init'" -- -j "${C[@]}" "${INIT[@]}"

# --- owner and slots: n2 renews, n1's slot is left behind ---
blk "$TMP/meta" owner 1 5
blk "$TMP/meta" slot 0 7 4
blk "$TMP/meta" renew 1 5 3 &
WRITER_PID=$!
sleep 0.3
t "show slots" 0 '^owner: n2 \(id 1\), generation 5$' '^  n1 +0 +7 +4  stalled$' \
	'^  n2 +1 +[0-9]+ +5  advancing$' -- "${C[@]}" dg show --meta "$META"
if "$HBPFCTL" -j "${C[@]}" dg show --meta "$META" >"$TMP/out" 2>"$TMP/err" &&
	python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
s = d["slots"]
sys.exit(0 if d["owner"] == {"node": "n2", "node_id": 1, "generation": 5} and
	[x["state"] for x in s] == ["stalled", "advancing"] and s[0]["counter"] == 7 else 1)' "$TMP/out"; then
	ok "show -j slots"
else
	ko "show -j slots"
fi
wait "$WRITER_PID"
WRITER_PID=""
t "show slots after the writer stopped" 0 '^  n2 +1 +[0-9]+ +5  stalled$' -- "${C[@]}" dg show --meta "$META"

# --- an existing group is never overwritten by accident ---
BEFORE=$(meta_sum meta)
t "init over a group refused" 1 "$META already holds disk group 'data' \\(uuid $GUUID\\); nothing written" \
	-- "${C[@]}" dg init other --meta "$META" --volume "$V1:/x"
if [ "$(meta_sum meta)" = "$BEFORE" ]; then ok "refused init wrote nothing"; else ko "refused init wrote nothing"; fi
t "init over a filesystem refused" 1 "$V2 already holds an ext2 filesystem \\(uuid $U2\\)" \
	-- "${C[@]}" dg init other --meta "$V2" --volume "$V1:/x"
t "init --force over a group" 0 "--force: overwriting disk group 'data' \\(uuid $GUUID\\) on $META" \
	'^disk group: other$' "!^uuid: $GUUID$" -- "${C[@]}" dg init other --meta "$META" --volume "$V1:/x" --force
t "forced init reset owner and slots" 0 '^disk group: other$' '^owner: none, generation 0$' \
	'^slots: none used$' -- "${C[@]}" dg show --meta "$META"

# --- xfs and btrfs signatures ---
t "init detects xfs and btrfs" 0 "^  0 +$XFS +xfs +11223344-5566-7788-99aa-bbccddeeff00 +/x " \
	"^  1 +$BTRFS +btrfs +b0b1b2b3-b4b5-b6b7-b8b9-babbbcbdbebf +/b " \
	-- "${C[@]}" dg init spare --meta "$META2" --volume "$XFS:/x" --volume "$BTRFS:/b:btrfs"
t "show spare by NAME" 0 '^disk group: spare$' '^volumes: 2$' -- "${C[@]}" dg show spare

# --- damaged metadata: refused precisely, exit 1 ---
printf '\x5a' | dd of="$TMP/meta" bs=1 seek=100 conv=notrunc status=none
t "corrupt header" 1 "^hbpfctl: $META: header: checksum mismatch \\(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\\): corrupt$" \
	'!^disk group' -- "${C[@]}" dg show --meta "$META"
t "corrupt header, json" 1 'header: checksum mismatch' '!\{' -- -j "${C[@]}" dg show --meta "$META"
blk "$TMP/meta2" version 2
t "newer version" 1 "^hbpfctl: $META2: header: format version 2 is newer than this hbpf \\(1\\)$" \
	-- "${C[@]}" dg show spare
t "init over a newer format refused" 1 "already holds disk group metadata of a newer format" \
	-- "${C[@]}" dg init spare --meta "$META2" --volume "$V1:/x"
blk "$TMP/meta2" version 1
blk "$TMP/meta2" foreign-owner
t "foreign owner record" 1 "^hbpfctl: $META2: owner: belongs to another disk group" -- "${C[@]}" dg show spare
blk "$TMP/meta2" magic
t "foreign header" 1 "^hbpfctl: $META2: header: bad magic 0x4e4f544842504600: not an hbpf disk group$" \
	-- "${C[@]}" dg show spare

if [ "$failed" -ne 0 ]; then
	echo "FAIL $TEST_NAME: $failed check(s) failed"
	exit 1
fi
echo "PASS $TEST_NAME: all checks"
