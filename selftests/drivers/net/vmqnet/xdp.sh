#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Native XDP on a vmqnet port (xdp.c): each action with its ethtool -S
# counters, a redirect to another port (its ndo_xdp_xmit) and one that
# fails, a TCP transfer through XDP_PASS (the device segments
# super-frames for a port with a program), the layout a program takes
# and the configurations that refuse one, attach and detach under
# traffic, ethtool -G and rmmod with a program attached; xdp-tools'
# xdp-loader and xdpdump on a port. The programs (xdp_prog.c) are built
# with clang and attached with ip link ... xdpdrv.
#
# The test functions run through vmq_test, which shellcheck cannot follow.
# shellcheck disable=SC2317

# shellcheck source=lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

vmq_require_tools ip jq clang socat
vmq_require_module

ID=81		# two ports, linked: A sends, B runs the programs
ID2=82		# one port, for the refused configurations
ID3=83		# two ports, linked: C beside B, D in a namespace of its own
NSA=vmqxdpA$$
NSB=vmqxdpB$$
NSD=vmqxdpD$$
IPA=192.0.2.1
IPB=192.0.2.2
IPV=192.0.2.3	# at a MAC of B's VM queue 2
MACV=02:00:00:00:81:02
OBJ=$VMQ_TMPD/xdp_prog.o

# ---- helpers ----------------------------------------------------------------

# The redirect's target: device $ID3's port C, in B's namespace, linked
# to its port D, promiscuous, in a namespace of its own. Sets PC, PD.
setup_cd()
{
	local ifc ifd

	vmq_dev_create "$ID3" 2 4 || return 1
	PC=$(vmq_port "$ID3" 0) PD=$(vmq_port "$ID3" 1)
	printf 'link set %s netns %s\n' "$PC" "$NSB" "$PD" "$NSD" |
		ip -batch - || return 1
	ifc=$(ns_read "$NSB" "$PC" ifindex) ifd=$(ns_read "$NSD" "$PD" ifindex)
	vmq_link "$NSB" "$ifc" "$NSD" "$ifd" &&
	ip -n "$NSB" link set dev "$PC" up &&
	ip -n "$NSD" link set dev "$PD" up promisc on
}

# The programs, one a section of $OBJ; the redirect's goes to C. With
# BTF (-g), which xdpdump's tracing programs attach by.
build_progs()
{
	clang -O2 -g -target bpf -I"/usr/include/$(uname -m)-linux-gnu" \
		-DVMQ_REDIRECT_IFINDEX="$(ns_read "$NSB" "$PC" ifindex)" \
		-c "$VMQ_DIR/xdp_prog.c" -o "$OBJ"
}

setup()
{
	vmq_stats_start && vmq_netns_add "$NSA" "$NSB" "$NSD" &&
		vmq_pair_setup && setup_cd && build_progs
}

# xdp NS DEV NAME|off: attach program xdp_NAME of xdp_prog.c to DEV,
# native mode only, in place of the one it has (-force), or remove it.
xdp()
{
	if [ "$3" = off ]; then
		ip -n "$1" link set dev "$2" xdpdrv off
	else
		ip -force -n "$1" link set dev "$2" xdpdrv obj "$OBJ" sec "xdp_$3"
	fi
}

# b_xdp COUNTER: B's xdp_COUNTER, over its queues (ethtool -S).
b_xdp() { b_stat "xdp_$1"; }

# b_stat COUNTER: B's rx_queue_<q>_COUNTER, over its queues (ethtool -S).
b_stat()
{
	vmq_counter_sum "^rx_queue_[0-9]+_$1\$" "$(vmq_estats "$NSB" "$PB")"
}

# b_queue0 COLUMN: a column of B's default queue in debugfs.
b_queue0()
{
	local -A t=()

	vmq_table t "$VMQ_DEBUGFS/vmqnet$ID/ports/1/queues"
	echo "${t[0,$1]}"
}

ns_read() { local v; read -r v < "$VMQ_TMPD/sys.$1/class/net/$2/$3" && echo "$v"; }

# udp_ab COUNT: COUNT datagrams of 64 bytes from A to B's discard port.
udp_ab() { vmq_nsenter "$NSA" python3 -S "$VMQ_SEND" udp "$IPB" "$1" 64 30; }

