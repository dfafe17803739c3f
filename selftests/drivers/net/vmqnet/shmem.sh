#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The shared memory allocator, driven from outside vmqnet.ko by the test
# module vmqnet_shmem_user (selftests/drivers/net/vmqnet/modules/), which
# only includes the public <vmqnet/shmem.h>: allocate and free a mix of
# blocks, compare the debugfs listing and totals and the devlink
# shared_memory occupancy with what was allocated, bad parameters and bad
# handles, the budget (exhausted, then raised by resource set + reload, and
# a reload that must refuse a size below what is in use), fault injection,
# a provider registered by another module, freeing a queue, unloading the
# module and removing the device with blocks still allocated, and the
# DMA-API debug error count.
#
# The test functions run through vmq_test, which shellcheck cannot follow.
# shellcheck disable=SC2317

# shellcheck source=lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

vmq_require_tools devlink
vmq_require_module

ID=5
DL=vmqnet/vmqnet$ID
SHM=$VMQ_DEBUGFS/vmqnet$ID/shmem
DMA_ERRORS=/sys/kernel/debug/dma-api/error_count

# ---- helpers ----------------------------------------------------------------

# vmqnet's own queues hold memory too: the default queue's, from the
# moment the port exists (queues.sh tests it). The test device stays down,
# so that is all: BASE units, and the blocks of client $VMQ_CLIENT, all on
# queue 0. Occupancy and totals below are the test module's share.
VMQ_CLIENT=vmqnet:port0
OWNER=vmqnet_shmem_user
BASE=0

# The devlink shared_memory occupancy without vmqnet's own: the test
# module's share.
user_occ() { echo $(( $(vmq_shmem_occ "$ID") - BASE )); }
# res_field FIELD: a field (size, unit...) of the resource shared_memory.
res_field() { vmq_dl_resource "$DL" shared_memory "$1"; }

# totals KEY FIELD: "device blocks" -> its number in the totals file,
# without vmqnet's own blocks (device, queue 0) and units (device).
totals()
{
	local -A val=()
	local -a w
	local key i v text

	vmq_slurp text "$SHM/totals" || return 1
	while read -r -a w; do
		key=${w[0]}
		case $key in queue|client) key+=" ${w[1]}" ;; esac
		for ((i = 0; i + 1 < ${#w[@]}; i++)); do
			val[$key,${w[i]}]=${w[i + 1]}
		done
		val[$key]=1
	done <<< "$text"
	[ -n "${val[$1]:-}" ] || return 0
	v=${val[$1,$2]:-0}
	case "$1,$2" in
	device,blocks|device,bytes|"queue 0,blocks"|"queue 0,bytes")
		v=$((v - ${val[client $VMQ_CLIENT,$2]:-0})) ;;
	device,units) v=$((v - BASE)) ;;
	esac
	echo "$v"
}

# keyval FILE KEY: the value of the "KEY VALUE" line of FILE.
keyval()
{
	local k v text

	vmq_slurp text "$1" || return 1
	while read -r k v _; do
		[ "$k" != "$2" ] || echo "$v"
	done <<< "$text"
}

# fields LINE N...: fields N... (from 1) of LINE.
fields()
{
	local -a w
	local i out=

	read -r -a w <<< "$1"
	shift
	for i; do out+=${out:+ }${w[i - 1]}; done
	echo "$out"
}

