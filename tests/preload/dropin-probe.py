# SPDX-License-Identifier: MIT
"""Prints what the kernel holds on a listener, an outgoing and an accepted
socket: syncnt maxseg window_clamp defer_accept, one line each.  Argument
words: 'prog-defer' (the program sets TCP_DEFER_ACCEPT=30 before listen),
'prog-syncnt' (the program sets TCP_SYNCNT=5 on both sockets first)."""
import socket
import sys

T = socket.IPPROTO_TCP
OPTS = (socket.TCP_SYNCNT, socket.TCP_MAXSEG, socket.TCP_WINDOW_CLAMP,
        socket.TCP_DEFER_ACCEPT)


def show(s, tag):
    print(tag, " ".join(str(s.getsockopt(T, o)) for o in OPTS))


words = sys.argv[1:]
lst = socket.socket()
lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
if "prog-defer" in words:
    lst.setsockopt(T, socket.TCP_DEFER_ACCEPT, 30)
if "prog-syncnt" in words:
    lst.setsockopt(T, socket.TCP_SYNCNT, 5)
lst.bind(("127.0.0.1", 0))
lst.listen(5)
print("reuseaddr", lst.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR))
show(lst, "listener")
cli = socket.socket()
if "prog-syncnt" in words:
    cli.setsockopt(T, socket.TCP_SYNCNT, 5)
cli.connect(lst.getsockname())
cli.send(b"x")
acc, _ = lst.accept()
show(cli, "out")
show(acc, "in")
