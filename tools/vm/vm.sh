#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# vm.sh: hbpf's VM test harness (docs/VMTEST.md).  Run as root.
#
#   vm.sh image      build the guest image into VM_CACHE (cached; rebuilt only
#                    when the recipe changes)
#   vm.sh bpftest    boot one guest on the stock Debian 12 kernel and run the
#                    BPF test binaries of the build dir O in it
#   vm.sh run        the whole suite (make vmtest): tools/vm/vmtest.sh
#
# Environment: O (build dir, default build), VM_CACHE (default $O/vm),
# VM_KEEP=1 or VM_KEEP_FAILED=1 (keep the run directory: logs, overlays).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
# shellcheck source=tools/vm/lib.sh
. "$(dirname "$0")/lib.sh"

# bpftest: one guest, no NICs; prints each binary's output and a summary
# line per binary; fails if any test binary fails.
cmd_bpftest() {
	local stage out rc=0 kver
	vm_setup
	stage="$VM_RUN/stage"
	mkdir -p "$stage/root"
	vm_stage_tests "$stage"
	vm_payload "$stage"
	vm_define bpf
	vm_log "booting the 6.1 guest (TCG) ..."
	vm_start bpf
	vm_wait_ready bpf
	kver=$(vm_exec bpf 'uname -r')
	vm_log "guest up in $(vm_boot_ms bpf) ms, kernel $kver"
	out="$VM_RUN/bpftest.out"
	vm_exec -t 1200 bpf '
		pass=0 fail=0
		for t in /usr/lib/hbpf-vm/tests/test_*; do
			echo "== $t"
			if "$t"; then pass=$((pass + 1)); else echo "!! $t exited $?"; fail=$((fail + 1)); fi
		done
		echo "bpftest: $pass binaries passed, $fail failed on $(uname -r)"
		[ "$fail" = 0 ]' >"$out" 2>&1 || rc=$?
	cat "$out"
	[ "$rc" = 0 ] || vm_die "BPF tests failed on $kver (rc $rc)"
	vm_log "BPF tests passed on $kver"
}

case "${1:-}" in
image)
	sh "$VM_DIR/deps.sh"
	exec sh "$VM_DIR/image.sh" "$VM_CACHE"
	;;
bpftest) cmd_bpftest ;;
run) exec bash "$VM_DIR/vmtest.sh" ;;
*)
	echo "usage: vm.sh image|bpftest|run" >&2
	exit 2
	;;
esac
