# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Shared helpers of the vmqnet selftests. Source it from a bash test:
#
#   . "$(dirname "$0")/lib.sh"
#   vmq_require_module           # loads vmqnet if needed, else skips all
#   vmq_setup "what it sets up" setup_function [ARGS...]
#   ktap_plan 3
#   vmq_test "name" test_function [ARGS...]
#   ...
#   ktap_finish
#
# A test function returns 0 (pass), 1 (fail) or $KSFT_SKIP after setting
# VMQ_SKIP_REASON. Assertions print a "# " diagnostic and return 1, so a
# test function chains them with "|| return 1". A setup step is no test
# case: vmq_setup runs it before the plan, and if it fails no case runs
# (see vmq_setup). Devices made with vmq_dev_create, network namespaces
# made with vmq_netns_add, senders and floods started here, the test
# module and $VMQ_TMPD are cleaned up on exit (vmq_cleanup), whatever
# happens; a script with more to undo traps EXIT itself and calls
# vmq_cleanup last.

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

VMQ_BUS=/sys/bus/vmqnet
# shellcheck disable=SC2034 # for the tests
VMQ_DEBUGFS=/sys/kernel/debug/vmqnet
# Without a process: a debug guest under TCG takes 0.1 s an exec.
vmq_here=$PWD
vmq_src=${BASH_SOURCE[0]}
[[ $vmq_src == */* ]] || vmq_src=./$vmq_src
cd -P -- "${vmq_src%/*}" || exit 1
VMQ_DIR=$PWD
cd -- "$vmq_here" || exit 1
unset vmq_here vmq_src
VMQ_PAGE=$(getconf PAGESIZE)
# A scratch directory of the script's own, removed on exit.
VMQ_TMPD=$(mktemp -d /tmp/vmqnet.XXXXXX) || exit 1

vmq_ktap_started=
vmq_ktap_n=0
vmq_ktap_plan=0
vmq_ktap_pass=0
vmq_ktap_fail=0
vmq_ktap_skip=0
VMQ_SKIP_REASON=
vmq_created_ids=

# ---- KTAP -----------------------------------------------------------------

# ktap_diag TEXT...: a KTAP diagnostic line.
ktap_diag() { echo "# $*"; }

# The KTAP version line, once: before the first setup step's diagnostics.
ktap_header()
{
	[ -z "$vmq_ktap_started" ] || return 0
	vmq_ktap_started=1
	echo "TAP version 13"
}

# ktap_plan N: the plan, N test cases (and the version line if not yet).
ktap_plan()
{
	vmq_ktap_plan=$1
	ktap_header
	echo "1..$1"
}

# Nothing can run: a KTAP plan of zero tests, and the kselftest skip code.
ktap_skip_all()
{
	ktap_header
	echo "1..0 # SKIP $*"
	exit $KSFT_SKIP
}

# ktap_ok NAME: the next case passed.
ktap_ok()
{
	vmq_ktap_n=$((vmq_ktap_n + 1))
	vmq_ktap_pass=$((vmq_ktap_pass + 1))
	echo "ok $vmq_ktap_n $*"
}

# ktap_fail NAME: the next case failed.
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

# vmq_test NAME FUNC [ARGS...]: run one test case and report it; with
# VMQ_TIMING set (tools/selftests-guest sets it), after a diag line with
# the seconds it took.
vmq_test()
{
	local name=$1 rc frac us=${EPOCHREALTIME//[!0-9]/}

	shift
	VMQ_SKIP_REASON=
	"$@"
	rc=$?
	if [ -n "${VMQ_TIMING:-}" ]; then
		# No awk: a process costs more than most cases in the debug guest.
		us=$(( ${EPOCHREALTIME//[!0-9]/} - us ))
		printf -v frac %02d $((us % 1000000 / 10000))
		ktap_diag "case time: $((us / 1000000)).$frac s"
	fi
	case $rc in
	0) ktap_ok "$name" ;;
	"$KSFT_SKIP") ktap_skip "$name" "${VMQ_SKIP_REASON:-skipped}" ;;
	*) ktap_fail "$name" ;;
	esac
}

# vmq_setup WHAT FUNC [ARGS...]: run one setup step, before ktap_plan. A
# setup step is not a test case: when it fails the cases that need it
# cannot run, so rather than fail each of them the script stops there,
# with a plan of no tests and the reason, "1..0 # SKIP setup failed: WHAT"
# and the kselftest skip code. In the guest runner (VMQNET_GUEST=1), which
# gives the tests all they need, a failed setup is a bug, not a missing
# prerequisite (as for link.sh's rmmod): there the script bails out with
# "Bail out! setup failed: WHAT" and fails, once, instead of skipping.
vmq_setup()
{
	local what=$1

	shift
	ktap_header
	"$@" && return 0
	if [ "${VMQNET_GUEST:-}" = 1 ]; then
		echo "Bail out! setup failed: $what"
		exit $KSFT_FAIL
	fi
	ktap_skip_all "setup failed: $what"
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

# vmq_assert_exists PATH: 0 if PATH exists; else a diagnostic, and 1.
vmq_assert_exists()
{
	[ -e "$1" ] && return 0
	ktap_diag "$1 does not exist"
	return 1
}

# vmq_assert_missing PATH: 0 if PATH does not exist; else a diagnostic, and 1.
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
	ENETDOWN) echo "Network is down" ;;
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

# vmq_functional: a case that checks what the driver does, on paths the
# other cases run too, rather than the lifetime of memory: make check runs
# it on the release kernels and skips it on the debug kernel (the one
# with kmemleak), whose guest is the longest part of make check. With
# VMQ_DEBUG_ALL=1 (make stress) the debug kernel runs it too.
vmq_functional()
{
	[ -e /sys/kernel/debug/kmemleak ] && [ "${VMQ_DEBUG_ALL:-}" != 1 ] ||
		return 0
	VMQ_SKIP_REASON="functional, run on the release kernels (and by make stress here)"
	return "$KSFT_SKIP"
}

# vmq_kernel_ge MAJOR MINOR: true if the running kernel is at least that.
vmq_kernel_ge()
{
	local a b

	IFS=.- read -r a b _ < /proc/sys/kernel/osrelease
	[ "$a" -gt "$1" ] || { [ "$a" -eq "$1" ] && [ "$b" -ge "$2" ]; }
}

# vmq_shrink_errno: how an ethtool -L is refused that would drop a queue
# an ntuple rule directs to. 6.1's core leaves it to vmqnet (EBUSY);
# 6.12's checks the rules itself first (EINVAL, "requested channel counts
# are too low for existing ntuple filter settings"). Either way nothing
# changes.
vmq_shrink_errno()
{
	if vmq_kernel_ge 6 12; then echo EINVAL; else echo EBUSY; fi
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
VMQ_USER_KO=${VMQNET_BUILD:-$VMQ_DIR/../../../..}/selftests/drivers/net/vmqnet/modules/vmqnet_shmem_user.ko

# Load the test module unless it is loaded; the status of insmod.
vmq_user_load()
{
	[ ! -d /sys/module/vmqnet_shmem_user ] || return 0
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

# vmq_uresult FIELD: the value of FIELD ("handle", "shmem", "nents",
# "freed"...) in the test module's result line; fails if it has none.
vmq_uresult()
{
	local -a w
	local x

	read -r -a w < "$VMQ_USER/result" || [ ${#w[@]} -gt 0 ] || return 1
	for x in "${w[@]}"; do
		[ "${x%%=*}" != "$1" ] || { echo "${x#*=}"; return 0; }
	done
	return 1
}

# vmq_ualloc QUEUE USAGE LENGTH [OPTS...]: a block of the test module
# (expected to succeed); prints its handle.
vmq_ualloc()
{
	# Called as $(vmq_ualloc ...): its diagnostic must not be captured.
	vmq_ucmd 0 alloc "$@" >&2 || return 1
	vmq_uresult handle
}

# ---- traffic ----------------------------------------------------------------
#
# send.py sends UDP datagrams, or raw Ethernet frames (its usage is at its
# top). Senders and floods are processes of python itself, never a
# subshell around it (a command in the background that is not a shell
# function is exec'd, nsenter and ip netns exec exec it too), so that
# stopping one stops the sender for sure, and none outlives the script.

# shellcheck disable=SC2034 # for the tests
VMQ_SEND=$VMQ_DIR/send.py
vmq_sender_pid=
vmq_flood_pids=
vmq_flood_log=$VMQ_TMPD/flood.log

# vmq_tcp_transfer FROM TO IP [MSS]: 4 MiB over TCP from network namespace
# FROM to a listener in TO at IP, checked end to end, in TSO super-frames
# that fill more buffers than an skb has fragments (over 17 of 2048 bytes
# take 25 segments; of 4096 bytes, 41). For that: at least 32 segments a
# super-frame, which a slow (debug) guest's pacing rate would not give
# (tcp_tso_autosize()); tcp_send.py's writes, each as large as TSO allows;
# and, set before the listener exists, a receive buffer with room for its
# window to pass 72 KiB, since FROM sends at most half the largest window
# offered (tcp_bound_to_half_wnd()). A congestion window as wide from the
# start (a route's initcwnd) is the caller's. MSS is tcp_send.py's.
vmq_tcp_transfer()
{
	local src=$VMQ_TMPD/tcp.src dst=$VMQ_TMPD/tcp.dst pid sa sb

	command -v socat > /dev/null || {
		VMQ_SKIP_REASON="socat is not installed"
		return "$KSFT_SKIP"
	}
	vmq_nsenter "$1" sysctl -qw net.ipv4.tcp_min_tso_segs=32 &&
	vmq_nsenter "$2" sysctl -qw net.ipv4.tcp_rmem="4096 1048576 6291456" &&
	head -c 4M /dev/urandom > "$src" || return 1
	"${VMQ_NSENTER[@]}" --net="/run/netns/$2" \
		socat -u TCP-LISTEN:5201,reuseaddr "OPEN:$dst,creat,trunc" &
	pid=$!
	# Bounded: a path that drops every super-frame would stall it.
	vmq_nsenter "$1" timeout 120 python3 -S "$VMQ_DIR/tcp_send.py" \
		"$3" 5201 "$src" ${4:+"$4"} ||
		{ kill "$pid"; wait "$pid"; rm -f "$src" "$dst"; return 1; }
	wait "$pid"
	sa=$(sha256sum < "$src") sb=$(sha256sum < "$dst")
	rm -f "$src" "$dst"
	vmq_assert_eq "sha256 of 4 MiB received" "$sa" "$sb"
}

# vmq_sender_start CMD...: run CMD (send.py in "-" mode, maybe through
# nsenter) as the bounded sender, coproc SENDER, that vmq_send asks.
vmq_sender_start()
{
	coproc SENDER { exec "$@"; }
	vmq_sender_pid=$SENDER_PID
}

# vmq_send DST COUNT [SIZE]: COUNT datagrams or frames to DST from the
# bounded sender; returns once it has answered "sent COUNT", 1 if not.
vmq_send()
{
	local reply=

	if [ -n "${SENDER[1]:-}" ] && echo "$*" >&"${SENDER[1]}" &&
	   read -r -t 300 reply <&"${SENDER[0]}" && [ "$reply" = "sent $2" ]; then
		return 0
	fi
	ktap_diag "the sender did not send $2 to $1 (${reply:-no answer})"
	return 1
}

# Stop the bounded sender, if there is one.
vmq_sender_stop()
{
	[ -n "$vmq_sender_pid" ] || return 0
	kill "$vmq_sender_pid" 2>/dev/null
	wait "$vmq_sender_pid" 2>/dev/null
	vmq_sender_pid=
}

# vmq_flood_start CMD...: one more flood in the background (a send.py that
# ends by itself only at its SECS), its errors kept for vmq_flood_stop.
vmq_flood_start()
{
	[ -n "$vmq_flood_pids" ] || : > "$vmq_flood_log"
	"$@" > /dev/null 2>> "$vmq_flood_log" &
	vmq_flood_pids+=" $!"
}

# True while every flood started still runs (and there is one).
vmq_flood_running()
{
	local pid

	[ -n "$vmq_flood_pids" ] || return 1
	for pid in $vmq_flood_pids; do
		kill -0 "$pid" 2>/dev/null || return 1
	done
}

# Stop every flood and wait for it; fails, with a diagnostic, if one ended
# on its own (an error, or its SECS) rather than by being stopped, or
# printed an error.
vmq_flood_stop()
{
	local pid rc ret=0

	[ -n "$vmq_flood_pids" ] || { ktap_diag "no flood to stop"; return 1; }
	for pid in $vmq_flood_pids; do
		if kill "$pid" 2>/dev/null; then
			wait "$pid" 2>/dev/null
			continue
		fi
		wait "$pid"
		rc=$?
		ktap_diag "a flood ended by itself (status $rc)"
		ret=1
	done
	vmq_flood_pids=
	[ ! -s "$vmq_flood_log" ] || { ktap_diag "flood: $(< "$vmq_flood_log")"; return 1; }
	return "$ret"
}

# Kill every flood and reap it, whatever became of it; its errors, if any,
# are shown but fail nothing. Always returns 0.
vmq_flood_kill()
{
	local pid

	for pid in $vmq_flood_pids; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	vmq_flood_pids=
	if [ -s "$vmq_flood_log" ]; then
		ktap_diag "flood: $(< "$vmq_flood_log")"
		: > "$vmq_flood_log"
	fi
	return 0
}

# ---- starving NAPI -----------------------------------------------------------

# vmq_starve_start DEV: starve DEV's NAPI instances, which must be threaded:
# their threads on CPU 1 (the caller and its children stay on CPU 0) at
# real-time priority 5, and a busy loop there at priority 10, never
# throttled (sched_rt_runtime_us -1). The threads are made real-time below
# the loop, not left normal: from 6.12 a deadline server runs normal tasks
# 50 ms a second whatever real-time task holds the CPU, and turning it off
# (its debugfs runtime 0) trips a WARNING in 6.12's deadline bandwidth
# accounting. On 6.1 CPU 1's normal tasks starve too, and RCU reports a
# stall after 21 s: the stall timeout is raised to 60 s while NAPI is
# starved, and the loop ends by itself after VMQ_STARVE_MAX_S, below it,
# so that a test that fails leaves no starved machine behind (the debug
# kernel can take more than 15 s for what a test checks while starved);
# vmq_starved and the exit trap stop it on every path.
VMQ_STARVE_MAX_S=40
VMQ_RT_RUNTIME=/proc/sys/kernel/sched_rt_runtime_us
VMQ_RCU_STALL=/sys/module/rcupdate/parameters/rcu_cpu_stall_timeout
vmq_rt_runtime=
vmq_rcu_stall=
vmq_napi_pids=()
vmq_hog_pid=
vmq_starve_start()
{
	local pid comm i

	vmq_napi_pids=()
	for pid in /proc/[0-9]*; do
		read -r comm 2>/dev/null < "$pid/comm" || continue
		case $comm in "napi/$1-"*) vmq_napi_pids+=("${pid#/proc/}") ;; esac
	done
	[ "${#vmq_napi_pids[@]}" -gt 0 ] || { ktap_diag "no threaded NAPI"; return 1; }
	for pid in "${vmq_napi_pids[@]}"; do
		taskset -pc 1 "$pid" > /dev/null && chrt -f -p 5 "$pid" || return 1
	done
	read -r vmq_rt_runtime < "$VMQ_RT_RUNTIME"
	echo -1 > "$VMQ_RT_RUNTIME"
	read -r vmq_rcu_stall < "$VMQ_RCU_STALL" &&
	echo 60 > "$VMQ_RCU_STALL" || return 1
	rm -f "$VMQ_TMPD/hog"
	# shellcheck disable=SC2016 # the loop's own $((...)), in its bash
	taskset -c 1 chrt -f 10 bash -c \
		'echo > '"$VMQ_TMPD/hog"'; end=$((SECONDS + '"$VMQ_STARVE_MAX_S"'))
		 while ((SECONDS < end)); do :; done' &
	vmq_hog_pid=$!
	for ((i = 0; i < 300; i++)); do
		[ ! -e "$VMQ_TMPD/hog" ] || break
		vmq_nap 0.1
	done
	[ -e "$VMQ_TMPD/hog" ] || { ktap_diag "the busy loop did not start"; return 1; }
}

# vmq_starved TEST...: run TEST, and end the starvation whatever it returns.
vmq_starved()
{
	local rc

	"$@"
	rc=$?
	vmq_starve_stop
	return "$rc"
}

# vmq_starve_alive: whether NAPI is still starved (the loop has not ended).
vmq_starve_alive() { [ -n "$vmq_hog_pid" ] && kill -0 "$vmq_hog_pid" 2>/dev/null; }

vmq_starve_stop()
{
	local pid

	if [ -n "$vmq_hog_pid" ]; then
		kill "$vmq_hog_pid" 2>/dev/null
		wait "$vmq_hog_pid" 2>/dev/null
		vmq_hog_pid=
	fi
	[ -z "$vmq_rt_runtime" ] || echo "$vmq_rt_runtime" > "$VMQ_RT_RUNTIME"
	vmq_rt_runtime=
	[ -z "$vmq_rcu_stall" ] || echo "$vmq_rcu_stall" > "$VMQ_RCU_STALL"
	vmq_rcu_stall=
	for pid in "${vmq_napi_pids[@]}"; do
		chrt -o -p 0 "$pid" 2>/dev/null
	done
	vmq_napi_pids=()
}

# ---- the kernel log ---------------------------------------------------------

# vmq_dmesg_mark: remember where the kernel log is; vmq_dmesg_new: print
# what it has gained since.
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

# vmq_require_tools CMD...: skip the whole script unless every CMD is installed.
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

# vmq_reload_refused ID REASON: a devlink reload of device ID must be
# refused, saying REASON (a glob of what devlink prints); else a
# diagnostic, and 1.
vmq_reload_refused()
{
	local out

	if out=$(devlink dev reload "vmqnet/vmqnet$1" 2>&1); then
		ktap_diag "reload of vmqnet$1 went through, expected a refusal"
		return 1
	fi
	# shellcheck disable=SC2254 # REASON is a glob
	case $out in
	$2) return 0 ;;
	esac
	ktap_diag "reload refused without the reason ($2): $out"
	return 1
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

# Can vmqnet be unloaded, and loaded again, here? 0 if so. If not, sets
# VMQ_SKIP_REASON and returns $KSFT_SKIP; but in the guest runner
# (VMQNET_GUEST=1), which gives both, a test module left holding vmqnet
# or a lost VMQNET_KO is a bug: a diagnostic, and 1.
vmq_module_unloadable()
{
	local holders=(/sys/module/vmqnet/holders/*) why=

	if [ -e "${holders[0]}" ]; then
		why="vmqnet is in use by ${holders[*]##*/}"
	elif { [ -z "${VMQNET_KO:-}" ] || [ ! -f "$VMQNET_KO" ]; } &&
	     ! modinfo vmqnet > /dev/null 2>&1; then
		why="no VMQNET_KO and no installed vmqnet module to load again"
	fi
	[ -n "$why" ] || return 0
	if [ "${VMQNET_GUEST:-}" = 1 ]; then
		ktap_diag "$why, in the guest"
		return 1
	fi
	VMQ_SKIP_REASON="vmqnet cannot be unloaded and loaded again here: $why"
	return "$KSFT_SKIP"
}

