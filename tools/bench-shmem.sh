#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of the shared memory benchmark (run it with tools/vm/run, with
# vmqnet loaded): allocate+free pairs per second through vmq_shmem_alloc() /
# vmq_shmem_free() against the raw DMA API on the same device, timed inside
# the kernel by the test module vmqnet_shmem_user:
#
#   contiguous  vmqnet vs dma_alloc_coherent() + dma_free_coherent()
#   scattered   vmqnet vs dma_alloc_noncontiguous() + dma_vmap_noncontiguous()
#               + dma_vunmap_noncontiguous() + dma_free_noncontiguous()
#               (vmqnet hands out a virtual address, so raw maps one too)
#
# for 4 KiB, 64 KiB and 1 MiB. Each figure is the best of 32 short rounds
# (a few ms each, so that some of them run without the vCPU being
# preempted on a loaded host); the side that goes first alternates. The
# ratio is vmqnet's cost over the raw cost; the target is <= 1.10. Run it
# on an idle host: under load the figures are noise.
#
#   tools/bench-shmem.sh [ITERS_SCALE]     (default 1: 200/20/2 pairs a round)
set -euo pipefail

scale=${1:-1}
id=${VMQNET_BENCH_ID:-9}
user=/sys/kernel/debug/vmqnet_shmem_user
ko=${VMQNET_BUILD:?run in a vmqnet guest}/selftests/drivers/net/vmqnet/modules/vmqnet_shmem_user.ko

grep -q ' /sys/kernel/debug debugfs ' /proc/mounts ||
	mount -t debugfs none /sys/kernel/debug
[ -d /sys/bus/vmqnet ] || insmod "${VMQNET_KO:?}"
grep -q '^vmqnet_shmem_user ' /proc/modules || insmod "$ko"
echo "$id" > /sys/bus/vmqnet/new_device
cleanup() {
	rmmod vmqnet_shmem_user 2>/dev/null || true
	echo "$id" > /sys/bus/vmqnet/del_device 2>/dev/null || true
}
trap cleanup EXIT
echo "open $id" > "$user/cmd"

printf 'shmem bench: allocate+free pairs/s, best of 32 rounds (%s kernel %s)\n' \
	"${VMQNET_KERNEL:-?}" "$(uname -r)"
printf '%-10s %6s %7s %12s %12s %7s\n' kind size 'pairs/rnd' vmqnet/s raw/s ratio
for kind in contig scattered; do
	for size in 4096 65536 1048576; do
		case $size in
		4096) n=200 label=4K ;;
		65536) n=20 label=64K ;;
		*) n=2 label=1M ;;
		esac
		n=$((n * scale))
		echo "bench $kind $size $n" > "$user/cmd"
		# "vmqnet_ns=A raw_ns=B iters=N"
		awk -v k="$kind" -v s="$label" '{
			split($1, o, "="); split($2, r, "="); split($3, n, "=")
			printf "%-10s %6s %7d %12.0f %12.0f %7.2f\n", k, s, n[2],
				n[2] * 1e9 / o[2], n[2] * 1e9 / r[2], o[2] / r[2]
		}' "$user/result"
	done
done
