#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The set VMACs in the public NIC's unicast filter ("bridge fdb show dev pub0
# self"): at start every node has exactly the VMACs of the sets it is listed
# for, owned or not (web: n0 and n1; db: n1 only); a move changes nothing;
# a clean restart adopts them (nothing added or removed) and removes a stale
# hbpf VMAC; a clean stop removes them; after SIGKILL they stay (the kernel
# still answers) until "hbpfd -u".  A unicast entry that is not hbpf's is
# never touched.  On veth (no IFF_UNICAST_FLT) the list makes pub0
# promiscuous, which hbpfd says once.
set -eu
TEST_NAME=vmac_filter
. "$(dirname "$0")/lib.sh"
VM_WEB=02:00:c6:12:00:64 # the default VMAC: 02:00 and the first VIP
VM_DB=02:00:c6:12:00:65
OTHER=02:aa:bb:cc:dd:ee # somebody else's entry
E2E_TAIL_EXTRA="set db {
	vip 198.18.0.101/24
	nodes n1
}"
e2e_up

# uc N: node nN's unicast entries on pub0, sorted, on one line.
uc() {
	lab_exec "n$1" bridge fdb show dev pub0 self |
		awk '$1 ~ /^[0-9a-f][02468ace]:/ { print $1 }' | sort | tr '\n' ' '
}
expect_uc() { # N "MAC MAC " WHEN
	local got
	got=$(uc "$1")
	[ "$got" = "$2" ] || fail "n$1's unicast filter $3: '$got', expected '$2'"
	echo "   n$1 $3: ${got:-empty}"
}
count() { # FILE PATTERN
	grep -c -- "$2" "$1" || true
}

expect_uc 0 "$VM_WEB " "after start"
expect_uc 1 "$VM_WEB $VM_DB " "after start"
for n in 0 1; do
	[ "$(count "$RUN/n$n.log" "VMAC $VM_WEB (set web) added to the unicast filter")" = 1 ] ||
		fail "n$n did not log adding web's VMAC exactly once"
	[ "$(count "$RUN/n$n.log" "the kernel made the interface promiscuous")" = 1 ] ||
		fail "n$n did not say once that veth runs promiscuous"
	lab_exec "n$n" ip -d link show dev pub0 | grep -q "promiscuity 1" ||
		fail "n$n's pub0 is not promiscuous"
done
[ "$(count "$RUN/n1.log" "VMAC $VM_DB (set db) added to the unicast filter")" = 1 ] ||
	fail "n1 did not log adding db's VMAC once"
grep -q "$VM_DB" "$RUN/n0.log" && fail "n0 touched db's VMAC, a set it is not listed for"
lab_exec n0 bridge fdb add "$OTHER" dev pub0 self permanent

# A move changes no filter; the client follows the set to n1.
ctl 0 move web n1 | grep -q '^ok' || fail "move web n1 refused"
wait_owner web n1 3000 || fail "web did not reach n1"
probe 300 >"$RUN/probe1.out"
[ "$(kv "$RUN/probe1.out" last)" = n1 ] || fail "the client does not reach web on n1"
expect_uc 0 "$VM_WEB $OTHER " "after the move"
expect_uc 1 "$VM_WEB $VM_DB " "after the move"

# A stale hbpf VMAC on n0 (db's: n0 is not listed for db), then restarts.
lab_exec n0 bridge fdb add "$VM_DB" dev pub0 self permanent
for n in 1 0; do
	ctl "$n" restart | grep -q '^ok' || fail "restart of n$n refused"
	eval "wait \$DPID$n" || true
	start_node "$n"
done
wait_owner web n1 3000 || fail "web moved during the restarts"
[ "$(count "$RUN/n1.log" "already in the unicast filter: kept")" = 2 ] ||
	fail "n1 did not adopt both VMACs"
[ "$(count "$RUN/n1.log" "added to the unicast filter")" = 2 ] ||
	fail "n1 added a VMAC again after the restart"
grep -q "removed from the unicast filter" "$RUN/n1.log" && fail "n1 removed a VMAC"
grep -q "stay in the unicast filter for the next daemon" "$RUN/n1.log" ||
	fail "n1 did not say the VMACs stay across the restart"
[ "$(count "$RUN/n0.log" "VMAC $VM_DB removed from the unicast filter (no set of this node")" = 1 ] ||
	fail "n0 did not remove the stale VMAC"
expect_uc 0 "$VM_WEB $OTHER " "after the restart"
expect_uc 1 "$VM_WEB $VM_DB " "after the restart"
probe 300 >"$RUN/probe2.out"
[ "$(kv "$RUN/probe2.out" last)" = n1 ] || fail "the client lost web after the restarts"

# A clean stop removes hbpf's entries, and only those.
kill -TERM "$DPID0"
wait "$DPID0" 2>/dev/null || fail "hbpfd on n0 did not exit cleanly"
expect_uc 0 "$OTHER " "after a clean stop"
[ "$(count "$RUN/n0.log" "VMAC $VM_WEB (set web) removed from the unicast filter")" = 1 ] ||
	fail "n0 did not log removing web's VMAC"

# SIGKILL leaves them (the pinned programs may still answer); -u removes them.
kill -KILL "$DPID1"
wait "$DPID1" 2>/dev/null || true
expect_uc 1 "$VM_WEB $VM_DB " "after SIGKILL"
lab_exec n1 "$HBPFD" -u -c "$RUN/hbpf.conf" -N n1 -p "$PIN/n1" >>"$RUN/n1.log" 2>&1 ||
	fail "hbpfd -u failed on n1"
expect_uc 1 "" "after hbpfd -u"
lab_exec n1 ip -d link show dev pub0 | grep -q "promiscuity 0" ||
	fail "n1's pub0 still promiscuous with an empty list"
pass
