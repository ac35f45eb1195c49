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
O=$(mkdir -p "$O" && cd "$O" && pwd)
: "${VM_CACHE:=$O/vm}"
: "${VM_MEM:=512}"
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
	sh "$VM_DIR/../deps.sh" "$VM_DIR/host-packages" || vm_die "cannot install the host packages"
	sh "$VM_DIR/image.sh" "$VM_CACHE" || vm_die "cannot build the guest image"
	# shellcheck disable=SC1091
	. "$VM_CACHE/current.env"
	VM_RUN=$(mktemp -d "/tmp/${VM_PREFIX}.XXXXXX")
	trap vm_cleanup EXIT
	trap 'exit 130' INT TERM
	# The host's view, once a second: a stall of the emulated nodes shows
	# here as runnable (r) or blocked (b) processes and IO wait (wa).
	vmstat -n -t 1 >"$VM_RUN/vmstat.log" 2>&1 &
	VM_PIDS="$VM_PIDS $!"
}

# vm_vmstat FROM_MS TO_MS: the host's vmstat lines of that window (epoch ms).
vm_vmstat() {
	local s e
	s=$(date -u -d "@$(($1 / 1000))" '+%F %T')
	e=$(date -u -d "@$(($2 / 1000 + 1))" '+%F %T')
	awk -v s="$s" -v e="$e" '{ t = $(NF - 1) " " $NF } t >= s && t <= e' "$VM_RUN/vmstat.log"
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
	# A failed run keeps its logs (not its disks) for the report.
	if [ -n "${VM_KEEP:-}" ]; then
		vm_log "kept $VM_RUN"
	elif [ "$rc" -ne 0 ]; then
		rm -rf "$VM_RUN"/*.qcow2 "$VM_RUN/payload.img" "$VM_RUN/stage"
		vm_log "logs of the failed run kept in $VM_RUN"
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

# vm_stage_tests STAGE: the BPF test binaries of $O under
# /usr/lib/hbpf-vm/tests (their names in its file "list"), with the BPF
# objects some of them load from beside themselves (refused.bpf.o).
vm_stage_tests() {
	local d="$1/root/usr/lib/hbpf-vm/tests" t n=0
	mkdir -p "$d"
	for t in "$O"/tests/bpf/*; do
		case "$t" in
		*.bpf.o) install -m 0644 "$t" "$d/" ;;
		*.d | *.o) ;;
		*/test_*)
			[ -x "$t" ] || continue
			install -m 0755 "$t" "$d/"
			echo "${t##*/}" >>"$d/list"
			n=$((n + 1))
			;;
		esac
	done
	[ "$n" -gt 0 ] || vm_die "no BPF test binaries in $O/tests/bpf (build first: make O=$O)"
}

# vm_define NAME KEY=VALUE...: a guest's settings, used by vm_start:
#   host=HOSTNAME          the guest's host name (default NAME)
#   append=ARGS            more kernel command line
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
	local name=$1 nics i=0 nic tap mac model opts host
	nics=$(vm_get "$name" nics)
	host=$(vm_get "$name" host)
	host=${host:-$name}
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
console=ttyS0 root=/dev/vda rw init=/sbin/hbpf-vminit panic=-1 hbpfvm.name=$host hbpfvm.net=$(vm_get "$name" net) $(vm_get "$name" append)
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
	eval "VM_T0_$name=$(vm_now_ms) VM_BOOT_MS_$name="
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
		if tail -c +$((off + 1)) "$VM_RUN/$name.console" | grep -q "HBPF-VM-READY "; then
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
	return 0
}

vm_set() {
	eval "VM_${1}_$2=\$3"
}

