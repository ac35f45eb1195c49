#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# hbpfctl without a daemon: tests/e2e/mkmaps.c pins maps holding known values
# on a private bpffs, a python3 fake plays the control socket, and every view,
# action, exit code and refusal of hbpfctl is checked against them.
# Prints one PASS/FAIL line per check; exits 1 if any failed.
set -u
cd "$(dirname "$0")/../.."
: "${O:=build}"
: "${HBPFCTL:=$O/hbpfctl}"
: "${CC:=gcc}"
TEST_NAME=hbpfctl_maps
LAYOUT=$(sed -n "s/^#define HBPF_LAYOUT_VERSION \([0-9]*\).*/\1/p" include/hbpf/abi.h)

TMP=$(mktemp -d "/tmp/hbpfctl-test-$$.XXXXXX")
MNT=""
SRV_PID=""
failed=0

cleanup() {
	set +e
	[ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null
	[ -n "$MNT" ] && umount "$MNT"
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
# extended regex PATTERN in its stdout+stderr.  A PATTERN starting with "!"
# must not match.
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

[ -x "$HBPFCTL" ] || { echo "FAIL $TEST_NAME: $HBPFCTL not built"; exit 1; }
command -v python3 >/dev/null || { echo "FAIL $TEST_NAME: python3 missing"; exit 1; }
$CC -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -Iinclude tests/e2e/mkmaps.c \
	-lbpf -lelf -lz -o "$TMP/mkmaps" || { echo "FAIL $TEST_NAME: mkmaps build"; exit 1; }

# A private bpffs instance: nothing pinned here is visible under /sys/fs/bpf.
MNT="$TMP/bpffs"
mkdir "$MNT"
mount -t bpf bpf "$MNT" || { MNT=""; echo "FAIL $TEST_NAME: cannot mount bpffs"; exit 1; }

CONF="$TMP/hbpf.conf"
cat >"$CONF" <<'EOF'
cluster 42
interval 2ms
detect-mult 5
daemon-deadline 500ms
links priv pub
node alpha {
	id 0
	public veth0
	link priv eth1 198.18.1.1
	link pub veth0 198.18.0.1
}
node beta {
	id 1
	public veth0
	link priv eth1 198.18.1.2
	link pub veth0 198.18.0.2
}
node gamma {
	id 2
	public veth0
	link priv eth1 198.18.1.3
	link pub veth0 198.18.0.3
}
diskgroup data {
	meta /dev/disk/by-id/hbpf-test-absent
	meta alpha /dev/disk/by-id/hbpf-test-alpha
}
set web {
	vip 198.18.0.10/24
	vip 198.18.0.11/24
	nodes alpha beta
	diskgroup data
}
set db {
	vip 198.18.0.20/24
	nodes beta alpha
	autofailover no
}
EOF
NOSOCK="$TMP/nosock"
PIN="$MNT/ok"
"$TMP/mkmaps" "$PIN" || { echo "FAIL $TEST_NAME: mkmaps"; exit 1; }
C=(-c "$CONF" -p "$PIN" -s "$NOSOCK")

# --- views of the kernel maps, daemon unreachable ---
t "status" 0 '^node: alpha \(id 0\), cluster 42$' '^daemon: running, pid 4242, stamp [0-9]+ ms ago$' \
	'^timers: interval 2 ms, peer deadline 10 ms, daemon deadline 500 ms, self demote 450 ms' \
	'^peer beta \(1\): alive, last seen [0-9]+ ms ago$' '^peer gamma \(2\): unknown, last seen -$' \
	'!peer alpha' '^set web \(0\): owned here, owner alpha, epoch 3, since 1[2-9]\.[0-9] s$' \
	'^set db \(1\): not owned, owner beta, epoch 7, since 5m[0-9]{2}s$' \
	'^drops: short 3, cluster 4$' \
	"^daemon: not answering \\(cannot connect to $NOSOCK: No such file or directory\\)$" \
	-- "${C[@]}" status
t "status prefix 'st'" 0 '^node: alpha' -- "${C[@]}" st
t "peers" 0 '^beta +1 alive +[0-9.]+ +1000 +990 +3\.0 +daemon-up,public-up$' \
	'^gamma +2 unknown +- +0 +0 +- +-$' \
	'^priv +beta +[0-9.]+ +35\.2 +33\.1 +4\.0 +100 +10\.00$' '^pub +beta +- .* 0 +-$' \
	-- "${C[@]}" peers
t "sets" 0 '^web +\? +yes +alpha +3 02:00:c6:12:00:0a 1[2-9]\.[0-9] s +198\.18\.0\.10,198\.18\.0\.11 +-$' \
	'^db +\? +no +beta +7 02:00:c6:12:00:14 5m[0-9]{2}s +198\.18\.0\.20 +-$' \
	'^daemon: not answering' -- "${C[@]}" sets
t "counters" 0 '^drop short 3$' '^drop cluster 4$' '^drop magic 0$' '^stat hb_rx 12$' \
	'^stat garp_refused 0$' -- "${C[@]}" counters
t "names by id without config" 0 '^node: node0 \(id 0\)' '^peer node1 \(1\)' '^set set0 \(0\)' \
	"^hbpfctl: warning: $TMP/absent.conf:0: .*\\(names not checked, shown by id\\)$" \
	-- -c "$TMP/absent.conf" -p "$PIN" -s "$NOSOCK" status
sed 's/^cluster 42$/cluster 7/' "$CONF" >"$TMP/other.conf"
t "cluster mismatch" 0 'is for cluster 7 but the kernel runs cluster 42' '^node: node0' \
	-- -c "$TMP/other.conf" -p "$PIN" -s "$NOSOCK" status

# --- JSON: parse it and check values ---
jcheck() {
	local name=$1 expr=$2
	shift 2
	if "$HBPFCTL" -j "${C[@]}" "$@" >"$TMP/out" 2>"$TMP/err" &&
		python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($expr) else 1)" \
			"$TMP/out" 2>>"$TMP/err"; then
		ok "$name"
	else
		ko "$name"
	fi
}
jcheck "json status" 'd["node"]["name"]=="alpha" and d["cluster"]==42 and d["daemon"]["state"]=="running" and d["daemon"]["pid"]==4242 and d["timers"]["interval_ms"]==2.0 and [p["name"] for p in d["peers"]]==["beta","gamma"] and d["peers"][1]["last_seen_ms"] is None and d["sets"][0]["owned"] and d["sets"][1]["owner"]=="beta" and d["drops"]=={"short":3,"cluster":4} and not d["control"]["answering"]' status
jcheck "json peers" 'd["peers"][0]["rx"]==1000 and d["peers"][0]["daemon_age_ms"]==3.0 and d["links"][0]["link"]=="priv" and d["links"][0]["loss_pct"]==10.0 and d["links"][0]["rtt_us"]==35.2 and d["links"][1]["loss_pct"] is None and len(d["links"])==4' peers
jcheck "json sets" 'd["sets"][0]["vips"]==["198.18.0.10","198.18.0.11"] and d["sets"][0]["vmac"]=="02:00:c6:12:00:0a" and d["sets"][0]["auto"] and not d["sets"][1]["auto"] and d["sets"][1]["epoch"]==7 and d["sets"][0]["daemon"] is None' sets
jcheck "json counters" 'd["drops"]["short"]==3 and d["stats"]["hb_rx"]==12 and len(d["drops"])==16 and len(d["stats"])==11' counters

# --- daemon liveness from the stamp ---
"$TMP/mkmaps" "$MNT/stale" stale && t "stale stamp" 0 '^daemon: stale, pid 4242, stamp (8[0-9]{2} ms|[0-9.]+ s) ago$' \
	-- -c "$CONF" -p "$MNT/stale" -s "$NOSOCK" status
"$TMP/mkmaps" "$MNT/stopped" stopped && t "no stamp" 0 '^daemon: not running' \
	-- -c "$CONF" -p "$MNT/stopped" -s "$NOSOCK" status

# --- refusals: wrong layout, wrong type, nothing pinned ---
"$TMP/mkmaps" "$MNT/badpeers" bad-peers
t "wrong value size" 2 "^hbpfctl: $MNT/badpeers/v$LAYOUT/peers: value size 64, expected 72 \\(struct hbpf_peer\\): pinned layout does not match" \
	'!^node:' -- -c "$CONF" -p "$MNT/badpeers" -s "$NOSOCK" status
"$TMP/mkmaps" "$MNT/badtype" bad-type
t "wrong map type" 2 "^hbpfctl: $MNT/badtype/v$LAYOUT/config: map type 1, expected 2" \
	-- -c "$CONF" -p "$MNT/badtype" -s "$NOSOCK" counters
t "nothing pinned" 2 "^hbpfctl: cannot open $TMP/none/v$LAYOUT/config: No such file or directory" \
	-- -c "$CONF" -p "$TMP/none" -s "$NOSOCK" peers

# --- dg show NAME: this node comes from the pinned config map (self = alpha) ---
t "dg show: node from the maps" 1 '^hbpfctl: /dev/disk/by-id/hbpf-test-alpha: No such file or directory$' \
	-- "${C[@]}" dg show data
t "dg show: -N wins over the maps" 1 '^hbpfctl: /dev/disk/by-id/hbpf-test-absent: No such file or directory$' \
	-- "${C[@]}" dg show data -N beta

# --- usage errors ---
t "no command" 64 'missing command' '^usage: hbpfctl' -- "${C[@]}"
t "unknown command" 64 "unknown command 'frob'" -- "${C[@]}" frob
t "ambiguous command" 64 "ambiguous command 's' \\(status, sets, shutdown\\)" -- "${C[@]}" s
t "extra argument to a view" 64 '^hbpfctl: peers: too many arguments$' '^usage: hbpfctl peers$' -- "${C[@]}" peers now
t "-j on an action" 64 "-j is not supported by 'ping'" -- -j "${C[@]}" ping
t "bad option" 64 '^usage: hbpfctl' -- -x status
t "help" 0 '^usage: hbpfctl' 'move SET NODE' -- -h

# --- actions against a fake daemon ---
SOCK="$TMP/ctl.sock"
REQS="$TMP/requests"
cat >"$TMP/fake.py" <<'EOF'
import os, socket, sys
path, mode, log = sys.argv[1], sys.argv[2], sys.argv[3]
replies = {
    "ping": "ok pong alpha\n",
    "move web beta": "releasing web\nhanded web to beta\nok moving web to beta\n",
    "acquire db": "error: db is owned by live peer beta\n",
    "release web": "this is not a protocol line\n",
    "sets": "web online alpha 3 svc-start 12.345\ndb offline beta 7 - 0.000\nok\n",
    "dg-import data force": "fsck /dev/loop1: clean in 41 ms\nok imported data in 120 ms\n",
    "dg-import data": "error: data is held by live node beta (use --force)\n",
    "dg-deport data": "ok deported data in 30 ms\n",
}
# "answer" plays a daemon that predates disk groups: dg-status is unknown to it.
if mode == "dgs":
    replies["dg-status"] = "data held gen 7, 2 volumes mounted\nok\n"
elif mode == "dgerr":
    replies["dg-status"] = "error: metadata device unreadable\n"
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(16)
s.settimeout(60)   # stops by itself even if the test dies
held = []
for _ in range(64):
    try:
        c, _ = s.accept()
    except socket.timeout:
        break
    if mode == "hang":
        held.append(c)
        continue
    data = b""
    while not data.endswith(b"\n"):
        chunk = c.recv(512)
        if not chunk:
            break
        data += chunk
    req = data.decode().rstrip("\n")
    with open(log, "a") as f:
        f.write(req + "\n")
    c.sendall(replies.get(req, "error: unknown request '%s'\n" % req).encode())
    c.close()
EOF
start_fake() {
	rm -f "$SOCK"
	python3 "$TMP/fake.py" "$SOCK" "$1" "$REQS" &
	SRV_PID=$!
	for _ in $(seq 50); do
		[ -S "$SOCK" ] && return 0
		sleep 0.1
	done
	echo "FAIL $TEST_NAME: fake daemon did not start"
	exit 1
}
stop_fake() {
	kill "$SRV_PID" 2>/dev/null
	wait "$SRV_PID" 2>/dev/null
	SRV_PID=""
}
: >"$REQS"
start_fake answer
S=(-c "$CONF" -p "$PIN" -s "$SOCK")
t "ping" 0 '^ok pong alpha$' -- "${S[@]}" ping
t "move" 0 '^releasing web$' '^handed web to beta$' '^ok moving web to beta$' -- "${S[@]}" move web beta
t "acquire refused" 1 '^error: db is owned by live peer beta$' -- "${S[@]}" acq db
t "garbled reply" 1 "does not end in ok or error: 'this is not a protocol line'" -- "${S[@]}" rel web
t "dg import --force" 0 '^fsck /dev/loop1: clean in 41 ms$' '^ok imported data in 120 ms$' \
	-- "${S[@]}" dg imp data --force
t "dg import refused" 1 '^error: data is held by live node beta \(use --force\)$' -- "${S[@]}" dg import data
t "dg deport" 0 '^ok deported data in 30 ms$' -- "${S[@]}" dg dep data
t "dg import: unknown group" 64 "^hbpfctl: unknown disk group 'logs' \\(disk groups: data\\)$" \
	-- "${S[@]}" dg import logs
t "dg deport: no --force" 64 "unknown option '--force'" '^usage: hbpfctl dg deport NAME$' \
	-- "${S[@]}" dg deport data --force
t "dg import: two names" 64 'dg import: too many arguments' -- "${S[@]}" dg import data db
t "status with daemon" 0 '^set web \(0\): owned here, .*, daemon online \(last step svc-start 12\.345 ms\)$' \
	'^set db \(1\): not owned, .*, daemon offline$' '!not answering' '!disk groups' -- "${S[@]}" status
t "sets with daemon" 0 '^web +online +yes .* svc-start 12\.345 ms$' '^db +offline +no .* -$' \
	'!not answering' -- "${S[@]}" sets
if [ "$("$HBPFCTL" "${S[@]}" sets | awk '$1 == "web" { print $2 }')" = online ]; then
	ok "sets: state is column 2"
else
	ko "sets: state is column 2"
fi
jcheck2() {
	if "$HBPFCTL" -j "${S[@]}" sets >"$TMP/out" 2>"$TMP/err" &&
		python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["sets"][0]["daemon"]=={"state":"online","step":"svc-start","step_ms":"12.345"} and d["sets"][1]["daemon"]["step"] is None and d["control"]["answering"] else 1)' "$TMP/out"; then
		ok "json sets with daemon"
	else
		ko "json sets with daemon"
	fi
}
jcheck2
# Refused arguments must not reach the daemon.
t "unknown set" 64 "^hbpfctl: unknown set 'mail' \\(sets: web, db\\)$" -- "${S[@]}" acquire mail
t "unknown node" 64 "^hbpfctl: unknown node 'delta' \\(nodes: alpha, beta, gamma\\)$" -- "${S[@]}" move web delta
t "missing argument" 64 'move: missing argument' '^usage: hbpfctl move SET NODE$' -- "${S[@]}" move web
t "extra argument" 64 'ping: too many arguments' '^usage: hbpfctl ping$' -- "${S[@]}" ping now
t "name with space" 64 "invalid set name 'web shutdown'" -- "${S[@]}" release "web shutdown"
t "name with newline" 64 "invalid set name" -- -c "$TMP/absent.conf" -s "$SOCK" reset "$(printf 'web\nshutdown')"
stop_fake
expected=$(printf 'ping\nmove web beta\nacquire db\nrelease web\ndg-import data force\ndg-import data\ndg-deport data\nsets\ndg-status\nsets\nsets\nsets\n')
if [ "$(cat "$REQS")" = "$expected" ]; then
	ok "daemon saw exactly the valid requests"
