#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The init of a harness guest, run as PID 1 from the payload disk by the
# image's stub /sbin/hbpf-vminit (tools/vm/vminit) instead of systemd: a boot
# under TCG is as short as the kernel's own start-up plus a few commands.
#
# With what the stub mounted (proc, sys, devtmpfs, bpffs, ...), it loads the
# drivers of the devices the harness gives it, installs the payload's file
# tree (hbpf's `make install` output, the test binaries, the node's config),
# brings up the NICs with the addresses named on the kernel command line,
# starts hbpfd and the lab responder as an enabled service would
# (/usr/lib/hbpf-vm/start-hbpfd, when the payload has a config), prints
# HBPF-VM-READY on the console and then serves commands on the virtio-serial
# port "ctl":
#
#   host -> guest:  "<id> <base64 of a shell script>\n"
#   guest -> host:  "@@HBPF-OUT <id>\n" <base64 of its stdout+stderr> "@@HBPF-END <id> <rc>\n"
#
# Commands run concurrently; each answers when it is done.
#
# The guest's sysctls are left at their defaults: hbpf must work with them.
# Kernel command line parameters (all optional):
#   hbpfvm.name=NAME            hostname and hbpfd's node name
#   hbpfvm.net=IF=A/P,IF=A/P    addresses of the NICs
#   hbpfvm.hbpfd=0              do not start hbpfd even if configured
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
# Every process costs a TCG guest tens of milliseconds: shell builtins
# where they do the job.
P=/mnt/payload

vm_name=guest
vm_net=
vm_hbpfd=1
read -r cmdline </proc/cmdline
for w in $cmdline; do
	case "$w" in
	hbpfvm.name=*) vm_name=${w#*=} ;;
	hbpfvm.net=*) vm_net=${w#*=} ;;
	hbpfvm.hbpfd=*) vm_hbpfd=${w#*=} ;;
	esac
done

say() {
	echo "hbpf-vm: $*" >/dev/console
}

echo "$vm_name" >/proc/sys/kernel/hostname

# Drivers of the devices the harness gives a guest (virtio NICs, serial and
# rng; e1000 only when there is one), not every modalias: q35's AHCI and
# SMBus and the CPU's crypto and kvm modules would cost seconds.
mods="virtio_net virtio_console virtio_rng"
for d in /sys/bus/pci/devices/*; do
	read -r id <"$d/device"
	[ "$id" = 0x100e ] && mods="$mods e1000"
done
# shellcheck disable=SC2086
modprobe -a -q $mods

# Install the payload: a copy, so a node's own later writes (its state dir)
# live on its disk like on any host.
cp -a "$P/root/." /

# NIC addresses, one `ip` for all.
{
	echo "link set lo up"
	oldifs=$IFS
	IFS=,
	for spec in $vm_net; do
		echo "link set dev ${spec%%=*} up"
		echo "addr add ${spec#*=} dev ${spec%%=*}"
	done
	IFS=$oldifs
} >/run/net.batch
ip -batch /run/net.batch || say "cannot configure the NICs: $(cat /run/net.batch)"

# The virtio-serial port named ctl.
ctl=
for d in /sys/class/virtio-ports/*; do
	read -r n <"$d/name"
	[ "$n" = ctl ] && ctl="/dev/${d##*/}"
done
if [ -z "$ctl" ]; then
	say "no virtio-serial port ctl; powering off"
	echo o >/proc/sysrq-trigger
fi

# Like an enabled service: hbpfd and the lab's responder start at boot.
if [ -f /etc/hbpf/hbpf.conf ] && [ "$vm_hbpfd" = 1 ]; then
	/usr/lib/hbpf-vm/start-hbpfd
fi

read -r up _ </proc/uptime
read -r kver </proc/sys/kernel/osrelease
say "HBPF-VM-READY $vm_name uptime=$up kernel=$kver"

# The command server.  One port open (a virtio port allows one opener), read
# and written through fd 3.  Each command runs in the background, so that
# the host can look into a guest while a long command (the BPF tests) runs;
# answers are written one at a time under a lock, so that they never
# interleave.  PID 1 must never exit, hence the outer loop.
mkdir -p /run/vm
while :; do
	exec 3<>"$ctl"
	while IFS=' ' read -r id b64 <&3; do
		[ -n "$id" ] || continue
		(
			f=/run/vm/$id
			if printf '%s' "$b64" | base64 -d >"$f.sh" 2>/dev/null; then
				(cd / && exec sh "$f.sh") </dev/null >"$f.out" 2>&1
				rc=$?
			else
				rc=126
				: >"$f.out"
			fi
			{
				flock 4
				printf '@@HBPF-OUT %s\n' "$id"
				base64 "$f.out"
				printf '@@HBPF-END %s %d\n' "$id" "$rc"
			} 4>/run/vm/lock >&3
			rm -f "$f.sh" "$f.out"
		) &
		jobs >/dev/null # reaps the finished ones (dash)
	done
	exec 3<&-
	sleep 1
done
