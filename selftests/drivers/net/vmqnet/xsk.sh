#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# AF_XDP on a vmqnet VM queue (xsk.c): a "VM" process (xsk_rx, libxdp)
# binds a queue in zero-copy mode and receives its MAC's frames straight
# into its UMEM, which is the queue's receive shared memory while bound.
#
# The test functions run through vmq_test, which shellcheck cannot follow.
# shellcheck disable=SC2317

# shellcheck source=lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

vmq_require_tools ip jq ethtool devlink taskset chrt
vmq_require_module

ID=84		# two ports, linked: A sends, B's queue 1 is the VM's
NSA=vmqxskA$$
NSB=vmqxskB$$
IPA=192.0.2.1
IPB=192.0.2.2
IPV=192.0.2.3	# the VM's address, at its own MAC
MACV=02:00:00:00:84:01
IPV2=192.0.2.4	# a second socket's, on queue 2
MACV2=02:00:00:00:84:02
XSK_RX=$VMQ_DIR/xsk_rx
SHM=$VMQ_DEBUGFS/vmqnet$ID/shmem

# ---- helpers ----------------------------------------------------------------

setup()
{
	vmq_stats_start && vmq_netns_add "$NSA" "$NSB" && vmq_pair_setup &&
	ip -n "$NSA" neigh add "$IPV" lladdr "$MACV" dev "$PA" nud permanent &&
	vmq_nsenter "$NSB" ethtool -N "$PB" flow-type ether dst "$MACV" \
		action 1 loc 0 > /dev/null
}

# udp_to IP COUNT: COUNT datagrams of 64 bytes from A to IP's port 9.
udp_to() { vmq_nsenter "$NSA" python3 -S "$VMQ_SEND" udp "$1" "$2" 64 30; }

rx() { local v; read -r v < "$VMQ_TMPD/sys.$1/class/net/$2/statistics/rx_packets" && echo "$v"; }

# vm_start ARGS...: start the VM's receiver on B's port (xsk_rx ARGS),
# and wait for its bind. Sets VM_PID; its output goes to $VM_OUT.
VM_OUT=$VMQ_TMPD/vm.out
vm_start()
{
	local i

	: > "$VM_OUT"
	"${VMQ_NSENTER[@]}" --net="/run/netns/$NSB" \
		"$XSK_RX" -i "$PB" "$@" > "$VM_OUT" 2> "$VM_OUT.err" &
	VM_PID=$!
	for ((i = 0; i < 300; i++)); do
		grep -q '^bound' "$VM_OUT" && return 0
		kill -0 "$VM_PID" 2> /dev/null || break
		vmq_nap 0.1
	done
	ktap_diag "xsk_rx did not bind: $(cat "$VM_OUT" "$VM_OUT.err")"
	kill -9 "$VM_PID" 2> /dev/null
	wait "$VM_PID"
	return 1
}

# qcol RING COLUMN: a column of queue RING of B in debugfs.
qcol()
{
	local -A t=()

	vmq_table t "$VMQ_DEBUGFS/vmqnet$ID/ports/1/queues"
	echo "${t[$1,$2]}"
}

q1() { qcol 1 "$1"; }

# The UMEM's block among the queue's shared memory: its line in debugfs.
umem_block() { grep ' xsk$' "$SHM/blocks"; }

# occ_back UNITS: wait until the device's occupancy is UNITS again. The
# core unbinds a closed socket from a work item, so the UMEM's block goes
# a little after its process.
occ_back()
{
	local i v

	for ((i = 0; i < VMQ_WAIT_POLLS; i++)); do
		v=$(vmq_shmem_occ "$ID")
		[ "$v" = "$1" ] && return 0
		vmq_nap 0.1
	done
	ktap_diag "occupancy: expected $1 once the socket went, still $v"
	cat "$SHM/blocks" >&2
	return 1
}

# vm_refused ERRNO_TEXT ARGS...: xsk_rx ARGS fails to bind, with ERRNO_TEXT.
vm_refused()
{
	local out want=$1

	shift
	if out=$(vmq_nsenter "$NSB" "$XSK_RX" -i "$PB" -t 1 "$@" 2>&1); then
		ktap_diag "xsk_rx $* bound, expected: $want"
		return 1
	fi
	case $out in
	*"bind $PB queue "*": $want"*) return 0 ;;
	esac
	ktap_diag "xsk_rx $*: expected '$want', got: $out"
	return 1
}