# rx NS DEV: DEV's rx_packets (stats64).
rx() { ns_read "$1" "$2" statistics/rx_packets; }

# refused DEV MESSAGE: attaching a program to DEV (of this namespace)
# fails, and says MESSAGE.
refused()
{
	local out

	if out=$(ip link set dev "$1" xdpdrv obj "$OBJ" sec xdp_pass 2>&1); then
		ktap_diag "attached to $1, expected a refusal: $2"
		return 1
	fi
	case $out in
	*"$2"*) return 0 ;;
	esac
	ktap_diag "attach to $1: expected '$2', got: $out"
	return 1
}

# ---- tests ------------------------------------------------------------------

# A program takes the layout XDP needs (a page a buffer, with headroom),
# all queues at once; it sees and passes frames; removing it keeps the
# layout (it cannot fail: the core removes programs as it unregisters).
test_pass()
{
	local p0 r0

	vmq_assert_eq "B's buffer stride before" 2048 "$(b_queue0 buf_stride)" &&
	xdp "$NSB" "$PB" pass || return 1
	vmq_assert_eq "B's buffer stride with a program" 4096 \
		"$(b_queue0 buf_stride)" || return 1
	ip -n "$NSB" -j link show dev "$PB" | jq -e '.[0].xdp.mode == 1' \
		> /dev/null || { ktap_diag "no native program on $PB"; return 1; }
	p0=$(b_xdp pass) r0=$(rx "$NSB" "$PB")
	udp_ab 20 || return 1
	vmq_wait_more "xdp_pass" $((p0 + 20)) b_xdp pass &&
	vmq_wait_more "B's rx_packets" $((r0 + 20)) rx "$NSB" "$PB" &&
	xdp "$NSB" "$PB" off &&
	vmq_assert_eq "B's buffer stride once removed" 4096 \
		"$(b_queue0 buf_stride)"
}

# ACTION COUNTER: the frames the program takes are counted, and none
# reaches B's stack.
xdp_takes()
{
	local c0 r0 rc=0

	xdp "$NSB" "$PB" "$1" || return 1
	c0=$(b_xdp "$2") r0=$(rx "$NSB" "$PB")
	udp_ab 20 || rc=1
	vmq_wait_more "xdp_$2" $((c0 + 20)) b_xdp "$2" &&
	vmq_assert_eq "B's rx_packets" "$r0" "$(rx "$NSB" "$PB")" || rc=1
	xdp "$NSB" "$PB" off || rc=1
	return "$rc"
}

test_drop() { xdp_takes drop drop; }
test_aborted() { xdp_takes aborted aborted; }
# An action no kernel knows: dropped and counted as aborted.
test_unknown() { xdp_takes bad aborted; }

# XDP_TX: the program swaps the addresses and B's device sends the frame
# back to A, which receives it as one for it.
test_tx()
{
	local t0 a0 rc=0

	xdp "$NSB" "$PB" tx || return 1
	t0=$(b_xdp tx) a0=$(rx "$NSA" "$PA")
	udp_ab 20 || rc=1
	vmq_wait_more "xdp_tx" $((t0 + 20)) b_xdp tx &&
	vmq_wait_more "A's rx_packets" $((a0 + 20)) rx "$NSA" "$PA" &&
	vmq_assert_eq "xdp_tx_errors" 0 "$(b_xdp tx_errors)" || rc=1
	xdp "$NSB" "$PB" off || rc=1
	return "$rc"
}

# tcp_ab: 4 MiB from A to B over TCP, checked end to end, in TSO
# super-frames of more 4096-byte buffers than an skb has fragments.
tcp_ab()
{
	ip -n "$NSA" route replace "$IPB" dev "$PA" initcwnd 64 &&
	vmq_tcp_transfer "$NSA" "$NSB" "$IPB"
}

