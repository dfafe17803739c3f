#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Seeded bad input for every interface of vmqnet, with valid operations
in between, checking the devices' invariants after every batch.

  bad_input.py ID PEER COUNT SEED

ID is a device of two ports (P0, P1), PEER a device of one port linked to
P0; both are up and a flood runs from PEER's port (bad_input.sh sets that
up). COUNT inputs are drawn with random.Random(SEED), so a seed replays
the same inputs. Each is one system call made here (a sysfs or debugfs
write, a SIOCETHTOOL ioctl, a devlink generic netlink request): new_device,
del_device, link_device and unlink_device with bad numbers, missing and
extra fields, stale fds, fds of files, of other namespace types and of
another network namespace, self-links and other ifindexes;
ethtool -L, -G, -N (every flow type, random masks, locations and actions,
VLANs) and -K; devlink params, resources, reload and health; the debugfs
knobs; and the exported shared memory API through the test module (bad
lengths, usages, queues and nodes, stale handles, double frees, frees
after close, every call after its device is gone). An input the kernel
takes is valid after all: whatever it created is removed again.

After every batch the invariants must hold on every device: the
allocator's totals are the sum of its blocks, the devlink occupancy
agrees, no block belongs to a queue that does not exist, every queue is
in a legal state, and both devices still have their ports. Prints the
errnos and "BAD TRIED REFUSED"; exits 1 on a broken invariant.
"""

import array
import errno
import os
import random
import struct
import subprocess
import sys

from vmqsys import (BUS, DBG, DEVLINK_ATTR_BUS_NAME, DEVLINK_ATTR_DEV_NAME,
                    DEVLINK_CMD_RELOAD, ETHER_FLOW, RXNFC_SIZE, SOCK,
                    Devlink, ifindex, read)

USER = "/sys/kernel/debug/vmqnet_shmem_user"
FOREIGN_NS = "/run/netns/vmqbad"  # bad_input.sh makes it
PAGE = os.sysconf("SC_PAGE_SIZE")
BATCH = 50
QUEUES_PER_PORT = 16  # VMQ_SHMEM_QUEUES_PER_PORT, <vmqnet/shmem.h>
STATES = {"allocated", "set", "running", "paused", "dma-stopped", "freeing"}

ETHTOOL_GRXCLSRULE, ETHTOOL_SFEATURES = 0x2F, 0x3B
ETHTOOL_GSTRINGS, ETHTOOL_GSSET_INFO, ETH_SS_FEATURES = 0x1B, 0x37, 4
ETHTOOL_SRINGPARAM, ETHTOOL_SCHANNELS = 0x11, 0x3D
ETHTOOL_SRXCLSRLDEL, ETHTOOL_SRXCLSRLINS = 0x31, 0x32
# Flow types of <uapi/linux/ethtool.h>, and the flags above them.
FLOW_TYPES = list(range(0x01, 0x0F)) + [0x10, 0x11, 0x12, 0x13, 0x7F]
FLOW_FLAGS = [0, 0, 0x80000000, 0x40000000, 0x20000000, 0xE0000000]
LOCS = [0, 1, 2, 31, 32, 33, 1 << 31, 0xFFFFFFFD, 0xFFFFFFFE, 0xFFFFFFFF]
COOKIES = [0, 1, 2, 3, 4, 15, 16, 63, 1 << 32, (1 << 32) | 1,
           0xFFFFFFFFFFFFFFFE, 0xFFFFFFFFFFFFFFFF]

DL_CMD_RESOURCE_SET, DL_CMD_PARAM_SET = 35, 39
DL_CMD_HEALTH_SET, DL_CMD_HEALTH_RECOVER = 53, 54
DL_CMD_HEALTH_DIAGNOSE, DL_CMD_HEALTH_DUMP_CLEAR = 55, 57
DL_ATTR_RESOURCE_ID, DL_ATTR_RESOURCE_SIZE = 66, 67
DL_ATTR_PARAM_NAME, DL_ATTR_PARAM_TYPE = 81, 83
DL_ATTR_PARAM_VALUE_DATA, DL_ATTR_PARAM_VALUE_CMODE = 86, 87
DL_ATTR_HEALTH_NAME, DL_ATTR_HEALTH_GRACEFUL = 115, 120
DL_ATTR_HEALTH_AUTO_RECOVER = 121
DL_ATTR_NETNS_FD, DL_ATTR_NETNS_PID = 138, 139
DL_ATTR_RELOAD_ACTION, DL_ATTR_RELOAD_LIMITS = 153, 155
PARAMS = ["lookahead_split", "lookahead_size", "rx_buffer_size",
          "rx_contiguous", "", "x" * 300, "enable_roce"]
KNOBS = ["shmem/fail_count", "shmem/fail_queue", "shmem/fail_usage",
         "shmem/scatter_max_order"]
USAGES = ["receive", "xmit", "xmit_header", "receive_lookahead", "other",
          "undefined", "bogus", "0", "4", "9", "10", "4294967295", "-1", ""]

EDGE = [0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255,
        256, 1023, 1024, 4095, 4096, 4097, 65535, 65536, 1 << 20,
        (1 << 28) + 1, (1 << 31) - 1, 1 << 31, (1 << 32) - 1]
JUNK = ["", " ", "-1", "-0", "+3", "0x10", "010", "1e3", "3.5", "abc", "3abc",
        "18446744073709551616", "9" * 40, "4294967296", "\x00", "\t", ",",
        "\u00e9", "%n%n"]


class Ctx:
    """What the inputs refer to: the devices, their ports, fds."""

    def __init__(self, dev, peer, seed):
        self.r = random.Random(seed)
        self.dev, self.peer = dev, peer
        self.ports = ports(dev)
        self.peer_port = ports(peer)[0]
        self.devname = "vmqnet%d" % dev
        self.dl = Devlink()
        self.ns = os.open("/proc/self/ns/net", os.O_RDONLY)
        self.mntns = os.open("/proc/self/ns/mnt", os.O_RDONLY)
        self.file = os.open("/proc/self/status", os.O_RDONLY)
        # Another network namespace: no vmqnet port there, lo is 1.
        self.foreign = os.open(FOREIGN_NS, os.O_RDONLY)
        stale = os.open("/proc/self/ns/net", os.O_RDONLY)
        os.close(stale)
        self.stale = stale
        self.handles = []  # the test module's live allocations
        self.freed = []    # and ones it freed: stale handles
        self.knobs = {k: read("%s/%s/%s" % (DBG, self.devname, k)).strip()
                      for k in KNOBS}
        self.valid = 0
        self.l2fwd = feature_bit(self.ports[0], "l2-fwd-offload")

    def pick(self, seq):
        return seq[self.r.randrange(len(seq))]

    def num(self):
        """A number as text, usually an edge, sometimes not a number."""
        x = self.r.random()
        if x < 0.6:
            return str(self.pick(EDGE))
        if x < 0.8:
            return str(self.r.getrandbits(self.pick([8, 16, 32, 64])))
        return self.pick(JUNK)

    def u32(self):
        return self.pick(EDGE) if self.r.random() < 0.8 else self.r.getrandbits(32)

    def fields(self, gen, lo=0, hi=4):
        seps = [" "] * 6 + ["  ", "\t", ",", "\n", ""]
        out = ""
        for i in range(self.r.randint(lo, hi)):
            out += (self.pick(seps) if i else "") + gen()
        return out + self.pick(["\n", "\n", "", "\n\n", " \n"])


def ports(dev):
    net = "%s/devices/vmqnet%d/net" % (BUS, dev)
    return sorted(os.listdir(net), key=lambda n: int(read(
        "/sys/class/net/%s/dev_port" % n)))


def devices():
    return {int(d[6:]) for d in os.listdir(BUS + "/devices")}


def write(path, text):
    """A write of text as one system call; its errno, 0 if taken."""
    try:
        fd = os.open(path, os.O_WRONLY)
    except OSError as e:
        return e.errno
    try:
        os.write(fd, text.encode(errors="surrogateescape"))
        return 0
    except OSError as e:
        return e.errno
    finally:
        os.close(fd)


def ioctl(ifname, buf):
    try:
        SOCK.ethtool(ifname, buf)
        return 0
    except OSError as e:
        return e.errno


# ---- the inputs: each returns its errno, 0 if the kernel took it ----------

def new_device(c):
    text = c.fields(c.num, 0, 5)
    if c.r.random() < 0.05:
        text = "1" * c.pick([4095, 4096, 5000])
    before = devices()
    rc = write(BUS + "/new_device", text)
    for d in devices() - before:  # it was valid: undo it
        write(BUS + "/del_device", "%d\n" % d)
        c.valid += 1
    return rc


def del_device(c):
    text = c.fields(c.num, 0, 3)
    first = text.split()[0] if text.split() else ""
    if first.isdigit() and int(first) in (c.dev, c.peer):
        text = "junk " + text  # ours stay
    return write(BUS + "/del_device", text)


def link_end(c):
    fd = c.pick([c.ns, c.ns, c.ns, c.foreign, c.stale, c.file, c.mntns, 0,
                 1, 2, 999, "-1", "x", "", str(1 << 32)])
    ifx = c.pick([ifindex(p) for p in c.ports] + [ifindex(c.peer_port), 1,
                  0, 65535, "-5", "", "y", str(1 << 40)])
    sep = c.pick([":", ":", ":", "", "::", " ", ";"])
    return "%s%s%s" % (fd, sep, ifx)


def link_device(c):
    rc = write(BUS + "/link_device", c.fields(lambda: link_end(c), 0, 3))
    if rc == 0:  # valid: put the links back as bad_input.sh made them
        for p in c.ports:
            write(BUS + "/unlink_device", "%d:%d\n" % (c.ns, ifindex(p)))
        relink(c)
        c.valid += 1
    return rc


def unlink_device(c):
    rc = write(BUS + "/unlink_device", c.fields(lambda: link_end(c), 0, 2))
    if rc == 0:
        relink(c)
        c.valid += 1
    return rc


def relink(c):
    write(BUS + "/link_device", "%d:%d %d:%d\n" % (
        c.ns, ifindex(c.ports[0]), c.ns, ifindex(c.peer_port)))


def eth9(c, cmd, fields):
    vals = [cmd] + [0] * 8
    for i in fields:
        vals[i] = c.u32()
    for i in range(1, 9):
        if i not in fields and c.r.random() < 0.2:
            vals[i] = c.u32()
    return array.array("B", struct.pack("9I", *vals))


def channels(c):
    return ioctl(c.pick(c.ports), eth9(c, ETHTOOL_SCHANNELS, (5, 6, 7, 8)))


def rings(c):
    return ioctl(c.pick(c.ports), eth9(c, ETHTOOL_SRINGPARAM, (5, 6, 7, 8)))


def rand_bytes(c, n):
    return c.pick([bytes(n), b"\xff" * n, bytes(c.r.getrandbits(8) for _ in range(n))])


def rule_ins(c):
    buf = array.array("B", bytes(RXNFC_SIZE))
    struct.pack_into("I", buf, 0, ETHTOOL_SRXCLSRLINS)
    flow = ETHER_FLOW if c.r.random() < 0.4 else c.pick(FLOW_TYPES)
    struct.pack_into("I", buf, 16, flow | c.pick(FLOW_FLAGS))
    buf[20:72] = array.array("B", rand_bytes(c, 52))     # h_u
    buf[72:92] = array.array("B", rand_bytes(c, 20))     # h_ext
    buf[92:144] = array.array("B", rand_bytes(c, 52))    # m_u
    buf[144:164] = array.array("B", rand_bytes(c, 20))   # m_ext
    if c.r.random() < 0.3:  # a VLAN: tci in h_ext, all of it in m_ext
        struct.pack_into(">H", buf, 82, c.r.getrandbits(16))
        struct.pack_into(">H", buf, 154, c.pick([0xFFFF, 0x0FFF, 0]))
    struct.pack_into("Q", buf, 168, c.pick(COOKIES))
    struct.pack_into("I", buf, 176, c.pick(LOCS))
    if c.r.random() < 0.1:
        struct.pack_into("I", buf, 4, c.u32())  # rss context flag
    return ioctl(c.pick(c.ports), buf)


def rule_del(c):
    buf = array.array("B", bytes(RXNFC_SIZE))
    struct.pack_into("I", buf, 0, c.pick([ETHTOOL_SRXCLSRLDEL, ETHTOOL_GRXCLSRULE]))
    struct.pack_into("I", buf, 176, c.pick(LOCS))
    return ioctl(c.pick(c.ports), buf)


def feature_bit(ifname, name):
    """The bit of a feature, from the kernel's own names (ETH_SS_FEATURES)."""
    buf = array.array("B", struct.pack("IIQI", ETHTOOL_GSSET_INFO, 0,
                                       1 << ETH_SS_FEATURES, 0))
    SOCK.ethtool(ifname, buf)
    n = struct.unpack_from("I", buf, 16)[0]
    buf = array.array("B", struct.pack("III", ETHTOOL_GSTRINGS,
                                       ETH_SS_FEATURES, n) + bytes(32 * n))
    SOCK.ethtool(ifname, buf)
    names = [bytes(buf[12 + 32 * i:44 + 32 * i]).split(b"\0")[0].decode()
             for i in range(n)]
    return names.index(name)


