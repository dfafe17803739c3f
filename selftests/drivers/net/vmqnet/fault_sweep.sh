#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fault sweep: fail the allocations of each user operation one at a time
# (failslab through /proc/self/fail-nth, in fault_sweep.py) and check that
# each failure gives an errno and leaves the devices exactly as before:
# device creation, link_device, a port going up, ethtool -L growing, -G,
# -N, a macvlan taking a VM queue, and devlink reload. A sweep that
# injected nothing fails.
#
#   fault_sweep.sh [all]
#
# make check runs a seeded slice of each operation's allocations
# (FAULT_SLICE, default 6, FAULT_SEED, default the day of the year, so
# that the slice rotates); "all" (make stress) fails every one. The seed
# is printed; a failing one replays with FAULT_SEED. Needs CONFIG_FAILSLAB
# and fault injection debugfs (the debug kernel); skips elsewhere.
#
# The test functions run through vmq_test, which shellcheck cannot follow.
# shellcheck disable=SC2317

# shellcheck source=lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

FAILSLAB=/sys/kernel/debug/failslab
SWEEP=$(dirname "$(readlink -f "$0")")/fault_sweep.py
ID=51
ID_PEER=52
ID_NEW=53
MAC=02:00:00:00:51:01
SEED=${FAULT_SEED:-$((10#$(date +%j)))}
if [ "${1:-}" = all ]; then
	RANGE=(--all)
else
	RANGE=(--slice "${FAULT_SLICE:-6}" --seed "$SEED")
fi
failed=0 clean=0

vmq_require_tools python3 ethtool devlink ip
vmq_require_module
[ -w /proc/self/fail-nth ] || ktap_skip_all "no /proc/self/fail-nth (CONFIG_FAULT_INJECTION)"
[ -d "$FAILSLAB" ] || ktap_skip_all "no $FAILSLAB (CONFIG_FAILSLAB, CONFIG_FAULT_INJECTION_DEBUG_FS)"

failslab_saved=()
failslab_set()
{
	local v

	read -r v < "$FAILSLAB/$1"
	failslab_saved+=("$1=$v")
	echo "$2" > "$FAILSLAB/$1"
}

sweep_cleanup()
{
	local kv

	for kv in "${failslab_saved[@]}"; do
		echo "${kv#*=}" > "$FAILSLAB/${kv%%=*}"
	done
	vmq_cleanup
}
trap sweep_cleanup EXIT

# sweep OP ARGS...: one operation's sweep, its figures added up.
sweep()
{
	local out rc f c

	out=$(python3 -S "$SWEEP" "$@" "${RANGE[@]}")
	rc=$?
	grep -v '^FAULTS ' <<< "$out"
	read -r _ f c < <(grep '^FAULTS ' <<< "$out")
	failed=$((failed + ${f:-0})) clean=$((clean + ${c:-0}))
	return "$rc"
}

# failslab as the sweeps need it, the two devices.
setup_failslab_devices()
{
	# GFP_KERNEL allocations are exempt unless told otherwise; and one
	# stack dump per injected failure would flood the console.
	failslab_set ignore-gfp-wait N
	failslab_set verbose 0
	ktap_diag "seed $SEED (FAULT_SEED replays it) ${RANGE[*]}"
	vmq_dmesg_mark
	vmq_dev_create "$ID" 2 4 && vmq_dev_create "$ID_PEER" 1 2
}

# First, while the ports are down and hold nothing but their default
# queues: what a reload rebuilds is then what was there.
test_reload_sweep() { sweep reload "vmqnet$ID"; }
test_new_device() { sweep new_device "$ID_NEW" 2 4; }
test_link() { sweep link "$(vmq_port "$ID" 1)" "$(vmq_dev_netdevs "$ID_PEER")"; }
# An open completes the VM queues' allocation, and they keep their memory
# when the port goes down: one cycle first, so that down undoes up.
test_up()
{
	ip link set "$(vmq_port "$ID" 0)" up && ip link set "$(vmq_port "$ID" 0)" down || return 1
	sweep up "$(vmq_port "$ID" 0)"
}

test_channels()
{
	ip link set "$(vmq_port "$ID" 0)" up &&
		ethtool -L "$(vmq_port "$ID" 0)" combined 2 || return 1
	sweep channels "$(vmq_port "$ID" 0)" 4
}

test_rings() { sweep rings "$(vmq_port "$ID" 0)" 512; }
test_rule() { sweep rule "$(vmq_port "$ID" 0)" "$MAC" 1 5; }

# A macvlan going up on a port with l2-fwd-offload takes a VM queue
# (ndo_dfwd_add_station); a failure there must leave the queue free.
test_macvlan()
{
	local rc

	ethtool -K "$(vmq_port "$ID" 1)" l2-fwd-offload on &&
		ip link set "$(vmq_port "$ID" 1)" up &&
		ip link add vmqfs0 link "$(vmq_port "$ID" 1)" type macvlan || return 1
	sweep up vmqfs0
	rc=$?
	# What was swept did take a queue.
	ip link set vmqfs0 up || rc=1
	if ! grep -q vmqfs0 "$VMQ_DEBUGFS/vmqnet$ID/ports/1/queues"; then
		ktap_diag "vmqfs0 up holds no VM queue"
		rc=1
	fi
	ip link del vmqfs0
	return "$rc"
}

test_totals()
{
	ktap_diag "fault sweep: $failed sites failed, $clean recovered cleanly"
	vmq_assert_ge "sites failed" 1 "$failed" || return 1
	vmq_assert_eq "recovered cleanly" "$failed" "$clean" || return 1
	# kmemleak's own objects are slab allocations of the same task: had
	# one been failed with its memory pool empty, kmemleak would be off
	# and the leak check void. Every way it turns off says so; a failed
	# scan area ("Cannot allocate a scan area", vmalloc's) only makes
	# it scan the whole object.
	if vmq_dmesg_new | grep -q "kmemleak: Kernel memory leak detector disabled"; then
		ktap_diag "an injected failure turned kmemleak off"
		return 1
	fi
	vmq_dev_delete "$ID_PEER" && vmq_dev_delete "$ID"
}

vmq_setup "failslab, two devices" setup_failslab_devices
ktap_plan 9
vmq_test "fault sweep: devlink reload" test_reload_sweep
vmq_test "fault sweep: new_device" test_new_device
vmq_test "fault sweep: link_device" test_link
vmq_test "fault sweep: port up" test_up
vmq_test "fault sweep: ethtool -L grow" test_channels
vmq_test "fault sweep: ethtool -G" test_rings
vmq_test "fault sweep: ethtool -N" test_rule
vmq_test "fault sweep: macvlan offload" test_macvlan
vmq_test "fault sweep: totals, teardown" test_totals
ktap_finish
