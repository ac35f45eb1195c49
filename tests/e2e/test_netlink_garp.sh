#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# End-to-end test of user/netlink.c and user/garp.c (root).  Two network
# namespaces of its own joined by a veth pair, 198.18.x addresses only:
#   A:v0 198.18.1.1/24  <->  B:v1 198.18.1.2/24
# Checks: link facts; VIP add/present/del round trip (idempotency, /32 with
# noprefixroute inside a connected prefix, own prefix otherwise, VIP survives
# the deletion of the primary address); the link monitor sees carrier go
# down and up when the peer is set down and up; GARPs captured on the peer,
# byte for byte: AF_PACKET path, XDP live-frames path (GRO on the peer) and
# the automatic fallback when the peer drops XDP frames (GRO off), with a
# two-instruction XDP_TX program and, when it is built, hbpf's xdp_garp.
#
# Usage: O=build sh tests/e2e/test_netlink_garp.sh   (builds its driver)
set -eu

if [ "$(id -u)" != 0 ]; then
	echo "skip test_netlink_garp: needs root"
	exit 0
fi
O=${O:-build}
DRV=$O/tests/e2e/nlgarp_drv
BPFOBJ=$O/bpf/hbpf.bpf.o
P=hbnlg$$
A=${P}a
B=${P}b
TMP=$(mktemp -d /tmp/${P}.XXXXXX)
PIDS=""
FAIL=0

cleanup() {
	for pid in $PIDS; do
		kill "$pid" 2>/dev/null || true
	done
	ip netns del "$A" 2>/dev/null || true
	ip netns del "$B" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; FAIL=1; }
has() { printf '%s\n' "$1" | grep -q -- "$2"; }
check() { # check DESCRIPTION COMMAND...
	d=$1
	shift
	if "$@"; then ok "$d"; else bad "$d"; fi
}
ina() { ip netns exec "$A" "$@"; }
inb() { ip netns exec "$B" "$@"; }

# Build the driver (same flags as the tree).
mkdir -p "$O/tests/e2e"
# shellcheck disable=SC2046 # pkg-config prints several words on purpose
gcc -std=gnu11 -O2 -g -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Werror -D_GNU_SOURCE -Iinclude -Iuser -I"$O" \
	$(pkg-config --cflags libnl-3.0 libnl-route-3.0) \
	tests/e2e/nlgarp_drv.c user/netlink.c user/garp.c user/ethtool.c user/proc.c user/log.c \
	-lnl-route-3 -lnl-3 -lbpf -lelf -lz -o "$DRV"
DRV=$(realpath "$DRV")

ip netns add "$A"
ip netns add "$B"
for ns in "$A" "$B"; do
	# No IPv6 chatter in the captures.
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
done
ip -n "$A" link add v0 type veth peer name v1 netns "$B"
ip -n "$A" addr add 198.18.1.1/24 dev v0
ip -n "$B" addr add 198.18.1.2/24 dev v1
ip -n "$A" link set v0 up
ip -n "$B" link set v1 up

