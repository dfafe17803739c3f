#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# VM queues driven by ethtool -L and -G: the NDIS states as debugfs shows
# them (ports/<n>/queues), allocation complete deferred to open on a port
# that is down, growing and shrinking up and down, a grow rolled back when
# the shared_memory budget runs out or an allocation failure is injected,
# receive buffer re-allocation, stop and reload. After every step the
# shared memory the allocator accounts (devlink occupancy, shmem debugfs)
# must equal what the queues hold, computed from their layout.
#
# The test functions run through vmq_test, which shellcheck cannot follow.
# shellcheck disable=SC2317

# shellcheck source=lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

vmq_require_tools devlink ethtool ip
vmq_require_module

ID=11
DL=vmqnet/vmqnet$ID
DBG=$VMQ_DEBUGFS/vmqnet$ID
Q=$DBG/ports/0/queues
SHM=$DBG/shmem
DESC=32			# sizeof(struct vmq_rx_desc)
NBUFS=256		# VMQ_RX_BUFS_DEFAULT
BUFSZ=2048		# VMQ_RX_BUF_SIZE_DEFAULT
SPARES=$NBUFS		# a lending queue's spares, min(NBUFS, VMQ_RX_SPARES_MAX)
MAC=02:00:00:00:11:01
DEV=

# ---- helpers ----------------------------------------------------------------

# Budget units of one queue with the default layout.
queue_units()
{
	local r b

	vmq_units $((NBUFS * DESC)) r
	vmq_units $(((NBUFS + SPARES) * BUFSZ)) b
	echo $((r + b))
}

netdev_refresh() { DEV=$(vmq_dev_netdevs "$ID" | head -n 1); }

declare -A QT
qload() { vmq_table QT "$Q"; }

# qfield RING COLUMN: one column of a queue's line in the queues file.
qfield() { qload; echo "${QT[$1,$2]}"; }

# qcolumn COLUMN: that column of every queue, space separated.
qcolumn()
{
	local r out=

	qload
	for r in ${QT[rows]}; do out+=${out:+ }${QT[$r,$1]}; done
	echo "$out"
}

# The units the queues should hold, from the layout each one shows.
expected_units()
{
	local r n b u t=0

	qload
	for r in ${QT[rows]}; do
		[ "${QT[$r,shmem_blocks]}" -gt 0 ] || continue
		n=${QT[$r,bufs]}
		b=$((n + QT[$r,spares]))
		vmq_units $((n * DESC)) u; t=$((t + u))
		vmq_units $((b * QT[$r,buf_stride])) u; t=$((t + u))
		[ "${QT[$r,lookahead]}" -eq 0 ] || { vmq_units $((b * QT[$r,lookahead])) u; t=$((t + u)); }
	done
	echo "$t"
}

# The allocator's accounts equal what the queues' layouts take: devlink
# occupancy and debugfs units equal the layouts, and every queue's bytes in
# the allocator equal its own (none for a queue without memory).
check_shmem_layouts()
{
	local want kind a b e f r dev_units='' leaked='' text
	local -A qbytes=()

	want=$(expected_units)
	vmq_assert_eq "devlink occupancy" "$want" "$(vmq_shmem_occ "$ID")" || return 1
	# "device blocks N bytes N units N budget N", "queue ID blocks N
	# bytes N", "leaked blocks N bytes N".
	vmq_slurp text "$SHM/totals" || return 1
	while read -r kind a b _ _ e f _; do
		case $kind in
		device) dev_units=$f ;;
		queue) qbytes[$a]=$e ;;
		leaked) leaked=$b ;;
		esac
	done <<< "$text"
	vmq_assert_eq "debugfs units" "$want" "$dev_units" || return 1
	qload
	for r in ${QT[rows]}; do
		vmq_assert_eq "queue $r bytes in the allocator" "${QT[$r,shmem_bytes]}" \
			"${qbytes[${QT[$r,shmem_id]}]:-0}" || return 1
	done
	vmq_assert_eq "leaked blocks" 0 "$leaked"
}

# running STATES RING ON-OFF: all queue states, and DMA and NAPI of RING.
running()
{
	vmq_assert_eq "states" "$1" "$(vmq_qstates "$ID" 0)" &&
	vmq_assert_eq "queue $2 dma napi" "$3 $3" \
		"$(qload; echo "${QT[$2,dma]} ${QT[$2,napi]}")"
}

