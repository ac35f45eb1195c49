#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A healed partition (issue 4, item 2: epochs).  Without a tie-breaker, every
# heartbeat between the two nodes is dropped at the switch while both stay up
# and reach the client: n1 calls n0 dead and takes the set with a higher
# epoch, n0 keeps it too (the split brain the config check warns about).
# When the heartbeats come back, n0 sees n1's higher epoch and yields at
# once: its kernel gate first (it stops answering ARP for the VIP), then the
# release of the services and the address; n1 alone owns and answers.
set -eu
TEST_NAME=partition_heal
. "$(dirname "$0")/lib.sh"
PORTS="p-pub-n0 p-pub-n1"

# stat_sum N IDX: node nN's kernel counter IDX of the "stats" or "drops" map
# (MAP), summed over the CPUs.
stat_sum() {
	bpftool -j map lookup pinned "$PIN/n$1/v$LAYOUT/$2" key "$3" 0 0 0 2>/dev/null |
		jq '[(.formatted.values // .values)[] | .value] | add // 0' 2>/dev/null || echo 0
}

e2e_up
hbpfctl_check=$("$HBPFCTL" check "$RUN/hbpf.conf" 2>&1) || fail "hbpfctl check failed"
echo "$hbpfctl_check" | grep -q "warning: set web: .*split the brain" ||
	fail "hbpfctl check did not warn about the split brain: $hbpfctl_check"
grep -q "warning: set web: .*split the brain" "$RUN/n0.log" ||
	fail "hbpfd did not log the split-brain warning"

# Cut, symmetric and without carrier changes: heartbeats on the public
# network are dropped by the switch (tools/lab/lab_pass.bpf.c, lab_hbdrop) while
# the private link still carries them, then n0's private port leaves the
# private bridge in one step.  Clients still reach both nodes.
# shellcheck disable=SC2086 # two port names, split on purpose
drop_public_heartbeats $PORTS
sleep 0.2
[ "$(kernel_owned 1 0)" = 0 ] || fail "n1 took the set while the private link still worked"
lab_exec sw ip link set p-priv-n0 nomaster
until=$(($(now_ms) + 5000))
while [ "$(kernel_owned 1 0)" != 1 ]; do
	[ "$(now_ms)" -lt "$until" ] || fail "n1 did not take the set during the partition"
	sleep 0.05
done
[ "$(kernel_owned 0 0)" = 1 ] || fail "n0 gave the set up during the partition"
wait_owner_state() { # N STATE MS
	local until=$(($(now_ms) + $3))
	while [ "$(set_state "$1" web)" != "$2" ]; do
		[ "$(now_ms)" -lt "$until" ] || return 1
		sleep 0.05
	done
}
wait_owner_state 1 online 5000 || fail "n1 did not bring the set online"
echo "   partition: both kernels own the set (n0 and n1), as expected without a tie-breaker"
mark=$(wc -l <"$RUN/n0.log")

# Heal: the private link first (one step), then the public filters.
lab_exec sw ip link set p-priv-n0 master br-priv
for p in $PORTS; do
	lab_exec sw tc qdisc del dev "$p" clsact
done
healed=$(now_ms)
until=$((healed + 5000))
while :; do
	k0=$(kernel_owned 0 0)
	k1=$(kernel_owned 1 0)
	[ "$k0$k1" = 01 ] && break
	[ "$(now_ms)" -lt "$until" ] || fail "after the heal: n0 kernel $k0, n1 kernel $k1"
	sleep 0.02
done
echo "   healed: one kernel owner (n1) after $(($(now_ms) - healed)) ms"
wait_owner_state 0 offline 5000 || fail "n0 did not finish releasing"
[ "$(set_state 1 web)" = online ] || fail "n1 is $(set_state 1 web), not online"
# n0's log after the heal: the kernel yield, then the release, in that order.
tail -n +"$((mark + 1))" "$RUN/n0.log" >"$RUN/n0.after"
yield=$(grep -n "kernel dropped ownership (higher epoch elsewhere" "$RUN/n0.after" | head -n 1 | cut -d: -f1)
stop=$(grep -n "step svc-stop done" "$RUN/n0.after" | head -n 1 | cut -d: -f1)
down=$(grep -n "step vip-down done" "$RUN/n0.after" | head -n 1 | cut -d: -f1)
off=$(grep -n "changing state to offline" "$RUN/n0.after" | head -n 1 | cut -d: -f1)
[ -n "$yield" ] && [ -n "$stop" ] && [ -n "$down" ] && [ -n "$off" ] ||
	fail "n0's log lacks the yield or the release: $(tr '\n' ';' <"$RUN/n0.after")"
[ "$yield" -lt "$stop" ] && [ "$stop" -lt "$down" ] && [ "$down" -lt "$off" ] ||
	fail "n0: yield at line $yield, svc-stop $stop, vip-down $down, offline $off: wrong order"
grep -q "kernel-demote" "$RUN/n0.after" && fail "n0 demoted again what its kernel had yielded"
[ "$(tail -n 1 "$RUN/service.events")" = "stop n0 web marker" ] ||
	[ "$(tail -n 2 "$RUN/service.events" | head -n 1)" = "stop n0 web marker" ] ||
	fail "n0's service was not stopped: $(tr '\n' ';' <"$RUN/service.events")"

# ARP for the VIP: n1's kernel answers, n0's drops the request.
a0=$(stat_sum 0 stats 3)
a1=$(stat_sum 1 stats 3)
f0=$(stat_sum 0 drops 8)
lab_exec c arping -q -c 3 -w 3 -I pub0 "$VIP" || fail "nobody answered ARP for $VIP"
b0=$(stat_sum 0 stats 3)
b1=$(stat_sum 1 stats 3)
g0=$(stat_sum 0 drops 8)
[ "$b0" = "$a0" ] || fail "n0 still answers ARP for the VIP ($a0 -> $b0)"
[ "$b1" -gt "$a1" ] || fail "n1 did not answer ARP ($a1 -> $b1)"
[ "$g0" -gt "$f0" ] || fail "n0 did not drop the ARP requests as foreign ($f0 -> $g0)"
echo "   ARP replies: n0 $a0 -> $b0, n1 $a1 -> $b1; n0 foreign-ARP drops $f0 -> $g0"

probe 500 >"$RUN/after.out"
[ "$(kv "$RUN/after.out" sequence)" = n1 ] || fail "after: $(tr '\n' ' ' <"$RUN/after.out")"
[ "$(kv "$RUN/after.out" dual)" = 0 ] || fail "after: dual answers: $(tr '\n' ' ' <"$RUN/after.out")"
pass