vm_diag() { ktap_diag "the VM said: $(cat "$VM_OUT" "$VM_OUT.err")"; }

# vm_said REGEX: wait for a line of the VM's output that matches REGEX.
vm_said()
{
	local i

	for ((i = 0; i < VMQ_WAIT_POLLS; i++)); do
		grep -Eq "$1" "$VM_OUT" && return 0
		vmq_nap 0.1
	done
	ktap_diag "the VM did not say '$1'"
	vm_diag
	return 1
}

# vm_stop: stop the VM (SIGTERM) and wait for it; fails if it failed.
vm_stop() { kill "$VM_PID" && wait "$VM_PID"; }

# q1_stat NAME: B's ethtool -S counter rx_queue_1_NAME.
q1_stat() { vmq_counter "rx_queue_1_$1" "$(vmq_estats "$NSB" "$PB")"; }

# q1_packets: frames B's stack got from queue 1.
q1_packets() { q1_stat packets; }

flood_v() { vmq_flood_start "${VMQ_NSENTER[@]}" --net="/run/netns/$NSA" \
		python3 -S "$VMQ_SEND" udp "$IPV" 0 64 600; }

# ---- tests ------------------------------------------------------------------

# The VM binds queue 1 in zero-copy mode and gets exactly its MAC's frames,
# checked byte by byte; B's own frames still reach B's stack through the
# default queue. The UMEM is a RECEIVE block of the queue, from the XSK
# pool's provider, while bound, and leaves with the socket.
test_zc_receive()
{
	local occ r0 q0 blk rc=0

	r0=$(rx "$NSB" "$PB") q0=$(q1_packets)
	vm_start -q 1 -m "$MACV" -n 50 -t 60 || return 1
	# libxdp attached its program, and the queues took the layout of XDP
	# (xdp.sh), which they keep: the UMEM is what comes and goes.
	occ=$(vmq_shmem_occ "$ID")
	grep -q '^bound zc queue 1$' "$VM_OUT" ||
		{ vm_diag; rc=1; }
	# handle shmem_handle queue usage length ... owner provider
	blk=$(umem_block)
	[[ $blk =~ ^[0-9]+\ 0x[0-9a-f]+\ 17\ receive\ 4194304\ .*\ xsk$ ]] ||
		{ ktap_diag "UMEM block: '$blk'"; rc=1; }
	vmq_assert_eq "queue 1's rx_mode" xsk "$(q1 rx_mode)" || rc=1
	vmq_assert_eq "queue 1's blocks" 3 "$(q1 shmem_blocks)" || rc=1
	if ! vmq_health_dump "$ID" | jq -e '[.. | objects |
	     select(.block? == "umem")] | .[0].bytes == 4194304 and
	     .[0].usage == 4' > /dev/null; then
		ktap_diag "no UMEM block in the health dump"
		rc=1
	fi
	udp_to "$IPV" 50 > /dev/null && udp_to "$IPB" 20 > /dev/null || rc=1
	wait "$VM_PID" || rc=1
	grep -q '^frames 50 good 50 bad 0 foreign 0$' "$VM_OUT" ||
		{ vm_diag; rc=1; }
	vmq_wait_more "B's rx_packets" $((r0 + 20)) rx "$NSB" "$PB" || rc=1
	vmq_assert_eq "queue 1's frames to the stack" "$q0" "$(q1_packets)" &&
	occ_back $((occ - 1024)) || rc=1
	return "$rc"
}

# A bind on a queue that does not exist, on the default queue, on a queue
# already bound, and one whose UMEM is over the budget: each refused with
# its errno, nothing left behind. Copy mode still binds the default queue.
test_refused()
{
	local occ0 rc=0

	vmq_functional || return
	occ0=$(vmq_shmem_occ "$ID")
	vm_refused "Invalid argument" -q 4 &&
	vm_refused "Operation not supported" -q 0 &&
	vm_refused "No space left on device" -q 1 -F 8192 || rc=1
	vm_start -q 1 -t 30 || return 1
	vm_refused "Device or resource busy" -q 1 || rc=1
	vm_stop || rc=1
	occ_back "$occ0" || rc=1
	vm_start -q 0 -c -t 30 || return 1
	grep -q '^bound copy queue 0$' "$VM_OUT" ||
		{ vm_diag; rc=1; }
	vm_stop || rc=1
	return "$rc"
}

