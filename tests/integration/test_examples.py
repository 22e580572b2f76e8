#!/usr/bin/python3
"""test_examples.py: the C and C++ examples of client/examples, run on the
sample models through a real safeloadd and with --local (role: tests).

argv: the built examples.  Exit codes are those of `safeload check`.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Tap  # noqa: E402

TINY = os.path.join(harness.SAMPLES, "tiny.model")
UDF = os.path.join(harness.SAMPLES, "udf.model")


def run(exe, sock, *args):
    env = {"PATH": "/usr/bin:/bin",
           "SAFELOAD_WORKER": os.path.abspath(harness.WORKER)}
    if sock:
        env["SAFELOAD_SOCKET"] = sock
    p = subprocess.run([exe] + list(args), capture_output=True, text=True,
                       timeout=harness.CLIENT_TIMEOUT_S, env=env)
    return p.returncode, p.stdout + p.stderr


def test_example(t, exe, sock):
    name = os.path.basename(exe)
    rc, out = run(exe, sock, TINY)
    t.ok(rc == 0 and "accept" in out and "canonical model: 1" in out,
         "%s: accepted through the daemon, canonical bytes mapped" % name,
         out)
    rc, out = run(exe, sock, UDF)
    t.ok(rc == 1 and "user-defined-function" in out,
         "%s: a native UDF is rejected, exit 1" % name, out)
    rc, out = run(exe, None, "--local", UDF)
    t.ok(rc == 1 and "user-defined-function" in out,
         "%s --local: rejected without a daemon" % name, out)
    rc, out = run(exe, sock, "/nonexistent.model")
    t.ok(rc == 2, "%s: a missing file exits 2" % name, out)


def main():
    exes = [e for e in sys.argv[1:] if os.path.exists(e)]
    if not exes:
        harness.skip_all("no examples built")
    t = Tap()
    d = harness.Daemon()
    if not t.ok(d.start(), "safeloadd starts"):
        t.done()
    try:
        for exe in exes:
            test_example(t, exe, d.socket)
    finally:
        t.ok(d.stop() == 0, "safeloadd stops cleanly")
    t.done()


if __name__ == "__main__":
    main()
