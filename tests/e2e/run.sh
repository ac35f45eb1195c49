#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Run every end-to-end test (tests/e2e/test_*.sh) one after the other; each
# builds its own lab and cleans it up.  Prints "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
: "${O:=build}"
export O
pass=0
failed=0
names=""
for t in tests/e2e/test_*.sh; do
	[ -n "${E2E_ONLY:-}" ] && case "$t" in *"$E2E_ONLY"*) ;; *) continue ;; esac
	echo "== $t"
	if timeout 300 bash "$t"; then
		pass=$((pass + 1))
	else
		failed=$((failed + 1))
		names="$names $t"
	fi
done
echo "e2e: $pass passed, $failed failed"
[ "$failed" -eq 0 ] || { echo "failed:$names"; exit 1; }
