# SPDX-License-Identifier: GPL-2.0
"""System calls of the vmqnet selftests that ip, ethtool and devlink would
make in tasks of their own: SIOCETHTOOL and interface flags ioctls, a
devlink generic netlink socket, and the state of every vmqnet device as
debugfs, sysfs and ethtool show it (state()). fault_sweep.py and
bad_input.py import it.

Run as "vmqsys.py stats FILE", it serves ethtool -S to lib.sh
(vmq_estats): each request line "NETNS_FILE IFNAME" gets the interface's
counters, one "name value" line each, written to FILE, then a line "." on
stdout; or a line "! " and what failed. One process answers all of a
script's reads, in any namespace: under TCG an ethtool started in a
namespace costs a quarter to half a second, a request a few milliseconds.
The answer goes through a file because a shell reads a pipe a byte at a
time, and a file in blocks: 70 ms against 8 for ethtool -S of a port
with 16 queues in the debug guest.

The server answers two more requests about a netdev of that namespace,
"NETNS_FILE IFNAME netdev": what netdev generic netlink (6.8+ queue-get,
6.10+ qstats-get; class Netdev) says of its queues, and
"NETNS_FILE IFNAME listen ADDR PORT", then "NETNS_FILE IFNAME napi-id N":
a UDP socket bound there, and the NAPI that delivered to it (below).

Run as "vmqsys.py rules IFNAME add QUEUE MAC..." or "... del LOC...", it
makes ethtool -N's ioctls for many rules in one process (vmq_rules).
"vmqsys.py param-set DEV NAME VALUE CMODE" sets a u32 devlink param with
that cmode (runtime, driverinit) as the kernel sees it: the devlink tool
refuses a cmode the param does not list before it asks the kernel.
"""

import array
import ctypes
import errno
import fcntl
import os
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
ETHTOOL_GSTRINGS, ETHTOOL_GSTATS, ETHTOOL_GSSET_INFO = 0x1B, 0x1D, 0x37
ETH_SS_STATS, ETH_GSTRING_LEN = 1, 32
CLONE_NEWNET = 0x40000000
ETHER_FLOW = 0x12
RX_CLS_LOC_ANY = 0xFFFFFFFF
RXNFC_SIZE = 192  # struct ethtool_rxnfc on x86_64, with its layout below
NLMSG_ERROR = 2
NETLINK_GENERIC = 16
GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 16, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2
DEVLINK_CMD_RELOAD, DEVLINK_ATTR_BUS_NAME, DEVLINK_ATTR_DEV_NAME = 37, 1, 2
DEVLINK_CMD_PARAM_SET, DEVLINK_ATTR_PARAM_NAME, DEVLINK_ATTR_PARAM_TYPE = 39, 81, 83
DEVLINK_ATTR_PARAM_VALUE_DATA, DEVLINK_ATTR_PARAM_VALUE_CMODE = 86, 87
DEVLINK_PARAM_TYPE_U32 = 3
DEVLINK_CMODES = {"runtime": 0, "driverinit": 1}
NLMSG_DONE = 3
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 0x1, 0x4, 0x300
# <uapi/linux/netdev.h> of 6.12
NETDEV_CMD_QUEUE_GET, NETDEV_CMD_NAPI_GET, NETDEV_CMD_QSTATS_GET = 10, 11, 12
NETDEV_A_NAPI_IFINDEX, NETDEV_A_NAPI_ID = 1, 2
NETDEV_A_QUEUE_ID, NETDEV_A_QUEUE_IFINDEX = 1, 2
NETDEV_A_QUEUE_TYPE, NETDEV_A_QUEUE_NAPI_ID = 3, 4
NETDEV_QUEUE_TYPES = ("rx", "tx")  # NETDEV_QUEUE_TYPE_RX, _TX
NETDEV_A_QSTATS_IFINDEX, NETDEV_A_QSTATS_QUEUE_TYPE = 1, 2
NETDEV_A_QSTATS_QUEUE_ID, NETDEV_A_QSTATS_SCOPE = 3, 4
NETDEV_QSTATS_SCOPE_QUEUE = 1
# NETDEV_A_QSTATS_RX_PACKETS (8) on, by their names in the netdev spec.
NETDEV_QSTATS = (
    "rx-packets", "rx-bytes", "tx-packets", "tx-bytes", "rx-alloc-fail",
    "rx-hw-drops", "rx-hw-drop-overruns", "rx-csum-complete",
    "rx-csum-unnecessary", "rx-csum-none", "rx-csum-bad", "rx-hw-gro-packets",
    "rx-hw-gro-bytes", "rx-hw-gro-wire-packets", "rx-hw-gro-wire-bytes",
    "rx-hw-drop-ratelimits", "tx-hw-drops", "tx-hw-drop-errors",
    "tx-csum-none", "tx-needs-csum", "tx-hw-gso-packets", "tx-hw-gso-bytes",
    "tx-hw-gso-wire-packets", "tx-hw-gso-wire-bytes",
    "tx-hw-drop-ratelimits", "tx-stop", "tx-wake")
