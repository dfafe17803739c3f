# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Sourced by the guest-side benchmarks (tools/bench-*.sh).

bench_ifidx() { ip -n "$1" -j link show dev "$2" | jq -r '.[0].ifindex'; }
bench_mac() { ip -n "$1" -j link show dev "$2" | jq -r '.[0].address'; }

# bench_ends KIND ID NS_TX NS_RX [HOOK]: two linked ends, one in each of
# the namespaces NS_TX and NS_RX, which it creates: a veth pair (KIND
# veth), or the two ports of a new vmqnet device ID with 4 queues each,
# linked; HOOK PORT_A PORT_B runs on those before they move. Sets
# bench_a (in NS_TX) and bench_b.
bench_ends() {
	local kind=$1 id=$2 nst=$3 nsr=$4 hook=${5:-} fdt fdr devs

	ip netns add "$nst"
	ip netns add "$nsr"
	if [ "$kind" = veth ]; then
		ip link add vb_tx netns "$nst" type veth peer vb_rx netns "$nsr"
		bench_a=vb_tx bench_b=vb_rx
		return
	fi
	echo "$id 2 4" > /sys/bus/vmqnet/new_device
	mapfile -t devs <<< "$(ls /sys/bus/vmqnet/devices/vmqnet"$id"/net/)"
	bench_a=${devs[0]} bench_b=${devs[1]}
	[ -z "$hook" ] || "$hook" "$bench_a" "$bench_b"
	ip link set "$bench_a" netns "$nst"
	ip link set "$bench_b" netns "$nsr"
	exec {fdt}<"/run/netns/$nst" {fdr}<"/run/netns/$nsr"
	echo "$fdt:$(bench_ifidx "$nst" "$bench_a") $fdr:$(bench_ifidx "$nsr" "$bench_b")" \
		> /sys/bus/vmqnet/link_device
	exec {fdt}<&- {fdr}<&-
}

# bench_up NS_TX NS_RX NET: bench_a (in NS_TX) and bench_b (in NS_RX)
# addressed NET.1/24 and NET.2/24, and up.
bench_up() {
	ip -n "$1" addr add "$3.1/24" dev "$bench_a"
	ip -n "$2" addr add "$3.2/24" dev "$bench_b"
	ip -n "$1" link set "$bench_a" up
	ip -n "$2" link set "$bench_b" up
}

# bench_steer NS DEV QUEUE: frames for DEV's MAC (in NS) into its VM queue
# QUEUE, with an ethtool -N rule; fails where the driver takes none.
bench_steer() {
	ip netns exec "$1" ethtool -N "$2" flow-type ether \
		dst "$(bench_mac "$1" "$2")" action "$3" > /dev/null 2>&1
}

# bench_init: load vmqnet (in a guest that has not) and pktgen.
bench_init() {
	[ -d /sys/bus/vmqnet ] || insmod "${VMQNET_KO:?run in a vmqnet guest}"
	modprobe pktgen 2>/dev/null || true
}

# bench_unpair ID NS_TX NS_RX: remove what bench_ends made, if it is there.
bench_unpair() {
	ip netns del "$2" 2>/dev/null || true
	ip netns del "$3" 2>/dev/null || true
	echo "$1" > /sys/bus/vmqnet/del_device 2>/dev/null || true
}

bench_pg() { ip netns exec "$1" sh -c "echo '$3' > /proc/net/pktgen/$2"; }

# bench_pktgen NS DEV IP MAC SECS: one pktgen thread sends 64-byte frames
# from DEV (in NS) to IP at MAC for SECS seconds; sets bench_secs to the
# seconds it sent.
bench_pktgen() {
	local ns=$1 dev=$2 t0 pid

	bench_pg "$ns" kpktgend_0 rem_device_all
	bench_pg "$ns" kpktgend_0 "add_device $dev"
	bench_pg "$ns" "$dev" "count 0"
	bench_pg "$ns" "$dev" "clone_skb 0"
	bench_pg "$ns" "$dev" "pkt_size 60"
	bench_pg "$ns" "$dev" "delay 0"
	bench_pg "$ns" "$dev" "dst $3"
	bench_pg "$ns" "$dev" "dst_mac $4"
	t0=$EPOCHREALTIME
	ip netns exec "$ns" sh -c 'echo start > /proc/net/pktgen/pgctrl' &
	pid=$!
	sleep "$5"
	ip netns exec "$ns" sh -c 'echo stop > /proc/net/pktgen/pgctrl'
	wait "$pid"
	# shellcheck disable=SC2034 # the benchmark's
	bench_secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')
	bench_pg "$ns" kpktgend_0 rem_device_all
}