# rmmod vmqnet: its devices go with it, so the exit trap forgets them.
# Fails if rmmod does, or if the bus is still there after it.
vmq_module_unload()
{
	rmmod vmqnet || return 1
	vmq_created_ids=
	vmq_assert_missing "$VMQ_BUS"
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

# vmq_slurp VAR FILE: the whole of FILE into the caller's VAR, without
# its last newline, in one pass. Bash's read builtin seeks back over what
# it read past each line, and a seek makes a debugfs seq_file generate its
# text again: a table whose counters move as it is read line by line can
# yield half a line. Fails if FILE is empty or cannot be read.
vmq_slurp()
{
	IFS= read -r -d '' "$1" < "$2"
	printf -v "$1" '%s' "${!1%$'\n'}"
	[ -n "${!1}" ]
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
	local i text rows=

	vmq_tab=()
	vmq_slurp text "$2" || return 1
	{
		read -r -a cols
		while read -r -a row; do
			[ ${#row[@]} -gt 0 ] || continue
			rows+=${rows:+ }${row[0]}
			for i in "${!cols[@]}"; do
				vmq_tab[${row[0]},${cols[i]}]=${row[i]:-}
			done
		done
	} <<< "$text"
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

# vmq_port ID N: the netdev name of port N of device ID; nothing if it
# has no such port. Builtins only.
vmq_port()
{
	local d port

	for d in "$VMQ_BUS/devices/vmqnet$1"/net/*; do
		[ -e "$d" ] || continue
		read -r port < "$d/dev_port"
		[ "$port" != "$2" ] || { echo "${d##*/}"; return 0; }
	done
	return 0
}

# vmq_ifindex NETDEV: the ifindex of a netdev of this network namespace.
vmq_ifindex() { local i; read -r i < "/sys/class/net/$1/ifindex" && echo "$i"; }

# vmq_qstate ID PORT RING: the state of a VM queue as debugfs shows it
# (allocated, set, running, paused...), "none" if there is no such queue.
vmq_qstate()
{
	local -A vmq_qs=()

	vmq_table vmq_qs "$VMQ_DEBUGFS/vmqnet$1/ports/$2/queues"
	echo "${vmq_qs[$3,state]:-none}"
}

# vmq_qstates ID PORT: "RING:STATE ..." for every queue of a port, in order.
vmq_qstates()
{
	local -A vmq_qs=()
	local r out=

	vmq_table vmq_qs "$VMQ_DEBUGFS/vmqnet$1/ports/$2/queues"
	for r in ${vmq_qs[rows]}; do out+=${out:+ }$r:${vmq_qs[$r,state]}; done
	echo "$out"
}

# vmq_shmem_occ ID: the devlink shared_memory occupancy of device ID, in
# 4 KiB units (each block rounded up to whole pages).
vmq_shmem_occ() { vmq_dl_resource "vmqnet/vmqnet$1" shared_memory occ; }

# vmq_units BYTES [VAR]: the shared_memory units (4 KiB) of a block of
# BYTES, rounded up to whole pages as the allocator counts: printed, or
# put in VAR (no subshell).
vmq_units()
{
	local n=$(( ($1 + VMQ_PAGE - 1) / VMQ_PAGE * VMQ_PAGE / 4096 ))

	if [ -n "${2:-}" ]; then printf -v "$2" %d "$n"; else echo "$n"; fi
}

# vmq_health_diagnose ID: what the health reporter vmq of device ID
# diagnoses, as JSON.
vmq_health_diagnose() { devlink -j health diagnose "vmqnet/vmqnet$1" reporter vmq; }

# vmq_health_dump ID: a new dump of the health reporter vmq of device ID,
# as JSON. A dump is kept until cleared: it is cleared first, so that it
# shows the state now.
vmq_health_dump()
{
	devlink health dump clear "vmqnet/vmqnet$1" reporter vmq &&
		devlink -j health dump show "vmqnet/vmqnet$1" reporter vmq
}

# vmq_rules NETDEV add QUEUE MAC... | del LOC...: ethtool -N rules (ether
# dst MAC, action QUEUE) added or deleted by the ioctls ethtool makes, all
# in one process rather than one ethtool each; the new rules' locations, a
# line each. It stops at the first refusal and fails with its errno.
vmq_rules() { python3 -S "$VMQ_DIR/vmqsys.py" rules "$@"; }

# vmq_wait_still POLLS CMD...: wait until CMD (counters, typically) prints
# the same for 0.3 s, polling every 0.1 s, POLLS times at most: frames in
# flight when a sender stops are counted an instant later. Fails with a
# diagnostic if its output never stops moving.
vmq_wait_still()
{
	local polls=$1 prev cur i same=0

	shift
	cur=$("$@")
	for ((i = 0; i < polls; i++)); do
		vmq_nap 0.1
		prev=$cur
		cur=$("$@")
		if [ "$cur" = "$prev" ]; then
			same=$((same + 1))
			[ "$same" -lt 3 ] || return 0
		else
			same=0
		fi
	done
	ktap_diag "counters still moving after $((polls / 10)) s: a sender is still running"
	return 1
}

# ---- ethtool -S --------------------------------------------------------------
#
# Counters are read through one server per script, vmqsys.py stats, which
# makes the ioctls ethtool -S makes: under TCG an ethtool run costs a
# quarter of a second and more in another namespace, a request a few
# milliseconds. Scripts that read counters start it as a setup step. One
# request at a time, whole: never from a background job or a process
# substitution, which may still be reading when the next one asks.
vmq_stats_pid=

vmq_stats_start()
{
	mkfifo "$VMQ_TMPD/stats.req" "$VMQ_TMPD/stats.rep" || return 1
	python3 -S "$VMQ_DIR/vmqsys.py" stats "$VMQ_TMPD/stats.out" \
		< "$VMQ_TMPD/stats.req" > "$VMQ_TMPD/stats.rep" &
	vmq_stats_pid=$!
	exec {vmq_stats_w}> "$VMQ_TMPD/stats.req" {vmq_stats_r}< "$VMQ_TMPD/stats.rep"
}

vmq_stats_stop()
{
	[ -n "$vmq_stats_pid" ] || return 0
	exec {vmq_stats_w}>&- {vmq_stats_r}<&-
	kill "$vmq_stats_pid" 2>/dev/null
	wait "$vmq_stats_pid" 2>/dev/null
	vmq_stats_pid=
}

# vmq_statsrv NS NETDEV [REQUEST...]: what the counter server answers about
# a netdev of network namespace NS (a name of ip netns, or - for this
# one): ethtool -S with no REQUEST, else what vmqsys.py's docstring says.
vmq_statsrv()
{
	local f=/run/netns/$1 l out what="${3:-ethtool -S}"

	[ "$1" != - ] || f=/proc/self/ns/net
	if [ -z "$vmq_stats_pid" ]; then
		ktap_diag "vmq_statsrv: no counter server (vmq_stats_start)"
		return 1
	fi
	echo "$f $2${3:+ ${*:3}}" >&"$vmq_stats_w" || return 1
	if ! read -r -t 120 -u "$vmq_stats_r" l; then
		ktap_diag "$what $2: no answer from the counter server"
		return 1
	fi
	if [ "$l" != . ]; then
		ktap_diag "$what $2: ${l#! }"
		return 1
	fi
	# One read of the file: a shell reads a pipe a byte at a time.
	IFS= read -r -d '' out < "$VMQ_TMPD/stats.out"
	printf '%s' "$out"
}

# vmq_estats NS NETDEV: ethtool -S of a netdev of network namespace NS (a
# name of ip netns, or - for this one), one "name value" a line.
vmq_estats() { vmq_statsrv "$1" "$2"; }

# vmq_ethtool_stat NAME NETDEV: the ethtool -S counter NAME of a netdev of
# this namespace; fails, printing nothing, if it has no such counter.
vmq_ethtool_stat()
{
	local s

	# All of the answer is read before the next request: not a
	# process substitution, which would still read when this returns.
	s=$(vmq_estats - "$2") || return 1
	vmq_counter "$1" "$s"
}

# vmq_counter NAME STATS: one counter of vmq_estats output.
vmq_counter()
{
	local re=$'(^|\n)'"$1"' (-?[0-9]+)'

	[[ $2 =~ $re ]] && echo "${BASH_REMATCH[2]}"
}

# vmq_counter_sum REGEX STATS: the sum of the counters of vmq_estats
# output whose names match REGEX.
vmq_counter_sum()
{
	local line lines t=0

	vmq_lines lines "$2"
	for line in "${lines[@]}"; do
		[[ ${line% *} =~ $1 ]] && t=$((t + ${line##* }))
	done
	echo "$t"
}

# vmq_lines ARRAY TEXT: the non-empty lines of TEXT into ARRAY. Not "read"
# from a here-string: a shell reads that pipe a byte at a time, which costs
# a debug guest under TCG 50 ms for ethtool -S of a port.
vmq_lines()
{
	local -n vmq_lines_a=$1
	local IFS=$'\n'

	set -f
	# Split on newlines only, no globbing; a nameref to the caller's array.
	# shellcheck disable=SC2034,SC2206
	vmq_lines_a=($2)
	set +f
}

# nsenter, busybox's where there is one: under TCG util-linux's costs
# 0.3 s more a start (its libraries), and the traffic tests start
# hundreds. An array, so that a background sender is nsenter itself
# (which execs the command), not a shell around it.
if busybox nsenter --help > /dev/null 2>&1; then
	VMQ_NSENTER=(busybox nsenter)
else
	VMQ_NSENTER=(nsenter)
fi

# vmq_nsenter NS CMD...: CMD in network namespace NS (a name of ip netns).
vmq_nsenter() { "${VMQ_NSENTER[@]}" --net="/run/netns/$1" "${@:2}"; }

# vmq_netns_add NS...: network namespaces without IPv6, deleted on exit.
# The kernel's own IPv6 traffic (DAD, router and MLD solicitations) would
# otherwise land in the counters the tests check exactly, at times no
# test controls. Each namespace's sysfs is mounted at $VMQ_TMPD/sys.NS,
# so that its netdevs' ifindex, flags and stats64 are file reads rather
# than commands run in it (a mount takes only a passive reference: the
# namespace still dies with ip netns del).
vmq_netns_add()
{
	local ns

	# One ip and one mkdir for all of them; vmq_cleanup deletes what
	# there is of them.
	vmq_netns+=("$@")
	printf 'netns add %s\n' "$@" | ip -batch - || return 1
	mkdir -p "${@/#/$VMQ_TMPD/sys.}" || return 1
	for ns in "$@"; do
		# shellcheck disable=SC2016 # $1 of the shell in the namespace
		vmq_nsenter "$ns" sh -c '
			echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6 &&
			echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6 &&
			mount -t sysfs none "$1"' - "$VMQ_TMPD/sys.$ns" || return 1
	done
}

# The file of a network namespace for link_device's fds: /run/netns/NS,
# or this task's for "-".
vmq_netns_file()
{
	if [ "$1" = - ]; then echo /proc/self/ns/net; else echo "/run/netns/$1"; fi
}

# vmq_link NS_A IFINDEX_A NS_B IFINDEX_B: link two ports, each given by its
# network namespace (a name of ip netns, or - for this one) and its
# ifindex there, with one write to link_device, which must succeed.
vmq_link()
{
	local fda fdb rc

	exec {fda}<"$(vmq_netns_file "$1")" {fdb}<"$(vmq_netns_file "$3")"
	vmq_write_expect 0 "$VMQ_BUS/link_device" "$fda:$2 $fdb:$4\n"
	rc=$?
	exec {fda}<&- {fdb}<&-
	return "$rc"
}

# vmq_pair_setup: a new device $ID with two ports of 4 queues, A in
# namespace $NSA with address $IPA and B in $NSB with $IPB (made with
# vmq_netns_add), each the other's permanent neighbour, linked and up.
# Sets PA, PB (the netdevs), IFA, IFB (their ifindex) and MACA, MACB. One
# ip a namespace where it can: under TCG an ip costs a third of a second
# in the debug guest.
vmq_pair_setup()
{
	local sysa=$VMQ_TMPD/sys.$NSA sysb=$VMQ_TMPD/sys.$NSB

	vmq_dev_create "$ID" 2 4 || return 1
	PA=$(vmq_port "$ID" 0) PB=$(vmq_port "$ID" 1)
	printf 'link set %s netns %s\n' "$PA" "$NSA" "$PB" "$NSB" |
		ip -batch - || return 1
	read -r IFA < "$sysa/class/net/$PA/ifindex" &&
	read -r MACA < "$sysa/class/net/$PA/address" &&
	read -r IFB < "$sysb/class/net/$PB/ifindex" &&
	read -r MACB < "$sysb/class/net/$PB/address" || return 1
	printf '%s\n' "addr add $IPA/24 brd + dev $PA" \
		"neigh add $IPB lladdr $MACB dev $PA nud permanent" |
		ip -n "$NSA" -batch - &&
	printf '%s\n' "addr add $IPB/24 brd + dev $PB" \
		"neigh add $IPA lladdr $MACA dev $PB nud permanent" |
		ip -n "$NSB" -batch - || return 1
	vmq_link "$NSA" "$IFA" "$NSB" "$IFB" || return 1
	ip -n "$NSA" link set "$PA" up && ip -n "$NSB" link set "$PB" up
}

# vmq_unlink NS IFINDEX: unlink a port (and so its peer) through
# unlink_device, which must succeed.
vmq_unlink()
{
	local fd rc

	exec {fd}<"$(vmq_netns_file "$1")"
	vmq_write_expect 0 "$VMQ_BUS/unlink_device" "$fd:$2\n"
	rc=$?
	exec {fd}<&-
	return "$rc"
}

# Undo what the script made through lib.sh: senders and floods, devices,
# the test module, network namespaces, $VMQ_TMPD. The exit trap, or the
# last thing a script's own exit trap does.
vmq_cleanup()
{
	local id ns

	vmq_starve_stop
	vmq_sender_stop
	vmq_stats_stop
	vmq_flood_kill > /dev/null
	if [ -d "$VMQ_BUS" ]; then
		for id in $vmq_created_ids; do
			echo "$id" > "$VMQ_BUS/del_device" 2>/dev/null
		done
	fi
	vmq_created_ids=
	[ ! -d /sys/module/vmqnet_shmem_user ] ||
		rmmod vmqnet_shmem_user 2>/dev/null
	for ns in "${vmq_netns[@]}"; do
		umount "$VMQ_TMPD/sys.$ns" 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	vmq_netns=()
	rm -rf --one-file-system "$VMQ_TMPD"
}
vmq_netns=()
trap vmq_cleanup EXIT
