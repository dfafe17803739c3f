# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Shared helpers of the vmqnet selftests. Source it from a bash test:
#
#   . "$(dirname "$0")/lib.sh"
#   vmq_require_module           # loads vmqnet if needed, else skips all
#   ktap_plan 3
#   vmq_test "name" test_function [ARGS...]
#   ...
#   ktap_finish
#
# A test function returns 0 (pass), 1 (fail) or $KSFT_SKIP after setting
# VMQ_SKIP_REASON. Assertions print a "# " diagnostic and return 1, so a
# test function chains them with "|| return 1". Devices made with
# vmq_dev_create are deleted on exit, whatever happens.

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

VMQ_BUS=/sys/bus/vmqnet
# shellcheck disable=SC2034 # for the tests
VMQ_DEBUGFS=/sys/kernel/debug/vmqnet

vmq_ktap_n=0
vmq_ktap_plan=0
vmq_ktap_pass=0
vmq_ktap_fail=0
vmq_ktap_skip=0
VMQ_SKIP_REASON=
vmq_created_ids=

# ---- KTAP -----------------------------------------------------------------

ktap_diag() { echo "# $*"; }

ktap_plan()
{
	vmq_ktap_plan=$1
	echo "TAP version 13"
	echo "1..$1"
}

# Nothing can run: a KTAP plan of zero tests, and the kselftest skip code.
ktap_skip_all()
{
	echo "TAP version 13"
	echo "1..0 # SKIP $*"
	exit $KSFT_SKIP
}

ktap_ok()
{
	vmq_ktap_n=$((vmq_ktap_n + 1))
	vmq_ktap_pass=$((vmq_ktap_pass + 1))
	echo "ok $vmq_ktap_n $*"
}

ktap_fail()
{
	vmq_ktap_n=$((vmq_ktap_n + 1))
	vmq_ktap_fail=$((vmq_ktap_fail + 1))
	echo "not ok $vmq_ktap_n $*"
}

# ktap_skip NAME REASON
ktap_skip()
{
	vmq_ktap_n=$((vmq_ktap_n + 1))
	vmq_ktap_skip=$((vmq_ktap_skip + 1))
	echo "ok $vmq_ktap_n $1 # SKIP $2"
}

# Exit with the kselftest code of the results so far. Fewer or more results
# than planned count as a failure: a test that silently stopped early must
# not pass.
ktap_finish()
{
	if [ "$vmq_ktap_n" -ne "$vmq_ktap_plan" ]; then
		ktap_diag "planned $vmq_ktap_plan tests, ran $vmq_ktap_n"
		vmq_ktap_fail=$((vmq_ktap_fail + 1))
	fi
	ktap_diag "Totals: pass:$vmq_ktap_pass fail:$vmq_ktap_fail skip:$vmq_ktap_skip"
	[ "$vmq_ktap_fail" -eq 0 ] || exit $KSFT_FAIL
	[ "$vmq_ktap_pass" -gt 0 ] || [ "$vmq_ktap_skip" -eq 0 ] || exit $KSFT_SKIP
	exit $KSFT_PASS
}

# vmq_test NAME FUNC [ARGS...]: run one test case and report it.
vmq_test()
{
	local name=$1 rc t0=$EPOCHREALTIME

	shift
	VMQ_SKIP_REASON=
	"$@"
	rc=$?
	[ -z "${VMQ_TIMING:-}" ] ||
		ktap_diag "$(awk -v a="$t0" -v b="$EPOCHREALTIME" \
			'BEGIN {printf "%.2f s", b - a}')"
	case $rc in
	0) ktap_ok "$name" ;;
	"$KSFT_SKIP") ktap_skip "$name" "${VMQ_SKIP_REASON:-skipped}" ;;
	*) ktap_fail "$name" ;;
	esac
}

# ---- assertions -------------------------------------------------------------

# vmq_assert_eq WHAT EXPECTED ACTUAL
vmq_assert_eq()
{
	[ "$2" = "$3" ] && return 0
	ktap_diag "$1: expected '$2', got '$3'"
	return 1
}

# vmq_assert_ge WHAT MIN ACTUAL (integers)
vmq_assert_ge()
{
	[ "$3" -ge "$2" ] 2>/dev/null && return 0
	ktap_diag "$1: expected at least $2, got '$3'"
	return 1
}

