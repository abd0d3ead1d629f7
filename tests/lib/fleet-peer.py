# SPDX-License-Identifier: MIT
"""Programs and an oracle for tests/bpf/cgroup-existing.tap and
tests/running/metrics-timer.tap, independent of tcpkeep's code.

  fleet-peer.py serve PORT          listen on 127.0.0.1:PORT, accept for ever,
                                    keep every connection open
  fleet-peer.py connect PORT [IDLE] connect to 127.0.0.1:PORT and hold it;
                                    with IDLE, set SO_KEEPALIVE and
                                    TCP_KEEPIDLE=IDLE first, as a program
                                    with its own choice would
  fleet-peer.py read PID            one line per TCP socket of PID, read
                                    through pidfd_getfd(2) and getsockopt:
                                    local=A:P peer=A:P keepalive= idle=
                                    intvl= cnt=
  fleet-peer.py match JSON PROM     the connections of a --status --json
                                    listing counted by state, keepalive and
                                    source, at risk, attachments and not
                                    visible, compared with the gauges of a
                                    --status --prometheus output (parsed
                                    strictly: HELP and TYPE before the
                                    samples of each family); prints the
                                    differences, exit 1 when there is one

Events on stdout, flushed: "listening port=P", "accepted n=N", "connected".
"""

import ctypes
import json
import os
import re
import socket
import sys
import time


def emit(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def serve(port):
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", port))
    lsock.listen(64)
    # Port 0: the kernel's choice, which the caller reads here.
    emit("listening port=%d" % lsock.getsockname()[1])
    held = []
    while True:
        conn, _ = lsock.accept()
        held.append(conn)
        emit("accepted n=%d" % len(held))


def connect(port, idle):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if idle is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, idle)
    sock.connect(("127.0.0.1", port))
    emit("connected")
    while True:
        time.sleep(60)


def read(pid):
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = os.pidfd_open(pid)
    base = "/proc/%d/fd" % pid
    for name in sorted(os.listdir(base), key=int):
        try:
            if not os.readlink(os.path.join(base, name)).startswith("socket:"):
                continue
        except OSError:
            continue
        fd = libc.syscall(438, pidfd, int(name), 0)     # pidfd_getfd
        if fd < 0:
            continue
        sock = socket.socket(fileno=fd)
        try:
            if sock.type != socket.SOCK_STREAM or \
                    sock.family != socket.AF_INET:
                continue
            loc = "%s:%d" % sock.getsockname()
            try:
                peer = "%s:%d" % sock.getpeername()
            except OSError:
                peer = "-"
            get = sock.getsockopt
            print("local=%s peer=%s keepalive=%d idle=%d intvl=%d cnt=%d" % (
                loc, peer,
                get(socket.SOL_SOCKET, socket.SO_KEEPALIVE),
                get(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
                get(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL),
                get(socket.IPPROTO_TCP, socket.TCP_KEEPCNT)))
        finally:
            sock.close()
    os.close(pidfd)


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"(,|$)')


def parse_prom(text):
    """Samples by (name, sorted labels), strictly: every family has HELP
    and TYPE gauge before its samples, each once, and no sample twice."""
    helped, typed, samples, seen_family = set(), set(), {}, set()
    if not text.endswith("\n"):
        raise ValueError("no newline at the end")
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name = line.split(" ")[2]
            if name in helped or name in seen_family:
                raise ValueError("HELP again or late: " + line)
            helped.add(name)
        elif line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            if kind != "gauge" or name in typed or name in seen_family:
                raise ValueError("TYPE: " + line)
            typed.add(name)
        elif line.startswith("#") or not line:
            raise ValueError("unexpected line: %r" % line)
        else:
            m = SAMPLE.match(line)
            if not m:
                raise ValueError("not a sample: %r" % line)
            name, labels = m.group(1), ()
            if name not in helped or name not in typed:
                raise ValueError("sample before HELP/TYPE: " + line)
            seen_family.add(name)
            if m.group(3):
                found = LABEL.findall(m.group(3))
                if ",".join('%s="%s"' % (k, v) for k, v, _ in found) != \
                        m.group(3):
                    raise ValueError("labels: " + line)
                labels = tuple(sorted((k, v) for k, v, _ in found))
            if (name, labels) in samples:
                raise ValueError("twice: " + line)
            samples[(name, labels)] = float(m.group(4))
    return samples, helped


def match(json_path, prom_path):
    with open(json_path) as f:
        listing = json.load(f)
    with open(prom_path) as f:
        samples, families = parse_prom(f.read())
    want = {}
    for c in listing["connections"]:
        ka = {True: "on", False: "off", None: "unknown"}[c["keepalive"]]
        key = ("tcpkeep_connections", tuple(sorted(
            (("state", c["state"]), ("keepalive", ka),
             ("source", c["source"])))))
        want[key] = want.get(key, 0) + 1
    s = listing["summary"]
    want[("tcpkeep_connections_at_risk", ())] = s["at_risk"]
    want[("tcpkeep_max_idle_seconds", ())] = listing["max_idle_ms"] / 1000
    want[("tcpkeep_attachments", ())] = len(listing["attachments"])
    want[("tcpkeep_not_visible", (("kind", "sockets"),))] = s["not_visible"]
    want[("tcpkeep_not_visible", (("kind", "processes"),))] = \
        s["processes_not_visible"]
    bad = 0
    for name in ("tcpkeep_connections", "tcpkeep_connections_at_risk",
                 "tcpkeep_max_idle_seconds", "tcpkeep_attachments",
                 "tcpkeep_not_visible"):
        if name not in families:
            print("missing family %s" % name)
            bad = 1
    for key in sorted(set(want) | set(samples)):
        if want.get(key) != samples.get(key):
            print("%s%s: json %s, prometheus %s" % (
                key[0], dict(key[1]), want.get(key), samples.get(key)))
            bad = 1
    if not bad:
        print("match: %d samples" % len(samples))
    return bad


def main(argv):
    if len(argv) == 2 and argv[0] == "serve":
        serve(int(argv[1]))
    elif len(argv) in (2, 3) and argv[0] == "connect":
        connect(int(argv[1]), int(argv[2]) if len(argv) == 3 else None)
    elif len(argv) == 2 and argv[0] == "read":
        read(int(argv[1]))
    elif len(argv) == 3 and argv[0] == "match":
        return match(argv[1], argv[2])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
