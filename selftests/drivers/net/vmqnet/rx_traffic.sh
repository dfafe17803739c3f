#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The receive side with traffic: two linked ports in two namespaces, A
# sends UDP, B's filters steer it into VM queues, ethtool -S on B counts
# per queue. A unicast stream to a filtered MAC lands in its queue and the
# default queue gets only broadcast and ARP; a MAC that is not B's is taken
# only when filtered (or promiscuous); a VLAN filter steers only tagged
# frames; a multicast group only once B joins it (or is allmulticast);
# nothing sent while B is down or unlinked reaches it, and all of it
# once B is back; a queue whose filter is cleared mid-stream (Paused)
# receives nothing more and the default queue takes over; and a queue
# freed, and ethtool -L / -G changes made, under a flood lose nothing
# unaccounted: what A sent equals what B received plus what it dropped,
# by cause, and the shared memory goes back to what the queues hold, and
# to what it was before. A device that writes bad completions (debugfs
# hw_fault) costs the frames it got wrong and nothing else, lending or
# copying. The same holds after RECONF reconfigurations
# (ethtool -L, -G, -N, -K, a macvlan with offload up, down and across
# namespaces, unlink and link, a reload of another device, an outside
# client's allocations) made by three loops side by side under two
# floods; and rmmod under a flood and those loops is safe.
#
#   rx_traffic.sh [RECONF]    default 80 (make stress: 1000)
#
# IPv6 is off and neighbours are static, so that no frame but the test's
# own reaches B unless the test asks for it.
#
# Background senders (the bounded sender, a flood) are processes of
# python itself (nsenter execs it), never a subshell around it: they are
# killed and waited for (vmq_flood_stop, the exit trap), so none outlives
# its test or the script. A flood also ends by itself after FLOOD_MAX_S.
# Frames a sender had in flight are counted an instant after it stops:
# counters are read once they settle.
#
# The test functions run through vmq_test, which shellcheck cannot follow.
# shellcheck disable=SC2317

# shellcheck source=lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

vmq_require_tools ethtool ip devlink nsenter python3 taskset chrt
vmq_require_module

ID=73
NSA=vmqrxA$$
NSB=vmqrxB$$
IPA=192.0.2.1
IPB=192.0.2.2
IPX=192.0.2.99		# a neighbour of A whose MAC is not B's
MACX=02:00:00:00:73:99
VIPA=198.51.100.1
VIPB=198.51.100.2
VID=10
N=200
IDC=$((ID + 1))		# reloaded under the reconfiguration loops
QB0=16			# B's default queue: port 1, ring 0 (<vmqnet/shmem.h>)
# Reconfigurations under traffic: make check's 200 unless given
# (make stress runs 1000).
RECONF=${1:-80}
# The two floods under the reconfiguration loops pause 5 ms every 32
# datagrams: two flat-out senders would take both vCPUs from the loops.
PACE=0.005
# Two multicast groups, and the MAC of the first (the second's is
# 01:00:5e:01:01:02). The port's hash filter takes the top byte of the
# Ethernet CRC of the MAC (vmq_rx_mc_bit()): 17 and 76 for these, 127
# for all-hosts 01:00:5e:00:00:01, which B's IPv4 joins. No two share a
# bit, so each is filtered on its own.
MCG1=239.1.1.1
MCMAC1=01:00:5e:01:01:01
MCG2=239.1.1.2
# sysfs as each namespace sees it (vmq_netns_add), so that a port's
# stats64 is a file read rather than a command run in its namespace.
SYSA=$VMQ_TMPD/sys.$NSA
SYSB=$VMQ_TMPD/sys.$NSB
# A flood ends by itself after this long even if nothing stops it: only a
# safety net, vmq_flood_stop ends it long before.
FLOOD_MAX_S=600
# Datagrams long enough that a lending queue lends their buffers rather
# than copy them (rx.c VMQ_RX_COPYBREAK).
LEND_SIZE=1000

# ---- helpers ----------------------------------------------------------------

# Under TCG every exec costs, and ten times as much on the debug kernel:
# counters are read through lib.sh's counter server and parsed with shell
# builtins, and commands enter a namespace with vmq_nsenter, which only
# switches the network namespace (ip netns exec also remounts /sys).

# in_nsb CMD...: CMD in B's namespace.
in_nsb() { vmq_nsenter "$NSB" "$@"; }

bstats() { vmq_estats "$NSB" "$PB"; }

# B's counters by the counter server and by ethtool itself, equal while
# they are still.
check_estats_cli()
{
	local name value cli=

	while read -r name value; do
		[[ $name == *: ]] && cli+="${name%:} $value"$'\n'
	done < <(in_nsb ethtool -S "$PB")
	vmq_assert_eq "B's ethtool -S, by the counter server and by ethtool" \
		"${cli%$'\n'}" "$(bstats)"
}

# delta OLD NEW: NEW - OLD for every counter of NEW (estats outputs).
delta()
{
	local -A o
	local name value

	while read -r name value; do
		o[$name]=$value
	done <<< "$1"
	while read -r name value; do
		echo "$name $((value - ${o[$name]:-0}))"
	done <<< "$2"
}

# per_queue FIELD STATS: "v0 v1 ..." of rx_queue_<q>_FIELD, by queue.
per_queue()
{
	local q v out=

	for ((q = 0; ; q++)); do
		v=$(vmq_counter "rx_queue_${q}_$1" "$2") || break
		out="$out $v"
	done
	echo "${out# }"
}

# B's drops by cause in the device (DMA) and in the driver (NAPI: no skb,
# or a frame still in a queue's ring when its last filter was cleared).
DEV_DROPS='^rx_queue_[0-9]+_drops_(no_buffer|not_running|oversize)$'
NAPI_DROPS='^rx_queue_[0-9]+_drops_(no_mem|paused)$'

# "q0 q1 ... filtered": packets per active queue of B, and frames dropped
# as not for B, from one read of its counters.
rx_snapshot()
{
	local s

	s=$(bstats)
	echo "$(per_queue packets "$s") $(vmq_counter rx_drops_filtered "$s")"
}

