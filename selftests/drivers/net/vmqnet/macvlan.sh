#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# macvlan L2 forwarding offload: with l2-fwd-offload on, each macvlan that
# opens on a port gets a VM queue (owner = the macvlan, one filter on its
# MAC, Running); frames for its MAC from a linked peer port land in that
# queue and reach the macvlan, none in the default queue, also after the
# macvlan changes its MAC (the filter follows it, or with the filter table
# full the macvlan goes to the software path); when no queue is
# free the macvlan still comes up, on the software path; a shrink of the
# rings under a macvlan, and ethtool -N on its queue or its filter, are
# refused; the health dump names each queue's owner; l2-fwd-offload off
# puts the macvlans on the software path and idles their queues, on leaves
# open macvlans there; deleting the macvlans, or a devlink reload, gives
# the queues back and shared_memory occupancy returns to its baseline.
#
# The test functions run through vmq_test, which shellcheck cannot follow.
# shellcheck disable=SC2317

# shellcheck source=lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

vmq_require_tools devlink jq ethtool ip
vmq_require_module

ID=11
ID_PEER=13	# one port, linked to ours, in its own netns
DL=vmqnet/vmqnet$ID
ND=
BASE=
NSP=vmqmvP$$
PEER=
IP_MV=198.51.100.1
IP_PEER=198.51.100.2
NFRAMES=20

# owner_of NAME: the ring a macvlan owns, or nothing.
owner_of()
{
	vmq_health_diagnose "$ID" | jq -r --arg n "$1" '.ports[0].queues[] | select(.owner == $n) |
		"\(.id) \(.state) \(.filters)"'
}

# The number of VM queues a macvlan owns.
owned_queues()
{
	vmq_health_diagnose "$ID" |
		jq '[.ports[0].queues[] | select(.id > 0 and .owner != "ethtool")] | length'
}

mv_add()
{
	ip link add "$1" link "$ND" type macvlan mode bridge &&
		ip link set "$1" up
}

cleanup_mv()
{
	local m

	for m in mv0 mv1 mv2 mv3; do
		ip link del "$m" 2> /dev/null
	done
}

# rxq_packets RING: the packets queue RING of our port received (ethtool -S).
rxq_packets() { vmq_ethtool_stat "rx_queue_$1_packets" "$ND"; }

# mv_rx_unicast DEV: unicast frames DEV received; in bridge mode the sibling
# macvlans' multicast reaches it too, counted in "multicast".
mv_rx_unicast()
{
	local d=/sys/class/net/$1/statistics rx mc

	read -r rx < "$d/rx_packets" && read -r mc < "$d/multicast" &&
	echo $((rx - mc))
}

# to_mv0: from the peer's netns, NFRAMES UDP datagrams to mv0's IP. The
# neighbours are permanent on both sides, so no ARP goes either way, and
# the peer has no IPv6 to multicast: mv0's queue must see exactly these.
to_mv0()
{
	local mac

	read -r mac < /sys/class/net/mv0/address || return 1
	ip -n "$NSP" neigh replace "$IP_MV" lladdr "$mac" dev "$PEER" \
		nud permanent || return 1
	read -r mac < "$VMQ_TMPD/sys.$NSP/class/net/$PEER/address" &&
	ip neigh replace "$IP_PEER" dev mv0 nud permanent lladdr "$mac" ||
		return 1
	# bash's /dev/udp: one process, one socket per datagram.
	# shellcheck disable=SC2016 # expanded by that bash
	vmq_nsenter "$NSP" bash -c \
		'for ((i = 0; i < $2; i++)); do echo vmq > "/dev/udp/$1/9"; done' \
		- "$IP_MV" "$NFRAMES"
}

# check_rx RING OTHER: send mv0 NFRAMES frames; all of them must land in
# queue RING, none in queue OTHER, and mv0 must receive every one.
check_rx()
{
	local ring=$1 other=$2 r0 o0 m0 i r1

	r0=$(rxq_packets "$ring") o0=$(rxq_packets "$other") m0=$(mv_rx_unicast mv0)
	to_mv0 || return 1
	# NAPI may still be handing the last ones up.
	for ((i = 0; i < 50; i++)); do
		r1=$(rxq_packets "$ring")
		[ $((r1 - r0)) -lt "$NFRAMES" ] || break
		sleep 0.1
	done
	vmq_assert_eq "frames on queue $ring" "$NFRAMES" $((r1 - r0)) || return 1
	vmq_assert_eq "frames on queue $other" 0 \
		$(($(rxq_packets "$other") - o0)) || return 1
	vmq_assert_eq "mv0 rx_packets" "$NFRAMES" $(($(mv_rx_unicast mv0) - m0))
}
trap 'cleanup_mv; vmq_cleanup' EXIT

# The device, its port up, and the baseline shared_memory occupancy.
setup_device()
{
	vmq_dev_create "$ID" 1 4 || return 1
	ND=$(vmq_port "$ID" 0)
	ip link set "$ND" up && vmq_stats_start || return 1
	BASE=$(vmq_shmem_occ "$ID")
}

