#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# vmtest.sh: `make vmtest` (docs/VMTEST.md).  Two Debian 12 guests (stock
# 6.1 kernel, TCG) as hbpf nodes n0 and n1, each with a public (eth0, br-pub)
# and a private (eth1, br-priv) virtio-net NIC on bridges inside a network
# namespace of the run, and a client namespace on br-pub running the prober.
#
#   a. the BPF tests, shared out between n0 and n1 before hbpfd runs
#   b. hbpfd on both nodes; the XDP mode of every NIC (ip -d link)
#   c. the client reaches the VIP
#   d. three node deaths: the owner's QEMU is SIGKILLed while the client
#      probes; the client-observed outage of each; the dead node reboots (its
#      disk kept) and must stay quiet while it boots and joins: it never
#      answers the VIP, never takes the set, and the survivor keeps it
#   e. one node answers at the end
#   f. NIC variants: the XDP mode hbpfd ends up in on virtio-net with guest
#      offloads off and on e1000 (one guest each, alone)
#
# Timers: interval 20ms, detect-mult 25, daemon-deadline 5s (VM_INTERVAL,
# VM_DETECT_MULT, VM_DAEMON_DEADLINE), which two emulated nodes hold (LAB.md).
# Addresses only from 198.18.0.0/15; nothing touches the host's interfaces.
set -eu
# shellcheck source=tools/vm/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tools/vm/scenario.sh
. "$VM_DIR/scenario.sh"

: "${VM_INTERVAL:=20ms}"
: "${VM_DETECT_MULT:=25}"
: "${VM_DAEMON_DEADLINE:=5s}"
: "${VM_DEATHS:=3}"
: "${VM_VARIANTS:=1}"
# VM_BPFTESTS=0 skips phase a (for working on the later phases).

T0=$(vm_now_ms)
FAILS=0
SUMMARY=()

# check OK|FAIL TEXT: one line of the summary; a FAIL fails the run.
check() {
	local res=$1
	shift
	SUMMARY+=("$res $*")
	echo "vmtest: $res $*"
	[ "$res" = ok ] || [ "$res" = info ] || FAILS=$((FAILS + 1))
}

vm_setup
vm_stage_payload
vm_net_up
vm_define_node n0 n0 0 virtio-net-pci
vm_define_node n1 n1 1 virtio-net-pci
# From here on every failure is a check of its own: the run goes on to the
# summary (setup failures above end it at once, through vm_die).
set +e

# Both nodes boot at once, hbpfd held back, so the BPF tests run on a quiet guest.
vm_set n0 append hbpfvm.hbpfd=0
vm_set n1 append hbpfvm.hbpfd=0
vm_start n0
vm_start n1
vm_wait_ready n0
vm_wait_ready n1
KVER=$(vm_exec n0 'uname -r')
check info "kernel $KVER; first boots: n0 $(vm_boot_ms n0) ms, n1 $(vm_boot_ms n1) ms (QEMU start to init ready)"
vm_set n0 append ""
vm_set n1 append ""

[ "${VM_BPFTESTS:-1}" = 1 ] && phase_bpftests
if phase_cluster; then
	phase_reach
	for i in $(seq 1 "$VM_DEATHS"); do
		phase_death "$i" || break
	done
	phase_end
fi
vm_kill n0
vm_kill n1
[ "$VM_VARIANTS" = 1 ] && phase_variants

echo
echo "==== vmtest summary (timers: interval $VM_INTERVAL, detect-mult $VM_DETECT_MULT," \
	"daemon-deadline $VM_DAEMON_DEADLINE)"
for l in "${SUMMARY[@]}"; do
	echo "  $l"
done
echo "  total run time: $((($(vm_now_ms) - T0) / 1000)) s"
if [ "$FAILS" -gt 0 ]; then
	echo "vmtest: $FAILS check(s) failed; logs of the run: $VM_RUN (kept)"
	VM_KEEP=1
	exit 1
fi
echo "vmtest: all checks passed"
