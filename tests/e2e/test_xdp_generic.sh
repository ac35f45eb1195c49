#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# xdp-mode generic on both nodes: status says generic for every interface,
# and everything still works: heartbeats and their echoes on both links
# (RTT measured), the gate (ARP answered with the VMAC by the owner only, the
# client's frames accepted, never two nodes answering), gratuitous ARPs
# through AF_PACKET (said once), a move, and a node death.
set -eu
TEST_NAME=xdp_generic
. "$(dirname "$0")/lib.sh"
E2E_TOP_EXTRA="xdp-mode generic"
e2e_up

xdpline() {
	lab_exec "n$1" "$HBPFCTL" -c "$RUN/hbpf.conf" -p "$PIN/n$1" -s "$RUN/n$1.sock" status |
		sed -n 's/^xdp: //p'
}
count() { grep -c -- "$2" "$1" || true; }
stat() { # N NAME: a stats counter of node nN
	ctl "$1" -j counters | jq -r ".stats.$2"
}

for n in 0 1; do
	[ "$(xdpline $n)" = "priv0 generic, pub0 generic" ] ||
		fail "n$n status xdp line: '$(xdpline $n)'"
	[ "$(count "$RUN/n$n.log" "xdp_node attached in generic mode")" = 2 ] ||
		fail "n$n did not attach both interfaces in generic mode"
	grep -q "attached in native mode\\|native XDP refused" "$RUN/n$n.log" && fail "n$n tried native mode"
	[ "$(count "$RUN/n$n.log" "garp: pub0: generic XDP: .*through AF_PACKET from now on")" = 1 ] ||
		fail "n$n did not send its GARPs through AF_PACKET, said once"
	lab_exec "n$n" ip link show dev pub0 | grep -q xdpgeneric || fail "n$n pub0 not xdpgeneric"
done
echo "   status: n0 $(xdpline 0); n1 $(xdpline 1)"

# Heartbeats and echoes on both links, both ways: RTT measured, echoes growing.
before=$(ctl 0 -j peers | jq '[.links[].echo_rx] | add')
sleep 0.5
for n in 0 1; do
	ctl "$n" -j peers >"$RUN/peers$n.json"
	[ "$(jq -r '.peers[0].state' "$RUN/peers$n.json")" = alive ] || fail "n$n: peer not alive"
	[ "$(jq '[.links[] | select(.echo_rx > 0 and .rtt_us > 0)] | length' "$RUN/peers$n.json")" = 2 ] ||
		fail "n$n: a link without echoes or RTT: $(jq -c .links "$RUN/peers$n.json")"
done
after=$(jq '[.links[].echo_rx] | add' "$RUN/peers0.json")
[ "$after" -gt "$before" ] || fail "n0's echoes did not grow ($before -> $after)"
echo "   echoes on n0: $before -> $after in 0.5 s; RTT $(jq -c '[.links[].rtt_us]' "$RUN/peers0.json") us"

# The gate: the owner answered the client's ARP and accepts its frames.
[ "$(stat 0 arp_reply)" -ge 1 ] && [ "$(stat 0 vmac_rx)" -ge 1 ] ||
	fail "n0 gate: arp_reply $(stat 0 arp_reply), vmac_rx $(stat 0 vmac_rx)"
[ "$(stat 1 arp_reply)" = 0 ] || fail "n1 answered ARP for a set it does not own"

# A move (the client follows n1's AF_PACKET announcements), then n1 dies.
probe_bg 3000 "$RUN/probe1.out"
sleep 0.5
ctl 0 move web n1 | grep -q '^ok' || fail "move web n1 refused"
wait_owner web n1 3000 || fail "web did not reach n1"
wait "$PROBER_PID" || true
check_probe "$RUN/probe1.out" n0 n1 1000
[ "$(stat 1 garp_tx)" = 0 ] || fail "n1 sent GARPs by XDP in generic mode"
probe_bg 4000 "$RUN/probe2.out"
sleep 1.5
"$LAB" isolate "$PREFIX" n1
kill -9 "$DPID1" "$(cat "$RUN/resp1.pid")"
wait "$PROBER_PID" || true
check_probe "$RUN/probe2.out" n1 n0 1000
wait_owner web n0 2000 || fail "n0 does not hold web after n1 died"
grep -q "peer n1 dead" "$RUN/n0.log" || fail "n0's kernel deadline did not fire"
pass