# TCP through XDP_PASS: A's TSO super-frames reach B's queue as the
# segments the device cut them into, each through the program, the long
# ones lent to the stack on the buffer itself. Then, the program gone,
# the super-frames come whole again and are lent as chains of buffers
# that still have the headroom.
test_tcp_pass()
{
	local p0 l0 o0 c0 c1

	xdp "$NSB" "$PB" pass || return 1
	p0=$(b_xdp pass) l0=$(b_queue0 frames_lent) o0=$(b_stat drops_oversize)
	tcp_ab || { xdp "$NSB" "$PB" off; return 1; }
	vmq_assert_eq "frames B's device dropped as too long" "$o0" \
		"$(b_stat drops_oversize)" &&
	vmq_assert_ge "xdp_pass: one a segment" $((p0 + 2800)) \
		"$(b_xdp pass)" &&
	vmq_assert_ge "frames B lent" $((l0 + 1)) "$(b_queue0 frames_lent)" &&
	xdp "$NSB" "$PB" off || return 1
	c0=$(b_queue0 frames_chained)
	tcp_ab || return 1
	c1=$(b_queue0 frames_chained)
	ktap_diag "B lent $((c1 - c0)) super-frames chained"
	vmq_assert_eq "B's buffer stride" 4096 "$(b_queue0 buf_stride)" &&
	vmq_assert_ge "super-frames B lent chained" $((c0 + 1)) "$c1"
}

# With a program, the device gets a completion wrong (debugfs hw_fault):
# the buffer next to the one posted, then a length past it. The program
# never sees such a frame: B drops it as bad and posts the buffer of its
# record there again, and a transfer through the program after, which
# lends buffers and goes round the ring, takes every frame.
test_bad_completions()
{
	local f=$VMQ_DEBUGFS/vmqnet$ID/hw_fault kind b p0 rc=0

	xdp "$NSB" "$PB" pass || return 1
	b=$(b_stat drops_bad_completion)
	for kind in offset len; do
		p0=$(b_xdp pass)
		if ! echo "$kind" > "$f" || ! echo 1 > "${f}_count" ||
		   ! udp_ab 20 ||
		   ! vmq_wait_more "xdp_pass after $kind" $((p0 + 19)) \
			b_xdp pass ||
		   ! vmq_assert_eq "bad completions after $kind" $((++b)) \
			"$(b_stat drops_bad_completion)"; then
			rc=1
			break
		fi
	done
	echo none > "$f" || rc=1
	tcp_ab || rc=1
	vmq_assert_eq "bad completions in the transfer" "$b" \
		"$(b_stat drops_bad_completion)" || rc=1
	xdp "$NSB" "$PB" off || rc=1
	return "$rc"
}

# A program on a port whose frames would not fit one buffer of a page is
# refused, and the port keeps its layout: lookahead split, then buffers
# too large. Both parameters apply at reload.
test_refused()
{
	local dl=vmqnet/vmqnet$ID2 rc=0

	vmq_dev_create "$ID2" 1 4 || return 1
	devlink dev param set "$dl" name lookahead_split value true \
		cmode driverinit && devlink dev reload "$dl" || return 1
	refused "$(vmq_port "$ID2" 0)" "lookahead split is on" || rc=1
	devlink dev param set "$dl" name lookahead_split value false \
		cmode driverinit &&
	devlink dev param set "$dl" name rx_buffer_size value 4096 \
		cmode driverinit && devlink dev reload "$dl" || return 1
	refused "$(vmq_port "$ID2" 0)" "too large for XDP" || rc=1
	vmq_dev_delete "$ID2" || rc=1
	return "$rc"
}

# Not enough of the budget for the new layout: refused, and every queue
# keeps its memory; no program stays.
test_no_budget()
{
	local dl=vmqnet/vmqnet$ID2 nd occ rc=0

	vmq_dev_create "$ID2" 1 4 || return 1
	nd=$(vmq_port "$ID2" 0)
	ip link set "$nd" up && ethtool -L "$nd" combined 4 || return 1
	occ=$(vmq_shmem_occ "$ID2")
	devlink resource set "$dl" path /shared_memory size $((occ * 2)) &&
		devlink dev reload "$dl" || return 1
	nd=$(vmq_port "$ID2" 0)
	ip link set "$nd" up && ethtool -L "$nd" combined 4 || return 1
	occ=$(vmq_shmem_occ "$ID2")
	refused "$nd" "no shared memory for the receive buffers of XDP" ||
		rc=1
	vmq_assert_eq "occupancy after the refusal" "$occ" \
		"$(vmq_shmem_occ "$ID2")" || rc=1
	ip -j link show dev "$nd" | jq -e '.[0].xdp == null' > /dev/null ||
		{ ktap_diag "a program stayed on $nd"; rc=1; }
	vmq_dev_delete "$ID2" || rc=1
	return "$rc"
}

