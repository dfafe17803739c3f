#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Queue restart through netdev_queue_mgmt_ops (Linux 6.12; queue_mgmt.c):
# two linked ports of one device, A floods raw frames to B's MAC and to
# three MACs that B's filters steer to queues 1-3. Each of B's queues,
# the default one too, is restarted under the flood through debugfs
# ports/1/queue_restart, which makes the core's netdev_rx_queue_restart()
# calls (6.12 does not export it): the queue gets new blocks (new
# handles) and goes on receiving, every frame A sent is received or
# counted as dropped, and the shared memory is back to the same totals,
# per queue and for the device. A restart of a queue that does not exist,
# was freed, is Paused or has no memory yet, or on a port that is down,
# is refused; an allocation failure (the shmem fault knob) leaves the old
# memory in service; and devmem's bind-rx, the one path of 6.12's core
# that restarts queues, is refused with EOPNOTSUPP and changes nothing.
# On 6.1, which has none of this, every case is a SKIP.
#
# The test functions run through vmq_test, which shellcheck cannot follow.
# shellcheck disable=SC2317

# shellcheck source=lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

# The cases, by test function.
declare -A CASES=(
	[test_restart_under_traffic]="queue_mgmt: restart under traffic: every queue, new memory, ledger and memory balance"
	[test_restart_refused]="queue_mgmt: restart refused: no such, freed, paused, no memory, port down"
	[test_restart_alloc_fault]="queue_mgmt: restart with an allocation failure keeps the old memory"
	[test_bind_rx_refused]="queue_mgmt: bind-rx (devmem) refused with EOPNOTSUPP, nothing changed"
)
ORDER="test_restart_under_traffic test_restart_refused test_restart_alloc_fault test_bind_rx_refused"

if ! vmq_kernel_ge 6 12; then
	why="Linux $(< /proc/sys/kernel/osrelease) has no netdev_queue_mgmt_ops (6.10) or devmem bind-rx (6.12): vmqnet offers queue restart on 6.12"
	ktap_plan ${#CASES[@]}
	for t in $ORDER; do
		ktap_skip "${CASES[$t]}" "$why"
	done
	ktap_finish
fi

vmq_require_tools ethtool ip python3
vmq_require_module

ID=83
DBG=$VMQ_DEBUGFS/vmqnet$ID
SHM=$DBG/shmem
RESTART=$DBG/ports/1/queue_restart
QB=16			# B's queue IDs: port 1, ring r is 16 + r (<vmqnet/shmem.h>)
M1=02:00:00:00:83:01	# steered to B's queues 1, 2, 3
M2=02:00:00:00:83:02
M3=02:00:00:00:83:03
FLOOD_MAX_S=300

# ---- helpers ----------------------------------------------------------------

bstats() { vmq_estats - "$PB"; }

# q_packets R: the frames B's queue R indicated.
q_packets() { vmq_counter "rx_queue_$1_packets" "$(bstats)"; }

# st64 DEV NAME...: stats64 counters of a netdev.
st64()
{
	local n v out=

	for n in "${@:2}"; do
		read -r v < "/sys/class/net/$1/statistics/$n" || return 1
		out+=${out:+ }$v
	done
	echo "$out"
}

# Frames in flight when a sender stops are counted an instant later: wait
# until A's transmit and B's receive counters have not moved for 0.3 s.
settle() { vmq_wait_still 200 ab64; }
ab64() { echo "$(st64 "$PA" tx_packets tx_dropped) $(st64 "$PB" rx_packets rx_dropped)"; }

# Every frame A delivered was indicated by B's NAPI (or dropped there),
# every frame A dropped was dropped by B's device by cause, was not for B,
# or had no peer; as in rx_traffic.sh. Reads again if a late frame
# unbalanced one reading.
check_ledger()
{
	local a b tx drop own recv napi dev filt i

	for ((i = 0; i < 5; i++)); do
		settle || return 1
		a=$(vmq_estats - "$PA") && b=$(bstats) || return 1
		tx=$(vmq_counter_sum '^tx_queue_[0-9]+_packets$' "$a")
		drop=$(vmq_counter_sum '^tx_queue_[0-9]+_drops$' "$a")
		own=$(vmq_counter_sum '^tx_drops_(no_peer|mtu)$' "$a")
		recv=$(vmq_counter_sum '^rx_queue_[0-9]+_packets$' "$b")
		napi=$(vmq_counter_sum '^rx_queue_[0-9]+_drops_(no_mem|paused)$' "$b")
		dev=$(vmq_counter_sum '^rx_queue_[0-9]+_drops_(no_buffer|not_running|oversize)$' "$b")
		filt=$(vmq_counter rx_drops_filtered "$b")
		[ "$tx" = $((recv + napi)) ] && [ "$drop" = $((dev + filt + own)) ] &&
			break
	done
	ktap_diag "ledger: A delivered $tx, dropped $drop ($own no peer/MTU); B received $recv, dropped $dev in the device ($(vmq_counter_sum '^rx_queue_[0-9]+_drops_not_running$' "$b") not running), $napi in NAPI, $filt not for B"
	vmq_assert_eq "A delivered = B received + NAPI drops" "$tx" $((recv + napi)) &&
	vmq_assert_eq "A dropped = B device drops + not for B + A's own" \
		"$drop" $((dev + filt + own))
}

# handles R: the allocation handles of B's queue R's blocks, in order.
handles()
{
	local -a l
	local text out=

	vmq_slurp text "$SHM/blocks" || return 1
	while read -r -a l; do
		[ "${l[2]}" = $((QB + $1)) ] && out+=${out:+ }${l[0]}
	done <<< "$text"
	echo "$out"
}

# totals: the device's and every queue's lines of the allocator's totals.
totals()
{
	local l text out=

	vmq_slurp text "$SHM/totals" || return 1
	while read -r l; do
		case $l in device*|queue*) out+=${out:+; }$l ;; esac
	done <<< "$text"
	echo "$out"
}

