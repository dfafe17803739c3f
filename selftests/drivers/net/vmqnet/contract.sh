#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The shared memory contract against callers that do not play by it: an
# outside module (vmqnet_shmem_user) that frees what is not its own, a
# provider that tries to leave under running queues, ethtool racing the
# receive path, a port found by its ifindex the instant it is registered,
# NAPI starved of CPU while a queue loses its last filter or is freed,
# and a reload that must be refused. Each case checks what a user or an
# outside module can see: errno, dmesg, debugfs, ethtool -S.
#
# Widening the windows. vmqnet/race_delay_us (debugfs) holds the receive
# path between entering a queue and taking its lock, and port creation
# just after register_netdev(). NAPI is starved by making it threaded,
# pinning its threads to CPU 1 as real-time threads, and running a busy
# loop there at a higher real-time priority (sched_rt_runtime_us -1, so
# that the loop is never throttled); the test itself runs on CPU 0. Those
# cases need two CPUs and skip without them.
#
# Port A (port 0) sends raw frames to port B (port 1) of one device;
# B steers MACX into its queue 1 with an ethtool filter. B's queue q is
# shared memory queue 16 + q (VMQ_SHMEM_QUEUE_ID(1, q)).
#
# The test functions run through vmq_test, which shellcheck cannot follow.
# shellcheck disable=SC2317

# shellcheck source=lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

vmq_require_tools ethtool ip devlink python3 taskset chrt
vmq_require_module

ID=61
ID_NEW=62
ID_PEER=63
DL=vmqnet/vmqnet$ID
SHM=$VMQ_DEBUGFS/vmqnet$ID/shmem
RACE=$VMQ_DEBUGFS/race_delay_us
MACX=02:00:00:00:61:01
LOC=5
ethtool_pid=

contract_cleanup()
{
	vmq_starve_stop
	[ -z "$ethtool_pid" ] || wait "$ethtool_pid" 2>/dev/null
	echo 0 > "$RACE" 2>/dev/null
	vmq_cleanup
}
trap contract_cleanup EXIT

# ---- helpers ----------------------------------------------------------------

# q1_receives WHAT N: N frames to MACX, and all of them reach B's queue 1.
q1_receives()
{
	local rx0

	rx0=$(bstat rx_queue_1_packets) || return 1
	vmq_send "$MACX" "$2" || return 1
	vmq_wait_more "$1" $((rx0 + $2)) bstat rx_queue_1_packets
}

# bstat NAME: one ethtool -S counter of B.
bstat() { vmq_ethtool_stat "$1" "$PB"; }

# blocks_of QUEUE [OWNER [PROVIDER]]: the shared memory blocks of QUEUE.
blocks_of()
{
	local -a w
	local n=0

	while read -r -a w; do
		[ "${w[2]}" = "$1" ] || continue
		[ -z "${2:-}" ] || [ "${w[8]}" = "$2" ] || continue
		[ -z "${3:-}" ] || [ "${w[9]}" = "$3" ] || continue
		n=$((n + 1))
	done < <(tail -n +2 "$SHM/blocks")
	echo "$n"
}

# A handle of vmqnet's own blocks of port 1, queue QUEUE.
own_handle()
{
	local -a w
	local text

	vmq_slurp text "$SHM/blocks" || return 1
	while read -r -a w; do
		if [ "${w[2]}" = "$1" ] && [ "${w[8]}" = vmqnet:port1 ]; then
			echo "${w[0]}"
			return 0
		fi
	done <<< "$text"
	return 1
}

totals_leaked() { sed -n 's/^leaked blocks \([0-9]*\) .*/\1/p' "$SHM/totals"; }

two_cpus()
{
	[ "$(getconf _NPROCESSORS_ONLN)" -ge 2 ] && return 0
	VMQ_SKIP_REASON="the race needs two CPUs"
	return 1
}

# ---- tests ------------------------------------------------------------------