# vdelta BEFORE AFTER: per-field differences of two snapshots.
vdelta()
{
	local -a x y
	local i out=

	read -r -a x <<< "$1"
	read -r -a y <<< "$2"

	for ((i = 0; i < ${#y[@]}; i++)); do
		out="$out $((y[i] - ${x[i]:-0}))"
	done
	echo "${out# }"
}

# A's "delivered dropped": its TX queues' packets and drops (A's channel
# count never changes, so ethtool -S shows them all).
atx()
{
	local s

	s=$(vmq_estats "$NSA" "$PA")
	echo "$(vmq_counter_sum '^tx_queue_[0-9]+_packets$' "$s") $(vmq_counter_sum '^tx_queue_[0-9]+_drops$' "$s")"
}

# st64 SYSFS DEV NAME...: stats64 counters of a netdev, from the sysfs of
# its namespace.
st64()
{
	local d=$1/class/net/$2/statistics n v out=

	shift 2
	for n in "$@"; do
		read -r v < "$d/$n" || return 1
		out="$out $v"
	done
	echo "${out# }"
}

# A's "delivered dropped" and B's "received dropped" (stats64).
a64() { st64 "$SYSA" "$PA" tx_packets tx_dropped; }
b64() { st64 "$SYSB" "$PB" rx_packets rx_dropped; }

# Frames in flight when a sender stops (in a qdisc, for NAPI) are counted
# an instant later: wait until A's transmit and B's receive counters have
# not moved for 0.3 s. Fails if they never stop.
settle() { vmq_wait_still 200 ab64; }
ab64()
{
	local f v out=

	# a64 and b64 in one read each, with no subshell: settle polls this.
	for f in "$SYSA/class/net/$PA/statistics/"{tx_packets,tx_dropped} \
		 "$SYSB/class/net/$PB/statistics/"{rx_packets,rx_dropped,rx_errors}; do
		read -r v < "$f" || return 1
		out="$out $v"
	done
	echo "${out# }"
}

# Frames the core itself drops on A's TX while A has no carrier (its noop
# qdisc) never reach vmqnet. 6.12 counts them in A's stats64 tx_dropped,
# 6.1 nowhere: on 6.12 A's stats64 drops are at least its ethtool -S
# drops, and exactly that plus what was sent with no carrier where a test
# knows it (test_tx_no_peer).
core_counts_noop_drops() { vmq_kernel_ge 6 12; }

# ledger: everything A sent, accounted for by B by cause: one line with
# the counts, then one line per way it does not add up. What A delivered (tx packets)
# is what B's NAPI received, failed to build an skb for, dropped as
# written before its queue lost its last filter, or dropped as its
# completion was bad (B's stats64 rx_errors); what A dropped
# (tx dropped) is what B's device dropped (no buffer, DMA stopped,
# oversize) or did not take (not for B), or what A could not hand to B at
# all (no peer running: in flight while the link watch took A's carrier
# down; longer than B's MTU), which A counts by cause; B's per-queue
# counters and its stats64 agree, and so do A's (core_counts_noop_drops).
ledger()
{
	local s tx rx recv napi dev filt own a bad berr

	s=$(bstats)
	tx=$(atx)
	rx=$(b64)
	own=$(vmq_counter_sum '^tx_drops_(no_peer|mtu)$' "$(vmq_estats "$NSA" "$PA")")
	recv=$(vmq_counter_sum '^rx_queue_[0-9]+_packets$' "$s")
	napi=$(vmq_counter_sum "$NAPI_DROPS" "$s")
	dev=$(vmq_counter_sum "$DEV_DROPS" "$s")
	filt=$(vmq_counter rx_drops_filtered "$s")
	bad=$(vmq_counter_sum '^rx_queue_[0-9]+_drops_bad_completion$' "$s")
	berr=$(st64 "$SYSB" "$PB" rx_errors)
	echo "A delivered ${tx% *}, dropped ${tx#* } ($own with no peer or over its MTU); B received $recv, dropped $dev in the device, $napi in NAPI, $bad as bad completions, $filt not for B"
	[ "${tx% *}" = $((recv + napi + bad)) ] ||
		echo "A delivered != B received + NAPI drops + bad completions"
	[ "$berr" = "$bad" ] ||
		echo "B stats64 rx_errors $berr != ethtool -S bad completions $bad"
	[ "${tx#* }" = $((dev + filt + own)) ] ||
		echo "A dropped != B device drops + not for B + A's own drops"
	a=$(a64)
	if core_counts_noop_drops; then
		[ "${a% *}" = "${tx% *}" ] && [ "${a#* }" -ge "${tx#* }" ] ||
			echo "A stats64 tx $a < ethtool -S $tx (stats64 adds the core's drops)"
	elif [ "$a" != "$tx" ]; then
		echo "A stats64 tx $a != ethtool -S $tx"
	fi
	[ "$rx" = "$recv $((dev + napi))" ] ||
		echo "B stats64 rx $rx != ethtool -S $recv $((dev + napi))"
}

# B must be up and A send nothing but the test's frames. Counters are
# read one after the other, so a frame NAPI polls in between would
# unbalance them: settle, and read again if they do not add up, a few
# times; a real hole in the accounting stays.
check_ledger()
{
	local l line i

	for ((i = 0; i < 5; i++)); do
		settle || return 1
		l=$(ledger)
		[[ $l == *$'\n'* ]] || break
	done
	while read -r line; do
		ktap_diag "$line"
	done <<< "$l"
	[[ $l != *$'\n'* ]]
}

# filter ARGS...: ethtool -N of B, which must succeed.
filter() { vmq_cmd_expect 0 in_nsb ethtool -N "$PB" "$@"; }

# The location of the rule that steers to queue Q.
rule_of()
{
	local l loc=

	while read -r -a l; do
		[ "${l[0]}" = Filter: ] && loc=${l[1]}
		[ "${l[*]}" = "Action: Direct to queue $1" ] && echo "$loc"
	done < <(in_nsb ethtool -n "$PB")
}

# flood_to [DST [PACE [SIZE]]]: one more flood from A, until
# vmq_flood_stop, to DST (B's address by default), flat out or paced
# (send.py udp), of SIZE-byte datagrams (64: frames a lending queue
# copies; LEND_SIZE: frames it lends).
flood_to()
{
	vmq_flood_start "${VMQ_NSENTER[@]}" --net="/run/netns/$NSA" \
		python3 -S "$VMQ_SEND" udp "${1:-$IPB}" 0 "${3:-64}" "$FLOOD_MAX_S" "${2:-0}"
}

# bq RING COLUMN: a column of B's queue RING in its queues file.
bq()
{
	local -A t=()

	vmq_table t "$VMQ_DEBUGFS/vmqnet$ID/ports/1/queues"
	echo "${t[$1,$2]:-none}"
}

# A UDP socket on B's port 9 that never reads (a flood, for
# vmq_flood_stop): what it receives stays in its receive queue, and with
# it the receive buffers lent to those skbs. Returns once it is bound.
deaf_bound() { in_nsb grep -c ' 00000000:0009 ' /proc/net/udp || :; }

# deaf_check_start FILE FILL [RCVBUF]: a socket on B's port 9 that does
# not read, with a receive buffer of RCVBUF bytes (64 KiB); on SIGUSR1 it
# reads all it holds and writes "GOOD BAD" to FILE: datagrams whose every
# byte is FILL, and the others (deaf_drain).
deaf_check_start()
{
	rm -f "$1"
	vmq_flood_start "${VMQ_NSENTER[@]}" --net="/run/netns/$NSB" \
		python3 -S -c 'import os, signal, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, int(sys.argv[3]))
s.bind(("", 9))
def drain(*_):
    good = bad = 0
    while True:
        try:
            d = s.recv(65536, socket.MSG_DONTWAIT)
        except BlockingIOError:
            break
        if d == bytes([int(sys.argv[2])]) * len(d):
            good += 1
        else:
            bad += 1
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write("%d %d\n" % (good, bad))
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
signal.signal(signal.SIGUSR1, drain)
while True:
    time.sleep(600)' "$1" "$2" "${3:-65536}"
	DEAF_PID=${vmq_flood_pids##* }
	vmq_wait_more "B's checking socket bound" 1 deaf_bound
}

# deaf_start: deaf_check_start's socket, for datagrams of 0x5a bytes,
# with 1 MiB of receive buffer; its file is $VMQ_TMPD/deaf.out.
deaf_start() { deaf_check_start "$VMQ_TMPD/deaf.out" 90 $((1 << 20)); }

# deaf_drain FILE: the socket of deaf_check_start FILE reads what it
# holds; sets deaf_good and deaf_bad.
deaf_drain()
{
	local i

	kill -USR1 "$DEAF_PID" || return 1
	for ((i = 0; i < 100; i++)); do
		[ -e "$1" ] && break
		vmq_nap 0.1
	done
	read -r deaf_good deaf_bad < "$1" || return 1
	ktap_diag "B's socket read $deaf_good datagrams intact, $deaf_bad changed"
}

# B's queues file up to its spares column: what each queue is, without
# the lending counters, which move with the traffic (a lent buffer counts
# as lent until a poll of its queue sees it back).
b_queues_layout()
{
	local -a row
	local text

	vmq_slurp text "$VMQ_DEBUGFS/vmqnet$ID/ports/1/queues" || return 1
	while read -r -a row; do
		echo "${row[*]:0:15}"
	done <<< "$text"
}

# b_queue_packets Q: the packets B's queue Q received.
b_queue_packets() { vmq_counter "rx_queue_$1_packets" "$(bstats)"; }

# b_queue_bad Q: the frames of B's queue Q dropped as bad completions.
b_queue_bad() { vmq_counter "rx_queue_$1_drops_bad_completion" "$(bstats)"; }

# The shared memory of the device, three ways: what the queues of both
# ports say they hold (debugfs ports/*/queues), the allocator's blocks of
# those queues (shmem/blocks) and totals, and the devlink resource
# shared_memory, whose occupancy counts each block rounded up to pages, in
# 4 KiB units. All must agree, and no block may belong to anything else.
check_shmem_accounts()
{
	local -A live
	local -a l
	local d=$VMQ_DEBUGFS/vmqnet$ID held=0 hblocks=0 bytes=0 units=0 n=0 other=0
	local tot f u text

	for f in "$d"/ports/*/queues; do
		vmq_slurp text "$f" || return 1
		while read -r -a l; do
			[ "${l[0]}" = queue ] && continue
			live[${l[1]}]=1
			hblocks=$((hblocks + l[11]))
			held=$((held + l[12]))
		done <<< "$text"
	done
	vmq_slurp text "$d/shmem/blocks" || return 1
	while read -r -a l; do
		[ "${l[0]}" = handle ] && continue
		if [ -z "${live[${l[2]}]:-}" ]; then
			other=$((other + 1))
			continue
		fi
		n=$((n + 1))
		bytes=$((bytes + l[4]))
		vmq_units "${l[4]}" u
		units=$((units + u))
	done <<< "$text"
	read -r -a l < "$d/shmem/totals"
	tot="${l[2]} ${l[4]} ${l[6]}"
	vmq_assert_eq "blocks of no live queue" 0 "$other" &&
	vmq_assert_eq "queues' blocks, bytes = theirs in the allocator" \
		"$hblocks $held" "$n $bytes" &&
	vmq_assert_eq "allocator totals (blocks bytes units)" \
		"$n $bytes $units" "$tot" &&
	vmq_assert_eq "devlink shared_memory occupancy" "$units" "$(vmq_shmem_occ "$ID")"
}

# send_expect WHAT DST COUNT EXPECTED: send COUNT datagrams to DST and
# check what B made of them: EXPECTED is the snapshot difference
# (q0 q1 q2 q3 filtered).
send_expect()
{
	local s0 s1

	s0=$(rx_snapshot)
	vmq_send "$2" "$3" || return 1
	settle || return 1
	s1=$(rx_snapshot)
	vmq_assert_eq "$1 (q0 q1 q2 q3 filtered)" "$4" "$(vdelta "$s0" "$s1")"
}

# ---- tests ------------------------------------------------------------------

# The namespaces, the linked pair, the counter server, the
# bounded sender in A (for vmq_send; its process is python itself).
setup_namespaces_pair()
{
	vmq_netns_add "$NSA" "$NSB" || return 1
	pair_setup && vmq_stats_start || return 1
	vmq_sender_start "${VMQ_NSENTER[@]}" --net="/run/netns/$NSA" \
		python3 -S "$VMQ_SEND" udp -
}

# vmq_pair_setup, and a neighbour of A that is not B.
pair_setup()
{
	vmq_pair_setup &&
		ip -n "$NSA" neigh add "$IPX" lladdr "$MACX" dev "$PA" nud permanent
}

test_steer_unicast()
{
	local s0 s1 q1 rx

	filter flow-type ether dst "$MACB" action 1 || return 1
	settle || return 1
	s0=$(rx_snapshot)
	vmq_send "$IPB" "$N" || return 1
	settle || return 1
	s1=$(rx_snapshot)
	vmq_assert_eq "per queue (q0 q1 q2 q3 filtered)" "0 $N 0 0 0" \
		"$(vdelta "$s0" "$s1")" || return 1

	# Broadcast goes to the default queue only.
	vmq_send 192.0.2.255 20 || return 1
	settle || return 1
	s0=$s1 s1=$(rx_snapshot)
	vmq_assert_eq "broadcast" "20 0 0 0 0" "$(vdelta "$s0" "$s1")" || return 1

	# ARP: A resolves B again; the request (broadcast) goes to the default
	# queue, the datagram that waited for it to queue 1.
	ip -n "$NSA" neigh del "$IPB" dev "$PA" || return 1
	vmq_send "$IPB" 1 || return 1
	q1=${s1#* } q1=${q1%% *}
	vmq_wait_more "B's queue 1 after ARP" $((q1 + 1)) b_queue_packets 1 ||
		return 1
	settle || return 1
	s0=$s1 s1=$(rx_snapshot)
	vmq_assert_eq "after ARP" "1 1 0 0 0" "$(vdelta "$s0" "$s1")" || return 1
	ip -n "$NSA" neigh replace "$IPB" lladdr "$MACB" dev "$PA" nud permanent || return 1
	# B's stack got them all.
	rx=$(b64)
	vmq_assert_ge "B rx_packets" $((N + 22)) "${rx% *}" ||
		return 1
	check_estats_cli && check_ledger
}

test_steer_other_mac()
{
	local rc

	vmq_functional || return
	# Not B's MAC, not filtered, not promiscuous: dropped as not for B.
	send_expect unfiltered "$IPX" 50 "0 0 0 0 50" || return 1
	# Filtered: that queue.
	filter flow-type ether dst "$MACX" action 2 loc 9 &&
	send_expect filtered "$IPX" 50 "0 0 50 0 0" &&
	filter delete 9 || return 1
	# Promiscuous: the default queue.
	ip -n "$NSB" link set "$PB" promisc on || return 1
	send_expect promiscuous "$IPX" 50 "50 0 0 0 0"
	rc=$?
	ip -n "$NSB" link set "$PB" promisc off && [ "$rc" = 0 ] && check_ledger
}

test_vlan()
{
	local v0

	ip -n "$NSA" link add link "$PA" name "$PA.$VID" type vlan id "$VID" &&
	ip -n "$NSB" link add link "$PB" name "$PB.$VID" type vlan id "$VID" || return 1
	ip -n "$NSA" addr add "$VIPA/24" dev "$PA.$VID" &&
	ip -n "$NSB" addr add "$VIPB/24" dev "$PB.$VID" &&
	ip -n "$NSA" neigh add "$VIPB" lladdr "$MACB" dev "$PA.$VID" nud permanent &&
	ip -n "$NSB" neigh add "$VIPA" lladdr "$MACA" dev "$PB.$VID" nud permanent &&
	ip -n "$NSA" link set "$PA.$VID" up && ip -n "$NSB" link set "$PB.$VID" up ||
		return 1
	# MAC+VLAN on queue 3; the MAC-only filter on queue 1 stays.
	filter flow-type ether dst "$MACB" vlan "$VID" action 3 || return 1
	settle || return 1
	v0=$(st64 "$SYSB" "$PB.$VID" rx_packets)
	send_expect tagged "$VIPB" "$N" "0 0 0 $N 0" || return 1
	vmq_assert_eq "received on the VLAN" $((v0 + N)) \
		"$(st64 "$SYSB" "$PB.$VID" rx_packets)" || return 1
	send_expect untagged "$IPB" "$N" "0 $N 0 0 0" || return 1
	filter delete "$(rule_of 3)" || return 1
	check_ledger
}

# Multicast through B's hash filter: a group B has not joined is not for
# B (rx_drops_filtered); once B joins it (ip maddr add) it comes in
# through the default queue, every frame; another group stays out until
# B is in allmulticast mode, and again after it leaves it; a group B
# leaves is out again. Filters on B's MAC do not apply to multicast.
test_multicast()
{
	local rc=0 out="0 0 0 0 50" in="50 0 0 0 0"

	vmq_functional || return
	ip -n "$NSA" route add 224.0.0.0/4 dev "$PA" || return 1
	settle &&
	send_expect "group 1, not joined" "$MCG1" 50 "$out" &&
	ip -n "$NSB" maddr add "$MCMAC1" dev "$PB" &&
	send_expect "group 1, joined" "$MCG1" 50 "$in" &&
	send_expect "group 2, not joined" "$MCG2" 50 "$out" &&
	ip -n "$NSB" link set dev "$PB" allmulticast on &&
	send_expect "group 2, allmulticast" "$MCG2" 50 "$in" &&
	ip -n "$NSB" link set dev "$PB" allmulticast off &&
	send_expect "group 2, allmulticast off" "$MCG2" 50 "$out" &&
	send_expect "group 1, still joined" "$MCG1" 50 "$in" &&
	ip -n "$NSB" maddr del "$MCMAC1" dev "$PB" &&
	send_expect "group 1, left" "$MCG1" 50 "$out" || rc=1
	if [ "$rc" != 0 ]; then
		ip -n "$NSB" link set dev "$PB" allmulticast off
		ip -n "$NSB" maddr del "$MCMAC1" dev "$PB" 2>/dev/null
	fi
	ip -n "$NSA" route del 224.0.0.0/4 dev "$PA" || rc=1
	[ "$rc" = 0 ] && check_ledger
}

# A's operational state, as the link watch last set it.
aoper()
{
	local s

	read -r s < "$SYSA/class/net/$PA/operstate" && echo "$s"
}

# oper_wait STATE: wait until the link watch has seen A's carrier change
# (A's operstate is STATE) and is done with it: it sets the operstate,
# then (de)activates A's qdisc, all under RTNL, which ip link show waits
# for.
oper_wait()
{
	local i s=

	for ((i = 0; i < VMQ_WAIT_POLLS; i++)); do
		s=$(aoper)
		if [ "$s" = "$1" ]; then
			ip -n "$NSA" link show dev "$PA" > /dev/null
			return
		fi
		vmq_nap 0.1
	done
	ktap_diag "operstate of $PA: expected $1, still '$s'"
	return 1
}

# peer_down off|on, peer_unlinked off|on: take B away from A, give it
# back. Down flushes B's neighbours, the static one included: without it
# B would resolve A for its ICMP errors, and A's ARP reply would be one
# more frame in queue 1.
peer_down()
{
	if [ "$1" = off ]; then
		ip -n "$NSB" link set "$PB" down
	else
		ip -n "$NSB" link set "$PB" up &&
		ip -n "$NSB" neigh replace "$IPA" lladdr "$MACA" dev "$PB" nud permanent
	fi
}

peer_unlinked()
{
	if [ "$1" = off ]; then
		vmq_unlink "$NSA" "$IFA"
	else
		vmq_link "$NSA" "$IFA" "$NSB" "$IFB"
	fi
}

# test_tx_no_peer down|unlinked: N datagrams from A while B is down or
# not linked, then N more once it is back. Without its peer A has no
# carrier, and once the link watch has seen that, A's qdisc is noop: the
# frames are dropped before A's ndo_start_xmit (tx.c counts a drop, as
# tx_drops_no_peer, only for those in flight while the link watch catches
# up, which no test can time). So neither A's TX counters (ethtool -S and
# stats64) nor any of B's may move. With B back, nothing has stalled: the next N frames are
# delivered, every one, to B's queue 1 (the filter on B's MAC).
test_tx_no_peer()
{
	local how=peer_$1 rc=0 s0 s1 s2 t0 t1 t2 c core=0

	vmq_functional || return
	core_counts_noop_drops && core=$N
	settle || return 1
	vmq_assert_eq "operstate of $PA" up "$(aoper)" || return 1
	s0=$(rx_snapshot)
	t0="$(atx) $(a64)"
	"$how" off || return 1
	read -r c < "$SYSA/class/net/$PA/carrier"
	vmq_assert_eq "carrier of $PA, its peer $1" 0 "$c" &&
	oper_wait down &&
	vmq_send "$IPB" "$N" &&
	settle || rc=1
	if [ "$rc" = 0 ]; then
		s1=$(rx_snapshot)
		t1="$(atx) $(a64)"
		vmq_assert_eq "A's TX (delivered dropped, by ethtool -S, by stats64), $N sent to a peer $1" \
			"0 0 0 $core" "$(vdelta "$t0" "$t1")" &&
		vmq_assert_eq "B (q0 q1 q2 q3 filtered) while $1" "0 0 0 0 0" \
			"$(vdelta "$s0" "$s1")" || rc=1
	fi
	"$how" on || return 1
	[ "$rc" = 0 ] || return 1
	oper_wait up && vmq_send "$IPB" "$N" && settle || return 1
	s2=$(rx_snapshot)
	t2="$(atx) $(a64)"
	vmq_assert_eq "B (q0 q1 q2 q3 filtered), $N sent once back" "0 $N 0 0 0" \
		"$(vdelta "$s1" "$s2")" &&
	vmq_assert_eq "A's TX (delivered dropped, by ethtool -S, by stats64), once back" \
		"$N 0 $N 0" "$(vdelta "$t1" "$t2")" &&
	check_ledger &&
	check_shmem_accounts
}

# Queue 1 loses its only filter mid-stream: Running -> Paused. Frames that
# were classified to it before the clear are polled an instant later; once
# the default queue has taken a good share of the stream, queue 1 must
# not move any more.
test_paused()
{
	local s0 s1 s2 d d1 tx0 tx

	settle || return 1
	s0=$(bstats)
	tx0=$(atx)
	flood_to || return 1
	vmq_wait_more "queue 1 under the flood" $(( $(vmq_counter rx_queue_1_packets "$s0") + 1000 )) \
		b_queue_packets 1 || { vmq_flood_stop; return 1; }
	filter delete "$(rule_of 1)" || { vmq_flood_stop; return 1; }
	vmq_assert_eq "queue 1" paused "$(vmq_qstate "$ID" 1 1)" || { vmq_flood_stop; return 1; }
	# The default queue takes over; by then anything in flight to queue 1
	# has landed.
	vmq_wait_more "queue 0 after the clear" $(( $(b_queue_packets 0) + 2000 )) b_queue_packets 0 ||
		{ vmq_flood_stop; return 1; }
	s1=$(bstats)
	vmq_wait_more "queue 0 after the clear" $(( $(vmq_counter rx_queue_0_packets "$s1") + 2000 )) \
		b_queue_packets 0 || { vmq_flood_stop; return 1; }
	vmq_flood_stop || return 1
	settle || return 1
	s2=$(bstats)
	tx=$(atx)
	d=$(delta "$s0" "$s2")
	ktap_diag "A sent $(( ${tx% *} - ${tx0% *} )) delivered, $(( ${tx#* } - ${tx0#* } )) dropped; B per queue: $(per_queue packets "$d"), device drops $(vmq_counter_sum "$DEV_DROPS" "$d")"
	d1=$(delta "$s1" "$s2")
	vmq_assert_eq "queue 1 after the clear (packets, drops)" "0 0" \
		"$(vmq_counter rx_queue_1_packets "$d1") $(vmq_counter_sum '^rx_queue_1_drops' "$d1")" ||
		return 1
	vmq_assert_eq "queues 2, 3 (packets, drops) and not for B" "0 0 0" \
		"$(vmq_counter_sum '^rx_queue_2_(packets|drops_.*)$' "$d") $(vmq_counter_sum '^rx_queue_3_(packets|drops_.*)$' "$d") $(vmq_counter rx_drops_filtered "$d")" ||
		return 1
	vmq_assert_eq "A delivered = queue 0 + queue 1 received" \
		$(( ${tx% *} - ${tx0% *} )) \
		$(( $(vmq_counter rx_queue_0_packets "$d") + $(vmq_counter rx_queue_1_packets "$d") +
		    $(vmq_counter_sum "$NAPI_DROPS" "$d") )) || return 1
	vmq_assert_eq "A dropped = queue 0 + queue 1 device drops" \
		$(( ${tx#* } - ${tx0#* } )) "$(vmq_counter_sum "$DEV_DROPS" "$d")" || return 1
	check_ledger
}

# Queue 3 steered to, Paused and freed (ethtool -L) while the flood goes
# on, three times; each time it is gone with its memory.
test_free_under_traffic()
{
	local i rc=0

	flood_to || return 1
	for ((i = 0; i < 3; i++)); do
		filter flow-type ether dst "$MACB" action 3 loc 1 || break
		vmq_wait_more "queue 3 under the flood" $(( $(b_queue_packets 3) + 500 )) b_queue_packets 3 || break
		# Paused, then freed while frames keep arriving.
		filter delete 1 || break
		vmq_cmd_expect 0 in_nsb ethtool -L "$PB" combined 3 || break
		vmq_assert_eq "queue 3 gone" none "$(vmq_qstate "$ID" 1 3)" || break
		check_shmem_accounts || break
		vmq_cmd_expect 0 in_nsb ethtool -L "$PB" combined 4 || break
		vmq_assert_eq "queue 3 back" paused "$(vmq_qstate "$ID" 1 3)" || break
	done
	vmq_flood_stop || rc=1
	[ "$i" = 3 ] && [ "$rc" = 0 ] || return 1
	check_ledger || return 1
	check_shmem_accounts
}

# lend_to_deaf: queue 3 takes B's MAC and lends the buffers of 100
# datagrams of 0x5a bytes to a socket on B that does not read
# (deaf_start). Reads the caller's wait (the
# device's rx_lend_wait_ms file) and sets its w0 (that file's value) and
# o0 (queue 3's pages orphaned so far).
lend_to_deaf()
{
	read -r w0 < "$wait" &&
	filter flow-type ether dst "$MACB" action 3 loc 1 || return 1
	o0=$(bq 3 orphaned)
	deaf_start || return 1
	vmq_send "$IPB" 100 "$LEND_SIZE" 90 && settle &&
	vmq_assert_ge "buffers lent to B's deaf socket" 50 "$(bq 3 lent)"
}

# Lent buffers a socket holds while their queue is freed: FREE_QUEUE
# waits rx_lend_wait_ms for them, then hands the pages to the stack and
# counts them orphaned; the queue's memory is gone from the accounts, its
# lent count back to 0, and the socket's skbs stay readable, every byte as
# received, until it closes (KASAN, kmemleak and DMA-API debug watch that
# on the debug kernel). Freeing the block must not write into an
# orphaned page: unmapping it under swiotlb would copy the bounce buffer
# over it if it synced (make stress runs this with swiotlb=force).
test_lend_deaf_free()
{
	local wait=$VMQ_DEBUGFS/vmqnet$ID/rx_lend_wait_ms o0 rc=0 w0

	lend_to_deaf || rc=1
	vmq_assert_eq "queue 3's mode" lend "$(bq 3 rx_mode)" || rc=1
	echo 300 > "$wait" || rc=1
	filter delete 1 || rc=1
	vmq_cmd_expect 0 in_nsb ethtool -L "$PB" combined 3 || rc=1
	vmq_assert_eq "queue 3 gone" none "$(vmq_qstate "$ID" 1 3)" || rc=1
	check_shmem_accounts || rc=1
	vmq_cmd_expect 0 in_nsb ethtool -L "$PB" combined 4 || rc=1
	vmq_assert_ge "pages orphaned" $((o0 + 1)) "$(bq 3 orphaned)" || rc=1
	vmq_assert_eq "buffers lent after the free" 0 "$(bq 3 lent)" || rc=1
	deaf_drain "$VMQ_TMPD/deaf.out" || rc=1
	vmq_assert_ge "datagrams intact after the free" 50 "$deaf_good" &&
	vmq_assert_eq "datagrams changed by the free" 0 "$deaf_bad" || rc=1
	echo "$w0" > "$wait" || rc=1
	vmq_flood_stop || rc=1
	check_ledger || rc=1
	return "$rc"
}

# The same socket lets go while FREE_QUEUE waits: the free completes
# once the buffers are back, well before its bound, and hands nothing
# off.
test_lend_returned_free()
{
	local wait=$VMQ_DEBUGFS/vmqnet$ID/rx_lend_wait_ms o0 t0 t1 pid rc=0 w0

	lend_to_deaf || rc=1
	echo 30000 > "$wait" || rc=1
	filter delete 1 || rc=1
	t0=$(date +%s)
	in_nsb ethtool -L "$PB" combined 3 &
	pid=$!
	vmq_nap 2
	kill -0 "$pid" 2>/dev/null ||
		{ ktap_diag "FREE_QUEUE did not wait for the lent buffers"; rc=1; }
	vmq_flood_stop || rc=1
	wait "$pid" || rc=1
	t1=$(date +%s)
	ktap_diag "FREE_QUEUE took $((t1 - t0)) s, its bound 30 s"
	[ $((t1 - t0)) -lt 25 ] || { ktap_diag "FREE_QUEUE waited out its bound"; rc=1; }
	vmq_assert_eq "queue 3 gone" none "$(vmq_qstate "$ID" 1 3)" || rc=1
	vmq_cmd_expect 0 in_nsb ethtool -L "$PB" combined 4 || rc=1
	vmq_assert_eq "pages orphaned" "$o0" "$(bq 3 orphaned)" || rc=1
	vmq_assert_eq "buffers lent after the free" 0 "$(bq 3 lent)" || rc=1
	echo "$w0" > "$wait" || rc=1
	check_shmem_accounts || rc=1
	check_ledger || rc=1
	return "$rc"
}

# A lent buffer is the stack's until it comes back: the device must not
# write into it. A socket that does not read holds datagrams of 0xaa
# bytes, lent, while the same queue takes thousands of frames of zeros
# (which the full socket drops); then it reads what it holds, and every
# byte must still be 0xaa. A device that took buffer i for descriptor i
# whatever the driver posted there would write zeros into them.
test_lend_data_kept()
{
	local out=$VMQ_TMPD/deaf.out rc=0

	filter flow-type ether dst "$MACB" action 3 loc 1 || return 1
	deaf_check_start "$out" 170 || return 1
	vmq_send "$IPB" 100 "$LEND_SIZE" 170 && settle || rc=1
	vmq_assert_ge "buffers lent to B's socket" 20 "$(bq 3 lent)" || rc=1
	vmq_send "$IPB" 3000 "$LEND_SIZE" 0 && settle || rc=1
	deaf_drain "$out" || rc=1
	vmq_assert_ge "datagrams intact" 20 "$deaf_good" || rc=1
	vmq_assert_eq "datagrams changed under the socket" 0 "$deaf_bad" || rc=1
	vmq_flood_stop || rc=1
	filter delete 1 || rc=1
	check_ledger || rc=1
	return "$rc"
}

# hw_fault KIND COUNT: the device gets its next COUNT completions wrong
# in the way KIND says (debugfs hw_fault); HW_FAULTS are the kinds that
# a frame of one buffer can have.
HW_FAULTS="offset handle len chain short gso"
hw_fault()
{
	echo "$1" > "$VMQ_DEBUGFS/vmqnet$ID/hw_fault" &&
	echo "$2" > "$VMQ_DEBUGFS/vmqnet$ID/hw_fault_count"
}

# pin CPUS: this shell and the bounded sender on CPUS (taskset).
pin()
{
	taskset -pc "$1" $$ > /dev/null &&
	taskset -pc "$1" "$vmq_sender_pid" > /dev/null
}

# chain_behind: the device says "more" of a frame of one buffer of queue
# 3, and 10 frames are complete behind it when NAPI first looks (it is
# starved while they come): NAPI must drop that frame alone, not take the
# next one for the rest of a chain. Only sysfs is read while NAPI starves
# (the counter server could be on its CPU).
chain_behind()
{
	local thr=$SYSB/class/net/$PB/threaded b0 a0 rc=0

	b0=$(b_queue_bad 3)
	pin 0 && echo 1 > "$thr" || return 1
	if vmq_starve_start "$PB"; then
		a0=$(st64 "$SYSA" "$PA" tx_packets)
		hw_fault chain 1 && vmq_send "$IPB" 1 "$LEND_SIZE" 170 &&
		vmq_send "$IPB" 10 "$LEND_SIZE" 170 &&
		vmq_wait_more "A's frames in B's ring" $((a0 + 11)) \
			st64 "$SYSA" "$PA" tx_packets || rc=1
		vmq_starve_alive ||
			{ ktap_diag "NAPI was starved too short a time"; rc=1; }
	else
		rc=1
	fi
	vmq_starve_stop
	echo 0 > "$thr" && pin "0-$(($(getconf _NPROCESSORS_ONLN) - 1))" ||
		rc=1
	vmq_wait_more "bad completions of queue 3, frames behind" \
		$((b0 + 1)) b_queue_bad 3 || rc=1
	return "$rc"
}

# bad_completions MODE: the device gets a completion of B's queue 3 (in
# rx_mode MODE) wrong in each way it can, one frame at a time (a frame
# behind a false "more" would be taken for the rest of a chain), each
# followed by 10 good ones, then a false "more" with frames behind it
# (chain_behind): NAPI drops each bad frame and only it, counts it
# (drops_bad_completion, rx_errors) and says so, and posts the buffer its
# record says is at the descriptor again, whatever the device wrote
# there. Then frames enough to take every descriptor once more, so that
# the device reads back what was posted where it got the offset wrong.
# The good frames must all arrive intact in B's socket, which holds them
# (lent, on a lending queue) until the end: a buffer lent or posted twice
# would have one overwritten. The ledger balances.
bad_completions()
{
	local out=$VMQ_TMPD/deaf.out kind s0 s1 e0 rc=0 d p bufs b

	vmq_dmesg_mark
	filter flow-type ether dst "$MACB" action 3 loc 1 || return 1
	vmq_assert_eq "queue 3's mode" "$1" "$(bq 3 rx_mode)" || rc=1
	deaf_check_start "$out" 170 $((1 << 20)) || rc=1
	s0=$(bstats) e0=$(st64 "$SYSB" "$PB" rx_errors)
	b=$(vmq_counter rx_queue_3_drops_bad_completion "$s0")
	for kind in $HW_FAULTS; do
		if ! hw_fault "$kind" 1 ||
		   ! vmq_send "$IPB" 1 "$LEND_SIZE" 170 ||
		   ! vmq_wait_more "bad completions of queue 3 after $kind" \
			$((++b)) b_queue_bad 3 ||
		   ! vmq_send "$IPB" 10 "$LEND_SIZE" 170; then
			rc=1
			break
		fi
	done
	hw_fault none 0 || rc=1
	[ "$rc" != 0 ] || chain_behind || rc=1
	bufs=$(vmq_ethtool_current RX: in_nsb ethtool -g "$PB")
	for ((p = 70; rc == 0 && p < 70 + bufs + 8; )); do
		vmq_send "$IPB" 32 "$LEND_SIZE" 170 && settle || rc=1
		p=$(vmq_counter rx_queue_3_packets "$(delta "$s0" "$(bstats)")")
	done
	s1=$(bstats)
	d=$(delta "$s0" "$s1")
	p=$(vmq_counter rx_queue_3_packets "$d")
	vmq_assert_eq "bad completions of queue 3" 7 \
		"$(vmq_counter rx_queue_3_drops_bad_completion "$d")" &&
	vmq_assert_ge "frames queue 3 indicated" $((70 + bufs)) "$p" &&
	vmq_assert_eq "B's rx_errors" $((e0 + 7)) \
		"$(st64 "$SYSB" "$PB" rx_errors)" || rc=1
	deaf_drain "$out" || rc=1
	vmq_assert_eq "datagrams intact" "$p" "$deaf_good" &&
	vmq_assert_eq "datagrams changed under the socket" 0 "$deaf_bad" ||
		rc=1
	vmq_flood_stop || rc=1
	filter delete 1 || rc=1
	vmq_dmesg_new | grep -q "queue 3: bad completion at descriptor" ||
		{ ktap_diag "no bad completion in the kernel log"; rc=1; }
	check_ledger || rc=1
	vmq_dmesg_clean "bad completions" || rc=1
	return "$rc"
}

# Bad completions on a lending queue, then on a copying one (debugfs
# rx_lend off, laid out again by -G), whose buffers never move. Short
# rings, so that B's socket can hold all the frames it takes to go round.
test_bad_completions()
{
	local lend=$VMQ_DEBUGFS/vmqnet$ID/rx_lend bufs rc=0

	if [ "$(getconf _NPROCESSORS_ONLN)" -lt 2 ]; then
		VMQ_SKIP_REASON="starving NAPI needs two CPUs"
		return "$KSFT_SKIP"
	fi
	bufs=$(vmq_ethtool_current RX: in_nsb ethtool -g "$PB")
	vmq_cmd_expect 0 in_nsb ethtool -G "$PB" rx 32 || return 1
	bad_completions lend || rc=1
	echo N > "$lend" &&
	vmq_cmd_expect 0 in_nsb ethtool -G "$PB" rx 48 || return 1
	bad_completions copy:off || rc=1
	echo Y > "$lend" &&
	vmq_cmd_expect 0 in_nsb ethtool -G "$PB" rx "$bufs" || rc=1
	vmq_assert_eq "queue 3's mode" lend "$(bq 3 rx_mode)" || rc=1
	return "$rc"
}

# B's receive buffers per queue (ethtool -g) and its RX and combined
# channels (ethtool -l): "BUFFERS RX COMBINED".
ring_cfg()
{
	echo "$(vmq_ethtool_current RX: in_nsb ethtool -g "$PB")" \
		"$(vmq_ethtool_current "RX: Combined:" in_nsb ethtool -l "$PB")"
}

# ethtool -G and -L on B, a bounded number of cycles, while queue 2 takes
# a flood. Each cycle (a quarter of the buffers, two more channels, and
# back) ends in the configuration B started from, and so must the shared
# memory: once the flood is over, the devlink occupancy is what it was
# before the flood, to the unit. In the middle of a cycle it must differ,
# or comparing it says nothing.
resize_cycles()
{
	local i rc=0 s cfg0 bufs0 ch0 occ0 occ1 occ_mid=

	filter flow-type ether dst "$MACB" action 2 loc 2 || return 1
	cfg0=$(ring_cfg)
	read -r bufs0 _ ch0 <<< "$cfg0"
	vmq_assert_ge "buffers per queue" 64 "$bufs0" &&
	vmq_assert_ge "combined channels" 1 "$ch0" || return 1
	settle || return 1
	occ0=$(vmq_shmem_occ "$ID")
	vmq_assert_ge "shared_memory occupancy before the flood" 1 "$occ0" ||
		return 1
	# Frames the queue lends: -G frees memory with buffers lent.
	flood_to "$IPB" 0 "$LEND_SIZE" || return 1
	for ((i = 0; i < 2; i++)); do
		vmq_wait_more "queue 2 under the flood" $(( $(b_queue_packets 2) + 500 )) b_queue_packets 2 || break
		vmq_cmd_expect 0 in_nsb ethtool -G "$PB" rx $((bufs0 / 4)) || break
		vmq_cmd_expect 0 in_nsb ethtool -L "$PB" combined $((ch0 + 2)) || break
		check_shmem_accounts || break
		occ_mid="$occ_mid $(vmq_shmem_occ "$ID")"
		vmq_cmd_expect 0 in_nsb ethtool -G "$PB" rx "$bufs0" || break
		vmq_cmd_expect 0 in_nsb ethtool -L "$PB" combined "$ch0" || break
	done
	vmq_flood_stop || rc=1
	[ "$i" = 2 ] && [ "$rc" = 0 ] || return 1
	settle || return 1
	s=$(bstats)
	ktap_diag "queue 2: $(vmq_counter rx_queue_2_packets "$s") packets, $(vmq_counter rx_queue_2_drops_not_running "$s") not running, $(vmq_counter rx_queue_2_drops_no_buffer "$s") no buffer"
	vmq_assert_eq "B's buffers, RX and combined channels after the cycles" \
		"$cfg0" "$(ring_cfg)" || return 1
	occ1=$(vmq_shmem_occ "$ID")
	ktap_diag "shared_memory occupancy: $occ0 before, ${occ_mid# } mid-cycle, $occ1 after"
	vmq_assert_eq "shared_memory occupancy after the cycles" "$occ0" "$occ1" ||
		return 1
	case " $occ_mid " in
	*" $occ0 "*)
		ktap_diag "the occupancy mid-cycle was the starting one"
		return 1
		;;
	esac
	filter delete 2 || return 1
	check_ledger || return 1
	check_shmem_accounts
}

# The cycles run with B's NAPI threaded (/sys/class/net/DEV/threaded):
# each ring's poll runs in a kthread, so quiescing a queue for -G and -L
# waits for a poll on another CPU rather than in softirq (the queue freed
# under traffic above covers softirq). Back to softirq after.
test_resize_under_traffic()
{
	local f=$SYSB/class/net/$PB/threaded rc

	echo 1 > "$f" || return 1
	resize_cycles
	rc=$?
	echo 0 > "$f" || return 1
	return "$rc"
}

# ---- reconfiguration under traffic ------------------------------------------

# op CMD...: one reconfiguration, counted in a loop's tried/refused;
# refused is fine (the loops race each other). No timeout of its own
# (an exec each costs under TCG): a hang is the hung task detector's
# splat, and the kselftest timeout's failure.
op()
{
	tried=$((tried + 1))
	"$@" > /dev/null 2>&1 && return 0
	refused=$((refused + 1))
	return 1
}
opb() { op vmq_nsenter "$NSB" "$@"; }

# opw FILE TEXT: one reconfiguration through a write to a sysfs or
# debugfs file, made by the shell itself.
opw()
{
	tried=$((tried + 1))
	{ printf '%b' "$2" > "$1"; } 2>/dev/null && return 0
	refused=$((refused + 1))
	return 1
}

# reconf_loop NAME CYCLES: CYCLES cycles of loop_NAME (one cycle is a
# round trip back to the configuration it started from), or fewer if
# $VMQ_TMPD/stop appears; "tried refused seconds" into $VMQ_TMPD/loop.NAME.
reconf_loop()
{
	local i tried=0 refused=0 t0=$SECONDS

	for ((i = 0; i < $2; i++)); do
		[ ! -e "$VMQ_TMPD/stop" ] || break
		"loop_$1" "$i"
	done
	echo "$tried $refused $((SECONDS - t0))" > "$VMQ_TMPD/loop.$1"
}

# B's channels, rings and filters: grow, steer the tagged flow into
# queue 2, halve the buffers, stop steering, back to the start.
loop_queues()
{
	opb ethtool -L "$PB" combined 6
	opb ethtool -N "$PB" flow-type ether dst "$MACB" vlan "$VID" action 2 loc 5
	opb ethtool -G "$PB" rx $((BUFS0 / 2))
	opb ethtool -N "$PB" delete 5
	opb ethtool -G "$PB" rx "$BUFS0"
	opb ethtool -L "$PB" combined 4
}

# A macvlan on B taking a VM queue (l2-fwd-offload), moved to A's
# namespace and back (down, then up again in NSB), then removed.
loop_macvlan()
{
	opb ethtool -K "$PB" l2-fwd-offload on
	op ip -n "$NSB" link add vmqrxmv link "$PB" type macvlan
	op ip -n "$NSB" link set vmqrxmv up
	op ip -n "$NSB" link set vmqrxmv netns "$NSA"
	op ip -n "$NSA" link set vmqrxmv netns "$NSB"
	op ip -n "$NSB" link set vmqrxmv up
	op ip -n "$NSB" link del vmqrxmv
	opb ethtool -K "$PB" l2-fwd-offload off
}

# A and B unlinked and linked again, an outside client (the test module)
# allocating and freeing on B's default queue, and every third cycle
# (a reload costs seconds on the debug kernel) device C reloaded.
loop_links()
{
	local fda fdb h

	exec {fda}<"/run/netns/$NSA" {fdb}<"/run/netns/$NSB"
	opw "$VMQ_BUS/unlink_device" "$fda:$IFA\n"
	if opw "$VMQ_USER/cmd" "alloc $QB0 receive 65536\n"; then
		h=$(vmq_uresult handle)
		opw "$VMQ_USER/cmd" "free $h\n"
	fi
	opw "$VMQ_BUS/link_device" "$fda:$IFA $fdb:$IFB\n"
	exec {fda}<&- {fdb}<&-
	[ $(($1 % 3)) != 0 ] || op devlink dev reload "vmqnet/vmqnet$IDC"
}

# Delete every rule of B.
rules_clear()
{
	local -a l locs=()
	local loc

	while read -r -a l; do
		[ "${l[0]:-}" = Filter: ] && locs+=("${l[1]}")
	done < <(in_nsb ethtool -n "$PB")
	for loc in "${locs[@]}"; do
		filter delete "$loc" || return 1
	done
}

# The three loops side by side for RECONF reconfigurations in all, under
# two floods from A: untagged to B (the default queue) and tagged on the
# VLAN (queue 2 while its filter is there, else the default queue).
# Then every frame A sent is accounted for (the ledger), the shared memory
# is back to what it was, to the unit, and B's configuration too.
test_reconfig_under_traffic()
{
	local cfg0 occ0 q2 n t r secs pids
	local rc=0 tot=0 ref=0 qtab0 qtab

	rules_clear || return 1
	cfg0=$(ring_cfg)
	read -r BUFS0 _ <<< "$cfg0"
	settle || return 1
	vmq_dev_create "$IDC" 1 2 || return 1
	vmq_user_load && vmq_ucmd 0 open "$ID" || return 1
	occ0=$(vmq_shmem_occ "$ID")
	qtab0=$(b_queues_layout)
	q2=$(b_queue_packets 2)
	rm -f "$VMQ_TMPD/stop" "$VMQ_TMPD"/loop.*
	flood_to "$IPB" "$PACE" && flood_to "$VIPB" "$PACE" || return 1
	vmq_wait_more "queue 0 under the floods" $(( $(b_queue_packets 0) + 500 )) b_queue_packets 0 || rc=1
	# Cycles for about the same time each on the debug kernel: a cycle
	# of the queues' loop (6 reconfigurations) or the macvlan's (8) costs
	# seconds there, of the links' (4, a reload every third) one. RECONF
	# in all: about 18% queues, 20% macvlan, the rest links.
	reconf_loop queues $(( (RECONF + 35) / 36 )) &
	pids=$!
	reconf_loop macvlan $(( (RECONF + 39) / 40 )) &
	pids="$pids $!"
	reconf_loop links $(( (RECONF * 5 / 8 + 3) / 4 )) &
	# shellcheck disable=SC2086 # three pids
	wait $pids $!
	vmq_flood_stop || rc=1
	for n in queues macvlan links; do
		read -r t r secs < "$VMQ_TMPD/loop.$n" || { ktap_diag "loop $n did not finish"; rc=1; continue; }
		ktap_diag "loop $n: $t reconfigurations, $r refused, in $secs s"
		tot=$((tot + t)) ref=$((ref + r))
	done
	vmq_ucmd 0 close && rmmod vmqnet_shmem_user || rc=1
	vmq_dev_delete "$IDC" || rc=1
	[ "$rc" = 0 ] || return 1
	vmq_assert_ge "reconfigurations made" "$RECONF" $((tot - ref)) || return 1
	if [ "$(b_queue_packets 2)" -le "$q2" ]; then
		ktap_diag "the tagged flow never reached queue 2"
		return 1
	fi
	check_ledger || return 1
	vmq_assert_eq "B's buffers, RX and combined channels" "$cfg0" "$(ring_cfg)" &&
	vmq_assert_eq "shared_memory occupancy" "$occ0" "$(vmq_shmem_occ "$ID")" &&
	check_shmem_accounts || return 1
	# Every queue of B as it was: state, owner, filters, buffers, memory.
	qtab=$(b_queues_layout)
	if [ "$qtab" != "$qtab0" ]; then
		ktap_diag "B's queues before the loops and after:"
		printf '%s\n%s\n' "$qtab0" "$qtab" | sed 's/^/#   /'
		return 1
	fi
	echo "# reconfigurations: $tot under traffic ($ref refused), ledger balanced, occupancy back to baseline"
}

# rmmod while the floods and two of the loops run (not the test module's:
# a client of vmqnet holds it in place); then vmqnet loads again.
test_rmmod_under_reconfig()
{
	local rc=0 pids

	vmq_module_unloadable || return
	pair_setup || return 1
	read -r BUFS0 _ <<< "$(ring_cfg)"
	rm -f "$VMQ_TMPD/stop" "$VMQ_TMPD"/loop.*
	# A socket that never reads holds the buffers of the flood's frames:
	# the device goes with buffers lent, and the socket lets go of them
	# only after the module is gone.
	deaf_start || return 1
	flood_to "$IPB" 0 "$LEND_SIZE" || return 1
	vmq_wait_more "queue 0 under the flood" $(( $(b_queue_packets 0) + 500 )) b_queue_packets 0 || rc=1
	vmq_assert_ge "buffers lent to B's deaf socket" 1 "$(bq 0 lent)" || rc=1
	reconf_loop queues 1000 &
	pids=$!
	reconf_loop macvlan 1000 &
	vmq_nap 3
	vmq_module_unload || rc=1
	touch "$VMQ_TMPD/stop"
	# shellcheck disable=SC2086 # two pids
	wait $pids $!
	vmq_flood_kill
	vmq_module_load && vmq_assert_exists "$VMQ_BUS" || return 1
	return "$rc"
}

# The kernel log since vmq_dmesg_mark has B's queue 0 handing pages off
# to the stack; B is unregistering then ("NAME (unregistering): ...").
reload_handed_off()
{
	local l

	while read -r l; do
		[[ $l == *" $PB"?(" ("*")")": queue 0: "*" still held by the stack"* ]] &&
			return 0
	done < <(vmq_dmesg_new)
	return 1
}

test_teardown_under_traffic()
{
	local rc=0

	# A socket that never reads holds buffers B's queues lent: the down,
	# the reload and the removal each free B's memory with buffers lent.
	deaf_start || return 1
	flood_to "$IPB" 0 "$LEND_SIZE" || return 1
	vmq_wait_more "queue 0 under the flood" $(( $(b_queue_packets 0) + 500 )) b_queue_packets 0 || rc=1
	vmq_assert_ge "buffers lent to B's deaf socket" 1 "$(bq 0 lent)" || rc=1
	ip -n "$NSB" link set "$PB" down && ip -n "$NSB" link set "$PB" up || rc=1
	check_shmem_accounts || rc=1
	vmq_wait_more "queue 0 under the flood, up again" $(( $(b_queue_packets 0) + 500 )) b_queue_packets 0 || rc=1
	vmq_assert_ge "buffers lent again" 1 "$(bq 0 lent)" || rc=1
	# The reload re-creates the ports, in the initial namespace: the
	# flood goes nowhere after it, and the removal finds B unlinked. It
	# waits for what B's queue 0 lent, then hands the socket's pages off.
	vmq_dmesg_mark
	vmq_cmd_expect 0 devlink dev reload "vmqnet/vmqnet$ID" || rc=1
	reload_handed_off ||
		{ ktap_diag "the reload handed no page of B's queue 0 off"; rc=1; }
	check_shmem_accounts || rc=1
	vmq_dev_delete "$ID" || rc=1
	vmq_flood_stop || rc=1
	return "$rc"
}

# The CPUs where B's NAPI found frames while A's bounded sender, on CPU
# $1, sent $2 datagrams to B: "CPU..." from the napi_poll tracepoint, in
# a trace instance of its own.
napi_cpus()
{
	local t=/sys/kernel/tracing/instances/vmqirq$$ rc=0

	taskset -pc "$1" "$vmq_sender_pid" > /dev/null || return 1
	mkdir "$t" || return 1
	echo "dev_name == \"$PB\" && work > 0" \
		> "$t/events/napi/napi_poll/filter" &&
	echo 1 > "$t/events/napi/napi_poll/enable" &&
	vmq_send "$IPB" "$2" && settle || rc=1
	echo 0 > "$t/events/napi/napi_poll/enable"
	[ "$rc" = 0 ] &&
		sed -n 's/.*\[0*\([0-9][0-9]*\)\] .* napi_poll: .*/\1/p' "$t/trace" |
		sort -un | tr '\n' ' '
	rmdir "$t"
	return "$rc"
}

# irq_set CPU: every queue of B interrupts CPU (-1: the sender's).
irq_set()
{
	local f

	for f in "$VMQ_DEBUGFS/vmqnet$ID"/ports/1/irq_cpu/*; do
		echo "$1" > "$f" || return 1
	done
}

# A queue's interrupt fires on the CPU it is affine to, and NAPI runs in
# softirq context there, whichever CPU the sender (and so the device's
# "DMA") ran on; with -1, or with that CPU offline, NAPI runs on the
# sender's CPU, as on veth.
test_irq_cpu()
{
	local d=$VMQ_DEBUGFS/vmqnet$ID/ports/1/irq_cpu rc=0 old v f q1
	local cpu1=/sys/devices/system/cpu/cpu1/online
	local -a saved=()

	vmq_functional || return
	if [ "$(getconf _NPROCESSORS_ONLN)" -lt 2 ]; then
		VMQ_SKIP_REASON="needs two CPUs"
		return "$KSFT_SKIP"
	fi
	[ -d /sys/kernel/tracing/instances ] ||
		mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
	if [ ! -d /sys/kernel/tracing/instances ]; then
		VMQ_SKIP_REASON="no tracefs"
		return "$KSFT_SKIP"
	fi
	for f in "$d"/*; do
		saved+=("$f" "$(< "$f")")
	done
	vmq_assert_eq "queue 1's interrupt by default (queue r on CPU r)" 1 \
		"$(< "$d/1")" || return 1
	old=$(< "$d/2")
	for v in -2 4096 x 1x ""; do
		if echo "$v" > "$d/2" 2>/dev/null; then
			ktap_diag "irq_cpu took '$v'"
			rc=1
		fi
	done
	vmq_assert_eq "irq_cpu after bad input" "$old" "$(< "$d/2")" || rc=1

	filter flow-type ether dst "$MACB" action 1 loc 1 || return 1
	irq_set 1 && v=$(napi_cpus 0 200) &&
	vmq_assert_eq "NAPI's CPUs, interrupt on CPU 1, sender on CPU 0" \
		"1 " "$v" || rc=1
	irq_set 0 && v=$(napi_cpus 1 200) &&
	vmq_assert_eq "NAPI's CPUs, interrupt on CPU 0, sender on CPU 1" \
		"0 " "$v" || rc=1
	irq_set -1 && v=$(napi_cpus 0 200) &&
	vmq_assert_eq "NAPI's CPUs, no interrupt, sender on CPU 0" \
		"0 " "$v" || rc=1
	irq_set -1 && v=$(napi_cpus 1 200) &&
	vmq_assert_eq "NAPI's CPUs, no interrupt, sender on CPU 1" \
		"1 " "$v" || rc=1
	# The interrupt's CPU goes offline: NAPI runs on the CPU that wrote
	# the frames, and none is lost.
	if [ -w "$cpu1" ]; then
		q1=$(b_queue_packets 1)
		irq_set 1 && echo 0 > "$cpu1" && v=$(napi_cpus 0 200) &&
		vmq_assert_eq "NAPI's CPUs, interrupt on CPU 1, which is offline" \
			"0 " "$v" || rc=1
		echo 1 > "$cpu1" || rc=1
		vmq_assert_eq "frames in queue 1 with its CPU offline" \
			$((q1 + 200)) "$(b_queue_packets 1)" || rc=1
	else
		ktap_diag "CPU 1 cannot go offline here: not tested with it offline"
	fi
	taskset -pc 0-1 "$vmq_sender_pid" > /dev/null || rc=1
	for ((v = 0; v < ${#saved[@]}; v += 2)); do
		echo "${saved[v + 1]}" > "${saved[v]}" || rc=1
	done
	filter delete 1 || rc=1
	check_ledger || rc=1
	return "$rc"
}

# DMA-API debug counts every misuse it catches (also reported in the
# kernel log, which the guest runner scans).
test_dma_api()
{
	local f=/sys/kernel/debug/dma-api/error_count

	if [ ! -r "$f" ]; then
		VMQ_SKIP_REASON="no DMA-API debug (CONFIG_DMA_API_DEBUG) in this kernel"
		return "$KSFT_SKIP"
	fi
	vmq_assert_eq "DMA-API debug error_count" 0 "$(< "$f")"
}

vmq_setup "two linked ports in two namespaces" setup_namespaces_pair
ktap_plan 18
vmq_test "rx: unicast to a filtered MAC in its queue, broadcast and ARP in the default queue" test_steer_unicast
vmq_test "rx: another MAC only when filtered or promiscuous" test_steer_other_mac
vmq_test "rx: a VLAN filter steers only tagged frames" test_vlan
vmq_test "rx: multicast only when joined or allmulticast, in the default queue" test_multicast
vmq_test "tx: nothing reaches a peer that is down, all once it is up" test_tx_no_peer down
vmq_test "tx: nothing reaches an unlinked peer, all once linked again" test_tx_no_peer unlinked
vmq_test "rx: a queue Paused mid-stream, the default queue takes over" test_paused
vmq_test "rx: a queue freed under traffic, counters add up" test_free_under_traffic
vmq_test "rx: a queue freed while a socket holds lent buffers, pages orphaned" test_lend_deaf_free
vmq_test "rx: a queue freed waits for lent buffers that come back" test_lend_returned_free
vmq_test "rx: lent buffers keep their data while the queue takes more" test_lend_data_kept
vmq_test "rx: bad completions dropped, counted, buffers posted again" test_bad_completions
vmq_test "rx: NAPI runs on the CPU of the queue's interrupt" test_irq_cpu
vmq_test "rx: -G and -L under traffic, threaded NAPI, counters add up, memory back" test_resize_under_traffic
vmq_test "rx: reconfiguration loops under two floods, ledger and memory back" test_reconfig_under_traffic
vmq_test "rx: down, up, reload and removal under traffic, buffers lent" test_teardown_under_traffic
vmq_test "rx: rmmod under traffic and reconfiguration" test_rmmod_under_reconfig
vmq_test "rx: no DMA-API debug errors" test_dma_api
ktap_finish
