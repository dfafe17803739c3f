#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Linked ports: link_device / unlink_device and their bad input, carrier,
# traffic between two network namespaces (ping, a TCP transfer checked
# end to end), a netns move, and unlink / del_device / rmmod while traffic
# flows.
#
# The test functions run through vmq_test, which shellcheck cannot follow.
# shellcheck disable=SC2317

# shellcheck source=lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

vmq_require_tools ip jq
vmq_require_module

ID=71		# two ports, linked to each other
ID2=72		# one port, for linking across devices and del_device
NSA=vmqlnkA$$
NSB=vmqlnkB$$
NSC=vmqlnkC$$
NSD=vmqlnkD$$	# behind B, through a veth: forwarding
IPA=192.0.2.1
IPB=192.0.2.2
IPB2=198.51.100.1
IPD=198.51.100.2

# ---- helpers ----------------------------------------------------------------

# ns_read NS DEV FILE: a file of DEV in network namespace NS's sysfs
# (vmq_netns_add mounted it), such as ifindex or statistics/rx_packets;
# fails if NS has no DEV.
ns_read()
{
	local v

	read -r v < "$VMQ_TMPD/sys.$1/class/net/$2/$3" && echo "$v"
}

# ns_ifindex NS DEV: the ifindex of DEV in network namespace NS.
ns_ifindex() { ns_read "$1" "$2" ifindex; }

# has_carrier NS DEV: "1" if the link is up with carrier (LOWER_UP), "0"
# if not; sysfs refuses to read the carrier of a link that is down.
has_carrier()
{
	ns_read "$1" "$2" carrier 2>/dev/null || echo 0
}

# Device ID with ports A (in NSA) and B (in NSB), addressed, not yet up
# nor linked; FDA/FDB are fds of the namespaces, IFA/IFB the ifindexes.
setup_pair()
{
	vmq_netns_add "$NSA" "$NSB" || return 1
	exec {FDA}<"/run/netns/$NSA" {FDB}<"/run/netns/$NSB"
	vmq_dev_create "$ID" 2 4 || return 1
	ports_to_ns
}

# Move device $ID's two ports into the namespaces and address them; again
# after a reload, which re-creates the ports.
ports_to_ns()
{
	PA=$(vmq_port "$ID" 0) PB=$(vmq_port "$ID" 1)
	printf 'link set %s netns %s\n' "$PA" "$NSA" "$PB" "$NSB" |
		ip -batch - || return 1
	ip -n "$NSA" addr add "$IPA/24" dev "$PA" &&
	ip -n "$NSB" addr add "$IPB/24" dev "$PB" || return 1
	IFA=$(ns_ifindex "$NSA" "$PA") IFB=$(ns_ifindex "$NSB" "$PB")
}

# Link A and B; unlink them (through A).
link_ab() { vmq_link "$NSA" "$IFA" "$NSB" "$IFB"; }
unlink_a() { vmq_unlink "$NSA" "$IFA"; }
up_ab() { ip -n "$NSA" link set "$PA" up && ip -n "$NSB" link set "$PB" up; }

# check_carrier A B: carrier of PA and PB, as 0/1.
check_carrier()
{
	vmq_assert_eq "carrier of $PA" "$1" "$(has_carrier "$NSA" "$PA")" &&
	vmq_assert_eq "carrier of $PB" "$2" "$(has_carrier "$NSB" "$PB")"
}

# ICMP echo in python3: the guest has no ping(8).
PY_PING=$VMQ_TMPD/ping.py
cat > "$PY_PING" <<'PY'
import socket, struct, sys
dst, count = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.settimeout(2)
def csum(b):
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    t = (t >> 16) + (t & 0xffff)
    return ~(t + (t >> 16)) & 0xffff
for seq in range(count):
    hdr = struct.pack("!BBHHH", 8, 0, 0, 0x564d, seq)
    data = bytes(56)
    s.sendto(struct.pack("!BBHHH", 8, 0, csum(hdr + data), 0x564d, seq)
             + data, (dst, 0))
    while True:
        pkt, addr = s.recvfrom(2048)
        icmp = pkt[(pkt[0] & 15) * 4:]
        if addr[0] == dst and icmp[0] == 0 and \
           struct.unpack("!HH", icmp[4:8]) == (0x564d, seq):
            break
PY

# pingx NS DST COUNT: every reply awaited, 2 s each.
pingx() { vmq_nsenter "$1" python3 -S "$PY_PING" "$2" "$3"; }