# Copy mode (XDP_COPY) on the VM's queue: the frames reach the socket
# through the program's redirect, copied, as on any driver with XDP.
test_copy_mode()
{
	local rc=0

	vm_start -q 1 -c -m "$MACV" -n 20 -t 60 || return 1
	grep -q '^bound copy queue 1$' "$VM_OUT" || { vm_diag; rc=1; }
	vmq_assert_eq "queue 1's rx_mode" lend "$(q1 rx_mode)" || rc=1
	udp_to "$IPV" 20 > /dev/null || rc=1
	wait "$VM_PID" || rc=1
	grep -q 'good 20 bad 0 foreign 0$' "$VM_OUT" || { vm_diag; rc=1; }
	return "$rc"
}

# test_refill [-W]: a UMEM of 128 frames, 64 of them on the fill ring,
# for 300 frames. NAPI runs out of buffers, asks to be woken
# (need_wakeup), and the VM's refills are posted when it does; with -W
# the socket has no need_wakeup and never wakes NAPI, which must poll on
# its own until the fill ring gives its buffers back.
test_refill()
{
	local rc=0

	vm_start -q 1 "$@" -m "$MACV" -F 128 -n 200 -t 60 || return 1
	vmq_nsenter "$NSA" python3 -S "$VMQ_SEND" udp "$IPV" 300 64 30 0.02 ||
		rc=1
	wait "$VM_PID" || rc=1
	# It stops at the end of a batch: 200 or a little more.
	grep -Eq 'good (2[0-9][0-9]|300) bad 0 foreign 0$' "$VM_OUT" ||
		{ vm_diag; rc=1; }
	return "$rc"
}

# UMEM frames of 2048 bytes with 1024 bytes of headroom leave 768 for a
# frame (after XDP's 256): the device drops a longer one, counted, rather
# than write it past the end of the UMEM frame, into the next one; the
# frames that fit arrive whole, with their headroom untouched.
test_small_frames()
{
	local o0 rc=0

	o0=$(q1_stat drops_oversize)
	if ! vm_start -q 1 -m "$MACV" -C 2048 -H 1024 -n 20 -t 60; then
		# 6.12 refuses a zero-copy bind whose UMEM frames cannot hold
		# a frame of the port's MTU, and the wire drops longer frames:
		# none can reach the device's check. 6.1 binds: a refusal
		# there is a failure.
		vmq_kernel_ge 6 12 &&
		grep -q ': Invalid argument$' "$VM_OUT.err" || return 1
		VMQ_SKIP_REASON="Linux $(uname -r) refuses UMEM frames shorter than the MTU"
		return "$KSFT_SKIP"
	fi
	# 10 datagrams of 1000 bytes (frames of 1042), then 20 of 64.
	vmq_nsenter "$NSA" python3 -S "$VMQ_SEND" udp "$IPV" 10 1000 30 \
		> /dev/null &&
	udp_to "$IPV" 20 > /dev/null || rc=1
	wait "$VM_PID" || rc=1
	grep -q '^frames 20 good 20 bad 0 foreign 0$' "$VM_OUT" ||
		{ vm_diag; rc=1; }
	vmq_assert_eq "queue 1's frames dropped as too long" $((o0 + 10)) \
		"$(q1_stat drops_oversize)" || rc=1
	return "$rc"
}

# The VM's socket closes while its MAC's frames flood in: DMA stops, the
# buffers go back and the UMEM's block goes; the queue then runs on its
# own buffers again, and its frames reach B's stack.
test_unbind_under_traffic()
{
	local occ0 q0 rc=0

	occ0=$(vmq_shmem_occ "$ID")
	vm_start -q 1 -m "$MACV" -t 3 || return 1
	flood_v
	wait "$VM_PID" || rc=1
	grep -q ' bad 0 foreign 0$' "$VM_OUT" ||
		{ vm_diag; rc=1; }
	occ_back "$occ0" || rc=1
	q0=$(q1_packets)
	vmq_wait_more "queue 1's frames after the unbind" $((q0 + 20)) \
		q1_packets || rc=1
	vmq_flood_stop || rc=1
	return "$rc"
}

