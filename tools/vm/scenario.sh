# SPDX-License-Identifier: GPL-2.0-only
# The phases of `make vmtest` (sourced by tools/vm/vmtest.sh, which defines
# check and the timers).  Guests n0 and n1 are hbpf nodes n0 and n1.

: "${VM_OUTAGE_MAX_MS:=2000}"
: "${VM_JOIN_TIMEOUT:=240}"
: "${VM_HOLD_S:=10}"

# sets_line GUEST [TIMEOUT]: "STATE OWNED" of set web on GUEST, from
# hbpfctl sets; "down -" when the guest does not answer, "nomaps -" when
# hbpfctl finds no maps (no daemon has loaded them yet).
sets_line() {
	local out rc=0
	out=$(vm_exec -t "${2:-15}" "$1" 'hbpfctl sets' 2>/dev/null) || rc=$?
	case "$rc" in
	0) echo "$out" | awk '$1 == "web" { print $2, $3; f = 1 } END { if (!f) print "none -" }' ;;
	124 | 125) echo "down -" ;;
	*) echo "nomaps -" ;;
	esac
}

# owner [GUEST...]: the guest (of n0 n1, or those named) whose daemon has web
# online and whose kernel owns it, when exactly one does; else nothing.
owner() {
	local g n=0 who=""
	for g in ${*:-n0 n1}; do
		vm_alive "$g" || continue
		if [ "$(sets_line "$g")" = "online yes" ]; then
			who=$g
			n=$((n + 1))
		fi
	done
	[ "$n" = 1 ] && echo "$who"
	return 0
}

# alive_peer GUEST: GUEST's daemon sees its peer alive.
alive_peer() {
	vm_exec -t 10 "$1" 'hbpfctl peers' 2>/dev/null | grep -q -w alive
}

# xdp_mode GUEST IF: native, generic, offload or none (from ip -d link).
xdp_mode() {
	local m
	m=$(vm_exec "$1" "ip -d link show dev $2" | grep -o 'prog/xdp[a-z]*' | head -n 1)
	case "$m" in
	prog/xdp) echo native ;;
	prog/xdpgeneric) echo generic ;;
	prog/xdpoffload) echo offload ;;
	*) echo none ;;
	esac
}

# daemon_log GUEST [N]: the last N lines of GUEST's hbpfd log.
daemon_log() {
	tail -n "${2:-15}" "$VM_RUN/$1.hbpfd.log" 2>/dev/null | sed "s/^/    $1| /"
}

phase_bpftests() {
	local sum rc=0 t0
	t0=$(vm_now_ms)
	sum=$(vm_run_bpftests "$VM_RUN/bpftest.out" n0 n1) || rc=$?
	if [ "$rc" = 0 ]; then
		check ok "a. BPF tests on $KVER: $sum ($((($(vm_now_ms) - t0) / 1000)) s in n0 and n1)"
	else
		check FAIL "a. BPF tests on $KVER: $sum in $((($(vm_now_ms) - t0) / 1000)) s (output: $VM_RUN/bpftest.out)"
		grep -m 3 -E 'infinite loop|failed to load|^\[  FAILED|^\[  ERROR' "$VM_RUN/bpftest.out" |
			sed 's/^/    /'
	fi
}

# wait_cluster G0 G1 TIMEOUT_S: both daemons see each other and exactly one
# node has the set online.
wait_cluster() {
	local until=$(($(vm_now_ms) + $3 * 1000))
	while [ "$(vm_now_ms)" -lt "$until" ]; do
		alive_peer "$1" && alive_peer "$2" && [ -n "$(owner "$1" "$2")" ] && return 0
		vm_alive "$1" && vm_alive "$2" || return 1
		sleep 1
	done
	return 1
}

# nic_modes G...: "G:IF=MODE ..." for eth0 and eth1 of each guest.
nic_modes() {
	local g i out=""
	for g in "$@"; do
		for i in eth0 eth1; do
			out="$out $g:$i=$(xdp_mode "$g" "$i")"
		done
	done
	echo "${out# }"
}

