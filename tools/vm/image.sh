#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# image.sh CACHE: build the guest image once and cache it in CACHE.
#
# The guest is Debian 12 (bookworm) from the host's configured apt mirror
# (VM_MIRROR overrides it), debootstrap's minbase plus tools/vm/guest-packages,
# with the stock kernel.  Its root file system is written straight into a raw
# ext4 image by `mkfs.ext4 -d` (no loop mount); the kernel and a small initrd
# of its own (only what a q35 guest needs to mount its virtio disk) are written
# to its /boot and copied next to it, because QEMU boots them directly
# (-kernel/-initrd).
#
# The recipe (tools/vm/rootfs.sh, the package list, the stub init, the
# initrd's init) is hashed; CACHE/stamp holds the hash of the image in CACHE,
# and the image is rebuilt only when the recipe changes.  Files are named by that hash (base-HASH.img, ...) so a run
# whose overlays point at an older base keeps it until the next build.
# Prints nothing but progress on stderr; CACHE/current.env tells the files.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cache=${1:?usage: image.sh CACHE}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

hash=$(cat "$here/rootfs.sh" "$here/guest-packages" "$here/vminit" "$here/initrd-init" | sha256sum | cut -c1-16)

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
work="$cache/build-$hash"
cleanup() {
	for m in dev sys proc; do
		mountpoint -q "$work/root/$m" 2>/dev/null && umount -l "$work/root/$m"
	done
	rm -rf "$work"
}
trap cleanup EXIT
rm -rf "$work"
mkdir -p "$work"
kver=$(sh "$here/rootfs.sh" "$work" "$work/out" "${VM_MIRROR:-$(mirror)}")
mb=$(($(stat -c %s "$work/out.img") / 1048576))
chmod 0444 "$work/out.img"
mv "$work/out.img" "$cache/base-$hash.img"
mv "$work/out.initrd" "$cache/initrd-$hash"
# A PVH ELF (vmlinux) when rootfs.sh could unpack it, else the bzImage.
if [ "$(head -c 4 "$work/out.kernel" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
	kernel="$cache/vmlinux-$hash"
else
	kernel="$cache/vmlinuz-$hash"
fi
mv "$work/out.kernel" "$kernel"

# Drop older builds, but not files a running guest has open (its overlay
# would lose its backing file on a reboot).
for f in "$cache"/base-*.img "$cache"/vmlinuz-* "$cache"/vmlinux-* "$cache"/initrd-*; do
	case "$f" in
	*"$hash"*) ;;
	*) fuser -s "$f" 2>/dev/null || rm -f "$f" ;;
	esac
done
cat >"$cache/current.env" <<EOF
VM_BASE=$cache/base-$hash.img
VM_KERNEL=$kernel
VM_INITRD=$cache/initrd-$hash
VM_KVER=$kver
EOF
echo "$hash" >"$cache/stamp"
log "built $cache/base-$hash.img (kernel $kver, ${mb} MB) in $(($(date +%s) - start)) s"
