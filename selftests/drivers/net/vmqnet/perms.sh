#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Interfaces that let no one in. Every debugfs file of vmqnet is root-only.
# Three callers without the right try every interface that changes a
# device: an unprivileged user (nobody), the root of a user namespace that
# nobody made, and the root of a user namespace that the real root made.
# The last one's uid is root's, so the modes of the bus's sysfs files let
# it write, and only the driver's capability check stops it; debugfs
# checks modes only, as everywhere in the kernel, so it is root there and
# is not tried on debugfs. Each write is refused with EPERM or EACCES,
# and the device's state (channels, rings, rules, offloads, devlink,
# debugfs knobs and tables, the bus's devices and links) is exactly what
# it was. Then a port moved into a network namespace that nobody's user
# namespace owns follows the kernel's usual rules: the namespace's root
# may configure that port with ethtool and ip, and still reach none of
# the device's global interfaces.
#
# The test functions run through vmq_test, which shellcheck cannot follow.
# shellcheck disable=SC2317

# shellcheck source=lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

vmq_require_tools ethtool ip devlink setpriv unshare
vmq_require_module

ID=41
ID_PEER=42
DL=vmqnet/vmqnet$ID
DBG=$VMQ_DEBUGFS/vmqnet$ID
NOBODY=65534
# The user namespace of test_own_netns, nobody's, writes there too.
TMPD=$VMQ_TMPD
chmod 0777 "$TMPD"
ns_pid=

perms_cleanup()
{
	[ -z "$ns_pid" ] || { kill "$ns_pid"; wait "$ns_pid"; } 2>/dev/null
	vmq_cleanup
}
trap perms_cleanup EXIT

# The callers. Each runs its command line through bash, so that shell
# redirections happen with its credentials.
nobody()
{
	setpriv --reuid="$NOBODY" --regid="$NOBODY" --clear-groups \
		--inh-caps=-all -- "$@"
}
as_nobody() { nobody bash -c "$1"; }
as_userns_nobody() { nobody unshare -Ur bash -c "$1"; }
as_userns_root() { unshare -Ur bash -c "$1"; }

