#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What netdev generic netlink shows of a port's VM queues (6.10+): queue-get
# lists every RX and TX queue the port runs, exactly, also after ethtool -L
# and -G, and gives each RX queue the NAPI that serves it, and none to a
# queue whose NAPI is off; a datagram steered to a queue is delivered by
# that NAPI (SO_INCOMING_NAPI_ID, what busy polling polls), which napi-get
# finds on the port. qstats-get gives each queue the counters ethtool -S
# shows for it, under the standard names (qstats.c has the map), and
# nothing else; the device's qstats are its stats64, and stay so when
# ethtool -L takes queues away: the counts of a queue that goes are kept
# as the device's base.
#
# Two linked ports in two namespaces, as in rx_traffic.sh: A sends UDP to
# B, whose filter steers it to a VM queue. Everything netlink is asked
# through lib.sh's counter server (vmqsys.py), one request per view.
#
# The test functions run through vmq_test, which shellcheck cannot follow.
# shellcheck disable=SC2317

# shellcheck source=lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

vmq_require_tools ethtool ip nsenter python3
vmq_require_module
# The driver reports NAPIs per queue from 6.8 and queue counters from 6.10
# (compat.h); before that the core has neither to ask for.
vmq_kernel_ge 6 10 ||
	ktap_skip_all "netdev netlink has no per-queue NAPI ids and counters before 6.10 (this is $(< /proc/sys/kernel/osrelease))"

ID=81
NSA=vmqnlA$$
NSB=vmqnlB$$
IPA=192.0.2.1
IPB=192.0.2.2
N=50
SYSA=$VMQ_TMPD/sys.$NSA
SYSB=$VMQ_TMPD/sys.$NSB
# What vmqnet reports in qstats, in the order the server prints them (the
# netdev spec's).
DEV_FIELDS="rx-packets rx-bytes tx-packets tx-bytes rx-alloc-fail rx-hw-drops rx-hw-drop-overruns tx-hw-drops"

# ---- helpers ----------------------------------------------------------------

# genl NS DEV: read queue-get and qstats-get of DEV in NS into
# QUEUES ("rx0 rx1 ... tx0 ...", as listed), NAPI[rx0]... (the NAPI id, or
# -), QS[rx0]... ("name value ..." of each queue) and QSDEV (the device's).
declare -A NAPI QS
genl()
{
	local s
	local -a w

	s=$(vmq_statsrv "$1" "$2" netdev) || return 1
	QUEUES='' QSDEV='' NAPI=() QS=()
	while read -r -a w; do
		case ${w[0]} in
		queue)
			QUEUES+=" ${w[1]}${w[2]}"
			NAPI[${w[1]}${w[2]}]=${w[4]} ;;
		qstats)
			if [ "${w[1]}" = dev ]; then
				QSDEV=${w[*]:2}
			else
				QS[${w[1]}${w[2]}]=${w[*]:3}
			fi ;;
		esac
	done <<< "$s"
	QUEUES=${QUEUES# }
}

