#!/bin/bash
# make demo, guest side: what a user of vmqnet would look at.
#
#   1. a device, its ports and devlink instance;
#   2. VM queues on a linked pair of ports in two namespaces: allocated
#      (ethtool -L), filtered (ethtool -N) and taken by a macvlan
#      (l2-fwd-offload), listed with their shared memory; traffic split
#      into them by MAC, with the per-queue counters; the macvlan's filter
#      following its MAC; interrupt moderation (ethtool -C: adaptive by
#      default, or fixed) and the interrupts it saves; a device that writes
#      bad completions (debugfs hw_fault), which NAPI drops and counts; a
#      "VM" process receiving its MAC's frames in
#      zero-copy mode on a queue of its own, its UMEM among the queue's
#      shared memory (AF_XDP); then freed;
#   3. the receive buffer layout: devlink params applied at reload.
#
# Every step that must work is checked: the demo exits non-zero otherwise.
set -eu -o pipefail

show() {
	printf '\n$ %s\n' "$*"
	"$@"
}

# shown CMD...: print a command line, then run it through bash (pipes;
# any failing stage fails it).
shown() {
	printf '\n$ %s\n' "$*"
	bash -o pipefail -c "$*"
}

section() { printf '\n\n==== %s\n' "$*"; }

grep -q ' /sys/kernel/debug ' /proc/mounts ||
	mount -t debugfs none /sys/kernel/debug

echo "vmqnet demo on $(uname -r)"
section "a device: ports, devlink"
show sh -c 'echo "1 2 8" > /sys/bus/vmqnet/new_device'
show ls /sys/bus/vmqnet/devices/vmqnet1/net/
mapfile -t ports < <(ls /sys/bus/vmqnet/devices/vmqnet1/net/)
show devlink dev show
show devlink dev info vmqnet/vmqnet1
show devlink port show
show ip link set "${ports[0]}" up
show ip -d link show "${ports[0]}"
show ethtool -i "${ports[0]}"
show ethtool -l "${ports[0]}"
show sh -c 'echo 1 > /sys/bus/vmqnet/del_device'
show devlink dev show

# ---- VM queues and traffic between two namespaces --------------------------
section "VM queues: two linked ports, A in demo_a, B in demo_b"
DL=vmqnet/vmqnet2
DBG=/sys/kernel/debug/vmqnet/vmqnet2
show sh -c 'echo "2 2 2" > /sys/bus/vmqnet/new_device'
mapfile -t tp < <(ls /sys/bus/vmqnet/devices/vmqnet2/net/)
A=${tp[0]} B=${tp[1]}
QB=$DBG/ports/1/queues
show ip netns add demo_a
show ip netns add demo_b
show ip netns add demo_c
show ip link set "$A" netns demo_a
show ip link set "$B" netns demo_b
ifa=$(ip -n demo_a -j link show dev "$A" | jq -r '.[0].ifindex')
ifb=$(ip -n demo_b -j link show dev "$B" | jq -r '.[0].ifindex')
exec {fda}</run/netns/demo_a {fdb}</run/netns/demo_b
printf '\n$ echo "%s" > /sys/bus/vmqnet/link_device   # NETNSFD:IFINDEX x2\n' \
	"$fda:$ifa $fdb:$ifb"
echo "$fda:$ifa $fdb:$ifb" > /sys/bus/vmqnet/link_device
show ip -n demo_a addr add 10.8.0.1/24 dev "$A"
show ip -n demo_b addr add 10.8.0.2/24 dev "$B"
show ip -n demo_a link set "$A" up
show ip -n demo_b link set "$B" up
macb=$(ip -n demo_b -j link show dev "$B" | jq -r '.[0].address')

section "allocate: ethtool -L (ALLOCATE_QUEUE + ALLOCATION_COMPLETE)"
show ip netns exec demo_b ethtool -l "$B"
show ip netns exec demo_b ethtool -L "$B" combined 4
shown "column -t $QB"

section "filter: ethtool -N (SET_FILTER), B's own MAC to VM queue 1"
show ip netns exec demo_b ethtool -N "$B" flow-type ether dst "$macb" action 1
show ip netns exec demo_b ethtool -n "$B"

section "macvlan offload: mv_c (in demo_c, on B) takes a VM queue of its own"
show ip netns exec demo_b ethtool -K "$B" l2-fwd-offload on
show ip -n demo_b link add mv_c link "$B" type macvlan mode bridge
show ip -n demo_b link set mv_c netns demo_c
show ip -n demo_c addr add 10.8.0.3/24 dev mv_c
show ip -n demo_c link set mv_c up

