#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Disk groups (e) and (f): corrupt metadata is refused with a precise error and
# nothing is mounted; a volume with errors fsck cannot fix fails the set, and
# that volume is never mounted.
set -eu
TEST_NAME=dg_corrupt
E2E_DG=1
E2E_NO_CLAIM=1
E2E_SET_EXTRA="autofailover no"
. "$(dirname "$0")/lib.sh"
e2e_up
# (e) one flipped byte in the header: refused, nothing mounted, nothing written.
dd if="$DG_META" of="$RUN/hdr.bin" bs=4096 count=1 iflag=direct status=none
printf '\xff' | dd of="$DG_META" bs=1 seek=100 conv=notrunc oflag=sync status=none
ctl 0 dg import data >"$RUN/imp.out" 2>&1 && fail "import of corrupt metadata succeeded"
grep -qi "checksum" "$RUN/imp.out" || fail "no precise error: $(cat "$RUN/imp.out")"
[ "$(mounted 0 "$DG_MNT/v0")" = 0 ] || fail "mounted despite corrupt metadata"
"$HBPFCTL" dg show --meta "$DG_META" >"$RUN/show.out" 2>&1 && fail "dg show accepted corruption"
dd if="$RUN/hdr.bin" of="$DG_META" bs=4096 count=1 oflag=direct conv=notrunc status=none
# (f) volume 2 has errors e2fsck -p will not fix: the set fails, v2 is never
# mounted, and neither are the volumes after it.
"$TOP/tools/lab/disks.sh" corrupt "$RUN/disks" 2 >>"$RUN/lab.log" 2>&1 || fail "corrupt"
ctl 0 acquire web | grep -q '^ok' || fail "acquire refused"
for _ in $(seq 100); do
	[ "$(set_state 0 web)" = failed ] && break
	sleep 0.1
done
[ "$(set_state 0 web)" = failed ] || fail "state $(set_state 0 web), expected failed"
[ "$(mounted 0 "$DG_MNT/v2")" = 0 ] || fail "the volume fsck refused was mounted"
[ "$(kernel_owned 0 0)" = 0 ] || fail "the failed set still owns the VIP"
grep -q "fsck" "$RUN/n0.log" || fail "no fsck failure logged"
grep -E "dg-fsck failed|fsck .*(exit|errors)" "$RUN/n0.log" | head -n 2 | sed 's/^/   /'
pass