else
	echo "FAIL $TEST_NAME: requests seen by the fake daemon:"
	sed 's/^/    /' "$REQS"
	failed=$((failed + 1))
fi

# A daemon that knows disk groups: status shows them with their set.
start_fake dgs
t "status with disk groups" 0 '^disk groups:$' '^  data \(set web\): held gen 7, 2 volumes mounted$' \
	-- "${S[@]}" status
if "$HBPFCTL" -j "${S[@]}" status >"$TMP/out" 2>"$TMP/err" &&
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["diskgroups"]==[{"name":"data","set":"web","status":"held gen 7, 2 volumes mounted"}] else 1)' "$TMP/out"; then
	ok "json status with disk groups"
else
	ko "json status with disk groups"
fi
stop_fake
start_fake dgerr
t "status, dg-status failing" 0 '^disk groups: error: metadata device unreadable$' '^set web' \
	-- "${S[@]}" status
stop_fake

# A daemon that accepts but never answers: the kernel view still prints.
start_fake hang
t "status with hung daemon" 0 '^node: alpha' '^set web \(0\): owned here' \
	"^daemon: not answering \\(no reply on $SOCK within 1000 ms\\)$" -- "${S[@]}" status
stop_fake
t "daemon unreachable" 2 "^hbpfctl: cannot connect to $NOSOCK: No such file or directory$" \
	-- "${C[@]}" ping
t "stale socket" 2 "^hbpfctl: cannot connect to $SOCK: Connection refused$" -- "${S[@]}" shutdown

# --- check ---
t "check ok" 0 '^configuration OK$' 'set web' -- check "$CONF"
t "check via -c" 0 '^configuration OK$' -- -c "$CONF" check
printf 'cluster 42\nbogus-directive 1\n' >"$TMP/bad.conf"
t "check bad" 1 "^$TMP/bad.conf:2: " '!configuration OK' -- check "$TMP/bad.conf"
t "check missing" 1 "$TMP/absent.conf" -- check "$TMP/absent.conf"
t "check extra" 64 'check: too many arguments' -- check "$CONF" "$CONF"

if [ "$failed" -ne 0 ]; then
	echo "FAIL $TEST_NAME: $failed check(s) failed"
	exit 1
fi
echo "PASS $TEST_NAME: all checks"
