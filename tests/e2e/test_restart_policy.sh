#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Service health policy, one lab per case:
#  once:   a monitor that fails once restarts the service where it runs
#          (stop + start on n0), the set does not move;
#  hang:   a monitor that keeps failing is restarted "restart 1 in 60s" times,
#          then the set fails over to n1, although the stop command hangs
#          (killed at the service timeout, both in the restart and in the
#          release);
#  halt:   on-failure halt: after the restart the set goes offline on n0 and
#          does not move: nobody answers for the VIP;
#  ignore: on-failure ignore: the set stays on n0, the notify hook fires once.
set -eu
TEST_NAME=restart-policy
. "$(dirname "$0")/lib.sh"
eval "$(declare -f write_config | sed '1s/write_config/write_config_base/')"
# The monitor and a stop that can hang: check.sh fails once per once.<node>
# file and while sick.<node> exists; svc.sh's stop hangs while hang.<node> exists.
write_config() {
	write_config_base "$1"
	sed -i -e "s|__RUN__|$RUN|" -e "s|timeout 5s|timeout 1s|" "$1"
	cat >"$RUN/check.sh" <<EOS
#!/bin/sh
if [ -e "$RUN/once.\$HBPF_NODE" ]; then
	rm -f "$RUN/once.\$HBPF_NODE"
	exit 1
fi
[ ! -e "$RUN/sick.\$HBPF_NODE" ]
EOS
	mv "$RUN/svc.sh" "$RUN/svc-base.sh"
	cat >"$RUN/svc.sh" <<EOS
#!/bin/sh
if [ "\$1" = stop ] && [ -e "$RUN/hang.\$HBPF_NODE" ]; then
	echo "stop-hang \$HBPF_NODE" >>"$RUN/service.events"
	echo \$\$ >>"$RUN/hang.pids"
	exec sleep 60
fi
exec "$RUN/svc-base.sh" "\$@"
EOS
	chmod +x "$RUN/check.sh" "$RUN/svc.sh"
}
E2E_SVC_EXTRA="monitor __RUN__/check.sh
		interval 100ms
		restart 1 in 60s"

# count PATTERN: lines of service.events matching PATTERN.
count() {
	grep -c "$1" "$RUN/service.events" 2>/dev/null || true
}

# stays_on N MS: the set is online on nN, and only there, for MS milliseconds.
stays_on() {
	local until=$(($(now_ms) + $2)) other=$((1 - $1))
	while [ "$(now_ms)" -lt "$until" ]; do
		[ "$(kernel_owned "$1" 0)" = 1 ] && [ "$(kernel_owned "$other" 0)" != 1 ] ||
			return 1
		sleep 0.1
	done
	[ "$(set_state "$1" web)" = online ]
}

case_once() (
	TEST_NAME=restart-policy/once
	e2e_up
	probe_bg 3000 "$RUN/probe.out"
	sleep 0.3
	touch "$RUN/once.n0"
	until=$(($(now_ms) + 2000))
	while [ "$(count '^start n0')" -lt 2 ] && [ "$(now_ms)" -lt "$until" ]; do
		sleep 0.05
	done
	[ "$(count '^stop n0')" = 1 ] && [ "$(count '^start n0')" = 2 ] ||
		fail "service not restarted once on n0: $(tr '\n' ';' <"$RUN/service.events")"
	grep -q "monitor of marker failed (exit 1): restarting it, restart 1 of 1" "$RUN/n0.log" ||
		fail "n0 did not log the restart"
	grep -q "(web) marker restarted" "$RUN/n0.log" || fail "n0 did not log the restart's end"
	stays_on 0 1000 || fail "web moved after one monitor failure"
	[ "$(count ' n1 ')" = 0 ] || fail "the service ran on n1"
	wait "$PROBER_PID" || true
	check_probe "$RUN/probe.out" n0 n0 0
	pass
)

