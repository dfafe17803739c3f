#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The devlink side of the VM queues: the driverinit params (defaults,
# out-of-range values refused with ERANGE, runtime cmode refused, values
# applied by reload to the rebuilt default queues), the vm_queues resource
# (occupancy, a reload refused below what the ports need, ethtool -L refused
# beyond the size), the health reporter "vmq" (capabilities and per-queue
# contents of diagnose and dump), reload freeing every VM queue so that
# shared_memory holds only the default queues' memory afterwards, a reload
# refused when the new shared_memory size cannot hold the default queues
# with the new params (the ports would not come back), and a
# shared_memory budget above the machine's memory: a ring resize that
# cannot have its memory fails with ENOMEM and never calls the OOM killer.
#
# The test functions run through vmq_test, which shellcheck cannot follow.
# shellcheck disable=SC2317

# shellcheck source=lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

vmq_require_tools devlink jq ethtool ip
vmq_require_module

ID=9
DL=vmqnet/vmqnet$ID

# ---- helpers ----------------------------------------------------------------

# params NAME...: their driverinit values, in that order, from one dump of
# every device's (devlink wants a name with a device; a devlink and a jq
# cost a second together on the debug kernel).
params()
{
	devlink -j dev param show |
		jq -r --arg d "$DL" '[$ARGS.positional[] as $n | .param[$d][] |
			select(.name == $n) | .values[] | select(.cmode == "driverinit") |
			.value | tostring] | join(" ")' --args "$@"
}

pset() { devlink dev param set "$DL" name "$1" value "$2" cmode driverinit; }

# diag_queue PORT RING FIELD...: fields of a queue in the health
# diagnose, in that order, from one diagnose.
diag_queue()
{
	vmq_health_diagnose "$ID" | jq -r --argjson p "$1" --argjson r "$2" \
		'.ports[] | select(.port == $p) | .queues[] | select(.id == $r) as $q |
		 [$ARGS.positional[] | $q[.] | tostring] | join(" ")' --args "${@:3}"
}

# The shared_memory units the queues hold, from their blocks in the dump
# (each block rounded up to pages, in 4 KiB units, as the allocator counts).
dump_units()
{
	vmq_health_dump "$ID" | jq --argjson pg "$VMQ_PAGE" \
		'[.ports[].queues[].blocks[].bytes |
		  ((. + $pg - 1) / $pg | floor) * $pg / 4096] | add // 0'
}

# ---- tests ------------------------------------------------------------------

setup_device() { vmq_dev_create "$ID" 2 4; }

test_param_defaults()
{
	vmq_assert_eq "lookahead_split lookahead_size rx_buffer_size rx_contiguous" \
		"false 128 2048 false" "$(params lookahead_split lookahead_size \
		rx_buffer_size rx_contiguous)" || return 1
	vmq_assert_eq "default queue buffer size, lookahead" "2048 0" \
		"$(diag_queue 0 0 buffer_size lookahead)"
}

test_param_bad()
{
	vmq_cmd_expect ERANGE pset lookahead_size 63 || return 1
	vmq_cmd_expect ERANGE pset lookahead_size 513 || return 1
	vmq_cmd_expect ERANGE pset rx_buffer_size 1535 || return 1
	vmq_cmd_expect ERANGE pset rx_buffer_size 16385 || return 1
	# driverinit only: devlink refuses the runtime cmode.
	if devlink dev param set "$DL" name lookahead_size value 256 \
		cmode runtime 2> /dev/null; then
		ktap_diag "runtime cmode accepted"
		return 1
	fi
	vmq_assert_eq "lookahead_size, rx_buffer_size kept" "128 2048" \
		"$(params lookahead_size rx_buffer_size)"
}