# udp_send NS DST COUNT SIZE: COUNT datagrams of SIZE bytes from NS.
udp_send() { vmq_nsenter "$1" python3 -S "$VMQ_SEND" udp "$2" "$3" "$4" 0; }

ping_ab()
{
	pingx "$NSA" "$IPB" "${1:-3}" 2> /dev/null && return 0
	ktap_diag "ping $IPA -> $IPB failed"
	return 1
}

# Background UDP flood A -> B (nsenter execs python), until
# flood_stop_flush or, as a safety net, for 600 s.
flood_a_to_b()
{
	vmq_flood_start "${VMQ_NSENTER[@]}" --net="/run/netns/$NSA" \
		python3 -S "$VMQ_SEND" udp "$IPB" 0 64 600
}

# Kill the flood, whatever became of it. Then A forgets its neighbours: a
# flood that ran into a link that went away leaves B's entry resolving,
# its probes used up and frames queued on it, and a ping right after could
# time out before A gives up on it.
flood_stop_flush()
{
	vmq_flood_kill
	ip -n "$NSA" neigh flush dev "$PA" 2>/dev/null || :
}

# rx_packets NS DEV: what DEV has received (stats64); fails if there is
# no DEV in NS.
rx_packets() { ns_read "$1" "$2" statistics/rx_packets; }

# A test "under traffic" must not act before the flood flows: python
# takes seconds to start under TCG, so a fixed sleep proves nothing.
FLOOD_MIN=300

# flood_flowing NS DEV: wait until DEV in NS, the flood's receiver, has
# received FLOOD_MIN more packets than when called, and check that the
# sender still runs. If not, stop the flood and fail.
flood_flowing()
{
	local base

	base=$(rx_packets "$1" "$2")
	if vmq_wait_more "packets received by $2 under the flood" \
		$((base + FLOOD_MIN)) rx_packets "$1" "$2"; then
		vmq_flood_running && return 0
		ktap_diag "the flood ended by itself"
	fi
	flood_stop_flush
	return 1
}

# ---- tests ------------------------------------------------------------------

test_bad_input()
{
	local lo fdnull rc=0

	lo=$(ns_ifindex "$NSA" lo)
	exec {fdnull}</dev/null
	vmq_write_expect EINVAL "$VMQ_BUS/link_device" "$FDA:$IFA\n" &&
	vmq_write_expect EINVAL "$VMQ_BUS/link_device" "$FDA:$IFA,$FDB:$IFB" &&
	vmq_write_expect EINVAL "$VMQ_BUS/link_device" "$FDA:0 $FDB:$IFB" &&
	vmq_write_expect EINVAL "$VMQ_BUS/link_device" "x:1 y:2" &&
	vmq_write_expect EINVAL "$VMQ_BUS/unlink_device" "$FDA $IFA" &&
	# Not a network namespace.
	vmq_write_expect EINVAL "$VMQ_BUS/link_device" "$fdnull:$IFA $FDB:$IFB" &&
	# A port linked to itself, even through two fds of its namespace.
	vmq_write_expect EINVAL "$VMQ_BUS/link_device" "$FDA:$IFA $FDA:$IFA" &&
	vmq_write_expect EINVAL "$VMQ_BUS/link_device" "$FDA:$IFA $fdnull:$IFA" &&
	# Not a vmqnet device; no such ifindex (B's ifindex is not in A).
	vmq_write_expect ENODEV "$VMQ_BUS/link_device" "$FDA:$lo $FDB:$IFB" &&
	vmq_write_expect ENODEV "$VMQ_BUS/link_device" "$FDA:$IFA $FDB:99999" &&
	vmq_write_expect ENODEV "$VMQ_BUS/unlink_device" "$FDA:$lo" &&
	# Unlinking what is not linked.
	vmq_write_expect ENOENT "$VMQ_BUS/unlink_device" "$FDA:$IFA" || rc=1
	exec {fdnull}<&-
	return "$rc"
}

