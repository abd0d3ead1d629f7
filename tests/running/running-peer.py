# SPDX-License-Identifier: MIT
"""A running program for the --pid / --status tests (tests/running/running-*.test).

Unmodified: it sets no keepalive option unless told to with --own, so
whatever its sockets hold afterwards came from tcpkeep --pid (or the
library, when the test preloads it).

  running-peer.py serve PORT [--v6]
      Listen on 0.0.0.0:PORT (:::PORT with --v6), accept connections for
      ever, greet each with "hello", keep them all open.
  running-peer.py connect HOST PORT [--own IDLE]
      Connect, read the greeting, then block in recv() until the
      connection ends.  --own: set SO_KEEPALIVE and TCP_KEEPIDLE=IDLE
      itself first, as a program with its own choice would.
  running-peer.py swap HOST_A HOST_B PORT DIR
      Connect to HOST_A and to HOST_B, then wait (at most 60 s) for the
      file DIR/go, put the first socket on the second one's descriptor
      number with dup2(2), and create DIR/done: a program that changes
      what a descriptor holds while tcpkeep --pid looks at it.
  running-peer.py move HOST PORT NETNS DIR
      Connect, then wait (at most 60 s) for DIR/go, move this process
      into the network namespace NETNS (a name under /run/netns) with
      setns(2), the socket staying where it was, and create DIR/done.

Events on stdout, one line each, flushed at once:
  listening port=P
  accepted n=N
  connected t=0
  error errno=NAME t=T     recv() failed, T seconds after connecting
  eof t=T
  fds a=FD b=FD            swap: the two descriptors
  swapped                  swap: dup2 done
  moved                    move: setns done
"""

import ctypes
import errno
import os
import socket
import sys
import time


def emit(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def serve(port, v6):
    family = socket.AF_INET6 if v6 else socket.AF_INET
    lsock = socket.socket(family, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("::" if v6 else "0.0.0.0", port))
    lsock.listen(64)
    emit("listening port=%d" % port)
    held = []
    while True:
        conn, _ = lsock.accept()
        conn.sendall(b"hello\n")
        held.append(conn)
        emit("accepted n=%d" % len(held))


def connect(host, port, own):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    if own is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, own)
    sock.connect((host, port))
    greeting = b""
    while not greeting.endswith(b"\n"):
        part = sock.recv(64)
        if not part:
            break
        greeting += part
    t0 = time.monotonic()
    emit("connected t=0")
    while True:
        try:
            buf = sock.recv(4096)
        except OSError as exc:
            name = errno.errorcode.get(exc.errno, str(exc.errno))
            emit("error errno=%s t=%.3f" % (name, time.monotonic() - t0))
            return
        if not buf:
            emit("eof t=%.3f" % (time.monotonic() - t0))
            return


def swap(host_a, host_b, port, folder):
    held = []
    for host in (host_a, host_b):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.connect((host, port))
        held.append(sock)
    emit("fds a=%d b=%d" % (held[0].fileno(), held[1].fileno()))
    if not wait_go(folder):
        return
    os.dup2(held[0].fileno(), held[1].fileno())
    with open(os.path.join(folder, "done"), "w"):
        pass
    emit("swapped")
    time.sleep(300)


def wait_go(folder):
    go = os.path.join(folder, "go")
    for _ in range(600):
        if os.path.exists(go):
            return True
        time.sleep(0.1)
    emit("no go")
    return False


def move(host, port, netns, folder):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.connect((host, port))
    emit("connected t=0")
    if not wait_go(folder):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    nsfd = os.open(os.path.join("/run/netns", netns), os.O_RDONLY)
    if libc.setns(nsfd, 0x40000000) != 0:    # CLONE_NEWNET
        emit("error setns errno=%d" % ctypes.get_errno())
    os.close(nsfd)
    with open(os.path.join(folder, "done"), "w"):
        pass
    emit("moved")
    time.sleep(300)


def main(argv):
    if len(argv) >= 2 and argv[0] == "serve":
        serve(int(argv[1]), "--v6" in argv[2:])
    elif len(argv) >= 3 and argv[0] == "connect":
        own = None
        if len(argv) == 5 and argv[3] == "--own":
            own = int(argv[4])
        connect(argv[1], int(argv[2]), own)
    elif len(argv) == 5 and argv[0] == "swap":
        swap(argv[1], argv[2], int(argv[3]), argv[4])
    elif len(argv) == 5 and argv[0] == "move":
        move(argv[1], int(argv[2]), argv[3], argv[4])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
