#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Receive filters through ethtool -N/-n (SET_FILTER / CLEAR_FILTER) and the
# queue states they drive: Allocated -> Set on a port that is down, Set ->
# Running at open, Running -> Paused when the last filter of a queue goes;
# every rule ethtool can express that a VMQ filter cannot, duplicates, a
# full table, and shrinking away a queue that still has filters.
#
# The test functions run through vmq_test, which shellcheck cannot follow.
# shellcheck disable=SC2317

# shellcheck source=lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

vmq_require_tools ethtool ip
vmq_require_module

ID=12
Q=$VMQ_DEBUGFS/vmqnet$ID/ports/0/queues
MAX=32			# VMQ_FILTERS_MAX
DEV=

declare -A QT
# qfilters RING: the number of filters of a queue of the port.
qfilters() { vmq_table QT "$Q"; echo "${QT[$1,filters]:-}"; }

nrules()
{
	local k n

	while read -r k n _; do
		[ "$k" != Total ] || echo "$n"
	done < <(ethtool -n "$DEV")
}

# rule LOC: "DST-MAC VLAN-or-none QUEUE" of a listed rule.
rule()
{
	ethtool -n "$DEV" rule "$1" | awk '
		/Dest MAC addr:/ { mac = $4 }
		/^\tVLAN:/ { vlan = $2 }
		/Action: Direct to queue/ { q = $5 }
		END { printf "%s %s %s\n", tolower(mac), vlan ? vlan : "none", q }'
}

nfc() { vmq_cmd_expect "$1" ethtool -N "$DEV" "${@:2}"; }

setup_device()
{
	vmq_dev_create "$ID" 1 4 && DEV=$(vmq_port "$ID" 0)
}

test_no_rules()
{
	vmq_assert_eq "rules" 0 "$(nrules)" || return 1
	vmq_assert_eq "rings" "4 RX rings available" \
		"$(ethtool -n "$DEV" | head -n 1)"
}

test_set_down()
{
	nfc 0 flow-type ether dst 02:00:00:00:12:01 action 1 loc 3 || return 1
	vmq_assert_eq "queue 1 down" set "$(vmq_qstate "$ID" 0 1)" || return 1
	vmq_assert_eq "rule 3" "02:00:00:00:12:01 none 1" "$(rule 3)" || return 1
	# A second filter on the same queue: ORed, the queue stays Set.
	nfc 0 flow-type ether dst 02:00:00:00:12:02 vlan 100 action 1 || return 1
	vmq_assert_eq "queue 1 filters" 2 "$(qfilters 1)" || return 1
	vmq_assert_eq "rule 0 (first free)" "02:00:00:00:12:02 0x64 1" \
		"$(rule 0)" || return 1
	vmq_assert_eq "queue 2" allocated "$(vmq_qstate "$ID" 0 2)" || return 1
	vmq_assert_eq "rules" 2 "$(nrules)"
}

test_open_runs()
{
	vmq_cmd_expect 0 ip link set "$DEV" up || return 1
	vmq_assert_eq "queue 1 at open" running "$(vmq_qstate "$ID" 0 1)" || return 1
	vmq_assert_eq "queue 2 at open" paused "$(vmq_qstate "$ID" 0 2)" || return 1
	nfc 0 flow-type ether dst 02:00:00:00:12:03 action 2 || return 1
	vmq_assert_eq "queue 2 with a filter" running "$(vmq_qstate "$ID" 0 2)"
}

test_clear()
{
	nfc 0 delete 3 || return 1
	vmq_assert_eq "queue 1, one filter left" running "$(vmq_qstate "$ID" 0 1)" || return 1
	nfc 0 delete 0 || return 1
	vmq_assert_eq "queue 1, none left" paused "$(vmq_qstate "$ID" 0 1)" || return 1
	nfc ENOENT delete 0 || return 1
	nfc ENOENT delete 31 || return 1
	vmq_assert_eq "rules" 1 "$(nrules)" || return 1
	# Down again: the states stay, the memory stays.
	vmq_cmd_expect 0 ip link set "$DEV" down || return 1
	vmq_assert_eq "queue 2 down" running "$(vmq_qstate "$ID" 0 2)" || return 1
	vmq_cmd_expect 0 ip link set "$DEV" up
}