# Two sockets share one UMEM (XDP_SHARED_UMEM): the VM's on queue 1 and
# another on queue 2, the UMEM a block of each queue (either may be
# written anywhere in it). The VM's socket closes under a flood while the
# other stays: the UMEM lives on, still mapped, and from the unbind on
# the device must not write a byte into the VM's half of it, while
# queue 1 runs on its own buffers again and queue 2's socket receives.
test_shared_umem()
{
	local occ q0 rc=0

	ip -n "$NSA" neigh add "$IPV2" lladdr "$MACV2" dev "$PA" nud permanent &&
	vmq_nsenter "$NSB" ethtool -N "$PB" flow-type ether dst "$MACV2" \
		action 2 loc 1 > /dev/null || return 1
	vm_start -q 1 -S 2 -m "$MACV" -F 512 -t 120 || return 1
	# After the bind: the program's XDP layout has come with the first.
	occ=$(vmq_shmem_occ "$ID")
	vmq_assert_eq "UMEM blocks, one a queue" 2 "$(umem_block | wc -l)" ||
		rc=1
	flood_v
	vmq_nap 1
	kill -USR1 "$VM_PID" && vm_said '^unbound$' || rc=1
	# The core unbinds from a work item: then the VM's block goes.
	occ_back $((occ - 512)) || rc=1
	kill -USR1 "$VM_PID" && vm_said '^filled$' || rc=1
	q0=$(q1_packets)
	vmq_wait_more "queue 1's frames after the unbind" $((q0 + 50)) \
		q1_packets || rc=1
	udp_to "$IPV2" 20 > /dev/null || rc=1
	vmq_nap 0.5
	kill -USR1 "$VM_PID"
	wait "$VM_PID" || rc=1
	vmq_flood_stop || rc=1
	if ! grep -q '^written 0$' "$VM_OUT" ||
	   ! grep -q '^shared frames 20 good 20 bad 0' "$VM_OUT"; then
		vm_diag
		rc=1
	fi
	vmq_nsenter "$NSB" ethtool -N "$PB" delete 1 &&
	ip -n "$NSA" neigh del "$IPV2" dev "$PA" || rc=1
	occ_back $((occ - 1024)) || rc=1
	return "$rc"
}

# kill -9 of the VM under traffic: the core unbinds the dead socket, and
# the occupancy is back to where it was; a new VM then binds the queue.
test_kill9()
{
	local occ0 rc=0

	occ0=$(vmq_shmem_occ "$ID")
	vm_start -q 1 -m "$MACV" || return 1
	flood_v
	vmq_nap 1
	kill -9 "$VM_PID"
	wait "$VM_PID"
	occ_back "$occ0" || rc=1
	vmq_flood_stop || rc=1
	vm_start -q 1 -m "$MACV" -n 20 -t 60 || return 1
	udp_to "$IPV" 20 > /dev/null || rc=1
	wait "$VM_PID" || rc=1
	grep -q 'good 20 bad 0 foreign 0$' "$VM_OUT" ||
		{ vm_diag; rc=1; }
	occ_back "$occ0" || rc=1
	return "$rc"
}

# FREE_QUEUE of a bound queue (ethtool -L below it) is refused, and the
# VM keeps receiving; ethtool -G lays the queue out again under it.
test_free_queue_refused()
{
	local out rc=0

	vm_start -q 1 -m "$MACV" -n 40 -t 60 || return 1
	if out=$(vmq_nsenter "$NSB" ethtool -L "$PB" combined 1 2>&1); then
		ktap_diag "ethtool -L combined 1 with a bound queue succeeded"
		rc=1
	fi
	vmq_assert_eq "B's queues" 4 \
		"$(vmq_nsenter "$NSB" ethtool -l "$PB" | awk '/Combined/ { v = $2 } END { print v }')" || rc=1
	udp_to "$IPV" 20 > /dev/null || rc=1
	vmq_nsenter "$NSB" ethtool -G "$PB" rx 128 || rc=1
	udp_to "$IPV" 20 > /dev/null || rc=1
	wait "$VM_PID" || rc=1
	grep -q 'good 40 bad 0 foreign 0$' "$VM_OUT" ||
		{ vm_diag; rc=1; }
	vmq_nsenter "$NSB" ethtool -G "$PB" rx 256 || rc=1
	return "$rc"
}

