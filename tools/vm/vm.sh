#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# vm.sh: hbpf's VM test harness (docs/VMTEST.md).  Run as root.
#
#   vm.sh image      build the guest image into VM_CACHE (cached; rebuilt only
#                    when the recipe changes)
#   vm.sh bpftest    boot guests on the stock Debian 12 kernel and run the
#                    BPF test binaries of the build dir O in them (VM_BPF_GUESTS,
#                    default 2: the host's two CPUs)
#   vm.sh boot       boot one guest, print its boot time and kernel, stop it
#   vm.sh run        the whole suite (make vmtest): tools/vm/vmtest.sh
#
# Environment: O (build dir, default build), VM_CACHE (default $O/vm),
# VM_KEEP=1 or VM_KEEP_FAILED=1 (keep the run directory: logs, overlays).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
# shellcheck source=tools/vm/lib.sh
. "$(dirname "$0")/lib.sh"

# bpftest: VM_BPF_GUESTS (2) guests, no NICs, share out the test binaries;
# prints each binary's output and a summary; fails if any binary fails.
cmd_bpftest() {
	local stage out rc=0 kver sum g guests="" t0
	vm_setup
	stage="$VM_RUN/stage"
	mkdir -p "$stage/root"
	vm_stage_tests "$stage"
	vm_payload "$stage"
	for g in $(seq 1 "${VM_BPF_GUESTS:-2}"); do
		vm_define "bpf$g"
		vm_start "bpf$g"
		guests="$guests bpf$g"
	done
	vm_log "booting${guests} (6.1, TCG) ..."
	for g in $guests; do
		vm_wait_ready "$g"
	done
	kver=$(vm_exec bpf1 'uname -r')
	for g in $guests; do
		vm_log "$g up in $(vm_boot_ms "$g") ms, kernel $kver"
	done
	out="$VM_RUN/bpftest.out"
	t0=$(vm_now_ms)
	# shellcheck disable=SC2086
	sum=$(vm_run_bpftests "$out" $guests) || rc=$?
	cat "$out"
	echo "bpftest: $sum on $kver in $((($(vm_now_ms) - t0) / 1000)) s"
	[ "$rc" = 0 ] || vm_die "BPF tests failed on $kver"
}

cmd_boot() {
	local stage
	vm_setup
	stage="$VM_RUN/stage"
	mkdir -p "$stage/root"
	vm_payload "$stage"
	vm_define boot
	vm_start boot
	vm_wait_ready boot
	echo "boot: guest ready in $(vm_boot_ms boot) ms (QEMU start to init ready)," \
		"kernel $(vm_exec boot 'uname -r')"
	grep -o 'HBPF-VM-READY.*' "$VM_RUN/boot.console"
}

case "${1:-}" in
image)
	sh "$VM_DIR/../deps.sh" "$VM_DIR/host-packages"
	exec sh "$VM_DIR/image.sh" "$VM_CACHE"
	;;
bpftest) cmd_bpftest ;;
boot) cmd_boot ;;
run) exec bash "$VM_DIR/vmtest.sh" ;;
*)
	echo "usage: vm.sh image|bpftest|boot|run" >&2
	exit 2
	;;
esac
