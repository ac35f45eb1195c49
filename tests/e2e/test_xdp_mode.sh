#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# XDP attach modes with xdp-mode auto (the default):
#  - veth takes native XDP: status (read from the kernel, text and -j) says
#    native for both interfaces, and "unknown" outside the node's namespace;
#  - a driver that refuses native XDP (veth does while its peer's MTU is
#    too large for single-buffer XDP: the switch port at 9000) gets generic
#    mode with one warning naming the interface, driver, the kernel's reason
#    and the cost; the node still takes the set, its GARPs go by AF_PACKET,
#    and a clean restart keeps the pinned generic link (nothing moves);
#  - with xdp-mode native the same node refuses to start, says why, and
#    leaves nothing behind (no pins, no XDP program, no filter entry);
#  - a pinned map of another layout is named as such, with how it differs,
#    and left in place.
set -eu
TEST_NAME=xdp_mode
. "$(dirname "$0")/lib.sh"
e2e_up

# xdpline N: the "xdp:" line of status on node nN, run in nN's namespace.
xdpline() {
	lab_exec "n$1" "$HBPFCTL" -c "$RUN/hbpf.conf" -p "$PIN/n$1" -s "$RUN/n$1.sock" status |
		sed -n 's/^xdp: //p'
}
xdpjson() { # N IFNAME: that interface's mode from status -j
	lab_exec "n$1" "$HBPFCTL" -c "$RUN/hbpf.conf" -p "$PIN/n$1" -s "$RUN/n$1.sock" -j status |
		jq -r --arg i "$2" '.xdp[] | select(.interface == $i) | .mode'
}
count() { grep -c -- "$2" "$1" || true; }

for n in 0 1; do
	[ "$(xdpline $n)" = "priv0 native, pub0 native" ] ||
		fail "n$n status xdp line: '$(xdpline $n)'"
	[ "$(xdpjson $n pub0)" = native ] && [ "$(xdpjson $n priv0)" = native ] ||
		fail "n$n status -j: pub0 $(xdpjson $n pub0), priv0 $(xdpjson $n priv0)"
	grep -q "native XDP refused" "$RUN/n$n.log" && fail "n$n logged a refusal on veth"
done
ctl 0 status | grep -q '^xdp: priv0 unknown (interface not in this network namespace), pub0 unknown' ||
	fail "status outside the node's namespace: $(ctl 0 status | grep '^xdp:')"
echo "   status: n0 $(xdpline 0); n1 $(xdpline 1)"

# --- n1's driver refuses native XDP: generic, said once --------------------------
kill -TERM "$DPID1"
wait "$DPID1" 2>/dev/null || fail "hbpfd on n1 did not stop cleanly"
lab_exec n1 "$HBPFD" -u -c "$RUN/hbpf.conf" -N n1 -p "$PIN/n1" >>"$RUN/n1.log" 2>&1 ||
	fail "hbpfd -u on n1 failed"
lab_exec sw ip link set dev p-pub-n1 mtu 9000
start_node 1
[ "$(count "$RUN/n1.log" "native XDP refused")" = 1 ] || fail "not exactly one refusal logged"
grep -q "pub0 (driver veth): native XDP refused: veth: Peer MTU is too large to set XDP (Numerical result out of range); running generic XDP instead, .*slower.*stack's transmit path.*AF_PACKET" \
	"$RUN/n1.log" || fail "the refusal line does not say why and what it costs"
grep -q "pub0: xdp_node attached in generic mode" "$RUN/n1.log" || fail "pub0 not attached generic"
[ "$(xdpline 1)" = "priv0 native, pub0 generic" ] || fail "n1 status: '$(xdpline 1)'"
[ "$(xdpjson 1 pub0)" = generic ] || fail "n1 status -j pub0: $(xdpjson 1 pub0)"
[ "$(count "$RUN/n1.log" "garp: pub0: generic XDP: .*through AF_PACKET from now on")" = 1 ] ||
	fail "n1 did not switch its GARPs to AF_PACKET once"