test_offload_off_by_default()
{
	vmq_assert_ge "baseline occupancy" 1 "$BASE" || return 1
	vmq_assert_eq "offload off by default" "l2-fwd-offload: off" \
		"$(ethtool -k "$ND" | grep -o 'l2-fwd-offload: [a-z]*')"
}

test_no_offload()
{
	mv_add mv0 || return 1
	vmq_assert_eq "no queue without offload" 0 "$(owned_queues)" || return 1
	ip link del mv0
}

test_offload()
{
	local mac

	ethtool -K "$ND" l2-fwd-offload on || return 1
	mv_add mv0 || return 1
	vmq_assert_eq "mv0 queue" "1 running 1" "$(owner_of mv0)" || return 1
	mac=$(< /sys/class/net/mv0/address)
	vmq_assert_eq "filter on mv0's MAC" "$mac" \
		"$(vmq_health_dump "$ID" |
			jq -r '.ports[0].queues[] | select(.id == 1) |
				.filter_list[0].mac')" || return 1
	vmq_assert_eq "ethtool -n lists it" 1 \
		"$(ethtool -n "$ND" | grep -ci "$mac")"
}

# A peer port in its own netns, linked to ours; mv0's frames from it land
# in mv0's queue and nowhere else, and mv0 receives them.
test_traffic()
{
	local ifp

	vmq_netns_add "$NSP" || return 1
	vmq_dev_create "$ID_PEER" 1 4 || return 1
	PEER=$(vmq_port "$ID_PEER" 0)
	ip link set "$PEER" netns "$NSP" || return 1
	read -r ifp < "$VMQ_TMPD/sys.$NSP/class/net/$PEER/ifindex" || return 1
	vmq_link - "$(vmq_ifindex "$ND")" "$NSP" "$ifp" || return 1
	ip -n "$NSP" addr add "$IP_PEER/24" dev "$PEER" &&
		ip -n "$NSP" link set "$PEER" up &&
		ip addr add "$IP_MV/24" dev mv0 || return 1
	check_rx 1 0
}

# mv0 changes its MAC while it holds queue 1: the queue keeps one filter,
# now on the new MAC, stays Running, and frames to the new MAC land in it.
test_mac_change()
{
	local old new=02:00:00:00:11:77

	old=$(< /sys/class/net/mv0/address)
	ip link set mv0 address "$new" || return 1
	vmq_assert_eq "mv0 queue" "1 running 1" "$(owner_of mv0)" || return 1
	vmq_assert_eq "ethtool -n: the new MAC" 1 \
		"$(ethtool -n "$ND" | grep -ci "$new")" || return 1
	vmq_assert_eq "ethtool -n: the old MAC" 0 \
		"$(ethtool -n "$ND" | grep -ci "$old")" || return 1
	check_rx 1 0
}

# With the filter table full, mv0's next MAC gets no filter: mv0 goes to
# the software path, where the default queue takes its frames, and its
# queue goes back to ethtool; brought up again, it takes a queue again.
test_mac_change_table_full()
{
	local i macs=()

	vmq_functional || return
	for ((i = $(ethtool -n "$ND" | grep -c '^Filter:'); i < 32; i++)); do
		macs+=("$(printf '02:00:00:00:12:%02x' "$i")")
	done
	vmq_rules "$ND" add 2 "${macs[@]}" > /dev/null || return 1
	ip link set mv0 address 02:00:00:00:11:78 || return 1
	vmq_assert_eq "mv0 has no queue" "" "$(owner_of mv0)" || return 1
	check_rx 0 1 || return 1
	# shellcheck disable=SC2046 # the locations
	vmq_rules "$ND" del $(ethtool -n "$ND" |
		awk '/^Filter:/ { l = $2 } /Direct to queue 2$/ { print l }') ||
		return 1
	ip link set mv0 down && ip link set mv0 up || return 1
	vmq_assert_eq "mv0 queue again" "1 running 1" "$(owner_of mv0)"
}

test_fallback()
{
	mv_add mv1 || return 1
	mv_add mv2 || return 1
	vmq_assert_eq "3 queues taken" 3 "$(owned_queues)" || return 1
	# No queue left: mv3 comes up all the same, on the software path.
	mv_add mv3 || return 1
	vmq_assert_eq "mv3 has no queue" "" "$(owner_of mv3)" || return 1
	vmq_assert_eq "mv3 up" 1 \
		$(($(< /sys/class/net/mv3/flags) & 1))
}

test_shrink_refused()
{
	vmq_cmd_expect "$(vmq_shrink_errno)" ethtool -L "$ND" combined 1 || return 1
	vmq_assert_eq "queues kept" 3 "$(owned_queues)"
}