# vm_net_up: the run's switch namespace (bridges br-pub and br-priv, where
# the guests' taps go) and the client namespace, on br-pub by a veth.
VM_SW="${VM_PREFIX}sw"
VM_CL="${VM_PREFIX}c"
VM_CLIENT_IP=198.18.0.2
VM_VIP=198.18.0.100
vm_net_up() {
	local br
	ip netns add "$VM_SW" || vm_die "cannot create netns $VM_SW"
	VM_NETNS="$VM_NETNS $VM_SW"
	ip netns add "$VM_CL" || vm_die "cannot create netns $VM_CL"
	VM_NETNS="$VM_NETNS $VM_CL"
	ip -n "$VM_SW" link set lo up
	for br in br-pub br-priv; do
		ip -n "$VM_SW" link add "$br" type bridge || vm_die "cannot create $br"
		ip -n "$VM_SW" link set "$br" up
	done
	ip -n "$VM_SW" link add c-pub type veth peer name eth0 netns "$VM_CL" ||
		vm_die "cannot create the client's veth"
	ip -n "$VM_SW" link set c-pub master br-pub up
	ip -n "$VM_CL" link set lo up
	ip -n "$VM_CL" addr add "$VM_CLIENT_IP/24" dev eth0
	ip -n "$VM_CL" link set eth0 up
}

# vm_tap NAME BRIDGE: a persistent tap in the switch namespace on BRIDGE (it
# outlives a killed QEMU, so a rebooted guest finds it again).
vm_tap() {
	ip -n "$VM_SW" link show "$1" >/dev/null 2>&1 && return 0
	ip -n "$VM_SW" tuntap add dev "$1" mode tap || vm_die "cannot create tap $1"
	ip -n "$VM_SW" link set "$1" master "$2" up
}

# vm_define_node GUEST NODE ID MODEL [OPTS]: guest GUEST is hbpf node NODE
# (hostname, addresses 198.18.0.(11+ID) on eth0/br-pub and 198.19.0.(11+ID)
# on eth1/br-priv), both NICs of QEMU model MODEL with device options OPTS.
vm_define_node() {
	local guest=$1 node=$2 id=$3 model=$4 opts=${5:-} h
	h=$(printf '%02x' $((0x11 + id)))
	vm_tap "${node}pub" br-pub
	vm_tap "${node}priv" br-priv
	vm_define "$guest" host="$node" netns="$VM_SW" \
		net="eth0=198.18.0.$((11 + id))/24,eth1=198.19.0.$((11 + id))/24" \
		nics="${node}pub:52-54-00-12-00-$h:$model:$opts ${node}priv:52-54-00-13-00-$h:$model:$opts"
}

# vm_stage_payload: hbpf installed (make install PREFIX=/usr), the lab
# responder, the BPF tests, the cluster's config and key: the payload disk.
vm_stage_payload() {
	local stage="$VM_RUN/stage"
	mkdir -p "$stage/root/usr/lib/hbpf-vm" "$stage/root/etc/hbpf"
	make -s -C "$VM_TOP" O="$O" install DESTDIR="$stage/root" PREFIX=/usr \
		>"$VM_RUN/install.log" 2>&1 || {
		cat "$VM_RUN/install.log" >&2
		vm_die "make install failed"
	}
	install -m 0755 "$O/tools/hbpf-responder" "$stage/root/usr/sbin/hbpf-responder"
	install -m 0755 "$VM_DIR/start-hbpfd" "$stage/root/usr/lib/hbpf-vm/start-hbpfd"
	vm_stage_tests "$stage"
	(umask 077 && "$O/hbpfctl" keygen 1 >"$stage/root/etc/hbpf/hbpf.key") ||
		vm_die "hbpfctl keygen failed"
	vm_write_config >"$stage/root/etc/hbpf/hbpf.conf"
	"$O/hbpfctl" -c "$stage/root/etc/hbpf/hbpf.conf" check >"$VM_RUN/check.log" 2>&1 || true
	vm_payload "$stage"
}

vm_write_config() {
	cat <<EOF
# written by tools/vm/lib.sh for the VM harness
cluster 4343
key-file /etc/hbpf/hbpf.key
state-dir /var/lib/hbpf
interval $VM_INTERVAL
detect-mult $VM_DETECT_MULT
daemon-deadline $VM_DAEMON_DEADLINE
links priv pub

node n0 {
	id 0
	public eth0
	link priv eth1 198.19.0.11
	link pub eth0 198.18.0.11
}

node n1 {
	id 1
	public eth0
	link priv eth1 198.19.0.12
	link pub eth0 198.18.0.12
}

set web {
	vip $VM_VIP/24
	nodes n0 n1
}
EOF
}

