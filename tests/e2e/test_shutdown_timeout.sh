#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A shutdown that cannot finish (the service's stop hangs past
# shutdown-timeout) exits anyway, but never leaves the kernel owning the set
# with no daemon: n0 drops it before exiting, n1 takes it over and answers,
# and n0's gate answers no more.
set -eu
TEST_NAME=shutdown-timeout
. "$(dirname "$0")/lib.sh"
E2E_TOP_EXTRA="shutdown-timeout 2s"
eval "$(declare -f write_config | sed '1s/write_config/write_config_base/')"
write_config() {
	write_config_base "$1"
	sed -i -e "s|timeout 5s|timeout 30s|" "$1"
	mv "$RUN/svc.sh" "$RUN/svc-base.sh"
	cat >"$RUN/svc.sh" <<EOS
#!/bin/sh
if [ "\$1" = stop ] && [ "\$HBPF_NODE" = n0 ]; then
	echo "stop-hang \$HBPF_NODE" >>"$RUN/service.events"
	exec sleep 60
fi
exec "$RUN/svc-base.sh" "\$@"
EOS
	chmod +x "$RUN/svc.sh"
}
e2e_up
[ "$(kernel_owned 0 0)" = 1 ] || fail "n0 does not own web in the kernel at the start"
t0=$(now_ms)
kill -TERM "$DPID0"
wait "$DPID0" 2>/dev/null || true
t1=$(now_ms)
# The daemon is gone: its kernel must not own the set any more.
[ "$(kernel_owned 0 0)" = 0 ] || fail "n0's kernel still owns web after its daemon exited"
el=$((t1 - t0))
[ "$el" -ge 1900 ] && [ "$el" -lt 15000 ] ||
	fail "hbpfd on n0 exited after $el ms (shutdown-timeout 2s)"
grep -q "exiting anyway" "$RUN/n0.log" || fail "n0 did not log the shutdown timeout"
grep -q "(web) exit: still owned in the kernel" "$RUN/n0.log" ||
	fail "n0 did not say that it dropped web before exiting"
wait_owner web n1 5000 || fail "n1 did not take web over after n0 exited"
probe 1500 >"$RUN/probe.out"
[ "$(kv "$RUN/probe.out" sequence)" = n1 ] ||
	fail "after the takeover: $(tr '\n' ' ' <"$RUN/probe.out")"
pass