# The current RX and combined channels (ethtool -l), and RX ring size (-g).
channels() { vmq_ethtool_current "RX: Combined:" ethtool -l "$DEV"; }
ring_rx() { vmq_ethtool_current "RX:" ethtool -g "$DEV"; }

# set_budget UNITS: resize shared_memory and reload (the port comes back
# down with the device's queue count).
set_budget()
{
	vmq_cmd_expect 0 devlink resource set "$DL" path /shared_memory size "$1" || return 1
	vmq_cmd_expect 0 devlink dev reload "$DL" || return 1
	netdev_refresh
}

# ---- tests ------------------------------------------------------------------

setup_device()
{
	vmq_dev_create "$ID" 1 4 && netdev_refresh
}

test_default_queue()
{
	vmq_assert_exists "$Q" || return 1
	vmq_assert_eq "states" "0:running 1:allocated 2:allocated 3:allocated" \
		"$(vmq_qstates "$ID" 0)" || return 1
	vmq_assert_eq "default queue buffers" "$NBUFS $BUFSZ" \
		"$(qfield 0 bufs) $(qfield 0 buf_size)" || return 1
	vmq_assert_eq "allocated queue memory" 0 "$(qfield 1 shmem_bytes)" || return 1
	vmq_assert_eq "default queue units" "$(queue_units)" "$(expected_units)" || return 1
	# The ring is contiguous "other", the buffers scattered "receive".
	vmq_assert_eq "default queue blocks" "other yes,receive no," \
		"$(awk '$3 == 0 { printf "%s %s,", $4, $6 }' "$SHM/blocks")" || return 1
	vmq_assert_eq "channels" "0 4" "$(channels)" || return 1
	check_shmem_layouts
}

test_down_grow_shrink()
{
	vmq_cmd_expect 0 ethtool -L "$DEV" combined 6 || return 1
	vmq_assert_eq "grown down" \
		"0:running 1:allocated 2:allocated 3:allocated 4:allocated 5:allocated" \
		"$(vmq_qstates "$ID" 0)" || return 1
	check_shmem_layouts || return 1
	vmq_cmd_expect 0 ethtool -L "$DEV" combined 2 || return 1
	vmq_assert_eq "shrunk down" "0:running 1:allocated" "$(vmq_qstates "$ID" 0)" || return 1
	check_shmem_layouts || return 1
	vmq_cmd_expect 0 ethtool -L "$DEV" combined 4
}

test_open()
{
	vmq_cmd_expect 0 ip link set "$DEV" up || return 1
	running "0:running 1:paused 2:paused 3:paused" 3 on || return 1
	vmq_assert_eq "queue 3 buffers" "$NBUFS" "$(qfield 3 bufs)" || return 1
	vmq_assert_eq "four queues" "$((4 * $(queue_units)))" "$(vmq_shmem_occ "$ID")" || return 1
	check_shmem_layouts
}

test_grow_shrink_up()
{
	vmq_cmd_expect 0 ethtool -L "$DEV" combined 8 || return 1
	vmq_assert_eq "grown" "0:running 1:paused 2:paused 3:paused 4:paused 5:paused 6:paused 7:paused" \
		"$(vmq_qstates "$ID" 0)" || return 1
	vmq_assert_eq "channels" "0 8" "$(channels)" || return 1
	check_shmem_layouts || return 1
	vmq_cmd_expect 0 ethtool -L "$DEV" combined 3 || return 1
	vmq_assert_eq "shrunk" "0:running 1:paused 2:paused" "$(vmq_qstates "$ID" 0)" || return 1
	check_shmem_layouts || return 1

	# RX-only rings: 2 combined + 2 rx = 4 RX rings, 2 TX rings.
	vmq_cmd_expect 0 ethtool -L "$DEV" combined 2 rx 2 || return 1
	vmq_assert_eq "channels" "2 2" "$(channels)" || return 1
	vmq_assert_eq "rx rings" 4 "$(< "$DBG/ports/0/rx_queues")" || return 1
	vmq_assert_eq "tx rings" 2 "$(< "$DBG/ports/0/tx_queues")" || return 1
	check_shmem_layouts || return 1

	vmq_cmd_expect EINVAL ethtool -L "$DEV" combined 0 || return 1
	vmq_cmd_expect EINVAL ethtool -L "$DEV" combined 17 || return 1
	vmq_cmd_expect EINVAL ethtool -L "$DEV" combined 10 rx 10 || return 1
	vmq_cmd_expect EINVAL ethtool -L "$DEV" tx 2 || return 1
	vmq_assert_eq "after bad requests" "2 2" "$(channels)" || return 1
	vmq_cmd_expect 0 ethtool -L "$DEV" combined 4 rx 0 || return 1
	vmq_assert_eq "states" "0:running 1:paused 2:paused 3:paused" "$(vmq_qstates "$ID" 0)" || return 1
	check_shmem_layouts
}

