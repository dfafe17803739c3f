#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Interrupt moderation, ethtool -C rx-usecs, rx-frames and adaptive-rx:
# bad values are refused with their reason and change nothing; each
# interrupt the device raises is counted (ethtool -S rx_queue_<q>_irqs);
# moderated, a burst of frames takes a few interrupts, and no frame waits
# for one longer than rx-usecs, the last of a burst or a single one;
# adaptive, DIM moves a busy queue's moderation, and a single frame still
# gets its interrupt; reconfiguration and rmmod while interrupts are held
# back leave nothing behind.
#
# Port A (port 0) sends raw frames to port B (port 1) of one device; B
# steers MACX into its queue 1 with an ethtool filter.
#
# The test functions run through vmq_test, which shellcheck cannot follow.
# shellcheck disable=SC2317

# shellcheck source=lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

vmq_require_tools ethtool ip python3
vmq_require_module

ID=71
MACX=02:00:00:00:71:01
LOC=3
# A burst of frames. Moderated by rx-usecs U, two interrupts are at least
# U apart, so a burst that took T takes at most T / U + 1 of them (and
# F frames more with rx-frames F); without moderation the device raises
# one for almost every frame, as NAPI drains the ring before the next.
BURST=100
USECS=4000

# ---- helpers ----------------------------------------------------------------

bstat() { vmq_ethtool_stat "$1" "$PB"; }

# coal: B's "rx-usecs rx-frames adaptive-rx", as ethtool -c shows them.
coal()
{
	local k v a='' u='' f=''

	while read -r k v; do
		case $k in
		rx-usecs:) u=$v ;;
		rx-frames:) f=$v ;;
		Adaptive) v=${v#RX: }; a=${v%% *} ;;
		esac
	done < <(ethtool -c "$PB")
	echo "$u $f $a"
}

# irq_usecs: how long the device holds queue 1's interrupt back now, the
# last column of B's queues file.
irq_usecs()
{
	awk '$1 == 1 { print $NF }' "$VMQ_DEBUGFS/vmqnet$ID/ports/1/queues"
}

# refused REASON ARGS...: ethtool -C B ARGS must fail with EINVAL, saying
# REASON (the extack), and change nothing.
refused()
{
	local why=$1 before out

	shift
	before=$(coal)
	out=$(ethtool -C "$PB" "$@" 2>&1) && {
		ktap_diag "ethtool -C $* succeeded"
		return 1
	}
	case $out in
	*"$why"*"Invalid argument"*) ;;
	*) ktap_diag "ethtool -C $*: expected '$why' and EINVAL, got: $out"; return 1 ;;
	esac
	vmq_assert_eq "after ethtool -C $*" "$before" "$(coal)"
}

# burst N: N frames to MACX, and all of them reach B's queue 1. Sets
# b_irqs to the interrupts they took, and b_us to the microseconds from
# before the first was sent to after the last had arrived.
b_irqs=
b_us=
burst()
{
	local p0 i0 t0

	p0=$(bstat rx_queue_1_packets) && i0=$(bstat rx_queue_1_irqs) || return 1
	t0=${EPOCHREALTIME/./}
	vmq_send "$MACX" "$1" || return 1
	vmq_wait_more "frames on queue 1" $((p0 + $1)) bstat rx_queue_1_packets ||
		return 1
	b_us=$((${EPOCHREALTIME/./} - t0))
	b_irqs=$(bstat rx_queue_1_irqs) || return 1
	b_irqs=$((b_irqs - i0))
}

# moderated_burst FRAMES: a burst under rx-usecs $USECS, and rx-frames
# FRAMES if not 0, within its bound.
moderated_burst()
{
	local max

	burst "$BURST" || return 1
	max=$((b_us / USECS + 1))
	[ "$1" = 0 ] || max=$((max + BURST / $1))
	ktap_diag "a burst of $BURST with rx-usecs $USECS rx-frames $1: $b_irqs interrupts in $((b_us / 1000)) ms"
	[ "$b_irqs" -le "$max" ] && return 0
	ktap_diag "expected at most $max"
	return 1
}

