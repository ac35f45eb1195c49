#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Authenticated heartbeats (issue 4): while n0 is healthy and holds web, a
# third host on the public network (the client namespace) sends n1 forged
# heartbeats "from n0" that say n0's daemon is dead (wrong key, unknown key
# id), malformed ones (truncated, oversized, wrong cluster) and genuine n0
# heartbeats recorded on the wire earlier (replays).  Nothing moves: the
# prober sees only n0 and never two answers, and n1's drop counters show
# every packet under its reason.  hbpfd also refuses a key file that is
# missing, readable by others, or malformed.
set -eu
TEST_NAME=auth
. "$(dirname "$0")/lib.sh"
e2e_up
INJ="$RUN/hbinject"
gcc -std=gnu11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$TOP/include" -I"$TOP/user" \
	-o "$INJ" "$TOP/tests/e2e/hbinject.c" "$TOP/user/siphash.c" || fail "cannot build hbinject"
N1=198.18.0.12 # n1 on link "pub" (index 1), reachable from the client
COUNT=200

drop() { ctl 1 counters | sed -n "s/^drop $1 //p"; }

# Record genuine heartbeats n0 sends (what an eavesdropper on the wire gets).
lab_exec n0 "$INJ" capture "$RUN/hb.cap" 100 3000 >/dev/null || fail "capture of n0's heartbeats"

for r in key mac replay short size cluster; do
	eval "before_$r=$(drop "$r")"
done
probe_bg 4000 "$RUN/probe.out"
sleep 0.5
for m in mac key short long cluster; do
	lab_exec c "$INJ" send "$N1" 7201 "$m" "$COUNT" >/dev/null || fail "inject $m"
done
lab_exec c "$INJ" send "$N1" 7201 replay "$COUNT" "$RUN/hb.cap" >/dev/null || fail "inject replay"
wait "$PROBER_PID" || true
check_probe "$RUN/probe.out" n0 n0 0
[ "$(kv "$RUN/probe.out" sequence)" = n0 ] || fail "answers: $(kv "$RUN/probe.out" sequence)"
[ "$(kernel_owned 0 0)" = 1 ] && [ "$(kernel_owned 1 0)" = 0 ] || fail "ownership changed"
ctl 1 peers | grep -q 'n0.*alive' || fail "n1 no longer sees n0 alive: $(ctl 1 peers | tr '\n' ';')"

for r in key mac replay short size cluster; do
	b=$(eval echo "\$before_$r")
	a=$(drop "$r")
	[ -n "$a" ] || fail "no '$r' drop counter in hbpfctl counters"
	[ $((a - b)) -ge "$COUNT" ] || fail "drops[$r] moved by $((a - b)), expected >= $COUNT"
	echo "   n1 drop $r: +$((a - b))"
done
# The same counters through bpftool, by index (HBPF_DROP_MAC = 13).
bpftool -j map lookup pinned "$PIN/n1/v$LAYOUT/drops" key 13 0 0 0 >"$RUN/bpftool.json" ||
	fail "bpftool cannot read n1's drops map"
grep -q '"value"' "$RUN/bpftool.json" || fail "bpftool: $(cat "$RUN/bpftool.json")"
# n0 never saw any of it and still serves.
[ "$(ctl 0 counters | sed -n 's/^drop mac //p')" = 0 ] || fail "n0 counted MAC drops"

# hbpfd refuses to start on a bad key file, with a precise message.
refuse() {
	local what=$1 expect=$2
	sed "s#^key-file .*#key-file $RUN/bad.key#" "$RUN/hbpf.conf" >"$RUN/bad.conf"
	if "$HBPFD" -n -c "$RUN/bad.conf" -N n0 >"$RUN/refuse.out" 2>&1; then
		fail "$what: hbpfd -n accepted it"
	fi
	grep -q -- "$expect" "$RUN/refuse.out" || fail "$what: $(cat "$RUN/refuse.out")"
}
rm -f "$RUN/bad.key"
refuse "missing file" "no such file (generate one with: hbpfctl keygen"
cp "$RUN/hbpf.key" "$RUN/bad.key"
chmod 640 "$RUN/bad.key"
refuse "group-readable" "mode 0640 lets group or others read it"
chmod 600 "$RUN/bad.key"
chown 65534 "$RUN/bad.key"
refuse "not owned by root" "owned by uid 65534, must be owned by root"
chown 0 "$RUN/bad.key"
echo "1 0011" >"$RUN/bad.key"
refuse "malformed" "bad.key:1: key must be 32 hex digits"
grep -v '^key-file' "$RUN/hbpf.conf" >"$RUN/nokey.conf"
"$HBPFD" -n -c "$RUN/nokey.conf" -N n0 >"$RUN/refuse.out" 2>&1 && fail "no key-file accepted"
grep -q "key-file: required (generate one with: hbpfctl keygen > /etc/hbpf/hbpf.key)" \
	"$RUN/refuse.out" || fail "no key-file: $(cat "$RUN/refuse.out")"
pass
