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
import array
import difflib
import errno
import fcntl
import os
import random
import socket
import struct
import sys

BUS = "/sys/bus/vmqnet"
DBG = "/sys/kernel/debug/vmqnet"
SIOCGIFFLAGS, SIOCSIFFLAGS, SIOCETHTOOL = 0x8913, 0x8914, 0x8946
IFF_UP = 1
ETHTOOL_GRINGPARAM, ETHTOOL_SRINGPARAM = 0x10, 0x11
ETHTOOL_GRXCLSRLCNT, ETHTOOL_GRXCLSRLALL = 0x2E, 0x30
ETHTOOL_SRXCLSRLDEL, ETHTOOL_SRXCLSRLINS = 0x31, 0x32
ETHTOOL_GCHANNELS, ETHTOOL_SCHANNELS = 0x3C, 0x3D
ETHER_FLOW = 0x12
RXNFC_SIZE = 192  # struct ethtool_rxnfc on x86_64, with its layout below
NLMSG_ERROR = 2
NETLINK_GENERIC = 16
GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 16, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2
DEVLINK_CMD_RELOAD, DEVLINK_ATTR_BUS_NAME, DEVLINK_ATTR_DEV_NAME = 37, 1, 2
ARMED_FAR = 1 << 30


class Sock:
    """An inet socket for the interface ioctls."""

    def __init__(self):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def ethtool(self, ifname, buf):
        """SIOCETHTOOL on ifname with buf (an array of bytes, updated)."""
        addr = buf.buffer_info()[0]
        req = struct.pack("16sP", ifname.encode(), addr).ljust(40, b"\0")
        fcntl.ioctl(self.s, SIOCETHTOOL, req)

    def flags(self, ifname):
        req = struct.pack("16sH", ifname.encode(), 0).ljust(40, b"\0")
        return struct.unpack_from("H", fcntl.ioctl(self.s, SIOCGIFFLAGS, req), 16)[0]

    def flags_req(self, ifname, flags):
        return struct.pack("16sH", ifname.encode(), flags).ljust(40, b"\0")


SOCK = Sock()
NETNS_FD = os.open("/proc/self/ns/net", os.O_RDONLY)


def u32s(*vals, n=9):
    return array.array("B", struct.pack("%dI" % n, *(list(vals) + [0] * (n - len(vals)))))


def get9(ifname, cmd):
    buf = u32s(cmd)
    SOCK.ethtool(ifname, buf)
    return list(struct.unpack("9I", buf.tobytes()))


def rule_locs(ifname):
    buf = array.array("B", struct.pack("I", ETHTOOL_GRXCLSRLCNT).ljust(RXNFC_SIZE, b"\0"))
    SOCK.ethtool(ifname, buf)
    cnt = struct.unpack_from("I", buf, 184)[0]
    buf = array.array("B", bytes(RXNFC_SIZE + 4 * cnt))
    struct.pack_into("I", buf, 0, ETHTOOL_GRXCLSRLALL)
    struct.pack_into("I", buf, 184, cnt)
    SOCK.ethtool(ifname, buf)
    return list(struct.unpack_from("%dI" % cnt, buf, 188))


def rxnfc_rule(cmd, mac=None, queue=0, loc=0):
    buf = array.array("B", bytes(RXNFC_SIZE))
    struct.pack_into("I", buf, 0, cmd)
    struct.pack_into("I", buf, 16, ETHER_FLOW)  # fs.flow_type
    if mac:
        buf[20:26] = array.array("B", bytes.fromhex(mac.replace(":", "")))
        buf[92:98] = array.array("B", b"\xff" * 6)  # m_u: match all of it
    struct.pack_into("Q", buf, 168, queue)  # fs.ring_cookie
    struct.pack_into("I", buf, 176, loc)  # fs.location
    return buf


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError as e:
        return "<%s>" % e.strerror


def state():
    """What a failed operation must leave exactly as it was."""
    out = []
    for dev in sorted(os.listdir(BUS + "/devices")):
        ddbg = "%s/%s" % (DBG, dev)
        out.append("== " + dev)
        out.append(read(ddbg + "/shmem/totals"))
        # Block handles change when memory is given back and taken again:
        # compare the blocks without them.
        blocks = read(ddbg + "/shmem/blocks").splitlines()[1:]
        out += sorted(" ".join(b.split()[2:]) for b in blocks)
        try:
            ports = sorted(os.listdir(ddbg + "/ports"), key=int)
        except OSError:
            ports = []
        for p in ports:
            out.append(read("%s/ports/%s/queues" % (ddbg, p)))
        net = "%s/devices/%s/net" % (BUS, dev)
        for ifname in sorted(os.listdir(net)) if os.path.isdir(net) else []:
            out.append("%s flags %#x carrier %s" % (
                ifname, SOCK.flags(ifname),
                read("/sys/class/net/%s/carrier" % ifname).strip()))
            out.append("channels %s" % get9(ifname, ETHTOOL_GCHANNELS)[1:])
            out.append("rings %s" % get9(ifname, ETHTOOL_GRINGPARAM)[1:])
            out.append("rules %s" % rule_locs(ifname))
    return "\n".join(out)


class Devlink:
    """A generic netlink socket bound to the devlink family."""

    def __init__(self):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.s.bind((0, 0))
        self.seq = 0
        reply = self.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                             [(CTRL_ATTR_FAMILY_NAME, b"devlink\0")])
        attrs = self.attrs(reply[20:])
        self.family = struct.unpack("H", attrs[CTRL_ATTR_FAMILY_ID][:2])[0]

    @staticmethod
    def attrs(data):
        out = {}
        while len(data) >= 4:
            ln, typ = struct.unpack_from("HH", data)
            out[typ & 0x3FFF] = data[4:ln]
            data = data[(ln + 3) & ~3:]
        return out

    def message(self, family, cmd, attrs):
        body = b""
        for typ, val in attrs:
            a = struct.pack("HH", 4 + len(val), typ) + val
            body += a.ljust((len(a) + 3) & ~3, b"\0")
        self.seq += 1
        hdr = struct.pack("IHHII", 20 + len(body), family, 0x1 | 0x4, self.seq, 0)
        return hdr + struct.pack("BBH", cmd, 1, 0) + body

    def send(self, msg):
        """Send a request built beforehand; its errno (0 for success)."""
        seq = struct.unpack_from("I", msg, 8)[0]
        self.s.send(msg)
        while True:
            reply = self.s.recv(65536)
            typ, _, rseq = struct.unpack_from("HHI", reply, 4)
            # Acks of earlier requests (the family lookup's) come first.
            if typ == NLMSG_ERROR and rseq == seq:
                return -struct.unpack_from("i", reply, 16)[0]

    def request(self, family, cmd, attrs):
        self.s.send(self.message(family, cmd, attrs))
        reply = self.s.recv(65536)
        if struct.unpack_from("H", reply, 4)[0] == NLMSG_ERROR:
            raise OSError(-struct.unpack_from("i", reply, 16)[0], "genl")
        return reply


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


def ifindex(ifname):
    return int(read("/sys/class/net/%s/ifindex" % ifname))


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
        if now != base and op == "reload" and rc:
            # Torn down before the failure: a second reload must restore it.
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
