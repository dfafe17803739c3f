#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# macvlan L2 forwarding offload: with l2-fwd-offload on, each macvlan that
# opens on a port gets a VM queue (owner = the macvlan, one filter on its
# MAC, Running); when no queue is free the macvlan still comes up, on the
# software path; a shrink of the rings under a macvlan is refused; deleting
# the macvlans, or a devlink reload, gives the queues back and
# shared_memory occupancy returns to its baseline.
#
# The test functions run through vmq_test, which shellcheck cannot follow.
# shellcheck disable=SC2317

# shellcheck source=lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

vmq_require_tools devlink jq ethtool ip
vmq_require_module

ID=11
DL=vmqnet/vmqnet$ID
ND=
BASE=

occ()
{
	devlink -j resource show "$DL" |
		jq -r --arg d "$DL" \
			'.resources[$d][] | select(.name == "shared_memory") | .occ'
}

diag() { devlink -j health diagnose "$DL" reporter vmq; }

# owner_of NAME: the ring a macvlan owns, or nothing.
owner_of()
{
	diag | jq -r --arg n "$1" '.ports[0].queues[] | select(.owner == $n) |
		"\(.id) \(.state) \(.filters)"'
}

nowned() { diag | jq '[.ports[0].queues[] | select(.id > 0 and .owner != "ethtool")] | length'; }

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
trap 'cleanup_mv; vmq_cleanup' EXIT

test_setup()
{
	vmq_dev_create $ID 1 4 || return 1
	ND=$(vmq_dev_netdevs $ID)
	ip link set "$ND" up || return 1
	BASE=$(occ)
	vmq_assert_ge "baseline occupancy" 1 "$BASE" || return 1
	vmq_assert_eq "offload off by default" "l2-fwd-offload: off" \
		"$(ethtool -k "$ND" | grep -o 'l2-fwd-offload: [a-z]*')"
}

test_no_offload()
{
	mv_add mv0 || return 1
	vmq_assert_eq "no queue without offload" 0 "$(nowned)" || return 1
	ip link del mv0
}

test_offload()
{
	local mac

	ethtool -K "$ND" l2-fwd-offload on || return 1
	mv_add mv0 || return 1
	vmq_assert_eq "mv0 queue" "1 running 1" "$(owner_of mv0)" || return 1
	mac=$(cat /sys/class/net/mv0/address)
	devlink health dump clear "$DL" reporter vmq || return 1
	vmq_assert_eq "filter on mv0's MAC" "$mac" \
		"$(devlink -j health dump show "$DL" reporter vmq |
			jq -r '.ports[0].queues[] | select(.id == 1) |
				.filter_list[0].mac')" || return 1
	vmq_assert_eq "ethtool -n lists it" 1 \
		"$(ethtool -n "$ND" | grep -ci "$mac")"
}

test_fallback()
{
	mv_add mv1 || return 1
	mv_add mv2 || return 1
	vmq_assert_eq "3 queues taken" 3 "$(nowned)" || return 1
	# No queue left: mv3 comes up all the same, on the software path.
	mv_add mv3 || return 1
	vmq_assert_eq "mv3 has no queue" "" "$(owner_of mv3)" || return 1
	vmq_assert_eq "mv3 up" 1 \
		"$(ip -j link show mv3 | jq '[.[0].flags[] | select(. == "UP")] | length')"
}

test_shrink_refused()
{
	vmq_cmd_expect EBUSY ethtool -L "$ND" combined 1 || return 1
	vmq_assert_eq "queues kept" 3 "$(nowned)"
}

test_delete()
{
	local m

	for m in mv0 mv1 mv2 mv3; do
		ip link del "$m" || return 1
	done
	vmq_assert_eq "queues back to ethtool" 0 "$(nowned)" || return 1
	vmq_assert_eq "no filters" 0 \
		"$(diag | jq '[.ports[0].queues[].filters] | add')" || return 1
	vmq_assert_eq "q1 paused" paused \
		"$(diag | jq -r '.ports[0].queues[1].state')" || return 1
	vmq_assert_eq "occupancy back to baseline" "$BASE" "$(occ)"
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

test_reload()
{
	local base

	devlink dev reload "$DL" || return 1
	vmq_assert_missing /sys/class/net/mv0 || return 1
	ND=$(vmq_dev_netdevs $ID)
	vmq_assert_eq "no owner after reload" 0 "$(nowned)" || return 1
	base=$(diag | jq '[.ports[0].queues[] | select(.id > 0) |
		.shmem_bytes] | add')
	vmq_assert_eq "VM queues freed" 0 "$base"
}

ktap_plan 8
vmq_test setup test_setup
vmq_test no_offload_software_path test_no_offload
vmq_test offload_queue_per_macvlan test_offload
vmq_test fallback_when_no_queue test_fallback
vmq_test shrink_refused_under_macvlan test_shrink_refused
vmq_test delete_frees_queues test_delete
vmq_test lower_down_then_up test_lower_down
vmq_test reload_drops_macvlans test_reload
ktap_finish
