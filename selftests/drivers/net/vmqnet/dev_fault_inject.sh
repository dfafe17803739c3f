#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every error path of device creation: fail the 1st, 2nd, 3rd... slab
# allocation of a new_device write (/proc/self/fail-nth with failslab)
# until one write needs no injected failure. Each attempt must either fail
# and leave nothing behind, or succeed with a whole device; the guest
# runner's splat and kmemleak checks catch the rest. Needs a kernel with
# CONFIG_FAILSLAB and CONFIG_FAULT_INJECTION_DEBUG_FS (the debug kernel);
# skips elsewhere.
#
# The test functions run through vmq_test, which shellcheck cannot follow.
# shellcheck disable=SC2317

# shellcheck source=lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

FAILSLAB=/sys/kernel/debug/failslab
# Two ports, so that a failure on the second unwinds the first.
ID=9
PORTS=2
QUEUES=1
MAX_POINTS=5000

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

failslab_restore()
{
	local kv

	for kv in "${failslab_saved[@]}"; do
		echo "${kv#*=}" > "$FAILSLAB/${kv%%=*}"
	done
	vmq_cleanup
}
trap failslab_restore EXIT

# snapshot VAR: what a device would leave behind.
snapshot()
{
	local paths=("$VMQ_BUS"/devices/* /sys/class/net/* "$VMQ_DEBUGFS"/*)

	printf -v "$1" '%s\n' "${paths[@]}"
}

# inject N: write new_device failing its Nth slab allocation, in one
# subshell so that fail-nth applies to the write's own task. Prints the
# write's status and whether the failure was injected (1) or not (0).
inject()
{
	(
		echo "$1" > /proc/self/fail-nth
		printf '%s %s %s\n' "$ID" "$PORTS" "$QUEUES" \
			> "$VMQ_BUS/new_device"
		rc=$?
		read -r left < /proc/self/fail-nth
		echo 0 > /proc/self/fail-nth
		[ "$left" = 0 ] && echo "$rc 1" || echo "$rc 0"
	) 2>/dev/null
}

test_new_device_every_failure()
{
	local n rc injected before after failed=0 absorbed=0

	# GFP_KERNEL allocations are exempt unless told otherwise; and one
	# stack dump per injected failure would flood the console.
	failslab_set ignore-gfp-wait N
	failslab_set verbose 0

	snapshot before
	for ((n = 1; n <= MAX_POINTS; n++)); do
		read -r rc injected <<< "$(inject "$n")"
		if [ "$rc" = 0 ]; then
			vmq_track "$ID"
			vmq_assert_eq "ports after a successful write (fail-nth $n)" \
				"$PORTS" "$(vmq_dev_nports "$ID")" || return 1
			vmq_dev_delete "$ID" || return 1
			[ "$injected" = 1 ] || break
			absorbed=$((absorbed + 1))
		else
			[ "$injected" = 1 ] ||
				{ ktap_diag "write failed without injection"; return 1; }
			failed=$((failed + 1))
		fi
		snapshot after
		if [ "$before" != "$after" ]; then
			ktap_diag "left behind after fail-nth $n:"
			diff <(echo "$before") <(echo "$after") | sed 's/^/# /'
			return 1
		fi
	done
	ktap_diag "$((n - 1)) allocation points: $failed failed the write, $absorbed absorbed"
	[ "$n" -le "$MAX_POINTS" ] ||
		{ ktap_diag "still injecting after $MAX_POINTS points"; return 1; }
}

ktap_plan 1
vmq_test "new_device survives a failed allocation at every point" \
	test_new_device_every_failure
ktap_finish
