#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The init of a harness guest, run as PID 1 from the payload disk by the
# image's stub /sbin/hbpf-vminit (tools/vm/vminit) instead of systemd: a boot
# under TCG is as short as the kernel's own start-up plus a few commands.
#
# It mounts what hbpf needs (proc, sys, devtmpfs, bpffs), loads the drivers of
# the devices QEMU gave it (from their modaliases, as udev's coldplug would),
# installs the payload's file tree (hbpf's `make install` output, the test
# binaries, the node's config), brings up the NICs with the addresses named on
# the kernel command line, starts hbpfd and the lab responder as an enabled
# service would (when the payload has a config), prints HBPF-VM-READY on the
# console and then serves commands on the virtio-serial port "ctl":
#
#   host -> guest:  "<id> <base64 of a shell script>\n"
#   guest -> host:  "@@HBPF-OUT <id>\n" <base64 of its stdout+stderr> "@@HBPF-END <id> <rc>\n"
#
# The guest's sysctls are left at their defaults: hbpf must work with them.
# Kernel command line parameters (all optional):
#   hbpfvm.name=NAME            hostname and hbpfd's node name
#   hbpfvm.net=IF=A/P,IF=A/P    addresses of the NICs
#   hbpfvm.hbpfd=0              do not start hbpfd even if configured
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
P=/run/payload

vm_name=guest
vm_net=
vm_hbpfd=1
for w in $(cat /proc/cmdline); do
	case "$w" in
	hbpfvm.name=*) vm_name=${w#*=} ;;
	hbpfvm.net=*) vm_net=${w#*=} ;;
	hbpfvm.hbpfd=*) vm_hbpfd=${w#*=} ;;
	esac
done

say() {
	echo "hbpf-vm: $*" >/dev/console
}

mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mountpoint -q /sys/fs/cgroup || mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
mkdir -p /dev/pts /dev/shm
mountpoint -q /dev/pts || mount -t devpts devpts /dev/pts
mountpoint -q /dev/shm || mount -t tmpfs tmpfs /dev/shm
mount -o remount,rw / 2>/dev/null
hostname "$vm_name"

# Drivers for every device present (NICs, virtio-serial, ...).
find /sys/devices -name modalias -type f -exec cat {} + 2>/dev/null | sort -u |
	xargs modprobe -q -a -b 2>/dev/null

# Install the payload: a copy, so a node's own later writes (its state dir)
# live on its disk like on any host.
cp -a "$P/root/." /

ip link set lo up
oldifs=$IFS
IFS=,
for spec in $vm_net; do
	dev=${spec%%=*}
	ip link set dev "$dev" up || say "no NIC $dev"
	ip addr add "${spec#*=}" dev "$dev" || say "cannot add ${spec#*=} to $dev"
done
IFS=$oldifs

# The virtio-serial port named $1.
port() {
	for d in /sys/class/virtio-ports/*; do
		[ "$(cat "$d/name" 2>/dev/null)" = "$1" ] && echo "/dev/${d##*/}" && return 0
	done
	return 1
}
log=$(port log) || log=/dev/console
ctl=$(port ctl) || {
	say "no virtio-serial port ctl; powering off"
	echo o >/proc/sysrq-trigger
}

# Like an enabled service: hbpfd and the lab's responder start at boot.
if [ -f /etc/hbpf/hbpf.conf ] && [ "$vm_hbpfd" = 1 ]; then
	mkdir -p /var/log
	hbpf-responder -n "$vm_name" -p 7 -D -P /run/responder.pid >>/var/log/responder.log 2>&1
	setsid hbpfd -d -c /etc/hbpf/hbpf.conf -N "$vm_name" </dev/null >"$log" 2>&1 &
	echo $! >/run/hbpfd.pid
fi

read -r up _ </proc/uptime
say "HBPF-VM-READY $vm_name uptime=$up kernel=$(uname -r)"

# The command server.  One port open (a virtio port allows one opener), read
# and written through fd 3.  PID 1 must never exit, hence the outer loop.
while :; do
	exec 3<>"$ctl"
	while IFS=' ' read -r id b64 <&3; do
		[ -n "$id" ] || continue
		if ! printf '%s' "$b64" | base64 -d >"/run/vmcmd.$id" 2>/dev/null; then
			printf '@@HBPF-OUT %s\n@@HBPF-END %s 126\n' "$id" "$id" >&3
			continue
		fi
		(cd / && exec sh "/run/vmcmd.$id") </dev/null >"/run/vmout.$id" 2>&1
		rc=$?
		{
			printf '@@HBPF-OUT %s\n' "$id"
			base64 "/run/vmout.$id"
			printf '@@HBPF-END %s %d\n' "$id" "$rc"
		} >&3
		rm -f "/run/vmcmd.$id" "/run/vmout.$id"
	done
	exec 3<&-
	sleep 1
done
