# SPDX-License-Identifier: MIT
"""A process holding one loopback TCP connection (both ends) and its
listener, for tests/running/status-visible.tap.

    diag-holder.py OUT [--ka IDLE] [--netns PATH]

--ka IDLE: SO_KEEPALIVE and TCP_KEEPIDLE IDLE on both ends.  --netns
PATH: the sockets are made in that network namespace (setns), then the
process returns to its own, so it holds sockets of another namespace.
Writes OUT ("pid=P port=N cli=INODE srv=INODE") when ready, then sleeps
(at most 120 s)."""
import ctypes
import os
import socket
import sys
import time

out, args = sys.argv[1], sys.argv[2:]
ka = netns = None
while args:
    if args[0] == "--ka":
        ka = int(args[1])
    elif args[0] == "--netns":
        netns = args[1]
    args = args[2:]

libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000
if netns:
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    there = os.open(netns, os.O_RDONLY)
    if libc.setns(there, CLONE_NEWNET) != 0:
        sys.exit("setns: " + os.strerror(ctypes.get_errno()))
lst = socket.socket()
lst.bind(("127.0.0.1", 0))
lst.listen()
port = lst.getsockname()[1]
cli = socket.create_connection(("127.0.0.1", port))
srv, _ = lst.accept()
if netns and libc.setns(home, CLONE_NEWNET) != 0:
    sys.exit("setns back: " + os.strerror(ctypes.get_errno()))
for s in (cli, srv):
    if ka is not None:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, ka)
with open(out + ".tmp", "w") as f:
    f.write("pid=%d port=%d cli=%d srv=%d\n" % (
        os.getpid(), port, os.fstat(cli.fileno()).st_ino,
        os.fstat(srv.fileno()).st_ino))
os.rename(out + ".tmp", out)
time.sleep(120)
