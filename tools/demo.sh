#!/bin/bash
# make demo, guest side: what a user of vmqnet would look at.
set -eu

show() {
	printf '\n$ %s\n' "$*"
	"$@"
}

echo "vmqnet demo on $(uname -r)"
show sh -c 'echo "1 2 8" > /sys/bus/vmqnet/new_device'
show ls /sys/bus/vmqnet/devices/vmqnet1/net/
mapfile -t ports < <(ls /sys/bus/vmqnet/devices/vmqnet1/net/)
show devlink dev show
show devlink dev info vmqnet/vmqnet1
show devlink port show
show ip link set "${ports[0]}" up
show ip -d link show "${ports[0]}"
show ethtool -i "${ports[0]}"
show ethtool -l "${ports[0]}"
show sh -c 'echo 1 > /sys/bus/vmqnet/del_device'
show devlink dev show