NETDEV_A_QSTATS_FIRST = 8
SO_INCOMING_NAPI_ID = 56


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

    def set_up(self, ifname):
        fcntl.ioctl(self.s, SIOCSIFFLAGS,
                    self.flags_req(ifname, self.flags(ifname) | IFF_UP))


SOCK = Sock()
NETNS_FD = os.open("/proc/self/ns/net", os.O_RDONLY)
SETNS = ctypes.CDLL(None, use_errno=True).setns


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


def ethtool_stats(ifname, sock=SOCK):
    """[(name, value)] of ethtool -S, by the ioctls ethtool makes for it."""
    buf = array.array("B", struct.pack("IIQI", ETHTOOL_GSSET_INFO, 0, 1 << ETH_SS_STATS, 0))
    sock.ethtool(ifname, buf)
    n = struct.unpack_from("I", buf, 16)[0]
    buf = array.array("B", struct.pack("III", ETHTOOL_GSTRINGS, ETH_SS_STATS, n)
                      + bytes(n * ETH_GSTRING_LEN))
    sock.ethtool(ifname, buf)
    names = [bytes(buf[12 + i * ETH_GSTRING_LEN:12 + (i + 1) * ETH_GSTRING_LEN])
             .split(b"\0")[0].decode() for i in range(n)]
    # The count can change between the two calls (ethtool -L), and the
    # kernel writes as many values as it has then: room for more, and
    # names and values only if the counts agree.
    buf = array.array("B", struct.pack("II", ETHTOOL_GSTATS, n) + bytes(8 * (n + 1024)))
    sock.ethtool(ifname, buf)
    if struct.unpack_from("I", buf, 4)[0] != n:
        raise OSError(11, "the counters changed while read")
    return list(zip(names, struct.unpack_from("%dQ" % n, buf, 8)))


