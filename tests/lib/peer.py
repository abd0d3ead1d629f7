# SPDX-License-Identifier: MIT
"""The unmodified Python program of the tests: it knows nothing of tcpkeep
and sets a socket option only when told to, so what its sockets hold came
from the library, tcpkeep --pid or eBPF mode.  One mode per caller:

    peer.py ports COUNT
    peer.py policy [OPTIONS] CONN...     loopback pairs, both ends read back
    peer.py wire serve|connect ...       one end of a wire scenario
    peer.py bpf serve|connect|connect-mptcp|peek ...   eBPF-mode tests
    peer.py running serve|connect|swap|move ...       --pid / --status tests

Each mode's usage is printed when it is called wrongly.
"""
import ctypes
import errno
import os
import random
import socket
import sys
import time

TCP_USER_TIMEOUT = getattr(socket, "TCP_USER_TIMEOUT", 18)
IPPROTO_MPTCP = 262
SYS_PIDFD_GETFD = 438


def emit(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def errname(exc):
    return errno.errorcode.get(exc.errno, str(exc.errno))


def usage(doc):
    sys.stderr.write(doc)
    sys.exit(2)


def recv_line(sock):
    """Bytes up to and including the first newline; fewer at EOF."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(64)
        if not chunk:
            break
        data += chunk
    return data

# ---------------------------------------------------------------- policy
POLICY = """    peer.py ports COUNT
        prints a port P such that P .. P+COUNT-1 are free on every address
        the tests use (below the ephemeral range, so no client takes them).

    peer.py policy [OPTIONS] CONN...
        CONN is FAMILY,SRC,DST,PORT[,LABEL[,SRCPORT]]:
          FAMILY  4 (AF_INET), 6 (AF_INET6) or m (AF_INET6 sockets on both
                  ends, v4-mapped addresses ::ffff:SRC and ::ffff:DST)
          SRC     address the client binds to before connect(), - for none
          DST     address the listener binds to and the client connects to
          PORT    listener port, 0 for one the kernel chooses
          SRCPORT port the client binds to (default: the kernel chooses)
        For each, in order: a listener, a client that connects, accept(),
        then lines "LABEL-out ...", "LABEL-in ..." and "LABEL-listen ..."
        of the form "keepalive=K idle=I intvl=N cnt=C user_timeout=U".
    OPTIONS
        --before NAME=V    setsockopt() on the client before connect()
        --after NAME=V     setsockopt() on the client after connect()
        --accepted NAME=V  setsockopt() on the accepted socket
        --listener NAME=V  setsockopt() on the listener before listen()
      each prints "LABEL-set WHERE NAME=V ret=R" (R 0, or -1 and the errno
      name; with the counting library of tests/preload/counter.c preloaded, then
      "calls=N", the setsockopt() calls that reached it) and the option
      read back as "LABEL-get WHERE NAME=VALUE".
      NAME: keepalive idle intvl cnt user_timeout nodelay rcvbuf.
"""

OPTIONS = {
    "keepalive": (socket.SOL_SOCKET, socket.SO_KEEPALIVE),
    "idle": (socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
    "intvl": (socket.IPPROTO_TCP, socket.TCP_KEEPINTVL),
    "cnt": (socket.IPPROTO_TCP, socket.TCP_KEEPCNT),
    # Not every Python names it; the value is the Linux one.
    "user_timeout": (socket.IPPROTO_TCP, TCP_USER_TIMEOUT),
    "nodelay": (socket.IPPROTO_TCP, socket.TCP_NODELAY),
    "rcvbuf": (socket.SOL_SOCKET, socket.SO_RCVBUF),
}
SHOWN = ("keepalive", "idle", "intvl", "cnt", "user_timeout")


def get(sock, name):
    level, opt = OPTIONS[name]
    try:
        return sock.getsockopt(level, opt)
    except OSError:
        return -1


def values(sock):
    """What the kernel holds: "keepalive=K idle=I intvl=N cnt=C user_timeout=U"."""
    return " ".join("%s=%d" % (n, get(sock, n)) for n in SHOWN)


def show(label, sock):
    print(label + " " + values(sock))


def counted_calls():
    """The counting library's setsockopt() total (tests/preload/counter.c), None
    without it."""
    try:
        return ctypes.c_ulong.in_dll(ctypes.CDLL(None), "tk_test_set_calls")
    except (ImportError, OSError, ValueError):
        return None


CALLS = counted_calls()


def setopts(label, where, sock, settings):
    for name, value in settings:
        level, opt = OPTIONS[name]
        before = CALLS.value if CALLS is not None else 0
        try:
            sock.setsockopt(level, opt, value)
            ret = "0"
        except OSError as e:
            ret = "-1 " + errno.errorcode.get(e.errno, str(e.errno))
        if CALLS is not None:
            ret += " calls=%d" % (CALLS.value - before)
        print("%s-set %s %s=%d ret=%s" % (label, where, name, value, ret))
        print("%s-get %s %s=%d" % (label, where, name, get(sock, name)))


def sockaddr(family, addr, port):
    if family == "m":
        return ("::ffff:" + addr, port)
    return (addr, port)


def one(spec, settings):
    fields = spec.split(",")
    if len(fields) == 4:
        fields.append("c")
    if len(fields) == 5:
        fields.append("0")
    family, src, dst, port, label, srcport = fields
    af = socket.AF_INET if family == "4" else socket.AF_INET6
    with socket.socket(af, socket.SOCK_STREAM) as lsock:
        if family == "m":
            lsock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        setopts(label, "listener", lsock, settings["--listener"])
        lsock.bind(sockaddr(family, dst, int(port)))
        lsock.listen(4)
        lsock.settimeout(10)
        bound = lsock.getsockname()[1]
        with socket.socket(af, socket.SOCK_STREAM) as client:
            client.settimeout(None)
            if family == "m":
                client.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            if int(srcport) != 0:
                client.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if src != "-":
                client.bind(sockaddr(family, src, int(srcport)))
            setopts(label, "before", client, settings["--before"])
            client.connect(sockaddr(family, dst, bound))
            setopts(label, "after", client, settings["--after"])
            accepted, peer = lsock.accept()
            with accepted:
                setopts(label, "accepted", accepted, settings["--accepted"])
                show(label + "-out", client)
                show(label + "-in", accepted)
                show(label + "-listen", lsock)
                print("%s-peer %s local-port=%d" %
                      (label, peer[0], accepted.getsockname()[1]))


def free_ports(count):
    """A block of COUNT ports free on the test addresses, or exit 1."""
    addrs = [(socket.AF_INET, a) for a in
             ("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.5")]
    addrs.append((socket.AF_INET6, "::1"))
    rng = random.Random()
    for _ in range(50):
        base = rng.randrange(20000, 32000 - count)
        held = []
        try:
            for port in range(base, base + count):
                for af, addr in addrs:
                    s = socket.socket(af, socket.SOCK_STREAM)
                    held.append(s)
                    s.bind((addr, port))
        except OSError:
            continue
        finally:
            for s in held:
                s.close()
        return base
    sys.exit("peer.py: no block of %d free ports found" % count)


def policy(argv):
    settings = {"--before": [], "--after": [], "--accepted": [],
                "--listener": []}
    conns = []
    args = iter(argv)
    for arg in args:
        if arg in settings:
            name, value = next(args).split("=")
            if name not in OPTIONS:
                sys.exit("peer.py: unknown option name " + name)
            settings[arg].append((name, int(value)))
        else:
            conns.append(arg)
    if not conns:
        usage(POLICY)
    for spec in conns:
        one(spec, settings)
    return 0


# ---------------------------------------------------------------- wire
WIRE = """One end of a TCP connection for the wire scenarios (tests/wire).

  peer.py wire serve PORT
      Accept one connection on 0.0.0.0:PORT, send a greeting, then block in
      recv() until the connection ends.
  peer.py wire connect HOST PORT [--send-after SECONDS]
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


def wire_serve(port):
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


def wire_connect(host, port, send_after):
    sock = socket.create_connection((host, port), timeout=10)
    sock.settimeout(None)
    if not recv_line(sock).endswith(b"\n"):
        emit("eof t=0")
        return
    t0 = time.monotonic()
    emit("connected t=0 boot=%.3f" % time.clock_gettime(time.CLOCK_BOOTTIME))
    hold(sock, t0, send_after)


def wire(argv):
    if len(argv) == 2 and argv[0] == "serve":
        wire_serve(int(argv[1]))
    elif len(argv) in (3, 5) and argv[0] == "connect":
        send_after = None
        if len(argv) == 5:
            if argv[3] != "--send-after":
                usage(WIRE)
            send_after = float(argv[4])
        wire_connect(argv[1], int(argv[2]), send_after)
    else:
        usage(WIRE)
    return 0


# ---------------------------------------------------------------- bpf
BPF = """The python3 end of the eBPF-mode tests (tests/bpf).

  peer.py bpf serve [--v6] [--mptcp] [--idle N] [--keepalive-off]
      Listen on 127.0.0.1 (or ::) port 0, print "listening port=P"; accept
      connections, print "accepted fd=N port=P" for each and keep them
      open, until killed.  --idle / --keepalive-off set that option on the
      listening socket (the accepted sockets inherit it); --mptcp listens
      on an MPTCP socket ("unsupported" and exit 0 without MPTCP).
  peer.py bpf connect HOST PORT
      Connect through an AF_INET6 socket (HOST may be ::ffff:127.0.0.1),
      print "connected fd=N", wait until killed.
  peer.py bpf connect-mptcp HOST PORT [--idle N] [--keepalive-off]
                                      [--idle-after N]
      The same through an MPTCP socket (AF_INET, IPPROTO_MPTCP); prints
      "unsupported" and exits 0 when the kernel has no MPTCP.  The
      options are set on it before connect (--idle-after: after), and
      "connected fd=N port=P set=R" names the local port and the result
      of the call after connect (0, or the errno).
  peer.py bpf peek PID FD
      Duplicate descriptor FD of process PID with pidfd_getfd(2) and print
      what the kernel holds for it:
      "keepalive=K idle=I intvl=V cnt=C user_timeout=U".
"""


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


def bpf_serve(args):
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


def bpf_connect(host, port, mptcp=False, args=()):
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


def bpf(argv):
    if len(argv) >= 1 and argv[0] == "serve":
        bpf_serve(argv[1:])
    elif len(argv) == 3 and argv[0] == "connect":
        bpf_connect(argv[1], int(argv[2]))
    elif len(argv) >= 3 and argv[0] == "connect-mptcp":
        bpf_connect(argv[1], int(argv[2]), mptcp=True, args=argv[3:])
    elif len(argv) == 3 and argv[0] == "peek":
        peek(int(argv[1]), int(argv[2]))
    else:
        usage(BPF)
    return 0


# ---------------------------------------------------------------- running
RUNNING = """A running program for the --pid / --status tests (tests/running).

  peer.py running serve PORT [--v6]
      Listen on 0.0.0.0:PORT (:::PORT with --v6), accept connections for
      ever, greet each with "hello", keep them all open.
  peer.py running connect HOST PORT [--own IDLE]
      Connect, read the greeting, then block in recv() until the
      connection ends.  --own: set SO_KEEPALIVE and TCP_KEEPIDLE=IDLE
      itself first, as a program with its own choice would.
  peer.py running swap HOST_A HOST_B PORT DIR
      Connect to HOST_A and to HOST_B, then wait (at most 60 s) for the
      file DIR/go, put the first socket on the second one's descriptor
      number with dup2(2), and create DIR/done: a program that changes
      what a descriptor holds while tcpkeep --pid looks at it.
  peer.py running move HOST PORT NETNS DIR
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


def running_serve(port, v6):
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


def running_connect(host, port, own):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    if own is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, own)
    sock.connect((host, port))
    recv_line(sock)
    t0 = time.monotonic()
    emit("connected t=0")
    while True:
        try:
            buf = sock.recv(4096)
        except OSError as exc:
            emit("error errno=%s t=%.3f" % (errname(exc),
                                              time.monotonic() - t0))
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


def running(argv):
    if len(argv) >= 2 and argv[0] == "serve":
        running_serve(int(argv[1]), "--v6" in argv[2:])
    elif len(argv) >= 3 and argv[0] == "connect":
        own = None
        if len(argv) == 5 and argv[3] == "--own":
            own = int(argv[4])
        running_connect(argv[1], int(argv[2]), own)
    elif len(argv) == 5 and argv[0] == "swap":
        swap(argv[1], argv[2], int(argv[3]), argv[4])
    elif len(argv) == 5 and argv[0] == "move":
        move(argv[1], int(argv[2]), argv[3], argv[4])
    else:
        usage(RUNNING)
    return 0


def ports(argv):
    if len(argv) != 1:
        usage(POLICY)
    print(free_ports(int(argv[0])))
    return 0


MODES = {
    "ports": ports,
    "policy": policy,
    "wire": wire,
    "bpf": bpf,
    "running": running,
}


def main(argv):
    if len(argv) < 1 or argv[0] not in MODES:
        usage(__doc__)
    return MODES[argv[0]](argv[1:]) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
