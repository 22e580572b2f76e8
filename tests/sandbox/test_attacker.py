#!/usr/bin/python3
"""test_attacker.py: an attacker inside the sandboxed worker (role: tests).

Needs a -Dtest_hooks build (meson passes --hooks=true; otherwise the test
skips).  For each attack a real safeloadd runs with a worker wrapper that
adds `--test-hook ATTACK` (spawn_worker() passes an empty environment and
a fixed argv, so the wrapper hard-codes the real worker's path).  The
worker acts like code that a hostile model has taken over, but only on a
model that starts with SAFELOAD-ATTACK, so the same daemon also gets an
honest model.  Each attack must fail or kill the worker; safeloadd must
answer that request with a reason (worker-crashed or worker-timeout),
stay up, and accept the honest model next.

Then the start-up self-check against weakened workers (the no-seccomp and
no-landlock hooks): safeloadd must refuse to start when its canary
survives or the default profile's sandbox_floor is not met, and must
refuse a profile whose floor names a missing layer with sandbox-floor.
"""
import json
import os
import stat
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
import harness as h  # noqa: E402

SIGSYS = r"killed by seccomp (SIGSYS)"
FAILED = "exit 4"        # WORKER_ATTACK_FAILED: every attempt refused
SHELL_MARK = "/tmp/safeload-attacker-shell"
WRITE_MARK = "SAFELOAD-ATTACKER-WAS-HERE"
POLICY = """[daemon]
cache_size = 0
worker_timeout = 3s
worker_memory = 1G
worker_cpu = 2
"""

# attack, how the worker must end (any of), what it shows
ATTACKS = [
    ("shell", [SIGSYS], "execve(/bin/sh) is killed"),
    ("shadow", [SIGSYS], "open(/etc/shadow) is killed"),
    ("connect", [SIGSYS], "socket()+connect() to the daemon is killed"),
    ("write-fd", [FAILED], "writes to fds it does not own all fail"),
    ("fork-bomb", [SIGSYS], "fork() is killed"),
    ("alloc", [FAILED], "100 GB malloc and mmap both fail (RLIMIT_AS)"),
    ("spin", ["killed by signal KILL", "killed by signal XCPU",
              "ran past"], "a spinning CPU is stopped (RLIMIT_CPU/timeout)"),
    ("signal", [SIGSYS], "kill(supervisor, SIGTERM) is killed"),
]

t = h.Tap()


def wrapper(tmp, attack):
    path = os.path.join(tmp, "worker-" + attack)
    with open(path, "w") as f:
        f.write("#!/bin/sh\nexec '%s' --test-hook %s \"$@\"\n"
                % (os.path.abspath(h.WORKER), attack))
    os.chmod(path, stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP |
             stat.S_IROTH | stat.S_IXOTH)
    return path


def one_check(d, path):
    rc, out, err = d.client("check", "--json", path)
    objs = h.json_lines(out)
    return rc, (objs[0] if len(objs) == 1 else None), err + out


def run_attack(tmp, pol, model, honest, attack, endings, what):
    d = h.Daemon("--policy", pol, "--worker", wrapper(tmp, attack))
    if not t.ok(d.start(), "%s: safeloadd starts (its canary passes)"
                % attack, d.log() if d.proc else ""):
        d.stop()
        return
    t0 = time.monotonic()
    rc, o, detail = one_check(d, model)
    took = time.monotonic() - t0
    reason = o["reasons"][0] if o and o["reasons"] else {}
    msg = reason.get("message", "")
    t.ok(rc == 1 and o and o["verdict"] == "reject"
         and reason.get("code") in ("worker-crashed", "worker-timeout")
         and any(e in msg for e in endings),
         "%s: %s; answered %s '%s'" % (attack, what, reason.get("code"), msg),
         detail)
    t.diag("%s: answered in %.2f s" % (attack, took))
    alive = d.proc.poll() is None
    rc, o, detail = one_check(d, honest)
    t.ok(alive and rc == 0 and o and o["verdict"] == "accept",
         "%s: safeloadd is still up and accepts an honest model" % attack,
         detail)
    log = d.log()
    d.stop()
    if attack == "shell":
        t.ok(not os.path.exists(SHELL_MARK), "shell: no command ran")
    if attack == "write-fd":
        t.ok(WRITE_MARK not in log, "write-fd: nothing reached the "
             "daemon's log")


def start_fails(tmp, hook, policy, what):
    """safeloadd with a weakened worker must refuse to start."""
    pol = os.path.join(tmp, "policy-%s.conf" % hook)
    with open(pol, "w") as f:
        f.write(policy)
    d = h.Daemon("--policy", pol, "--worker", wrapper(tmp, hook))
    up, log = d.start_and_stop()
    t.ok(not up and d.proc.returncode not in (0, None)
         and "sandbox self-check failed" in log, what, log)


def floor_checks(tmp, honest):
    """The self-check measures the layers; the policy floor is enforced."""
    start_fails(tmp, "no-seccomp", POLICY,
                "no-seccomp worker: the canary survives, safeloadd refuses "
                "to start")
    start_fails(tmp, "no-landlock", POLICY + "[profile default]\n"
                "sandbox_floor = seccomp landlock\n",
                "no-landlock worker, default profile needs landlock: "
                "safeloadd refuses to start")
    pol = os.path.join(tmp, "policy-strict.conf")
    with open(pol, "w") as f:
        f.write(POLICY + "[profile strict]\nusers = %d\n"
                "sandbox_floor = seccomp landlock\n" % os.getuid())
    d = h.Daemon("--policy", pol, "--worker", wrapper(tmp, "no-landlock"))
    if not t.ok(d.start(), "no-landlock worker: safeloadd starts (the "
                "default profile does not need landlock)", d.log()):
        return
    rc, out, _ = d.client("status")
    t.ok("sandbox_missing:" in out and "landlock" in
         out.split("sandbox_missing:")[1].split("\n")[0],
         "status reports landlock missing", out)
    rc, o, detail = one_check(d, honest)
    t.ok(rc == 0 and o and o["verdict"] == "accept",
         "default profile is served", detail)
    rc, out, err = d.client("check", "--json", "--profile", "strict", honest)
    t.ok(rc != 0 and "sandbox-floor" in out + err,
         "profile 'strict' (floor: landlock) is refused with sandbox-floor",
         out + err)
    d.stop()


def skip_all(why):
    """meson's TAP reader wants the plan and exit 0, not 77."""
    print("1..0 # SKIP " + why)
    sys.exit(0)


def main():
    if "--hooks=true" not in sys.argv:
        skip_all("needs a -Dtest_hooks=true build")
    honest = os.path.join(h.SAMPLES, "tiny.model")
    if not os.path.exists(honest):
        skip_all("no sample model at %s" % honest)
    tmp = h.temp_dir("safeload-attack-")
    os.chmod(tmp, 0o755)
    pol = os.path.join(tmp, "policy.conf")
    with open(pol, "w") as f:
        f.write(POLICY)
    model = os.path.join(tmp, "attack.model")
    with open(model, "wb") as f:
        f.write(b"SAFELOAD-ATTACK" + b"\0" * 64)
    with open(model, "rb") as f:
        before = f.read()
    if os.path.exists(SHELL_MARK):
        os.unlink(SHELL_MARK)
    for attack, endings, what in ATTACKS:
        run_attack(tmp, pol, model, honest, attack, endings, what)
    floor_checks(tmp, honest)
    with open(model, "rb") as f:
        t.ok(f.read() == before, "the attack model file is unchanged")
    t.done()


main()
