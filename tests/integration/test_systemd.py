#!/usr/bin/python3
"""test_systemd.py: the systemd units and snippets (role: tests).

- `systemd-analyze verify` is clean on safeloadd.socket + safeloadd.service;
- `systemd-analyze security --offline=true` rates the service 1.0 or
  lower, and every setting it flags has a one-line reason in the unit;
- the sysusers.d and tmpfiles.d snippets apply to an empty root;
- safeloadd started by Debian's systemd-socket-activate, unprivileged as the
  unit runs it, serves requests over the socket it was passed.

Needs systemd-analyze, systemd-sysusers, systemd-tmpfiles and
systemd-socket-activate (Debian package systemd); skips without them.
"""
import os
import re
import shutil
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import activation  # noqa: E402
import harness  # noqa: E402
from harness import Tap  # noqa: E402

SYSTEMD_SRC = os.path.join(harness.SOURCE, "systemd")
SERVICE = os.path.join(harness.BUILD, "systemd", "safeloadd.service")
SOCKET = os.path.join(SYSTEMD_SRC, "safeloadd.socket")
MAX_EXPOSURE = 1.0
TOOL_TIMEOUT_S = 60


def run(*argv, **kw):
    p = subprocess.run(list(argv), capture_output=True, text=True,
                       timeout=TOOL_TIMEOUT_S, **kw)
    return p.returncode, p.stdout, p.stderr


def unit_for_build(tmp):
    """The configured units, ExecStart pointing at this build."""
    with open(SERVICE) as f:
        text = f.read()
    m = re.search(r"^ExecStart=(\S+) --worker (\S+)", text, re.M)
    text = text.replace(m.group(1), os.path.abspath(harness.SAFELOADD))
    text = text.replace(m.group(2), os.path.abspath(harness.WORKER))
    svc = os.path.join(tmp, "safeloadd.service")
    with open(svc, "w") as f:
        f.write(text)
    sock = os.path.join(tmp, "safeloadd.socket")
    shutil.copy(SOCKET, sock)
    return svc, sock, text


def test_verify(t, svc, sock):
    # Man pages are checked separately: they are not installed yet.
    rc, out, err = run("systemd-analyze", "verify", "--man=no", sock, svc)
    t.ok(rc == 0 and out.strip() == "" and err.strip() == "",
         "systemd-analyze verify is clean", out + err)


def test_man_refs(t, text):
    for name, sec in re.findall(r"man:([\w.-]+)\((\d)\)", text):
        page = os.path.join(harness.SOURCE, "man", "%s.%s" % (name, sec))
        if os.path.exists(page) or name.startswith("systemd"):
            t.ok(True, "Documentation=man:%s(%s) is in man/" % (name, sec))
        else:
            t.skip("man:%s(%s) not written yet" % (name, sec))


def flagged(out):
    """(setting, exposure) of every item systemd-analyze marks with X."""
    items = []
    for line in out.splitlines():
        m = re.match(r"\s*\u2717\s+(\S+)\s.*?(\d+\.\d)\s*$", line)
        if m:
            items.append((m.group(1), float(m.group(2))))
    return items


def test_security(t, svc, text):
    rc, out, err = run("systemd-analyze", "security", "--offline=true",
                       "--no-pager", svc)
    m = re.search(r"Overall exposure level for \S+: (\d+\.\d)", out)
    score = float(m.group(1)) if m else 99.0
    t.diag("exposure %s" % (m.group(1) if m else "unknown"))
    t.ok(rc == 0 and score <= MAX_EXPOSURE,
         "exposure %.1f <= %.1f" % (score, MAX_EXPOSURE), out + err)
    comments = "\n".join(line for line in text.splitlines()
                         if line.startswith("#"))
    for setting, _ in flagged(out):
        key = setting.split("=")[0] + "="
        if setting.startswith("RestrictAddressFamilies=~AF_UNIX"):
            key = "RestrictAddressFamilies=~AF_UNIX"
        t.ok(re.search(r"^# ?" + re.escape(key) + r".*\S", comments, re.M)
             is not None, "unset %s has a one-line reason" % setting)


