#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# lab.sh: the network-namespace lab used by the demo, the e2e tests and the
# benchmarks.  Everything it creates is named after PREFIX, so parallel or
# leftover runs never collide, and `down` removes exactly that.
#
#   lab.sh up PREFIX NNODES          build a lab with 2..4 nodes
#   lab.sh down PREFIX               remove it (idempotent, also after a partial up)
#   lab.sh env PREFIX                print shell assignments describing it
#   lab.sh exec PREFIX NODE CMD...   run CMD in NODE's network namespace
#   lab.sh link PREFIX NODE pub|priv down|up
#   lab.sh isolate PREFIX NODE       both links of NODE down
#   lab.sh restore PREFIX NODE       both links of NODE up
#   lab.sh pids PREFIX               processes still running inside the lab
#
# NODE is c (client), sw (switch) or n0, n1, ...
#
# Topology (only 198.18.0.0/15 is used; the host's interfaces are never touched,
# every veth is created inside the switch namespace with its peer directly in
# the node's namespace):
#
#   ${PREFIX}sw   bridges br-pub and br-priv, one veth end per port:
#                 p-pub-c, p-pub-n<i>, p-priv-n<i>
#   ${PREFIX}c    pub0  198.18.0.2/24                      (client)
#   ${PREFIX}n<i> pub0  198.18.0.(11+i)/24, priv0 198.19.0.(11+i)/24
#
# MAC addresses are fixed so tests and captures can name them: 02:4c:41 ("LA"),
# then 0x12 (198.18, public) or 0x13 (198.19, private), 00, the host octet.
#
# Programs are run with `nsenter --net` rather than `ip netns exec`: the latter
# remounts /sys in a private mount namespace, which hides /sys/fs/bpf and thus
# the lab's pinned BPF objects.  A bpffs instance of the lab's own is mounted at
# /sys/fs/bpf/${PREFIX} (LAB_PIN).  When /sys/fs/bpf itself is not a bpffs (no
# systemd here to mount it), the lab mounts one there first, records that in
# $STATE_DIR, and the last `down` that leaves it empty unmounts it again.
#
# POSIX sh plus `local` (dash, bash and busybox sh all have it).
# shellcheck disable=SC3043
set -eu

PUB_NET=198.18.0
PRIV_NET=198.19.0
CLIENT_IP=$PUB_NET.2
VIP=$PUB_NET.100
BPF_ROOT=/sys/fs/bpf
STATE_DIR=/run/hbpf-lab
MAX_NODES=4
XDP_PASS_OBJ=${LAB_XDP_PASS:-${O:-$(dirname "$0")/../../build}/bpf/lab_pass.bpf.o}

die() {
	echo "lab: $*" >&2
	exit 1
}

usage() {
	sed -n '/^#   lab.sh/s/^#   //p' "$0" >&2
	exit 2
}

check_prefix() {
	case "$1" in
	"" | *[!A-Za-z0-9]*) die "bad prefix '$1' (letters and digits only)" ;;
	[!A-Za-z]*) die "bad prefix '$1' (must start with a letter)" ;;
	esac
	[ "${#1}" -le 8 ] || die "prefix '$1' longer than 8 characters"
}

ns_of() { # PREFIX NODE -> namespace name
	case "$2" in
	c | sw | n[0-9]) echo "$1$2" ;;
	*) die "bad node '$2' (c, sw, n0..n$((MAX_NODES - 1)))" ;;
	esac
}

ns_exists() {
	[ -e "/run/netns/$1" ]
}

# Run a command in a network namespace only, keeping the host's mounts.
nsx() {
	local ns="$1"
	shift
	nsenter --net="/run/netns/$ns" -- "$@"
}

ns_sysctl() { # NS KEY VALUE
	nsx "$1" sysctl -qw "$2=$3" >/dev/null
}

host_hex() {
	printf '%02x' "$1"
}

