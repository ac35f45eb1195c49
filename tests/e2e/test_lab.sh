#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Self-test of the namespace lab (tools/lab/lab.sh) and of the client prober and
# responder (tools/prober.c, tools/responder.c), without any hbpf component:
# addresses are moved by hand and gratuitous ARP is sent with arping.
#
#   O=build sh tests/e2e/test_lab.sh
#
# Prints "PASS test_lab" or "FAIL test_lab: why" (non-zero exit).  Everything
# it creates carries a prefix unique to the run and is removed on any exit.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
O=${O:-build}
case "$O" in
/*) ;;
*) O=$PWD/$O ;;
esac
LAB_SH=$ROOT/tools/lab/lab.sh
PROBER=$O/tools/hbpf-prober
RESPONDER=$O/tools/hbpf-responder
P=tl$(($$ % 1000000))
TMP=$(mktemp -d /tmp/hbpf-test-lab.XXXXXX)

fail() {
	echo "FAIL test_lab: $*"
	exit 1
}

note() {
	echo "test_lab: $*"
}

lab() {
	sh "$LAB_SH" "$@"
}

# Kill only what this test started, by the pids it recorded.
stop_pids() {
	for f in "$TMP"/*.pid; do
		[ -e "$f" ] || continue
		kill "$(cat "$f")" 2>/dev/null || true
		rm -f "$f"
	done
}

cleanup() {
	rc=$?
	trap - EXIT INT TERM HUP
	stop_pids
	lab down "$P" >/dev/null 2>&1 || true
	lab down "tf$(($$ % 1000000))" >/dev/null 2>&1 || true
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

kv() { # FILE KEY
	sed -n "s/^$2=//p" "$1"
}

expect() { # FILE KEY OP VALUE WHAT
	v=$(kv "$1" "$2")
	case "$3" in
	=) [ "$v" = "$4" ] ;;
	-gt) [ -n "$v" ] && [ "$v" -gt "$4" ] ;;
	-ge) [ -n "$v" ] && [ "$v" -ge "$4" ] ;;
	-lt) [ -n "$v" ] && [ "$v" -lt "$4" ] ;;
	*) false ;;
	esac || fail "$5: $2=$v, want $3 $4 ($(tr '\n' ' ' <"$1"))"
}

probe() { # NODE OUT ARGS...: the prober in NODE, key=value output in OUT
	n=$1
	out=$2
	shift 2
	lab exec "$P" "$n" "$PROBER" -q "$@" >"$out" || fail "prober in $n failed: $*"
}

vip_move() { # FROM TO
	lab exec "$P" "$1" ip addr del "$LAB_VIP/24" dev pub0 || fail "del VIP on $1"
	lab exec "$P" "$2" ip addr add "$LAB_VIP/24" dev pub0 || fail "add VIP on $2"
	# Unsolicited ARP for the VIP from its new home: the client's existing
	# entry is overridden (no arp_accept needed for an entry that exists).
	case "$ARPING" in
	habets) lab exec "$P" "$2" timeout 5 arping -q -U -c 1 -i pub0 -S "$LAB_VIP" "$LAB_VIP" ;;
	iputils) lab exec "$P" "$2" timeout 5 arping -q -U -c 1 -I pub0 "$LAB_VIP" ;;
	esac
	# arping exits 1 when nothing answers, which is normal for -U.
	return 0
}

[ "$(id -u)" -eq 0 ] || fail "needs root"
if [ ! -x "$PROBER" ] || [ ! -x "$RESPONDER" ]; then
	fail "build $PROBER and $RESPONDER first (make)"
fi
ARPING=none
if command -v arping >/dev/null 2>&1; then
	if arping --help 2>&1 | grep -q Habets; then
		ARPING=habets
	elif arping -V 2>&1 | grep -qi iputils; then
		ARPING=iputils
	fi
fi

# --- the lab itself ---------------------------------------------------------
# An up that fails half way (here: ethtool refuses) removes what it built.
mkdir -p "$TMP/bin" && printf '#!/bin/sh\nexit 1\n' >"$TMP/bin/ethtool" && chmod +x "$TMP/bin/ethtool"
F=tf$(($$ % 1000000))
PATH="$TMP/bin:$PATH" lab up "$F" 2 >/dev/null 2>&1 && fail "up succeeded without ethtool"
ip netns list | grep -qE "^$F(sw|c|n[0-9])( |\$)" && fail "failed up left namespaces"
[ -e "/sys/fs/bpf/$F" ] && fail "failed up left /sys/fs/bpf/$F"

lab up "$P" 1 >/dev/null 2>&1 && fail "up accepted 1 node"
lab up "$P" 3 >/dev/null || fail "lab up"
lab up "$P" 3 >/dev/null 2>&1 && fail "second up of the same prefix accepted"
lab env "$P" >"$TMP/env" || fail "lab env"
# shellcheck disable=SC1091 # written just above
. "$TMP/env"
if [ "$LAB_NODES" != 3 ] || [ "$LAB_NODE1_PUB" != 198.18.0.12 ] ||
	[ "$LAB_NODE2_PRIV" != 198.19.0.13 ] || [ "$LAB_PIN" != "/sys/fs/bpf/$P" ]; then
	fail "lab env: $(tr '\n' ' ' <"$TMP/env")"
fi
for n in n0 n1 n2; do
	for d in pub priv; do
		lab exec "$P" sw ethtool -k "p-$d-$n" | grep -q '^generic-receive-offload: on' ||
			fail "GRO off on p-$d-$n"
	done
	# No route off the lab's subnets: a stray packet has nowhere to go.
	lab exec "$P" "$n" ip route get 192.0.2.1 >/dev/null 2>&1 && fail "$n has a route out"
done
[ "$(stat -f -c %T "$LAB_PIN")" = bpf_fs ] || fail "no bpffs at $LAB_PIN"
if command -v bpftool >/dev/null 2>&1; then
	# Pinned objects made inside a node are visible at LAB_PIN (nsenter --net).
	lab exec "$P" n0 bpftool map create "$LAB_PIN/labtest" type array key 4 value 4 \
		entries 1 name labtest || fail "bpftool map create in n0"
	[ -e "$LAB_PIN/labtest" ] || fail "pin from n0 not visible at $LAB_PIN"
fi

for i in 0 1 2; do
	lab exec "$P" "n$i" "$RESPONDER" -n "n$i" -D -P "$TMP/r$i.pid" || fail "responder n$i"
done

# Reachability on both networks, and a link cut from the switch side.
probe c "$TMP/pub" -t "$LAB_NODE2_PUB" -d 200
expect "$TMP/pub" first = n2 "client to n2 pub"
probe n0 "$TMP/priv" -t "$LAB_NODE1_PRIV" -d 200
expect "$TMP/priv" first = n1 "n0 to n1 priv"
lab link "$P" n1 priv down || fail "link down"
lab exec "$P" n1 ip link show priv0 | grep -q NO-CARRIER || fail "n1 priv0 has carrier"
probe n0 "$TMP/cut" -t "$LAB_NODE1_PRIV" -d 200
expect "$TMP/cut" answered = 0 "n1 priv cut"
lab isolate "$P" n1 || fail "isolate"
lab exec "$P" n1 ip link show pub0 | grep -q NO-CARRIER || fail "isolated n1 pub0 has carrier"
lab restore "$P" n1 || fail "restore"
probe n0 "$TMP/back" -t "$LAB_NODE1_PRIV" -d 200
expect "$TMP/back" answered -gt 100 "n1 priv restored"

# The prober refuses targets outside 198.18.0.0/15 and sends nothing.
"$PROBER" -q -t 192.0.2.1 -d 10 >/dev/null 2>&1
[ $? -eq 2 ] || fail "prober accepted 192.0.2.1"

# --- the VIP on n0 ----------------------------------------------------------
lab exec "$P" n0 ip addr add "$LAB_VIP/24" dev pub0 || fail "add VIP on n0"
probe c "$TMP/base" -t "$LAB_VIP" -d 2000
expect "$TMP/base" answered -gt 1500 "baseline"
expect "$TMP/base" first = n0 "baseline"
expect "$TMP/base" last = n0 "baseline"
expect "$TMP/base" dual = 0 "baseline"
expect "$TMP/base" outage_ms = 0.000 "baseline"
note "baseline: $(kv "$TMP/base" answered)/$(kv "$TMP/base" probes) answered," \
	"rtt p99 $(kv "$TMP/base" rtt_p99_us) us"

# SIGINT ends a long run early with a summary and exit 0.
# lab.sh execs nsenter, which execs the prober: $! is the prober itself.
sh "$LAB_SH" exec "$P" c "$PROBER" -q -t "$LAB_VIP" -d 60000 >"$TMP/int" &
ppid=$!
sleep 1
kill -INT "$ppid"
wait "$ppid" || fail "prober exit $? on SIGINT"
expect "$TMP/int" interrupted = 1 "SIGINT"
expect "$TMP/int" probes -lt 5000 "SIGINT"
expect "$TMP/int" answered -gt 500 "SIGINT"

if [ "$ARPING" = none ]; then
	note "SKIP VIP moves: no arping installed (apt-get install arping)"
	echo "PASS test_lab"
	exit 0
fi

# --- move n0 -> n1 by hand --------------------------------------------------
sh "$LAB_SH" exec "$P" c "$PROBER" -q -t "$LAB_VIP" -d 3000 >"$TMP/move" &
ppid=$!
sleep 1
vip_move n0 n1
wait "$ppid" || fail "prober failed during the move"
expect "$TMP/move" changes -ge 1 "move"
expect "$TMP/move" sequence = n0,n1 "move"
expect "$TMP/move" last = n1 "move"
expect "$TMP/move" dual = 0 "move"
expect "$TMP/move" flaps = 0 "move"
note "move n0->n1: outage $(kv "$TMP/move" outage_ms) ms at $(kv "$TMP/move" outage_start_ms) ms"

# --- n1 -> n0 -> n1 in one run: two changes, one flap -----------------------
sh "$LAB_SH" exec "$P" c "$PROBER" -q -t "$LAB_VIP" -d 3000 >"$TMP/flap" &
ppid=$!
sleep 0.8
vip_move n1 n0
sleep 0.8
vip_move n0 n1
wait "$ppid" || fail "prober failed during the flap"
expect "$TMP/flap" sequence = n1,n0,n1 "flap"
expect "$TMP/flap" changes = 2 "flap"
expect "$TMP/flap" flaps = 1 "flap"

# --- split brain as the client sees it --------------------------------------
# n0 takes n1's MAC and the VIP too, and the bridge stops learning (ageing 0,
# a hub): every frame reaches both, both answer each probe.
lab exec "$P" sw ip link set br-pub type bridge ageing_time 0 || fail "bridge ageing"
lab exec "$P" n0 ip link set pub0 address "$LAB_NODE1_PUB_MAC" || fail "n0 MAC"
lab exec "$P" n0 ip addr add "$LAB_VIP/24" dev pub0 || fail "add VIP on n0"
probe c "$TMP/dual" -t "$LAB_VIP" -d 1000 -j
grep -q '"dual":[1-9]' "$TMP/dual" || fail "no dual answers: $(cat "$TMP/dual")"
grep -q '"changes":0,' "$TMP/dual" || fail "dual counted as changes: $(cat "$TMP/dual")"
grep -qE '"per_node":\{"n[01]":[0-9]+,"n[01]":[0-9]+\}' "$TMP/dual" ||
	fail "per_node: $(cat "$TMP/dual")"

# --- down leaves nothing behind ---------------------------------------------
# A process left running in the lab is the lab's to stop.
sh "$LAB_SH" exec "$P" n2 sleep 30 &
spid=$!
sleep 0.2
stop_pids
[ -n "$(lab pids "$P")" ] || fail "lab pids does not see the sleeper"
lab down "$P" >/dev/null 2>&1 || fail "lab down"
wait "$spid" 2>/dev/null
kill -0 "$spid" 2>/dev/null && fail "sleeper $spid survived down"
ip netns list | grep -qE "^$P(sw|c|n[0-9])( |\$)" && fail "namespaces left: $(ip netns list)"
awk -v m="$LAB_PIN" '$2 == m { f = 1 } END { exit !f }' /proc/mounts && fail "$LAB_PIN mounted"
[ -e "$LAB_PIN" ] && fail "$LAB_PIN left"
lab down "$P" || fail "second down"
# A partial lab (as if up died early) goes away too.
ip netns add "${P}n1" || fail "netns add"
lab down "$P" || fail "down of a partial lab"
ip netns list | grep -qE "^${P}n1( |\$)" && fail "partial lab left"

echo "PASS test_lab"