# blocks_where N VALUE [N VALUE]: the listing lines whose field N is VALUE.
blocks_where()
{
	local -a w
	local text

	vmq_slurp text "$SHM/blocks" || return 1
	while read -r -a w; do
		[ "${w[$1 - 1]}" = "$2" ] || continue
		[ $# -lt 4 ] || [ "${w[$3 - 1]}" = "$4" ] || continue
		echo "${w[*]}"
	done <<< "$text"
}

# The listing line of a handle.
block_line() { blocks_where 1 "$1"; }
# The number of listed blocks of the test module.
nblocks()
{
	local -a l

	mapfile -t l < <(blocks_where 9 "$OWNER")
	echo "${#l[@]}"
}

# Free every block of the test module, by handle: a live queue's memory
# can only go that way (vmq_shmem_free_queue() is for queues FREE_QUEUE
# stopped, contract.sh).
# The listing is read whole before the first free: bash's read takes a
# buffer and seeks back to the end of each line, and seq_file regenerates
# the listing at that offset, so a block freed meanwhile shifts the lines
# after it and one of them would be skipped.
free_all()
{
	local -a hs
	local h

	mapfile -t hs < <(blocks_where 9 "$OWNER")
	for h in "${hs[@]}"; do
		vmq_ucmd 0 free "${h%% *}" || return 1
	done
}

# ---- tests ------------------------------------------------------------------

# The device, and the occupancy of vmqnet's own queues: BASE.
setup_device()
{
	vmq_dev_create "$ID" 1 4 || return 1
	BASE=$(vmq_shmem_occ "$ID")
}

test_fresh_device()
{
	vmq_assert_exists "$SHM/blocks" || return 1
	vmq_assert_eq "resource unit" entry "$(res_field unit)" || return 1
	vmq_assert_eq "resource size" 8192 "$(res_field size)" || return 1
	vmq_assert_eq "vmqnet's own blocks on queue 0 only" \
		"$(totals "client $VMQ_CLIENT" blocks)" \
		"$(blocks_where 3 0 9 "$VMQ_CLIENT" | wc -l)" || return 1
	vmq_assert_eq "occupancy" 0 "$(user_occ)" || return 1
	vmq_assert_eq "listing" 0 "$(nblocks)" || return 1
	vmq_user_load || return 1
	vmq_ucmd ENODEV alloc 0 receive 4096 || return 1
	vmq_ucmd ENODEV open 4242 || return 1
	vmq_ucmd 0 open "$ID"
}

test_alloc_free_mix()
{
	local h1 h2 h3 h4 h5 line u bytes

	h1=$(vmq_ualloc 0 receive 4096 contig) || return 1
	vmq_assert_eq "contiguous nents" 1 "$(vmq_uresult nents)" || return 1
	h2=$(vmq_ualloc 1 xmit 100) || return 1
	h3=$(vmq_ualloc 2 receive_data 65536) || return 1
	h4=$(vmq_ualloc 3 other 1048576) || return 1
	h5=$(vmq_ualloc 0 xmit_header 5000 contig) || return 1
	u=$(( $(vmq_units 4096) + $(vmq_units 100) + $(vmq_units 65536) + $(vmq_units 1048576) + $(vmq_units 5000) ))
	bytes=$((4096 + 100 + 65536 + 1048576 + 5000))

	vmq_assert_eq "listed blocks" 5 "$(nblocks)" || return 1
	line=$(block_line "$h1")
	vmq_assert_eq "block $h1" "0 receive 4096 yes 1" \
		"$(fields "$line" 3 4 5 6 7)" || return 1
	vmq_assert_eq "owner of $h1" "vmqnet_shmem_user dma" \
		"$(fields "$line" 9 10)" || return 1
	vmq_assert_eq "block $h2" "1 xmit 100 no" \
		"$(fields "$(block_line "$h2")" 3 4 5 6)" || return 1
	vmq_assert_eq "block $h3" "2 receive_data 65536 no" \
		"$(fields "$(block_line "$h3")" 3 4 5 6)" || return 1
	vmq_assert_eq "block $h4" "3 other 1048576 no" \
		"$(fields "$(block_line "$h4")" 3 4 5 6)" || return 1
	vmq_assert_eq "block $h5" "0 xmit_header 5000 yes" \
		"$(fields "$(block_line "$h5")" 3 4 5 6)" || return 1

	vmq_assert_eq "device blocks" 5 "$(totals device blocks)" || return 1
	vmq_assert_eq "device bytes" "$bytes" "$(totals device bytes)" || return 1
	vmq_assert_eq "device units" "$u" "$(totals device units)" || return 1
	vmq_assert_eq "devlink occupancy" "$u" "$(user_occ)" || return 1
	vmq_assert_eq "queue 0 blocks" 2 "$(totals "queue 0" blocks)" || return 1
	vmq_assert_eq "queue 0 bytes" 9096 "$(totals "queue 0" bytes)" || return 1
	vmq_assert_eq "queue 3 bytes" 1048576 "$(totals "queue 3" bytes)" || return 1
	vmq_assert_eq "client blocks" 5 \
		"$(totals "client vmqnet_shmem_user" blocks)" || return 1

	vmq_ucmd 0 free "$h1" || return 1
	vmq_ucmd 0 free "$h4" || return 1
	u=$((u - $(vmq_units 4096) - $(vmq_units 1048576)))
	vmq_assert_eq "listed after free" 3 "$(nblocks)" || return 1
	vmq_assert_eq "freed $h1 unlisted" "" "$(block_line "$h1")" || return 1
	vmq_assert_eq "occupancy after free" "$u" "$(user_occ)" || return 1
	vmq_assert_eq "queue 0 after free" 1 "$(totals "queue 0" blocks)" || return 1
	vmq_assert_eq "queue 3 gone" "" "$(totals "queue 3" blocks)" || return 1

	free_all || return 1
	vmq_assert_eq "occupancy at the end" 0 "$(user_occ)" || return 1
	vmq_assert_eq "leaks" 0 "$(totals leaked blocks)"
}

test_bad_params()
{
	local h

	vmq_ucmd EINVAL alloc 0 receive 0 || return 1
	vmq_ucmd EINVAL alloc 0 receive $((256 * 1024 * 1024 + 1)) || return 1
	vmq_ucmd EINVAL alloc 0 10 4096 || return 1
	vmq_ucmd EINVAL alloc 0 receive 4096 flags=2 || return 1
	vmq_ucmd EINVAL alloc 4 receive 4096 || return 1
	vmq_ucmd EINVAL alloc 0 receive 4096 node=-2 || return 1
	vmq_ucmd EINVAL alloc 0 receive 4096 node=100000 || return 1
	vmq_assert_eq "occupancy" 0 "$(user_occ)" || return 1
	vmq_assert_eq "listing" 0 "$(nblocks)" || return 1

	# Unknown and double frees are reported, refused, and change nothing.
	h=$(vmq_ualloc 0 receive 4096) || return 1
	vmq_dmesg_mark
	vmq_ucmd 0 free "$h" || return 1
	vmq_ucmd ENOENT free "$h" || return 1
	vmq_ucmd ENOENT free 4000000000 || return 1
	vmq_assert_eq "stale-handle reports" 2 \
		"$(vmq_dmesg_new | grep -c 'freed unknown or already freed allocation handle')" || return 1
	vmq_assert_eq "occupancy" 0 "$(user_occ)"
}

test_budget()
{
	local h1 h2

	# Shrinking below what is in use: the reload refuses, with a reason,
	# before it tears anything down. "In use" is what other clients hold:
	# vmqnet's own queues give theirs back at a reload.
	h1=$(vmq_ualloc 1 receive $((80 * 4096))) || return 1
	devlink resource set "$DL" path /shared_memory size 64 || return 1
	vmq_assert_eq "size before reload" 8192 "$(totals device budget)" || return 1
	vmq_reload_refused "$ID" "*smaller than the shared memory in use*" || return 1
	vmq_assert_eq "budget after refused reload" 8192 "$(totals device budget)" || return 1
	vmq_assert_eq "block kept" 1 "$(nblocks)" || return 1
	vmq_assert_eq "vmqnet's memory back" "$(vmq_units $((80 * 4096)))" "$(user_occ)" || return 1

	vmq_ucmd 0 free "$h1" || return 1
	devlink resource set "$DL" path /shared_memory size $((BASE + 64)) || return 1
	devlink dev reload "$DL" || return 1
	vmq_assert_eq "budget after reload" $((BASE + 64)) "$(totals device budget)" || return 1
	vmq_assert_eq "devlink size" $((BASE + 64)) "$(res_field size)" || return 1

	# Exactly full, then one page over.
	h1=$(vmq_ualloc 0 receive $((32 * 4096))) || return 1
	h2=$(vmq_ualloc 2 xmit $((32 * 4096)) contig) || return 1
	vmq_assert_eq "full" 64 "$(user_occ)" || return 1
	vmq_ucmd ENOSPC alloc 0 receive 1 || return 1
	vmq_assert_eq "still full" 64 "$(user_occ)" || return 1
	vmq_assert_eq "no block added" 2 "$(nblocks)" || return 1

	# Raise it: the reload frees everything, queue 2's block as a leak.
	vmq_dmesg_mark
	devlink resource set "$DL" path /shared_memory size $((BASE + 128)) || return 1
	devlink dev reload "$DL" || return 1
	vmq_assert_eq "occupancy after reload" 0 "$(user_occ)" || return 1
	vmq_assert_eq "listing after reload" 0 "$(nblocks)" || return 1
	vmq_assert_eq "leaked" 1 "$(totals leaked blocks)" || return 1
	vmq_dmesg_new | grep -q 'vmqnet_shmem_user saw the device halt with 1 blocks' || {
		ktap_diag "no leak report at reload"
		return 1
	}
	vmq_ucmd ENOENT free "$h1" || return 1	# stale after the reload

	h1=$(vmq_ualloc 0 receive $((64 * 4096))) || return 1
	h2=$(vmq_ualloc 1 receive $((64 * 4096))) || return 1
	vmq_ucmd ENOSPC alloc 2 receive 4096 || return 1
	vmq_assert_eq "full again" 128 "$(user_occ)" || return 1
	free_all || return 1

	devlink resource set "$DL" path /shared_memory size 8192 || return 1
	devlink dev reload "$DL" || return 1
	vmq_assert_eq "budget restored" 8192 "$(totals device budget)"
}

test_fault_injection()
{
	local h

	echo 2 > "$SHM/fail_count"
	echo 1 > "$SHM/fail_queue"
	h=$(vmq_ualloc 0 receive 4096) || return 1
	vmq_ucmd ENOMEM alloc 1 receive 4096 || return 1
	vmq_ucmd ENOMEM alloc 1 xmit 4096 || return 1
	vmq_ualloc 1 receive 4096 > /dev/null || return 1
	vmq_assert_eq "injected" 2 "$(< "$SHM/fail_injected")" || return 1
	vmq_assert_eq "count left" 0 "$(< "$SHM/fail_count")" || return 1

	echo any > "$SHM/fail_queue"
	echo xmit_data > "$SHM/fail_usage"
	vmq_assert_eq "fail_usage" xmit_data "$(< "$SHM/fail_usage")" || return 1
	echo 1 > "$SHM/fail_count"
	vmq_ualloc 2 receive 4096 > /dev/null || return 1
	vmq_ucmd ENOMEM alloc 3 xmit_data 4096 || return 1
	vmq_ualloc 3 xmit_data 4096 > /dev/null || return 1
	echo any > "$SHM/fail_usage"
	vmq_write_expect EINVAL "$SHM/fail_usage" "bogus\n" || return 1
	vmq_write_expect EINVAL "$SHM/fail_usage" "10\n" || return 1

	vmq_assert_eq "blocks" 4 "$(nblocks)" || return 1
	vmq_assert_eq "occupancy" 4 "$(user_occ)" || return 1
	free_all
}

test_provider()
{
	local h shm prov

	vmq_ucmd 0 provider on || return 1
	vmq_ucmd EBUSY provider on || return 1
	vmq_assert_eq "provider" vmqnet_shmem_user "$(keyval "$SHM/totals" provider)" || return 1
	h=$(vmq_ualloc 1 receive 8192) || return 1
	shm=$(vmq_uresult shmem)
	case $shm in
	0x5e*) ;;
	*) ktap_diag "shared memory handle $shm is not the provider's"; return 1 ;;
	esac
	vmq_assert_eq "listed provider" "$shm vmqnet_shmem_user" \
		"$(fields "$(block_line "$h")" 2 10)" || return 1
	prov=$(keyval "$VMQ_USER/stats" provider_allocs)
	vmq_assert_ge "provider allocs" 1 "$prov" || return 1
	vmq_ucmd 0 free "$h" || return 1
	vmq_assert_eq "provider frees" "$prov" \
		"$(keyval "$VMQ_USER/stats" provider_frees)" || return 1
	vmq_ucmd 0 provider off || return 1
	vmq_assert_eq "provider back" dma "$(keyval "$SHM/totals" provider)" || return 1
	vmq_assert_eq "occupancy" 0 "$(user_occ)"
}