vmq_assert_exists()
{
	[ -e "$1" ] && return 0
	ktap_diag "$1 does not exist"
	return 1
}

vmq_assert_missing()
{
	[ ! -e "$1" ] && return 0
	ktap_diag "$1 exists"
	return 1
}

# The message bash prints for a failed write, per errno name.
vmq_strerror()
{
	case $1 in
	EINVAL) echo "Invalid argument" ;;
	EEXIST) echo "File exists" ;;
	ENOENT) echo "No such file or directory" ;;
	E2BIG) echo "Argument list too long" ;;
	ENODEV) echo "No such device" ;;
	EBUSY) echo "Device or resource busy" ;;
	ENOSPC) echo "No space left on device" ;;
	ENOMEM) echo "Cannot allocate memory" ;;
	EOPNOTSUPP) echo "Operation not supported" ;;
	ERANGE) echo "Numerical result out of range" ;;
	EPERM) echo "Operation not permitted" ;;
	*) echo "unknown errno $1" ;;
	esac
}

# vmq_write_expect ERRNO FILE FORMAT: printf FORMAT into FILE with a single
# write and check the outcome: ERRNO is "0" for success or an errno name.
# FORMAT goes through printf, so "1 2 8\n" and "1\0002" mean what they say.
vmq_write_expect()
{
	local want=$1 file=$2 fmt=$3 out rc

	# shellcheck disable=SC2059
	out=$( { printf -- "$fmt" > "$file"; } 2>&1 )
	rc=$?
	vmq_expect_outcome "write '$fmt' to $file" "$want" $rc "$out"
}

# vmq_expect_outcome WHAT ERRNO STATUS OUTPUT: judge what WHAT did against
# ERRNO ("0" or an errno name, whose message OUTPUT must hold on failure).
vmq_expect_outcome()
{
	local what=$1 want=$2 rc=$3 out=$4 msg

	if [ "$want" = 0 ]; then
		[ "$rc" -eq 0 ] && return 0
		ktap_diag "$what failed: $out"
		return 1
	fi
	msg=$(vmq_strerror "$want")
	if [ "$rc" -eq 0 ]; then
		ktap_diag "$what succeeded, expected $want"
		return 1
	fi
	case $out in
	*"$msg"*) return 0 ;;
	esac
	ktap_diag "$what: expected $want ($msg), got: $out"
	return 1
}

# vmq_cmd_expect ERRNO CMD [ARGS...]: run a command (ethtool, devlink, ip)
# and check the outcome: ERRNO is "0" for success, or an errno name whose
# message the command must print when it fails. ethtool 6.1 exits 0 when
# the kernel refuses an -N rule ("rmgr: Cannot ..."), so that message
# means failure whatever the exit status.
vmq_cmd_expect()
{
	local want=$1 out rc

	shift
	out=$("$@" 2>&1)
	rc=$?
	case $out in
	*"rmgr: Cannot "*) [ $rc -ne 0 ] || rc=1 ;;
	esac
	vmq_expect_outcome "'$*'" "$want" $rc "$out"
}

# ---- the outside client: test module vmqnet_shmem_user ----------------------
#
# It uses vmqnet's exported shared memory API as another module would;
# its commands are in modules/vmqnet_shmem_user.c.

VMQ_USER=/sys/kernel/debug/vmqnet_shmem_user
VMQ_USER_KO=${VMQNET_BUILD:-$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../../../..}/selftests/drivers/net/vmqnet/modules/vmqnet_shmem_user.ko

vmq_user_load()
{
	grep -q '^vmqnet_shmem_user ' /proc/modules && return 0
	insmod "$VMQ_USER_KO"
}

# vmq_ucmd ERRNO COMMAND...: one command to the test module, expecting
# ERRNO ("0" or an errno name).
vmq_ucmd()
{
	local want=$1 out rc

	shift
	out=$( { printf '%s\n' "$*" > "$VMQ_USER/cmd"; } 2>&1 )
	rc=$?
	if [ "$want" = 0 ]; then
		[ "$rc" = 0 ] && return 0
		ktap_diag "'$*': $out"
		return 1
	fi
	if [ "$rc" = 0 ]; then
		ktap_diag "'$*' succeeded, expected $want"
		return 1
	fi
	case $out in
	*": $(vmq_strerror "$want")") return 0 ;;
	esac
	ktap_diag "'$*': expected $want, got: $out"
	return 1
}