# stale_in_ring: with B's NAPI starved, 70 frames for the VM, of which
# the 64 with a UMEM frame posted wait in the ring, and the VM's filter
# deleted under them; then NAPI runs and drops them as paused.
stale_in_ring()
{
	local d0

	d0=$(q1_stat drops_paused) &&
	vmq_starve_start "$PB" &&
	udp_to "$IPV" 70 > /dev/null &&
	vmq_nsenter "$NSB" ethtool -N "$PB" delete 0 || return 1
	vmq_starve_alive ||
		{ ktap_diag "the delete returned only once NAPI could run"; return 1; }
	vmq_starve_stop
	vmq_wait_more "frames dropped as paused" $((d0 + 64)) q1_stat drops_paused &&
	vmq_assert_eq "frames dropped as paused" $((d0 + 64)) \
		"$(q1_stat drops_paused)"
}

# Frames in the VM's queue when its last filter goes are dropped, and
# their UMEM frames go back to the socket's pool, as the program's drops
# do: the VM has 64 UMEM frames on its fill ring, all held by such
# frames, and receives again once its filter is back. (Descriptors
# released with their UMEM frames would be posted over, leaving the run
# the queue refills without a buffer it could post: nothing would
# arrive.)
test_stale_frames()
{
	local ncpu rc=0

	vmq_dmesg_mark
	ncpu=$(getconf _NPROCESSORS_ONLN)
	if [ "$ncpu" -lt 2 ]; then
		VMQ_SKIP_REASON="starving NAPI needs two CPUs"
		return "$KSFT_SKIP"
	fi
	taskset -pc 0 $$ > /dev/null &&
	echo 1 > "$VMQ_TMPD/sys.$NSB/class/net/$PB/threaded" || return 1
	if vm_start -q 1 -m "$MACV" -F 128 -n 20 -t 60; then
		vmq_starved stale_in_ring || rc=1
		vmq_nsenter "$NSB" ethtool -N "$PB" flow-type ether \
			dst "$MACV" action 1 loc 0 > /dev/null &&
		udp_to "$IPV" 20 > /dev/null || rc=1
		wait "$VM_PID" || rc=1
		grep -q '^frames 20 good 20 bad 0 foreign 0$' "$VM_OUT" ||
			{ vm_diag; rc=1; }
	else
		rc=1
	fi
	echo 0 > "$VMQ_TMPD/sys.$NSB/class/net/$PB/threaded" &&
	taskset -pc "0-$((ncpu - 1))" $$ > /dev/null || rc=1
	vmq_dmesg_clean "stale frames on a bound queue" || rc=1
	return "$rc"
}

# The device gets a completion of the bound queue wrong in each way it
# can (debugfs hw_fault), one frame at a time: NAPI drops each such frame
# and counts it, gives its UMEM frame back to the pool rather than to the
# socket, and goes on. A length past the UMEM frame would hand the socket
# (or the program) bytes beyond it. The VM then gets the 16 good frames
# that follow, byte by byte, and nothing else.
test_bad_completions()
{
	local f=$VMQ_DEBUGFS/vmqnet$ID/hw_fault kind b rc=0

	vmq_dmesg_mark
	b=$(q1_stat drops_bad_completion) || return 1
	vm_start -q 1 -m "$MACV" -n 16 -t 60 || return 1
	for kind in offset handle len chain short gso; do
		if ! echo "$kind" > "$f" || ! echo 1 > "${f}_count" ||
		   ! udp_to "$IPV" 1 > /dev/null ||
		   ! vmq_wait_more "bad completions of queue 1 after $kind" \
			$((++b)) q1_stat drops_bad_completion; then
			rc=1
			break
		fi
	done
	echo none > "$f" && echo 0 > "${f}_count" || rc=1
	udp_to "$IPV" 16 > /dev/null || rc=1
	wait "$VM_PID" || rc=1
	grep -q '^frames 16 good 16 bad 0 foreign 0$' "$VM_OUT" ||
		{ vm_diag; rc=1; }
	vmq_dmesg_clean "bad completions on a bound queue" || rc=1
	return "$rc"
}

