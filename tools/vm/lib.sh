# SPDX-License-Identifier: GPL-2.0-only
# Host-side helpers of the VM harness (sourced by bash from tools/vm/vm.sh).
#
# A run has a prefix unique to it (VM_PREFIX) and a directory (VM_RUN) that
# holds everything it creates on disk: the payload disk, each guest's qcow2
# overlay over the cached base image, console and daemon logs, the control
# FIFOs.  vm_cleanup (the EXIT trap) kills the QEMUs and readers it started
# (by PID), deletes its network namespaces and removes VM_RUN.
#
# Guests run under TCG (see LAB.md: the host's /dev/kvm cannot run stock
# guests), one vCPU each.

VM_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VM_DIR="$VM_TOP/tools/vm"
: "${O:=build}"
O=$(cd "$O" && pwd)
: "${VM_CACHE:=$O/vm}"
: "${VM_MEM:=768}"
: "${VM_BOOT_TIMEOUT:=300}"
VM_PREFIX="hv$(printf '%05d' $(($$ % 100000)))"
VM_PIDS=""
VM_NETNS=""

vm_log() {
	echo "vm: $*" >&2
}

vm_die() {
	echo "vm: FAIL: $*" >&2
	exit 1
}

vm_now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# vm_setup: host packages, the cached image, the run directory and the trap.
vm_setup() {
	[ "$(id -u)" = 0 ] || vm_die "must run as root (QEMU taps, network namespaces)"
	sh "$VM_DIR/deps.sh" || vm_die "cannot install the host packages"
	sh "$VM_DIR/image.sh" "$VM_CACHE" || vm_die "cannot build the guest image"
	# shellcheck disable=SC1091
	. "$VM_CACHE/current.env"
	VM_RUN=$(mktemp -d "/tmp/${VM_PREFIX}.XXXXXX")
	trap vm_cleanup EXIT
	trap 'exit 130' INT TERM
}

vm_cleanup() {
	local rc=$? p ns
	set +e
	for p in $VM_PIDS; do
		kill -9 "$p" 2>/dev/null
	done
	for p in $VM_PIDS; do
		wait "$p" 2>/dev/null
	done
	for ns in $VM_NETNS; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "${VM_KEEP:-}" ] || { [ "$rc" -ne 0 ] && [ -n "${VM_KEEP_FAILED:-}" ]; }; then
		vm_log "kept $VM_RUN"
	else
		rm -rf "$VM_RUN"
	fi
	return "$rc"
}

# vm_payload STAGE: pack directory STAGE (init + root/) into the payload
# disk $VM_RUN/payload.img, read-only for every guest of the run.
vm_payload() {
	local stage=$1 mb
	install -m 0755 "$VM_DIR/guest-init.sh" "$stage/init"
	mb=$(($(du -sm "$stage" | cut -f1) + 16))
	truncate -s "${mb}M" "$VM_RUN/payload.img"
	mkfs.ext4 -q -F -L hbpf-payload -d "$stage" "$VM_RUN/payload.img" >/dev/null ||
		vm_die "mkfs.ext4 of the payload failed"
}

# vm_stage_tests STAGE: the BPF test binaries of $O under /usr/lib/hbpf-vm/tests.
vm_stage_tests() {
	local d="$1/root/usr/lib/hbpf-vm/tests" t n=0
	mkdir -p "$d"
	for t in "$O"/tests/bpf/test_*; do
		case "$t" in *.d | *.o) continue ;; esac
		[ -x "$t" ] || continue
		install -m 0755 "$t" "$d/"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || vm_die "no BPF test binaries in $O/tests/bpf (build first: make O=$O)"
}

# vm_define NAME KEY=VALUE...: a guest's settings, used by vm_start:
#   net=IF=ADDR/PLEN,...   addresses (kernel command line, set by the init)
#   nics="TAP:MAC:MODEL[:OPTS] ..."  NICs in PCI order (eth0, eth1, ...)
#   netns=NS               the namespace QEMU runs in (its taps live there)
vm_define() {
	local name=$1 kv
	shift
	for kv in "$@"; do
		eval "VM_${name}_${kv%%=*}=\${kv#*=}"
	done
	[ -f "$VM_RUN/$name.qcow2" ] ||
		qemu-img create -q -f qcow2 -F raw -b "$VM_BASE" "$VM_RUN/$name.qcow2" ||
		vm_die "cannot create the overlay of $name"
	mkfifo "$VM_RUN/$name.ctl.in" "$VM_RUN/$name.ctl.out" 2>/dev/null
	: >>"$VM_RUN/$name.console"
	: >>"$VM_RUN/$name.ctl.log"
}

vm_get() {
	eval "echo \"\${VM_${1}_$2:-}\""
}