# This script on CPU 0; ports A and B linked and up, a filter on B's queue
# 1, the test module's handle open on the device, and the bounded sender
# of raw frames from A.
setup_linked_ports()
{
	taskset -pc 0 $$ > /dev/null || return 1
	vmq_dev_create "$ID" 2 4 || return 1
	PA=$(vmq_port "$ID" 0) PB=$(vmq_port "$ID" 1)
	echo 1 > "/proc/sys/net/ipv6/conf/$PA/disable_ipv6" &&
	echo 1 > "/proc/sys/net/ipv6/conf/$PB/disable_ipv6" || return 1
	vmq_link - "$(vmq_ifindex "$PA")" - "$(vmq_ifindex "$PB")" || return 1
	ip link set "$PA" up && ip link set "$PB" up || return 1
	vmq_cmd_expect 0 ethtool -N "$PB" flow-type ether dst "$MACX" \
		action 1 loc "$LOC" || return 1
	vmq_user_load && vmq_ucmd 0 open "$ID" && vmq_stats_start || return 1
	vmq_sender_start python3 -S "$VMQ_SEND" eth "$PA" -
	vmq_dmesg_mark
}

# Item 1: vmqnet's rings and buffers, a default queue's memory and a live
# queue's memory are not another module's to free.
test_outside_free()
{
	local before own h

	before=$(blocks_of 17)
	vmq_assert_eq "B's queue 1" running "$(vmq_qstate "$ID" 1 1)" || return 1
	vmq_ucmd EINVAL free_queue 0 || return 1
	vmq_ucmd EINVAL free_queue 16 || return 1
	vmq_ucmd EBUSY free_queue 17 || return 1
	vmq_ucmd EBUSY free_queue 18 || return 1
	own=$(own_handle 17) || { ktap_diag "no block of B's queue 1"; return 1; }
	vmq_ucmd EPERM free "$own" || return 1
	vmq_assert_eq "vmqnet's blocks of queue 17" 2 "$before" || return 1
	vmq_assert_eq "kept" "$before" "$(blocks_of 17)" || return 1

	# Its own block of a live queue is its own to free.
	h=$(vmq_ualloc 17 receive 4096) || return 1
	vmq_ucmd 0 free "$h" || return 1

	q1_receives "queue 1 after the refused frees" 50 || return 1
	vmq_dmesg_clean "outside frees"
}

# Item 2: a provider backing a running queue's ring can neither be
# unregistered nor unloaded; its client's close retires it, and it goes
# once the ring is reallocated.
test_provider_pinned()
{
	vmq_ucmd 0 provider on || return 1
	vmq_cmd_expect 0 ethtool -G "$PB" rx 128 || return 1
	vmq_assert_eq "B's queue 1 from the provider" 2 \
		"$(blocks_of 17 vmqnet:port1 vmqnet_shmem_user)" || return 1
	vmq_ucmd EBUSY provider off || return 1
	if rmmod vmqnet_shmem_user 2>/dev/null; then
		ktap_diag "the provider's module unloaded under B's rings"
		return 1
	fi
	vmq_assert_eq "still from the provider" 2 \
		"$(blocks_of 17 vmqnet:port1 vmqnet_shmem_user)" || return 1
	q1_receives "queue 1 on the provider's memory" 50 || return 1

	vmq_ucmd 0 close || return 1
	vmq_assert_eq "provider after close" "provider dma" \
		"$(grep '^provider' "$SHM/totals")" || return 1
	vmq_assert_eq "rings kept after close" 2 \
		"$(blocks_of 17 vmqnet:port1 vmqnet_shmem_user)" || return 1
	if rmmod vmqnet_shmem_user 2>/dev/null; then
		ktap_diag "the retired provider's module unloaded under B's rings"
		return 1
	fi
	vmq_cmd_expect 0 ethtool -G "$PB" rx 256 || return 1
	vmq_assert_eq "rings back from dma" 2 "$(blocks_of 17 vmqnet:port1 dma)" || return 1
	rmmod vmqnet_shmem_user || return 1
	vmq_user_load && vmq_ucmd 0 open "$ID" || return 1
	vmq_dmesg_clean "provider"
}