# vmq_sender_ask REQUEST COUNT: hand one request line to the sender the
# test runs as coproc SENDER, and wait for its answer "sent COUNT".
vmq_sender_ask()
{
	local reply=

	if [ -n "${SENDER[1]:-}" ] && echo "$1" >&"${SENDER[1]}" &&
	   read -r -t 300 reply <&"${SENDER[0]}" && [ "$reply" = "sent $2" ]; then
		return 0
	fi
	ktap_diag "the sender did not send $2 to ${1%% *} (${reply:-no answer})"
	return 1
}

# ---- the kernel log ---------------------------------------------------------

vmq_dmesg_mark() { vmq_dmesg_at=$(dmesg | wc -l); }
vmq_dmesg_new() { dmesg | tail -n +$((vmq_dmesg_at + 1)); }

# A splat in the kernel log: what the guest runner (tools/vm/run) fails on.
VMQ_SPLAT='BUG:|WARNING:|KASAN|UBSAN:|Oops|general protection|refcount_t|list_(add|del) corruption|DMA-API|possible (circular|recursive) locking|inconsistent lock state|suspicious RCU usage|sleeping function called|blocked for more than|kmemleak:.*suspected'

# vmq_dmesg_clean WHAT: no splat in the kernel log since vmq_dmesg_mark,
# so that the test that caused one fails, not only the guest run.
vmq_dmesg_clean()
{
	local bad

	bad=$(vmq_dmesg_new | grep -E "$VMQ_SPLAT" | head -n 5)
	[ -z "$bad" ] && return 0
	ktap_diag "$1: the kernel complained:"
	printf '%s\n' "$bad" | sed 's/^/#   /'
	return 1
}

# ---- waiting ----------------------------------------------------------------

# How many polls (0.1 s apart) a wait for counters may take.
VMQ_WAIT_POLLS=${VMQ_WAIT_POLLS:-600}

# vmq_nap SECONDS: sleep without starting a process (a fork and an exec
# are slow under TCG): a read that times out on a pipe no one writes to.
# The pipe is opened read-write, so it never reads end of file.
exec {vmq_nap_fd}<> <(:)
vmq_nap() { read -r -t "$1" -u "$vmq_nap_fd"; return 0; }

# vmq_wait_more WHAT MIN CMD...: wait until CMD prints a number of at
# least MIN, polling every 0.1 s, VMQ_WAIT_POLLS times at most; fail
# with a diagnostic if it never does, or at once if CMD fails.
vmq_wait_more()
{
	local what=$1 min=$2 v='' i

	shift 2
	for ((i = 0; i < VMQ_WAIT_POLLS; i++)); do
		if ! v=$("$@"); then
			ktap_diag "$what: '$*' failed"
			return 1
		fi
		[ "$v" -ge "$min" ] 2>/dev/null && return 0
		vmq_nap 0.1
	done
	ktap_diag "$what: expected at least $min, still '$v'"
	return 1
}

# ---- devices ----------------------------------------------------------------

vmq_require_tools()
{
	local t

	for t in "$@"; do
		command -v "$t" > /dev/null || ktap_skip_all "$t is not installed"
	done
}

# Make sure vmqnet is loaded: as the guest runner left it, or from
# $VMQNET_KO, or with modprobe. Skips the whole test when none works.
vmq_require_module()
{
	[ "$(id -u)" = 0 ] || ktap_skip_all "must run as root"
	grep -q ' /sys/kernel/debug debugfs ' /proc/mounts ||
		mount -t debugfs none /sys/kernel/debug 2>/dev/null
	[ -d "$VMQ_BUS" ] && return 0
	vmq_module_load 2>/dev/null
	[ -d "$VMQ_BUS" ] || ktap_skip_all "vmqnet is not loaded and cannot be"
}

# Load vmqnet the way it can be loaded here.
vmq_module_load()
{
	if [ -n "${VMQNET_KO:-}" ]; then
		insmod "$VMQNET_KO"
	else
		modprobe vmqnet
	fi
}

# Remember an ID for the exit trap; forget it when deleted.
vmq_track() { vmq_created_ids="$vmq_created_ids $1"; }
vmq_untrack()
{
	local id rest=

	for id in $vmq_created_ids; do
		[ "$id" = "$1" ] || rest="$rest $id"
	done
	vmq_created_ids=$rest
}

