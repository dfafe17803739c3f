#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The vmqnet bus and device lifecycle: new_device / del_device, the ports
# (netdevs, queues, MACs, link state, ethtool, stats), devlink, debugfs,
# every kind of bad input, reload, unbind/bind, races, and rmmod with
# devices present.
#
# The test functions run through vmq_test, which shellcheck cannot follow.
# shellcheck disable=SC2317

# shellcheck source=lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

vmq_require_tools ip ethtool devlink jq
vmq_require_module

# ---- helpers ----------------------------------------------------------------
#
# Shell builtins where they do the job: every exec costs about a second in
# the debug guest (TCG, KASAN, lockdep).

# readf VAR FILE: the first line of FILE into VAR.
readf() { read -r "$1" < "$2"; }

# key_values KEY TEXT: the values of the "KEY: value" lines of TEXT,
# space-separated.
key_values()
{
	local line out=

	while IFS= read -r line; do
		[[ $line == "$1:"* ]] || continue
		line=${line#"$1:"}
		line=${line#"${line%%[![:space:]]*}"}
		out="$out${out:+ }$line"
	done <<< "$2"
	echo "$out"
}

# check_queues NETDEV N: queues/ holds exactly rx-0..rx-N-1 and tx-0..tx-N-1.
check_queues()
{
	local n=$1 want=$2 q nrx=0 ntx=0 i

	for q in "/sys/class/net/$n/queues"/*; do
		case ${q##*/} in
		rx-*) nrx=$((nrx + 1)) ;;
		tx-*) ntx=$((ntx + 1)) ;;
		esac
	done
	vmq_assert_eq "RX queues of $n" "$want" "$nrx" || return 1
	vmq_assert_eq "TX queues of $n" "$want" "$ntx" || return 1
	for ((i = 0; i < want; i++)); do
		vmq_assert_exists "/sys/class/net/$n/queues/rx-$i" || return 1
		vmq_assert_exists "/sys/class/net/$n/queues/tx-$i" || return 1
	done
}

devlink_has_dev() { devlink dev show "vmqnet/vmqnet$1" > /dev/null 2>&1; }

# The devlink ports of device ID as "index flavour netdev" lines.
devlink_ports()
{
	devlink -j port show | jq -r --arg p "vmqnet/vmqnet$1/" \
		'.port | to_entries | map(select(.key | startswith($p))) |
		 sort_by(.value.port)[] |
		 "\(.key | ltrimstr($p)) \(.value.flavour) \(.value.netdev)"'
}

# files_snapshot VAR: the paths of everything a device can leave behind in
# sysfs and debugfs, into VAR.
files_snapshot()
{
	local paths=("$VMQ_BUS"/devices/* /sys/class/net/* "$VMQ_DEBUGFS"/*
		     "$VMQ_DEBUGFS"/*/* "$VMQ_DEBUGFS"/*/ports/*/*)

	printf -v "$1" '%s\n' "${paths[@]}"
}

# check_device ID PORTS QUEUES: the device and all its parts are there.
check_device()
{
	local id=$1 ports=$2 queues=$3 dev=$VMQ_BUS/devices/vmqnet$1
	local ddir=$VMQ_DEBUGFS/vmqnet$1 netdevs n i v want_ports=

	vmq_assert_exists "$dev" || return 1
	v=$(readlink "$dev/driver")
	vmq_assert_eq "driver of vmqnet$id" vmqnet "${v##*/}" || return 1

	netdevs=$(vmq_dev_netdevs "$id")
	vmq_assert_eq "ports of vmqnet$id" "$ports" "$(vmq_dev_nports "$id")" ||
		return 1
	i=0
	for n in $netdevs; do
		check_queues "$n" "$queues" || return 1
		want_ports="$want_ports${want_ports:+$'\n'}$i physical $n"
		i=$((i + 1))
	done

	devlink_has_dev "$id" ||
		{ ktap_diag "devlink has no vmqnet/vmqnet$id"; return 1; }
	vmq_assert_eq "devlink ports of vmqnet$id" "$want_ports" \
		"$(devlink_ports "$id")" || return 1

	readf v "$ddir/num_ports" || return 1
	vmq_assert_eq "debugfs num_ports" "$ports" "$v" || return 1
	readf v "$ddir/num_queues" || return 1
	vmq_assert_eq "debugfs num_queues" "$queues" "$v" || return 1
	for ((i = 0; i < ports; i++)); do
		readf v "$ddir/ports/$i/rx_queues" || return 1
		vmq_assert_eq "debugfs ports/$i/rx_queues" "$queues" "$v" ||
			return 1
		readf v "$ddir/ports/$i/tx_queues" || return 1
		vmq_assert_eq "debugfs ports/$i/tx_queues" "$queues" "$v" ||
			return 1
	done
}

