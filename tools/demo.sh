#!/bin/bash
# make demo, guest side: what a user of vmqnet would look at.
set -eu

show() {
	printf '\n$ %s\n' "$*"
	"$@"
}

echo "vmqnet demo on $(uname -r)"
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

# ---- traffic: two linked ports in two namespaces ---------------------------
echo
echo "== traffic between two namespaces over a linked pair"
show sh -c 'echo "2 2 4" > /sys/bus/vmqnet/new_device'
mapfile -t tp <<< "$(ls /sys/bus/vmqnet/devices/vmqnet2/net/)"
show ip netns add demo_a
show ip netns add demo_b
show ip link set "${tp[0]}" netns demo_a
show ip link set "${tp[1]}" netns demo_b
ifa=$(ip -n demo_a -j link show dev "${tp[0]}" | jq -r '.[0].ifindex')
ifb=$(ip -n demo_b -j link show dev "${tp[1]}" | jq -r '.[0].ifindex')
exec {fda}</run/netns/demo_a {fdb}</run/netns/demo_b
printf '\n$ echo "%s" > /sys/bus/vmqnet/link_device   # NETNSFD:IFINDEX x2\n' \
	"$fda:$ifa $fdb:$ifb"
echo "$fda:$ifa $fdb:$ifb" > /sys/bus/vmqnet/link_device
show ip -n demo_a addr add 10.8.0.1/24 dev "${tp[0]}"
show ip -n demo_b addr add 10.8.0.2/24 dev "${tp[1]}"
show ip -n demo_a link set "${tp[0]}" up
show ip -n demo_b link set "${tp[1]}" up
show ip -n demo_b link show "${tp[1]}"
macb=$(ip -n demo_b -j link show dev "${tp[1]}" | jq -r '.[0].address')
# VM queue 1 takes the frames to B's MAC, if the filter is accepted.
show ip netns exec demo_b ethtool -N "${tp[1]}" flow-type ether dst "$macb" \
	action 1 || true
ip netns exec demo_b iperf3 -s -1 > /dev/null 2>&1 &
sleep 1
show ip netns exec demo_a iperf3 -c 10.8.0.2 -t 2
wait || true
show ip -n demo_a -s link show "${tp[0]}"
show ip netns exec demo_b ethtool -S "${tp[1]}" || true
for f in blocks totals; do
	f=/sys/kernel/debug/vmqnet/vmqnet2/shmem/$f
	[ ! -f "$f" ] || show cat "$f"
done
printf '\n$ echo "%s" > /sys/bus/vmqnet/unlink_device\n' "$fda:$ifa"
echo "$fda:$ifa" > /sys/bus/vmqnet/unlink_device
show ip -n demo_b link show "${tp[1]}"
exec {fda}<&- {fdb}<&-
show ip netns del demo_a
show ip netns del demo_b
show sh -c 'echo 2 > /sys/bus/vmqnet/del_device'

# ---- macvlan offload and the devlink view of the VM queues (issue 4) --------
printf "\n# macvlan l2-fwd-offload: one VM queue per macvlan\n"
show sh -c 'echo "3 1 4" > /sys/bus/vmqnet/new_device'
pd=$(ls /sys/bus/vmqnet/devices/vmqnet3/net/)
show ip link set "$pd" up
show ethtool -K "$pd" l2-fwd-offload on
show ip link add mvdemo0 link "$pd" type macvlan mode bridge
show ip link set mvdemo0 up
show devlink health diagnose vmqnet/vmqnet3 reporter vmq
show devlink resource show vmqnet/vmqnet3
show ip link del mvdemo0
show devlink dev param set vmqnet/vmqnet3 name lookahead_split value true \
	cmode driverinit
show devlink dev reload vmqnet/vmqnet3
show devlink health diagnose vmqnet/vmqnet3 reporter vmq
show sh -c 'echo 3 > /sys/bus/vmqnet/del_device'
