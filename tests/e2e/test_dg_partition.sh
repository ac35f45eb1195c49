#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Disk groups (d): every heartbeat link between the nodes is cut, but n0 keeps
# renewing its disk slot: n1's kernel calls n0 dead on the network, and the
# disk heartbeat says it is alive, so n1 does not take the set (no split brain).
set -eu
TEST_NAME=dg_partition
E2E_DG=1
. "$(dirname "$0")/lib.sh"
e2e_up
# Cut the heartbeat paths only: the private link goes down, and heartbeats on
# the public network are dropped at the switch (tools/lab/lab_pass.bpf.c,
# lab_hbdrop); the client still reaches n0.
"$LAB" link "$PREFIX" n0 priv down
for n in 0 1; do
	lab_exec sw tc qdisc add dev "p-pub-n$n" clsact
	lab_exec sw tc filter add dev "p-pub-n$n" ingress bpf direct-action \
		obj "$O/bpf/lab_pass.bpf.o" sec tc || fail "cannot install the heartbeat filter"
done
sleep 3
grep -q "peer n0 dead" "$RUN/n1.log" || fail "n1 did not lose n0 on the network"
grep -q "still renews its disk lease" "$RUN/n1.log" || fail "n1 did not consult the disk heartbeat"
[ "$(kernel_owned 1 0)" = 0 ] || fail "n1 took the VIP"
[ "$(mounted 1 "$DG_MNT/v0")" = 0 ] || fail "n1 mounted the volumes"
[ "$(mounted 0 "$DG_MNT/v0")" = 1 ] || fail "n0 lost its mounts"
probe 500 >"$RUN/after.out"
[ "$(kv "$RUN/after.out" sequence)" = n0 ] || fail "after: $(tr '\n' ' ' <"$RUN/after.out")"
pass
