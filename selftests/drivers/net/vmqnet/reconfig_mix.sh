#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A seeded random mix of good and bad reconfiguration under a flood, as a
# new user would stress vmqnet (the setup of the RTNL hang report): device
# 31 has 2 ports of 8 queues, device 32 one port of 4, linked to 31's
# port 0; every port is up with an address. A flood from 32 sends 64-byte
# UDP datagrams to 31's port 0 and raw frames, broadcast and unicast, to
# the MACs the random filters use. Each operation is picked at random:
# ethtool -L / -G / -N / -K with good and junk values, macvlans in every
# mode, devlink params, resources and reload, junk to new_device and
# link_device, links up and down, the shmem fail_usage knob, the
# queues' interrupt CPUs (good and bad). Every command runs under a
# timeout, so that a hang is a failure rather than a stuck run, and the
# kernel log must stay clean (the guest runner also fails on any splat,
# hung tasks included).
#
#   reconfig_mix.sh [OPS [SEED]]    defaults: 600 operations, a new seed
#
# Not in make check (make stress runs it): 600 operations take minutes in
# a debug guest. A failing seed replays the same operations.
#
# The test functions run through vmq_test, which shellcheck cannot follow.
# shellcheck disable=SC2317
# The arrays are read through pick's nameref, which shellcheck cannot see.
# shellcheck disable=SC2034

# shellcheck source=lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

vmq_require_tools ethtool ip devlink python3 timeout
vmq_require_module

OPS=${1:-600}
SEED=${2:-$(( $(date +%s) % 32768 ))}
A=31
B=32
CMD_TIMEOUT=60
MACS=(02:00:00:00:31:01 02:00:00:00:31:02 02:00:00:00:31:03
      02:00:00:00:31:04 ff:ff:ff:ff:ff:ff)
tried=0 refused=0 hung=0 mv=0 revived=0

mix_cleanup()
{
	ip -o link show type macvlan 2>/dev/null | while IFS=': ' read -r _ n _; do
		ip link del "${n%@*}" 2>/dev/null
	done
	vmq_cleanup
}
trap mix_cleanup EXIT

# pick ARRAY: one element of ARRAY at random.
pick() { local -n arr=$1; echo "${arr[RANDOM % ${#arr[@]}]}"; }

# mix_op CMD...: one operation, counted; refused is fine, a timeout is a
# hang.
mix_op()
{
	local rc

	tried=$((tried + 1))
	timeout -k 5 "$CMD_TIMEOUT" "$@" > /dev/null 2>&1
	rc=$?
	case $rc in
	0) ;;
	124|137) hung=$((hung + 1)); ktap_diag "op $tried hung: $*" ;;
	*) refused=$((refused + 1))
	   [ -z "${VMQ_MIX_VERBOSE:-}" ] || ktap_diag "op $tried refused ($rc): $*" ;;
	esac
}

# mix_write FILE TEXT: one operation that writes TEXT to FILE.
# shellcheck disable=SC2016 # expanded by that bash
mix_write() { mix_op bash -c 'printf "%s\n" "$2" > "$1"' _ "$1" "$2"; }

junk_num()
{
	local v=(0 1 2 3 4 7 8 15 16 17 255 256 4096 4097 65535 65536
		 4294967295 4294967296 18446744073709551615 18446744073709551616
		 -1 x 0x10 "")
	pick v
}

