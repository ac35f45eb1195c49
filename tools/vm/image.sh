#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# image.sh CACHE: build the guest image once and cache it in CACHE.
#
# The guest is Debian 12 (bookworm) from the host's configured apt mirror
# (VM_MIRROR overrides it), debootstrap's minbase plus tools/vm/guest-packages,
# with the stock kernel.  Its root file system is written straight into a raw
# ext4 image by `mkfs.ext4 -d` (no loop mount); the kernel and a small initrd
# (only the modules a q35 guest needs to find its virtio disk) are copied next
# to it, because QEMU boots them directly (-kernel/-initrd).
#
# The recipe (this script, the package list, the stub init) is hashed; CACHE/stamp
# holds the hash of the image in CACHE, and the image is rebuilt only when the
# recipe changes.  Files are named by that hash (base-HASH.img, ...) so a run
# whose overlays point at an older base keeps it until the next build.
# Prints nothing but progress on stderr; CACHE/current.env tells the files.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cache=${1:?usage: image.sh CACHE}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

hash=$(cat "$here/image.sh" "$here/guest-packages" "$here/vminit" | sha256sum | cut -c1-16)

log() {
	echo "vm image: $*" >&2
}

# The configured Debian mirror: the first URI serving bookworm in
# /etc/apt/sources.list.d/*.sources (deb822) or /etc/apt/sources.list.
mirror() {
	local_m=$(awk '
		/^URIs:/ { uri = $2 }
		/^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm") found = 1 }
		/^$/ { if (found && uri != "") { print uri; exit } uri = ""; found = 0 }
		END { if (found && uri != "") print uri }
	' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
	if [ -z "$local_m" ] && [ -f /etc/apt/sources.list ]; then
		local_m=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list)
	fi
	echo "${local_m:-http://deb.debian.org/debian}"
}

# Take the build lock: two runs sharing CACHE build the image once.
exec 9>"$cache/.lock"
flock 9

if [ -f "$cache/stamp" ] && [ "$(cat "$cache/stamp")" = "$hash" ] &&
	[ -f "$cache/base-$hash.img" ]; then
	exit 0
fi

start=$(date +%s)
MIRROR=${VM_MIRROR:-$(mirror)}
work="$cache/build-$hash"
root="$work/root"
cleanup() {
	for m in dev/pts dev proc sys; do
		mountpoint -q "$root/$m" 2>/dev/null && umount -l "$root/$m"
	done
	rm -rf "$work"
}
trap cleanup EXIT
rm -rf "$work"
mkdir -p "$work"

pkgs=$(sed -e 's/#.*//' "$here/guest-packages" | tr -s ' \n' ',' | sed -e 's/^,//' -e 's/,$//')
log "debootstrap bookworm from $MIRROR (recipe $hash)"
debootstrap --variant=minbase --components=main --include="$pkgs" bookworm "$root" "$MIRROR" \
	>"$work/debootstrap.log" 2>&1 || {
	tail -n 30 "$work/debootstrap.log" >&2
	log "debootstrap failed"
	exit 1
}

# A small initrd: the stock one (MODULES=most) is ~30 MB that TCG must
# decompress on every boot.  These are the modules a q35 guest needs to reach
# its root disk; the real root's init loads the rest from modalias.
cat >"$root/etc/initramfs-tools/conf.d/hbpf-vm.conf" <<'EOF'
MODULES=list
COMPRESS=gzip
EOF
cat >>"$root/etc/initramfs-tools/modules" <<'EOF'
virtio_pci
virtio_blk
ext4
EOF
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --bind /dev "$root/dev"
chroot "$root" update-initramfs -u -k all >"$work/initramfs.log" 2>&1 || {
	tail -n 20 "$work/initramfs.log" >&2
	log "update-initramfs failed"
	exit 1
}
umount "$root/dev" "$root/sys" "$root/proc"

install -m 0755 "$here/vminit" "$root/sbin/hbpf-vminit"
echo hbpf-vm >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n' >"$root/etc/hosts"
: >"$root/etc/fstab"
# Not needed in a guest that lives for one run.
rm -rf "$root/var/cache/apt/archives"/*.deb "$root/var/lib/apt/lists"/* \
	"$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/locale"

kver=$(ls "$root/lib/modules" | sort -V | tail -n 1)
cp "$root/boot/vmlinuz-$kver" "$cache/vmlinuz-$hash"
cp "$root/boot/initrd.img-$kver" "$cache/initrd-$hash"
# Room for hbpf, its state and logs on top of the root file system.
mb=$(($(du -sm "$root" | cut -f1) + 512))
rm -f "$cache/base-$hash.img"
truncate -s "${mb}M" "$cache/base-$hash.img"
mkfs.ext4 -q -F -L hbpf-root -d "$root" "$cache/base-$hash.img" >/dev/null
chmod 0444 "$cache/base-$hash.img"

# Drop older builds: only this one is current.
for f in "$cache"/base-*.img "$cache"/vmlinuz-* "$cache"/initrd-*; do
	case "$f" in
	*"$hash"*) ;;
	*) rm -f "$f" ;;
	esac
done
cat >"$cache/current.env" <<EOF
VM_BASE=$cache/base-$hash.img
VM_KERNEL=$cache/vmlinuz-$hash
VM_INITRD=$cache/initrd-$hash
VM_KVER=$kver
EOF
echo "$hash" >"$cache/stamp"
log "built $cache/base-$hash.img (kernel $kver, ${mb} MB) in $(($(date +%s) - start)) s"
