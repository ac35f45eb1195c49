#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Dampening covers the kernel's own takeovers ("dampen 2 in 60s", no
# tie-breaker).  A flapping heartbeat path (what a loaded or descheduled VM
# looks like to its peer) makes each kernel take the set in turn: heartbeats
# run on the private link only, and n0's private port leaves the bridge for
# 100 ms and comes back.  Flap 1 moves web to n1 (n0 yields to the higher
# epoch when the path heals), flap 2 moves it back; both nodes have then
# moved it twice and mark it dampened in the kernel.  Flap 3 is only a short
# silence: n1 holds its claim for the daemon deadline, n0 is back before it
# ends, and nothing moves (watched while the flap lasts).  A real death
# afterwards still moves the set, once the hold-down is over.
set -eu
TEST_NAME=dampen_flap
E2E_SET_EXTRA="dampen 2 in 60s"
. "$(dirname "$0")/lib.sh"
PORTS="p-pub-n0 p-pub-n1"

e2e_up
# Heartbeats only on the private link (the switch drops them on the public
# one, tools/lab/lab_pass.bpf.c), so one port leaving the private bridge silences
# the pair without a carrier change and without touching the clients.
# shellcheck disable=SC2086 # two port names, split on purpose
drop_public_heartbeats $PORTS
sleep 0.2
[ "$(kernel_owned 1 0)" = 0 ] || fail "n1 took the set while the private link still worked"

# flap MS: n0's private port off the bridge for MS milliseconds.
flap() {
	lab_exec sw ip link set p-priv-n0 nomaster
	sleep "$(awk -v m="$1" 'BEGIN { printf "%.3f", m / 1000 }')"
	lab_exec sw ip link set p-priv-n0 master br-priv
}

flap 100
wait_owner web n1 5000 || fail "flap 1 did not move web to n1"
flap 100
wait_owner web n0 5000 || fail "flap 2 did not move web back to n0"
for n in 0 1; do
	until=$(($(now_ms) + 3000))
	while ! grep -q "(web) moved 2 times in the last 60s (limit 2): dampened" "$RUN/n$n.log"; do
		[ "$(now_ms)" -lt "$until" ] || fail "n$n did not dampen web after two moves"
		sleep 0.05
	done
done
flags=$(bpftool -j map lookup pinned "$PIN/n1/v$LAYOUT/sets" key 0 0 0 0 |
	jq -r '.formatted.value.flags // .value.flags')
[ $((flags & 8)) = 8 ] || fail "n1's kernel set entry lacks HBPF_SF_DAMPENED (flags $flags)"

# Flap 3: a silence shorter than the hold-down.  n1's kernel must not own
# the set at any moment of it, nor in the second after.
mark=$(wc -l <"$RUN/n1.log")
probe_bg 2000 "$RUN/probe.out"
sleep 0.2
lab_exec sw ip link set p-priv-n0 nomaster
t_heal=$(($(now_ms) + 200))
t_end=$((t_heal + 1000))
healed=0
while [ "$(now_ms)" -lt "$t_end" ]; do
	[ "$(kernel_owned 1 0)" = 1 ] && fail "n1's kernel took the dampened set during a short flap"
	if [ "$healed" = 0 ] && [ "$(now_ms)" -ge "$t_heal" ]; then
		lab_exec sw ip link set p-priv-n0 master br-priv
		healed=1
	fi
	sleep 0.01
done
wait "$PROBER_PID" || true
check_probe "$RUN/probe.out" n0 n0 100
[ "$(kv "$RUN/probe.out" changes)" = 0 ] || fail "the answering node changed during flap 3"
tail -n +"$((mark + 1))" "$RUN/n1.log" >"$RUN/n1.flap3"
grep -q "(web) n0 lost, but the set is dampened: taking it only if nobody holds it for 500ms" \
	"$RUN/n1.flap3" || fail "n1 did not hold its claim: $(tr '\n' ';' <"$RUN/n1.flap3")"
grep -q "(web) n0 holds it again within the hold-down: the dampened set stays where it is" \
	"$RUN/n1.flap3" || fail "n1 did not drop its claim: $(tr '\n' ';' <"$RUN/n1.flap3")"
wait_owner web n0 1000 || fail "web is not on n0 alone after flap 3"

# A real death while dampened: n1 waits out the hold-down, then takes it.
mark=$(wc -l <"$RUN/n1.log")
"$LAB" isolate "$PREFIX" n0 >>"$RUN/lab.log" 2>&1
t0=$(now_ms)
while [ $(($(now_ms) - t0)) -lt 300 ]; do
	[ "$(kernel_owned 1 0)" = 1 ] && fail "n1 took the dampened set before the hold-down ended"
	sleep 0.02
done
wait_owner web n1 5000 || fail "n1 did not take web after n0 died"
tail -n +"$((mark + 1))" "$RUN/n1.log" >"$RUN/n1.death"
grep -q "(web) nobody held it through the hold-down after n0 was lost: claiming the dampened set" \
	"$RUN/n1.death" || fail "n1's takeover did not come from the hold-down: $(tr '\n' ';' <"$RUN/n1.death")"
pass