def in_netns(nsfile, fn, *args):
    """fn(*args) with the task in the network namespace of nsfile, and
    back in its own after: the server pins no namespace between requests
    (a port must go home when its namespace is deleted)."""
    fd = os.open(nsfile, os.O_RDONLY)
    try:
        if SETNS(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns")
        return fn(*args)
    finally:
        os.close(fd)
        SETNS(NETNS_FD, CLONE_NEWNET)


def netns_stats(ifname):
    sock = Sock()
    try:
        return ethtool_stats(ifname, sock)
    finally:
        sock.s.close()


def netns_netdev(ifname):
    """The "netdev" request: one line per queue, "queue TYPE ID napi
    NAPI_ID" (NAPI_ID - if the queue has none), then per queue "qstats TYPE
    ID NAME VALUE..." and the device's "qstats dev NAME VALUE...", with
    only the counters the driver reports, in the spec's order (none for a
    driver without qstats)."""
    nl = Netdev()
    try:
        idx = socket.if_nametoindex(ifname)
        out = ["queue %s %d napi %s" % (q["type"], q["id"], q.get("napi-id", "-"))
               for q in nl.queues(idx)]
        for scope in (NETDEV_QSTATS_SCOPE_QUEUE, 0):
            try:
                qstats = nl.qstats(idx, scope)
            except OSError as e:
                if e.errno != errno.EOPNOTSUPP:
                    raise
                break  # no stat ops: no qstats lines
            for q in qstats:
                what = "%s %d" % (q.pop("type"), q.pop("id")) if scope else "dev"
                out.append("qstats %s %s" % (what, " ".join(
                    "%s %d" % (n, q[n]) for n in NETDEV_QSTATS if n in q)))
        return "".join(line + "\n" for line in out)
    finally:
        nl.s.close()


LISTENER = []


def netns_listen(ifname, addr, port):
    """The "listen" request: a UDP socket on ADDR:PORT and IFNAME, which
    "napi-id" reads; the one before, if any, is closed."""
    while LISTENER:
        LISTENER.pop().close()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
    s.bind((addr, int(port)))
    LISTENER.append(s)
    return ""


def netns_napi_id(ifname, count):
    """The "napi-id COUNT" request: wait for COUNT datagrams on the
    listening socket, 10 s at most for each, and say "napi-id ID datagrams
    COUNT ifindex I": the NAPI that delivered the last (SO_INCOMING_NAPI_ID,
    what busy polling polls), and the ifindex of the device that NAPI
    belongs to by a napi-get of that id (the lookup busy polling makes)."""
    s = LISTENER[0]
    s.settimeout(10)
    for _ in range(int(count)):
        s.recv(65536)
    napi = s.getsockopt(socket.SOL_SOCKET, SO_INCOMING_NAPI_ID)
    nl = Netdev()
    try:
        dev = nl.napi_ifindex(napi) if napi else "-"
    finally:
        nl.s.close()
    return "napi-id %d datagrams %s ifindex %s\n" % (napi, count, dev)


REQUESTS = {
    (): netns_stats, ("netdev",): netns_netdev,
    ("listen",): netns_listen, ("napi-id",): netns_napi_id,
}


def serve_stats(path):
    """The "stats" server (the module docstring)."""
    for line in sys.stdin:
        try:
            nsfile, ifname, *what = line.split()
            fn = REQUESTS[tuple(what[:1])]
            if fn is netns_stats:
                stats = in_netns(nsfile, netns_stats, ifname)
                out = "".join("%s %d\n" % kv for kv in stats)
            else:
                out = in_netns(nsfile, fn, ifname, *what[1:])
            with open(path, "w") as f:
                f.write(out)
            status = "."
        except OSError as e:
            status = "! %s" % (os.strerror(e.errno) if e.errno else e)
        except socket.timeout:
            status = "! nothing received"
        except (ValueError, KeyError, TypeError):
            status = "! a request is NETNS_FILE IFNAME [netdev|listen ADDR PORT|napi-id N]"
        sys.stdout.write(status + "\n")
        sys.stdout.flush()


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


class Genl:
    """A generic netlink socket bound to the family NAME."""

    NAME = None

    def __init__(self):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.s.bind((0, 0))
        self.seq = 0
        try:
            reply = self.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                                 [(CTRL_ATTR_FAMILY_NAME, self.NAME.encode() + b"\0")])
        except OSError as e:
            self.s.close()
            raise OSError(e.errno, "no generic netlink family %s" % self.NAME) from e
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

    def message(self, family, cmd, attrs, flags=NLM_F_REQUEST | NLM_F_ACK):
        body = b""
        for typ, val in attrs:
            a = struct.pack("HH", 4 + len(val), typ) + val
            body += a.ljust((len(a) + 3) & ~3, b"\0")
        self.seq += 1
        hdr = struct.pack("IHHII", 20 + len(body), family, flags, self.seq, 0)
        return hdr + struct.pack("BBH", cmd, 1, 0) + body

    def dump(self, cmd, attrs):
        """The attributes of each message of a dump of cmd, a dict each."""
        self.s.send(self.message(self.family, cmd, attrs, NLM_F_REQUEST | NLM_F_DUMP))
        out = []
        for msg in self.replies(self.seq):
            if struct.unpack_from("H", msg, 4)[0] in (NLMSG_DONE, NLMSG_ERROR):
                err = struct.unpack_from("i", msg, 16)[0]
                if err:
                    raise OSError(-err, "dump")
                return out
            out.append(self.attrs(msg[20:]))
        return out

    def send(self, msg):
        """Send a request built beforehand; its errno (0 for success).
        An allocation that fails in the kernel's netlink code (the
        request's skb, or the ack's, which fault_sweep.py's fail-nth
        reaches) is that errno too, ENOBUFS."""
        seq = struct.unpack_from("I", msg, 8)[0]
        try:
            self.s.send(msg)
        except OSError as e:
            return e.errno
        while True:
            try:
                reply = self.s.recv(65536)
            except OSError as e:
                return e.errno
            typ, _, rseq = struct.unpack_from("HHI", reply, 4)
            # Acks of earlier requests (the family lookup's) come first.
            if typ == NLMSG_ERROR and rseq == seq:
                return -struct.unpack_from("i", reply, 16)[0]

    def replies(self, seq):
        """The messages that answer request seq, as they come, each
        whole; acks of earlier requests are passed over."""
        while True:
            data = self.s.recv(1 << 16)
            while len(data) >= 16:
                ln, _, _, rseq = struct.unpack_from("IHHI", data)
                if rseq == seq:
                    yield data[:ln]
                data = data[(ln + 3) & ~3:]

    def request(self, family, cmd, attrs):
        msg = self.message(family, cmd, attrs)
        self.s.send(msg)
        reply = next(self.replies(self.seq))
        if struct.unpack_from("H", reply, 4)[0] == NLMSG_ERROR:
            raise OSError(-struct.unpack_from("i", reply, 16)[0], "genl")
        return reply


class Devlink(Genl):
    """A generic netlink socket bound to the devlink family."""

    NAME = "devlink"


def nla_uint(val):
    """A u32 or u64 attribute (NLA_UINT: as wide as its value needs)."""
    return struct.unpack("I" if len(val) == 4 else "Q", val)[0]