def test_snippets(t, tmp):
    root = os.path.join(tmp, "root")
    os.makedirs(os.path.join(root, "etc"))
    rc, out, err = run("systemd-sysusers", "--root=" + root,
                       os.path.join(SYSTEMD_SRC, "sysusers.conf"))
    passwd = ""
    if os.path.exists(os.path.join(root, "etc", "passwd")):
        with open(os.path.join(root, "etc", "passwd")) as f:
            passwd = f.read()
    t.ok(rc == 0 and re.search(r"^safeload:x:\d+:\d+:", passwd, re.M),
         "sysusers.d creates the user safeload", out + err + passwd)
    group = os.path.join(root, "etc", "group")
    t.ok(os.path.exists(group) and "safeload:" in open(group).read(),
         "sysusers.d creates the group safeload")
    rc, out, err = run("systemd-tmpfiles", "--root=" + root, "--create",
                       os.path.join(SYSTEMD_SRC, "tmpfiles.conf"))
    t.ok(rc == 0 and os.path.isdir(os.path.join(root, "run", "safeload"))
         and os.path.isdir(os.path.join(root, "etc", "safeload")),
         "tmpfiles.d creates /run/safeload and /etc/safeload", out + err)


def activated(tmp, text):
    """systemd-socket-activate running safeloadd; returns (proc, socket)."""
    sock = os.path.join(tmp, "activated.sock")
    argv = []
    # As the unit does: not root, no capabilities, no new privileges.
    if os.geteuid() == 0:
        argv += ["setpriv", "--reuid=nobody", "--regid=nogroup",
                 "--clear-groups", "--inh-caps=-all", "--no-new-privs"]
    argv += [os.path.abspath(harness.SAFELOADD), "--worker",
             os.path.abspath(harness.WORKER)]
    proc = activation.activate(sock, argv, text,
                               os.path.join(tmp, "activated.log"),
                               {"PATH": "/usr/bin:/bin"})
    return proc, sock


def test_activation(t, tmp, text):
    proc, sock = activated(tmp, text)
    if not t.ok(activation.listening(os.path.join(tmp, 'activated.log')),
                "systemd-socket-activate listens"):
        proc.kill()
        proc.wait()
        return
    os.chmod(tmp, 0o755)
    tiny = os.path.join(harness.SAMPLES, "tiny.model")
    udf = os.path.join(harness.SAMPLES, "udf.model")
    rc, out, err = harness.client("--socket", sock, "check", tiny)
    t.ok(rc == 0 and "accept" in out,
         "first request starts safeloadd and is accepted", out + err)
    rc, out, err = harness.client("--socket", sock, "check", udf)
    t.ok(rc == 1 and "user-defined-function" in out,
         "the passed socket serves a reject too", out + err)
    rc, out, err = harness.client("--socket", sock, "status")
    t.ok(rc == 0 and re.search(r"^requests: 2$", out, re.M),
         "status over the passed socket counts both requests", out + err)
    with open(os.path.join(tmp, "activated.log")) as f:
        log = f.read()
    t.ok("listening on '" not in log,
         "safeloadd served the passed socket, did not bind its own", log)
    t.ok("refusing to serve" not in log and "CANARY SURVIVED" not in log,
         "the sandbox self-check passes under the unit's /proc", log)
    proc.send_signal(signal.SIGTERM)
    try:
        status = proc.wait(harness.STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        status = proc.wait()
    t.ok(status == 0, "SIGTERM stops it with status 0 (got %s)" % status)


def main():
    for tool in ("systemd-analyze", "systemd-sysusers", "systemd-tmpfiles",
                 "systemd-socket-activate"):
        if shutil.which(tool, path="/usr/bin:/bin") is None:
            harness.skip_all("%s not installed" % tool)
    t = Tap()
    tmp = harness.temp_dir("safeload-systemd-")
    svc, sock, text = unit_for_build(tmp)
    test_verify(t, svc, sock)
    test_man_refs(t, text)
    test_security(t, svc, text)
    test_snippets(t, tmp)
    test_activation(t, tmp, text)
    t.done()


if __name__ == "__main__":
    main()