# The kernel calls a param's validate callback before it looks at the
# cmode, so a set with a cmode the param does not have (the devlink tool
# refuses those itself, hence vmqsys.py) was validated all the same. On
# 6.4+ devlink keeps driverinit values pending until the reload, and the
# reload's check can only see what validate kept: a reload after such a
# set checked a value devlink never loaded. It keeps the values the device
# runs with, says so (EAGAIN), brings the ports back, and the next reload
# goes through. 6.1 hands the check devlink's own values: the reload just
# goes through.
test_param_refused_set()
{
	vmq_cmd_expect EOPNOTSUPP python3 -S "$VMQ_DIR/vmqsys.py" param-set \
		"vmqnet$ID" rx_buffer_size 8192 runtime || return 1
	if vmq_kernel_ge 6 4; then
		vmq_reload_refused "$ID" \
			"*differ from those the reload checked*temporarily unavailable*" ||
			return 1
	else
		vmq_cmd_expect 0 devlink dev reload "$DL" || return 1
	fi
	vmq_assert_eq "ports back" 2 "$(vmq_dev_netdevs "$ID" | wc -l)" ||
		return 1
	vmq_assert_eq "rx_buffer_size, its default queue's buffers" "2048 2048" \
		"$(params rx_buffer_size) $(diag_queue 0 0 buffer_size)" ||
		return 1
	vmq_cmd_expect 0 devlink dev reload "$DL"
}

test_param_reload()
{
	pset lookahead_split true || return 1
	pset lookahead_size 256 || return 1
	pset rx_buffer_size 4096 || return 1
	pset rx_contiguous true || return 1
	# driverinit: nothing changes before the reload.
	vmq_assert_eq "before reload" 2048 "$(diag_queue 0 0 buffer_size)" || return 1
	devlink dev reload "$DL" || return 1
	vmq_assert_eq lookahead_size 256 "$(params lookahead_size)" || return 1
	vmq_assert_eq "buffer size, lookahead, contiguous" "4096 256 true" \
		"$(diag_queue 0 0 buffer_size lookahead contiguous)" || return 1
	vmq_assert_eq "blocks: ring, lookahead, post-lookahead" 3 \
		"$(diag_queue 1 0 shmem_blocks)" || return 1
	vmq_assert_eq "occupancy = the queues' blocks" "$(dump_units)" \
		"$(vmq_dl_resource "$DL" shared_memory occ)" || return 1
	# Back to the defaults for the tests below.
	pset lookahead_split false && pset lookahead_size 128 &&
		pset rx_buffer_size 2048 && pset rx_contiguous false &&
		devlink dev reload "$DL" || return 1
	vmq_assert_eq "lookahead off again" 0 "$(diag_queue 0 0 lookahead)"
}

test_vm_queues_resource()
{
	local nd

	nd=$(vmq_port "$ID" 0)
	vmq_assert_eq "vm_queues size" 120 "$(vmq_dl_resource "$DL" vm_queues size)" || return 1
	vmq_assert_eq "vm_queues occ: 2 ports x 3" 6 "$(vmq_dl_resource "$DL" vm_queues occ)" ||
		return 1
	devlink resource set "$DL" path /vm_queues size 5 || return 1
	vmq_cmd_expect ENOSPC devlink dev reload "$DL" || return 1
	vmq_assert_eq "refused reload kept the queues" 6 \
		"$(vmq_dl_resource "$DL" vm_queues occ)" || return 1
	devlink resource set "$DL" path /vm_queues size 6 || return 1
	devlink dev reload "$DL" || return 1
	vmq_assert_eq "vm_queues size after reload" 6 "$(vmq_dl_resource "$DL" vm_queues size)" ||
		return 1
	vmq_cmd_expect ENOSPC ethtool -L "$nd" combined 5 || return 1
	vmq_assert_eq "channels unchanged" 4 \
		"$(ethtool -l "$nd" | awk '/Combined/ {v = $2} END {print v}')" ||
		return 1
	vmq_cmd_expect 0 ethtool -L "$nd" combined 2 || return 1
	vmq_assert_eq "occ after shrink" 4 "$(vmq_dl_resource "$DL" vm_queues occ)" || return 1
	vmq_cmd_expect 0 ethtool -L "$nd" combined 4 || return 1
	vmq_assert_eq "occ after grow" 6 "$(vmq_dl_resource "$DL" vm_queues occ)" || return 1
	devlink resource set "$DL" path /vm_queues size 120 &&
		devlink dev reload "$DL"
}

