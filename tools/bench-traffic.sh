#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of the traffic benchmark (run with tools/vm/run, vmqnet
# loaded): a linked vmqnet pair against a veth pair, each with its ends in
# two network namespaces, same load on both:
#
#   pps   pktgen 64-byte frames from one end, packets/s counted at the
#         receiver (its rx_packets over the sender's run time)
#   tcp   iperf3 TCP throughput, one stream
#
# The vmqnet receiver steers the frames into VM queue 1 with an ethtool -N
# filter on its MAC when the driver accepts one (else they go to the
# default queue, and the output says so). vmqnet is measured twice: with
# NAPI in softirq context (the default) and threaded (the standard
# /sys/class/net/DEV/threaded on both ports). A vmqnet port's device
# work, the "DMA" into the peer's shared memory, runs in the sender's
# xmit; threaded NAPI lets the scheduler put the receiver's copy out of
# shared memory on the other CPU, as a NIC and its host run side by side.
# The default kind has each queue's interrupt on its own CPU (queue 1, the
# receiver's, on CPU 1; pktgen runs on CPU 0), as a NIC spreads its
# vectors; "IRQ on sender" (vmqnet-samecpu) sets every queue's irq_cpu to
# -1, so that NAPI runs on the CPU of the xmit that wrote the frame, as
# veth's backlog does.
# Each of those is measured twice more: with the receive queues lending
# their buffers to the stack (the default, "lent") and with lending off
# (debugfs rx_lend, then ethtool -G so that every queue is laid out
# again: "copy").
# Each figure is the best of ROUNDS rounds, and the order of the sides
# rotates from round to round, so that none always runs on the warmer (or
# the more loaded) machine. Each ratio is vmqnet / veth; the target is
# >= 1.0 for both. Where the scheduler puts iperf3's two ends moves TCP
# by a third on this 2-CPU guest, so the default rows are also given as
# the median of the rounds, and TCP's rounds one by one.
#
#   tools/bench-traffic.sh [SECONDS [ROUNDS]]   (default 5 s per measurement,
#                                                5 rounds)
set -euo pipefail

secs=${1:-5}
rounds=${2:-5}
id=${VMQNET_BENCH_ID:-93}
ns_tx=vmqbench_tx ns_rx=vmqbench_rx

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tools/lib/bench.sh
. "$top/tools/lib/bench.sh"

bench_init
cleanup() { bench_unpair "$id" "$ns_tx" "$ns_rx"; }
trap cleanup EXIT
cleanup