# vm_prober MS OUT: the client's prober against the VIP (5 ms probes, 500 ms
# reply window: an emulated node answers in ~1 ms, but may be descheduled),
# its key=value summary to OUT.  At SCHED_FIFO 90, as in make bench: the
# client's own starvation on a busy host must not count as an outage.
vm_prober() {
	ip netns exec "$VM_CL" chrt -f 90 "$O/tools/hbpf-prober" -q -t "$VM_VIP:7" -d "$1" \
		-i "${VM_PROBE_US:-5000}" -w 500 >"$2" 2>&1
}

# vm_prober_bg MS OUT: the prober in the background; VM_PROBER_PID is the
# prober itself (ip netns exec and chrt exec it), so that a SIGTERM ends it
# early with its summary.  VM_PROBER_T0: when it started (vm_now_ms).
vm_prober_bg() {
	VM_PROBER_T0=$(vm_now_ms)
	ip netns exec "$VM_CL" chrt -f 90 "$O/tools/hbpf-prober" -q -t "$VM_VIP:7" -d "$1" \
		-i "${VM_PROBE_US:-5000}" -w 500 >"$2" 2>&1 &
	VM_PROBER_PID=$!
}

# vm_load: the host's load average over the last minute (context for
# timings: other users of the machine slow the emulated nodes down).
vm_load() {
	cut -d' ' -f1 /proc/loadavg
}

# vm_kv FILE KEY: a value from a prober summary.
vm_kv() {
	sed -n "s/^$2=//p" "$1" | head -n 1
}

# vm_run_bpftests OUT GUEST...: the BPF test binaries, shared out among the
# GUESTs (each takes the next binary when it is done with one: a TCG guest
# has one vCPU, the host two), all output to OUT in the binaries' order.
# Prints "P passed, F failed" (cmocka tests of all binaries) and returns
# non-zero if any binary failed or did not finish.
vm_run_bpftests() {
	local out=$1 g t rc=0 pids=""
	shift
	cp "$VM_RUN/stage/root/usr/lib/hbpf-vm/tests/list" "$VM_RUN/bpfq"
	for g in "$@"; do
		bpf_worker "$g" &
		pids="$pids $!"
	done
	for g in $pids; do
		wait "$g" || rc=1
	done
	: >"$out"
	while read -r t; do
		cat "$VM_RUN/bpf.$t.out" >>"$out" 2>/dev/null
		[ -f "$VM_RUN/bpf.$t.ok" ] || rc=1
	done <"$VM_RUN/stage/root/usr/lib/hbpf-vm/tests/list"
	awk '
		/^\[==========\] [0-9]+ test\(s\) run\./ { n += $2 }
		/^\[  PASSED  \] [0-9]+ test/ { p += $4 }
		END { printf "%d passed, %d failed\n", p, n - p }' "$out"
	return "$rc"
}

# bpf_worker GUEST: run test binaries from the queue $VM_RUN/bpfq in GUEST
# until it is empty.
bpf_worker() {
	local g=$1 t r t0
	while :; do
		t=$({
			flock 9
			head -n 1 "$VM_RUN/bpfq"
			sed -i 1d "$VM_RUN/bpfq"
		} 9>"$VM_RUN/bpfq.lock")
		[ -n "$t" ] || return 0
		r=0
		t0=$(vm_now_ms)
		vm_exec -t 1800 "$g" "echo '== $t (in $g)'; /usr/lib/hbpf-vm/tests/$t" \
			>"$VM_RUN/bpf.$t.out" 2>&1 || r=$?
		if [ "$r" = 0 ]; then
			touch "$VM_RUN/bpf.$t.ok"
		else
			echo "!! $t exited $r" >>"$VM_RUN/bpf.$t.out"
		fi
		echo "== $t took $((($(vm_now_ms) - t0) / 1000)) s" >>"$VM_RUN/bpf.$t.out"
	done
}
