#!/usr/bin/python3
"""test_installed.py: the installed Debian packages (role: tests).

Run by scripts/test-packages after it installed safeload, libsafeload0,
libsafeload-dev and python3-safeload on this machine.  Uses only what the
packages installed: /usr/sbin/safeloadd started the way safeloadd.service
starts it (its ExecStart, as user safeload, under systemd-socket-activate),
/usr/bin/safeload, the Python module from dist-packages, and the -dev
files through pkg-config.  Prints TAP.
"""
import glob
import os
import re
import shutil
import signal
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import activation  # noqa: E402
import harness  # noqa: E402
from harness import Tap  # noqa: E402

UNIT = "/lib/systemd/system/safeloadd.service"
SOCKET_UNIT = "/lib/systemd/system/safeloadd.socket"
PACKAGES = ("safeload", "libsafeload0", "libsafeload-dev",
            "python3-safeload")
FILES = ("/usr/sbin/safeloadd", "/usr/libexec/safeload-worker",
         "/usr/bin/safeload", UNIT, SOCKET_UNIT,
         "/usr/lib/sysusers.d/safeload.conf",
         "/usr/lib/tmpfiles.d/safeload.conf",
         "/usr/include/safeload.h",
         "/usr/share/man/man1/safeload.1.gz",
         "/usr/share/man/man3/libsafeload.3.gz",
         "/usr/share/man/man8/safeloadd.8.gz",
         "/usr/lib/python3/dist-packages/safeload/__init__.py",
         "/usr/lib/python3/dist-packages/safeload/cntk.py")
ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
TIMEOUT_S = 120


def run(*argv, **kw):
    kw.setdefault("env", ENV)
    p = subprocess.run(list(argv), capture_output=True, text=True,
                       timeout=TIMEOUT_S, **kw)
    return p.returncode, p.stdout, p.stderr


def test_files(t):
    for pkg in PACKAGES:
        rc, out, _ = run("dpkg-query", "-W", "-f=${Status}", pkg)
        t.ok(rc == 0 and out == "install ok installed",
             "package %s is installed" % pkg)
    missing = [f for f in FILES if not os.path.exists(f)]
    t.ok(not missing, "files are in their standard places", missing)
    libs = glob.glob("/usr/lib/*/libsafeload.so.0")
    t.ok(len(libs) == 1, "libsafeload.so.0 is in the multiarch libdir")
    rc, out, err = run("pkg-config", "--modversion", "safeload")
    t.ok(rc == 0 and out.strip() != "", "pkg-config knows safeload " +
         out.strip(), err)
    rc, out, _ = run("getent", "passwd", "safeload")
    t.ok(rc == 0 and "/usr/sbin/nologin" in out,
         "postinst created the user safeload (sysusers.d)", out)
    t.ok(os.path.isdir("/run/safeload"),
         "postinst created /run/safeload (tmpfiles.d)")


def test_units(t):
    # Installed, the man pages that Documentation= names are checked too.
    rc, out, err = run("systemd-analyze", "verify", SOCKET_UNIT, UNIT)
    t.ok(rc == 0 and out.strip() == "" and err.strip() == "",
         "systemd-analyze verify is clean on the installed units",
         out + err)
    rc, out, err = run("systemd-analyze", "security", "--offline=true",
                       "--no-pager", UNIT)
    m = re.search(r"Overall exposure level for \S+: (\d+\.\d)", out)
    t.diag("installed unit exposure: %s" % (m.group(1) if m else "?"))
    t.ok(m is not None and float(m.group(1)) <= 1.0,
         "installed unit exposure <= 1.0", out + err)
    for page in ("safeload.1", "libsafeload.3", "safeload.conf.5",
                 "safeloadd.8"):
        rc, out, _ = run("man", "-w", page)
        t.ok(rc == 0, "man -w %s finds the installed page" % page)


def exec_start():
    with open(UNIT) as f:
        m = re.search(r"^ExecStart=(.*)$", f.read(), re.M)
    return m.group(1).split()


def start_daemon(tmp):
    """ExecStart of the unit, as User=safeload, on a socket passed by
    systemd-socket-activate, with the unit's /proc, as PID 1 would start
    it."""
    sock = os.path.join(tmp, "safeload.sock")
    argv = ["setpriv", "--reuid=safeload", "--regid=safeload",
            "--clear-groups", "--inh-caps=-all", "--no-new-privs"]
    with open(UNIT) as f:
        text = f.read()
    proc = activation.activate(sock, argv + exec_start(), text,
                               os.path.join(tmp, "daemon.log"), ENV)
    return proc, sock