# accounts: what the shared memory looks like from outside: the
# allocator's totals and the devlink occupancy.
accounts() { echo "$(totals); occupancy $(vmq_shmem_occ "$ID")"; }

# qcol R COLUMN: a column of B's queue R in debugfs ports/1/queues.
qcol()
{
	local -A t=()

	vmq_table t "$DBG/ports/1/queues"
	echo "${t[$1,$2]:-none}"
}

# restart_expect ERRNO RING: write RING to queue_restart, expecting ERRNO.
restart_expect() { vmq_write_expect "$1" "$RESTART" "$2\n"; }

filter() { vmq_cmd_expect 0 ethtool -N "$PB" "$@"; }

# The device, its ports A and B linked, IPv6 off so that only the test's
# frames cross; B's filters; the counter server; the bounded sender on A.
setup()
{
	local p

	vmq_dev_create "$ID" 2 4 || return 1
	PA=$(vmq_port "$ID" 0) PB=$(vmq_port "$ID" 1)
	for p in "$PA" "$PB"; do
		echo 1 > "/proc/sys/net/ipv6/conf/$p/disable_ipv6" || return 1
	done
	read -r IFA < "/sys/class/net/$PA/ifindex" &&
	read -r IFB < "/sys/class/net/$PB/ifindex" &&
	read -r MACB < "/sys/class/net/$PB/address" || return 1
	vmq_link - "$IFA" - "$IFB" || return 1
	ip link set "$PA" up && ip link set "$PB" up || return 1
	filter flow-type ether dst "$M1" action 1 loc 1 &&
	filter flow-type ether dst "$M2" action 2 loc 2 &&
	filter flow-type ether dst "$M3" action 3 loc 3 || return 1
	vmq_stats_start || return 1
	vmq_sender_start python3 -S "$VMQ_SEND" eth "$PA" -
}