section "the queues of B and their shared memory"
shown "column -t $QB"
# The dump, one line per queue and one per shared memory block.
jq_queues='.ports[1].queues[] |
	"queue \(.id) \(.state), owner \(.owner), filters [\([.filter_list[].mac] | join(" "))]",
	(.blocks[] | "    \(.block): usage \(.usage), shmem_handle \(.shmem_handle), \(.bytes) bytes")'
show devlink health dump clear "$DL" reporter vmq
printf '\n$ devlink -j health dump show %s reporter vmq | jq ...   # %s\n' \
	"$DL" "a line per queue, one per shared memory block"
devlink -j health dump show "$DL" reporter vmq | jq -r "$jq_queues"
show devlink resource show "$DL"

section "traffic: A -> B (MAC filter, queue 1), A -> mv_c (macvlan, queue 2)"
# iperf3's summary lines only; the servers serve one client and exit.
iperf() {
	local ns=$1 ip=$2 pid

	ip netns exec "$ns" iperf3 -s -1 -B "$ip" > /dev/null 2>&1 &
	pid=$!
	sleep 1
	shown "ip netns exec demo_a iperf3 -c $ip -t 2 | grep -E 'sender|receiver'"
	wait "$pid"
}
iperf demo_b 10.8.0.2
iperf demo_c 10.8.0.3
# B's queues lent their buffers to the stack rather than copy the frames
# out; TSO super-frames longer than an skb's 17 fragments are chained.
shown "cut -d' ' -f1,14-20 $QB | column -t"
shown "ip netns exec demo_b ethtool -S $B |
	grep -E 'rx_queue_[0-9]+_(packets|bytes|shmem_bytes):'"
show ip -n demo_c -s link show mv_c
shown "column -t $DBG/shmem/blocks"
show cat "$DBG/shmem/totals"

section "mv_c changes its MAC: the filter of its queue follows it"
show ip -n demo_c link set mv_c address 02:00:00:00:0c:02
show ip netns exec demo_b ethtool -n "$B"

section "interrupt moderation: ethtool -C, on B's VM queue 1"
# By default DIM (adaptive-rx) picks each queue's moderation. Unmoderated,
# a frame that finds the queue's NAPI idle raises the interrupt; with
# rx-usecs the device holds it back for a batch.
TOP=$(cd "$(dirname "$0")/.." && pwd)
q1() {
	ip netns exec demo_b ethtool -S "$B" |
		awk -v s="rx_queue_1_$1:" '$1 == s { print $2 }'
}
# Not checked: how many interrupts a frame takes depends on how busy the
# machine is (coalesce.sh tests the bounds).
show ip netns exec demo_b ethtool -c "$B"
for u in 0 300 adaptive; do
	if [ $u = adaptive ]; then
		show ip netns exec demo_b ethtool -C "$B" adaptive-rx on rx-usecs 0
	else
		show ip netns exec demo_b ethtool -C "$B" adaptive-rx off rx-usecs "$u"
	fi
	p0=$(q1 packets) i0=$(q1 irqs)
	shown "ip netns exec demo_a python3 -S $TOP/selftests/drivers/net/vmqnet/send.py udp 10.8.0.2 2000 64 30"
	sleep 1
	printf '# %s: %s frames on queue 1, %s interrupts\n' \
		"$([ $u = adaptive ] && echo adaptive-rx || echo "rx-usecs $u")" \
		"$(($(q1 packets) - p0))" "$(($(q1 irqs) - i0))"
done
# DIM's choice for each queue now, in microseconds: the irq_usecs column.
shown "awk 'NR == 1 { for (i = 1; i <= NF; i++) if (\$i == \"irq_usecs\") c = i }
	{ print \$1, \$c }' $QB | column -t"

section "a device gone wrong: NAPI checks each completion (debugfs hw_fault)"
# The device names the neighbouring buffer in its next 3 completions.
# NAPI goes by its own record of the buffer it posted at each descriptor,
# not by what the device wrote: it drops those 3 frames, counts them, and
# gives each descriptor its buffer back.
bad_b1() {
	ip netns exec demo_b ethtool -S "$B" |
		awk '$1 == "rx_queue_1_drops_bad_completion:" { print $2 }'
}
bad0=$(bad_b1)
shown "echo offset > $DBG/hw_fault; echo 3 > $DBG/hw_fault_count"
shown "ip netns exec demo_a python3 -S $TOP/selftests/drivers/net/vmqnet/send.py udp 10.8.0.2 20 1000 5"
sleep 1
shown "ip netns exec demo_b ethtool -S $B |
	grep -E 'rx_queue_1_(packets|drops_bad_completion):'"