test_stop_keeps_memory()
{
	local before

	before=$(vmq_shmem_occ "$ID")
	vmq_cmd_expect 0 ip link set "$DEV" down || return 1
	running "0:running 1:paused 2:paused 3:paused" 2 off || return 1
	vmq_assert_eq "memory kept" "$before" "$(vmq_shmem_occ "$ID")" || return 1
	check_shmem_layouts || return 1
	vmq_cmd_expect 0 ip link set "$DEV" up || return 1
	running "0:running 1:paused 2:paused 3:paused" 2 on || return 1
	check_shmem_layouts
}

test_rollback_budget()
{
	local per budget

	per=$(queue_units)
	# Room for five queues and a half: a grow to six must fail on queue 5.
	budget=$((5 * per + per / 2))
	set_budget "$budget" || return 1
	vmq_assert_eq "after reload" "0:running 1:allocated 2:allocated 3:allocated" \
		"$(vmq_qstates "$ID" 0)" || return 1
	vmq_cmd_expect 0 ip link set "$DEV" up || return 1
	check_shmem_layouts || return 1

	vmq_dmesg_mark
	vmq_cmd_expect ENOSPC ethtool -L "$DEV" combined 6 || return 1
	vmq_assert_eq "rolled back" "0:running 1:paused 2:paused 3:paused" \
		"$(vmq_qstates "$ID" 0)" || return 1
	vmq_assert_eq "channels" "0 4" "$(channels)" || return 1
	vmq_assert_eq "occupancy" "$((4 * per))" "$(vmq_shmem_occ "$ID")" || return 1
	check_shmem_layouts || return 1
	vmq_dmesg_new | grep -q "queue 5: shared_memory budget exhausted" || {
		ktap_diag "no kernel message names queue 5 and the budget"
		return 1
	}
	# The old configuration keeps working: a grow that fits.
	vmq_cmd_expect 0 ethtool -L "$DEV" combined 5 || return 1
	vmq_assert_eq "queue 4" paused "$(qfield 4 state)" || return 1
	check_shmem_layouts || return 1
	set_budget 8192
}

test_rollback_fault()
{
	local injected rc

	vmq_cmd_expect 0 ip link set "$DEV" up || return 1
	injected=$(< "$SHM/fail_injected")
	# The second block of queue 6 (its buffers): queue 4..5 and queue 6's
	# ring are allocated first and must be given back.
	echo 6 > "$SHM/fail_queue"
	echo receive > "$SHM/fail_usage"
	echo 1 > "$SHM/fail_count"
	vmq_cmd_expect ENOMEM ethtool -L "$DEV" combined 8
	rc=$?
	echo any > "$SHM/fail_queue"
	echo any > "$SHM/fail_usage"
	echo 0 > "$SHM/fail_count"
	[ "$rc" = 0 ] || return 1
	vmq_assert_eq "injected" $((injected + 1)) "$(< "$SHM/fail_injected")" || return 1
	vmq_assert_eq "rolled back" "0:running 1:paused 2:paused 3:paused" \
		"$(vmq_qstates "$ID" 0)" || return 1
	check_shmem_layouts || return 1
	vmq_cmd_expect 0 ethtool -L "$DEV" combined 8 || return 1
	check_shmem_layouts || return 1
	vmq_cmd_expect 0 ethtool -L "$DEV" combined 4
}