case_hang() (
	TEST_NAME=restart-policy/hang
	e2e_up
	probe_bg 6000 "$RUN/probe.out"
	sleep 0.3
	touch "$RUN/hang.n0" "$RUN/sick.n0"
	wait_owner web n1 5000 || fail "web did not fail over to n1"
	grep -q "restart's stop command of marker timed out: killing it" "$RUN/n0.log" ||
		fail "the restart's hanging stop was not killed"
	grep -q "stop of marker for its restart failed (killed by SIGKILL): starting it anyway" \
		"$RUN/n0.log" || fail "the restart did not go on after the stop was killed"
	grep -q "monitor of marker failed (exit 1) after 1 restart(s): failing over to n1" \
		"$RUN/n0.log" || fail "n0 did not log the failover after the restart"
	grep -q "step svc-stop failed after .*killed by SIGKILL" "$RUN/n0.log" ||
		fail "the release's hanging stop was not killed"
	[ "$(count '^stop-hang n0')" = 2 ] && [ "$(count '^start n0')" = 2 ] &&
		[ "$(count '^start n1')" = 1 ] ||
		fail "events: $(tr '\n' ';' <"$RUN/service.events")"
	# Killed with their process group (a zombie left to init is dead too).
	for pid in $(cat "$RUN/hang.pids"); do
		st=$(sed -n 's/^State:\t\(.\).*/\1/p' "/proc/$pid/status" 2>/dev/null || true)
		case "$st" in
		"" | Z | X) ;;
		*) fail "a hanging stop (pid $pid, state $st) is still running" ;;
		esac
	done
	wait "$PROBER_PID" || true
	check_probe "$RUN/probe.out" n0 n1 1000
	[ "$(kv "$RUN/probe.out" sequence)" = "n0,n1" ] ||
		fail "answer sequence $(kv "$RUN/probe.out" sequence), expected n0,n1"
	pass
)

case_halt() (
	TEST_NAME=restart-policy/halt
	E2E_SET_EXTRA="on-failure halt"
	e2e_up
	touch "$RUN/sick.n0"
	until=$(($(now_ms) + 4000))
	while [ "$(set_state 0 web)" != offline ] && [ "$(now_ms)" -lt "$until" ]; do
		sleep 0.05
	done
	[ "$(set_state 0 web)" = offline ] || fail "web is $(set_state 0 web) on n0, not offline"
	grep -q "after 1 restart(s): on-failure halt: taking the set offline, no move" \
		"$RUN/n0.log" || fail "n0 did not log the halt"
	grep -q "^web releasing offline monitor failed, on-failure halt" "$RUN/notify.events" ||
		fail "notify hook: $(tr '\n' ';' <"$RUN/notify.events")"
	probe 1500 >"$RUN/probe.out"
	[ "$(kv "$RUN/probe.out" answered)" = 0 ] ||
		fail "the VIP still answers: $(tr '\n' ' ' <"$RUN/probe.out")"
	for n in 0 1; do
		[ "$(kernel_owned "$n" 0)" = 0 ] || fail "n$n's kernel still owns web"
	done
	[ "$(set_state 1 web)" = offline ] || fail "web is $(set_state 1 web) on n1"
	[ "$(count ' n1 ')" = 0 ] || fail "the service ran on n1"
	[ "$(count '^stop n0')" = 2 ] || fail "events: $(tr '\n' ';' <"$RUN/service.events")"
	pass
)

case_ignore() (
	TEST_NAME=restart-policy/ignore
	E2E_SET_EXTRA="on-failure ignore"
	E2E_SVC_EXTRA="monitor __RUN__/check.sh
		interval 100ms"
	e2e_up
	probe_bg 2500 "$RUN/probe.out"
	sleep 0.3
	touch "$RUN/sick.n0"
	stays_on 0 1500 || fail "web moved although on-failure is ignore"
	grep -q "after 0 restart(s): on-failure ignore: keeping the set here" "$RUN/n0.log" ||
		fail "n0 did not log the ignored failure"
	[ "$(grep -c "monitor failed, on-failure ignore" "$RUN/notify.events")" = 1 ] ||
		fail "notify hook: $(tr '\n' ';' <"$RUN/notify.events")"
	grep -q "^web online online monitor failed, on-failure ignore" "$RUN/notify.events" ||
		fail "notify hook: $(tr '\n' ';' <"$RUN/notify.events")"
	[ "$(count '^stop')" = 0 ] || fail "the service was stopped"
	wait "$PROBER_PID" || true
	check_probe "$RUN/probe.out" n0 n0 0
	pass
)

case_once
case_hang
case_halt
case_ignore
