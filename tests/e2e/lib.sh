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
# The pinned layout version (the maps live under <pin-root>/v<N>/).
LAYOUT=$(sed -n 's/^#define HBPF_LAYOUT_VERSION \([0-9]*\).*/\1/p' "$TOP/include/hbpf/abi.h")
: "${E2E_INTERVAL=2ms}"
: "${E2E_DETECT_MULT=5}"
: "${E2E_DAEMON_DEADLINE=500ms}"
# The client's prober and the nodes' responders stand for hosts outside the
# cluster: at a real-time priority (as in make bench), so that other work on
# this machine descheduling them is not measured as hbpf's outage (a CFS
# prober beside busy VMs slept through 580 of 5000 probe slots and counted
# 132 replies late: a 150 ms "outage" across a restart that moved nothing).
: "${E2E_CLIENT_SCHED=chrt -f 90}"

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
	"$LAB" up "$PREFIX" "${E2E_LAB_NODES:-2}" >"$RUN/lab.log" 2>&1 || fail "lab up failed: $(tail -n 5 "$RUN/lab.log")"
	eval "$("$LAB" env "$PREFIX")"
	PIN="$LAB_PIN"
	[ -n "${E2E_DG:-}" ] && dg_setup
	write_config "$RUN/hbpf.conf"
	for n in 0 1; do
		start_node "$n"
		# shellcheck disable=SC2086
		lab_exec "n$n" $E2E_CLIENT_SCHED "$RESPONDER" -n "n$n" -p 7 -D -P "$RUN/resp$n.pid" \
			>>"$RUN/resp$n.log" 2>&1 || fail "responder n$n did not start"
	done
	[ -n "${E2E_NO_CLAIM:-}" ] && return 0
	wait_owner web n0 "${E2E_START_MS:-5000}" || fail "n0 did not take set web at start-up"
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
	for n in ${DAEMON_PIDS:-}; do
		wait "$n" 2>/dev/null # reaped quietly (no "Killed" job notice)
	done
	"$LAB" down "$PREFIX" >>"$RUN/lab.log" 2>&1
	[ -n "${E2E_DG:-}" ] && "$TOP/tools/lab/disks.sh" down "$RUN/disks" >>"$RUN/lab.log" 2>&1
	[ "$rc" -eq 0 ] && [ -z "${E2E_KEEP:-}" ] && rm -rf "$RUN"
	return "$rc"
}

# stop_wait PID [SIGNAL]: signal PID (default TERM) and wait until it is gone
# (a zombie counts as gone), at most 5 s; 1 if it is still there.  Whatever
# replaces it (a responder on its port) must start only then: started while
# the old one is still exiting, a responder finds its port taken and exits.
stop_wait() {
	local pid=$1 i st
	kill "-${2:-TERM}" "$pid" 2>/dev/null || return 0
	for i in $(seq 1 500); do
		st=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) || return 0
		[ -z "$st" ] || [ "$st" = Z ] && return 0
		sleep 0.01
	done
	return 1
}

lab_exec() {
	local node=$1
	shift
	"$LAB" exec "$PREFIX" "$node" "$@"
}

write_config() {
	# The heartbeat key: root-only, as hbpfd insists.
	(umask 077 && "$HBPFCTL" keygen 1 >"$RUN/hbpf.key") || fail "hbpfctl keygen failed"
	cat >"$1" <<EOF
# written by tests/e2e/lib.sh
cluster 4242
key-file $RUN/hbpf.key
state-dir $RUN/state
${E2E_TOP_EXTRA:-}
${E2E_INTERVAL:+interval $E2E_INTERVAL}
${E2E_DETECT_MULT:+detect-mult $E2E_DETECT_MULT}
${E2E_DAEMON_DEADLINE:+daemon-deadline $E2E_DAEMON_DEADLINE}
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

${DG_BLOCK:-}

set web {
	vip $VIP/24
	nodes n0 n1
	${DG_SET_LINE:-}
	${E2E_SET_EXTRA:-}
	service marker {
		start $RUN/svc.sh start
		stop $RUN/svc.sh stop
		timeout 5s
		${E2E_SVC_EXTRA:-}
	}
}
${E2E_TAIL_EXTRA:-}
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
# With a disk group, the service serves the payload file from the first volume
# (the daemon's mount namespace, inherited): port 8, content in every reply.
if [ -n "${E2E_DG:-}" ]; then
	case "\$1" in
	start) exec "$RESPONDER" -n "\$HBPF_NODE" -p 8 -f "${DG_MNT:-}/v0/payload" -D \
		-P "$RUN/svc8.\$HBPF_NODE.pid" ;;
	stop) kill "\$(cat "$RUN/svc8.\$HBPF_NODE.pid")" 2>/dev/null; exit 0 ;;
	esac
