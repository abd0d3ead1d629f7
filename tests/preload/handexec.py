# SPDX-License-Identifier: MIT
"""How a socket is handed to a program at start, for the launchers of the
hand-over tests (handover.py, activate.py): the way inetd and systemd's
socket activation pass it."""
import os


def hand_over(sock, mode, argv, preload):
    """Runs ARGV in a child with SOCK handed over as MODE says and PRELOAD
    (if any) as its only LD_PRELOAD; returns the child's PID.  MODE
    "inetd..." (and "inetd-wait"): on descriptors 0 and 1; "listen-fds":
    on descriptor 3 with LISTEN_FDS=1 and LISTEN_PID the child's PID;
    "listen-fds-other": the same with LISTEN_PID naming another process."""
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    if preload:
        env["LD_PRELOAD"] = preload
    pid = os.fork()
    if pid == 0:
        try:
            if mode.startswith("inetd"):
                os.dup2(sock.fileno(), 0)
                os.dup2(sock.fileno(), 1)
            else:
                os.dup2(sock.fileno(), 3)
                os.set_inheritable(3, True)
                env["LISTEN_FDS"] = "1"
                env["LISTEN_PID"] = str(os.getpid() if mode == "listen-fds"
                                        else os.getppid())
            os.execvpe(argv[0], argv, env)
        finally:
            os._exit(127)
    return pid
