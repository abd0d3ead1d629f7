# SPDX-License-Identifier: MIT
"""The python3 end of the eBPF-mode tests (tests/bpf/bpf-run.tap).

  bpf-peer.py serve [--v6] [--mptcp] [--idle N] [--keepalive-off]
      Listen on 127.0.0.1 (or ::) port 0, print "listening port=P"; accept
      connections, print "accepted fd=N port=P" for each and keep them
      open, until killed.  --idle / --keepalive-off set that option on the
      listening socket (the accepted sockets inherit it); --mptcp listens
      on an MPTCP socket ("unsupported" and exit 0 without MPTCP).
  bpf-peer.py connect HOST PORT
      Connect through an AF_INET6 socket (HOST may be ::ffff:127.0.0.1),
      print "connected fd=N", wait until killed.
  bpf-peer.py connect-mptcp HOST PORT [--idle N] [--keepalive-off]
                                      [--idle-after N]
      The same through an MPTCP socket (AF_INET, IPPROTO_MPTCP); prints
      "unsupported" and exits 0 when the kernel has no MPTCP.  The
      options are set on it before connect (--idle-after: after), and
      "connected fd=N port=P set=R" names the local port and the result
      of the call after connect (0, or the errno).
  bpf-peer.py peek PID FD
      Duplicate descriptor FD of process PID with pidfd_getfd(2) and print
      what the kernel holds for it:
      "keepalive=K idle=I intvl=V cnt=C user_timeout=U".
"""

import ctypes
import os
import socket
import sys
import time

SYS_PIDFD_GETFD = 438
TCP_USER_TIMEOUT = 18
IPPROTO_MPTCP = 262


def emit(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def values(sock):
    tcp = socket.IPPROTO_TCP
    return "keepalive=%d idle=%d intvl=%d cnt=%d user_timeout=%d" % (
        1 if sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) else 0,
        sock.getsockopt(tcp, socket.TCP_KEEPIDLE),
        sock.getsockopt(tcp, socket.TCP_KEEPINTVL),
        sock.getsockopt(tcp, socket.TCP_KEEPCNT),
        sock.getsockopt(tcp, TCP_USER_TIMEOUT))


def peek(pid, fd):
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = os.pidfd_open(pid)
    dup = libc.syscall(SYS_PIDFD_GETFD, pidfd, fd, 0)
    if dup < 0:
        err = ctypes.get_errno()
        sys.stderr.write("pidfd_getfd(%d, %d): %s\n" % (pid, fd, os.strerror(err)))
        sys.exit(1)
    os.close(pidfd)
    sock = socket.socket(fileno=dup)
    emit(values(sock))
    sock.close()


def serve(args):
    family = socket.AF_INET6 if "--v6" in args else socket.AF_INET
    if "--mptcp" in args:
        try:
            lsock = socket.socket(family, socket.SOCK_STREAM, IPPROTO_MPTCP)
        except OSError:
            emit("unsupported")
            return
    else:
        lsock = socket.socket(family, socket.SOCK_STREAM)
    if "--idle" in args:
        lsock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE,
                         int(args[args.index("--idle") + 1]))
    if "--keepalive-off" in args:
        lsock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 0)
    lsock.bind(("::" if family == socket.AF_INET6 else "127.0.0.1", 0))
    lsock.listen(16)
    emit("listening port=%d" % lsock.getsockname()[1])
    held = []
    while True:
        conn, _ = lsock.accept()
        held.append(conn)
        emit("accepted fd=%d port=%d" % (conn.fileno(), conn.getpeername()[1]))


def connect(host, port, mptcp=False, args=()):
    if mptcp:
        try:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM,
                                 IPPROTO_MPTCP)
        except OSError:
            emit("unsupported")
            return
    else:
        sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    if "--idle" in args:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE,
                        int(args[args.index("--idle") + 1]))
    if "--keepalive-off" in args:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 0)
    sock.connect((host, port))
    if not mptcp:
        emit("connected fd=%d" % sock.fileno())
    else:
        rc = 0
        if "--idle-after" in args:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE,
                                int(args[args.index("--idle-after") + 1]))
            except OSError as e:
                rc = e.errno
        emit("connected fd=%d port=%d set=%d" % (
            sock.fileno(), sock.getsockname()[1], rc))
    while True:
        time.sleep(60)


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "serve":
        serve(sys.argv[2:])
    elif len(sys.argv) == 4 and sys.argv[1] == "connect":
        connect(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) >= 4 and sys.argv[1] == "connect-mptcp":
        connect(sys.argv[2], int(sys.argv[3]), mptcp=True, args=sys.argv[4:])
    elif len(sys.argv) == 4 and sys.argv[1] == "peek":
        peek(int(sys.argv[2]), int(sys.argv[3]))
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


main()