one_op()
{
	local p dev q mac
	local dl=vmqnet/vmqnet$A
	local modes=(bridge private vepa source passthru)
	local params=(lookahead_split lookahead_size rx_buffer_size rx_contiguous)

	p=$((RANDOM % 2))
	dev=$(vmq_port "$A" "$p")
	if [ -z "$dev" ]; then
		# A reload whose re-initialisation failed (the fail_usage
		# knob can fail a default queue's memory) leaves the device
		# without ports, as devlink has it: reload it again with
		# its default budget so that the mix goes on.
		revived=$((revived + 1))
		mix_op devlink resource set "$dl" path /shared_memory size 8192
		mix_op devlink dev reload "$dl"
		return
	fi
	case $((RANDOM % 15)) in
	0) mix_op ethtool -L "$dev" combined "$(junk_num)" ;;
	1) mix_op ethtool -L "$dev" combined $((1 + RANDOM % 8)) rx $((RANDOM % 9)) ;;
	2) mix_op ethtool -G "$dev" rx "$(pick ring_sizes)" ;;
	3) mac=$(pick MACS)
	   q=$((RANDOM % 10))
	   if ((RANDOM % 2)); then
		mix_op ethtool -N "$dev" flow-type ether dst "$mac" action "$q" loc $((RANDOM % 40))
	   else
		mix_op ethtool -N "$dev" flow-type ether dst "$mac" vlan $((RANDOM % 4100)) action "$q"
	   fi ;;
	4) mix_op ethtool -N "$dev" delete $((RANDOM % 40)) ;;
	5) mix_op ethtool -K "$dev" l2-fwd-offload "$( ((RANDOM % 2)) && echo on || echo off)" ;;
	6) mv=$((mv + 1))
	   mix_op ip link add "mix$mv" link "$dev" type macvlan mode "$(pick modes)" &&
	   mix_op ip link set "mix$mv" address "$(pick MACS)" &&
	   mix_op ip link set "mix$mv" up ;;
	7) mix_op ip link del "mix$((1 + RANDOM % (mv + 1)))" ;;
	8) case $((RANDOM % 4)) in
	   0|2) mix_op devlink dev param set "$dl" name "$(pick params)" value "$(junk_num)" cmode driverinit ;;
	   1) mix_op devlink dev param set "$dl" name rx_buffer_size value $((1536 + RANDOM % 15000)) cmode driverinit ;;
	   3) mix_op devlink dev param set "$dl" name lookahead_split value "$( ((RANDOM % 2)) && echo true || echo false)" cmode driverinit ;;
	   esac ;;
	9) mix_op devlink dev reload "$dl" ;;
	10) if ((RANDOM % 2)); then
		mix_op devlink resource set "$dl" path /shared_memory size "$(junk_num)"
	    else
		mix_op devlink resource set "$dl" path /vm_queues size $((RANDOM % 130))
	    fi ;;
	11) mix_write "$VMQ_BUS/new_device" "$(junk_num) $(junk_num) $(junk_num)"
	    mix_write "$VMQ_BUS/link_device" "$(junk_num):$(junk_num) $(junk_num)" ;;
	12) mix_op ip link set "$dev" "$( ((RANDOM % 3)) && echo up || echo down)" ;;
	13) mix_write "$VMQ_DEBUGFS/vmqnet$A/shmem/fail_usage" "$(pick usages)"
	    mix_write "$VMQ_DEBUGFS/vmqnet$A/shmem/fail_count" $((RANDOM % 3)) ;;
	14) mix_write "$VMQ_DEBUGFS/vmqnet$A/ports/$((RANDOM % 2))/irq_cpu/$((RANDOM % 8))" \
		"$(pick irq_cpus)" ;;
	esac
}

ring_sizes=(0 15 16 64 256 1024 4096 4097)
usages=(any receive other receive_lookahead bogus 12)
irq_cpus=(-1 0 1 -2 4096 x)

# relink: after reloads and junk, link A's port 0 to B again, and give
# A's ports their addresses and carrier back.
relink()
{
	local fd a b

	a=$(vmq_port "$A" 0) b=$(vmq_dev_netdevs "$B")
	[ -n "$a" ] && [ -n "$b" ] || return 0
	exec {fd}</proc/self/ns/net
	echo "$fd:$(< "/sys/class/net/$a/ifindex") $fd:$(< "/sys/class/net/$b/ifindex")" \
		> "$VMQ_BUS/link_device" 2>/dev/null
	exec {fd}<&-
	ip addr replace 192.0.2.1/24 dev "$a" 2>/dev/null
	ip link set "$a" up 2>/dev/null
	a=$(vmq_port "$A" 1)
	[ -n "$a" ] || return 0
	ip addr replace 198.51.100.1/24 dev "$a" 2>/dev/null
	ip link set "$a" up 2>/dev/null
}

# The devices, linked, addressed and up; a flood from B of raw frames to
# the MACs, each followed by a datagram to A's port 0.
setup_linked_flood()
{
	local b

	vmq_dev_create "$A" 2 8 && vmq_dev_create "$B" 1 4 || return 1
	b=$(vmq_port "$B" 0)
	ip addr add 192.0.2.2/24 dev "$b" && ip link set "$b" up || return 1
	relink
	vmq_flood_start python3 -S "$VMQ_SEND" eth "$b" 3600 "${MACS[@]}" \
		--udp 192.0.2.1
	vmq_dmesg_mark
}

test_mix()
{
	local i

	ktap_diag "seed $SEED, $OPS operations"
	RANDOM=$SEED
	for ((i = 0; i < OPS; i++)); do
		one_op
		((i % 50)) || relink
	done
	ktap_diag "reconfigurations: $tried tried, $refused refused, $hung hung, $revived times without ports"
	[ "$hung" = 0 ] || return 1
	vmq_flood_running || { ktap_diag "the flood died"; return 1; }
	vmq_dmesg_clean "the mix"
}

test_teardown_clean()
{
	vmq_flood_kill
	ip -o link show type macvlan | while IFS=': ' read -r _ n _; do
		ip link del "${n%@*}"
	done
	vmq_dev_delete "$B" && vmq_dev_delete "$A" || return 1
	vmq_dmesg_clean "teardown"
}

vmq_setup "two devices, linked, a flood" setup_linked_flood
ktap_plan 2
vmq_test "mix: random reconfiguration under the flood" test_mix
vmq_test "mix: teardown" test_teardown_clean
ktap_finish