phase_cluster() {
	local t0 modes g
	t0=$(vm_now_ms)
	vm_exec n0 /usr/lib/hbpf-vm/start-hbpfd
	vm_exec n1 /usr/lib/hbpf-vm/start-hbpfd
	if ! wait_cluster n0 n1 120; then
		check FAIL "b. hbpfd: no cluster within 120 s (n0: $(sets_line n0), n1: $(sets_line n1))"
		daemon_log n0
		daemon_log n1
		return 1
	fi
	check ok "b. hbpfd on n0 and n1: cluster formed in $((($(vm_now_ms) - t0) / 1000)) s, $(owner) owns web"
	modes=$(nic_modes n0 n1)
	for g in n0 n1; do
		vm_exec "$g" 'hbpfctl status' >"$VM_RUN/$g.status" 2>&1
	done
	case " $modes " in
	*=generic* | *=none*) check FAIL "b. XDP mode on virtio-net (want native everywhere): $modes" ;;
	*) check ok "b. XDP mode on virtio-net: $modes" ;;
	esac
}

# probe_text FILE: the prober's summary in FILE, for a summary line.
probe_text() {
	echo "answered by [$(vm_kv "$1" sequence)] ($(vm_kv "$1" per_node)), probes" \
		"$(vm_kv "$1" probes), lost $(vm_kv "$1" lost), longest gap $(vm_kv "$1" outage_ms) ms," \
		"dual $(vm_kv "$1" dual)"
}

# vip_diag GUEST: what the client resolved the VIP to, and the unicast
# addresses GUEST's public NIC accepts (its "self" fdb entries: what QEMU's
# virtio-net filter lets through).
vip_diag() {
	echo "    client: $(ip -n "$VM_CL" neigh show "$VM_VIP" 2>&1)"
	echo "    $1 eth0 address filter: $(vm_exec "$1" 'bridge fdb show dev eth0' |
		awk '{ printf "%s%s", NR > 1 ? ", " : "", $1 }')"
	daemon_log "$1" 6
}

phase_reach() {
	local f="$VM_RUN/reach.probe" own
	own=$(owner)
	vm_prober 1000 "$VM_RUN/warmup.probe" || true
	vm_prober 3000 "$f" || true
	if [ "$(vm_kv "$f" last)" = "$own" ] && [ "$(vm_kv "$f" nodes)" = 1 ] &&
		[ "$(vm_kv "$f" lost)" = 0 ]; then
		check ok "c. client reaches the VIP: $own answers ($(probe_text "$f"))"
	else
		check FAIL "c. client reaching the VIP (owner $own): $(probe_text "$f")"
		vip_diag "$own"
	fi
}

# watch_rejoin DEAD SURVIVOR OUT: while DEAD boots and joins, sample set web
# on both nodes about every second into OUT, one line each:
#   SECONDS SURVIVOR_STATE SURVIVOR_OWNED DEAD_STATE DEAD_OWNED
# until both see each other alive and VM_HOLD_S more seconds have passed, or
# VM_JOIN_TIMEOUT.  Sets JOINED (seconds from QEMU start to joined, empty if
# it never joined) and DEAD's boot time (vm_boot_ms).
watch_rejoin() {
	local dead=$1 surv=$2 out=$3 t0 until now sd ss off up=""
	eval "t0=\$VM_T0_$dead off=\$VM_CONOFF_$dead"
	until=$((t0 + VM_JOIN_TIMEOUT * 1000))
	JOINED=""
	: >"$out"
	while now=$(vm_now_ms) && [ "$now" -lt "$until" ]; do
		ss=$(sets_line "$surv" 5)
		# Until the dead node's init is up nothing there can answer.
		if [ -z "$up" ] &&
			tail -c +$((off + 1)) "$VM_RUN/$dead.console" | grep -q "HBPF-VM-READY"; then
			up=$(vm_now_ms)
			eval "VM_BOOT_MS_$dead=$((up - t0))"
		fi
		if [ -n "$up" ]; then
			sd=$(sets_line "$dead" 5)
		else
			sd="booting -"
		fi
		echo "$(((now - t0) / 1000)) $ss $sd" >>"$out"
		if [ -z "$JOINED" ] && [ -n "$up" ] && alive_peer "$dead" && alive_peer "$surv"; then
			JOINED=$(((now - t0) / 1000))
			until=$((now + VM_HOLD_S * 1000))
		fi
		sleep 0.5
	done
}

# bad_samples FILE: the samples of watch_rejoin in which the survivor said
# it did not hold web or the rebooting node claimed it in any way.  A node
# that did not answer within the sample's 5 s ("down") said nothing either way.
bad_samples() {
	awk '($2 != "down" && !($2 == "online" && $3 == "yes")) ||
		($4 != "down" && !($5 != "yes" && $4 ~ /^(booting|nomaps|none|offline|\?|unknown)$/))' "$1"
}