# Programs come and go while A floods B: nothing is lost but frames, and
# every buffer comes back.
test_swap_under_traffic()
{
	local a d0 rc=0

	vmq_flood_start "${VMQ_NSENTER[@]}" --net="/run/netns/$NSA" \
		python3 -S "$VMQ_SEND" udp "$IPB" 0 1000 600
	for a in pass drop tx redirect off; do
		xdp "$NSB" "$PB" "$a" || { rc=1; break; }
		vmq_nap 0.3
	done
	vmq_flood_stop || rc=1
	# A replaced program, unlike a first one, takes no new layout: each
	# queue must run it from then on.
	xdp "$NSB" "$PB" pass && xdp "$NSB" "$PB" drop || rc=1
	d0=$(b_xdp drop)
	udp_ab 20 || rc=1
	vmq_wait_more "xdp_drop of the replacement" $((d0 + 20)) b_xdp drop ||
		rc=1
	xdp "$NSB" "$PB" off || rc=1
	return "$rc"
}

# XDP_REDIRECT from B to C, a port of another device in B's namespace:
# B lends the buffer to the redirect, and C's ndo_xdp_xmit puts each
# frame on its wire to D. Then, C down, every redirect fails, counted.
test_redirect()
{
	local r0 x0 d0 e0 rc=0

	xdp "$NSB" "$PB" redirect || return 1
	r0=$(b_xdp redirect) d0=$(rx "$NSD" "$PD")
	x0=$(vmq_counter tx_xdp_xmit "$(vmq_estats "$NSB" "$PC")")
	udp_ab 20 || rc=1
	vmq_wait_more "D's rx_packets" $((d0 + 20)) rx "$NSD" "$PD" &&
	vmq_assert_ge "xdp_redirect" $((r0 + 20)) "$(b_xdp redirect)" &&
	vmq_assert_ge "C's tx_xdp_xmit" $((x0 + 20)) \
		"$(vmq_counter tx_xdp_xmit "$(vmq_estats "$NSB" "$PC")")" || rc=1
	ip -n "$NSB" link set dev "$PC" down || rc=1
	e0=$(b_xdp redirect_errors)
	udp_ab 20 || rc=1
	vmq_wait_more "xdp_redirect_errors with C down" $((e0 + 20)) \
		b_xdp redirect_errors || rc=1
	ip -n "$NSB" link set dev "$PC" up || rc=1
	xdp "$NSB" "$PB" off || rc=1
	return "$rc"
}

# map_set NAME KEY VALUE...: entry KEY (a u32) of B's map NAME, from B's
# namespace (a devmap's ifindex is of the updater's), to the VALUE u32s.
map_set()
{
	local name=$1 v bytes=()

	shift
	for v in "$@"; do
		bytes+=($((v & 255)) $((v >> 8 & 255)) $((v >> 16 & 255)) $((v >> 24)))
	done
	vmq_cmd_expect 0 vmq_nsenter "$NSB" bpftool map update name "$name" \
		key "${bytes[@]:0:4}" value "${bytes[@]:4}"
}

# udp_noports: the datagrams B's stack took for a port no one listens on.
udp_noports()
{
	local -a l

	# "Udp: InDatagrams NoPorts ...", then a line of their values.
	while read -r -a l; do
		[[ ${l[0]} == Udp: && ${l[1]} =~ ^[0-9]+$ ]] || continue
		echo "${l[2]}"
		return 0
	done < <(vmq_nsenter "$NSB" cat /proc/net/snmp)
	return 1
}

