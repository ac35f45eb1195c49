#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Install the Debian packages named in each LIST file (one per line, "#"
# comments), by default tools/packages: what the build, the tests and the
# demo need.  The VM harness passes tools/vm/host-packages.
# Idempotent: when all are present it only runs dpkg-query.
# usage: deps.sh [LIST...]
set -eu
[ $# -gt 0 ] || set -- "$(dirname "$0")/packages"

pkgs=""
for f in "$@"; do
	[ -r "$f" ] || { echo "deps: cannot read the package list $f" >&2; exit 1; }
	pkgs="$pkgs $(sed -e 's/#.*//' "$f")"
done

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
	echo "deps: missing packages:$missing (run as root)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