phase_death() {
	local i=$1 own surv f joined bad w kill_ms early
	own=$(owner)
	if [ -z "$own" ]; then
		check FAIL "d$i. no single owner before the node death (n0: $(sets_line n0), n1: $(sets_line n1))"
		return 1
	fi
	[ "$own" = n0 ] && surv=n1 || surv=n0
	f="$VM_RUN/death$i.probe"
	vm_prober_bg 15000 "$f"
	sleep 3
	vm_kill "$own"
	kill_ms=$(($(vm_now_ms) - VM_PROBER_T0))
	DEATHS_DONE=$((${DEATHS_DONE:-0} + 1))
	wait "$VM_PROBER_PID"
	# When the owner had stopped answering before it was killed (starved on
	# a busy host), the gap began earlier: say so.
	early=$(awk -v s="$(vm_kv "$f" outage_start_ms)" -v k="$kill_ms" \
		'BEGIN { if (k - s > 50) printf ", began %.0f ms before the kill", k - s }')
	if [ "$(vm_kv "$f" first)" = "$own" ] && [ "$(vm_kv "$f" last)" = "$surv" ] &&
		[ "$(vm_kv "$f" dual)" = 0 ] &&
		awk -v o="$(vm_kv "$f" outage_ms)" -v m="$VM_OUTAGE_MAX_MS" 'BEGIN { exit !(o <= m) }'; then
		check ok "d$i. node death ($own's QEMU killed): client-observed outage" \
			"$(vm_kv "$f" outage_ms) ms$early, $surv took over ($(probe_text "$f"); host load $(vm_load))"
	else
		check FAIL "d$i. node death ($own's QEMU killed; want $own then $surv, outage <=" \
			"$VM_OUTAGE_MAX_MS ms): $(probe_text "$f")$early; host load $(vm_load)"
		vip_diag "$surv"
	fi
	OUTAGES="${OUTAGES:-}${OUTAGES:+ }$(vm_kv "$f" outage_ms)"

	# The dead node reboots on its own disk (its held file says it had web)
	# and must stay quiet while it boots and joins.
	w="$VM_RUN/rejoin$i.probe"
	vm_start "$own"
	vm_prober_bg $((VM_JOIN_TIMEOUT * 1000 + 20000)) "$w"
	watch_rejoin "$own" "$surv" "$VM_RUN/rejoin$i.samples"
	joined=$JOINED
	kill -TERM "$VM_PROBER_PID" 2>/dev/null
	wait "$VM_PROBER_PID"
	bad=$(bad_samples "$VM_RUN/rejoin$i.samples" | wc -l)
	if [ -z "$joined" ]; then
		check FAIL "d$i. $own rebooted (boot $(vm_boot_ms "$own") ms) but did not join within" \
			"$VM_JOIN_TIMEOUT s"
		tail -n 3 "$VM_RUN/rejoin$i.samples" | sed 's/^/    /'
		daemon_log "$own"
		daemon_log "$surv"
		return 1
	fi
	local n quiet
	n=$(wc -l <"$VM_RUN/rejoin$i.samples")
	quiet=$(awk '$2 == "down" { n++ } END { print n + 0 }' "$VM_RUN/rejoin$i.samples")
	[ "$quiet" = 0 ] && quiet="" || quiet=" ($surv did not answer $quiet of them within 5 s)"
	if [ "$bad" = 0 ]; then
		check ok "d$i. $own rebooted (boot $(vm_boot_ms "$own") ms), joined after $joined s," \
			"never claimed web and $surv held it in all $n samples of hbpfctl sets on both$quiet"
	else
		check FAIL "d$i. $own rebooted and joined after $joined s; in $bad of $n samples" \
			"$own claimed web or $surv did not hold it:"
		echo "    (seconds $surv-state $surv-owned $own-state $own-owned)"
		bad_samples "$VM_RUN/rejoin$i.samples" | head -n 5 | sed 's/^/    /'
	fi
	case ",$(vm_kv "$w" per_node)," in
	*",$own:"*) check FAIL "d$i. $own answered the client while it rejoined: $(probe_text "$w")" ;;
	esac
	if [ "$(vm_kv "$w" last)" = "$surv" ] && [ "$(vm_kv "$w" dual)" = 0 ] &&
		awk -v o="$(vm_kv "$w" outage_ms)" -v m="$VM_OUTAGE_MAX_MS" 'BEGIN { exit !(o <= m) }'; then
		check ok "d$i. the client was served by $surv alone while $own rejoined ($(probe_text "$w"))"
	else
		check FAIL "d$i. the client while $own rejoined (want $surv alone, gaps <=" \
			"$VM_OUTAGE_MAX_MS ms): $(probe_text "$w"); host load $(vm_load)"
	fi
	BOOTS="${BOOTS:-}${BOOTS:+ }$(vm_boot_ms "$own")"
}