# A live queue's memory is not the client's to free as a whole: only
# FREE_QUEUE opens that door (contract.sh), and never for a default queue.
test_free_queue()
{
	vmq_ualloc 2 receive 4096 > /dev/null || return 1
	vmq_ualloc 2 receive_lookahead 128 > /dev/null || return 1
	vmq_ualloc 2 receive_post_lookahead 9000 contig > /dev/null || return 1
	vmq_ualloc 3 receive 4096 > /dev/null || return 1
	vmq_ucmd EBUSY free_queue 2 || return 1
	vmq_ucmd EINVAL free_queue 0 || return 1
	vmq_ucmd EINVAL free_queue 16 || return 1
	vmq_ucmd EINVAL free_queue 4 || return 1
	vmq_assert_eq "kept" 4 "$(nblocks)" || return 1
	vmq_assert_eq "vmqnet's own kept" \
		"$(blocks_where 9 "$VMQ_CLIENT" | wc -l)" \
		"$(totals "client $VMQ_CLIENT" blocks)" || return 1
	free_all || return 1
	vmq_assert_eq "occupancy" 0 "$(user_occ)"
}

test_unload_with_blocks()
{
	local leaked

	leaked=$(totals leaked blocks)
	# One block from the DMA provider, three from the module's own: its
	# own blocks do not pin its module, its close frees them through it.
	vmq_ualloc 2 receive 4096 contig > /dev/null || return 1
	vmq_ucmd 0 provider on || return 1
	vmq_ualloc 0 receive 4096 > /dev/null || return 1
	vmq_ualloc 1 receive 65536 contig > /dev/null || return 1
	vmq_ualloc 3 xmit 300000 > /dev/null || return 1
	vmq_assert_eq "listing" 4 "$(nblocks)" || return 1
	vmq_dmesg_mark
	rmmod vmqnet_shmem_user || return 1
	vmq_assert_eq "occupancy after rmmod" 0 "$(user_occ)" || return 1
	vmq_assert_eq "listing after rmmod" 0 "$(nblocks)" || return 1
	vmq_assert_eq "provider after rmmod" dma \
		"$(keyval "$SHM/totals" provider)" || return 1
	vmq_assert_eq "leaked" $((leaked + 4)) "$(totals leaked blocks)" || return 1
	vmq_assert_eq "leak reports" 1 "$(vmq_dmesg_new | grep -c \
		-e 'vmqnet_shmem_user closed its handle with 4 blocks')" || {
		vmq_dmesg_new | sed 's/^/# /'
		return 1
	}
}

