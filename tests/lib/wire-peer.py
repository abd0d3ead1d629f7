# SPDX-License-Identifier: MIT
"""One end of a TCP connection for the wire scenarios (tests/wire/wire-*.test).

A plain program: it never sets a socket option itself, so whatever keepalive
or user timeout its socket has comes from libtcpkeep.so when that is in
LD_PRELOAD, and from the kernel's defaults otherwise.

  wire-peer.py serve PORT
      Accept one connection on 0.0.0.0:PORT, send a greeting, then block in
      recv() until the connection ends.
  wire-peer.py connect HOST PORT [--send-after SECONDS]
      Connect, read the greeting, optionally send a line after SECONDS of
      idleness, then block in recv() until the connection ends.

Events go to stdout, one line each, flushed at once:
  listening port=P
  connected t=0 boot=B           greeting sent (serve) / received (connect);
                                 B: CLOCK_BOOTTIME then, as in /proc/uptime
  sent bytes=N t=T
  data bytes=N t=T
  eof t=T
  error errno=NAME t=T tsend=T2  tsend: seconds since the send, if any
T is seconds (monotonic) since the connected event.
"""

import errno
import socket
import sys
import time


def emit(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def errname(exc):
    return errno.errorcode.get(exc.errno, str(exc.errno))


def hold(sock, t0, send_after):
    """Block in recv() on an established connection, report how it ends."""
    tsend = None
    if send_after is not None:
        time.sleep(send_after)
        try:
            sock.sendall(b"data after idle\n")
        except OSError as exc:
            emit("error errno=%s t=%.3f" % (errname(exc), time.monotonic() - t0))
            return
        tsend = time.monotonic()
        emit("sent bytes=16 t=%.3f" % (tsend - t0))
    while True:
        try:
            buf = sock.recv(4096)
        except OSError as exc:
            now = time.monotonic()
            extra = "" if tsend is None else " tsend=%.3f" % (now - tsend)
            emit("error errno=%s t=%.3f%s" % (errname(exc), now - t0, extra))
            return
        now = time.monotonic()
        if not buf:
            emit("eof t=%.3f" % (now - t0))
            return
        emit("data bytes=%d t=%.3f" % (len(buf), now - t0))


def serve(port):
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("0.0.0.0", port))
    lsock.listen(4)
    emit("listening port=%d" % port)
    conn, _ = lsock.accept()
    lsock.close()
    conn.sendall(b"hello\n")
    t0 = time.monotonic()
    emit("connected t=0 boot=%.3f" % time.clock_gettime(time.CLOCK_BOOTTIME))
    hold(conn, t0, None)


def connect(host, port, send_after):
    sock = socket.create_connection((host, port), timeout=10)
    sock.settimeout(None)
    greeting = b""
    while not greeting.endswith(b"\n"):
        chunk = sock.recv(64)
        if not chunk:
            emit("eof t=0")
            return
        greeting += chunk
    t0 = time.monotonic()
    emit("connected t=0 boot=%.3f" % time.clock_gettime(time.CLOCK_BOOTTIME))
    hold(sock, t0, send_after)


def main(argv):
    if len(argv) == 3 and argv[1] == "serve":
        serve(int(argv[2]))
    elif len(argv) in (4, 6) and argv[1] == "connect":
        send_after = None
        if len(argv) == 6:
            if argv[4] != "--send-after":
                raise SystemExit("usage: see the docstring")
            send_after = float(argv[5])
        connect(argv[2], int(argv[3]), send_after)
    else:
        raise SystemExit("usage: see the docstring")


if __name__ == "__main__":
    main(sys.argv)