# A macvlan (l2-fwd-offload) never takes a queue a socket is bound to,
# idle as it looks (no filter): freeing it for the macvlan would free the
# UMEM, a block of the queue, under the socket. The VM binds queue 2, the
# macvlan gets queue 3 (queue 1 has the VM's filter), and the UMEM stays
# until the VM goes, with nothing to complain about.
test_macvlan_skips_bound()
{
	local occ0 rc=0

	vmq_dmesg_mark
	occ0=$(vmq_shmem_occ "$ID")
	vm_start -q 2 -t 60 || return 1
	if ! vmq_nsenter "$NSB" ethtool -K "$PB" l2-fwd-offload on ||
	   ! ip -n "$NSB" link add vmqxskmv link "$PB" type macvlan ||
	   ! ip -n "$NSB" link set vmqxskmv up; then
		ip -n "$NSB" link del vmqxskmv 2> /dev/null
		vm_stop
		return 1
	fi
	vmq_assert_eq "queue 2's owner" - "$(qcol 2 owner)" &&
	vmq_assert_eq "queue 3's owner" vmqxskmv "$(qcol 3 owner)" &&
	vmq_assert_eq "queue 2's rx_mode" xsk "$(qcol 2 rx_mode)" &&
	vmq_assert_eq "UMEM blocks" 1 "$(umem_block | wc -l)" || rc=1
	ip -n "$NSB" link del vmqxskmv &&
	vmq_nsenter "$NSB" ethtool -K "$PB" l2-fwd-offload off || rc=1
	vm_stop || rc=1
	occ_back "$occ0" || rc=1
	vmq_dmesg_clean "a macvlan beside a bound queue" || rc=1
	return "$rc"
}

# The VM sends from its UMEM (the TX ring, zero copy to the device), and
# A receives every datagram.
test_tx()
{
	local a0 rc=0

	a0=$(rx "$NSA" "$PA")
	vm_start -q 1 -m "$MACV" -x 50 -D "$MACA" -A "$IPV" -B "$IPA" -t 30 \
		-n 1 || return 1
	vmq_wait_more "A's rx_packets" $((a0 + 50)) rx "$NSA" "$PA" || rc=1
	kill "$VM_PID" 2> /dev/null
	wait "$VM_PID" || rc=1
	grep -q '^sent 50$' "$VM_OUT" ||
		{ vm_diag; rc=1; }
	return "$rc"
}

# rmmod while the VM receives a flood: the core unbinds the socket as the
# port goes, before the queue's memory is freed.
test_rmmod()
{
	vmq_module_unloadable || return
	vm_start -q 1 -m "$MACV" || return 1
	flood_v
	vmq_nap 1
	vmq_module_unload || { vmq_flood_kill; kill -9 "$VM_PID"; return 1; }
	vmq_flood_kill
	kill "$VM_PID" 2> /dev/null
	wait "$VM_PID"
	vmq_module_load && vmq_assert_exists "$VMQ_BUS"
}

vmq_setup "two linked ports, a filter for the VM's MAC" setup

ktap_plan 15
vmq_test "xsk: zero-copy receive on a filtered queue" test_zc_receive
vmq_test "xsk: copy mode" test_copy_mode
vmq_test "xsk: a short fill ring, need_wakeup" test_refill
vmq_test "xsk: a short fill ring, no need_wakeup: NAPI polls" \
	test_refill -W
vmq_test "xsk: binds refused with their errno" test_refused
vmq_test "xsk: a frame longer than a UMEM frame dropped" test_small_frames
vmq_test "xsk: unbind under traffic" test_unbind_under_traffic
vmq_test "xsk: shared UMEM, nothing written after the unbind" \
	test_shared_umem
vmq_test "xsk: kill -9 of the receiver under traffic" test_kill9
vmq_test "xsk: FREE_QUEUE of a bound queue refused, -G under it" test_free_queue_refused
vmq_test "xsk: frames left by the last filter give their UMEM back" \
	test_stale_frames
vmq_test "xsk: bad completions dropped, UMEM frames back to the pool" \
	test_bad_completions
vmq_test "xsk: a macvlan does not take a bound queue" \
	test_macvlan_skips_bound
vmq_test "xsk: zero-copy transmit from the UMEM" test_tx
vmq_test "xsk: rmmod with a socket bound under traffic" test_rmmod
ktap_finish