# vmq_dev_create ID [PORTS [QUEUES]]: create a device and check that it has
# its ports (new_device returns only once they are registered).
vmq_dev_create()
{
	local id=$1 ports=${2:-1}

	vmq_write_expect 0 "$VMQ_BUS/new_device" "$*\n" || return 1
	vmq_track "$id"
	vmq_assert_eq "netdevs of vmqnet$id" "$ports" "$(vmq_dev_nports "$id")"
}

# vmq_dev_delete ID: delete a device made by vmq_dev_create.
vmq_dev_delete()
{
	vmq_write_expect 0 "$VMQ_BUS/del_device" "$1\n" || return 1
	vmq_untrack "$1"
	vmq_assert_missing "$VMQ_BUS/devices/vmqnet$1"
}

# The netdev names of a device's ports, one a line, in port order. Only
# shell builtins: every exec is slow in a debug guest under TCG.
vmq_dev_netdevs()
{
	local d port names=()

	for d in "$VMQ_BUS/devices/vmqnet$1"/net/*; do
		[ -e "$d" ] || continue
		read -r port < "$d/dev_port"
		names[port]=${d##*/}
	done
	[ ${#names[@]} -eq 0 ] || printf '%s\n' "${names[@]}"
}

# The number of netdevs of a device.
vmq_dev_nports()
{
	local d n=0

	for d in "$VMQ_BUS/devices/vmqnet$1"/net/*; do
		[ -e "$d" ] && n=$((n + 1))
	done
	echo "$n"
}

# vmq_table ARRAY FILE: a debugfs table (a header of column names, then a
# row a line, named by its first field) into the associative ARRAY, which
# the caller declares: ARRAY[ROW,COLUMN], and ARRAY[rows] the row names in
# order. Builtins only: an awk or jq costs a fork and an exec each, which
# are slow in a debug guest under TCG.
# shellcheck disable=SC2004,SC2034 # vmq_tab is the caller's array
vmq_table()
{
	local -n vmq_tab=$1
	local -a cols row
	local i rows=

	vmq_tab=()
	{
		read -r -a cols
		while read -r -a row; do
			[ ${#row[@]} -gt 0 ] || continue
			rows+=${rows:+ }${row[0]}
			for i in "${!cols[@]}"; do
				vmq_tab[${row[0]},${cols[i]}]=${row[i]:-}
			done
		done
	} < "$2"
	vmq_tab[rows]=$rows
}

# vmq_dl_resource DEV NAME FIELD: FIELD (size, size_new, occ, unit...) of
# the devlink resource NAME of DEV. devlink's plain output is "name NAME"
# and then key-value pairs, which builtins read without a jq.
vmq_dl_resource()
{
	local -a w
	local i

	while read -r -a w; do
		if [ "${w[0]:-}" != name ] || [ "${w[1]:-}" != "$2" ]; then
			continue
		fi
		for ((i = 2; i + 1 < ${#w[@]}; i += 2)); do
			[ "${w[i]}" != "$3" ] || echo "${w[i + 1]}"
		done
	done < <(devlink resource show "$1")
}

# vmq_ethtool_current KEYS CMD...: the "Current" values of the KEYS
# ("RX: Combined:") in what CMD prints (ethtool -l or -g of a port, run in
# its namespace if need be), space separated, in the order printed.
vmq_ethtool_current()
{
	local keys=$1 k v cur='' out=''

	shift
	while read -r k v; do
		case $k in Current) cur=1 ;; esac
		[ -n "$cur" ] || continue
		case " $keys " in *" $k "*) out+=${out:+ }$v ;; esac
	done < <("$@")
	echo "$out"
}

# vmq_netns_add NS...: network namespaces without IPv6. The kernel's own
# IPv6 traffic (DAD, router and MLD solicitations) would otherwise land
# in the counters the tests check exactly, at times no test controls.
vmq_netns_add()
{
	local ns

	for ns in "$@"; do
		ip netns add "$ns" &&
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 > /dev/null || return 1
	done
}

vmq_cleanup()
{
	local id

	[ -d "$VMQ_BUS" ] || return 0
	for id in $vmq_created_ids; do
		echo "$id" > "$VMQ_BUS/del_device" 2>/dev/null
	done
	vmq_created_ids=
}
trap vmq_cleanup EXIT
