#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The traffic of the vmqnet selftests: UDP datagrams to port 9, or
minimal Ethernet frames (ethertype 0x88b5, local experimental) sent raw
from an interface. Send errors are ignored: a sender keeps going whatever
happens to the link, and a flood ends by itself after SECS at the latest.

  send.py udp DST COUNT SIZE SECS [PACE]
      COUNT datagrams of SIZE bytes to DST (COUNT 0: until SECS seconds
      have passed), pausing PACE seconds after every 32; broadcast allowed.
  send.py udp -
      reads "DST COUNT [SIZE [FILL]]" lines (SIZE 64 if not given; FILL,
      0 if not given, the value of every payload byte) and answers
      each with "sent COUNT" once it has sent them, so that one process
      serves every bounded send (a python start costs seconds under TCG).
  send.py eth IFACE SECS DST... [--udp IP]
      frames from IFACE to each DST in turn until SECS seconds have
      passed, each followed by a 22-byte datagram to IP with --udp.
  send.py eth IFACE -
      reads "DST COUNT" lines and answers each with "sent COUNT" once it
      has sent COUNT frames to DST.

Only the standard library's socket, sys, time and itertools: the selftests
run it with python3 -S.
"""

import itertools
import socket
import sys
import time


def udp_send(s, dst, count, size, secs, pace=0, fill=0):
    data = bytes([fill]) * size
    end = time.monotonic() + secs
    for i in (range(count) if count else itertools.count()):
        if not count and not i % 1024 and time.monotonic() > end:
            break
        if pace and i % 32 == 31:
            time.sleep(pace)
        try:
            s.sendto(data, (dst, 9))
        except OSError:
            pass


def udp(args):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    if args[0] != "-":
        udp_send(s, args[0], int(args[1]), int(args[2]), float(args[3]),
                 float(args[4]) if len(args) > 4 else 0)
        return
    for line in sys.stdin:
        dst, count, *rest = line.split()
        udp_send(s, dst, int(count), int(rest[0]) if rest else 64, 0,
                 fill=int(rest[1]) if len(rest) > 1 else 0)
        print("sent", count, flush=True)


def eth(args):
    ifname = args[0]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    with open("/sys/class/net/%s/address" % ifname) as f:
        src = bytes.fromhex(f.read().strip().replace(":", ""))

    def frame(dst):
        return bytes.fromhex(dst.replace(":", "")) + src + b"\x88\xb5" + bytes(46)

    if args[1] == "-":
        for line in sys.stdin:
            dst, count = line.split()
            f = frame(dst)
            for _ in range(int(count)):
                try:
                    s.send(f)
                except OSError:
                    pass
            print("sent", count, flush=True)
        return
    dsts, udp_dst = args[2:], None
    if "--udp" in dsts:
        i = dsts.index("--udp")
        udp_dst, dsts = (dsts[i + 1], 9), dsts[:i]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    frames = [frame(d) for d in dsts]
    end = time.monotonic() + float(args[1])
    for i in itertools.count():
        if not i % 64 and time.monotonic() > end:
            break
        for f in frames:
            try:
                s.send(f)
                if udp_dst:
                    u.sendto(bytes(22), udp_dst)
            except OSError:
                time.sleep(0.001)


if __name__ == "__main__":
    {"udp": udp, "eth": eth}[sys.argv[1]](sys.argv[2:])