test_ring_resize()
{
	local rc

	vmq_cmd_expect 0 ethtool -N "$DEV" flow-type ether dst "$MAC" action 1 || return 1
	vmq_assert_eq "queue 1" running "$(qfield 1 state)" || return 1

	vmq_cmd_expect 0 ethtool -G "$DEV" rx 64 || return 1
	vmq_assert_eq "buffers" "64 64 64 64" \
		"$(qcolumn bufs)" || return 1
	vmq_assert_eq "ethtool -g" 64 \
		"$(ring_rx)" || return 1
	vmq_assert_eq "states kept" "0:running 1:running 2:paused 3:paused" \
		"$(vmq_qstates "$ID" 0)" || return 1
	vmq_assert_eq "filter kept" 1 "$(ethtool -n "$DEV" | grep -c 'Filter: ')" || return 1
	check_shmem_layouts || return 1

	vmq_cmd_expect EINVAL ethtool -G "$DEV" rx 8 || return 1
	vmq_cmd_expect EINVAL ethtool -G "$DEV" rx 5000 || return 1
	vmq_cmd_expect EINVAL ethtool -G "$DEV" tx 64 || return 1

	# A failed allocation on the third queue keeps every old buffer.
	echo 2 > "$SHM/fail_queue"
	echo 1 > "$SHM/fail_count"
	vmq_cmd_expect ENOMEM ethtool -G "$DEV" rx 512
	rc=$?
	echo any > "$SHM/fail_queue"
	echo 0 > "$SHM/fail_count"
	[ "$rc" = 0 ] || return 1
	vmq_assert_eq "old buffers kept" "64 64 64 64" \
		"$(qcolumn bufs)" || return 1
	vmq_assert_eq "ring size kept" 64 \
		"$(ring_rx)" || return 1
	check_shmem_layouts || return 1

	# Down: queues with memory switch too, allocated ones take it later.
	vmq_cmd_expect 0 ip link set "$DEV" down || return 1
	vmq_cmd_expect 0 ethtool -L "$DEV" combined 5 || return 1
	vmq_cmd_expect 0 ethtool -G "$DEV" rx 32 || return 1
	vmq_assert_eq "down" "32 32 32 32 0" \
		"$(qcolumn bufs)" || return 1
	check_shmem_layouts || return 1
	vmq_cmd_expect 0 ip link set "$DEV" up || return 1
	vmq_assert_eq "at open" "32 32 32 32 32" \
		"$(qcolumn bufs)" || return 1
	check_shmem_layouts || return 1

	vmq_cmd_expect 0 ethtool -N "$DEV" delete 0 || return 1
	vmq_cmd_expect 0 ethtool -G "$DEV" rx "$NBUFS" || return 1
	vmq_cmd_expect 0 ethtool -L "$DEV" combined 4 || return 1
	check_shmem_layouts
}

test_reload_default_queue_only()
{
	vmq_cmd_expect 0 ethtool -L "$DEV" combined 7 || return 1
	vmq_cmd_expect 0 ethtool -N "$DEV" flow-type ether dst "$MAC" action 6 || return 1
	vmq_dmesg_mark
	vmq_cmd_expect 0 devlink dev reload "$DL" || return 1
	netdev_refresh
	vmq_assert_eq "after reload" "0:running 1:allocated 2:allocated 3:allocated" \
		"$(vmq_qstates "$ID" 0)" || return 1
	vmq_assert_eq "only the default queue's memory" "$(queue_units)" "$(vmq_shmem_occ "$ID")" || return 1
	vmq_assert_eq "no rules" 0 "$(ethtool -n "$DEV" | grep -c 'Filter: ')" || return 1
	check_shmem_layouts || return 1
	if vmq_dmesg_new | grep -q "saw the device halt"; then
		ktap_diag "reload reported queue memory as leaked"
		return 1
	fi
}

test_remove()
{
	vmq_cmd_expect 0 ip link set "$DEV" up || return 1
	vmq_cmd_expect 0 ethtool -L "$DEV" combined 6 || return 1
	vmq_dmesg_mark
	vmq_dev_delete "$ID" || return 1
	if vmq_dmesg_new | grep -q "saw the device halt"; then
		ktap_diag "removal reported queue memory as leaked"
		return 1
	fi
}

vmq_setup "a device of one port, four queues" setup_device
ktap_plan 10
vmq_test "queues: default queue, shared memory" test_default_queue
vmq_test "queues: -L on a port that is down" test_down_grow_shrink
vmq_test "queues: allocation completes at open" test_open
vmq_test "queues: -L grow and shrink, rx rings, bad counts" test_grow_shrink_up
vmq_test "queues: stop keeps memory and states" test_stop_keeps_memory
vmq_test "queues: grow rolled back when the budget runs out" test_rollback_budget
vmq_test "queues: grow rolled back on an injected failure" test_rollback_fault
vmq_test "queues: -G re-allocation, failure keeps the old buffers" test_ring_resize
vmq_test "queues: reload leaves only the default queue" test_reload_default_queue_only
vmq_test "queues: device removal frees every queue" test_remove
ktap_finish