test_bad_rules()
{
	local n

	n=$(nrules)
	# No such queue, and the default queue.
	nfc EINVAL flow-type ether dst 02:00:00:00:12:10 action 4 || return 1
	nfc EINVAL flow-type ether dst 02:00:00:00:12:10 action 0 || return 1
	# Discard is not a queue.
	nfc EINVAL flow-type ether dst 02:00:00:00:12:10 action -1 || return 1
	# Broadcast and multicast always go to the default queue.
	nfc EINVAL flow-type ether dst ff:ff:ff:ff:ff:ff action 1 || return 1
	nfc EINVAL flow-type ether dst 01:00:5e:00:00:01 action 1 || return 1
	# Partial MAC, other fields, other flow types.
	nfc EINVAL flow-type ether dst 02:00:00:00:12:10 m 00:00:00:00:00:ff action 1 || return 1
	nfc EINVAL flow-type ether src 02:00:00:00:12:11 action 1 || return 1
	nfc EINVAL flow-type ether dst 02:00:00:00:12:10 proto 0x800 action 1 || return 1
	nfc EINVAL flow-type ether proto 0x800 action 1 || return 1
	nfc EINVAL flow-type tcp4 dst-port 80 action 1 || return 1
	# The VLAN id in full, and nothing else of the extension.
	nfc EINVAL flow-type ether dst 02:00:00:00:12:10 vlan 5 vlan-mask 0xff action 1 || return 1
	nfc EINVAL flow-type ether dst 02:00:00:00:12:10 vlan-etype 0x8100 action 1 || return 1
	nfc EINVAL flow-type ether dst 02:00:00:00:12:10 user-def 1 action 1 || return 1
	nfc EINVAL flow-type ether dst 02:00:00:00:12:10 action 1 loc 32 || return 1
	vmq_assert_eq "nothing added" "$n" "$(nrules)"
}

test_duplicates()
{
	nfc 0 flow-type ether dst 02:00:00:00:12:20 action 1 loc 5 || return 1
	# Same match, even to another queue or location.
	nfc EEXIST flow-type ether dst 02:00:00:00:12:20 action 2 || return 1
	# Same location.
	nfc EEXIST flow-type ether dst 02:00:00:00:12:21 action 1 loc 5 || return 1
	# The same MAC with a VLAN is another match.
	nfc 0 flow-type ether dst 02:00:00:00:12:20 vlan 7 action 3 || return 1
	nfc EEXIST flow-type ether dst 02:00:00:00:12:20 vlan 7 action 3 || return 1
	vmq_assert_eq "queue 3" running "$(vmq_qstate "$ID" 0 3)"
}

test_shrink_with_filters()
{
	# Queue 3 has a filter: shrinking it away is refused, nothing changes.
	vmq_cmd_expect "$(vmq_shrink_errno)" ethtool -L "$DEV" combined 3 || return 1
	vmq_assert_eq "queue 3 kept" running "$(vmq_qstate "$ID" 0 3)" || return 1
	vmq_assert_eq "queues" "0 1 2 3" "$(vmq_table QT "$Q"; echo "${QT[rows]}")" || return 1
	local loc

	loc=$(ethtool -n "$DEV" | awk '/^Filter:/ { l = $2 } /Direct to queue 3$/ { print l }')
	nfc 0 delete "$loc" || return 1
	vmq_assert_eq "queue 3 paused" paused "$(vmq_qstate "$ID" 0 3)" || return 1
	vmq_cmd_expect 0 ethtool -L "$DEV" combined 3 || return 1
	vmq_assert_eq "queue 3 gone" none "$(vmq_qstate "$ID" 0 3)" || return 1
	vmq_cmd_expect 0 ethtool -L "$DEV" combined 4
}

test_full_table()
{
	local i n macs=()

	vmq_functional || return
	n=$(nrules)
	for ((i = n; i < MAX; i++)); do
		macs+=("$(printf '02:00:00:00:13:%02x' "$i")")
	done
	vmq_rules "$DEV" add 1 "${macs[@]}" > /dev/null || return 1
	vmq_assert_eq "rules" "$MAX" "$(nrules)" || return 1
	nfc ENOSPC flow-type ether dst 02:00:00:00:14:00 action 1 || return 1
	vmq_assert_eq "still full" "$MAX" "$(nrules)" || return 1
	# shellcheck disable=SC2046 # the locations
	vmq_rules "$DEV" del $(ethtool -n "$DEV" | awk '/^Filter:/ { print $2 }') ||
		return 1
	vmq_assert_eq "empty" 0 "$(nrules)" || return 1
	vmq_assert_eq "states" "0:running 1:paused 2:paused 3:paused" \
		"$(vmq_qstates "$ID" 0)"
}

vmq_setup "a device of one port, four queues" setup_device
ktap_plan 8
vmq_test "filters: no rules, four RX rings" test_no_rules
vmq_test "filters: set on a port that is down" test_set_down
vmq_test "filters: Set -> Running at open" test_open_runs
vmq_test "filters: clear, Running -> Paused" test_clear
vmq_test "filters: rules a VMQ filter cannot express" test_bad_rules
vmq_test "filters: duplicate match or location" test_duplicates
vmq_test "filters: no shrinking a queue with filters" test_shrink_with_filters
vmq_test "filters: full table" test_full_table
ktap_finish