# vm_qemu_args NAME: QEMU's command line for guest NAME (one word per line).
vm_qemu_args() {
	local name=$1 nics i=0 nic tap mac model opts
	nics=$(vm_get "$name" nics)
	cat <<EOF
-name
$name
-machine
q35,accel=tcg
-cpu
max
-smp
1
-m
$VM_MEM
-nodefaults
-no-user-config
-display
none
-no-reboot
-kernel
$VM_KERNEL
-initrd
$VM_INITRD
-append
console=ttyS0 root=/dev/vda rw init=/sbin/hbpf-vminit panic=-1 hbpfvm.name=$name hbpfvm.net=$(vm_get "$name" net) $(vm_get "$name" append)
-chardev
file,id=con,path=$VM_RUN/$name.console,append=on
-serial
chardev:con
-drive
file=$VM_RUN/$name.qcow2,format=qcow2,if=none,id=root,cache=writeback
-device
virtio-blk-pci,drive=root,addr=0x10
-drive
file=$VM_RUN/payload.img,format=raw,if=none,id=payload,readonly=on
-device
virtio-blk-pci,drive=payload,addr=0x11
-device
virtio-rng-pci,addr=0x12
-device
virtio-serial-pci,addr=0x13
-chardev
pipe,id=ctl,path=$VM_RUN/$name.ctl
-device
virtserialport,chardev=ctl,name=ctl
-chardev
file,id=log,path=$VM_RUN/$name.hbpfd.log,append=on
-device
virtserialport,chardev=log,name=log
EOF
	for nic in $nics; do
		IFS=: read -r tap mac model opts <<<"$nic"
		printf -- '-netdev\ntap,id=nic%d,ifname=%s,script=no,downscript=no\n' "$i" "$tap"
		printf -- '-device\n%s,netdev=nic%d,mac=%s,addr=0x%x%s\n' "$model" "$i" \
			"$(echo "$mac" | tr - :)" $((3 + i)) "${opts:+,$opts}"
		i=$((i + 1))
	done
}

# vm_start NAME: boot guest NAME in the background (QEMU's PID in
# VM_PID_<NAME>); vm_wait_ready waits for its init's ready line.
vm_start() {
	local name=$1 ns args=() line
	ns=$(vm_get "$name" netns)
	while IFS= read -r line; do
		args+=("$line")
	done < <(vm_qemu_args "$name")
	eval "VM_CONOFF_$name=$(stat -c %s "$VM_RUN/$name.console")"
	eval "VM_T0_$name=$(vm_now_ms)"
	if [ -n "$ns" ]; then
		ip netns exec "$ns" qemu-system-x86_64 "${args[@]}" >>"$VM_RUN/$name.qemu.log" 2>&1 &
	else
		qemu-system-x86_64 "${args[@]}" >>"$VM_RUN/$name.qemu.log" 2>&1 &
	fi
	eval "VM_PID_$name=$!"
	VM_PIDS="$VM_PIDS $!"
	# The guest's answers, appended to a log that vm_exec reads.  cat ends
	# when QEMU (the FIFO's only writer) dies.
	cat "$VM_RUN/$name.ctl.out" >>"$VM_RUN/$name.ctl.log" &
	VM_PIDS="$VM_PIDS $!"
}

vm_pid() {
	eval "echo \"\${VM_PID_$1:-}\""
}

vm_alive() {
	local pid
	pid=$(vm_pid "$1")
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# vm_wait_ready NAME: wait for the guest's HBPF-VM-READY line; sets
# VM_BOOT_MS_<NAME> (QEMU start to ready, host clock).
vm_wait_ready() {
	local name=$1 off t0 until
	eval "off=\$VM_CONOFF_$name t0=\$VM_T0_$name"
	until=$(($(vm_now_ms) + VM_BOOT_TIMEOUT * 1000))
	while [ "$(vm_now_ms)" -lt "$until" ]; do
		if tail -c +$((off + 1)) "$VM_RUN/$name.console" | grep -q "HBPF-VM-READY $name "; then
			eval "VM_BOOT_MS_$name=$(($(vm_now_ms) - t0))"
			return 0
		fi
		vm_alive "$name" || {
			tail -n 30 "$VM_RUN/$name.console" "$VM_RUN/$name.qemu.log" >&2
			vm_die "$name: QEMU exited during boot"
		}
		sleep 0.2
	done
	tail -n 30 "$VM_RUN/$name.console" >&2
	vm_die "$name: not ready after ${VM_BOOT_TIMEOUT} s"
}

vm_boot_ms() {
	eval "echo \"\${VM_BOOT_MS_$1:-}\""
}

# vm_exec [-t SECONDS] NAME SCRIPT: run SCRIPT with sh in guest NAME, print
# its output (stdout and stderr), return its exit code (124 on timeout, 125
# when the guest is down).  A script that leaves a process running must
# redirect that process's output itself.
vm_exec() {
	local timeout=60 name script id until log rc
	if [ "$1" = -t ]; then
		timeout=$2
		shift 2
	fi
	name=$1 script=$2
	log="$VM_RUN/$name.ctl.log"
	vm_alive "$name" || return 125
	id="$(date +%s%N)$BASHPID$RANDOM"
	# O_RDWR: never blocks, even if QEMU is gone; one write under PIPE_BUF is
	# atomic, so concurrent callers never interleave.
	printf '%s %s\n' "$id" "$(printf '%s' "$script" | base64 -w0)" 1<>"$VM_RUN/$name.ctl.in"
	until=$(($(vm_now_ms) + timeout * 1000))
	while ! grep -q -F "@@HBPF-END $id " "$log"; do
		if [ "$(vm_now_ms)" -ge "$until" ]; then
			echo "vm_exec $name: no answer after ${timeout} s" >&2
			return 124
		fi
		vm_alive "$name" || return 125
		sleep 0.05
	done
	awk -v id="$id" '
		$1 == "@@HBPF-OUT" && $2 == id { on = 1; next }
		$1 == "@@HBPF-END" && $2 == id { exit }
		on { print }
	' "$log" | base64 -d
	rc=$(awk -v id="$id" '$1 == "@@HBPF-END" && $2 == id { print $3; exit }' "$log")
	return "$rc"
}

# vm_kill NAME: SIGKILL the guest's QEMU, as a power cut.
vm_kill() {
	local pid
	pid=$(vm_pid "$1")
	[ -n "$pid" ] || return 0
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	eval "VM_PID_$1="
}
