#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Bind a udmabuf to an RX queue through netdev netlink's bind-rx, as
devmem TCP does (Linux 6.12), and report what the kernel answered:

  devmem_bind.py IFINDEX QUEUE...

makes a dmabuf of 16 pages (a sealed memfd through /dev/udmabuf), sends
NETDEV_CMD_BIND_RX for each QUEUE of IFINDEX in turn, one request each,
and prints one line per request:

  ok id=BINDING_ID          the binding holds until this process exits
  err=ERRNO_NAME msg=TEXT   the refusal, with the extack message if any

It exits 0 once it has an answer, 1 if it could not ask. No ynl here:
the attribute numbers are those of include/uapi/linux/netdev.h (6.12).
Only the standard library: the selftests run it with python3 -S.
"""

import errno
import fcntl
import os
import socket
import struct
import sys

NETLINK_GENERIC = 16
SOL_NETLINK, NETLINK_EXT_ACK = 270, 11
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLM_F_CAPPED, NLM_F_ACK_TLVS = 0x100, 0x200
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLA_F_NESTED = 0x8000
NLMSGERR_ATTR_MSG = 1
GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 16, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2
NETDEV_CMD_BIND_RX = 13
NETDEV_A_DMABUF_IFINDEX, NETDEV_A_DMABUF_QUEUES = 1, 2
NETDEV_A_DMABUF_FD, NETDEV_A_DMABUF_ID = 3, 4
NETDEV_A_QUEUE_ID, NETDEV_A_QUEUE_TYPE = 1, 3
NETDEV_QUEUE_TYPE_RX = 0
# _IOW('u', 0x42, struct udmabuf_create): u32 memfd, u32 flags, u64
# offset, u64 size.
UDMABUF_CREATE = (1 << 30) | (24 << 16) | (ord("u") << 8) | 0x42
DMABUF_SIZE = 16 * 4096


def nla(typ, data):
    hdr = struct.pack("HH", 4 + len(data), typ)
    return hdr + data + b"\0" * (-len(data) % 4)


def attrs(buf):
    """The attributes in buf as {type: payload}."""
    out, off = {}, 0
    while off + 4 <= len(buf):
        ln, typ = struct.unpack_from("HH", buf, off)
        if ln < 4:
            break
        out[typ & 0x3FFF] = buf[off + 4:off + ln]
        off += (ln + 3) & ~3
    return out


class Genl:
    def __init__(self):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                               NETLINK_GENERIC)
        self.s.bind((0, 0))
        self.s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.seq = 0

    def request(self, family, cmd, version, payload):
        """Send a request; return (error, extack message, reply attrs)."""
        self.seq += 1
        body = struct.pack("BBH", cmd, version, 0) + payload
        msg = struct.pack("IHHII", 16 + len(body), family,
                          NLM_F_REQUEST | NLM_F_ACK, self.seq, 0) + body
        self.s.send(msg)
        reply = {}
        while True:
            data = self.s.recv(65536)
            off = 0
            while off + 16 <= len(data):
                ln, typ, flags, seq, _ = struct.unpack_from("IHHII", data, off)
                if ln < 16:
                    raise OSError("bad netlink message")
                part = data[off:off + ln]
                off += (ln + 3) & ~3
                if seq != self.seq:
                    continue
                if typ == NLMSG_ERROR:
                    err = -struct.unpack_from("i", part, 16)[0]
                    msg = ""
                    if flags & NLM_F_ACK_TLVS:
                        # The request is echoed whole unless capped.
                        echo = 16 if flags & NLM_F_CAPPED else \
                            struct.unpack_from("I", part, 20)[0]
                        tlv = attrs(part[20 + ((echo + 3) & ~3):])
                        raw = tlv.get(NLMSGERR_ATTR_MSG, b"")
                        msg = raw.rstrip(b"\0").decode(errors="replace")
                    return err, msg, reply
                if typ == NLMSG_DONE:
                    return 0, "", reply
                reply = attrs(part[20:])

    def family(self, name):
        err, msg, rep = self.request(
            GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1,
            nla(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0"))
        if err:
            raise OSError(err, "family %s: %s" % (name, msg))
        return struct.unpack("H", rep[CTRL_ATTR_FAMILY_ID][:2])[0]


def udmabuf():
    """A dmabuf fd over a sealed memfd, as udmabuf requires."""
    memfd = os.memfd_create("vmqnet-devmem", os.MFD_ALLOW_SEALING)
    os.ftruncate(memfd, DMABUF_SIZE)
    fcntl.fcntl(memfd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK)
    dev = os.open("/dev/udmabuf", os.O_RDWR)
    req = struct.pack("IIQQ", memfd, 0, 0, DMABUF_SIZE)
    # The new fd is the ioctl's return value, which fcntl.ioctl gives
    # back only for a buffer it may mutate.
    fd = fcntl.ioctl(dev, UDMABUF_CREATE, bytearray(req), True)
    os.close(dev)
    os.close(memfd)
    return fd


def main(argv):
    ifindex = int(argv[1])
    try:
        fd = udmabuf()
        nl = Genl()
        fam = nl.family("netdev")
    except OSError as e:
        print("cannot ask: %s" % e, file=sys.stderr)
        return 1
    for queue in argv[2:]:
        q = nla(NETDEV_A_QUEUE_ID, struct.pack("I", int(queue))) + \
            nla(NETDEV_A_QUEUE_TYPE, struct.pack("I", NETDEV_QUEUE_TYPE_RX))
        payload = nla(NETDEV_A_DMABUF_IFINDEX, struct.pack("I", ifindex)) + \
            nla(NETDEV_A_DMABUF_FD, struct.pack("I", fd)) + \
            nla(NETDEV_A_DMABUF_QUEUES | NLA_F_NESTED, q)
        err, msg, rep = nl.request(fam, NETDEV_CMD_BIND_RX, 1, payload)
        if err:
            # Python names errno 95 ENOTSUP; the kernel's name is this.
            name = "EOPNOTSUPP" if err == errno.EOPNOTSUPP else \
                errno.errorcode.get(err, str(err))
            print("err=%s msg=%s" % (name, msg))
        else:
            bid = rep.get(NETDEV_A_DMABUF_ID, b"\0" * 4)
            print("ok id=%d" % struct.unpack("I", bid[:4])[0])
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