def features(c):
    """-K: random words, or l2-fwd-offload (and its neighbours) alone."""
    size = c.pick([2, 2, 2, 0, 1, 3, 64, 1 << 20])
    blocks = [c.r.getrandbits(32) for _ in range(4)]  # valid, requested
    if c.r.random() < 0.6:
        bit = c.l2fwd + c.pick([0, 0, 0, -1, 1])
        blocks = [0] * 4
        blocks[bit // 32 * 2] = 1 << bit % 32
        blocks[bit // 32 * 2 + 1] = c.pick([1 << bit % 32, 0])
    buf = array.array("B", struct.pack("II4I", ETHTOOL_SFEATURES, size, *blocks))
    return ioctl(c.pick(c.ports), buf)


def dl_request(c, cmd, attrs):
    name = c.devname if c.r.random() < 0.9 else c.pick(["vmqnet999999", "", "x" * 300])
    bus = b"vmqnet\0" if c.r.random() < 0.95 else b"pci\0"
    msg = c.dl.message(c.dl.family, cmd, [(DEVLINK_ATTR_BUS_NAME, bus),
                                          (DEVLINK_ATTR_DEV_NAME, name.encode() + b"\0")] + attrs)
    return c.dl.send(msg)


def dl_param(c):
    typ = c.pick([1, 2, 3, 5, 6, 0, 9, 3, 6])
    n = c.pick([0, 1, 2, 4, 8, 3])
    data = c.pick([rand_bytes(c, n), struct.pack("I", c.u32()), b"x" * 40 + b"\0"])
    attrs = [(DL_ATTR_PARAM_NAME, c.pick(PARAMS).encode() + b"\0"),
             (DL_ATTR_PARAM_TYPE, bytes([typ])),
             (DL_ATTR_PARAM_VALUE_CMODE, bytes([c.pick([0, 1, 1, 2, 3, 255])]))]
    if c.r.random() < 0.9:
        attrs.append((DL_ATTR_PARAM_VALUE_DATA, data))
    return dl_request(c, DL_CMD_PARAM_SET, attrs)


def dl_resource(c):
    return dl_request(c, DL_CMD_RESOURCE_SET, [
        (DL_ATTR_RESOURCE_ID, struct.pack("Q", c.pick([0, 1, 2, 3, 99, (1 << 64) - 1]))),
        (DL_ATTR_RESOURCE_SIZE, struct.pack("Q", c.pick(EDGE + [(1 << 64) - 1, 1 << 40])))])


def dl_reload(c):
    attrs = []
    if c.r.random() < 0.8:
        attrs.append((DL_ATTR_RELOAD_ACTION, bytes([c.pick([0, 1, 2, 3, 255])])))
    if c.r.random() < 0.5:  # a bitfield32: value, selector
        attrs.append((DL_ATTR_RELOAD_LIMITS, struct.pack("II", c.u32(), c.u32())))
    if c.r.random() < 0.3:  # never a namespace that could take the device
        attrs.append(c.pick([(DL_ATTR_NETNS_FD, struct.pack("I", c.pick([c.stale, c.file, c.mntns]))),
                             (DL_ATTR_NETNS_PID, struct.pack("I", c.pick([0, 1 << 30, (1 << 32) - 1])))]))
    if not attrs or c.r.random() < 0.7:
        # A plain reload is valid; the bad ones are the point.
        attrs.append((DL_ATTR_RELOAD_ACTION, bytes([c.pick([2, 3, 0, 255])])))
    rc = dl_request(c, DEVLINK_CMD_RELOAD, attrs)
    if rc == 0:  # the ports are new: link them and bring them up again
        c.ports = ports(c.dev)
        relink(c)
        for p in c.ports:
            SOCK.set_up(p)
        c.valid += 1
    return rc


def dl_health(c):
    name = c.pick([b"vmq\0", b"vmq\0", b"\0", b"vmqx\0", b"v" * 200 + b"\0", b"vmq"])
    cmd = c.pick([DL_CMD_HEALTH_SET, DL_CMD_HEALTH_RECOVER,
                  DL_CMD_HEALTH_DIAGNOSE, DL_CMD_HEALTH_DUMP_CLEAR])
    attrs = [(DL_ATTR_HEALTH_NAME, name)]
    if cmd == DL_CMD_HEALTH_SET:
        attrs.append(c.pick([(DL_ATTR_HEALTH_GRACEFUL, struct.pack("Q", c.pick(EDGE + [(1 << 64) - 1]))),
                             (DL_ATTR_HEALTH_AUTO_RECOVER, bytes([c.pick([0, 1, 2, 255])]))]))
    return dl_request(c, cmd, attrs)


def knob(c):
    k = c.pick(KNOBS)
    path = "%s/%s/%s" % (DBG, c.devname, k)
    if c.r.random() < 0.2:
        path = "%s/race_delay_us" % DBG
        rc = write(path, c.pick(JUNK + [str(1 << 32), "1000001", str(1 << 31)]))
        write(path, "0\n")
        return rc
    rc = write(path, c.fields(c.num, 0, 2))
    write(path, c.knobs[k] + "\n")  # valid: put it back
    c.valid += 1
    return rc


def queue_id(c):
    p = c.r.randrange(3)
    return c.pick([str(p * QUEUES_PER_PORT + c.r.randrange(QUEUES_PER_PORT)),
                   str(p * QUEUES_PER_PORT), c.num()])


def user_cmd(c, text):
    return write(USER + "/cmd", text)


def user_alloc(c):
    args = [queue_id(c), c.pick(USAGES),
            c.pick([str(c.pick([1, 64, 4095, 4096, 65536])), c.num()])]
    if c.r.random() < 0.3:
        args.append(c.pick(["contig", "contiguous", "node=0", "node=-1",
                            "node=1", "node=999", "node=x", "node="]))
    if c.r.random() < 0.1:
        args += ["extra"] * c.r.randint(1, 6)
    rc = user_cmd(c, "alloc " + " ".join(args) + "\n")
    if rc == 0:
        res = read(USER + "/result")
        c.handles.append(res.split()[0].split("=")[1])
    return rc


def user_free(c):
    if c.handles and c.r.random() < 0.4:
        # Valid: one of its own (which FREE_QUEUE may have freed already).
        h = c.handles.pop(c.r.randrange(len(c.handles)))
        c.freed.append(h)
        c.valid += 1
        user_cmd(c, "free %s\n" % h)
        return None
    h = c.pick(c.freed) if c.freed and c.r.random() < 0.5 else c.num()
    return user_cmd(c, "free %s\n" % h)


def user_other(c):
    x = c.r.random()
    if x < 0.3:
        return user_cmd(c, "free_queue %s\n" % queue_id(c))
    if x < 0.5:
        return user_cmd(c, c.pick(["", "\n", "nope\n", "alloc\n", "free\n",
                                   "open\n", "provider\n", "provider maybe\n",
                                   "close now\n", "x" * 600 + "\n"]))
    if x < 0.7:
        rc = user_cmd(c, "open %s\n" % c.pick([c.num(), "999999", "-1"]))
        if rc == 0:  # another device: its own blocks were freed; back
            c.freed += c.handles
            c.handles = []
            user_cmd(c, "open %d\n" % c.dev)
            c.valid += 1
        return rc
    # Closed: every call refused; then open again (a valid operation).
    user_cmd(c, "close\n")
    c.freed += c.handles  # vmqnet freed what the client held
    c.handles = []
    rc = c.pick([user_alloc, user_free])(c)
    user_cmd(c, "open %d\n" % c.dev)
    c.valid += 2
    return rc


def after_removal(c):
    """A client's device removed under it: every call refused."""
    tmp = 200 + c.r.randrange(50)
    if write(BUS + "/new_device", "%d 1 2\n" % tmp):
        return errno.EEXIST
    user_cmd(c, "open %d\n" % tmp)
    user_cmd(c, "alloc 1 receive 4096\n")
    res = read(USER + "/result").split()
    h = res[0].split("=")[1] if res and res[0].startswith("handle=") else "1"
    write(BUS + "/del_device", "%d\n" % tmp)
    rc = user_cmd(c, c.pick(["alloc 1 receive 4096\n", "free %s\n" % h,
                             "free_queue 1\n", "alloc 0 receive 4096\n"]))
    user_cmd(c, "open %d\n" % c.dev)
    c.valid += 4
    return rc


INPUTS = [(new_device, 6), (del_device, 3), (link_device, 6),
          (unlink_device, 3), (channels, 6), (rings, 6), (rule_ins, 10),
          (rule_del, 4), (features, 4), (dl_param, 5), (dl_resource, 4),
          (dl_reload, 2), (dl_health, 4), (knob, 4), (user_alloc, 8),
          (user_free, 6), (user_other, 6), (after_removal, 1)]


# ---- the invariants ----------------------------------------------------------

def occupancy(dev):
    out = subprocess.run(["devlink", "resource", "show", "vmqnet/vmqnet%d" % dev],
                         capture_output=True, text=True, check=False).stdout
    for line in out.splitlines():
        w = line.split()
        if "shared_memory" in w and "occ" in w:
            return int(w[w.index("occ") + 1])
    return None


def invariants(ctx):
    """The broken invariants of every device, as lines."""
    bad = []
    for dev in sorted(devices()):
        d = "%s/vmqnet%d" % (DBG, dev)
        live = set()
        for p in os.listdir(d + "/ports"):
            for line in read("%s/ports/%s/queues" % (d, p)).splitlines()[1:]:
                w = line.split()
                live.add(int(w[1]))
                if w[2] not in STATES:
                    bad.append("vmqnet%d port %s queue %s: state %s" % (dev, p, w[0], w[2]))
        n = size = units = 0
        for line in read(d + "/shmem/blocks").splitlines()[1:]:
            w = line.split()
            if int(w[2]) not in live:
                bad.append("vmqnet%d: block %s of queue %s, which does not exist" %
                           (dev, w[0], w[2]))
            n += 1
            size += int(w[4])
            units += (int(w[4]) + PAGE - 1) // PAGE * PAGE // 4096
        tot = read(d + "/shmem/totals").split()
        if [int(tot[2]), int(tot[4]), int(tot[6])] != [n, size, units]:
            bad.append("vmqnet%d: totals %s, blocks add up to %d %d %d" %
                       (dev, " ".join(tot[1:7]), n, size, units))
        occ = occupancy(dev)
        if occ != units:
            bad.append("vmqnet%d: devlink occupancy %s, blocks %d units" % (dev, occ, units))
    for dev in (ctx.dev, ctx.peer):
        try:
            if len(ports(dev)) != (2 if dev == ctx.dev else 1):
                bad.append("vmqnet%d lost a port" % dev)
        except OSError:
            bad.append("vmqnet%d is gone" % dev)
    return bad


def main():
    dev, peer, count, seed = (int(a) for a in sys.argv[1:5])
    c = Ctx(dev, peer, seed)
    user_cmd(c, "open %d\n" % dev)
    funcs = [f for f, w in INPUTS for _ in range(w)]
    tried = refused = 0
    errnos, kinds = {}, {}
    while tried < count:
        f = c.pick(funcs)
        rc = f(c)
        if rc is None:  # a valid operation
            continue
        tried += 1
        kinds[f.__name__] = kinds.get(f.__name__, 0) + 1
        if rc:
            refused += 1
            e = errno.errorcode.get(rc, str(rc))
            errnos[e] = errnos.get(e, 0) + 1
        if tried % BATCH and tried < count:
            continue
        bad = invariants(c)
        if bad:
            print("# after input %d (%s): %s" % (tried, f.__name__, "; ".join(bad)))
            print("BAD %d %d" % (tried, refused))
            return 1
    for h in c.handles:
        user_cmd(c, "free %s\n" % h)
    user_cmd(c, "close\n")
    print("# inputs by kind: %s" % " ".join("%s=%d" % kv for kv in sorted(kinds.items())))
    print("# errnos: %s" % " ".join("%s=%d" % kv for kv in sorted(errnos.items())))
    print("# %d taken (valid after all, undone), %d valid operations between them" %
          (tried - refused, c.valid))
    print("BAD %d %d" % (tried, refused))
    return 0


if __name__ == "__main__":
    sys.exit(main())