# expect_qs STATS: the qstats lines ethtool -S's counters (STATS) say
# each of its RX and TX queues must have, one "rxN name value ..." a line.
expect_qs()
{
	local -A c
	local name value q p out=

	while read -r name value; do
		c[$name]=$value
	done <<< "$1"
	for ((q = 0; ${#c[rx_queue_${q}_packets]}; q++)); do
		p=rx_queue_${q}_
		out+="rx$q rx-packets ${c[${p}packets]} rx-bytes ${c[${p}bytes]}"
		out+=" rx-alloc-fail ${c[${p}drops_no_mem]}"
		out+=" rx-hw-drops $((c[${p}drops_no_buffer] + c[${p}drops_not_running] + c[${p}drops_oversize] + c[${p}drops_paused] + c[${p}drops_bad_completion]))"
		out+=" rx-hw-drop-overruns ${c[${p}drops_no_buffer]}"$'\n'
	done
	for ((q = 0; ${#c[tx_queue_${q}_packets]}; q++)); do
		p=tx_queue_${q}_
		out+="tx$q tx-packets ${c[${p}packets]} tx-bytes ${c[${p}bytes]}"
		out+=" tx-hw-drops ${c[${p}drops]}"$'\n'
	done
	echo "${out%$'\n'}"
}

# got_qs: the per-queue qstats genl read, as expect_qs prints them.
got_qs()
{
	local q out=

	for q in $QUEUES; do
		out+="$q ${QS[$q]}"$'\n'
	done
	echo "${out%$'\n'}"
}

# st64 SYSFS DEV: the stats64 counters qstats stand for, in the order
# dev64 prints them: rx_errors (bad completions) are among qstats'
# hw-drops.
st64()
{
	local d=$1/class/net/$2/statistics n v err out=

	read -r err < "$d/rx_errors" || return 1
	for n in rx_packets rx_bytes rx_dropped tx_packets tx_bytes tx_dropped; do
		read -r v < "$d/$n" || return 1
		[ "$n" = rx_dropped ] && v=$((v + err))
		out+=" $v"
	done
	echo "${out# }"
}

# dev64: the device's qstats (QSDEV) as stats64 would count them: RX drops
# are the allocation failures plus the device's drops. Fails if QSDEV
# holds other counters than vmqnet reports, or misses one.
dev64()
{
	local -A c
	local -a w
	local i keys=

	read -r -a w <<< "$QSDEV"
	for ((i = 0; i < ${#w[@]}; i += 2)); do
		c[${w[i]}]=${w[i + 1]}
		keys+=" ${w[i]}"
	done
	vmq_assert_eq "the device's qstats counters" "$DEV_FIELDS" \
		"${keys# }" >&2 || return 1
	echo "${c[rx-packets]} ${c[rx-bytes]} $((c[rx-alloc-fail] + c[rx-hw-drops])) ${c[tx-packets]} ${c[tx-bytes]} ${c[tx-hw-drops]}"
}

# The stats64 of both ports, read until they have not moved for 0.3 s:
# NAPI counts an instant after a send returns. Fails if they never stop.
settle() { vmq_wait_still 100 ab64; }
ab64() { echo "$(st64 "$SYSA" "$PA") $(st64 "$SYSB" "$PB")"; }

# check_queues NS DEV RXQ TXQ: queue-get of DEV lists RX queues 0 .. RXQ-1
# and TX queues 0 .. TXQ-1, nothing else; each RX queue has a NAPI of its
# own, and no TX queue has one: vmqnet transmits synchronously (tx.c),
# with no completions for a NAPI to reap.
check_queues()
{
	local want='' q n seen=' '

	for ((q = 0; q < $3; q++)); do want+=" rx$q"; done
	for ((q = 0; q < $4; q++)); do want+=" tx$q"; done
	genl "$1" "$2" || return 1
	vmq_assert_eq "$2's queues (queue-get)" "${want# }" "$QUEUES" || return 1
	for ((q = 0; q < $3; q++)); do
		n=${NAPI[rx$q]}
		if [[ ! $n =~ ^[1-9][0-9]*$ ]] || [[ $seen == *" $n "* ]]; then
			ktap_diag "$2's RX queue $q: NAPI id '$n' is none, or another queue's (NAPIs:$seen)"
			return 1
		fi
		seen+="$n "
	done
	for ((q = 0; q < $4; q++)); do
		vmq_assert_eq "$2's TX queue $q NAPI id" - "${NAPI[tx$q]}" ||
			return 1
	done
}

# check_qs NS DEV SYSFS: DEV's qstats per queue are its ethtool -S per-queue
# counters, and its device qstats are its stats64.
check_qs()
{
	local s

	genl "$1" "$2" || return 1
	s=$(vmq_estats "$1" "$2") || return 1
	vmq_assert_eq "$2's qstats per queue, and ethtool -S per queue" \
		"$(expect_qs "$s")" "$(got_qs)" || return 1
	vmq_assert_eq "$2's device qstats, and its stats64" \
		"$(st64 "$3" "$2")" "$(dev64)"
}

# rule QUEUE: B's one ethtool -N rule, steering B's MAC to QUEUE at
# location 0.
rule()
{
	vmq_cmd_expect 0 vmq_nsenter "$NSB" ethtool -N "$PB" flow-type ether \
		dst "$MACB" action "$1" loc 0
}
unrule() { vmq_cmd_expect 0 vmq_nsenter "$NSB" ethtool -N "$PB" delete 0; }

# ---- setup ------------------------------------------------------------------

# Device ID's two ports, A in NSA and B in NSB, addressed and linked, the
# counter server and a bounded sender in A.
setup()
{
	vmq_dmesg_mark
	vmq_netns_add "$NSA" "$NSB" || return 1
	vmq_pair_setup || return 1
	vmq_stats_start || return 1
	vmq_sender_start "${VMQ_NSENTER[@]}" --net="/run/netns/$NSA" \
		python3 -S "$VMQ_SEND" udp -
}

# ---- tests ------------------------------------------------------------------

test_queue_get()
{
	check_queues "$NSB" "$PB" 4 4 && check_queues "$NSA" "$PA" 4 4
}

# A datagram steered to queue Q of B: the NAPI that delivered it.
napi_of_queue()
{
	local r

	rule "$1" &&
	vmq_statsrv "$NSB" "$PB" listen "$IPB" 9 > /dev/null &&
	vmq_send "$IPB" 5 || return 1
	r=$(vmq_statsrv "$NSB" "$PB" napi-id 5) || return 1
	unrule || return 1
	echo "$r"
}

test_busy_poll_napi()
{
	local q r

	genl "$NSB" "$PB" || return 1
	for q in 1 2; do
		r=$(napi_of_queue "$q") || return 1
		vmq_assert_eq "NAPI of a datagram steered to B's queue $q, and the device napi-get finds it on" \
			"napi-id ${NAPI[rx$q]} datagrams 5 ifindex $IFB" "$r" ||
			return 1
	done
}

test_queue_get_reconfig()
{
	vmq_cmd_expect 0 vmq_nsenter "$NSB" ethtool -L "$PB" combined 2 rx 4 &&
	check_queues "$NSB" "$PB" 6 2 &&
	vmq_cmd_expect 0 vmq_nsenter "$NSB" ethtool -L "$PB" combined 3 rx 0 &&
	check_queues "$NSB" "$PB" 3 3 &&
	vmq_cmd_expect 0 vmq_nsenter "$NSB" ethtool -G "$PB" rx 128 &&
	check_queues "$NSB" "$PB" 3 3 &&
	vmq_cmd_expect 0 vmq_nsenter "$NSB" ethtool -L "$PB" combined 4 &&
	check_queues "$NSB" "$PB" 4 4
}

# Traffic to B's queue 1, the first 2 frames of which the device gets
# wrong (bad completions: among hw-drops, and stats64's rx_errors), and
# to B's default queue, and datagrams A drops as too long for B's MTU;
# then every queue of both ports, and both devices.
test_qstats_queues()
{
	local f=$VMQ_DEBUGFS/vmqnet$ID/hw_fault b0

	b0=$(bad1) || return 1
	echo offset > "$f" && echo 2 > "${f}_count" &&
	rule 1 && vmq_send "$IPB" "$N" && unrule && echo none > "$f" &&
	vmq_send 192.0.2.255 7 || return 1
	ip -n "$NSB" link set "$PB" mtu 1000 || return 1
	vmq_send "$IPB" 3 1200 || return 1
	ip -n "$NSB" link set "$PB" mtu 1500 || return 1
	settle && vmq_assert_eq "B's queue 1 bad completions" $((b0 + 2)) \
		"$(bad1)" &&
	check_qs "$NSB" "$PB" "$SYSB" && check_qs "$NSA" "$PA" "$SYSA"
}

bad1() { vmq_counter rx_queue_1_drops_bad_completion "$(vmq_estats "$NSB" "$PB")"; }

# Traffic to B's queue 3 and out of A's TX queue 3 (XPS), which ethtool -L
# then removes: the devices' totals stay what they were, and stats64.
test_qstats_shrink()
{
	local b0 a0 q rx3 tx3

	for q in 0 1 2; do
		echo 0 > "$SYSA/class/net/$PA/queues/tx-$q/xps_cpus" || return 1
	done
	echo 3 > "$SYSA/class/net/$PA/queues/tx-3/xps_cpus" || return 1
	genl "$NSB" "$PB" && rx3=${QS[rx3]} &&
	genl "$NSA" "$PA" && tx3=${QS[tx3]} || return 1
	rule 3 && vmq_send "$IPB" "$N" && unrule && settle || return 1

	check_qs "$NSB" "$PB" "$SYSB" || return 1
	b0=$QSDEV
	rx3=${rx3#rx-packets } rx3=${rx3%% *}
	vmq_assert_eq "B's RX queue 3 packets" "rx-packets $((rx3 + N))" \
		"${QS[rx3]%% rx-bytes*}" || return 1
	check_qs "$NSA" "$PA" "$SYSA" || return 1
	a0=$QSDEV
	tx3=${tx3#tx-packets } tx3=${tx3%% *}
	vmq_assert_eq "A's TX queue 3 packets (XPS)" "tx-packets $((tx3 + N))" \
		"${QS[tx3]%% tx-bytes*}" || return 1

	vmq_cmd_expect 0 vmq_nsenter "$NSB" ethtool -L "$PB" combined 2 &&
	vmq_cmd_expect 0 vmq_nsenter "$NSA" ethtool -L "$PA" combined 1 ||
		return 1
	check_qs "$NSB" "$PB" "$SYSB" || return 1
	vmq_assert_eq "B's device qstats across ethtool -L combined 2" "$b0" \
		"$QSDEV" || return 1
	check_qs "$NSA" "$PA" "$SYSA" || return 1
	vmq_assert_eq "A's device qstats across ethtool -L combined 1" "$a0" \
		"$QSDEV"
}

# B's queues 1 and 2 made while B is down, and the allocation of queue 2
# failed (debugfs fault injection) when B comes up: queue 2 stays
# Allocated, its NAPI off, and queue-get names no NAPI for it, not even the
# one that served the ring before; once its allocation completes at the
# next open, it has its NAPI again.
test_queue_get_no_napi()
{
	local shm=$VMQ_DEBUGFS/vmqnet$ID/shmem rc

	vmq_cmd_expect 0 ip -n "$NSB" link set "$PB" down &&
	vmq_cmd_expect 0 vmq_nsenter "$NSB" ethtool -L "$PB" combined 1 &&
	vmq_cmd_expect 0 vmq_nsenter "$NSB" ethtool -L "$PB" combined 3 ||
		return 1
	# Port 1, ring 2: <vmqnet/shmem.h>'s queue ID 1 * 16 + 2.
	echo 18 > "$shm/fail_queue" && echo 1 > "$shm/fail_count" || return 1
	vmq_cmd_expect 0 ip -n "$NSB" link set "$PB" up
	rc=$?
	echo any > "$shm/fail_queue"
	echo 0 > "$shm/fail_count"
	[ "$rc" = 0 ] && genl "$NSB" "$PB" || return 1
	vmq_assert_eq "queue 2's state" allocated "$(vmq_qstate "$ID" 1 2)" &&
	vmq_assert_eq "queue-get of B" "rx0 rx1 rx2 tx0 tx1 tx2" "$QUEUES" &&
	vmq_assert_eq "NAPI of B's queue 2, Allocated" - "${NAPI[rx2]}" ||
		return 1
	if [ "${NAPI[rx0]}" = - ] || [ "${NAPI[rx1]}" = - ]; then
		ktap_diag "B's running queues 0 and 1 lost their NAPI: ${NAPI[rx0]} ${NAPI[rx1]}"
		return 1
	fi
	vmq_cmd_expect 0 ip -n "$NSB" link set "$PB" down &&
	vmq_cmd_expect 0 ip -n "$NSB" link set "$PB" up &&
	check_queues "$NSB" "$PB" 3 3
}

test_no_splat()
{
	vmq_dmesg_clean "netdev_genl.sh"
}

vmq_setup "two linked ports in two namespaces" setup
ktap_plan 7
vmq_test "queue-get: every RX and TX queue, each RX queue with a NAPI of its own" test_queue_get
vmq_test "busy poll: a datagram steered to a queue comes from that queue's NAPI" test_busy_poll_napi
vmq_test "queue-get: exactly the new queues after ethtool -L and -G" test_queue_get_reconfig
vmq_test "qstats: per queue as ethtool -S, the device as stats64" test_qstats_queues
vmq_test "qstats: the device's totals kept across ethtool -L" test_qstats_shrink
vmq_test "queue-get: no NAPI for a queue whose allocation did not complete" test_queue_get_no_napi
vmq_test "no splat in the kernel log" test_no_splat
ktap_finish