test_link_busy()
{
	local port2 if2 fdi

	vmq_dev_create "$ID2" 1 2 || return 1
	port2=$(vmq_dev_netdevs "$ID2")
	if2=$(< "/sys/class/net/$port2/ifindex")
	exec {fdi}</proc/self/ns/net
	link_ab || return 1
	vmq_write_expect EBUSY "$VMQ_BUS/link_device" "$FDA:$IFA $fdi:$if2" &&
	vmq_write_expect EBUSY "$VMQ_BUS/link_device" "$fdi:$if2 $FDB:$IFB" &&
	vmq_write_expect EBUSY "$VMQ_BUS/link_device" "$FDB:$IFB $FDA:$IFA" &&
	unlink_a &&
	# Unlinking one end unlinks both.
	vmq_write_expect ENOENT "$VMQ_BUS/unlink_device" "$FDB:$IFB" &&
	vmq_dev_delete "$ID2"
}

test_carrier()
{
	check_carrier 0 0 || return 1
	link_ab || return 1
	check_carrier 0 0 || return 1
	ip -n "$NSA" link set "$PA" up || return 1
	check_carrier 0 0 || return 1
	ip -n "$NSB" link set "$PB" up || return 1
	check_carrier 1 1 || return 1
	ip -n "$NSB" link set "$PB" down || return 1
	check_carrier 0 0 || return 1
	ip -n "$NSB" link set "$PB" up || return 1
	check_carrier 1 1 || return 1
	unlink_a || return 1
	check_carrier 0 0 || return 1
	link_ab || return 1
	check_carrier 1 1
}

test_ping()
{
	ping_ab 5
}

# tcp_transfer [NS IP [MSS]]: 4 MiB from A to a listener in NS at IP (B's by
# default; the routes to another are the caller's), checked end to end.
tcp_transfer()
{
	local ns=${1:-$NSB} ip=${2:-$IPB}

	if [ "$ns" = "$NSB" ]; then
		ip -n "$NSA" route replace "$IPB" dev "$PA" initcwnd 64 || return 1
	fi
	vmq_tcp_transfer "$NSA" "$ns" "$ip" "${3:-}"
}