# check_gone ID NETDEV...: the device and all its parts are gone.
check_gone()
{
	local id=$1 n

	shift
	vmq_assert_missing "$VMQ_BUS/devices/vmqnet$id" || return 1
	for n in "$@"; do
		vmq_assert_missing "/sys/class/net/$n" || return 1
	done
	if devlink_has_dev "$id"; then
		ktap_diag "devlink still has vmqnet/vmqnet$id"
		return 1
	fi
	vmq_assert_missing "$VMQ_DEBUGFS/vmqnet$id"
}

# wait_file WHAT EXPECTED FILE: poll FILE's first line for 5 s.
wait_file()
{
	local v i

	for ((i = 0; i < 50; i++)); do
		readf v "$3" 2>/dev/null && [ "$v" = "$2" ] && return 0
		sleep 0.1
	done
	vmq_assert_eq "$1" "$2" "$v"
}

# ---- tests ------------------------------------------------------------------

test_bus_registered()
{
	local devs=("$VMQ_BUS"/devices/*)

	vmq_assert_exists "$VMQ_BUS/new_device" || return 1
	vmq_assert_exists "$VMQ_BUS/del_device" || return 1
	vmq_assert_exists "$VMQ_BUS/drivers/vmqnet" || return 1
	vmq_assert_exists "$VMQ_DEBUGFS" || return 1
	vmq_assert_missing "${devs[0]}"
}

test_create_default()
{
	vmq_dev_create 1 || return 1
	check_device 1 1 4
}

test_random_mac()
{
	local n mac type

	n=$(vmq_dev_netdevs 1)
	readf mac "/sys/class/net/$n/address"
	readf type "/sys/class/net/$n/addr_assign_type"
	vmq_assert_eq "addr_assign_type of $n (NET_ADDR_RANDOM)" 1 "$type" ||
		return 1
	vmq_assert_eq "multicast bit of $mac" 0 $((0x${mac%%:*} & 1)) ||
		return 1
	vmq_assert_eq "locally administered bit of $mac" 2 \
		$((0x${mac%%:*} & 2)) || return 1
	[ "$mac" != 00:00:00:00:00:00 ] ||
		{ ktap_diag "$n has a zero MAC"; return 1; }
}

test_ethtool_drvinfo()
{
	local n out

	n=$(vmq_dev_netdevs 1)
	out=$(ethtool -i "$n") || return 1
	vmq_assert_eq "ethtool -i driver" vmqnet "$(key_values driver "$out")" ||
		return 1
	vmq_assert_eq "ethtool -i bus-info" vmqnet1 "$(key_values bus-info "$out")"
}

# The first "Combined:" of ethtool -l is the maximum, the second the current.
test_ethtool_channels()
{
	local out

	out=$(ethtool -l "$(vmq_dev_netdevs 1)") || return 1
	vmq_assert_eq "ethtool -l combined (max current)" "16 4" \
		"$(key_values Combined "$out")"
}

test_devlink_info()
{
	local out

	out=$(devlink -j dev info vmqnet/vmqnet1) || return 1
	vmq_assert_eq "devlink dev info driver, serial" "vmqnet vmqnet1" \
		"$(jq -r '.info["vmqnet/vmqnet1"] | "\(.driver) \(.serial_number)"' \
		   <<< "$out")"
}

# ip_link_up NETDEV: "true" if ip link lists the UP flag.
ip_link_up()
{
	local out

	out=$(ip -o link show dev "$1") || return 1
	[[ $out == *[\<,]UP[,\>]* ]] && echo true || echo false
}

# An unlinked port is a NIC with no cable: it goes up and down, but has no
# carrier until link_device gives it a peer (link.sh tests that side).
test_link_up_down()
{
	local n v

	n=$(vmq_dev_netdevs 1)
	vmq_assert_eq "$n UP before" false "$(ip_link_up "$n")" || return 1
	ip link set dev "$n" up || return 1
	vmq_assert_eq "$n UP" true "$(ip_link_up "$n")" || return 1
	readf v "/sys/class/net/$n/carrier"
	vmq_assert_eq "$n carrier while unlinked" 0 "$v" || return 1
	wait_file "$n operstate" down "/sys/class/net/$n/operstate" || return 1
	ip link set dev "$n" down || return 1
	vmq_assert_eq "$n UP after down" false "$(ip_link_up "$n")"
}

test_two_ports_eight_queues()
{
	local netdevs a b

	vmq_dev_create 2 2 8 || return 1
	check_device 2 2 8 || return 1
	netdevs=$(vmq_dev_netdevs 2)
	read -r -d '' a b <<< "$netdevs"
	readf a "/sys/class/net/$a/address"
	readf b "/sys/class/net/$b/address"
	[ "$a" != "$b" ] || { ktap_diag "both ports have MAC $a"; return 1; }
	vmq_assert_eq "ethtool -l combined (max current)" "16 8" \
		"$(key_values Combined "$(ethtool -l "${netdevs%%$'\n'*}")")"
}

test_limits()
{
	local netdevs

	vmq_dev_create 65535 8 16 || return 1
	check_device 65535 8 16 || return 1
	netdevs=$(vmq_dev_netdevs 65535)
	vmq_dev_delete 65535 || return 1
	# shellcheck disable=SC2086
	check_gone 65535 $netdevs || return 1
	vmq_dev_create 0 || return 1
	check_device 0 1 4 || return 1
	vmq_dev_delete 0
}

# test_bad_write ERRNO FILE FORMAT: rejected with ERRNO, and nothing changes.
test_bad_write()
{
	local before after

	files_snapshot before
	vmq_write_expect "$1" "$VMQ_BUS/$2" "$3" || return 1
	files_snapshot after
	[ "$before" = "$after" ] && return 0
	ktap_diag "state changed:"
	diff <(echo "$before") <(echo "$after") | sed 's/^/# /'
	return 1
}

# name | errno | file | printf format. Device 1 exists while these run.
printf -v long_ones '%10000s' ''
long_ones=${long_ones// /1}
printf -v long_blanks '%100s' ''
bad_cases=(
	"new_device malformed|EINVAL|new_device|abc\n"
	"new_device empty|EINVAL|new_device|\n"
	"new_device number then letters|EINVAL|new_device|3x\n"
	"new_device negative|EINVAL|new_device|-3\n"
	"new_device hex|EINVAL|new_device|0x3\n"
	"new_device trailing number|EINVAL|new_device|3 1 4 1\n"
	"new_device trailing garbage|EINVAL|new_device|3 1 4 x\n"
	"new_device embedded NUL|EINVAL|new_device|3\0001\n"
	"new_device duplicate id|EEXIST|new_device|1\n"
	"new_device duplicate id with ports|EEXIST|new_device|1 2 8\n"
	"new_device id above max|EINVAL|new_device|65536\n"
	"new_device id overflow|EINVAL|new_device|4294967296\n"
	"new_device 0 ports|EINVAL|new_device|3 0\n"
	"new_device ports above max|EINVAL|new_device|3 9\n"
	"new_device 0 queues|EINVAL|new_device|3 1 0\n"
	"new_device queues above max|EINVAL|new_device|3 1 17\n"
	"new_device very long|E2BIG|new_device|$long_ones\n"
	"new_device long blanks|E2BIG|new_device|${long_blanks}3\n"
	"del_device malformed|EINVAL|del_device|abc\n"
	"del_device empty|EINVAL|del_device|\n"
	"del_device two ids|EINVAL|del_device|1 2\n"
	"del_device unknown id|ENOENT|del_device|99\n"
	"del_device id above max|EINVAL|del_device|65536\n"
	"del_device very long|E2BIG|del_device|$long_ones\n"
)

test_delete_device()
{
	local netdevs

	netdevs=$(vmq_dev_netdevs 1)
	vmq_dev_delete 1 || return 1
	# shellcheck disable=SC2086
	check_gone 1 $netdevs || return 1
	vmq_write_expect ENOENT "$VMQ_BUS/del_device" "1\n"
}

test_recreate()
{
	vmq_dev_create 1 1 2 || return 1
	check_device 1 1 2 || return 1
	vmq_dev_delete 1
}

test_devlink_reload()
{
	local before after

	before=$(vmq_dev_netdevs 2)
	devlink dev reload vmqnet/vmqnet2 || return 1
	check_device 2 2 8 || return 1
	after=$(vmq_dev_netdevs 2)
	ktap_diag "ports before reload: ${before//$'\n'/ }; after: ${after//$'\n'/ }"
}

# ns_ports NS: the number of Ethernet netdevs in network namespace NS.
ns_ports()
{
	local line n=0

	while IFS= read -r line; do
		[[ $line == *link/ether* ]] && n=$((n + 1))
	done <<< "$(ip -n "$1" -o link show)"
	echo "$n"
}

# The ports follow the devlink instance into a namespace and back, and come
# home by themselves when the namespace dies (devlink reloads into init_net).
test_devlink_reload_netns()
{
	local ns=vmqnet-test-$$ i rc=0

	ip netns add "$ns" || return 1
	if ! devlink dev reload vmqnet/vmqnet2 netns "$ns"; then
		ip netns del "$ns"
		return 1
	fi
	vmq_assert_eq "ports left in init_net" 0 "$(vmq_dev_nports 2)" || rc=1
	vmq_assert_eq "ports in $ns" 2 "$(ns_ports "$ns")" || rc=1
	# PID 1 lives in init_net.
	ip netns exec "$ns" devlink dev reload vmqnet/vmqnet2 netns 1 || rc=1
	vmq_assert_eq "ports left in $ns" 0 "$(ns_ports "$ns")" || rc=1
	check_device 2 2 8 || rc=1

	devlink dev reload vmqnet/vmqnet2 netns "$ns" || rc=1
	ip netns del "$ns"
	for ((i = 0; i < 100; i++)); do
		[ "$(vmq_dev_nports 2)" = 2 ] && break
		sleep 0.1
	done
	check_device 2 2 8 || rc=1
	return "$rc"
}

test_unbind_bind()
{
	local netdevs drv=$VMQ_BUS/drivers/vmqnet

	netdevs=$(vmq_dev_netdevs 2)
	echo vmqnet2 > "$drv/unbind" || return 1
	vmq_assert_missing "$VMQ_BUS/devices/vmqnet2/driver" || return 1
	# shellcheck disable=SC2086
	for n in $netdevs; do
		vmq_assert_missing "/sys/class/net/$n" || return 1
	done
	if devlink_has_dev 2; then
		ktap_diag "devlink still has vmqnet/vmqnet2 after unbind"
		return 1
	fi
	vmq_assert_missing "$VMQ_DEBUGFS/vmqnet2" || return 1
	echo vmqnet2 > "$drv/bind" || return 1
	check_device 2 2 8
}

# Two writers race on one ID; the only errors allowed are the honest ones.
race_writer()
{
	local i

	for ((i = 0; i < $2; i++)); do
		echo "$1" > "$VMQ_BUS/new_device"
		echo "$1" > "$VMQ_BUS/del_device"
	done 2>&1 | grep -v -e 'File exists$' -e 'No such file or directory$'
}

test_concurrent_new_del()
{
	local out=/tmp/vmq_race.$$ rc=0

	race_writer 5 10 > "$out.a" &
	race_writer 5 10 > "$out.b" &
	race_writer 6 10 > "$out.c" &
	wait
	if [ -s "$out.a" ] || [ -s "$out.b" ] || [ -s "$out.c" ]; then
		ktap_diag "unexpected errors:"
		cat "$out.a" "$out.b" "$out.c" | sed 's/^/# /'
		rc=1
	fi
	rm -f "$out.a" "$out.b" "$out.c"
	echo 5 > "$VMQ_BUS/del_device" 2>/dev/null
	echo 6 > "$VMQ_BUS/del_device" 2>/dev/null
	check_gone 5 || rc=1
	check_gone 6 || rc=1
	return "$rc"
}

test_rmmod_with_devices()
{
	local netdevs

	vmq_module_unloadable || return
	vmq_dev_create 3 2 2 || return 1
	netdevs=$(vmq_dev_netdevs 2; vmq_dev_netdevs 3)
	vmq_module_unload || return 1
	vmq_assert_missing /sys/module/vmqnet || return 1
	vmq_assert_missing "$VMQ_DEBUGFS" || return 1
	# shellcheck disable=SC2086
	check_gone 2 $netdevs || return 1
	check_gone 3 || return 1
	vmq_module_load || return 1
	vmq_assert_eq "devices after reload" "" "$(ls "$VMQ_BUS/devices")" ||
		return 1
	vmq_dev_create 2 2 8 || return 1
	check_device 2 2 8
}

# rmmod while new_device/del_device are being written must neither hang nor
# splat, and must leave nothing behind.
test_rmmod_races_writers()
{
	local pid

	vmq_module_unloadable || return
	(
		while [ -e "$VMQ_BUS/new_device" ]; do
			echo 7 > "$VMQ_BUS/new_device"
			echo 7 > "$VMQ_BUS/del_device"
		done 2>/dev/null
	) &
	pid=$!
	sleep 1
	vmq_module_unload || { kill "$pid"; wait "$pid"; return 1; }
	wait "$pid"
	check_gone 7 || return 1
	vmq_module_load || return 1
	vmq_assert_eq "devices after reload" "" "$(ls "$VMQ_BUS/devices")"
}

# rmmod the instant a device is deleted, by del_device or by rmmod
# itself: on 6.12 devlink drops its hold on the bus device from a work
# item after an RCU grace period, so that device's release, which is
# vmqnet's code, can come after the delete returned. rmmod must wait for
# it, not leave it a module to run in.
test_rmmod_after_delete()
{
	local i

	vmq_module_unloadable || return
	vmq_dmesg_mark
	for i in 1 2 3; do
		echo "7 2 2" > "$VMQ_BUS/new_device" &&
			echo "8 2 2" > "$VMQ_BUS/new_device" &&
			echo 7 > "$VMQ_BUS/del_device" &&
			vmq_module_unload && vmq_module_load || return 1
	done
	# Time for a release that rmmod did not wait for to fault.
	vmq_nap 0.5
	vmq_dmesg_clean "rmmod right after a delete"
}

tests=(
	"bus registered|test_bus_registered"
	"create with default ports and queues|test_create_default"
	"port has a random unicast MAC|test_random_mac"
	"ethtool -i reports driver vmqnet|test_ethtool_drvinfo"
	"ethtool -l reports the queues|test_ethtool_channels"
	"devlink dev info|test_devlink_info"
	"link up and down|test_link_up_down"
	"2 ports x 8 queues|test_two_ports_eight_queues"
	"limits: id 65535 with 8 ports x 16 queues, id 0|test_limits"
	"bad input|bad_cases"
	"delete|test_delete_device"
	"re-create a deleted id|test_recreate"
	"devlink reload re-creates the ports|test_devlink_reload"
	"devlink reload into a netns and back|test_devlink_reload_netns"
	"driver unbind and bind|test_unbind_bind"
	"concurrent new_device/del_device|test_concurrent_new_del"
	"rmmod with devices present, then insmod|test_rmmod_with_devices"
	"rmmod races new_device/del_device|test_rmmod_races_writers"
	"rmmod right after a delete|test_rmmod_after_delete"
)

ktap_plan $((${#tests[@]} - 1 + ${#bad_cases[@]}))
for t in "${tests[@]}"; do
	IFS='|' read -r name func <<< "$t"
	if [ "$func" != bad_cases ]; then
		vmq_test "$name" "$func"
		continue
	fi
	for c in "${bad_cases[@]}"; do
		IFS='|' read -r name errno file fmt <<< "$c"
		vmq_test "bad input: $name -> $errno" \
			test_bad_write "$errno" "$file" "$fmt"
	done
done
ktap_finish
