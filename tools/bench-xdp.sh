#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of the XDP benchmark (run with tools/vm/run, vmqnet loaded):
# a linked vmqnet pair against a veth pair, ends in two namespaces, pktgen
# sending 64-byte frames from one end for SECONDS, the same load on both:
#
#   drop  native XDP_DROP on the receiver (xdp-tools' xdp-bench drop): the
#         frames its program dropped per second (ethtool -S: vmqnet's
#         rx_queue_<q>_xdp_drop, veth's rx_queue_<q>_xdp_drops)
#   xsk   an AF_XDP socket on the receiver (the selftests' xsk_rx, libxdp):
#         frames it received per second. vmqnet binds VM queue 1, which a
#         filter on the receiver's MAC steers the frames into, in zero-copy
#         mode; veth offers copy mode only (its queue 0).
#
# vmqnet runs three times: as it comes (adaptive interrupt moderation,
# DIM), with a fixed moderation (ethtool -C adaptive-rx off rx-usecs
# $coal_us), and unmoderated (adaptive-rx off, rx-usecs 0).
# Best of ROUNDS rounds, the order of the sides rotating. Targets: drop
# >= 1.0x veth, xsk >= 2.0x veth.
#
#   tools/bench-xdp.sh [SECONDS [ROUNDS]]   (default 5 s, 3 rounds)
set -euo pipefail

secs=${1:-5}
rounds=${2:-3}
id=${VMQNET_BENCH_ID:-94}
ns_tx=vmqxbench_tx ns_rx=vmqxbench_rx
top=$(cd "$(dirname "$0")/.." && pwd)
sel=$top/selftests/drivers/net/vmqnet
work=$(mktemp -d)
# Moderation under TCG: 20 us was slower than none, the timer's own
# interrupts costing more than the IPIs it saves.
coal_us=300

# shellcheck source=tools/lib/bench.sh
. "$top/tools/lib/bench.sh"

bench_init
cleanup() { bench_unpair "$id" "$ns_tx" "$ns_rx"; }
trap 'cleanup; rm -rf "$work"' EXIT
cleanup

if [ ! -d /proc/net/pktgen ] || ! command -v xdp-bench > /dev/null ||
   [ ! -x "$sel/xsk_rx" ]; then
	echo "xdp bench: needs pktgen, xdp-bench and xsk_rx (make); skipped"
	exit 0
fi

# pair KIND: ends "tx" and "rx" in $ns_tx and $ns_rx; KIND veth, vmqnet,
# vmqnet-fixed or vmqnet-none.
pair() {
	local a b

	bench_ends "${1%%-*}" "$id" "$ns_tx" "$ns_rx"
	a=$bench_a b=$bench_b
	bench_up "$ns_tx" "$ns_rx" 10.9.1
	dev_tx=$a dev_rx=$b queue=0
	if [ "$1" != veth ]; then
		bench_steer "$ns_rx" "$b" 1
		queue=1
		case $1 in
		vmqnet-fixed)
			ip netns exec "$ns_rx" ethtool -C "$b" adaptive-rx off \
				rx-usecs "$coal_us" ;;
		vmqnet-none)
			ip netns exec "$ns_rx" ethtool -C "$b" adaptive-rx off \
				rx-usecs 0 ;;
		esac
	else
		# veth runs XDP in NAPI, which its peer's GRO setting enables.
		ip netns exec "$ns_rx" ethtool -K "$b" gro on > /dev/null
	fi
	sleep 1
}

unpair() {
	cleanup
	sleep 1
}

# pktgen: 64-byte frames to the receiver for $secs seconds; sets t_run to
# the seconds it sent.
pktgen() {
	bench_pktgen "$ns_tx" "$dev_tx" 10.9.1.2 \
		"$(bench_mac "$ns_rx" "$dev_rx")" "$secs"
	t_run=$bench_secs
}

# The receiver's XDP drops so far, over its queues.
xdp_drops() {
	ip netns exec "$ns_rx" ethtool -S "$dev_rx" |
		awk '/rx_queue_[0-9]+_xdp_drops?:/ { n += $2 } END { print n + 0 }'
}

bench_drop() {
	local before after pid

	ip netns exec "$ns_rx" xdp-bench drop -m native -i 60 "$dev_rx" \
		> "$work/drop.out" 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		grep -q '^Dropping' "$work/drop.out" && break
		sleep 0.1
	done
	before=$(xdp_drops)
	pktgen
	sleep 0.5
	after=$(xdp_drops)
	# xdp-bench detaches its program on SIGINT.
	kill -INT "$pid" && wait "$pid" ||
		echo "xdp-bench on $kind: $(cat "$work/drop.out")" >&2
	awk -v n=$((after - before)) -v t="$t_run" 'BEGIN { printf "%.0f\n", n / t }'
}

bench_xsk() {
	local out=$work/xsk.out mode pid frames

	mode=-z
	[ "$kind" = veth ] && mode=-c
	# 8 MiB of UMEM: with the queues laid out for XDP the port's
	# default budget has room for that much more.
	ip netns exec "$ns_rx" "$sel/xsk_rx" -i "$dev_rx" -q "$queue" "$mode" \
		-F 2048 -t $((secs + 30)) > "$out" 2> "$out.err" &
	pid=$!
	for _ in $(seq 100); do
		grep -q '^bound' "$out" && break
		sleep 0.1
	done
	pktgen
	sleep 0.5
	kill "$pid" 2> /dev/null || echo "xsk_rx on $kind: $(cat "$out.err")" >&2
	wait "$pid" || true
	frames=$(awk '/^frames/ { print $2 }' "$out")
	# Read back by the report: this runs in a command substitution.
	awk '/^bound/ { print $2 }' "$out" > "$work/mode.$kind"
	awk -v n="${frames:-0}" -v t="$t_run" 'BEGIN { printf "%.0f\n", n / t }'
}

best() { awk -v a="${1:-0}" -v b="$2" 'BEGIN { print (b > a) ? b : a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

kinds=(vmqnet vmqnet-fixed vmqnet-none veth)
declare -A res
for ((r = 0; r < rounds; r++)); do
	for ((k = 0; k < ${#kinds[@]}; k++)); do
		kind=${kinds[(r + k) % ${#kinds[@]}]}
		pair "$kind"
		for m in drop xsk; do
			res[$kind.$m]=$(best "${res[$kind.$m]:-}" "$(bench_$m)")
		done
		unpair
	done
done

printf 'xdp bench: vmqnet (VM queue 1) vs veth, 64-byte pktgen frames, best of %s rounds of %s s, rotating (%s)\n' \
	"$rounds" "$secs" "$(uname -r)"
printf '%-46s %10s %10s %7s %7s\n' measure vmqnet veth ratio target
row() {
	printf '%-46s %10s %10s %7s %7s\n' "$1" "${res[$2]}" "${res[veth.$3]}" \
		"$(ratio "${res[$2]}" "${res[veth.$3]}")" "$4"
}
row "XDP_DROP, pps (adaptive-rx)" vmqnet.drop drop 1.0
row "XDP_DROP, pps, rx-usecs $coal_us" vmqnet-fixed.drop drop 1.0
row "XDP_DROP, pps, unmoderated" vmqnet-none.drop drop 1.0
row "AF_XDP rx pps (vmqnet $(cat "$work/mode.vmqnet"), veth $(cat "$work/mode.veth"))" \
	vmqnet.xsk xsk 2.0
row "AF_XDP rx pps, rx-usecs $coal_us" vmqnet-fixed.xsk xsk 2.0
row "AF_XDP rx pps, unmoderated" vmqnet-none.xsk xsk 2.0