# The device's settings of KIND before its ports move (bench_ends' hook).
tune() {
	local d

	if [ "$kind_now" = vmqnet-samecpu ]; then
		for f in "/sys/kernel/debug/vmqnet/vmqnet$id"/ports/*/irq_cpu/*; do
			echo -1 > "$f"
		done
	fi
	if [[ $kind_now == vmqnet-copy* ]]; then
		echo N > "/sys/kernel/debug/vmqnet/vmqnet$id/rx_lend"
		for d in "$1" "$2"; do
			ethtool -G "$d" rx 128
			ethtool -G "$d" rx 256
		done
	fi
}

# pair KIND: two ends "tx" and "rx" in $ns_tx and $ns_rx, 10.9.0.1/.2;
# KIND is veth, vmqnet or vmqnet-threaded.
pair() {
	local a b

	kind_now=$1
	bench_ends "$1" "$id" "$ns_tx" "$ns_rx" tune
	a=$bench_a b=$bench_b
	bench_up "$ns_tx" "$ns_rx" 10.9.0
	if [[ $1 == *-threaded ]]; then
		ip netns exec "$ns_tx" sh -c "echo 1 > /sys/class/net/$a/threaded"
		ip netns exec "$ns_rx" sh -c "echo 1 > /sys/class/net/$b/threaded"
	fi
	dev_tx=$a dev_rx=$b
	steer=default
	if [ "$1" != veth ] && bench_steer "$ns_rx" "$b" 1; then
		steer="VM queue 1"
	fi
	sleep 1
	mode=
	[ "$1" = veth ] ||
		mode=$(awk -v q="${steer##* }" '$1 == (q == "default" ? 0 : q) { print $14 }' \
			"/sys/kernel/debug/vmqnet/vmqnet$id/ports/1/queues")
}

unpair() {
	cleanup
	sleep 1
}

rxp() { ip -n "$ns_rx" -j -s link show dev "$dev_rx" | jq '.[0].stats64.rx.packets'; }

# pktgen for $secs seconds, one thread, 64-byte frames: receiver pps.
bench_pps() {
	local before after

	[ -d /proc/net/pktgen ] || { echo 0; return; }
	before=$(rxp)
	bench_pktgen "$ns_tx" "$dev_tx" 10.9.0.2 "$(bench_mac "$ns_rx" "$dev_rx")" \
		"$secs"
	sleep 0.5
	after=$(rxp)
	awk -v n=$((after - before)) -v t="$bench_secs" \
		'BEGIN { printf "%.0f\n", n / t }'
}

bench_tcp() {
	local pid bps

	ip netns exec "$ns_rx" iperf3 -s -1 > /dev/null 2>&1 &
	pid=$!
	sleep 1
	bps=$(ip netns exec "$ns_tx" iperf3 -c 10.9.0.2 -t "$secs" -J |
		jq '.end.sum_received.bits_per_second')
	wait "$pid" || true
	awk -v b="$bps" 'BEGIN { printf "%.0f\n", b / 1e6 }'
}

best() { awk -v a="${1:-0}" -v b="$2" 'BEGIN { print (b > a) ? b : a }'; }

# median FIGURE...: the middle one (the mean of the two middle ones).
median() {
	printf '%s\n' "$@" | sort -n |
		awk '{ v[NR] = $1 } END { if (NR) printf "%.0f\n", (v[int((NR + 1) / 2)] + v[int(NR / 2) + 1]) / 2 }'
}

kinds=(vmqnet vmqnet-threaded vmqnet-copy vmqnet-copy-threaded vmqnet-samecpu veth)
declare -A modes
declare -A res
declare -A all
for ((r = 0; r < rounds; r++)); do
	for ((k = 0; k < ${#kinds[@]}; k++)); do
		kind=${kinds[(r + k) % ${#kinds[@]}]}
		pair "$kind"
		[ "$kind" = vmqnet ] && vmq_steer=$steer
		[ "$kind" = veth ] || modes[$kind]=$mode
		for m in pps tcp; do
			v=$(bench_$m)
			res[$kind.$m]=$(best "${res[$kind.$m]:-}" "$v")
			all[$kind.$m]="${all[$kind.$m]:-} $v"
		done
		unpair
	done
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# row MEASURE KEY [KIND]: one line, both vmqnet figures of KIND (vmqnet:
# lent, the default; vmqnet-copy) against veth's.
row() {
	local k=${3:-vmqnet}

	printf '%-32s %10s %10s %10s %7s %7s\n' "$1" \
		"${res[$k.$2]:-}" "${res[$k-threaded.$2]:-}" "${res[veth.$2]:-}" \
		"$(ratio "${res[$k.$2]:-0}" "${res[veth.$2]:-0}")" \
		"$(ratio "${res[$k-threaded.$2]:-0}" "${res[veth.$2]:-0}")"
}

printf 'traffic bench: vmqnet (receiver: %s) vs veth, best of %s rounds of %s s, rotating (%s kernel %s)\n' \
	"$vmq_steer" "$rounds" "$secs" "${VMQNET_KERNEL:-?}" "$(uname -r)"
[ -d /proc/net/pktgen ] || echo "pktgen is not available: no pps figures"
printf 'receive queue mode: %s (lent rows), %s (copy rows)\n' \
	"${modes[vmqnet]:-?}" "${modes[vmqnet-copy]:-?}"
printf '%-32s %10s %10s %10s %7s %7s\n' measure vmqnet threaded veth ratio ratio-thr
row "64-byte pktgen, rx pps" pps
row "iperf3 TCP, Mbit/s" tcp
row "64-byte pktgen, rx pps, copy" pps vmqnet-copy
row "iperf3 TCP, Mbit/s, copy" tcp vmqnet-copy
for m in pps tcp; do
	printf '%-32s %10s %10s %10s %7s %7s\n' \
		"$([ $m = pps ] && echo "64-byte pktgen" || echo "iperf3 TCP"), IRQ on sender" \
		"${res[vmqnet-samecpu.$m]:-}" - "${res[veth.$m]:-}" \
		"$(ratio "${res[vmqnet-samecpu.$m]:-0}" "${res[veth.$m]:-0}")" -
done
for m in pps tcp; do
	for k in vmqnet vmqnet-threaded veth; do
		# shellcheck disable=SC2086 # one figure per word
		res[$k.$m]=$(median ${all[$k.$m]:-0})
	done
	row "$([ $m = pps ] && echo "64-byte pktgen" || echo "iperf3 TCP"), median" $m
done
printf 'iperf3 TCP rounds, Mbit/s: vmqnet%s; veth%s\n' ${all[vmqnet.tcp]:+"${all[vmqnet.tcp]}"} ${all[veth.tcp]:+"${all[veth.tcp]}"}
