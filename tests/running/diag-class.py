# SPDX-License-Identifier: MIT
"""diag-class.py INODE: the cgroup v1 net_cls class id the kernel holds
for the TCP socket INODE of this network namespace (sock_diag's
INET_DIAG_CLASS_ID, which the kernel sends when INET_DIAG_TCLASS is
asked for), in hexadecimal; nothing when no such socket.  An oracle for
tests/running/status-visible.tap, independent of tcpkeep's code."""
import socket
import struct
import sys

INET_DIAG_TCLASS, INET_DIAG_CLASS_ID = 6, 17


def dump(family, want):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 4)
    s.connect((0, 0))
    req = struct.pack("=BBBBI", family, socket.IPPROTO_TCP,
                      1 << (INET_DIAG_TCLASS - 1), 0, 0xfff) + b"\0" * 48
    s.send(struct.pack("=IHHII", 16 + len(req), 20, 0x301, 1, 0) + req)
    while True:
        buf = s.recv(65536)
        off = 0
        while off + 16 <= len(buf):
            length, typ = struct.unpack_from("=IH", buf, off)
            if typ == 3:
                return None
            if typ == 2:
                sys.exit("sock_diag error")
            msg = buf[off + 16:off + length]
            if struct.unpack_from("=I", msg, 68)[0] == want:
                a = 72
                while a + 4 <= len(msg):
                    alen, atyp = struct.unpack_from("=HH", msg, a)
                    if atyp == INET_DIAG_CLASS_ID:
                        return struct.unpack_from("=I", msg, a + 4)[0]
                    a += (alen + 3) & ~3
            off += (length + 3) & ~3


inode = int(sys.argv[1])
for fam in (socket.AF_INET, socket.AF_INET6):
    c = dump(fam, inode)
    if c is not None:
        print("%#x" % c)
        break