# send_expect R DST: 50 frames to DST land in B's queue R.
send_expect()
{
	local p0

	p0=$(q_packets "$1") || return 1
	vmq_send "$2" 50 || return 1
	vmq_wait_more "queue $1 after 50 frames to $2" $((p0 + 50)) q_packets "$1"
}

# ---- tests ------------------------------------------------------------------

# Each of B's queues restarted in turn under a flood to all four.
test_restart_under_traffic()
{
	local r p h0 h1 acc0 rc=0 ok=0
	local -a a0 a1

	vmq_dmesg_mark
	settle || return 1
	acc0=$(accounts)
	vmq_flood_start python3 -S "$VMQ_SEND" eth "$PA" "$FLOOD_MAX_S" \
		"$MACB" "$M1" "$M2" "$M3"
	for r in 0 1 2 3; do
		p=$(q_packets "$r") || break
		vmq_wait_more "queue $r under the flood" $((p + 100)) q_packets "$r" || break
		h0=$(handles "$r")
		restart_expect 0 "$r" || break
		h1=$(handles "$r")
		ktap_diag "queue $r: blocks $h0 -> $h1"
		read -r -a a0 <<< "$h0"
		read -r -a a1 <<< "$h1"
		if [ "${#a1[@]}" = 0 ] || [ "${#a1[@]}" != "${#a0[@]}" ]; then
			ktap_diag "queue $r: blocks '$h0' became '$h1'"
			break
		fi
		if [[ " $h0 " == *" ${a1[0]} "* ]]; then
			ktap_diag "queue $r kept its memory"
			break
		fi
		vmq_assert_eq "queue $r state, DMA, NAPI" "running on on" \
			"$(qcol "$r" state) $(qcol "$r" dma) $(qcol "$r" napi)" || break
		# Frames keep landing in it, in its new memory.
		p=$(q_packets "$r") || break
		vmq_wait_more "queue $r after its restart" $((p + 100)) q_packets "$r" || break
		ok=$((ok + 1))
	done
	vmq_flood_stop || rc=1
	[ "$ok" = 4 ] && [ "$rc" = 0 ] || return 1
	check_ledger || return 1
	vmq_assert_eq "shared memory after the restarts" "$acc0" "$(accounts)" &&
	vmq_dmesg_clean "restart under traffic"
}

# What a restart is refused for, with nothing changed.
test_restart_refused()
{
	local acc0 h3

	vmq_dmesg_mark
	acc0=$(accounts)
	restart_expect ERANGE 4 && restart_expect ERANGE 16 &&
	restart_expect EINVAL "x" || return 1

	# Paused: its last filter cleared.
	filter delete 3 || return 1
	vmq_assert_eq "queue 3" paused "$(qcol 3 state)" || return 1
	h3=$(handles 3)
	restart_expect EINVAL 3 || return 1
	vmq_assert_eq "queue 3's blocks" "$h3" "$(handles 3)" || return 1
	# Freed.
	vmq_cmd_expect 0 ethtool -L "$PB" combined 3 || return 1
	restart_expect ERANGE 3 || return 1

	# The port down; then up with queue 3 back and filtered but its
	# allocation complete failed (fault knob): Set, no memory.
	ip link set "$PB" down || return 1
	restart_expect ENETDOWN 0 || return 1
	vmq_cmd_expect 0 ethtool -L "$PB" combined 4 || return 1
	filter flow-type ether dst "$M3" action 3 loc 3 || return 1
	echo $((QB + 3)) > "$SHM/fail_queue" && echo 1 > "$SHM/fail_count" ||
		return 1
	ip link set "$PB" up || return 1
	echo any > "$SHM/fail_queue" || return 1
	vmq_assert_eq "queue 3 without memory" "set 0" \
		"$(qcol 3 state) $(qcol 3 shmem_blocks)" || return 1
	restart_expect EINVAL 3 || return 1
	# Its allocation completes at the next open.
	ip link set "$PB" down && ip link set "$PB" up || return 1
	vmq_assert_eq "queue 3 after the next open" running "$(qcol 3 state)" ||
		return 1
	settle || return 1
	vmq_assert_eq "shared memory after the refusals" "$acc0" "$(accounts)" &&
	send_expect 3 "$M3" && vmq_dmesg_clean "restart refused"
}

