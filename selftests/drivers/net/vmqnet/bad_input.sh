#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bad input, seeded and bounded: bad_input.py throws malformed and hostile
# input at every interface of vmqnet (the bus files, ethtool -L/-G/-N/-K,
# devlink params, resources, reload and health, the debugfs knobs, the
# exported shared memory API through the test module), with valid
# operations in between, while a flood runs into a linked port; after
# every batch of 50 the devices' invariants must hold. Then the kernel log
# must be clean and, where kmemleak is, nothing leaked.
#
#   bad_input.sh [COUNT [SEED]]
#
# COUNT defaults to 1000 inputs, 300 on a kernel with kmemleak (the debug
# kernel, ten times slower); SEED to the day of the year, so that make
# check's inputs rotate. The seed is printed; a failing one replays with
# the same inputs.
#
# The test functions run through vmq_test, which shellcheck cannot follow.
# shellcheck disable=SC2317

# shellcheck source=lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

GEN=$(dirname "$(readlink -f "$0")")/bad_input.py
KMEMLEAK=/sys/kernel/debug/kmemleak
ID=56
ID_PEER=57
if [ -e "$KMEMLEAK" ]; then COUNT=${1:-300}; else COUNT=${1:-1000}; fi
SEED=${2:-$((10#$(date +%j)))}
tried=0 refused=0 splats=0

vmq_require_tools python3 devlink ip
vmq_require_module

# Two devices, ID's port 0 linked to ID_PEER's port, every port up, the
# test module loaded, and a flood of raw frames from the peer's port to
# port 0's MAC and broadcast.
setup_linked_flood()
{
	local p0 peer p

	# A network namespace of no vmqnet port, for link_device's fds.
	vmq_netns_add vmqbad || return 1
	vmq_dev_create "$ID" 2 4 && vmq_dev_create "$ID_PEER" 1 4 || return 1
	p0=$(vmq_port "$ID" 0)
	peer=$(vmq_port "$ID_PEER" 0)
	vmq_link - "$(vmq_ifindex "$p0")" - "$(vmq_ifindex "$peer")" || return 1
	for p in $(vmq_dev_netdevs "$ID") "$peer"; do
		ip link set "$p" up || return 1
	done
	vmq_user_load || return 1
	vmq_flood_start python3 -S "$VMQ_SEND" eth "$peer" 3600 \
		"$(< "/sys/class/net/$p0/address")" ff:ff:ff:ff:ff:ff
	[ ! -e "$KMEMLEAK" ] || echo clear > "$KMEMLEAK"
	vmq_dmesg_mark
}

test_inputs()
{
	local out rc line

	ktap_diag "bad inputs: $COUNT, seed $SEED (replay: bad_input.sh $COUNT $SEED)"
	out=$(python3 -S "$GEN" "$ID" "$ID_PEER" "$COUNT" "$SEED" 2>&1)
	rc=$?
	while read -r line; do
		case $line in
		BAD\ *) read -r _ tried refused <<< "$line" ;;
		*) ktap_diag "${line#\# }" ;;
		esac
	done <<< "$out"
	[ "$rc" = 0 ] && vmq_assert_eq "inputs tried" "$COUNT" "$tried"
}

# The flood stops, the devices go; the kernel log has no splat, and
# kmemleak (where there is one) finds nothing of the run.
test_clean()
{
	local rc=0 n

	vmq_flood_kill
	rmmod vmqnet_shmem_user || rc=1
	vmq_dev_delete "$ID_PEER" && vmq_dev_delete "$ID" || rc=1
	splats=$(vmq_dmesg_new | grep -cE "$VMQ_SPLAT")
	vmq_assert_eq "splats in the kernel log" 0 "$splats" || rc=1
	if [ -e "$KMEMLEAK" ]; then
		# kmemleak passes over objects younger than 5 s: a leak of the
		# last inputs is the guest runner's, whose scan after the
		# unload waits for them.
		echo scan > "$KMEMLEAK"
		n=$(grep -c '^unreferenced object' "$KMEMLEAK")
		vmq_assert_eq "objects kmemleak suspects" 0 "$n" || rc=1
		echo "# bad inputs: $tried tried, $refused refused with errno, $splats splats, $n leaks"
	else
		echo "# bad inputs: $tried tried, $refused refused with errno, $splats splats, leaks not checked (no kmemleak)"
	fi
	return "$rc"
}

vmq_setup "two devices linked, a flood, the test module" setup_linked_flood
ktap_plan 2
vmq_test "bad input: seeded inputs, invariants after every batch" test_inputs
vmq_test "bad input: no splat, no leak" test_clean
ktap_finish