test_health_diagnose()
{
	local nd mac caps

	nd=$(vmq_port "$ID" 0)
	caps=$(vmq_health_diagnose "$ID" | jq -r '.capabilities as $c |
		"\($c.max_mac_filters) \($c.lookahead_min) \($c.lookahead_max)" +
		" \($c.queues_per_port) \(.ports[0].queues | length)"')
	vmq_assert_eq "max_mac_filters, lookahead_min and _max, queues per port, queues listed" \
		"32 64 512 16 4" "$caps" || return 1
	# Port down: VM queues wait Allocated, without memory.
	vmq_assert_eq "q1 down: state, memory" "allocated 0" \
		"$(diag_queue 0 1 state shmem_bytes)" || return 1
	vmq_assert_eq "q0 owner" default "$(diag_queue 0 0 owner)" || return 1
	ip link set "$nd" up || return 1
	vmq_assert_eq "q1 up: state, owner, blocks" "paused ethtool 2" \
		"$(diag_queue 0 1 state owner shmem_blocks)" || return 1
	mac=02:00:00:00:09:01
	ethtool -N "$nd" flow-type ether dst "$mac" action 1 loc 3 || return 1
	vmq_assert_eq "q1 filtered: state, filters" "running 1" \
		"$(diag_queue 0 1 state filters)" || return 1
	vmq_assert_eq "dump: the filter" "3 $mac" \
		"$(vmq_health_dump "$ID" | jq -r '.ports[0].queues[] | select(.id == 1) |
			.filter_list[] | "\(.loc) \(.mac)"')" || return 1
	vmq_assert_eq "dump: the blocks" "ring 9 buffers 4" \
		"$(vmq_health_dump "$ID" | jq -r '[.ports[0].queues[] | select(.id == 1) |
			.blocks[] | "\(.block) \(.usage)"] | join(" ")')" ||
		return 1
	vmq_assert_eq "occupancy = the queues' blocks" "$(dump_units)" \
		"$(vmq_dl_resource "$DL" shared_memory occ)" || return 1
	# Bad input: no such reporter.
	vmq_cmd_expect EINVAL devlink health diagnose "$DL" reporter nosuch
}

test_reload_frees_queues()
{
	local base nd

	nd=$(vmq_port "$ID" 0)
	devlink dev reload "$DL" || return 1
	vmq_assert_eq "q1: filters gone, allocated again" "0 allocated" \
		"$(diag_queue 0 1 filters state)" || return 1
	base=$(vmq_health_dump "$ID" | jq '[.ports[].queues[] | select(.id != 0) |
		.shmem_bytes] | add')
	vmq_assert_eq "VM queues hold nothing" 0 "$base" || return 1
	vmq_assert_eq "only the default queues' memory" "$(dump_units)" \
		"$(vmq_dl_resource "$DL" shared_memory occ)" || return 1
	vmq_assert_eq "2 default queues" 2 \
		"$(vmq_health_dump "$ID" | jq '[.ports[].queues[] | select(.shmem_bytes > 0)] |
			length')" || return 1
	ip link show "$nd" > /dev/null
}

# A size below what the ports' default queues take with the new params is
# refused before anything goes, with its reason; exactly what they take is
# enough. Before, such a reload went through and left a device without
# ports ("Failed to re-create the ports").
reload_refused_below_defaults()
{
	vmq_reload_refused "$ID" "*default queues need*No space left on device*"
}

