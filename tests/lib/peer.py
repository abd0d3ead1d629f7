# SPDX-License-Identifier: MIT
"""An unmodified Python program for the policy tests: it makes loopback
connections between addresses of its caller's choosing and prints what the
kernel says about both ends.  It knows nothing of tcpkeep.

    peer.py ports COUNT
        prints a port P such that P .. P+COUNT-1 are free on every address
        the tests use (below the ephemeral range, so no client takes them).

    peer.py [OPTIONS] CONN...
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
import errno
import random
import socket
import sys

OPTIONS = {
    "keepalive": (socket.SOL_SOCKET, socket.SO_KEEPALIVE),
    "idle": (socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
    "intvl": (socket.IPPROTO_TCP, socket.TCP_KEEPINTVL),
    "cnt": (socket.IPPROTO_TCP, socket.TCP_KEEPCNT),
    # Not every Python names it; the value is the Linux one.
    "user_timeout": (socket.IPPROTO_TCP,
                     getattr(socket, "TCP_USER_TIMEOUT", 18)),
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


def show(label, sock):
    print(label + " " + " ".join("%s=%d" % (n, get(sock, n)) for n in SHOWN))


def counted_calls():
    """The counting library's setsockopt() total (tests/preload/counter.c), None
    without it."""
    try:
        import ctypes
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


def main(argv):
    if len(argv) == 3 and argv[1] == "ports":
        print(free_ports(int(argv[2])))
        return 0
    settings = {"--before": [], "--after": [], "--accepted": [],
                "--listener": []}
    conns = []
    args = iter(argv[1:])
    for arg in args:
        if arg in settings:
            name, value = next(args).split("=")
            if name not in OPTIONS:
                sys.exit("peer.py: unknown option name " + name)
            settings[arg].append((name, int(value)))
        else:
            conns.append(arg)
    if not conns:
        sys.exit(__doc__)
    for spec in conns:
        one(spec, settings)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
