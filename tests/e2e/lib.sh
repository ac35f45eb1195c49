# SPDX-License-Identifier: GPL-2.0-only
# Shared helpers for the end-to-end tests and the demo (sourced by bash).
# A test calls e2e_up, which builds a two-node lab with a unique prefix, writes
# the config, and starts hbpfd and the responder on both nodes; e2e_down (run
# from the EXIT trap) removes everything the test created.

: "${O:=build}"
O=$(cd "$O" && pwd)
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LAB="$TOP/tools/lab/lab.sh"
HBPFD="$O/hbpfd"
HBPFCTL="$O/hbpfctl"
PROBER="$O/tools/hbpf-prober"
RESPONDER="$O/tools/hbpf-responder"
VIP=198.18.0.100
: "${E2E_INTERVAL:=2ms}"
: "${E2E_DETECT_MULT:=5}"
: "${E2E_DAEMON_DEADLINE:=500ms}"

fail() {
	echo "FAIL ${TEST_NAME:-e2e}: $*"
	if [ -n "${RUN:-}" ]; then
		for f in "$RUN"/*.log; do
			[ -f "$f" ] || continue
			echo "---- $f (last 40 lines)"
			tail -n 40 "$f"
		done
	fi
	exit 1
}

pass() {
	echo "PASS ${TEST_NAME:-e2e}${1:+: $1}"
}

# e2e_up [NAME]: lab + config + daemons + responders on n0 and n1.
e2e_up() {
	PREFIX="hb$(printf '%05d' $(($$ % 100000)))"
	RUN=$(mktemp -d "/tmp/${PREFIX}.XXXXXX")
	trap e2e_down EXIT
	"$LAB" up "$PREFIX" 2 >"$RUN/lab.log" 2>&1 || fail "lab up failed: $(tail -n 5 "$RUN/lab.log")"
	eval "$("$LAB" env "$PREFIX")"
	PIN="$LAB_PIN"
	write_config "$RUN/hbpf.conf"
	for n in 0 1; do
		start_node "$n"
		lab_exec "n$n" "$RESPONDER" -n "n$n" -p 7 -D -P "$RUN/resp$n.pid" \
			>>"$RUN/resp$n.log" 2>&1 || fail "responder n$n did not start"
	done
	wait_owner web n0 5000 || fail "n0 did not take set web at start-up"
	# The client learns the VIP's VMAC like any host would: by ARP.
	probe 300 >/dev/null
}

e2e_down() {
	local rc=$? n f
	set +e
	for f in "$RUN"/*.pid; do
		[ -f "$f" ] || continue
		kill -9 "$(cat "$f")" 2>/dev/null
	done
	for n in ${DAEMON_PIDS:-}; do
		kill -9 "$n" 2>/dev/null
	done
	"$LAB" down "$PREFIX" >>"$RUN/lab.log" 2>&1
	[ "$rc" -eq 0 ] && [ -z "${E2E_KEEP:-}" ] && rm -rf "$RUN"
	return "$rc"
}

lab_exec() {
	local node=$1
	shift
	"$LAB" exec "$PREFIX" "$node" "$@"
}

write_config() {
	cat >"$1" <<EOF
# written by tests/e2e/lib.sh
cluster 4242
interval $E2E_INTERVAL
detect-mult $E2E_DETECT_MULT
daemon-deadline $E2E_DAEMON_DEADLINE
garp-count 3
garp-spacing 5ms
notify $RUN/notify.sh
links priv pub

node n0 {
	id 0
	public pub0
	link priv priv0 198.19.0.11
	link pub pub0 198.18.0.11
}

node n1 {
	id 1
	public pub0
	link priv priv0 198.19.0.12
	link pub pub0 198.18.0.12
}

set web {
	vip $VIP/24
	nodes n0 n1
	${E2E_SET_EXTRA:-}
	service marker {
		start $RUN/svc.sh start
		stop $RUN/svc.sh stop
		timeout 5s
		${E2E_SVC_EXTRA:-}
	}
}
EOF
	cat >"$RUN/svc.sh" <<EOF
#!/bin/sh
# The set's service: records where and in which order it was started/stopped;
# its check fails while the file sick.<node> exists.
if [ "\$1" = check ]; then
	[ ! -e "$RUN/sick.\$HBPF_NODE" ]
	exit
fi
echo "\$1 \$HBPF_NODE \$HBPF_SET \$HBPF_SERVICE" >>"$RUN/service.events"
EOF
	cat >"$RUN/notify.sh" <<EOF
#!/bin/sh
echo "\$*" >>"$RUN/notify.events"
EOF
	chmod +x "$RUN/svc.sh" "$RUN/notify.sh"
}

# start_node N: start hbpfd on node nN (in the foreground, logging to a file).
start_node() {
	local n=$1
	# Not through lab_exec: a backgrounded shell function would be a
	# subshell, and $! must be hbpfd itself (lab.sh and nsenter exec).
	"$LAB" exec "$PREFIX" "n$n" "$HBPFD" -d -c "$RUN/hbpf.conf" -N "n$n" -p "$PIN/n$n" \
		-s "$RUN/n$n.sock" >>"$RUN/n$n.log" 2>&1 &
	eval "DPID$n=$!"
	DAEMON_PIDS="${DAEMON_PIDS:-} $!"
	wait_ctl "$n" 5000 || fail "hbpfd on n$n did not come up"
}

ctl() {
	local n=$1
	shift
	"$HBPFCTL" -c "$RUN/hbpf.conf" -p "$PIN/n$n" -s "$RUN/n$n.sock" "$@"
}

# now_ms: CLOCK_MONOTONIC-ish milliseconds for polling loops.
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

wait_ctl() {
	local n=$1 until=$(($(now_ms) + $2))
	while [ "$(now_ms)" -lt "$until" ]; do
		ctl "$n" ping >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

# kernel_owned N SETID: 1 if node nN's kernel gate answers for the set, else 0.
kernel_owned() {
	bpftool -j map lookup pinned "$PIN/n$1/v1/sets" key "$2" 0 0 0 2>/dev/null |
		jq -r '.formatted.value.owned // .value.owned // 0' 2>/dev/null || echo 0
}

# set_state N SET: the set's state machine state on node nN ("online", ...).
set_state() {
	ctl "$1" sets 2>/dev/null | awk -v s="$2" '$1 == s { print $2 }' | head -n 1
}

# wait_owner SET nN TIMEOUT_MS: wait until nN has SET online and nobody else
# has it in the kernel.
wait_owner() {
	local set=$1 node=${2#n} until=$(($(now_ms) + $3)) other
	other=$((1 - node))
	while [ "$(now_ms)" -lt "$until" ]; do
		if [ "$(set_state "$node" "$set")" = online ] &&
			[ "$(kernel_owned "$node" 0)" = 1 ] &&
			[ "$(kernel_owned "$other" 0)" != 1 ]; then
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# probe MS [extra prober args]: run the client prober for MS milliseconds,
# print its key=value summary.
probe() {
	local ms=$1
	shift
	lab_exec c "$PROBER" -q -t "$VIP:7" -d "$ms" "$@"
}

# probe_bg MS OUT: start the prober in the background.
probe_bg() {
	"$LAB" exec "$PREFIX" c "$PROBER" -q -t "$VIP:7" -d "$1" >"$2" 2>&1 &
	PROBER_PID=$!
}

# kv FILE KEY: a value from a prober summary.
kv() {
	sed -n "s/^$2=//p" "$1" | head -n 1
}

# check_probe FILE FIRST LAST MAX_OUTAGE_MS: assert the prober's view.
check_probe() {
	local f=$1 first last outage dual
	first=$(kv "$f" first)
	last=$(kv "$f" last)
	outage=$(kv "$f" outage_ms)
	dual=$(kv "$f" dual)
	[ -n "$outage" ] || fail "prober printed no summary: $(cat "$f")"
	[ "$first" = "$2" ] || fail "first answer from '$first', expected $2 ($(tr '\n' ' ' <"$f"))"
	[ "$last" = "$3" ] || fail "last answer from '$last', expected $3 ($(tr '\n' ' ' <"$f"))"
	[ "$dual" = 0 ] || fail "$dual probes answered by two nodes ($(tr '\n' ' ' <"$f"))"
	awk -v o="$outage" -v m="$4" 'BEGIN { exit !(o <= m) }' ||
		fail "client-observed outage ${outage} ms exceeds the bound ${4} ms"
	echo "   client-observed outage: ${outage} ms (bound $4 ms), answers: $(kv "$f" sequence)," \
		"probes $(kv "$f" probes), lost $(kv "$f" lost), dual $dual"
}