test_shmem_below_defaults()
{
	local need nd

	devlink dev reload "$DL" || return 1
	# Down, the ports' VM queues hold nothing yet (an open completes
	# them): what is held is what the default queues take.
	need=$(vmq_dl_resource "$DL" shared_memory occ)
	vmq_assert_eq "only the default queues" "$(dump_units)" "$need" ||
		return 1
	nd=$(vmq_port "$ID" 0)
	ip link set "$nd" up || return 1
	devlink resource set "$DL" path /shared_memory size $((need - 1)) ||
		return 1
	reload_refused_below_defaults || return 1
	vmq_assert_eq "ports kept" 2 "$(vmq_dev_netdevs "$ID" | wc -l)" ||
		return 1
	vmq_assert_eq "$nd kept up" 1 \
		$(($(< "/sys/class/net/$nd/flags") & 1)) || return 1
	# The check uses the params the reload applies: 8x the buffers, and
	# more than 3x the memory even of queues that lend (whose spares
	# double theirs; one of 16 KiB buffers cannot lend, has no spares).
	pset rx_buffer_size 16384 || return 1
	devlink resource set "$DL" path /shared_memory size $((need * 3)) ||
		return 1
	reload_refused_below_defaults || return 1
	vmq_assert_eq "buffer size kept" 2048 "$(diag_queue 0 0 buffer_size)" ||
		return 1
	pset rx_buffer_size 2048 || return 1
	devlink resource set "$DL" path /shared_memory size "$need" || return 1
	vmq_cmd_expect 0 devlink dev reload "$DL" || return 1
	vmq_assert_eq "ports back" 2 "$(vmq_dev_netdevs "$ID" | wc -l)" ||
		return 1
	vmq_assert_eq "occupancy" "$need" "$(vmq_dl_resource "$DL" shared_memory occ)" || return 1
	devlink resource set "$DL" path /shared_memory size 8192 &&
		devlink dev reload "$DL"
}

# The reproducer of an RTNL hang: budget 4 GiB, 16 KiB buffers, 4096 of
# them on 16 queues, 1 GiB a port, on a guest of 1 or 2 GiB. Each -G
# either gets its memory or fails with ENOMEM and keeps its rings; at
# least one cannot get it; the OOM killer never runs.
test_budget_above_memory()
{
	local id=10 dl=vmqnet/vmqnet10 nd out fails=0

	vmq_functional || return
	vmq_dev_create "$id" 2 16 || return 1
	vmq_dmesg_mark
	devlink resource set "$dl" path /shared_memory size 1048576 &&
	devlink dev param set "$dl" name rx_buffer_size value 16384 \
		cmode driverinit && devlink dev reload "$dl" || return 1
	for nd in $(vmq_dev_netdevs "$id"); do
		ip link set "$nd" up || return 1
		out=$(ethtool -G "$nd" rx 4096 2>&1) && continue
		case $out in
		*"Cannot allocate memory"*) fails=$((fails + 1)) ;;
		*) ktap_diag "-G on $nd: $out"; return 1 ;;
		esac
		vmq_assert_eq "$nd keeps its rings" 256 \
			"$(vmq_ethtool_current "RX:" ethtool -g "$nd")" || return 1
	done
	if vmq_dmesg_new | grep -q 'invoked oom-killer'; then
		ktap_diag "the OOM killer ran for a ring resize"
		return 1
	fi
	vmq_assert_ge "resizes refused for lack of memory" 1 "$fails" || return 1
	vmq_dev_delete "$id"
}

vmq_setup "a device of two ports, four queues" setup_device
ktap_plan 9
vmq_test param_defaults test_param_defaults
vmq_test param_bad_values test_param_bad
vmq_test param_refused_set test_param_refused_set
vmq_test param_reload test_param_reload
vmq_test vm_queues_resource test_vm_queues_resource
vmq_test health_diagnose test_health_diagnose
vmq_test reload_frees_queues test_reload_frees_queues
vmq_test shmem_below_defaults test_shmem_below_defaults
vmq_test budget_above_memory test_budget_above_memory
ktap_finish
