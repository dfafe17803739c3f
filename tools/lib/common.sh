# Shared helpers for the vmqnet host tools. Sourced, never run.
# shellcheck shell=bash

VMQ_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VMQ_CACHE=${VMQNET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmqnet}

vmq_log() { printf '%s\n' "vmqnet: $*" >&2; }
vmq_die() { vmq_log "$*"; exit 1; }

# The release kernel is the one whose headers the host has installed
# (linux-headers-amd64), so out-of-tree builds and guest boots agree.
# The 6.1 headers by name: apt may install newer ones beside them (a
# linux-headers-6.12-amd64), and the release lane must not move with it.
vmq_release_version() {
	local d
	for d in /usr/src/linux-headers-6.1.*-amd64; do
		[ -f "$d/.config" ] && basename "$d" | sed 's/^linux-headers-//'
	done | sort -V | tail -n 1
}

vmq_source_version() {
	dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null
}