# Neither mv0's filter nor its queue are ethtool's to change.
test_nfc_refused()
{
	local loc

	loc=$(ethtool -n "$ND" |
		awk '/^Filter:/ { l = $2 } /Direct to queue 1$/ { print l }')
	vmq_assert_ge "mv0's rule" 0 "$loc" || return 1
	vmq_cmd_expect EBUSY ethtool -N "$ND" delete "$loc" || return 1
	if ! dmesg | tail -n 20 |
	     grep -q "delete of rule $loc refused: it is the filter of macvlan mv0"; then
		ktap_diag "no kernel message names mv0"
		return 1
	fi
	vmq_cmd_expect EBUSY ethtool -N "$ND" flow-type ether \
		dst 02:00:00:00:11:01 action 1 || return 1
	vmq_assert_eq "mv0's queue kept" "1 running 1" "$(owner_of mv0)" ||
		return 1
	check_rx 1 0
}

# The dump (and debugfs) name each queue's owner.
test_dump_owners()
{
	local dbg=$VMQ_DEBUGFS/vmqnet$ID/ports/0/queues

	vmq_assert_eq "owners in the dump" "0:default 1:mv0 2:mv1 3:mv2" \
		"$(vmq_health_dump "$ID" |
			jq -r '[.ports[0].queues[] | "\(.id):\(.owner)"] |
				join(" ")')" || return 1
	vmq_assert_eq "owners in debugfs" "0:- 1:mv0 2:mv1 3:mv2" \
		"$(awk 'NR > 1 { printf "%s%s:%s", sep, $1, $4; sep = " " }' "$dbg")"
}

# off: the macvlans go to the software path and their queues are idle;
# on: open macvlans stay there until they reopen.
test_offload_off()
{
	vmq_cmd_expect 0 ethtool -K "$ND" l2-fwd-offload off || return 1
	vmq_assert_eq "no queue owned" 0 "$(owned_queues)" || return 1
	vmq_assert_eq "no filters" 0 \
		"$(vmq_health_diagnose "$ID" | jq '[.ports[0].queues[].filters] | add')" || return 1
	vmq_assert_eq "queues idle" "paused paused paused" \
		"$(vmq_health_diagnose "$ID" | jq -r '[.ports[0].queues[] | select(.id > 0) |
			.state] | join(" ")')" || return 1
	vmq_assert_eq "occupancy at baseline" "$BASE" "$(vmq_shmem_occ "$ID")" || return 1
	check_rx 0 1 || return 1

	vmq_cmd_expect 0 ethtool -K "$ND" l2-fwd-offload on || return 1
	vmq_assert_eq "open macvlans keep the software path" 0 "$(owned_queues)" ||
		return 1
	ip link set mv0 down && ip link set mv0 up || return 1
	vmq_assert_eq "mv0 queue at reopen" "1 running 1" "$(owner_of mv0)" ||
		return 1
	check_rx 1 0
}

test_delete_macvlans()
{
	local m

	for m in mv0 mv1 mv2 mv3; do
		ip link del "$m" || return 1
	done
	vmq_assert_eq "queues back to ethtool" 0 "$(owned_queues)" || return 1
	vmq_assert_eq "no filters" 0 \
		"$(vmq_health_diagnose "$ID" | jq '[.ports[0].queues[].filters] | add')" || return 1
	vmq_assert_eq "q1 paused" paused \
		"$(vmq_health_diagnose "$ID" | jq -r '.ports[0].queues[1].state')" || return 1
	vmq_assert_eq "occupancy back to baseline" "$BASE" "$(vmq_shmem_occ "$ID")"
}

test_lower_down()
{
	ip link set "$ND" down || return 1
	mv_add mv0 || return 1
	vmq_assert_eq "waits Set while the port is down" "1 set 1" \
		"$(owner_of mv0)" || return 1
	ip link set "$ND" up || return 1
	vmq_assert_eq "Running at open" "1 running 1" "$(owner_of mv0)"
}

test_reload_drops_macvlans()
{
	local base

	devlink dev reload "$DL" || return 1
	vmq_assert_missing /sys/class/net/mv0 || return 1
	ND=$(vmq_port "$ID" 0)
	vmq_assert_eq "no owner after reload" 0 "$(owned_queues)" || return 1
	base=$(vmq_health_diagnose "$ID" | jq '[.ports[0].queues[] | select(.id > 0) |
		.shmem_bytes] | add')
	vmq_assert_eq "VM queues freed" 0 "$base"
}

vmq_setup "a device of one port, up" setup_device
ktap_plan 14
vmq_test offload_off_by_default test_offload_off_by_default
vmq_test no_offload_software_path test_no_offload
vmq_test offload_queue_per_macvlan test_offload
vmq_test traffic_lands_in_macvlan_queue test_traffic
vmq_test mac_change_moves_the_filter test_mac_change
vmq_test mac_change_table_full_software_path test_mac_change_table_full
vmq_test fallback_when_no_queue test_fallback
vmq_test shrink_refused_under_macvlan test_shrink_refused
vmq_test nfc_refused_on_macvlan_queue test_nfc_refused
vmq_test dump_shows_owners test_dump_owners
vmq_test offload_off_releases_queues test_offload_off
vmq_test delete_frees_queues test_delete_macvlans
vmq_test lower_down_then_up test_lower_down
vmq_test reload_drops_macvlans test_reload_drops_macvlans
ktap_finish