fi
EOF
	cat >"$RUN/notify.sh" <<EOF
#!/bin/sh
echo "\$*" >>"$RUN/notify.events"
EOF
	chmod +x "$RUN/svc.sh" "$RUN/notify.sh"
}

# start_node N: start hbpfd on node nN (in the foreground, logging to a file),
# with the configuration $RUN/hbpf.conf, or the file E2E_CONF_n<N> names.
start_node() {
	local n=$1 conf
	# Not through lab_exec: a backgrounded shell function would be a
	# subshell, and $! must be hbpfd itself (lab.sh and nsenter exec).
	local binds=""
	# Each node has its own mount table (unshare and sh exec: the pid stays
	# hbpfd's).  A node can see its own "path" to a shared disk at the path
	# every node uses: its device node bind-mounted there (DG_BINDS_n<N>).
	eval "binds=\${DG_BINDS_n$n:-}"
	eval "conf=\${E2E_CONF_n$n:-\$RUN/hbpf.conf}"
	"$LAB" exec "$PREFIX" "n$n" unshare -m --propagation private sh -c \
		'for b in $1; do mount --bind "${b%%=*}" "${b#*=}" || exit 1; done; shift; exec "$@"' \
		sh "$binds" "$HBPFD" -d -c "$conf" -N "n$n" -p "$PIN/n$n" \
		-s "$RUN/n$n.sock" >>"$RUN/n$n.log" 2>&1 &
	eval "DPID$n=$!"
	DAEMON_PIDS="${DAEMON_PIDS:-} $!"
	wait_ctl "$n" 5000 && return 0
	# Say which: a daemon that died, or one still starting (its programs
	# load at normal priority: a host busy with other work slows that).
	eval "kill -0 \$DPID$n" 2>/dev/null || fail "hbpfd on n$n exited during start-up"
	fail "hbpfd on n$n did not come up in 5 s, still starting (load average" \
		"$(cut -d' ' -f1-3 /proc/loadavg); last: $(tail -n 1 "$RUN/n$n.log" | cut -c1-80))"
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
	bpftool -j map lookup pinned "$PIN/n$1/v$LAYOUT/sets" key "$2" 0 0 0 2>/dev/null |
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
	# shellcheck disable=SC2086
	lab_exec c $E2E_CLIENT_SCHED "$PROBER" -q -t "$VIP:7" -d "$ms" "$@"
}

