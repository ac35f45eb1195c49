#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Install every Debian package the build, the tests and the demo need.
# Idempotent: when all are present it only runs dpkg-query once.
set -eu

# libclang-rt-14-dev: clang's libFuzzer and sanitizer runtimes (make fuzz).
# keepalived, stress-ng, iputils-arping: make bench (the comparison and its load).
PKGS="clang libclang-rt-14-dev clang-format groff-base llvm bpftool libbpf-dev libelf-dev
zlib1g-dev libnl-3-dev libnl-route-3-dev liburing-dev libcmocka-dev pkg-config make gcc libc6-dev
iproute2 ethtool tcpdump procps util-linux e2fsprogs psmisc jq
keepalived stress-ng iputils-arping"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	case "$st" in
	ii*) ;;
	*) missing="$missing $p" ;;
	esac
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages:$missing (run 'make deps' as root)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
