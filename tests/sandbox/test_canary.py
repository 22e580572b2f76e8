#!/usr/bin/python3
"""test_canary.py: safeloadd's start-up sandbox self-check (role: tests).

Any build.  A real safeloadd on a temporary socket: its canary worker must
have died by SIGSYS, `safeload status` must list the layers it measured
(every mandatory one, the uid switch when root, Landlock when the kernel
has it) and name what is missing, and the log must say so once.  Then the
worker alone: `--canary` reports its layers on the socket and dies by
SIGSYS when told to go on.
"""
import os
import signal
import socket
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
import harness as h  # noqa: E402

MAGIC = 0x53424f58                  # SANDBOX_CANARY_MAGIC, "SBOX"
REPORT = struct.Struct("<IIII")     # magic, layers, landlock_abi, reserved
SECCOMP_BIT = 1 << 15
MANDATORY = ["fds", "rlimits", "nodump", "nocaps", "nnp", "seccomp"]

t = h.Tap()


def status_items(out):
    items = {}
    for line in out.splitlines():
        k, _, v = line.partition(":")
        items[k.strip()] = v.strip()
    return items


def check_daemon():
    d = h.Daemon()
    if not t.ok(d.start(), "safeloadd starts (its canary passed)",
                d.log() if d.proc else ""):
        d.stop()
        return 0
    rc, out, err = d.client("status")
    items = status_items(out)
    layers = items.get("sandbox_layers", "").split(",")
    t.ok(rc == 0 and items.get("sandbox_canary") == "killed-by-sigsys",
         "status: sandbox_canary killed-by-sigsys", out + err)
    t.ok(all(m in layers for m in MANDATORY),
         "status: every mandatory layer measured (%s)"
         % items.get("sandbox_layers"), out)
    if os.geteuid() == 0:
        t.ok("ids" in layers, "status: uid/gid switch measured (root)")
    else:
        t.skip("uid/gid switch needs root")
    abi = int(items.get("landlock_abi", "0") or 0)
    t.diag("landlock_abi %d; missing: %s" % (abi,
                                             items.get("sandbox_missing")))
    if abi > 0:
        t.ok("landlock" in layers, "status: Landlock measured (ABI %d)" % abi)
    else:
        t.skip("this kernel has no Landlock")
    t.ok("pidns" in items.get("sandbox_missing", ""),
         "status: the PID namespace is reported missing")
    log = d.log()
    d.stop()
    t.ok(log.count("sandbox self-check: canary killed by SIGSYS") == 1,
         "the log reports the self-check once", log)
    return abi


def check_worker_alone():
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    # close_fds would close our fd 3 after preexec_fn; the worker closes
    # everything above 3 itself (sandbox step 1).
    p = subprocess.Popen([h.WORKER, "--canary"], close_fds=False,
                         stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         env={},
                         preexec_fn=lambda: os.dup2(b.fileno(), 3))
    b.close()
    a.settimeout(10)
    try:
        data = a.recv(64)
    except OSError:
        data = b""
    ok = len(data) == REPORT.size
    magic, layers, _, _ = REPORT.unpack(data) if ok else (0, 0, 0, 0)
    t.ok(ok and magic == MAGIC and layers & SECCOMP_BIT,
         "worker --canary reports its layers (0x%x) from inside" % layers)
    a.close()
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    t.ok(p.returncode == -signal.SIGSYS,
         "worker --canary dies by SIGSYS on its forbidden open()",
         "returncode %s %s" % (p.returncode, p.stderr.read()))


def main():
    check_daemon()
    check_worker_alone()
    t.done()


main()