echo "   n1 with the peer MTU at 9000: $(xdpline 1)"
sleep 0.3 # n0 hears n1's daemon up again before the move
probe_bg 3000 "$RUN/probe1.out"
sleep 0.5
ctl 0 move web n1 | grep -q '^ok' || fail "move web n1 refused"
wait_owner web n1 3000 || fail "web did not reach n1 (generic mode)"
wait "$PROBER_PID" || true
check_probe "$RUN/probe1.out" n0 n1 1000
ctl 1 restart | grep -q '^ok' || fail "restart of n1 refused"
wait "$DPID1" || true
start_node 1
grep -q "pub0: xdp_node swapped into the pinned link (generic mode)" "$RUN/n1.log" ||
	fail "the restarted daemon did not adopt the generic link"
[ "$(count "$RUN/n1.log" "native XDP refused")" = 1 ] || fail "the restart tried native again"
wait_owner web n1 1000 || fail "web moved during the restart"
[ "$(xdpline 1)" = "priv0 native, pub0 generic" ] || fail "n1 status after restart: '$(xdpline 1)'"

# --- xdp-mode native: refused with the reason, nothing left behind -------------------
ctl 0 move web n0 | grep -q '^ok' || fail "move web n0 refused"
wait_owner web n0 3000 || fail "web did not come back to n0"
kill -TERM "$DPID1"
wait "$DPID1" 2>/dev/null || fail "hbpfd on n1 did not stop cleanly"
lab_exec n1 "$HBPFD" -u -c "$RUN/hbpf.conf" -N n1 -p "$PIN/n1" >>"$RUN/n1.log" 2>&1 ||
	fail "hbpfd -u on n1 failed"
sed 's/^cluster 4242$/cluster 4242\nxdp-mode native/' "$RUN/hbpf.conf" >"$RUN/native.conf"
"$HBPFCTL" check "$RUN/native.conf" | grep -q '^xdp-mode: native' || fail "check: no xdp-mode"
rc=0
timeout 30 "$LAB" exec "$PREFIX" n1 "$HBPFD" -d -c "$RUN/native.conf" -N n1 -p "$PIN/n1" \
	-s "$RUN/n1.sock" >"$RUN/native.log" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "hbpfd with xdp-mode native on a refusing driver: exit $rc"
grep -q "pub0 (driver veth): native XDP refused: veth: Peer MTU is too large to set XDP (Numerical result out of range); xdp-mode native: not starting" \
	"$RUN/native.log" || fail "no precise refusal: $(tail -3 "$RUN/native.log")"
grep -q "generic mode" "$RUN/native.log" && fail "xdp-mode native attached generic"
[ -z "$(ls "$PIN/n1" 2>/dev/null)" ] || fail "the failed start left pins: $(ls -R "$PIN/n1")"
lab_exec n1 ip link show | grep -q "xdp" && fail "the failed start left an XDP program attached"
lab_exec n1 bridge fdb show dev pub0 self | grep -q "02:00:c6:12:00:64" &&
	fail "the failed start left the VMAC in the unicast filter"
echo "   xdp-mode native refused: $(grep -o 'native XDP refused: [^;]*' "$RUN/native.log")"

# --- a pinned map of another layout --------------------------------------------------
mkdir -p "$PIN/n1/v$LAYOUT"
bpftool map create "$PIN/n1/v$LAYOUT/config" type array key 4 value 8 entries 1 name config
rc=0
timeout 30 "$LAB" exec "$PREFIX" n1 "$HBPFD" -d -c "$RUN/hbpf.conf" -N n1 -p "$PIN/n1" \
	-s "$RUN/n1.sock" >"$RUN/layout.log" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "hbpfd over a map of another layout: exit $rc"
grep -q "error: the map pinned at $PIN/n1/v$LAYOUT/config has another layout (value size 8, this hbpfd needs [0-9]*)" \
	"$RUN/layout.log" || fail "layout not named: $(grep error "$RUN/layout.log")"
grep -qi "verifier" "$RUN/layout.log" && fail "a layout mismatch blamed on the verifier"
[ -e "$PIN/n1/v$LAYOUT/config" ] || fail "the foreign map was removed"
rm -f "$PIN/n1/v$LAYOUT/config"
lab_exec sw ip link set dev p-pub-n1 mtu 1500
pass