shown "ip -n demo_b -s link show $B | grep -A1 'RX:'"
[ $(($(bad_b1) - bad0)) -eq 3 ] ||
	{ echo "demo: expected 3 bad completions on B's queue 1" >&2; exit 1; }
show cat "$DBG/hw_fault_injected"

section "a VM process on VM queue 3: AF_XDP zero copy into its own memory"
# xsk_rx (selftests, libxdp) binds queue 3 in zero-copy mode: its UMEM
# becomes the queue's receive memory, and the device writes the frames for
# the VM's MAC straight into it.
macv=02:00:00:00:0e:01
show ip netns exec demo_b ethtool -N "$B" flow-type ether dst "$macv" action 3 loc 7
show ip -n demo_a neigh add 10.8.0.9 lladdr "$macv" dev "$A"
vm_out=$(mktemp)
printf '\n$ ip netns exec demo_b xsk_rx -i %s -q 3 -m %s -n 1000 &\n' "$B" "$macv"
ip netns exec demo_b "$TOP/selftests/drivers/net/vmqnet/xsk_rx" -i "$B" -q 3 \
	-m "$macv" -n 1000 -t 60 > "$vm_out" 2> /dev/null &
vm_pid=$!
for _ in $(seq 100); do
	grep -q '^bound' "$vm_out" && break
	sleep 0.2
done
cat "$vm_out"
grep -q '^bound zc queue 3$' "$vm_out"
shown "cut -d' ' -f1-3,12-14 $QB | column -t"
shown "column -t $DBG/shmem/blocks | grep -E 'provider|xsk'"
shown "ip netns exec demo_a python3 -S $TOP/selftests/drivers/net/vmqnet/send.py udp 10.8.0.9 1000 64 30"
wait "$vm_pid"
printf '\n$ # the VM, when it has its 1000 frames:\n'
cat "$vm_out"
grep -q 'good 1000 bad 0 foreign 0$' "$vm_out"
rm -f "$vm_out"
printf '\n$ # its socket closed: the UMEM is gone from the queue\n'
shown "cut -d' ' -f1-3,12-14 $QB | column -t"
show ip netns exec demo_b ethtool -N "$B" delete 7

section "free: the macvlan goes, the filter goes, ethtool -L shrinks (FREE_QUEUE)"
show ip -n demo_c link del mv_c
show ip netns exec demo_b ethtool -N "$B" delete \
	"$(ip netns exec demo_b ethtool -n "$B" | awk '/^Filter:/ { print $2; exit }')"
shown "column -t $QB"
show ip netns exec demo_b ethtool -L "$B" combined 2
shown "column -t $QB"
show devlink resource show "$DL"

printf '\n$ echo "%s" > /sys/bus/vmqnet/unlink_device\n' "$fda:$ifa"
echo "$fda:$ifa" > /sys/bus/vmqnet/unlink_device
show ip -n demo_b link show "$B"
exec {fda}<&- {fdb}<&-
show ip netns del demo_a
show ip netns del demo_b
show ip netns del demo_c
show sh -c 'echo 2 > /sys/bus/vmqnet/del_device'

# ---- receive buffer layout: devlink params, applied at reload --------------
section "lookahead split: a devlink param, applied at reload"
show sh -c 'echo "3 1 2" > /sys/bus/vmqnet/new_device'
shown "devlink -j health diagnose vmqnet/vmqnet3 reporter vmq |
	jq -M -c .capabilities"
show devlink dev param set vmqnet/vmqnet3 name lookahead_split value true \
	cmode driverinit
show devlink dev reload vmqnet/vmqnet3
pd=$(ls /sys/bus/vmqnet/devices/vmqnet3/net/)
show ip link set "$pd" up
shown "column -t /sys/kernel/debug/vmqnet/vmqnet3/ports/0/queues"
shown "column -t /sys/kernel/debug/vmqnet/vmqnet3/shmem/blocks"
show sh -c 'echo 3 > /sys/bus/vmqnet/del_device'
echo
echo "demo done"
