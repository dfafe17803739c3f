#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of make profile (tools/profile boots the guest with the
# kernel's tick profiler on, profile=1): where the CPU time of one iperf3
# TCP stream goes, over a linked vmqnet pair and over a veth pair, with
# the same ends as make bench's (tools/bench-traffic.sh) and the two ends
# pinned, the client on CPU 0 and the server on CPU 1, so that both kinds
# are profiled with one placement.
#
# For each kind: the throughput; each CPU's split (user, system, softirq,
# idle) from /proc/stat; the timer (LOC) and function-call IPI (CAL)
# interrupts each CPU took; vmqnet's frames lent and copied (for want of
# a spare buffer) on the receiving queue; and the kernel functions with the most
# samples, each also per GB received, so that the two kinds compare at
# their different speeds. /proc/profile is sampled from the timer tick
# and does not resolve module addresses: readprofile shows all of
# vmqnet's own code as "*unknown*". A sample taken while interrupts were
# off lands where they are enabled again (handle_softirqs after a hard
# interrupt, _raw_spin_unlock_irqrestore), so those rows stand for the
# interrupt work before them.
#
# perf is not used: under TCG its cpu-clock samples of this load land in
# native_safe_halt, while the tick's do not.
#
#   tools/profile-traffic.sh [SECONDS [ROWS]]   (default 6 s, 25 rows)
set -euo pipefail

secs=${1:-6}
rows=${2:-25}
id=${VMQNET_BENCH_ID:-94}
ns_tx=vmqprof_tx ns_rx=vmqprof_rx
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tools/lib/bench.sh
. "$top/tools/lib/bench.sh"

[ -e /proc/profile ] || { echo "no /proc/profile: boot with profile=1" >&2; exit 1; }
bench_init
cleanup() { bench_unpair "$id" "$ns_tx" "$ns_rx"; }
trap cleanup EXIT
cleanup

# readprofile's map: the kernel's own text symbols, in address order.
map=$(mktemp)
grep -v '\[' /proc/kallsyms | sort > "$map"

cpu_lines() { grep '^cpu[0-9]' /proc/stat; }
rx_bytes() { ip -n "$ns_rx" -j -s link show dev "$bench_b" | jq '.[0].stats64.rx.bytes'; }
irq_lines() { grep -E '^ *(LOC|CAL):' /proc/interrupts; }

declare -A gb
for kind in vmqnet veth; do
	bench_ends "$kind" "$id" "$ns_tx" "$ns_rx"
	bench_up "$ns_tx" "$ns_rx" 10.9.0
	[ "$kind" = veth ] || bench_steer "$ns_rx" "$bench_b" 1
	sleep 1

	ip netns exec "$ns_rx" taskset -c 1 iperf3 -s -1 > /dev/null 2>&1 &
	spid=$!
	sleep 1
	ip netns exec "$ns_tx" taskset -c 0 iperf3 -c 10.9.0.2 -t $((secs + 2)) \
		> /dev/null &
	cpid=$!
	# Past slow start, and done before iperf3 is.
	sleep 1.5
	readprofile -r
	b0=$(rx_bytes)
	cpu_lines > /tmp/profile-cpu0
	irq_lines > /tmp/profile-irq0
	sleep "$secs"
	readprofile -m "$map" > "/tmp/profile-$kind.txt"
	b1=$(rx_bytes)
	cpu_lines > /tmp/profile-cpu1
	irq_lines > /tmp/profile-irq1
	wait "$cpid"
	wait "$spid" || true

	# What the receiver took in while the profile ran.
	gb[$kind]=$(awk -v b=$((b1 - b0)) 'BEGIN { print b / 1e9 }')
	awk -v k="$kind" -v b=$((b1 - b0)) -v s="$secs" \
		'BEGIN { printf "=== %s: %.0f Mbit/s\n", k, b * 8 / s / 1e6 }'
	paste /tmp/profile-cpu0 /tmp/profile-cpu1 | awk '{
		t = 0
		for (i = 2; i <= 11; i++) { d[i] = $(i + 11) - $i; t += d[i] }
		printf "%s: user %2.0f%%  system %2.0f%%  softirq %2.0f%%  idle %2.0f%%\n",
			$1, 100 * (d[2] + d[3]) / t, 100 * (d[4] + d[7]) / t,
			100 * d[8] / t, 100 * (d[5] + d[6]) / t }'
	paste /tmp/profile-irq0 /tmp/profile-irq1 | awk '{
		n = NF / 2; printf "%s", $1
		for (c = 2; c < n; c++) {
			if ($c !~ /^[0-9]+$/) break
			printf " cpu%d %d", c - 2, $(n + c) - $c
		}
		print "" }'
	# The receiving queue's lending: frames lent, and copied for want of
	# a spare buffer (the socket holding them all).
	[ "$kind" = veth ] ||
		awk 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i }
		     $1 == 1 { printf "queue 1: frames lent %d, copied for want of a spare %d, spares %d\n",
				$c["frames_lent"], $c["copied_no_spare"], $c["spares"] }' \
			"/sys/kernel/debug/vmqnet/vmqnet$id/ports/1/queues"
	cleanup
	sleep 1
done

# One table: samples of each kind, and samples per GB received.
echo "=== samples (per GB received): vmqnet | veth"
awk -v ga="${gb[vmqnet]}" -v gb="${gb[veth]}" '
	FNR == 1 { k++ }
	{ s[k, $2] = $1; seen[$2] = 1 }
	END {
		for (f in seen)
			printf "%d %-36s %7d (%5.0f) | %7d (%5.0f)\n",
				s[1, f] + s[2, f], f, s[1, f], s[1, f] / ga,
				s[2, f], s[2, f] / gb
	}' /tmp/profile-vmqnet.txt /tmp/profile-veth.txt |
	sort -k1,1nr | awk -v n=$((rows + 1)) 'NR <= n' | cut -d' ' -f2-
rm -f "$map"
