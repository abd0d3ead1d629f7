# SPDX-License-Identifier: MIT
"""The oracle of the --pid / --status tests: a process's TCP sockets and
their keepalive options, read from the kernel on its own (pidfd_getfd(2)
through ctypes, then getsockopt), without tcpkeep's code.

  running-read.py PID
      One line per TCP socket of PID:
      fd=N local=ADDR:PORT peer=ADDR:PORT keepalive=0|1 idle=S intvl=S
      cnt=N uto=MS
      (peer=-:0 for a listener).  Exit 2 when the process cannot be read.
"""

import ctypes
import os
import socket
import sys

SYS_PIDFD_OPEN = 434    # the same on every architecture (unified table)
SYS_PIDFD_GETFD = 438
TCP_USER_TIMEOUT = getattr(socket, "TCP_USER_TIMEOUT", 18)


def main(argv):
    pid = int(argv[0])
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = libc.syscall(SYS_PIDFD_OPEN, pid, 0)
    if pidfd < 0:
        sys.stderr.write("pidfd_open: %s\n" % os.strerror(ctypes.get_errno()))
        return 2
    for name in sorted(os.listdir("/proc/%d/fd" % pid), key=int):
        try:
            link = os.readlink("/proc/%d/fd/%s" % (pid, name))
        except OSError:
            continue
        if not link.startswith("socket:["):
            continue
        dup = libc.syscall(SYS_PIDFD_GETFD, pidfd, int(name), 0)
        if dup < 0:
            sys.stderr.write("pidfd_getfd %s: %s\n"
                             % (name, os.strerror(ctypes.get_errno())))
            return 2
        sock = socket.socket(fileno=dup)
        try:
            if (sock.family not in (socket.AF_INET, socket.AF_INET6)
                    or sock.type != socket.SOCK_STREAM):
                continue
            local = sock.getsockname()
            try:
                peer = sock.getpeername()
            except OSError:
                peer = ("-", 0)
            print("fd=%s local=%s:%d peer=%s:%d keepalive=%d idle=%d intvl=%d cnt=%d uto=%d" % (
                name, local[0], local[1], peer[0], peer[1],
                sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) != 0,
                sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
                sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL),
                sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT),
                sock.getsockopt(socket.IPPROTO_TCP, TCP_USER_TIMEOUT)))
        finally:
            sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
