# SPDX-License-Identifier: MIT
"""The far end for tests/wire/discover-*.test: any TCP service.

  discover-listen.py ADDRESS PORT [GREET_AFTER]

Listens on ADDRESS:PORT (IPv4 or IPv6), accepts every connection and holds
it open, never closing one, so that only the path can end them.  With
GREET_AFTER (seconds) each connection is sent one line that long after it
was accepted, as a service with a greeting does.  One line per event on
stdout, flushed at once:
  listening
  accepted peer=ADDRESS port=PORT
"""

import selectors
import socket
import sys
import time


def main(argv):
    addr, port = argv[1], int(argv[2])
    greet_after = float(argv[3]) if len(argv) > 3 else None
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    lsn = socket.socket(family, socket.SOCK_STREAM)
    lsn.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsn.bind((addr, port))
    lsn.listen(128)
    sel = selectors.DefaultSelector()
    sel.register(lsn, selectors.EVENT_READ)
    held, greet = [], []
    print("listening", flush=True)
    while True:
        timeout = None
        if greet:
            timeout = max(0.0, greet[0][0] - time.monotonic())
        for key, _ in sel.select(timeout):
            if key.fileobj is lsn:
                conn, peer = lsn.accept()
                held.append(conn)
                print("accepted peer=%s port=%d" % (peer[0], peer[1]), flush=True)
                if greet_after is not None:
                    greet.append((time.monotonic() + greet_after, conn))
        while greet and greet[0][0] <= time.monotonic():
            try:
                greet.pop(0)[1].send(b"hello from the service\n")
            except OSError:
                pass


if __name__ == "__main__":
    main(sys.argv)
