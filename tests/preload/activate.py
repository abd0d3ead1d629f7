#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A listener handed over at start, for tests/preload/handover-listener.tap.

activate.py MODE PROGRAM [ARG...]
    Listens on 127.0.0.1 (a port the kernel picks) and runs PROGRAM with
    the listener handed over, with ACTIVATE_PRELOAD (if set) as its
    LD_PRELOAD -- this launcher itself is not preloaded.  MODE:
        listen-fds        on descriptor 3, LISTEN_FDS=1 and LISTEN_PID=the
                          program's PID, as systemd's socket activation
        listen-fds-other  the same with LISTEN_PID naming another process
        inetd-wait        on descriptors 0 and 1, as inetd runs a "wait"
                          service
    With ACTIVATE_DEFER=N the listener holds TCP_DEFER_ACCEPT=N before
    (the choice of whoever made it).  Then connects, sends a line, and
    prints "defer_accept=D REPLY": D read on this process's own descriptor
    of the listener once PROGRAM has answered (the same socket, read
    without tcpkeep), REPLY what PROGRAM answered.

activate.py serve FD
    The program: accepts one connection on the listener FD, reads a line,
    answers "keepalive=K" (SO_KEEPALIVE of the accepted connection) and
    "defer_accept=D" (TCP_DEFER_ACCEPT of the listener, as the kernel
    gives it to this process).
"""
import os
import socket
import sys

from handexec import hand_over

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                os.pardir, "lib"))
from peer import recv_line  # noqa: E402 (tests/lib, found above)

TIMEOUT = 20


def serve(fd):
    listener = socket.socket(fileno=fd)
    listener.settimeout(TIMEOUT)
    conn, _ = listener.accept()
    conn.settimeout(TIMEOUT)
    recv_line(conn)
    conn.sendall(b"keepalive=%d defer_accept=%d\n" % (
        conn.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) != 0,
        listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT)))
    conn.close()
    return 0


def launch(mode, argv):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if os.environ.get("ACTIVATE_DEFER"):
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT,
                            int(os.environ["ACTIVATE_DEFER"]))
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    pid = hand_over(listener, mode, argv, os.environ.get("ACTIVATE_PRELOAD"))
    reply = b""
    try:
        client = socket.create_connection(listener.getsockname(),
                                          timeout=TIMEOUT)
        client.sendall(b"hello\n")
        while True:
            chunk = client.recv(4096)
            if not chunk:
                break
            reply += chunk
        client.close()
    finally:
        _, status = os.waitpid(pid, 0)
    sys.stdout.write("defer_accept=%d %s" % (
        listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT),
        reply.decode() or "(no reply)\n"))
    listener.close()
    return status >> 8 if os.WIFEXITED(status) else 1


def main():
    if sys.argv[1] == "serve":
        return serve(int(sys.argv[2]))
    return launch(sys.argv[1], sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