# Namespaces of this lab that exist right now, switch last (removing the
# node namespaces first deletes their veth pairs from both sides).
lab_namespaces() {
	ip netns list 2>/dev/null | awk -v p="$1" '
		{ n = $1; if (index(n, p) != 1) next; s = substr(n, length(p) + 1)
		  if (s == "c" || s ~ /^n[0-9]$/) print n; else if (s == "sw") sw = n }
		END { if (sw != "") print sw }'
}

node_count() {
	local n=0
	while [ "$n" -lt 10 ] && ns_exists "$1n$n"; do
		n=$((n + 1))
	done
	echo "$n"
}

is_mountpoint() {
	awk -v m="$1" '$2 == m { f = 1 } END { exit !f }' /proc/mounts
}

# Quiet the namespace: no IPv6 at all (link-local, MLD and router
# solicitations would be packets to addresses outside 198.18.0.0/15).  Set
# before any interface exists so that the "default" value reaches them.
ns_base() {
	ip netns add "$1"
	ns_sysctl "$1" net.ipv6.conf.all.disable_ipv6 1
	ns_sysctl "$1" net.ipv6.conf.default.disable_ipv6 1
	ip -n "$1" link set lo up
}

# One port: veth SWDEV in the switch on BRIDGE, its peer IFNAME in NS.
add_port() { # SWNS BRIDGE SWDEV NS IFNAME MAC ADDR
	ip -n "$1" link add "$3" type veth peer name "$5" netns "$4"
	ip -n "$4" link set "$5" address "$6"
	ip -n "$4" addr add "$7/24" dev "$5"
	ip -n "$1" link set "$3" master "$2"
	# XDP_TX and live BPF_PROG_TEST_RUN frames sent by the node are dropped
	# by veth unless this (the peer) end has GRO or an XDP program.  GRO
	# alone did not carry them on kernel 6.18, so the port also runs an
	# XDP_PASS program (tools/lab/lab_pass.bpf.c).
	nsx "$1" ethtool -K "$3" gro on
	ip -n "$1" link set "$3" up
	ip -n "$1" link set dev "$3" xdpdrv obj "$XDP_PASS_OBJ" sec xdp
	ip -n "$4" link set "$5" up
}

bpffs_up() { # PREFIX
	mkdir -p "$STATE_DIR"
	(
		flock 9
		if [ "$(stat -f -c %T "$BPF_ROOT")" != bpf_fs ]; then
			mount -t bpf bpf "$BPF_ROOT"
			: >"$STATE_DIR/root-mounted"
		fi
	) 9>"$STATE_DIR/lock"
	mkdir -p "$BPF_ROOT/$1"
	is_mountpoint "$BPF_ROOT/$1" || mount -t bpf bpf "$BPF_ROOT/$1"
}

# maps.debug and progs.debug are the kernel's bpf_preload iterators, present
# in every fresh bpffs: a root holding only those holds nothing of anyone's.
bpffs_root_unused() {
	local e
	for e in "$BPF_ROOT"/* "$BPF_ROOT"/.[!.]*; do
		[ -e "$e" ] || continue
		case "${e##*/}" in
		maps.debug | progs.debug) ;;
		*) return 1 ;;
		esac
	done
}

bpffs_down() { # PREFIX
	if is_mountpoint "$BPF_ROOT/$1"; then
		umount "$BPF_ROOT/$1" || umount -l "$BPF_ROOT/$1"
	fi
	if [ -d "$BPF_ROOT/$1" ]; then
		rmdir "$BPF_ROOT/$1"
	fi
	[ -d "$STATE_DIR" ] || return 0
	(
		flock 9
		if [ -e "$STATE_DIR/root-mounted" ] && is_mountpoint "$BPF_ROOT" &&
			bpffs_root_unused; then
			umount "$BPF_ROOT" && rm -f "$STATE_DIR/root-mounted"
		fi
	) 9>"$STATE_DIR/lock"
}