# What a refused caller must leave as it was.
device_state()
{
	local p f

	for p in $(vmq_dev_netdevs "$ID") $(vmq_dev_netdevs "$ID_PEER"); do
		echo "$p carrier $(< "/sys/class/net/$p/carrier")"
	done
	for p in $(vmq_dev_netdevs "$ID"); do
		ethtool -l "$p"
		ethtool -g "$p"
		ethtool -n "$p"
		ethtool -k "$p" | grep l2-fwd
		echo "$p flags $(< "/sys/class/net/$p/flags")"
		echo "$(< "$DBG/ports/$(< "/sys/class/net/$p/dev_port")/queues")"
	done
	devlink resource show "$DL"
	devlink dev param show "$DL"
	echo "$(< "$VMQ_DEBUGFS/race_delay_us")"
	for f in fail_count fail_usage fail_queue totals; do
		echo "$(< "$DBG/shmem/$f")"
	done
	echo "$VMQ_BUS"/devices/*
} 2>&1

# refusals WHO: run each command line on stdin as WHO, every one in a
# subshell of a single shell of WHO's (a process start is what costs
# under TCG), and print for each a line "LINE<TAB>OUTPUT", the output's
# newlines made spaces.
refusals()
{
	local sh

	read -r -d '' sh <<'EOF'
while IFS= read -r l; do
	o=$( (eval "$l") 2>&1 < /dev/null)
	printf '%s\t%s\n' "$l" "${o//$'\n'/ }"
done
EOF
	"$1" "$sh"
}

# refused_each: every line of refusals' output must show EPERM or EACCES;
# ethtool -N exits 0 when refused, so the message decides.
refused_each()
{
	local line out

	while IFS=$'\t' read -r line out; do
		tries=$((tries + 1))
		case $out in
		*"Operation not permitted"*|*"Permission denied"*) continue ;;
		esac
		ktap_diag "$who: '$line' not refused: $out"
		fails=$((fails + 1))
	done
}

# Everything that changes a device, as command lines for refusals.
writes()
{
	local p0 p1 peer

	p0=$(vmq_port "$ID" 0) p1=$(vmq_port "$ID" 1)
	peer=$(vmq_port "$ID_PEER" 1)
	# Two free ports, and a netns fd the caller opens itself: only the
	# permission can refuse this link.
	cat <<EOF
echo "43 1 2" > $VMQ_BUS/new_device
echo $ID > $VMQ_BUS/del_device
echo $ID_PEER > $VMQ_BUS/del_device
exec 5</proc/self/ns/net; echo "5:$(< "/sys/class/net/$p1/ifindex") 5:$(< "/sys/class/net/$peer/ifindex")" > $VMQ_BUS/link_device
echo "0:$(< "/sys/class/net/$p0/ifindex")" > $VMQ_BUS/unlink_device
echo 20000 > $VMQ_DEBUGFS/race_delay_us
echo 3 > $DBG/shmem/fail_count
echo receive > $DBG/shmem/fail_usage
cat $DBG/ports/0/queues
cat $DBG/shmem/blocks
ethtool -L $p0 combined 2
ethtool -G $p0 rx 64
ethtool -N $p0 flow-type ether dst 02:00:00:00:41:09 action 1 loc 7
ethtool -N $p0 delete 3
ethtool -K $p0 l2-fwd-offload on
ip link set $p0 down
ip link add perm0 link $p0 type macvlan
devlink dev param set $DL name rx_buffer_size value 4096 cmode driverinit
devlink resource set $DL path /shared_memory size 100
devlink dev reload $DL
devlink health dump clear $DL reporter vmq
EOF
}

# Two devices, every port up, a rule on port 0's queue 1, port 0 linked
# to the peer device's port 0.
setup_linked_devices()
{
	local p0 peer p

	vmq_dev_create "$ID" 2 4 && vmq_dev_create "$ID_PEER" 2 2 || return 1
	p0=$(vmq_port "$ID" 0) peer=$(vmq_port "$ID_PEER" 0)
	# Every port up, so that a port's carrier shows whether it is linked,
	# and no IPv6 chatter in the queue counters state() compares.
	for p in $(vmq_dev_netdevs "$ID") $(vmq_dev_netdevs "$ID_PEER"); do
		sysctl -qw "net.ipv6.conf.$p.disable_ipv6=1" &&
			ip link set "$p" up || return 1
	done
	ethtool -N "$p0" flow-type ether dst 02:00:00:00:41:01 action 1 \
		loc 3 > /dev/null || return 1
	vmq_link - "$(vmq_ifindex "$p0")" - "$(vmq_ifindex "$peer")"
}

test_debugfs_root_only()
{
	local f bad=0

	while read -r f; do
		ktap_diag "not root-only: $f"
		bad=$((bad + 1))
	done < <(find "$VMQ_DEBUGFS" -type f -perm /077)
	vmq_assert_ge "files checked" 10 \
		"$(find "$VMQ_DEBUGFS" -type f | wc -l)" || return 1
	[ "$bad" = 0 ]
}

# refused WHO [SKIP]: every write (but those matching the pattern SKIP)
# refused, and nothing changed.
refused()
{
	local before after list who fails=0

	# A caller that cannot even start would look refused.
	"$1" "read -r m < /sys/class/net/lo/mtu && echo \$m" | grep -qx 65536 || {
		ktap_diag "$1 cannot run: $("$1" true 2>&1)"
		return 1
	}
	before=$(device_state)
	tries=0 who=$1
	list=$(writes | grep -vF -e "${2:-@@no skip@@}")
	refused_each < <(refusals "$1" <<< "$list")
	after=$(device_state)
	if [ "$before" != "$after" ]; then
		ktap_diag "the state changed:"
		diff <(echo "$before") <(echo "$after") | sed 's/^/# /'
		return 1
	fi
	ktap_diag "$1: $tries writes, $fails not refused"
	vmq_assert_eq "writes tried" "$(wc -l <<< "$list")" "$tries" &&
		[ "$fails" = 0 ]
}

# The debug kernel is built without user namespaces.
no_userns()
{
	unshare -Ur true 2> /dev/null && return 1
	VMQ_SKIP_REASON="no user namespaces (CONFIG_USER_NS)"
}

test_nobody() { refused as_nobody; }
test_userns_nobody() { no_userns && return "$KSFT_SKIP"; refused as_userns_nobody; }
test_userns_root()
{
	no_userns && return "$KSFT_SKIP"
	refused as_userns_root "$VMQ_DEBUGFS"
}

# A port moved into a network namespace owned by nobody's user namespace:
# its root configures the port as the kernel allows, and nothing global.
test_own_netns()
{
	local p1 out

	no_userns && return "$KSFT_SKIP"
	p1=$(vmq_port "$ID" 1)
	cat > "$TMPD/inside.sh" <<EOF
echo \$\$ > $TMPD/pid
while [ ! -e $TMPD/go ]; do sleep 0.1; done
{
	ip link set $p1 up && echo up-ok
	ethtool -L $p1 combined 2 && echo channels-ok
	ethtool -G $p1 rx 128 && echo rings-ok
	ethtool -N $p1 flow-type ether dst 02:00:00:00:41:05 action 1 loc 4 &&
		ethtool -n $p1 | grep -q "Filter: 4" && echo rule-ok
	devlink dev show | grep -c vmqnet
	echo 43 > $VMQ_BUS/new_device || echo bus-refused
	ethtool -L $(vmq_port "$ID" 0) combined 2 || echo other-port-refused
} > $TMPD/out 2>&1
touch $TMPD/done
EOF
	nobody unshare -Urn bash "$TMPD/inside.sh" &
	ns_pid=$!
	for _ in $(seq 50); do [ -s "$TMPD/pid" ] && break; sleep 0.1; done
	ip link set "$p1" netns "$(< "$TMPD/pid")" || return 1
	touch "$TMPD/go"
	for _ in $(seq 300); do [ -e "$TMPD/done" ] && break; sleep 0.1; done
	wait "$ns_pid"
	ns_pid=
	out=$(< "$TMPD/out")
	case $out in
	*up-ok*channels-ok*rings-ok*rule-ok*) ;;
	*) ktap_diag "the namespace's root could not configure its port: $out"
	   return 1 ;;
	esac
	case $out in
	*$'\n'0$'\n'*bus-refused*other-port-refused*) ;;
	*) ktap_diag "the namespace's root reached more than its port: $out"
	   return 1 ;;
	esac
	# The namespace is gone: the port is back in ours, as configured.
	for _ in $(seq 50); do
		[ "$(vmq_dev_nports "$ID")" = 2 ] && [ -n "$(vmq_port "$ID" 1)" ] &&
			ip link show "$(vmq_port "$ID" 1)" > /dev/null 2>&1 && break
		sleep 0.1
	done
	vmq_assert_eq "port 1 back" 2 "$(vmq_dev_nports "$ID")" || return 1
	vmq_assert_eq "its channels" 2 \
		"$(vmq_ethtool_current "Combined:" ethtool -l "$(vmq_port "$ID" 1)")"
}

test_teardown()
{
	vmq_dev_delete "$ID_PEER" && vmq_dev_delete "$ID"
}

vmq_setup "two devices, linked" setup_linked_devices
ktap_plan 6
vmq_test "perms: every debugfs file root-only" test_debugfs_root_only
vmq_test "perms: an unprivileged user changes nothing" test_nobody
vmq_test "perms: nobody's user namespace root changes nothing" test_userns_nobody
vmq_test "perms: a user namespace root mapped to root changes nothing" test_userns_root
vmq_test "perms: a port in nobody's own netns, the usual rules" test_own_netns
vmq_test "perms: teardown" test_teardown
ktap_finish