# A receiver of UDP datagrams to a port, from B's port itself (a packet
# socket: the frame as the device wrote it, which B's stack does not check
# again once the device reported the checksum good). Each checksum must be
# there (not 0, "none") and add up over the pseudo-header.
PY_UDP_CSUM=$VMQ_TMPD/udp_csum.py
cat > "$PY_UDP_CSUM" <<'PY'
import socket, struct, sys
dev, port, count, ready = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
s.bind((dev, 0))
s.settimeout(10)
open(ready, "w").close()
def fold(t):
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    return t
bad = 0
for _ in range(count):
    while True:
        ip = s.recv(4096)
        ihl = (ip[0] & 15) * 4
        udp = ip[ihl:struct.unpack("!H", ip[2:4])[0]]
        if ip[9] == 17 and struct.unpack("!H", udp[2:4])[0] == port:
            break
    b = ip[12:20] + struct.pack("!BBH", 0, 17, len(udp)) + udp
    b += bytes(len(b) % 2)
    if udp[6:8] == bytes(2) or fold(sum(struct.unpack("!%dH" % (len(b) // 2), b))) != 0xffff:
        bad += 1
        print("bad checksum 0x%s on %d bytes" % (udp[6:8].hex(), len(udp) - 8))
sys.exit(bad != 0)
PY

# Frames of more than one buffer that reach B's port (a packet socket)
# whose last buffer holds LA bytes or fewer, until the file STOP exists.
PY_SHORT_TAILS=$VMQ_TMPD/short_tails.py
cat > "$PY_SHORT_TAILS" <<'PY'
import os, socket, sys
dev, bs, la, ready, stop = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.bind((dev, 0))
s.settimeout(0.2)
open(ready, "w").close()
tails, b = 0, bytearray(1)
while not os.path.exists(stop):
    try:
        n = s.recv_into(b, 1, socket.MSG_TRUNC)
    except socket.timeout:
        continue
    if n > bs and 0 < n % bs <= la:
        tails += 1
print(tails)
PY

# b_lend COLUMN: the sum of a column of B's queues file (rx.c's lending
# counters), over its queues.
b_lend()
{
	local -A t=()
	local r sum=0

	vmq_table t "$VMQ_DEBUGFS/vmqnet$ID/ports/1/queues"
	for r in ${t[rows]}; do
		sum=$((sum + t[$r,$1]))
	done
	echo "$sum"
}

# rx_errors NS: frames the IP and TCP of namespace NS refused as
# malformed (a length, header or checksum that does not add up), from
# its MIBs.
rx_errors()
{
	local -a h v
	local i sum=0

	while read -r -a h && read -r -a v; do
		for i in "${!h[@]}"; do
			case ${h[0]}${h[i]} in
			Ip:InHdrErrors | IpExt:InTruncatedPkts | IpExt:InCsumErrors | \
			Tcp:InErrs | Tcp:InCsumErrors)
				sum=$((sum + v[i])) ;;
			esac
		done
	done < <(vmq_nsenter "$1" cat /proc/net/snmp /proc/net/netstat)
	echo "$sum"
}

# lent_transfer [WHAT]: tcp_transfer, of whose TSO super-frames B must lend
# at least one as an skb with a frag_list, and whose frames B's IP and TCP
# must all take; a diagnostic line says what B lent (WHAT: of which
# buffers).
lent_transfer()
{
	local l0 c0 n0 e0 l1 c1 n1

	l0=$(b_lend frames_lent) c0=$(b_lend frames_chained)
	n0=$(b_lend copied_no_spare) e0=$(rx_errors "$NSB")
	tcp_transfer || return 1
	l1=$(b_lend frames_lent) c1=$(b_lend frames_chained)
	n1=$(b_lend copied_no_spare)
	ktap_diag "B lent $((l1 - l0)) frames${1:+ of $1}, $((c1 - c0)) of them chained; copied $((n1 - n0)) for want of spares"
	vmq_assert_ge "frames B lent as an skb with a frag_list" $((c0 + 1)) "$c1" &&
	vmq_assert_eq "frames B's IP and TCP refused as malformed" "$e0" \
		"$(rx_errors "$NSB")"
}

# The transfer's TSO super-frames fill more buffers than an skb has
# fragments: B lends them as skbs with a frag_list, not copies, and its
# stack takes them whole.
test_tcp_checksum()
{
	lent_transfer
}

# B routes the transfer on to D, through a veth whose fraglist offload is
# off: the super-frames B lent with a frag_list leave through software
# GSO (skb_segment() walking the page fragments of the frag_list), which
# needs their GSO metadata right, and must reach D whole and undropped.
test_tcp_forwarded()
{
	local c0 c1 e0 vb=vmqfwB vd=vmqfwD

	modprobe veth && vmq_netns_add "$NSD" || return 1
	ip -n "$NSB" link add "$vb" type veth peer name "$vd" netns "$NSD" &&
	ip -n "$NSB" addr add "$IPB2/24" dev "$vb" &&
	ip -n "$NSD" addr add "$IPD/24" dev "$vd" &&
	ip -n "$NSB" link set "$vb" up && ip -n "$NSD" link set "$vd" up &&
	vmq_nsenter "$NSB" ethtool -K "$vb" tx-scatter-gather-fraglist off &&
	vmq_nsenter "$NSB" sysctl -qw net.ipv4.ip_forward=1 &&
	ip -n "$NSA" route replace "$IPD" via "$IPB" dev "$PA" initcwnd 64 &&
	ip -n "$NSD" route replace "$IPA" via "$IPB2" dev "$vd" || return 1
	c0=$(b_lend frames_chained) e0=$(rx_errors "$NSD")
	tcp_transfer "$NSD" "$IPD" || return 1
	c1=$(b_lend frames_chained)
	ktap_diag "B forwarded $((c1 - c0)) frames it lent chained"
	vmq_assert_ge "frames B lent as an skb with a frag_list" $((c0 + 1)) "$c1" &&
	vmq_assert_eq "frames B dropped on the way to D" 0 \
		"$(ns_read "$NSB" "$vb" statistics/tx_dropped)" &&
	vmq_assert_eq "frames D's IP and TCP refused as malformed" "$e0" \
		"$(rx_errors "$NSD")" &&
	ip netns del "$NSD"
}

# b_queue0 COLUMN: a column of B's default queue in its queues file.
b_queue0()
{
	local -A t=()

	vmq_table t "$VMQ_DEBUGFS/vmqnet$ID/ports/1/queues"
	echo "${t[0,$1]}"
}

# 1536-byte buffers: a lent buffer is a page fragment and may not cross a
# page, so a lending queue lays them out two to a page, 2048 bytes apart;
# the transfer's super-frames are lent (and chained) from those offsets
# and must arrive intact. The tests after this one run with them.
test_tcp_checksum_1536()
{
	local dl=vmqnet/vmqnet$ID

	devlink dev param set "$dl" name rx_buffer_size value 1536 \
		cmode driverinit &&
	devlink dev reload "$dl" || return 1
	ports_to_ns && link_ab && up_ab && check_carrier 1 1 || return 1
	vmq_assert_eq "B's default queue: buffer size, stride, mode" \
		"1536 2048 lend" \
		"$(b_queue0 buf_size) $(b_queue0 buf_stride) $(b_queue0 rx_mode)" ||
		return 1
	lent_transfer "1536-byte buffers"
}

# With lookahead split each frame lands in two buffers (lookahead and
# post-lookahead) and NAPI joins them: the payload must not change. A
# super-frame's chain is lent too, with the lookahead piece of each of its
# buffers copied between the lent ones. The param is driverinit, so the
# reload re-creates the ports: link them again. The tests after this one
# run with the split on.
test_tcp_checksum_split()
{
	local dl=vmqnet/vmqnet$ID la

	devlink dev param set "$dl" name lookahead_split value true \
		cmode driverinit &&
	devlink dev param set "$dl" name lookahead_size value 64 \
		cmode driverinit &&
	devlink dev reload "$dl" || return 1
	ports_to_ns && link_ab && up_ab || return 1
	la=$(devlink -j health diagnose "$dl" reporter vmq |
		jq -r '.ports[0].queues[] | select(.id == 0) | .lookahead')
	vmq_assert_eq "lookahead of the default queue" 64 "$la" || return 1
	check_carrier 1 1 && lent_transfer "split buffers"
}

# Under lookahead split, a super-frame whose last buffer gets no more
# bytes than the lookahead holds: that buffer has nothing to lend, its
# lookahead piece is copied and it stays posted. TSO super-frames of an
# even number of segments of half a buffer each, with no TCP options,
# end in such a buffer: 54 bytes of headers past the last full one.
test_tcp_split_short_tail()
{
	local ready=$VMQ_TMPD/tails.ready stop=$VMQ_TMPD/tails.stop
	local out=$VMQ_TMPD/tails.out bs la=64 pid i l0 e0 rc=0

	bs=$(b_queue0 buf_size)
	rm -f "$ready" "$stop"
	"${VMQ_NSENTER[@]}" --net="/run/netns/$NSB" \
		python3 -S "$PY_SHORT_TAILS" "$PB" "$bs" "$la" "$ready" "$stop" \
		> "$out" &
	pid=$!
	for ((i = 0; i < 50; i++)); do
		[ -e "$ready" ] && break
		vmq_nap 0.1
	done
	l0=$(b_lend frames_lent) e0=$(rx_errors "$NSB")
	vmq_nsenter "$NSA" sysctl -qw net.ipv4.tcp_timestamps=0 &&
	tcp_transfer "" "" $((bs / 2)) || rc=1
	vmq_nsenter "$NSA" sysctl -qw net.ipv4.tcp_timestamps=1 || rc=1
	touch "$stop"
	wait "$pid" || rc=1
	ktap_diag "B lent $(($(b_lend frames_lent) - l0)) frames; $(< "$out") super-frames ended in a buffer of $la bytes or fewer"
	[ "$rc" = 0 ] &&
	vmq_assert_ge "super-frames whose last buffer holds only lookahead" \
		1 "$(< "$out")" &&
	vmq_assert_eq "frames B's IP and TCP refused as malformed" "$e0" \
		"$(rx_errors "$NSB")"
}

# Under lookahead split, the device gets the first completion of a stream
# of datagrams from A wrong (debugfs hw_fault): the post-lookahead piece
# in the neighbouring buffer, then the lookahead piece. B drops that
# frame, and only it, as bad (stats64 rx_errors), and posts the buffer of
# its record there again: the transfer after, which goes round the ring
# many times, must take every frame, none of them bad.
test_tcp_split_bad_completions()
{
	local f=$VMQ_DEBUGFS/vmqnet$ID/hw_fault kind p0 e0 rc=0

	for kind in post offset; do
		p0=$(rx_packets "$NSB" "$PB") e0=$(b_bad)
		echo "$kind" > "$f" && echo 1 > "${f}_count" &&
		udp_send "$NSA" "$IPB" 20 1400 &&
		vmq_wait_more "B's rx_packets after $kind" $((p0 + 19)) \
			rx_packets "$NSB" "$PB" || rc=1
		vmq_assert_eq "frames B dropped as bad ($kind)" $((e0 + 1)) \
			"$(b_bad)" || rc=1
	done
	echo none > "$f" || rc=1
	e0=$(b_bad)
	lent_transfer "split buffers, after bad completions" || rc=1
	vmq_assert_eq "frames B dropped as bad in the transfer" "$e0" \
		"$(b_bad)" || rc=1
	return "$rc"
}

b_bad() { ns_read "$NSB" "$PB" statistics/rx_errors; }

# threaded NS DEV [0|1]: DEV's NAPI mode (/sys/class/net/DEV/threaded),
# read, or set first.
threaded()
{
	[ -z "${3:-}" ] || echo "$3" > "$VMQ_TMPD/sys.$1/class/net/$2/threaded" ||
		return 1
	ns_read "$1" "$2" threaded
}

# Threaded NAPI (the standard sysfs knob): each ring's poll runs in a
# kthread of its own instead of softirq, on whichever CPU the scheduler
# picks. The payload must not change. The tests after this one, moves,
# unlinks and removals under traffic, run with it on.
test_tcp_checksum_threaded()
{
	vmq_assert_eq "threaded NAPI of $PA" 1 "$(threaded "$NSA" "$PA" 1)" &&
	vmq_assert_eq "threaded NAPI of $PB" 1 "$(threaded "$NSB" "$PB" 1)" &&
	tcp_transfer
}

# UDP datagrams leave A with their checksum left to the hardware
# (CHECKSUM_PARTIAL): the device fills it in as it writes the frame into
# B's queue. Sizes odd and even, copied and lent.
test_udp_checksum()
{
	local ready=$VMQ_TMPD/udp_csum.ready pid i sizes=(1 18 255 256 257 1000 1471)

	rm -f "$ready"
	"${VMQ_NSENTER[@]}" --net="/run/netns/$NSB" \
		python3 -S "$PY_UDP_CSUM" "$PB" 5300 ${#sizes[@]} "$ready" &
	pid=$!
	for ((i = 0; i < 50; i++)); do
		[ -e "$ready" ] && break
		vmq_nap 0.1
	done
	vmq_nsenter "$NSA" python3 -S -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for n in sys.argv[2:]:
    s.sendto((bytes(range(256)) * 6)[:int(n)], (sys.argv[1], 5300))' \
		"$IPB" "${sizes[@]}" || { kill "$pid"; wait "$pid"; return 1; }
	wait "$pid"
}

# TX counters: what A sent shows up on A's TX; nothing dropped while linked.
test_tx_stats()
{
	local before after

	before=$(ns_read "$NSA" "$PA" statistics/tx_packets)
	ping_ab 3 || return 1
	after=$(ns_read "$NSA" "$PA" statistics/tx_packets)
	vmq_assert_ge "tx packets of $PA" $((before + 3)) "$after"
}

# A frame bigger than the peer's MTU is dropped and counted on TX.
test_peer_mtu_drops()
{
	local before after

	ip -n "$NSB" link set "$PB" mtu 1000 || return 1
	before=$(ns_read "$NSA" "$PA" statistics/tx_dropped)
	udp_send "$NSA" "$IPB" 10 1200 || return 1
	after=$(ns_read "$NSA" "$PA" statistics/tx_dropped)
	ip -n "$NSB" link set "$PB" mtu 1500 || return 1
	vmq_assert_eq "tx dropped of $PA" $((before + 10)) "$after" || return 1
	ping_ab 2
}

# The link survives a move of one end to another namespace.
test_netns_move()
{
	local fdc ifc

	vmq_netns_add "$NSC" || return 1
	flood_a_to_b
	flood_flowing "$NSB" "$PB" || return 1
	ip -n "$NSB" link set "$PB" netns "$NSC" || { flood_stop_flush; return 1; }
	flood_stop_flush
	exec {fdc}<"/run/netns/$NSC"
	ifc=$(ns_ifindex "$NSC" "$PB")
	ip -n "$NSC" addr add "$IPB/24" dev "$PB" &&
	ip -n "$NSC" link set "$PB" up || return 1
	vmq_write_expect EBUSY "$VMQ_BUS/link_device" "$FDA:$IFA $fdc:$ifc" ||
		return 1
	ping_ab 3 || return 1
	ip -n "$NSC" link set "$PB" netns "$NSB" || return 1
	exec {fdc}<&-
	ip -n "$NSB" addr add "$IPB/24" dev "$PB" &&
	ip -n "$NSB" link set "$PB" up && ping_ab 2
}

# Ten unlinks and links while A floods B; then the flood gets through
# again.
test_unlink_under_traffic()
{
	local i

	flood_a_to_b
	flood_flowing "$NSB" "$PB" || return 1
	for ((i = 0; i < 10; i++)); do
		if ! { unlink_a && link_ab; }; then
			flood_stop_flush
			return 1
		fi
	done
	flood_flowing "$NSB" "$PB" || return 1
	flood_stop_flush
	ping_ab 2
}

# Deleting the device of the peer, and rmmod, while A floods B.
test_del_under_traffic()
{
	local devs

	flood_a_to_b
	flood_flowing "$NSB" "$PB" || return 1
	vmq_dev_delete "$ID" || { flood_stop_flush; return 1; }
	flood_stop_flush
	ip netns del "$NSA" && ip netns del "$NSB" || return 1
	exec {FDA}<&- {FDB}<&-
	setup_pair && up_ab && link_ab && ping_ab 2 || return 1

	# Across two devices: delete only the peer's device.
	vmq_dev_create "$ID2" 1 2 || return 1
	mapfile -t devs <<< "$(vmq_dev_netdevs "$ID2")"
	ip link set "${devs[0]}" netns "$NSB" || return 1
	unlink_a || return 1
	vmq_write_expect 0 "$VMQ_BUS/link_device" \
		"$FDA:$IFA $FDB:$(ns_ifindex "$NSB" "${devs[0]}")\n" || return 1
	ip -n "$NSB" link set "${devs[0]}" up || return 1
	# A's cable now goes to another host: B's MAC that A resolved is
	# wrong. The carrier drop at unlink flushes A's neighbours only if
	# the link watch sees it, which a busy guest may not before the
	# relink: then the flood goes to the old MAC, dropped as not for the
	# new port, until the entry ages out (15-45 s).
	ip -n "$NSA" neigh flush dev "$PA" || return 1
	flood_a_to_b
	flood_flowing "$NSB" "${devs[0]}" || return 1
	vmq_dev_delete "$ID2" || { flood_stop_flush; return 1; }
	flood_stop_flush
	vmq_assert_eq "carrier of $PA after the peer's removal" 0 \
		"$(has_carrier "$NSA" "$PA")" || return 1
	vmq_write_expect ENOENT "$VMQ_BUS/unlink_device" "$FDA:$IFA\n" ||
		return 1
	link_ab && ping_ab 2
}

# rmmod needs a vmqnet without holders and a way to load it again: where
# there is none it is skipped, but not in the guest runner, which gives
# both (vmq_module_unloadable).
test_rmmod_under_traffic()
{
	vmq_module_unloadable || return
	flood_a_to_b
	# Right before rmmod: traffic flows.
	flood_flowing "$NSB" "$PB" || return 1
	vmq_module_unload || { flood_stop_flush; return 1; }
	flood_stop_flush
	vmq_module_load && vmq_assert_exists "$VMQ_BUS"
}

vmq_setup "a device's two ports in two namespaces" setup_pair
ktap_plan 18
vmq_test "bad input" test_bad_input
vmq_test "already linked" test_link_busy
vmq_test "carrier" test_carrier
vmq_test "ping" test_ping
# Before any TCP: a late retransmission of a full-sized segment would be
# one more drop there.
vmq_test "peer mtu drops" test_peer_mtu_drops
vmq_test "tcp checksum" test_tcp_checksum
vmq_test "tcp forwarded, frag_list through software GSO" test_tcp_forwarded
vmq_test "tcp checksum, 1536-byte buffers lent" test_tcp_checksum_1536
vmq_test "tcp checksum, lookahead split" test_tcp_checksum_split
vmq_test "tcp checksum, split, lookahead-only last buffers" test_tcp_split_short_tail
vmq_test "tcp checksum, split, after bad completions" test_tcp_split_bad_completions
vmq_test "tcp checksum, threaded NAPI" test_tcp_checksum_threaded
vmq_test "udp checksum filled in by the device" test_udp_checksum
vmq_test "tx stats" test_tx_stats
vmq_test "netns move" test_netns_move
vmq_test "unlink under traffic" test_unlink_under_traffic
vmq_test "del_device under traffic" test_del_under_traffic
vmq_test "rmmod under traffic" test_rmmod_under_traffic
ktap_finish
