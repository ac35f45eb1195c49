#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# rootfs.sh WORK OUT MIRROR: the guest image's recipe (run by image.sh, which
# caches its result; hashing this file, guest-packages, vminit and initrd-init
# decides when it is run again).  Builds in WORK (as root; debootstrap needs
# it) and writes OUT.img (raw ext4, by mkfs.ext4 -d: no loop mount), OUT.kernel
# and OUT.initrd; prints the kernel version.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$1 out=$2 MIRROR=$3
root="$work/root"

log() {
	echo "vm image: $*" >&2
}

pkgs=$(sed -e 's/#.*//' "$here/guest-packages" | tr -s ' \n' ',' | sed -e 's/^,//' -e 's/,$//')
log "debootstrap bookworm from $MIRROR"
debootstrap --variant=minbase --components=main --include="$pkgs" bookworm "$root" "$MIRROR" \
	>"$work/debootstrap.log" 2>&1 || {
	tail -n 30 "$work/debootstrap.log" >&2
	log "debootstrap failed"
	exit 1
}

kver=$(ls "$root/lib/modules" | sort -V | tail -n 1)
# Our own initrd: the stock one runs initramfs-tools' scripts, ~8 s under TCG
# before the root is mounted.  This one is klibc's sh, insmod and run-init
# (from the image's klibc-utils) and the modules that reach an ext4 root on a
# virtio disk, loaded by a ten-line /init (tools/vm/initrd-init).
mkinitrd() {
	local_i="$work/initrd"
	mkdir -p "$local_i/bin" "$local_i/lib" "$local_i/usr/lib" "$local_i/proc" "$local_i/sys" \
		"$local_i/dev" "$local_i/root"
	for b in sh insmod mount umount mkdir sleep run-init; do
		cp "$root/usr/lib/klibc/bin/$b" "$local_i/bin/"
	done
	cp "$root"/usr/lib/klibc-*.so "$local_i/usr/lib/"
	ln -s ../usr/lib/"$(basename "$root"/usr/lib/klibc-*.so)" "$local_i/lib/"
	chroot "$root" modprobe -S "$kver" --show-depends -a virtio_pci virtio_blk crc32c_generic ext4 |
		awk '$1 == "insmod" && !seen[$2]++ { print $2 }' >"$work/modules"
	: >"$local_i/modules"
	while read -r m; do
		mkdir -p "$local_i$(dirname "$m")"
		cp "$root$m" "$local_i$m"
		echo "$m" >>"$local_i/modules"
	done <"$work/modules"
	install -m 0755 "$here/initrd-init" "$local_i/init"
	(cd "$local_i" && find . | cpio -o -H newc --quiet | gzip -1) >"$root/boot/initrd-hbpf-vm.img"
}
mkinitrd

install -m 0755 "$here/vminit" "$root/sbin/hbpf-vminit"
echo hbpf-vm >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n' >"$root/etc/hosts"
# Everything hbpf-vminit mounts, in one `mount -a` (each process a TCG guest
# starts costs it tens of milliseconds).  /dev/vdb is the run's payload disk.
mkdir -p "$root/mnt/payload"
cat >"$root/etc/fstab" <<'EOF'
proc /proc proc defaults 0 0
sysfs /sys sysfs defaults 0 0
devtmpfs /dev devtmpfs defaults 0 0
tmpfs /run tmpfs mode=0755 0 0
bpf /sys/fs/bpf bpf defaults 0 0
cgroup2 /sys/fs/cgroup cgroup2 defaults 0 0
/dev/vdb /mnt/payload ext4 ro,noload 0 0
EOF
# Not needed in a guest that lives for one run.
rm -rf "$root/var/cache/apt/archives"/*.deb "$root/var/lib/apt/lists"/* \
	"$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/locale"

# QEMU boots the uncompressed kernel as a PVH ELF (Debian's has CONFIG_PVH):
# decompressing the 66 MB image inside a TCG guest (xz) costs ~8 s a boot.
# The bzImage is the fallback when no xz payload is found in it.
off=$(LC_ALL=C grep -abo "$(printf '\3757zXZ')" "$root/boot/vmlinuz-$kver" | head -n 1 | cut -d: -f1)
kernel=""
if [ -n "$off" ]; then
	# xz complains about the bzImage's data after the stream: judge the result.
	tail -c +$((off + 1)) "$root/boot/vmlinuz-$kver" | xz -dc >"$out.kernel" 2>/dev/null || true
	[ "$(head -c 4 "$out.kernel" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] &&
		kernel="$out.kernel"
fi
[ -n "$kernel" ] || cp "$root/boot/vmlinuz-$kver" "$out.kernel"
cp "$root/boot/initrd-hbpf-vm.img" "$out.initrd"
# Room for hbpf, its state and logs on top of the root file system.
mb=$(($(du -sm "$root" | cut -f1) + 512))
rm -f "$out.img"
truncate -s "${mb}M" "$out.img"
mkfs.ext4 -q -F -L hbpf-root -d "$root" "$out.img" >/dev/null
echo "$kver"

