#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""An inetd in a few lines, for tests/preload/handover.tap.

handover.py MODE PROGRAM [ARG...]

Listens on 127.0.0.1 (a port the kernel picks), connects to itself,
accepts, and runs PROGRAM with the accepted connection handed over, with
HANDOVER_PRELOAD (if set) as its LD_PRELOAD -- the parent itself is not
preloaded. MODE:
    inetd        the connection on descriptors 0 and 1, as inetd does
    inetd-opts   the same after the parent set SO_KEEPALIVE=1 and
                 TCP_KEEPIDLE=500 on it (a choice that must stay)
    inetd-syncnt the same after the parent set TCP_SYNCNT=5 on it
    listen-fds   the connection on descriptor 3, LISTEN_FDS=1 and
                 LISTEN_PID=the program's PID, as systemd passes it
    listen-fds-other  the same with LISTEN_PID naming another process
Prints what PROGRAM printed: on its standard output (listen-fds), or what
arrived on the client end of the connection (inetd modes).  With
HANDOVER_DROPIN=1, then "syncnt=S window_clamp=W" as the connection holds
them once PROGRAM has ended.
"""
import os
import socket
import sys

from handexec import hand_over


def main():
    mode, argv = sys.argv[1], sys.argv[2:]
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    client = socket.create_connection(listener.getsockname(), timeout=20)
    conn, _ = listener.accept()
    listener.close()
    if mode == "inetd-opts":
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 500)
    if mode == "inetd-syncnt":
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_SYNCNT, 5)
    pid = hand_over(conn, mode, argv, os.environ.get("HANDOVER_PRELOAD"))
    _, status = os.waitpid(pid, 0)
    dropin = "syncnt=%d window_clamp=%d\n" % (
        conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_SYNCNT),
        conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_WINDOW_CLAMP))
    conn.close()
    if mode.startswith("inetd"):
        client.shutdown(socket.SHUT_WR)
        data = b""
        while True:
            chunk = client.recv(4096)
            if not chunk:
                break
            data += chunk
        sys.stdout.write(data.decode())
    if os.environ.get("HANDOVER_DROPIN") == "1":
        sys.stdout.write(dropin)
    client.close()
    sys.exit(os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode")
             else status >> 8)


if __name__ == "__main__":
    main()
