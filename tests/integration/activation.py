"""activation.py: start safeloadd as its systemd unit would (role: tests).

systemd-socket-activate passes the listening socket, and the unit's
ProtectProc= and ProcSubset= are reproduced by mounting /proc with the same
options in a private mount namespace (the daemon's start-up self-check
reads its workers' /proc entries).  Used by test_systemd.py (the build's
unit) and tests/packages/test_installed.py (the installed one).
"""
import os
import re
import shutil
import subprocess
import time

import harness

ACTIVATE_LOG_READY = "Listening on "   # systemd-socket-activate, after listen()


def proc_options(unit_text):
    """The procfs mount options of the unit's ProtectProc= and ProcSubset=."""
    opts = []
    m = re.search(r"^ProtectProc=(\S+)", unit_text, re.M)
    if m and m.group(1) != "default":
        opts.append("hidepid=" + m.group(1))
    if re.search(r"^ProcSubset=pid", unit_text, re.M):
        opts.append("subset=pid")
    return opts


def unit_like(argv, unit_text):
    """As root, argv in a private mount namespace whose /proc is mounted
    as the unit mounts it; argv as it is otherwise."""
    opts = proc_options(unit_text)
    if os.geteuid() != 0 or not opts or shutil.which("unshare") is None:
        return argv
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c",
            'mount -t proc -o "$0" proc /proc && exec "$@"',
            ",".join(opts)] + argv


def listening(logpath):
    """systemd-socket-activate has logged that it listens."""
    try:
        with open(logpath) as f:
            return ACTIVATE_LOG_READY in f.read()
    except OSError:
        return False


def activate(sock, argv, unit_text, logpath, env):
    """systemd-socket-activate on `sock` running argv (the daemon, and
    whatever drops privileges before it) as the unit would; returns the
    process once it listens, it exits, or harness.START_TIMEOUT_S passed.
    The socket file exists from bind(), but connect() is refused until
    listen(): so wait for the line systemd-socket-activate logs after."""
    full = ["systemd-socket-activate", "--seqpacket", "-l", sock] + argv
    with open(logpath, "w") as log:
        proc = subprocess.Popen(unit_like(full, unit_text),
                                stdin=subprocess.DEVNULL, stdout=log,
                                stderr=log, env=env)
    deadline = time.monotonic() + harness.START_TIMEOUT_S
    while time.monotonic() < deadline and not listening(logpath):
        if proc.poll() is not None:
            break
        time.sleep(0.01)
    return proc