phase_end() {
	local f="$VM_RUN/end.probe"
	vm_prober 3000 "$f" || true
	if [ "$(vm_kv "$f" nodes)" = 1 ] && [ "$(vm_kv "$f" dual)" = 0 ] &&
		[ "$(vm_kv "$f" lost)" = 0 ]; then
		check ok "e. at the end one node answers: $(vm_kv "$f" last) ($(probe_text "$f"))"
	else
		check FAIL "e. at the end: $(probe_text "$f")"
	fi
	check info "outages of the node deaths (ms): ${OUTAGES:-none}; reboots (ms): ${BOOTS:-none}"
	timers_held
}

# timers_held: with timers the emulated nodes hold, a peer is declared dead
# once per node death and never otherwise (hbpfd logs "peer X dead: silent
# for ..." or "peer X: kernel alive but daemon stale or gone").
timers_held() {
	local logs="$VM_RUN/n0.hbpfd.log $VM_RUN/n1.hbpfd.log" dead stale
	# shellcheck disable=SC2086
	dead=$(cat $logs 2>/dev/null | grep -c 'peer [^ ]* dead:')
	# shellcheck disable=SC2086
	stale=$(cat $logs 2>/dev/null | grep -c 'daemon stale or gone')
	if [ "$dead" = "$DEATHS_DONE" ] && [ "$stale" = 0 ]; then
		check ok "timers held: $dead peer-death declarations for $DEATHS_DONE node deaths," \
			"no daemon declared stale"
	else
		check FAIL "timers: $dead peer-death declarations for ${DEATHS_DONE:-0} node deaths," \
			"$stale peer daemons declared stale or gone:"
		# shellcheck disable=SC2086
		grep -e 'peer [^ ]* dead:' -e 'daemon stale or gone' $logs | head -n 10 |
			sed -e "s|^$VM_RUN/||" -e 's/^/    /'
	fi
}

# variant G0 MODEL0 OPTS0 G1 MODEL1 OPTS1: a fresh two-node cluster (new
# disks), guest vG0 as n0 and vG1 as n1, with these NICs: the XDP mode each
# NIC ends up in, the sets, and who answers the client.
variant() {
	local a="v$1" b="v$4" f modes
	vm_define_node "$a" n0 0 "$2" "$3"
	vm_define_node "$b" n1 1 "$5" "$6"
	vm_start "$a"
	vm_start "$b"
	vm_wait_ready "$a"
	vm_wait_ready "$b"
	vm_exec "$a" /usr/lib/hbpf-vm/start-hbpfd
	vm_exec "$b" /usr/lib/hbpf-vm/start-hbpfd
	wait_cluster "$a" "$b" 120 || true
	modes=$(nic_modes "$a" "$b")
	f="$VM_RUN/variant-$1$4.probe"
	vm_prober 1000 "$VM_RUN/warmup.probe" || true
	vm_prober 3000 "$f" || true
	check info "f. n0 on $2${3:+ ($3)}, n1 on $5${6:+ ($6)}: XDP $modes;" \
		"web on n0 [$(sets_line "$a")], n1 [$(sets_line "$b")]; client: $(probe_text "$f")"
	grep -h -i -e 'xdp' -e 'generic' -e 'native' "$VM_RUN/$a.hbpfd.log" "$VM_RUN/$b.hbpfd.log" \
		2>/dev/null | head -n 8 | sed 's/^/    /'
	vm_kill "$a"
	vm_kill "$b"
}

phase_variants() {
	variant a virtio-net-pci \
		guest_tso4=off,guest_tso6=off,guest_ecn=off,guest_ufo=off,guest_csum=off \
		b e1000 ""
	variant c virtio-net-pci ctrl_guest_offloads=off d virtio-net-pci ""
}