# singles N WHAT: N frames to MACX, each once the last has arrived and
# NAPI has had the time to go idle (counting a frame comes just before
# napi_complete_done(), and a vCPU may stop in between): one interrupt
# each.
singles()
{
	local i n=0

	for ((i = 0; i < $1; i++)); do
		vmq_nap 0.05
		burst 1 || return 1
		n=$((n + b_irqs))
	done
	vmq_assert_eq "interrupts of $1 frames, one at a time, $2" "$1" "$n"
}

# The sender, and so the device's writes, on CPU 0, and queue 1's
# interrupt on CPU 1, its default: NAPI runs apart from the sender, and
# without moderation each frame that finds it idle costs an IPI.
setup()
{
	taskset -pc 0 $$ > /dev/null || return 1
	vmq_dev_create "$ID" 2 4 || return 1
	PA=$(vmq_port "$ID" 0) PB=$(vmq_port "$ID" 1)
	vmq_link - "$(vmq_ifindex "$PA")" - "$(vmq_ifindex "$PB")" || return 1
	ip link set "$PA" up && ip link set "$PB" up || return 1
	vmq_cmd_expect 0 ethtool -N "$PB" flow-type ether dst "$MACX" \
		action 1 loc "$LOC" || return 1
	vmq_stats_start || return 1
	vmq_sender_start python3 -S "$VMQ_SEND" eth "$PA" -
	taskset -pc 0 "$vmq_sender_pid" > /dev/null || return 1
	vmq_dmesg_mark
}

# ---- tests ------------------------------------------------------------------

test_refused()
{
	vmq_functional || return
	vmq_assert_eq "moderation by default" "0 0 on" "$(coal)" || return 1
	vmq_cmd_expect 0 ethtool -C "$PB" adaptive-rx off rx-usecs 100 \
		rx-frames 8 || return 1
	vmq_assert_eq "rx-usecs rx-frames set" "100 8 off" "$(coal)" || return 1
	refused "rx-usecs is at most 4095" rx-usecs 4096 || return 1
	refused "rx-frames is at most 4096" rx-frames 4097 || return 1
	refused "rx-frames needs rx-usecs" rx-usecs 0 || return 1
	refused "rx-frames needs rx-usecs" rx-usecs 0 rx-frames 16 || return 1
	# The core refuses what the driver does not support.
	refused "cannot modify an unsupported parameter" tx-usecs 10 || return 1
	vmq_cmd_expect 0 ethtool -C "$PB" rx-usecs 4095 rx-frames 4096 || return 1
	vmq_assert_eq "the maxima" "4095 4096 off" "$(coal)" || return 1
	vmq_cmd_expect 0 ethtool -C "$PB" adaptive-rx on || return 1
	vmq_assert_eq "adaptive, rx-usecs and rx-frames kept" "4095 4096 on" \
		"$(coal)" || return 1
	vmq_cmd_expect 0 ethtool -C "$PB" rx-frames 0 rx-usecs 0 adaptive-rx off ||
		return 1
	vmq_assert_eq "back to none" "0 0 off" "$(coal)" || return 1
	vmq_dmesg_clean "ethtool -C refusals"
}

# Without moderation every frame that finds NAPI idle interrupts; with
# it, a single frame still gets its interrupt, rx-usecs later, and a
# burst takes a few.
test_moderated()
{
	vmq_functional || return
	vmq_cmd_expect 0 ethtool -C "$PB" adaptive-rx off || return 1
	singles 5 unmoderated || return 1
	burst "$BURST" || return 1
	ktap_diag "a burst of $BURST unmoderated: $b_irqs interrupts in $((b_us / 1000)) ms"

	vmq_cmd_expect 0 ethtool -C "$PB" rx-usecs "$USECS" || return 1
	singles 5 moderated || return 1
	moderated_burst 0 || return 1
	# Frames that come faster than rx-frames a rx-usecs do not bring the
	# interrupt forward.
	vmq_cmd_expect 0 ethtool -C "$PB" rx-frames 50 || return 1
	moderated_burst 50 || return 1
	vmq_cmd_expect 0 ethtool -C "$PB" rx-usecs 0 rx-frames 0 || return 1
	vmq_dmesg_clean "moderated interrupts"
}

