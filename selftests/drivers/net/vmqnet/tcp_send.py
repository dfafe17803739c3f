#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A TCP sender of a file for the vmqnet selftests.

  tcp_send.py DST PORT FILE [MSS]

It connects (retrying while no one listens, 10 s at most) and sends FILE
64 KiB at a time, each write once the one before is acknowledged
(SIOCOUTQ empty): TCP then cuts each into super-frames as large as the
window and TSO allow, whatever the speed of the machine. A full pipe
(socat's 8 KiB writes) would send what each ACK frees, as small as the
first frames were on a fast receiver. MSS, if given, is set with
TCP_MAXSEG before connecting.

Only the standard library: the selftests run it with python3 -S.
"""

import fcntl
import socket
import struct
import sys
import termios
import time

dst, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
mss = int(sys.argv[4]) if len(sys.argv) > 4 else 0
with open(path, "rb") as f:
    data = f.read()
for _ in range(100):
    s = socket.socket()
    if mss:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, mss)
    try:
        s.connect((dst, port))
        break
    except ConnectionRefusedError:
        s.close()
        time.sleep(0.1)
else:
    sys.exit("no listener")
for off in range(0, len(data), 65536):
    s.sendall(data[off:off + 65536])
    end = time.monotonic() + 10
    while struct.unpack("i", fcntl.ioctl(s, termios.TIOCOUTQ, bytes(4)))[0]:
        if time.monotonic() > end:
            sys.exit("not acknowledged in 10 s")
        time.sleep(0.0005)
s.close()
