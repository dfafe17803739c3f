#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Fail the allocations of one vmqnet operation, one at a time.

/proc/self/fail-nth fails the Nth allocation (failslab) the writing task
makes from then on. ethtool and devlink would run in tasks of their own,
so this script makes each operation's system call itself: sysfs writes,
SIOCETHTOOL and SIOCSIFFLAGS ioctls, a devlink generic netlink request.
Everything the call needs is opened and built before fail-nth is armed.

For an operation it first counts the allocations the call makes (armed
with a number far above them), then fails the Nth of them, for every N
(--all) or for a seeded sample (--slice K). Each failed call must give an
errno and leave the devices exactly as before: queues, shared memory
blocks and totals, channels, rings, rules, flags and carrier. A call that
absorbs the failure and succeeds is undone and must come back to the same
state. A device reload that fails after its teardown cannot restore
what it tore down; it counts as recovered if a second reload does.

  fault_sweep.py OP ARGS... [--all | --slice K --seed S]
    new_device ID PORTS QUEUES     undone by del_device
    link IFA IFB                   undone by unlink_device
    up IF                          undone by down
    channels IF N                  undone by the old count
    rings IF N                     undone by the old size
    rule IF MAC QUEUE LOC          undone by deleting LOC
    reload DEVNAME

Prints "OP: P points, N failed, N recovered cleanly" and the errnos; exits
1 if any failure was not clean, or if nothing could be injected.
"""

import argparse
import difflib
import errno
import fcntl
import os
import random
import sys

from vmqsys import (BUS, DEVLINK_ATTR_BUS_NAME, DEVLINK_ATTR_DEV_NAME,
                    DEVLINK_CMD_RELOAD, ETHTOOL_GCHANNELS, ETHTOOL_GRINGPARAM,
                    ETHTOOL_SCHANNELS, ETHTOOL_SRINGPARAM,
                    ETHTOOL_SRXCLSRLDEL, ETHTOOL_SRXCLSRLINS, IFF_UP,
                    NETNS_FD, SIOCSIFFLAGS, SOCK, Devlink, get9, ifindex,
                    rxnfc_rule, state, u32s)

ARMED_FAR = 1 << 30
# What state() shows for a file that is not there (vmqsys.read()).
MISSING = "<%s>" % os.strerror(errno.ENOENT)


def sysfs_write(path, text):
    """Open now (not counted), write later (counted)."""
    fd = os.open(path, os.O_WRONLY)
    data = text.encode()

    def call():
        try:
            os.write(fd, data)
            return 0
        except OSError as e:
            return e.errno
    return call


def ioctl_call(func):
    def call():
        try:
            func()
            return 0
        except OSError as e:
            return e.errno
    return call


def operation(op, args):
    """(call, undo) for OP: call() makes the one counted system call."""
    if op == "new_device":
        return (sysfs_write(BUS + "/new_device", " ".join(args) + "\n"),
                lambda: sysfs_write(BUS + "/del_device", args[0] + "\n")())
    if op == "link":
        nsfd = NETNS_FD
        text = "%d:%d %d:%d\n" % (nsfd, ifindex(args[0]), nsfd, ifindex(args[1]))
        return (sysfs_write(BUS + "/link_device", text),
                lambda: sysfs_write(BUS + "/unlink_device",
                                    "%d:%d\n" % (nsfd, ifindex(args[0])))())
    ifname = args[0]
    if op == "up":
        flags = SOCK.flags(ifname)
        up, down = SOCK.flags_req(ifname, flags | IFF_UP), SOCK.flags_req(ifname, flags)
        return (ioctl_call(lambda: fcntl.ioctl(SOCK.s, SIOCSIFFLAGS, up)),
                lambda: fcntl.ioctl(SOCK.s, SIOCSIFFLAGS, down))
    if op in ("channels", "rings"):
        gcmd, scmd, field = ((ETHTOOL_GCHANNELS, ETHTOOL_SCHANNELS, 8)
                             if op == "channels" else
                             (ETHTOOL_GRINGPARAM, ETHTOOL_SRINGPARAM, 5))
        cur = get9(ifname, gcmd)
        new, old = list(cur), list(cur)
        new[0] = old[0] = scmd
        new[field] = int(args[1])
        nbuf, obuf = u32s(*new), u32s(*old)
        return (ioctl_call(lambda: SOCK.ethtool(ifname, nbuf)),
                lambda: SOCK.ethtool(ifname, obuf))
    if op == "rule":
        mac, queue, loc = args[1], int(args[2]), int(args[3])
        ins = rxnfc_rule(ETHTOOL_SRXCLSRLINS, mac, queue, loc)
        dele = rxnfc_rule(ETHTOOL_SRXCLSRLDEL, loc=loc)
        return (ioctl_call(lambda: SOCK.ethtool(ifname, ins)),
                lambda: SOCK.ethtool(ifname, dele))
    if op == "reload":
        dl = Devlink()
        msg = dl.message(dl.family, DEVLINK_CMD_RELOAD,
                         [(DEVLINK_ATTR_BUS_NAME, b"vmqnet\0"),
                          (DEVLINK_ATTR_DEV_NAME, ifname.encode() + b"\0")])
        return (lambda: dl.send(msg), None)
    raise SystemExit("unknown operation " + op)


def diff(old, new):
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(),
                                     lineterm="", n=1):
        print("#   " + line)


class FailNth:
    def __init__(self):
        self.fd = os.open("/proc/self/fail-nth", os.O_RDWR)

    def arm(self, n):
        os.pwrite(self.fd, b"%d" % n, 0)

    def disarm(self):
        """Disarm; True if the armed failure was injected."""
        left = int(os.pread(self.fd, 32, 0))
        os.pwrite(self.fd, b"0", 0)
        return left, left == 0


def main():
    ap = argparse.ArgumentParser(description="fail one operation's allocations")
    ap.add_argument("op", nargs="+", help="the operation and its arguments")
    ap.add_argument("--all", action="store_true", help="every allocation")
    ap.add_argument("--slice", type=int, default=8, help="else this many")
    ap.add_argument("--seed", type=int, default=0, help="that pick them")
    opts = ap.parse_args()
    op, args = opts.op[0], opts.op[1:]
    name = " ".join(opts.op)
    nth = FailNth()

    base = state()
    call, undo = operation(op, args)
    # Count: the call with nothing failed, then undone.
    nth.arm(ARMED_FAR)
    rc = call()
    left, _ = nth.disarm()
    points = ARMED_FAR - left
    if rc:
        print("# %s: fails with nothing injected: %s" % (name, errno.errorcode.get(rc, rc)))
        return 1
    if undo:
        undo()
    now = state()
    if now != base:
        print("# %s: undoing it does not come back to the same state:" % name)
        diff(base, now)
        return 1
    if points == 0:
        print("# %s: no allocation to fail: nothing was injected" % name)
        return 1

    ns = list(range(1, points + 1))
    if not opts.all and opts.slice < points:
        ns = sorted(random.Random("%s %d" % (name, opts.seed)).sample(ns, opts.slice))
    failed = clean = absorbed = retried = bad = 0
    errnos = {}
    for n in ns:
        call, undo = operation(op, args)
        nth.arm(n)
        rc = call()
        _, injected = nth.disarm()
        if not injected:
            continue
        failed += 1
        if rc == 0:
            absorbed += 1
            if undo:
                undo()
        else:
            e = errno.errorcode.get(rc, str(rc))
            errnos[e] = errnos.get(e, 0) + 1
        now = state()
        # A failed reload tore down before the failure, and one that
        # absorbed it may lack a debugfs file (debugfs is best effort:
        # the kernel asks drivers to ignore its failures): a second
        # reload must restore it.
        if now != base and op == "reload" and (rc or MISSING in now):
            if operation(op, args)[0]() == 0 and state() == base:
                retried += 1
                now = base
        if now == base:
            clean += 1
            continue
        bad += 1
        print("# %s: allocation %d of %d failed (%s) and the state changed:" %
              (name, n, points, errno.errorcode.get(rc, "absorbed")))
        diff(base, now)
        if bad >= 3:
            break
        # Go on from the state as it is now.
        base = now
    print("# %s: %d points, %d tried, %d failed, %d recovered cleanly "
          "(%d absorbed, %d by a second reload); errnos %s" %
          (name, points, len(ns), failed, clean, absorbed, retried,
           " ".join("%s=%d" % kv for kv in sorted(errnos.items())) or "-"))
    print("FAULTS %d %d" % (failed, clean))
    if failed == 0:
        print("# %s: no failure was injected" % name)
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