# probe_bg MS OUT: start the prober in the background.
probe_bg() {
	# shellcheck disable=SC2086
	"$LAB" exec "$PREFIX" c $E2E_CLIENT_SCHED "$PROBER" -q -t "$VIP:7" -d "$1" >"$2" 2>&1 &
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

# dg_setup: shared disks for a set: a metadata device and DG_NVOL ext4 volumes
# (default 4 of 64M), the group initialised with every volume mounted under
# $DG_MNT/vN on its owner.
dg_setup() {
	local i vols=""
	DG_MNT="$RUN/mnt"
	"$TOP/tools/lab/disks.sh" up "$RUN/disks" "$PREFIX" "${DG_NVOL:-4}" "${DG_SIZE:-64M}" \
		>>"$RUN/lab.log" 2>&1 || fail "disks up failed: $(tail -n 5 "$RUN/lab.log")"
	. "$RUN/disks/disks.env"
	# Stable device paths, the same on every node (like /dev/disk/by-id).
	mkdir -p "$RUN/dev"
	devnode "$META" "$RUN/dev/meta"
	DG_META=$RUN/dev/meta
	for i in $(seq 0 $((${DG_NVOL:-4} - 1))); do
		eval "devnode \"\$VOL$i\" \"$RUN/dev/v$i\""
		vols="$vols --volume $RUN/dev/v$i:$DG_MNT/v$i:ext4"
	done
	[ -n "${DG_FUSE_N0:-}" ] && dg_fuse_n0
	# shellcheck disable=SC2086
	"$HBPFCTL" dg init data --meta "$DG_META" $vols --lease-timeout "${DG_LEASE_MS:-1000}" \
		--renew "${DG_RENEW_MS:-100}" >>"$RUN/lab.log" 2>&1 ||
		fail "dg init failed: $(tail -n 5 "$RUN/lab.log")"
	DG_SET_LINE="diskgroup data"
	DG_BLOCK="diskgroup data {
	meta $DG_META
	${DG_META_N0:+meta n0 $DG_META_N0}
	fsck-parallel 4
	kill-grace 1s
}"
}

# mounted N PATH: 1 if PATH is a mountpoint in node nN's daemon's mount table.
mounted() {
	local pid
	eval "pid=\$DPID$1"
	awk -v m="$2" '$5 == m { f = 1 } END { print f ? 1 : 0 }' "/proc/$pid/mountinfo" 2>/dev/null ||
		echo 0
}

# served: the content the service on the VIP serves (port 8), via the client.
served() {
	lab_exec c "$PROBER" -q -t "$VIP:8" -d 300 | sed -n 's/^extra=//p'
}

# devnode DEV PATH: a block device node at PATH for the same device as DEV.
devnode() {
	local mm
	mm=$(stat -L -c '%t %T' "$1") || fail "no device $1"
	set -- "$1" "$2" $mm
	mknod "$2" b "$((0x$3))" "$((0x$4))" || fail "mknod $2"
}

# dg_fuse_n0: node n0 reaches the metadata device and every volume through
# failable FUSE paths (disks.sh fusepath), bound over the shared device paths.
dg_fuse_n0() {
	local name dev i
	DG_BINDS_n0=""
	for name in meta $(seq -f 'vol%g' 0 $((${DG_NVOL:-4} - 1))); do
		dev=$("$TOP/tools/lab/disks.sh" fusepath "$RUN/disks" "$name") ||
			fail "fusepath $name"
		i=${name#vol}
		[ "$name" = meta ] && DG_BINDS_n0="$DG_BINDS_n0 $dev=$RUN/dev/meta" ||
			DG_BINDS_n0="$DG_BINDS_n0 $dev=$RUN/dev/v$i"
	done
}

# dg_fail_n0 on|off: every FUSE path of n0 returns EIO (on) or works (off).
dg_fail_n0() {
	local name
	for name in meta $(seq -f 'vol%g' 0 $((${DG_NVOL:-4} - 1))); do
		"$TOP/tools/lab/disks.sh" fail "$RUN/disks" "$name" "$1" || fail "fail $name $1"
	done
}

# on_node N CMD...: run CMD in node nN's daemon's mount (and network) namespace.
on_node() {
	local pid
	eval "pid=\$DPID$1"
	shift
	nsenter -t "$pid" -m -n "$@"
}

# drop_public_heartbeats PORT...: the switch drops heartbeats arriving on
# these ports (tools/lab/lab_pass.bpf.c, lab_hbdrop on their tc ingress), so only
# the private link carries them, without a carrier change and without
# touching the clients' traffic.
drop_public_heartbeats() {
	local p
	for p in "$@"; do
		lab_exec sw tc qdisc add dev "$p" clsact
		lab_exec sw tc filter add dev "$p" ingress bpf direct-action \
			obj "$O/bpf/lab_pass.bpf.o" sec tc || fail "cannot install the heartbeat filter"
	done
}