def stop_daemon(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(harness.STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def real_model():
    """A real CNTK v2 model from the corpus, or None."""
    entries = [e for e in harness.corpus_entries("v2")
               if e[2]["size"] < 4 << 20]
    return max(entries, key=lambda e: e[2]["size"])[1] if entries else None


def test_cli(t, sock, tiny, udf):
    rc, out, err = run("safeload", "--socket", sock, "check", tiny)
    t.ok(rc == 0 and ": accept" in out,
         "installed safeload check accepts a good model", out + err)
    rc, out, err = run("safeload", "--socket", sock, "check", udf)
    t.ok(rc == 1 and "user-defined-function" in out,
         "installed safeload check rejects a native UDF", out + err)
    rc, out, err = run("safeload", "--socket", sock, "check", "--format",
                       "sarif", tiny, udf)
    t.ok(rc == 1 and '"version":"2.1.0"' in out, "sarif, exit 1", err)
    rc, out, err = run("safeload", "--socket", sock, "metrics")
    t.ok(rc == 0 and "safeload_requests_total" in out,
         "installed safeload metrics", out + err)
    rc, out, err = run("safeload", "check", "--local", udf)
    t.ok(rc == 1 and "user-defined-function" in out,
         "--local finds the installed worker", out + err)


def test_python(t, sock, model):
    code = ("import hashlib, safeload\n"
            "print(safeload.__file__)\n"
            "data = safeload.load(%r, socket=%r)\n"
            "print(len(data), hashlib.sha256(data).hexdigest())\n"
            "print(safeload.check(%r, socket=%r)['canonical_sha256'])\n"
            % (model, sock, model, sock))
    rc, out, err = run("/usr/bin/python3", "-c", code)
    lines = out.split("\n")
    t.ok(rc == 0 and lines[0].startswith("/usr/lib/python3/dist-packages")
         and len(lines) > 2 and lines[1].split()[1] == lines[2],
         "python3-safeload loads %s through the installed daemon" %
         os.path.basename(model), out + err)


def test_daemon(t, tmp):
    samples = os.path.join(harness.BUILD, "tests", "tools")
    tiny = os.path.join(samples, "tiny.model")
    udf = os.path.join(samples, "udf.model")
    if not os.path.exists(tiny):
        t.skip("no sample models in %s" % samples)
        return
    os.chmod(tmp, 0o755)
    proc, sock = start_daemon(tmp)
    if not t.ok(activation.listening(os.path.join(tmp, 'daemon.log')),
                "systemd-socket-activate listens"):
        proc.kill()
        proc.wait()
        return
    test_cli(t, sock, tiny, udf)
    test_python(t, sock, real_model() or tiny)
    test_dev(t, tmp, sock, tiny)
    with open(os.path.join(tmp, "daemon.log")) as f:
        log = f.read()
    t.ok(re.search(r"request \d+: uid \d+: sha256 [0-9a-f]{64}: accept", log) is not None,
         "the daemon logs one line per request", log)
    t.ok(stop_daemon(proc) == 0, "SIGTERM stops the installed daemon")


def test_dev(t, tmp, sock, tiny):
    """The C example, as shipped in libsafeload-dev, built with pkg-config
    against the installed header and library, run against the daemon."""
    src = "/usr/share/doc/libsafeload-dev/examples/load-model.c"
    exe = os.path.join(tmp, "load-model")
    rc, flags, err = run("pkg-config", "--cflags", "--libs", "safeload")
    if not t.ok(rc == 0 and os.path.exists(src),
                "libsafeload-dev ships the examples and safeload.pc", err):
        return
    rc, out, err = run("cc", "-Wall", "-Werror", "-o", exe, src,
                       *flags.split())
    t.ok(rc == 0, "the C example builds against the -dev package", err)
    rc, out, err = run(exe, tiny, env=dict(ENV, SAFELOAD_SOCKET=sock))
    t.ok(rc == 0 and "canonical model:" in out,
         "and loads a model through the installed daemon", out + err)


def main():
    if os.geteuid() != 0:
        harness.skip_all("needs root")
    if shutil.which("safeloadd", path=ENV["PATH"]) is None:
        harness.skip_all("the packages are not installed")
    t = Tap()
    tmp = harness.temp_dir("safeload-installed-")
    test_files(t)
    test_units(t)
    test_daemon(t, tmp)
    t.done()


if __name__ == "__main__":
    main()
