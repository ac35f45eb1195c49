#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# make check: every C source and header is clang-formatted (.clang-format) and
# every man page passes groff's warnings.
set -eu
cd "$(dirname "$0")/.."
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find bpf include user tools tests -name '*.[ch]')
bad=0
for f in $files; do
	if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
		echo "format: $f is not clang-formatted (run 'make format')" >&2
		bad=1
	fi
done
for m in man/*.[0-9]; do
	[ -f "$m" ] || continue
	out=$(LC_ALL=C groff -wall -z -man "$m" 2>&1 || true)
	if [ -n "$out" ]; then
		echo "man: $m: $out" >&2
		bad=1
	fi
done
[ "$bad" -eq 0 ] && echo "format: all files clean"
exit "$bad"