cmd_up() { # PREFIX NNODES
	local p="$1" n="$2" sw br i ns h
	case "$n" in
	[2-4]) ;;
	*) die "NNODES must be 2..$MAX_NODES" ;;
	esac
	[ -z "$(lab_namespaces "$p")" ] || die "lab $p already exists (lab.sh down $p)"
	[ -f "$XDP_PASS_OBJ" ] || die "$XDP_PASS_OBJ missing (make, or set LAB_XDP_PASS)"
	# A partial lab is worse than none: undo everything if any step fails.
	# (p is expanded now on purpose: it is checked to be alphanumeric.)
	# shellcheck disable=SC2064
	trap "echo 'lab: up $p failed, removing it' >&2; cmd_down $p >/dev/null 2>&1" EXIT
	sw=${p}sw
	ns_base "$sw"
	for br in br-pub br-priv; do
		# No STP: ports forward the moment they come up.  Ageing stays at
		# the default; the product has to cope with a learning switch.
		ip -n "$sw" link add "$br" type bridge stp_state 0 forward_delay 0
		ip -n "$sw" link set "$br" up
	done

	ns_base "${p}c"
	add_port "$sw" br-pub p-pub-c "${p}c" pub0 "02:4c:41:12:00:02" "$CLIENT_IP"
	# The client keeps every ARP default: the product must make its ARP
	# cache irrelevant by moving the virtual MAC, not the lab.

	i=0
	while [ "$i" -lt "$n" ]; do
		ns=${p}n$i
		h=$((11 + i))
		ns_base "$ns"
		# Nodes keep every sysctl at Linux's default (arp_ignore=0,
		# arp_announce=0 among them), as a user's host has them: what
		# hbpf needs it must do itself.
		add_port "$sw" br-pub "p-pub-n$i" "$ns" pub0 \
			"02:4c:41:12:00:$(host_hex $h)" "$PUB_NET.$h"
		add_port "$sw" br-priv "p-priv-n$i" "$ns" priv0 \
			"02:4c:41:13:00:$(host_hex $h)" "$PRIV_NET.$h"
		i=$((i + 1))
	done
	bpffs_up "$p"
	trap - EXIT
	echo "lab: $p up with $n nodes (pin $BPF_ROOT/$p)"
}

# Processes still inside the lab: started by whoever used this lab, which
# only this run can have done, as the namespaces carry the run's prefix.
lab_pids() {
	local ns
	for ns in $(lab_namespaces "$1"); do
		ip netns pids "$ns" 2>/dev/null || true
	done | sort -un
}

kill_lab_pids() {
	local pids t left pid
	pids=$(lab_pids "$1")
	[ -n "$pids" ] || return 0
	# shellcheck disable=SC2086 # pids is a list of numbers, split on purpose
	echo "lab: stopping leftover processes in $1:" $pids >&2
	# shellcheck disable=SC2086
	kill -TERM $pids 2>/dev/null || true
	t=0
	while [ "$t" -lt 20 ]; do
		left=""
		for pid in $pids; do
			kill -0 "$pid" 2>/dev/null && left="$left $pid"
		done
		[ -n "$left" ] || return 0
		sleep 0.1
		t=$((t + 1))
	done
	# shellcheck disable=SC2086
	kill -KILL $left 2>/dev/null || true
}

cmd_down() { # PREFIX
	local ns
	kill_lab_pids "$1"
	for ns in $(lab_namespaces "$1"); do
		ip netns del "$ns" 2>/dev/null || true
	done
	bpffs_down "$1"
	[ -z "$(lab_namespaces "$1")" ] || die "namespaces of $1 remain"
}

