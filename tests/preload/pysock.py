# SPDX-License-Identifier: MIT
"""An ordinary python3 program for the tests: it uses the socket module as
any application would and prints what the kernel reports.  It knows
nothing of tcpkeep."""
import os
import socket
import subprocess
import sys

TCP = socket.IPPROTO_TCP


def opts(label, s):
    def get(level, name):
        try:
            return s.getsockopt(level, name)
        except OSError:
            return -1
    print("%s keepalive=%d idle=%d intvl=%d cnt=%d user_timeout=%d" % (
        label, get(socket.SOL_SOCKET, socket.SO_KEEPALIVE),
        get(TCP, socket.TCP_KEEPIDLE), get(TCP, socket.TCP_KEEPINTVL),
        get(TCP, socket.TCP_KEEPCNT), get(TCP, socket.TCP_USER_TIMEOUT)),
        flush=True)


def listener(family=socket.AF_INET, host="127.0.0.1"):
    lsock = socket.socket(family, socket.SOCK_STREAM)
    lsock.bind((host, 0))
    lsock.listen(8)
    return lsock


def pair(family, host, flags=0):
    """A client and the socket the server accepted for it."""
    lsock = listener(family, host)
    client = socket.socket(family, socket.SOCK_STREAM | flags)
    client.setblocking(True)
    client.connect(lsock.getsockname()[:2])
    server, _ = lsock.accept()
    return lsock, client, server


def main(mode):
    if mode in ("v4", "v6"):
        family, host = ((socket.AF_INET, "127.0.0.1") if mode == "v4"
                        else (socket.AF_INET6, "::1"))
        lsock, client, server = pair(family, host)
        opts("client", client)
        opts("accepted", server)
    elif mode == "flags":
        flags = socket.SOCK_NONBLOCK | socket.SOCK_CLOEXEC
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM | flags)
        opts("flags", s)
    elif mode == "program-off":
        lsock = listener()
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 0)
        s.connect(lsock.getsockname())
        opts("program", s)
    elif mode == "program-idle":
        lsock = listener()
        s = socket.socket()
        s.setsockopt(TCP, socket.TCP_KEEPIDLE, 300)
        s.connect(lsock.getsockname())
        opts("program", s)
    elif mode == "fork":
        pid = os.fork()
        if pid == 0:
            opts("child", socket.socket())
            os._exit(0)
        os.waitpid(pid, 0)
    elif mode == "parent":
        # This process runs without tcpkeep: it makes a listener and an
        # unconnected socket, and hands both to a child that runs with the
        # environment given on our command line (the tests put tcpkeep
        # there), as inetd, systemd or a supervisor would.
        lsock = listener()
        unconnected = socket.socket()
        preset = socket.socket()
        preset.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        preset.setsockopt(TCP, socket.TCP_KEEPIDLE, 500)
        opts("parent-listener", lsock)
        env = dict(os.environ)
        for assignment in sys.argv[2:]:
            name, _, value = assignment.partition("=")
            env[name] = value
        fds = (lsock.fileno(), unconnected.fileno(), preset.fileno())
        child = subprocess.Popen(
            [sys.executable, __file__, "child"] + [str(fd) for fd in fds]
            + [str(lsock.getsockname()[1])], env=env, pass_fds=fds)
        child.wait()
        sys.exit(child.returncode)
    elif mode == "child":
        lfd, ufd, pfd, port = (int(x) for x in sys.argv[2:6])
        lsock = socket.socket(fileno=lfd)
        unconnected = socket.socket(fileno=ufd)
        preset = socket.socket(fileno=pfd)
        unconnected.connect(("127.0.0.1", port))
        server, _ = lsock.accept()
        preset.connect(("127.0.0.1", port))
        opts("inherited-connect", unconnected)
        opts("inherited-accept", server)
        opts("inherited-preset", preset)
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main(sys.argv[1])