# adaptive-rx, on by default: DIM starts a queue at its first profile
# (1 us; the few frames before this case make no window of 64
# interrupts) and, under a flood, moves it after its first window (the
# traffic rate is then better than none measured before). A single frame
# still gets its interrupt whatever DIM chose, and turned off, the queue
# is unmoderated.
test_adaptive()
{
	local u

	vmq_cmd_expect 0 ethtool -C "$PB" adaptive-rx off || return 1
	vmq_assert_eq "irq_usecs unmoderated" 0 "$(irq_usecs)" || return 1
	vmq_cmd_expect 0 ethtool -C "$PB" adaptive-rx on || return 1
	vmq_assert_eq "irq_usecs, DIM's first profile" 1 "$(irq_usecs)" ||
		return 1
	vmq_flood_start python3 -S "$VMQ_SEND" eth "$PA" 120 "$MACX"
	vmq_wait_more "irq_usecs under a flood, adaptive" 8 irq_usecs ||
		{ vmq_flood_stop; return 1; }
	vmq_flood_stop
	u=$(irq_usecs)
	ktap_diag "DIM's choice after the flood: $u us"
	singles 5 "adaptive, at $u us or what DIM chose next" || return 1
	vmq_cmd_expect 0 ethtool -C "$PB" adaptive-rx off || return 1
	vmq_assert_eq "irq_usecs, adaptive off" 0 "$(irq_usecs)" || return 1
	singles 3 "adaptive off" || return 1
	vmq_dmesg_clean "adaptive moderation"
}

# -G, CLEAR_FILTER and FREE_QUEUE (-L) under a flood with interrupts held
# back: each stops the queue with a timer that may still be queued. Then
# the queue receives again, and rmmod under the flood leaves no timer
# behind.
test_reconfig()
{
	local p0

	vmq_cmd_expect 0 ethtool -C "$PB" adaptive-rx off rx-usecs 2000 \
		rx-frames 32 || return 1
	vmq_flood_start python3 -S "$VMQ_SEND" eth "$PA" 120 "$MACX"
	vmq_nap 1
	if ! { vmq_cmd_expect 0 ethtool -G "$PB" rx 128 &&
	       vmq_cmd_expect 0 ethtool -G "$PB" rx 256 &&
	       vmq_cmd_expect 0 ethtool -N "$PB" delete "$LOC" &&
	       vmq_cmd_expect 0 ethtool -L "$PB" combined 1 &&
	       vmq_cmd_expect 0 ethtool -L "$PB" combined 4 &&
	       vmq_cmd_expect 0 ethtool -N "$PB" flow-type ether dst "$MACX" \
			action 1 loc "$LOC"; }; then
		vmq_flood_stop
		return 1
	fi
	p0=$(bstat rx_queue_1_packets) || { vmq_flood_stop; return 1; }
	vmq_wait_more "queue 1 receives again" $((p0 + 50)) \
		bstat rx_queue_1_packets || { vmq_flood_stop; return 1; }
	vmq_assert_eq "moderation kept" "2000 32 off" "$(coal)" ||
		{ vmq_flood_stop; return 1; }
	# DIM's work may be changing a queue's profile as rmmod frees it.
	vmq_cmd_expect 0 ethtool -C "$PB" adaptive-rx on ||
		{ vmq_flood_stop; return 1; }
	vmq_dmesg_clean "reconfiguration, moderated" || { vmq_flood_stop; return 1; }
	vmq_module_unloadable || { vmq_flood_stop; return; }
	vmq_sender_stop
	vmq_module_unload || { vmq_flood_kill; return 1; }
	vmq_flood_kill
	vmq_module_load && vmq_assert_exists "$VMQ_BUS"
}

vmq_setup "two linked ports, a filter on B's queue 1" setup
ktap_plan 4
vmq_test "coalesce: bad values refused with their reason, nothing changed" test_refused
vmq_test "coalesce: every interrupt counted, a burst takes a few" test_moderated
vmq_test "coalesce: adaptive-rx, DIM moves a busy queue" test_adaptive
vmq_test "coalesce: -G, FREE_QUEUE and rmmod under a moderated flood" test_reconfig
ktap_finish