# XDP_REDIRECT through maps. A devmap whose entry is C: the frames go
# out through C's ndo_xdp_xmit, in bulk at the flush, to D. A CPU map:
# its kthread on CPU 1 builds each frame an skb for B's own stack. B
# lends its buffers either way, and each comes back: ethtool -G, which
# frees them, has none to hand off (orphaned).
test_redirect_maps()
{
	local d0 r0 u0 o0 rc=0

	if ! command -v bpftool > /dev/null; then
		VMQ_SKIP_REASON="bpftool is not installed"
		return "$KSFT_SKIP"
	fi
	o0=$(b_queue0 orphaned)
	xdp "$NSB" "$PB" devmap &&
	map_set vmq_devs 0 "$(ns_read "$NSB" "$PC" ifindex)" || return 1
	r0=$(b_xdp redirect) d0=$(rx "$NSD" "$PD")
	udp_ab 20 || rc=1
	vmq_wait_more "D's rx_packets, through the devmap" $((d0 + 20)) \
		rx "$NSD" "$PD" &&
	vmq_assert_ge "xdp_redirect" $((r0 + 20)) "$(b_xdp redirect)" ||
		rc=1
	if ! xdp "$NSB" "$PB" cpumap || ! map_set vmq_cpus 1 192 0; then
		xdp "$NSB" "$PB" off
		return 1
	fi
	r0=$(b_xdp redirect) u0=$(udp_noports)
	udp_ab 20 || rc=1
	vmq_wait_more "B's UDP datagrams, through the CPU map" $((u0 + 20)) \
		udp_noports &&
	vmq_assert_ge "xdp_redirect" $((r0 + 20)) "$(b_xdp redirect)" ||
		rc=1
	vmq_nsenter "$NSB" ethtool -G "$PB" rx 128 &&
	vmq_nsenter "$NSB" ethtool -G "$PB" rx 256 || rc=1
	vmq_assert_eq "B's buffers handed off at -G" "$o0" \
		"$(b_queue0 orphaned)" || rc=1
	xdp "$NSB" "$PB" off || rc=1
	return "$rc"
}

# ethtool -G with a program: the new buffers keep the XDP layout.
test_ring_resize()
{
	local p0 rc=0

	xdp "$NSB" "$PB" pass || return 1
	vmq_nsenter "$NSB" ethtool -G "$PB" rx 128 || rc=1
	vmq_assert_eq "B's buffers" 128 "$(b_queue0 bufs)" &&
	vmq_assert_eq "B's buffer stride" 4096 "$(b_queue0 buf_stride)" ||
		rc=1
	p0=$(b_xdp pass)
	udp_ab 20 || rc=1
	vmq_wait_more "xdp_pass" $((p0 + 20)) b_xdp pass || rc=1
	vmq_nsenter "$NSB" ethtool -G "$PB" rx 256 || rc=1
	xdp "$NSB" "$PB" off || rc=1
	return "$rc"
}

# xdp_tools TOOL...: skip unless xdp-tools has each TOOL.
xdp_tools()
{
	local t

	for t in "$@"; do
		command -v "$t" > /dev/null && continue
		VMQ_SKIP_REASON="xdp-tools' $t is not installed"
		return "$KSFT_SKIP"
	done
}

# xdp-tools' loader on a port: xdp-loader attaches a program in native
# mode (libxdp), lists it, and detaches it.
test_xdp_loader()
{
	local out rc=0

	xdp_tools xdp-loader || return
	vmq_cmd_expect 0 vmq_nsenter "$NSB" xdp-loader load -m native \
		-s xdp_pass "$PB" "$OBJ" || return 1
	# The program, or libxdp's dispatcher with the program under it
	# where a bpffs is mounted (ip link mounts one).
	out=$(vmq_nsenter "$NSB" xdp-loader status "$PB" 2>&1)
	[[ $out =~ $'\n'"$PB"\ +(vmq_xdp_pass|xdp_dispatcher)\ +native\  &&
	   $out =~ vmq_xdp_pass ]] ||
		{ ktap_diag "xdp-loader status: $out"; rc=1; }
	vmq_cmd_expect 0 vmq_nsenter "$NSB" xdp-loader unload "$PB" --all &&
	vmq_assert_eq "B's program after the unload" "" \
		"$(ip -n "$NSB" -j link show dev "$PB" | jq -r '.[0].xdp.prog.id // empty')" ||
		rc=1
	return "$rc"
}

