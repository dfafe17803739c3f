#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bad input, seeded and bounded: bad_input.py throws malformed and hostile
# input at every interface of vmqnet (the bus files, ethtool -L/-G/-N/-K,
# devlink params, resources, reload and health, the debugfs knobs, the
# exported shared memory API through the test module), with valid
# operations in between, while a flood runs into a linked port; after
# every batch of 50 the devices' invariants must hold. Then the kernel log
# must be clean and, where kmemleak is, nothing leaked.
#
#   bad_input.sh [COUNT [SEED]]
#
# COUNT defaults to 2000 inputs, 500 on a kernel with kmemleak (the debug
# kernel, ten times slower); SEED to the day of the year, so that make
# check's inputs rotate. The seed is printed; a failing one replays with
# the same inputs.
#
# The test functions run through vmq_test, which shellcheck cannot follow.
# shellcheck disable=SC2317

# shellcheck source=lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

GEN=$(dirname "$(readlink -f "$0")")/bad_input.py
KMEMLEAK=/sys/kernel/debug/kmemleak
ID=56
ID_PEER=57
if [ -e "$KMEMLEAK" ]; then COUNT=${1:-500}; else COUNT=${1:-2000}; fi
SEED=${2:-$((10#$(date +%j)))}
TMPD=$(mktemp -d /tmp/vmqbad.XXXXXX) || exit 1
flood_pid=
tried=0 refused=0 splats=0

vmq_require_tools python3 devlink ip
vmq_require_module

bad_cleanup()
{
	[ -z "$flood_pid" ] || { kill "$flood_pid"; wait "$flood_pid"; } 2>/dev/null
	grep -q '^vmqnet_shmem_user ' /proc/modules && rmmod vmqnet_shmem_user
	vmq_cleanup
	ip netns del vmqbad 2>/dev/null
	rm -rf "$TMPD"
}
trap bad_cleanup EXIT

# Raw frames from the peer's port: to port 0's MAC and broadcast.
cat > "$TMPD/flood.py" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
src = bytes.fromhex(open("/sys/class/net/%s/address" % sys.argv[1]).read().strip().replace(":", ""))
frames = [bytes.fromhex(m.replace(":", "")) + src + b"\x88\xb5" + bytes(46) for m in sys.argv[2:]]
while True:
    for f in frames:
        try:
            s.send(f)
        except OSError:
            time.sleep(0.001)
PY

test_setup()
{
	local p0 peer fd rc p

	# A network namespace of no vmqnet port, for link_device's fds.
	vmq_netns_add vmqbad || return 1
	vmq_dev_create "$ID" 2 4 && vmq_dev_create "$ID_PEER" 1 4 || return 1
	p0=$(vmq_dev_netdevs "$ID" | head -n1)
	peer=$(vmq_dev_netdevs "$ID_PEER")
	exec {fd}</proc/self/ns/net
	vmq_write_expect 0 "$VMQ_BUS/link_device" \
		"$fd:$(< "/sys/class/net/$p0/ifindex") $fd:$(< "/sys/class/net/$peer/ifindex")\n"
	rc=$?
	exec {fd}<&-
	[ "$rc" = 0 ] || return 1
	for p in $(vmq_dev_netdevs "$ID") "$peer"; do
		ip link set "$p" up || return 1
	done
	vmq_user_load || return 1
	python3 -S "$TMPD/flood.py" "$peer" "$(< "/sys/class/net/$p0/address")" \
		ff:ff:ff:ff:ff:ff &
	flood_pid=$!
	[ ! -e "$KMEMLEAK" ] || echo clear > "$KMEMLEAK"
	vmq_dmesg_mark
}

test_inputs()
{
	local out rc line

	ktap_diag "bad inputs: $COUNT, seed $SEED (replay: bad_input.sh $COUNT $SEED)"
	out=$(python3 "$GEN" "$ID" "$ID_PEER" "$COUNT" "$SEED" 2>&1)
	rc=$?
	while read -r line; do
		case $line in
		BAD\ *) read -r _ tried refused <<< "$line" ;;
		*) ktap_diag "${line#\# }" ;;
		esac
	done <<< "$out"
	[ "$rc" = 0 ] && vmq_assert_eq "inputs tried" "$COUNT" "$tried"
}

# The flood stops, the devices go; the kernel log has no splat, and
# kmemleak (where there is one) finds nothing of the run.
test_clean()
{
	local rc=0 n

	kill "$flood_pid" && wait "$flood_pid" 2>/dev/null
	flood_pid=
	rmmod vmqnet_shmem_user || rc=1
	vmq_dev_delete "$ID_PEER" && vmq_dev_delete "$ID" || rc=1
	splats=$(vmq_dmesg_new | grep -cE "$VMQ_SPLAT")
	vmq_assert_eq "splats in the kernel log" 0 "$splats" || rc=1
	if [ -e "$KMEMLEAK" ]; then
		# kmemleak ignores objects younger than 5 s.
		vmq_nap 6
		echo scan > "$KMEMLEAK"
		n=$(grep -c '^unreferenced object' "$KMEMLEAK")
		vmq_assert_eq "objects kmemleak suspects" 0 "$n" || rc=1
		echo "# bad inputs: $tried tried, $refused refused with errno, $splats splats, $n leaks"
	else
		echo "# bad inputs: $tried tried, $refused refused with errno, $splats splats, leaks not checked (no kmemleak)"
	fi
	return "$rc"
}

ktap_plan 3
vmq_test "bad input: two devices linked, a flood, the test module" test_setup
vmq_test "bad input: seeded inputs, invariants after every batch" test_inputs
vmq_test "bad input: no splat, no leak" test_clean
ktap_finish