# An allocation that fails, at the first block (the ring) or at the
# second (the buffers, the ring already allocated), leaves the queue its
# old memory, in service.
test_restart_alloc_fault()
{
	local acc0 h1 n0 usage rc

	vmq_dmesg_mark
	settle || return 1
	acc0=$(accounts)
	h1=$(handles 1)
	for usage in any receive; do
		read -r n0 < "$SHM/fail_injected" || return 1
		echo $((QB + 1)) > "$SHM/fail_queue" &&
		echo "$usage" > "$SHM/fail_usage" &&
		echo 1 > "$SHM/fail_count" || return 1
		restart_expect ENOMEM 1
		rc=$?
		echo 0 > "$SHM/fail_count"
		echo any > "$SHM/fail_queue"
		echo any > "$SHM/fail_usage"
		[ "$rc" = 0 ] || return 1
		vmq_assert_eq "failures injected ($usage)" $((n0 + 1)) \
			"$(< "$SHM/fail_injected")" || return 1
		vmq_assert_eq "queue 1's blocks ($usage)" "$h1" "$(handles 1)" &&
		vmq_assert_eq "queue 1 state, DMA, NAPI" "running on on" \
			"$(qcol 1 state) $(qcol 1 dma) $(qcol 1 napi)" &&
		vmq_assert_eq "shared memory ($usage)" "$acc0" "$(accounts)" &&
		send_expect 1 "$M1" || return 1
	done
	vmq_dmesg_clean "restart with an allocation failure"
}

# devmem TCP's bind-rx through netdev netlink: the core sets the queue's
# memory provider and restarts it; vmqnet refuses a memory provider in
# ndo_queue_mem_alloc, before allocating anything, and the core takes the
# provider back. Twice on queue 1 (a provider left behind would make the
# second EEXIST), once on the default queue.
test_bind_rx_refused()
{
	local acc0 h0 h1 out l n=0

	vmq_dmesg_mark
	if [ ! -c /dev/udmabuf ]; then
		VMQ_SKIP_REASON="no /dev/udmabuf (CONFIG_UDMABUF) for a dmabuf to bind"
		return "$KSFT_SKIP"
	fi
	settle || return 1
	acc0=$(accounts)
	h0=$(handles 0) h1=$(handles 1)
	out=$(python3 -S "$VMQ_DIR/devmem_bind.py" "$IFB" 1 1 0) || {
		ktap_diag "devmem_bind.py: $out"; return 1; }
	while read -r l; do
		ktap_diag "bind-rx: $l"
		case $l in
		"err=EOPNOTSUPP "*) n=$((n + 1)) ;;
		*) ktap_diag "expected err=EOPNOTSUPP" ;;
		esac
	done <<< "$out"
	vmq_assert_eq "bind-rx refusals" 3 "$n" || return 1
	vmq_assert_eq "queues 0 and 1's blocks" "$h0 / $h1" \
		"$(handles 0) / $(handles 1)" &&
	vmq_assert_eq "shared memory after bind-rx" "$acc0" "$(accounts)" &&
	send_expect 1 "$M1" && send_expect 0 "$MACB" || return 1
	# Logged unless net_ratelimit() held it back: not asserted.
	vmq_dmesg_new | grep "no memory provider" | tail -n 1 | sed 's/^/# log: /'
	vmq_dmesg_clean "bind-rx"
}

vmq_setup "two linked ports with filters" setup
ktap_plan ${#CASES[@]}
for t in $ORDER; do
	vmq_test "${CASES[$t]}" "$t"
done
ktap_finish