cmd_env() { # PREFIX
	local p="$1" n i h
	ns_exists "${p}sw" || die "no lab $p"
	n=$(node_count "$p")
	echo "LAB_PREFIX=$p"
	echo "LAB_NODES=$n"
	echo "LAB_SWITCH_NS=${p}sw"
	echo "LAB_CLIENT_NS=${p}c"
	echo "LAB_CLIENT_IP=$CLIENT_IP"
	echo "LAB_CLIENT_MAC=02:4c:41:12:00:02"
	echo "LAB_PUB_IF=pub0"
	echo "LAB_PRIV_IF=priv0"
	echo "LAB_PUB_NET=$PUB_NET.0/24"
	echo "LAB_PRIV_NET=$PRIV_NET.0/24"
	echo "LAB_VIP=$VIP"
	echo "LAB_PIN=$BPF_ROOT/$p"
	i=0
	while [ "$i" -lt "$n" ]; do
		h=$((11 + i))
		echo "LAB_NODE${i}_NAME=n$i"
		echo "LAB_NODE${i}_NS=${p}n$i"
		echo "LAB_NODE${i}_PUB=$PUB_NET.$h"
		echo "LAB_NODE${i}_PRIV=$PRIV_NET.$h"
		echo "LAB_NODE${i}_PUB_MAC=02:4c:41:12:00:$(host_hex $h)"
		echo "LAB_NODE${i}_PRIV_MAC=02:4c:41:13:00:$(host_hex $h)"
		i=$((i + 1))
	done
}

cmd_exec() { # PREFIX NODE CMD...
	local ns
	ns=$(ns_of "$1" "$2")
	shift 2
	[ $# -gt 0 ] || usage
	ns_exists "$ns" || die "no namespace $ns"
	exec nsenter --net="/run/netns/$ns" -- "$@"
}

# Cut or restore a link from the switch side: the node sees carrier loss,
# exactly like a pulled cable, and its own configuration stays untouched.
cmd_link() { # PREFIX NODE pub|priv down|up
	local p="$1" dev
	ns_of "$p" "$2" >/dev/null
	case "$2:$3" in
	c:pub | n[0-9]:pub | n[0-9]:priv) ;;
	*) die "node $2 has no $3 link" ;;
	esac
	case "$4" in
	down | up) ;;
	*) usage ;;
	esac
	dev=p-$3-$2
	ns_exists "${p}sw" || die "no lab $p"
	ip -n "${p}sw" link show "$dev" >/dev/null 2>&1 || die "no port $dev in lab $p"
	ip -n "${p}sw" link set "$dev" "$4"
}

main() {
	local cmd st
	[ $# -ge 2 ] || usage
	cmd=$1
	check_prefix "$2"
	case "$cmd" in
	up)
		[ $# -eq 3 ] || usage
		cmd_up "$2" "$3"
		;;
	down)
		[ $# -eq 2 ] || usage
		cmd_down "$2"
		;;
	env)
		[ $# -eq 2 ] || usage
		cmd_env "$2"
		;;
	exec)
		[ $# -ge 4 ] || usage
		shift
		cmd_exec "$@"
		;;
	link)
		[ $# -eq 5 ] || usage
		cmd_link "$2" "$3" "$4" "$5"
		;;
	isolate | restore)
		[ $# -eq 3 ] || usage
		st=down
		[ "$cmd" = restore ] && st=up
		case "$3" in
		n[0-9]) ;;
		*) die "only a node can be isolated" ;;
		esac
		ns_exists "$2sw" || die "no lab $2"
		# Both links in one netlink batch, as when the node dies or its
		# cables are pulled.  A veth going down takes ~1-2 ms here (an RCU
		# grace period), so the two are not simultaneous: the private link
		# goes first and the public one last.  The node is gone for
		# everyone when its last link goes, and that instant is then the
		# same for the client (whose probes use the public link) and for
		# any failover tool's detection (hbpf's heartbeats use both links,
		# VRRP the public one).  The other order would start the client's
		# outage before the heartbeats stop.
		printf 'link set p-priv-%s %s\nlink set p-pub-%s %s\n' "$3" "$st" "$3" "$st" |
			ip -n "$2sw" -batch -
		;;
	pids)
		[ $# -eq 2 ] || usage
		lab_pids "$2"
		;;
	*) usage ;;
	esac
}

main "$@"