test_device_removal()
{
	vmq_user_load || return 1
	vmq_ucmd 0 open "$ID" || return 1
	vmq_ualloc 0 receive 4096 > /dev/null || return 1
	vmq_ualloc 2 receive 4096 > /dev/null || return 1
	vmq_dmesg_mark
	vmq_dev_delete "$ID" || return 1
	vmq_dmesg_new | grep -q 'vmqnet_shmem_user saw the device halt with 1 blocks' || {
		ktap_diag "no leak report at removal"
		return 1
	}
	# The handle outlives the device; it just has nothing to give.
	vmq_ucmd ENODEV alloc 0 receive 4096 || return 1
	vmq_ucmd ENODEV free 1 || return 1
	vmq_ucmd 0 close || return 1
	rmmod vmqnet_shmem_user
}

test_dma_debug()
{
	if [ ! -r "$DMA_ERRORS" ]; then
		VMQ_SKIP_REASON="no DMA-API debug in this kernel"
		return "$KSFT_SKIP"
	fi
	vmq_assert_eq "DMA-API debug errors" 0 "$(< "$DMA_ERRORS")"
}

[ -f "$VMQ_USER_KO" ] || ktap_skip_all "no $VMQ_USER_KO"

vmq_setup "a device of one port" setup_device
ktap_plan 10
vmq_test "shmem: debugfs, devlink resource, test module" test_fresh_device
vmq_test "shmem: allocate and free a mix, listing and occupancy" test_alloc_free_mix
vmq_test "shmem: bad parameters and bad handles" test_bad_params
vmq_test "shmem: budget, resource set and reload" test_budget
vmq_test "shmem: fault injection" test_fault_injection
vmq_test "shmem: provider of another module" test_provider
vmq_test "shmem: a live queue's memory is not freed as a whole" test_free_queue
vmq_test "shmem: unload the user with blocks allocated" test_unload_with_blocks
vmq_test "shmem: remove the device under an open handle" test_device_removal
vmq_test "shmem: DMA-API debug error count" test_dma_debug
ktap_finish