# xdpdump, tracing the entry of B's program, reports each frame's
# rx_queue_index, which is its VM queue's (an xdp_rxq_info a queue): the
# frames to a MAC a filter steers to queue 2 on 2, B's own on the default
# queue. Its tracing programs need the kernel's BTF, which the debug
# kernel is built without.
test_xdpdump()
{
	local out=$VMQ_TMPD/xdpdump.out pid i rc=0

	xdp_tools xdpdump || return
	if [ ! -e /sys/kernel/btf/vmlinux ]; then
		VMQ_SKIP_REASON="no kernel BTF, which xdpdump needs"
		return "$KSFT_SKIP"
	fi
	xdp "$NSB" "$PB" pass &&
	ip -n "$NSA" neigh add "$IPV" lladdr "$MACV" dev "$PA" nud permanent &&
	vmq_nsenter "$NSB" ethtool -N "$PB" flow-type ether dst "$MACV" \
		action 2 loc 0 > /dev/null || return 1
	"${VMQ_NSENTER[@]}" --net="/run/netns/$NSB" xdpdump -i "$PB" \
		> "$out" 2>&1 &
	pid=$!
	for ((i = 0; i < VMQ_WAIT_POLLS; i++)); do
		grep -q '^listening on' "$out" && break
		kill -0 "$pid" 2> /dev/null || break
		vmq_nap 0.1
	done
	udp_ab 5 > /dev/null &&
	vmq_nsenter "$NSA" python3 -S "$VMQ_SEND" udp "$IPV" 7 64 30 \
		> /dev/null || rc=1
	vmq_nap 0.5
	kill -INT "$pid"
	wait "$pid" || rc=1
	if ! vmq_assert_eq "frames xdpdump saw on queue 0" 5 \
		"$(grep -c 'rx queue 0, id' "$out")" ||
	   ! vmq_assert_eq "frames xdpdump saw on queue 2" 7 \
		"$(grep -c 'rx queue 2, id' "$out")"; then
		ktap_diag "xdpdump said: $(head -n 5 "$out")"
		rc=1
	fi
	vmq_nsenter "$NSB" ethtool -N "$PB" delete 0 &&
	ip -n "$NSA" neigh del "$IPV" dev "$PA" &&
	xdp "$NSB" "$PB" off || rc=1
	return "$rc"
}

# rmmod under traffic with a program attached and buffers lent: the core
# removes the program as the port goes.
test_rmmod()
{
	vmq_module_unloadable || return
	xdp "$NSB" "$PB" pass || return 1
	vmq_flood_start "${VMQ_NSENTER[@]}" --net="/run/netns/$NSA" \
		python3 -S "$VMQ_SEND" udp "$IPB" 0 1000 600
	vmq_nap 1
	vmq_module_unload || { vmq_flood_kill; return 1; }
	vmq_flood_kill
	vmq_module_load && vmq_assert_exists "$VMQ_BUS"
}

vmq_setup "two linked ports, the XDP programs built" setup
ktap_plan 16
vmq_test "xdp: pass, the layout a program takes" test_pass
vmq_test "xdp: drop" test_drop
vmq_test "xdp: aborted" test_aborted
vmq_test "xdp: an unknown action" test_unknown
vmq_test "xdp: tx back to the sender" test_tx
vmq_test "xdp: tcp through pass, super-frames segmented" test_tcp_pass
vmq_test "xdp: bad completions dropped before the program" test_bad_completions
vmq_test "xdp: redirect to another port, its ndo_xdp_xmit" test_redirect
vmq_test "xdp: redirect through a devmap and a CPU map" test_redirect_maps
vmq_test "xdp: refused for lookahead split and large buffers" test_refused
vmq_test "xdp: refused over the budget, nothing changed" test_no_budget
vmq_test "xdp: programs swapped under traffic" test_swap_under_traffic
vmq_test "xdp: ethtool -G keeps the layout" test_ring_resize
vmq_test "xdp: xdp-loader attaches, lists and detaches" test_xdp_loader
vmq_test "xdp: xdpdump: each frame's VM queue" test_xdpdump
vmq_test "xdp: rmmod with a program under traffic" test_rmmod
ktap_finish