# Item 3: ethtool -G swaps a queue's memory under the lock the device
# reads its layout under; the device held 10 ms before that lock, while
# the rings shrink and grow under a flood sent from the other CPU.
test_resize_race()
{
	local i rx0 size

	two_cpus || return "$KSFT_SKIP"
	vmq_dmesg_mark
	rx0=$(bstat rx_queue_1_packets) || return 1
	echo 10000 > "$RACE" || return 1
	vmq_flood_start taskset -c 1 python3 -S "$VMQ_SEND" eth "$PA" 120 "$MACX"
	vmq_wait_more "flood" $((rx0 + 1)) bstat rx_queue_1_packets || return 1
	for i in $(seq 12); do
		size=$(( i % 2 ? 64 : 2048 ))
		ethtool -G "$PB" rx "$size" || { ktap_diag "-G $size failed"; return 1; }
	done
	vmq_flood_kill
	echo 0 > "$RACE"
	q1_receives "queue 1 after the resizes" 20 || return 1
	vmq_dmesg_clean "-G under a flood"
}

# Item 4: a port is found by its ifindex the moment it is registered;
# link_device then uses its netdev. Port creation is held 50 ms there.
test_register_race()
{
	local i t d ifx ifp fd np

	vmq_dmesg_mark
	vmq_dev_create "$ID_PEER" 1 1 || return 1
	np=$(vmq_dev_netdevs "$ID_PEER")
	ifp=$(vmq_ifindex "$np")
	# A second at most: new_device sleeps that long, holding the bus.
	vmq_write_expect EINVAL "$RACE" "1000001\n" || return 1
	echo 50000 > "$RACE" || return 1
	for i in 1 2 3; do
		echo "$ID_NEW 1 1" > "$VMQ_BUS/new_device" &
		ifx=
		for ((t = 0; t < 20000 && !ifx; t++)); do
			for d in "$VMQ_BUS/devices/vmqnet$ID_NEW"/net/*/ifindex; do
				[ -e "$d" ] && read -r ifx < "$d"
			done
		done
		if [ -n "$ifx" ]; then
			exec {fd}</proc/self/ns/net
			echo "$fd:$ifx $fd:$ifp" > "$VMQ_BUS/link_device"
			exec {fd}<&-
		fi
		wait $!
		vmq_track "$ID_NEW"
		[ -n "$ifx" ] || { ktap_diag "round $i: the new port never appeared"; return 1; }
		vmq_dev_delete "$ID_NEW" || return 1
	done
	echo 0 > "$RACE"
	vmq_dev_delete "$ID_PEER" || return 1
	vmq_dmesg_clean "link_device racing new_device"
}

# Frames NAPI took off B's queue 1, indicated or not.
q1_found()
{
	local p d

	p=$(bstat rx_queue_1_packets) && d=$(bstat rx_queue_1_drops_paused) &&
	echo $((p + d))
}

# Item 5: once ethtool -N delete of a queue's last filter has returned,
# nothing more is indicated on that queue: the frames already in its
# ring, which NAPI, starved until then, finds later, are dropped
# (drops_paused).
test_clear_starved()
{
	local p0 d0 n=40

	two_cpus || return "$KSFT_SKIP"
	echo 1 > "/sys/class/net/$PB/threaded" || return 1
	p0=$(bstat rx_queue_1_packets) && d0=$(bstat rx_queue_1_drops_paused) || return 1
	vmq_starve_start "$PB" || return 1
	vmq_send "$MACX" "$n" || return 1
	vmq_nap 0.5
	if [ "$(bstat rx_queue_1_packets)" != "$p0" ]; then
		vmq_starve_stop
		VMQ_SKIP_REASON="NAPI ran although its CPU was taken"
		return "$KSFT_SKIP"
	fi
	vmq_cmd_expect 0 ethtool -N "$PB" delete "$LOC" || return 1
	vmq_starve_alive || { ktap_diag "the delete returned only once NAPI could run"; return 1; }
	vmq_starve_stop
	vmq_wait_more "frames NAPI found" $((p0 + d0 + n)) q1_found || return 1
	vmq_assert_eq "indicated on queue 1 after its last filter went" "$p0" \
		"$(bstat rx_queue_1_packets)" || return 1
	vmq_assert_eq "dropped as paused" $((d0 + n)) \
		"$(bstat rx_queue_1_drops_paused)" || return 1
	vmq_assert_eq "queue 1" paused "$(vmq_qstate "$ID" 1 1)" || return 1
	vmq_dmesg_clean "clear under starved NAPI"
}

# Item 6: FREE_QUEUE indicates DMA stopped, and it can be seen, with the
# queue's memory still there, while the free waits for a starved NAPI.
# Then the client frees its own blocks of the queue; what it leaves on
# another queue being freed is freed with it and reported.
test_free_dma_stopped()
{
	local leaked h i out st=

	two_cpus || return "$KSFT_SKIP"
	echo 1 > "/sys/class/net/$PB/threaded" || return 1
	h=$(vmq_ualloc 19 receive 4096) || return 1
	vmq_ualloc 18 receive 4096 > /dev/null || return 1
	leaked=$(totals_leaked)
	vmq_dmesg_mark
	vmq_starve_start "$PB" || return 1
	# Queues are freed highest first: 3 stops, then waits for NAPI.
	ethtool -L "$PB" combined 1 &
	ethtool_pid=$!
	for ((i = 0; i < 100; i++)); do
		out=$(timeout 5 cat "$VMQ_DEBUGFS/vmqnet$ID/ports/1/queues") || {
			ktap_diag "debugfs queues blocked while the free waits"
			return 1
		}
		st=$(while read -r q _ s _; do [ "$q" != 3 ] || echo "$s"; done <<< "$out")
		[ "$st" != dma-stopped ] || break
		vmq_nap 0.1
	done
	vmq_assert_eq "queue 3 while its free waits" dma-stopped "$st" || return 1
	vmq_starve_alive || { ktap_diag "the free did not wait for NAPI"; return 1; }
	vmq_assert_eq "its memory, still there" 3 "$(blocks_of 19)" || return 1
	# What needs NAPI starved first: the busy loop ends by itself, and
	# on the debug kernel reading its log alone takes seconds.
	vmq_ucmd EBUSY alloc 19 receive 4096 || return 1
	vmq_ucmd 0 free_queue 19 || return 1
	vmq_assert_eq "freed of its own" "freed=1" "$(< "$VMQ_USER/result")" || return 1
	vmq_ucmd ENOENT free "$h" || return 1
	if ! vmq_assert_eq "vmqnet's kept" 2 "$(blocks_of 19)" ||
	   ! vmq_starve_alive; then
		vmq_starve_alive || ktap_diag "NAPI was starved too short a time"
		return 1
	fi
	vmq_starve_stop
	vmq_dmesg_new | grep -q "$PB: queue 3: DMA stopped" || {
		ktap_diag "no DMA stopped indication in the kernel log"
		return 1
	}
	wait "$ethtool_pid" || { ktap_diag "ethtool -L failed"; ethtool_pid=; return 1; }
	ethtool_pid=
	vmq_assert_eq "queues left" "running none none none" \
		"$(vmq_qstate "$ID" 1 0) $(vmq_qstate "$ID" 1 1) $(vmq_qstate "$ID" 1 2) $(vmq_qstate "$ID" 1 3)" || return 1
	vmq_assert_eq "memory of 17..19" "0 0 0" \
		"$(blocks_of 17) $(blocks_of 18) $(blocks_of 19)" || return 1
	vmq_assert_eq "the block left on queue 2, a leak" $((leaked + 1)) \
		"$(totals_leaked)" || return 1
	vmq_dmesg_new | grep -q 'vmqnet_shmem_user saw its queue freed with 1 blocks' || {
		ktap_diag "no leak report for queue 2"
		return 1
	}
	vmq_cmd_expect 0 ethtool -L "$PB" combined 4 || return 1
	vmq_dmesg_clean "FREE_QUEUE under starved NAPI"
}

# Item 7: a reload the shared_memory size refuses leaves the ports, their
# links, filters and settings exactly as they were.
test_reload_refused()
{
	local ia ib h

	ia=$(vmq_ifindex "$PA") && ib=$(vmq_ifindex "$PB") || return 1
	ethtool -L "$PB" combined 4 > /dev/null 2>&1
	ethtool -N "$PB" delete "$LOC" > /dev/null 2>&1
	vmq_cmd_expect 0 ethtool -N "$PB" flow-type ether dst "$MACX" \
		action 1 loc "$LOC" || return 1
	h=$(vmq_ualloc 1 receive $((80 * 4096))) || return 1
	devlink resource set "$DL" path /shared_memory size 64 || return 1
	vmq_reload_refused "$ID" "*smaller than the shared memory in use*" || return 1
	vmq_assert_eq "ifindexes" "$ia $ib" "$(vmq_ifindex "$PA") $(vmq_ifindex "$PB")" || return 1
	vmq_assert_eq "carrier" 1 "$(< "/sys/class/net/$PB/carrier")" || return 1
	ethtool -n "$PB" rule "$LOC" | grep -qi "$MACX" || {
		ktap_diag "filter $LOC is gone"
		return 1
	}
	vmq_assert_eq "B's queue 1" running "$(vmq_qstate "$ID" 1 1)" || return 1
	vmq_ucmd 0 free "$h" || return 1
	devlink resource set "$DL" path /shared_memory size 8192
}

# Item 8: port 1's default queue is a default queue: not freed as a VM
# queue, and its memory is the halt's, not an outside client's leak.
test_default_queue_port1()
{
	local leaked

	vmq_ucmd EINVAL free_queue 16 || return 1
	vmq_ualloc 16 receive 4096 > /dev/null || return 1
	leaked=$(totals_leaked)
	vmq_dmesg_mark
	devlink dev reload "$DL" || return 1
	vmq_assert_eq "blocks of queue 16 of others" 0 "$(blocks_of 16 vmqnet_shmem_user)" || return 1
	vmq_assert_eq "leaked" "$leaked" "$(totals_leaked)" || return 1
	if vmq_dmesg_new | grep -q 'vmqnet_shmem_user saw the device halt'; then
		ktap_diag "port 1's default queue memory reported as a leak"
		return 1
	fi
}

# Item 10: the test module's bench asks vmqnet first; a size vmqnet
# refuses never reaches the raw DMA API, and nothing warns.
test_bench_refused()
{
	vmq_dmesg_mark
	vmq_ucmd ENOSPC bench contig $((64 * 1024 * 1024)) 1 || return 1
	vmq_dmesg_clean "bench of a refused size"
}

vmq_setup "two linked ports, a filter on B's queue 1" setup_linked_ports
ktap_plan 9
vmq_test "contract: an outside module cannot free vmqnet's or a live queue's memory" test_outside_free
vmq_test "contract: a provider cannot leave under a running queue" test_provider_pinned
vmq_test "contract: -G under a flood, the device held before the queue lock" test_resize_race
vmq_test "contract: link_device the instant a port is registered" test_register_race
vmq_test "contract: no indication after the last filter is cleared, NAPI starved" vmq_starved test_clear_starved
vmq_test "contract: FREE_QUEUE shows DMA stopped while it waits for NAPI" vmq_starved test_free_dma_stopped
vmq_test "contract: a refused reload leaves the device as it was" test_reload_refused
vmq_test "contract: every port's default queue is a default queue" test_default_queue_port1
vmq_test "contract: bench of a refused size does not warn" test_bench_refused
ktap_finish