class Netdev(Genl):
    """A generic netlink socket bound to the netdev family (6.3+)."""

    NAME = "netdev"

    def queues(self, idx):
        """queue-get of ifindex idx: [{"type", "id", "napi-id" if any}]."""
        out = []
        for a in self.dump(NETDEV_CMD_QUEUE_GET,
                           [(NETDEV_A_QUEUE_IFINDEX, struct.pack("I", idx))]):
            q = {"type": NETDEV_QUEUE_TYPES[nla_uint(a[NETDEV_A_QUEUE_TYPE])],
                 "id": nla_uint(a[NETDEV_A_QUEUE_ID])}
            if NETDEV_A_QUEUE_NAPI_ID in a:
                q["napi-id"] = nla_uint(a[NETDEV_A_QUEUE_NAPI_ID])
            out.append(q)
        return out

    def qstats(self, idx, scope):
        """qstats-get of ifindex idx in scope (0: the device): per queue
        (or one for the device) {counter name: value}, and "type" and "id"
        for a queue."""
        req = [(NETDEV_A_QSTATS_IFINDEX, struct.pack("I", idx))]
        if scope:
            req.append((NETDEV_A_QSTATS_SCOPE, struct.pack("I", scope)))
        out = []
        for a in self.dump(NETDEV_CMD_QSTATS_GET, req):
            q = {n: nla_uint(a[NETDEV_A_QSTATS_FIRST + i])
                 for i, n in enumerate(NETDEV_QSTATS)
                 if NETDEV_A_QSTATS_FIRST + i in a}
            if NETDEV_A_QSTATS_QUEUE_TYPE in a:
                q["type"] = NETDEV_QUEUE_TYPES[nla_uint(a[NETDEV_A_QSTATS_QUEUE_TYPE])]
                q["id"] = nla_uint(a[NETDEV_A_QSTATS_QUEUE_ID])
            out.append(q)
        return out

    def napi_ifindex(self, napi_id):
        """napi-get of napi_id: the ifindex of its device."""
        reply = self.request(self.family, NETDEV_CMD_NAPI_GET,
                             [(NETDEV_A_NAPI_ID, struct.pack("I", napi_id))])
        return nla_uint(self.attrs(reply[20:])[NETDEV_A_NAPI_IFINDEX])


def ifindex(ifname):
    return int(read("/sys/class/net/%s/ifindex" % ifname))


def rules(ifname, op, args):
    """ethtool -N's SRXCLSRLINS ("add QUEUE MAC...", each at the location
    the driver picks, printed) or SRXCLSRLDEL ("del LOC..."); stops at the
    first refusal, with its errno."""
    if op == "add":
        queue, todo = int(args[0]), args[1:]
    else:
        todo = args
    for arg in todo:
        if op == "add":
            buf = rxnfc_rule(ETHTOOL_SRXCLSRLINS, arg, queue, RX_CLS_LOC_ANY)
        else:
            buf = rxnfc_rule(ETHTOOL_SRXCLSRLDEL, loc=int(arg))
        try:
            SOCK.ethtool(ifname, buf)
        except OSError as e:
            sys.exit("%s: %s %s: %s" % (ifname, op, arg, os.strerror(e.errno)))
        if op == "add":
            print(struct.unpack_from("I", buf, 176)[0])


def param_set(dev, name, value, cmode):
    """DEVLINK_CMD_PARAM_SET of u32 param NAME of vmqnet/DEV; exits with
    the kernel's errno as a message when it refuses."""
    dl = Devlink()
    err = dl.send(dl.message(dl.family, DEVLINK_CMD_PARAM_SET, [
        (DEVLINK_ATTR_BUS_NAME, b"vmqnet\0"),
        (DEVLINK_ATTR_DEV_NAME, dev.encode() + b"\0"),
        (DEVLINK_ATTR_PARAM_NAME, name.encode() + b"\0"),
        (DEVLINK_ATTR_PARAM_TYPE, struct.pack("B", DEVLINK_PARAM_TYPE_U32)),
        (DEVLINK_ATTR_PARAM_VALUE_DATA, struct.pack("I", int(value))),
        (DEVLINK_ATTR_PARAM_VALUE_CMODE, struct.pack("B", DEVLINK_CMODES[cmode]))]))
    if err:
        sys.exit("%s %s %s cmode %s: %s" % (dev, name, value, cmode, os.strerror(err)))


if __name__ == "__main__" and sys.argv[1:2] == ["stats"] and len(sys.argv) == 3:
    serve_stats(sys.argv[2])
elif __name__ == "__main__" and sys.argv[1:2] == ["rules"] and \
        sys.argv[3:4] in (["add"], ["del"]):
    rules(sys.argv[2], sys.argv[3], sys.argv[4:])
elif __name__ == "__main__" and sys.argv[1:2] == ["param-set"] and len(sys.argv) == 6:
    param_set(*sys.argv[2:])