# --- link facts ---------------------------------------------------------------
out=$(ina "$DRV" link v0)
idx=$(ip -n "$A" -o link show dev v0 | cut -d: -f1)
mac=$(ip -n "$A" -o link show dev v0 |
	sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
check "link info: $out" test "$out" = "ifindex=$idx mac=$mac carrier=1"
check "link info: unknown interface fails" \
	sh -c "! ip netns exec $A $DRV link nosuch0 >/dev/null 2>&1"

# --- VIPs -----------------------------------------------------------------------
addrs() { ip -n "$A" -4 -o addr show dev v0 | awk '{print $4}' | tr '\n' ' '; }
routes() { ip -n "$A" -4 route show table main dev v0 | tr '\n' ';'; }

check "vip absent before" test "$(ina "$DRV" vippresent v0 198.18.1.100)" = 0
check "vip add in connected prefix" test "$(ina "$DRV" vipadd v0 198.18.1.100 24)" = rc=0
check "vip present" test "$(ina "$DRV" vippresent v0 198.18.1.100)" = 1
check "vip added as /32: $(addrs)" has "$(addrs)" '198.18.1.100/32 '
check "vip has noprefixroute" \
	has "$(ip -n "$A" -4 -o addr show dev v0)" '198.18.1.100/32 .*noprefixroute'
check "no second connected route: $(routes)" \
	test "$(routes)" = "198.18.1.0/24 proto kernel scope link src 198.18.1.1 ;"
check "vip add again is a no-op" test "$(ina "$DRV" vipadd v0 198.18.1.100 24)" = rc=0
check "vip configured once" test "$(addrs | tr ' ' '\n' | grep -c '^198.18.1.100/')" = 1
check "vip outside any prefix" test "$(ina "$DRV" vipadd v0 198.18.2.50 24)" = rc=0
check "  added with its prefix" has "$(addrs)" '198.18.2.50/24 '
check "  its connected route exists" has "$(routes)" '198.18.2.0/24 proto kernel'
ip -n "$A" addr del 198.18.1.1/24 dev v0
check "vip survives deleting the primary address" \
	test "$(ina "$DRV" vippresent v0 198.18.1.100)" = 1
ip -n "$A" addr add 198.18.1.1/24 dev v0
check "vip del" test "$(ina "$DRV" vipdel v0 198.18.1.100)" = rc=0
check "vip del other" test "$(ina "$DRV" vipdel v0 198.18.2.50)" = rc=0
check "vips gone: $(addrs)" test "$(addrs)" = "198.18.1.1/24 "
check "vip absent after del" test "$(ina "$DRV" vippresent v0 198.18.1.100)" = 0
check "vip del again is a no-op" test "$(ina "$DRV" vipdel v0 198.18.1.100)" = rc=0

# --- unicast filter -------------------------------------------------------------
VM1=02:00:c6:12:01:64
VM2=02:00:c6:12:01:65
# The unicast entries "bridge fdb show dev v0 self" lists (multicast ones have
# bit 0 of the first octet set), sorted, on one line.
fdb_uc() {
	ip netns exec "$A" bridge fdb show dev v0 self |
		awk '$1 ~ /^[0-9a-f][02468ace]:/ { print $1 }' | sort | tr '\n' ' '
}
promisc() { ip -n "$A" -d link show dev v0 | sed -n 's/.*promiscuity \([0-9]*\).*/\1/p'; }
check "uc list empty" test -z "$(ina "$DRV" uc v0 list)"
check "uc add" test "$(ina "$DRV" uc v0 add $VM1)" = rc=0
check "uc add again is a no-op" test "$(ina "$DRV" uc v0 add $VM1)" = rc=0
check "uc add another" test "$(ina "$DRV" uc v0 add $VM2)" = rc=0
check "bridge fdb shows both: $(fdb_uc)" test "$(fdb_uc)" = "$VM1 $VM2 "
check "uc list shows both" test "$(ina "$DRV" uc v0 list | sort | tr '\n' ' ')" = "$VM1 $VM2 "
# veth has no IFF_UNICAST_FLT: a unicast list makes the kernel run it promiscuous.
check "veth without a filter runs promiscuous ($(promisc))" test "$(promisc)" = 1
check "uc del" test "$(ina "$DRV" uc v0 del $VM1)" = rc=0
check "uc del again is a no-op" test "$(ina "$DRV" uc v0 del $VM1)" = rc=0
check "bridge fdb shows the other: $(fdb_uc)" test "$(fdb_uc)" = "$VM2 "
check "uc del the last" test "$(ina "$DRV" uc v0 del $VM2)" = rc=0
check "list empty again: $(fdb_uc)" test -z "$(fdb_uc)"
check "promiscuous no more ($(promisc))" test "$(promisc)" = 0

# --- link monitor ---------------------------------------------------------------
ina "$DRV" mon v0 5000 >"$TMP/mon.out" 2>"$TMP/mon.err" &
mpid=$!
PIDS="$PIDS $mpid"
i=0
while ! grep -q ready "$TMP/mon.out" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
ip -n "$B" link set v1 down
# Linkwatch reports carrier at most once a second per device and only the
# state it finds then: a shorter flap may be seen as nothing at all.
sleep 1.5
ip -n "$B" link set v1 up
if wait "$mpid"; then mrc=0; else mrc=$?; fi
check "monitor saw carrier down then up (rc $mrc): $(grep carrier "$TMP/mon.out" | tr '\n' ' ')" \
	test "$mrc" = 0
[ "$mrc" = 0 ] || cat "$TMP/mon.err"
check "monitor reports v0's ifindex" grep -q "ifindex=$idx carrier=0" "$TMP/mon.out"
# Wait for carrier again before sending frames.
i=0
while ! ina "$DRV" link v0 | grep -q carrier=1 && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done

# --- GARP -----------------------------------------------------------------------
VIP=198.18.1.100
VMAC=02:00:c6:12:01:64
# Ethernet broadcast from the VMAC, ARP request, sha = VMAC, spa = tpa = VIP, tha = 0
WANT=ffffffffffff0200c612016408060001080006040001\
0200c6120164c6120164000000000000c6120164

# capture FILTER NAME [SECONDS [COUNT]]: tcpdump on B:v1 for COUNT (1) frames;
# wait until it listens
capture() {
	rm -f "$TMP/$2.out" "$TMP/$2.err"
	timeout "${3:-5}" ip netns exec "$B" tcpdump -i v1 -nn -l -xx -c "${4:-1}" "$1" \
		>"$TMP/$2.out" 2>"$TMP/$2.err" &
	CPID=$!
	PIDS="$PIDS $CPID"
	i=0
	while ! grep -q listening "$TMP/$2.err" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
# frame NAME: wait for tcpdump, FRAME = the captured frame as one hex string
frame() {
	wait "$CPID" 2>/dev/null || true
	FRAME=$(awk '/^[ \t]+0x/ { for (i = 2; i <= NF; i++) printf "%s", $i }' "$TMP/$1.out")
}

gro() { ip netns exec "$B" ethtool -K v1 gro "$1"; }

gro off
capture arp pkt
out=$(ina "$DRV" garp v0 $VIP $VMAC none 1 2>&1)
check "fallback only: $out" has "$out" 'rc=0 mode=packet live=0 packet=1'
frame pkt
check "fallback frame bytes" test "$FRAME" = "$WANT"

capture arp notown 2
out=$(ina "$DRV" garp v0 $VIP $VMAC none 0 2>&1)
check "not owned: refused ($out)" has "$out" 'rc=-1 mode=packet live=0 packet=0'
frame notown
check "not owned: nothing on the wire" test -z "$FRAME"

# The XDP_TX stand-in sends the input buffer as it is: only the VIP at offset 38.
RAW=0000000000000000000000000000000000000000000000000000000000000000000000000000c6120164
gro on
capture "ether[38:4] = 0xc6120164" live
out=$(ina "$DRV" garp v0 $VIP $VMAC tx 1 2>&1)
check "live frames, peer GRO on: $out" has "$out" 'rc=0 mode=live live=1 packet=0'
frame live
check "live frame arrived" test "$FRAME" = "$RAW"

# A burst: three VIPs, one counter read before and after all three.
gro on
capture "ether[38:2] = 0xc612" burst 5 3
out=$(ina "$DRV" garp v0 198.18.1.100,198.18.1.101,198.18.1.102 $VMAC tx 1 2>&1)
check "burst of 3, peer GRO on: $(echo "$out" | tail -1)" has "$out" 'rc=0 mode=live live=3 packet=0'
wait "$CPID" 2>/dev/null || true
check "  3 frames arrived" test "$(grep -c '^[0-9]' "$TMP/burst.out")" = 3
gro off
capture arp burstdrop 5 3
out=$(ina "$DRV" garp v0 198.18.1.100,198.18.1.101,198.18.1.102 $VMAC tx 1 2>&1)
check "burst of 3, peer GRO off: all 3 again by AF_PACKET: $(echo "$out" | tail -1)" \
	has "$out" 'rc=0 mode=packet live=3 packet=3'
wait "$CPID" 2>/dev/null || true
check "  3 announcements arrived" test "$(grep -c '^[0-9]' "$TMP/burstdrop.out")" = 3

gro off
capture arp drop
out=$(ina "$DRV" garp v0 $VIP $VMAC tx 1 2>&1)
check "live frames, peer GRO off: falls back: $(echo "$out" | tail -1)" \
	has "$out" 'rc=0 mode=packet live=1 packet=1'
check "  and says why" has "$out" 'warning: garp: v0: .*AF_PACKET'
frame drop
check "  fallback frame bytes" test "$FRAME" = "$WANT"

if [ -f "$BPFOBJ" ]; then
	gro on
	capture arp skel
	out=$(ina "$DRV" garp v0 $VIP $VMAC "$BPFOBJ" 1 2>&1)
	check "xdp_garp, peer GRO on: $out" has "$out" 'rc=0 mode=live live=1 packet=0'
	frame skel
	check "xdp_garp frame bytes" test "$FRAME" = "$WANT"
	gro off
	capture arp skeldrop
	out=$(ina "$DRV" garp v0 $VIP $VMAC "$BPFOBJ" 1 2>&1)
	check "xdp_garp, peer GRO off: falls back: $(echo "$out" | tail -1)" \
		has "$out" 'rc=0 mode=packet live=1 packet=1'
	frame skeldrop
	check "  fallback frame bytes" test "$FRAME" = "$WANT"
	# owned() says no: neither path sends anything.
	gro on
	capture arp skelno 2
	out=$(ina "$DRV" garp v0 $VIP $VMAC "$BPFOBJ" 0 2>&1)
	check "xdp_garp, not owned: $out" has "$out" 'rc=-1 mode=live live=0 packet=0'
	frame skelno
	check "  nothing on the wire" test -z "$FRAME"
else
	echo "skip xdp_garp tests: $BPFOBJ not built (make $O/hbpf.skel.h)"
fi

if [ $FAIL -ne 0 ]; then
	echo "test_netlink_garp: FAILED"
	exit 1
fi
echo "test_netlink_garp: all passed"
