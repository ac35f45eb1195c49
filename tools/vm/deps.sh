#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Install the host packages the VM harness needs (tools/vm/host-packages).
# Idempotent: when all are present it only runs dpkg-query.
set -eu
here=$(dirname "$0")
pkgs=$(sed -e 's/#.*//' "$here/host-packages")

missing=""
for p in $pkgs; do
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	case "$st" in
	ii*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "vm deps: missing packages:$missing (run as root)" >&2
	exit 1
fi
echo "vm deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
