"""test_policy.py: the policy file against a real safeloadd (role: tests).

Access by uid, which profiles a uid may use, every profile limit tripping
with its reason code, op deny and allow lists, formats, user-defined
functions admitted by name, a trusted-digest allowlist, minisign
signatures made by Debian's minisign tool (good, wrong key, tampered
model, missing), the report naming the profile and the policy digest,
`safeload policy check/explain`, a daemon that refuses a bad file, and
SIGHUP reload (good, then bad).
"""
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Daemon, Tap, client, json_lines  # noqa: E402

NOBODY = 65534
RELOAD_WAIT_S = 5.0
IN_FLIGHT_WAIT_S = 30.0    # a client starting and reaching a worker

TINY = os.path.join(harness.SAMPLES, "tiny.model")        # Times, Plus
DENSE = os.path.join(harness.SAMPLES, "dense-relu.model")  # + ReLU, 544 params
DEEP = os.path.join(harness.SAMPLES, "deep.model")
UDF_NATIVE = os.path.join(harness.SAMPLES, "udf.model")   # /tmp/... library
UDF_PYTHON = os.path.join(harness.SAMPLES, "udf-python.model")  # mylayers.Gelu


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o644)


def check(d, model, profile=None, signature=None, uid=None):
    """One model through the daemon: (exit, report or None, stderr)."""
    args = ["check", "--json"]
    if profile:
        args += ["--profile", profile]
    if signature:
        args += ["--signature", signature]
    pre = None
    if uid is not None:
        def pre():
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
    rc, out, err = d.client(*(args + [model]), preexec_fn=pre)
    objs = json_lines(out) if rc in (0, 1) else []
    return rc, (objs[0] if objs else None), err


def codes(rep):
    return [r["code"] for r in rep["reasons"]] if rep else []


LIMITS_POLICY = """\
# Every profile limit, one profile each.
[access]
users = root
groups = root

[profile small-file]
max_file_size = 2000

[profile shallow]
max_depth = 8

[profile few-nodes]
max_nodes = 2

[profile few-elements]
max_tensor_elements = 100

[profile few-params]
max_parameters = 100

[profile no-relu]
deny_ops = ReLU

[profile only-times-plus]
allow_ops = Times, Plus

[profile all-three]
allow_ops = Times Plus ReLU

[profile v1-only]
formats = cntk-v1

[profile nobody-only]
users = nobody

[profile landlocked]
sandbox_floor = rlimits uid no-new-privs seccomp landlock

[profile gelu]
user_defined_functions = mylayers.Gelu

[profile other-udfs]
user_defined_functions = mylayers.Relu6, libgelu:CreateGelu
"""


def check_limits(t, d):
    cases = [
        ("small-file", DENSE, "size-limit"),
        ("shallow", TINY, "depth-limit"),
        ("few-nodes", TINY, "count-limit"),
        ("few-elements", DENSE, "count-limit"),
        ("few-params", DENSE, "count-limit"),
        ("no-relu", DENSE, "op-not-allowed"),
        ("only-times-plus", DENSE, "op-not-allowed"),
        ("v1-only", TINY, "format-not-allowed"),
    ]
    for profile, model, code in cases:
        rc, rep, err = check(d, model, profile)
        t.ok(rc == 1 and code in codes(rep),
             "[profile %s] rejects %s with %s" % (
                 profile, os.path.basename(model), code),
             "rc %d %s %s" % (rc, rep, err))
    for profile, model in (("small-file", TINY), ("no-relu", TINY),
                           ("only-times-plus", TINY),
                           ("all-three", DENSE), ("few-params", TINY)):
        rc, rep, err = check(d, model, profile)
        t.ok(rc == 0 and rep["profile"] == profile,
             "[profile %s] accepts %s and names the profile" % (
                 profile, os.path.basename(model)), "%s %s" % (rep, err))
    rc, rep, err = check(d, TINY, "nobody-only")
    t.ok(rc == 2 and "policy-denied" in err,
         "root may not use a profile listed for nobody only", err)
    rc, out, _ = d.client("status")
    landlock = "landlock" in next((l for l in out.splitlines()
                                   if l.startswith("sandbox_layers:")), "")
    rc, rep, err = check(d, TINY, "landlocked")
    if landlock:
        t.ok(rc == 0, "a sandbox floor the workers meet is served", err)
    else:
        t.ok(rc == 2 and "sandbox-floor" in err,
             "a sandbox floor the workers miss (no Landlock) is refused", err)
    rc, rep, err = check(d, TINY, "no-such-profile")
    t.ok(rc == 2 and "policy-denied" in err, "unknown profile refused", err)


def check_udfs(t, d):
    """user_defined_functions admits a UDF by the exact name of its code,
    and nothing else."""
    cases = [
        (None, UDF_PYTHON, "the default profile rejects a Python UDF"),
        ("other-udfs", UDF_PYTHON, "a profile listing other UDFs rejects it"),
        ("gelu", UDF_NATIVE, "a native UDF whose library is a path is "
         "rejected even where UDFs are admitted"),
    ]
    for profile, model, what in cases:
        rc, rep, err = check(d, model, profile)
        t.ok(rc == 1 and codes(rep) == ["user-defined-function"], what,
             "rc %d %s %s" % (rc, rep, err))
    rc, rep, err = check(d, UDF_PYTHON, "gelu")
    t.ok(rc == 0 and rep["profile"] == "gelu" and
         rep["stats"]["ops"].get("UserDefinedFunction") == 1,
         "[profile gelu] admits mylayers.Gelu and counts it as an op",
         "rc %d %s %s" % (rc, rep, err))
    out = os.path.join(d.dir, "udf-python.canonical")
    rc, _, err = d.client("check", "--profile", "gelu", "-o", out,
                          UDF_PYTHON)
    canon = open(out, "rb").read() if os.path.exists(out) else b""
    t.ok(rc == 0 and b"UserDefinedFunction" in canon and
         b"mylayers" in canon and b"Gelu" in canon,
         "its canonical form keeps the UDF entry for CNTK to load", err)
    rc, rep, err = check(d, UDF_PYTHON)
    t.ok(rc == 1 and codes(rep) == ["user-defined-function"],
         "after that, the default profile still rejects it (the cache "
         "keys by profile)", "rc %d %s %s" % (rc, rep, err))


def check_access(t, d, policy_path, tmp):
    os.chmod(d.dir, 0o755)
    rc, rep, err = check(d, TINY, uid=NOBODY)
    # The daemon refuses at accept and closes: the client may see the
    # refusal or only the reset, depending on who is faster; the log says.
    t.ok(rc == 2 and "uid %d" % NOBODY in d.log() and
         "refused by policy" in d.log(),
         "a uid not in [access] is refused", "rc %d %s" % (rc, err))
    if "policy-denied" not in err:
        t.diag("client saw: " + err.strip())
    write(policy_path, LIMITS_POLICY.replace("users = root\n",
                                             "users = root nobody\n", 1))
    if not reload(t, d, "access now lists nobody"):
        return
    rc, rep, err = check(d, TINY, uid=NOBODY)
    t.ok(rc == 0, "nobody may connect once listed", "rc %d %s" % (rc, err))
    rc, rep, err = check(d, TINY, "nobody-only", uid=NOBODY)
    t.ok(rc == 0 and rep["profile"] == "nobody-only",
         "nobody may use its own profile", "rc %d %s" % (rc, err))
    check_revoke(t, d, policy_path)


# A client of the Python binding that keeps its connection across a reload.
REVOKE_CHILD = r"""
import os, sys
os.setgroups([]); os.setgid(%d); os.setuid(%d)
import safeload
c = safeload.Client(sys.argv[1])
c.check(sys.argv[2])
print("first ok", flush=True)
sys.stdin.readline()
try:
    c.check(sys.argv[2])
    print("second ok", flush=True)
except safeload.SafeloadError as e:
    print("second refused %%s" %% e.code, flush=True)
""" % (NOBODY, NOBODY)


def check_revoke(t, d, policy_path):
    """A reload that drops a peer from [access] ends its open connection's
    access too, not only new connections."""
    if "SAFELOAD_LIBRARY" not in os.environ:
        t.skip("SAFELOAD_LIBRARY is not set (run under meson test)")
        return
    child = subprocess.Popen(
        [sys.executable, "-c", REVOKE_CHILD, d.socket, TINY],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=harness.library_env())
    first = child.stdout.readline().strip()
    write(policy_path, LIMITS_POLICY)
    reload(t, d, "nobody removed from [access]")
    out, err = child.communicate("go\n", timeout=60)
    t.ok(first == "first ok" and
         out.strip() == "second refused policy-denied",
         "a connection opened before the reload loses its access",
         "%s | %s | %s" % (first, out, err))


def reload(t, d, what, expect="reload: policy"):
    """SIGHUP and wait for the log line that says how it went."""
    before = d.log().count(expect)
    d.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + RELOAD_WAIT_S
    while time.monotonic() < deadline:
        if d.log().count(expect) > before:
            return t.ok(True, "SIGHUP: " + what)
        time.sleep(0.02)
    return t.ok(False, "SIGHUP: " + what, d.log()[-2000:])


def check_reload(t, d, policy_path):
    write(policy_path, "[profile default]\ndeny_ops = ReLU\n")
    reload(t, d, "a policy that denies ReLU")
    rc, rep, _ = check(d, DENSE)
    t.ok(rc == 1 and "op-not-allowed" in codes(rep) and
         rep["policy_digest"] == sha256(policy_path),
         "the new policy applies, and the report names its digest",
         str(rep))
    good_digest = sha256(policy_path)
    write(policy_path, "[profile default]\ndeny_ops = ReLU\nbogus = 1\n")
    reload(t, d, "a bad policy is refused", "keeping the old policy")
    t.ok("policy.conf:3: unknown key 'bogus'" in d.log(),
         "the log says FILE:LINE: why", d.log()[-1000:])
    rc, rep, _ = check(d, DENSE)
    t.ok(rc == 1 and rep["policy_digest"] == good_digest,
         "the old policy stays in force", str(rep))


def minisign(*args):
    return subprocess.run(["minisign"] + list(args), capture_output=True,
                          text=True, input="", timeout=30)


def make_key(tmp, name):
    pub = os.path.join(tmp, name + ".pub")
    sec = os.path.join(tmp, name + ".key")
    p = minisign("-G", "-W", "-f", "-p", pub, "-s", sec)
    return (pub, sec) if p.returncode == 0 else (None, None)


def sign(sec, model, sig):
    return minisign("-S", "-s", sec, "-m", model, "-x", sig).returncode == 0


def check_signatures(t, tmp):
    if shutil.which("minisign") is None:
        t.skip("minisign is not installed (scripts/install-deps --test)")
        return
    pub, sec = make_key(tmp, "good")
    pub2, sec2 = make_key(tmp, "other")
    if pub is None or pub2 is None:
        t.ok(False, "minisign -G makes keys")
        return
    tiny = os.path.join(tmp, "tiny.model")
    dense = os.path.join(tmp, "dense.model")
    shutil.copy(TINY, tiny)
    shutil.copy(DENSE, dense)
    ok = sign(sec, tiny, tiny + ".minisig") and \
        sign(sec2, tiny, os.path.join(tmp, "tiny.other.minisig"))
    t.ok(ok, "minisign -S signs the model")
    digests = os.path.join(tmp, "trusted.sha256")
    write(digests, "%s  dense.model\n" % sha256(dense))
    path = os.path.join(tmp, "signed.conf")
    write(path, "[profile signed]\nrequire_signature = yes\n"
          "public_key_file = %s\n"
          "[profile digests]\nrequire_signature = yes\n"
          "trusted_digests = %s\n" % (pub, digests))
    d = Daemon("--policy", path)
    if not t.ok(d.start(), "safeloadd starts with signature profiles"):
        return
    try:
        rc, rep, err = check(d, tiny, "signed", tiny + ".minisig")
        t.ok(rc == 0, "a good signature is accepted", "%s %s" % (rep, err))
        rc, rep, err = check(d, tiny, "signed",
                             os.path.join(tmp, "tiny.other.minisig"))
        t.ok(rc == 1 and "signature-invalid" in codes(rep),
             "a signature by a key the profile does not trust is refused",
             str(rep))
        rc, rep, err = check(d, dense, "signed", tiny + ".minisig")
        t.ok(rc == 1 and "signature-invalid" in codes(rep),
             "a tampered model (another model under tiny's signature) "
             "is refused", str(rep))
        rc, rep, err = check(d, tiny, "signed")
        t.ok(rc == 1 and "signature-missing" in codes(rep),
             "a missing signature is refused", str(rep))
        rc, rep, err = check(d, dense, "digests")
        t.ok(rc == 0, "a model whose sha256 is in trusted_digests is "
             "accepted without a signature", str(rep))
        rc, rep, err = check(d, tiny, "digests")
        t.ok(rc == 1 and "signature-missing" in codes(rep),
             "a model not in trusted_digests is refused", str(rep))
    finally:
        d.stop()


def worker_has_hooks():
    with open(harness.WORKER, "rb") as f:
        return b"--test-hook" in f.read()


def check_in_flight(t, tmp):
    """A request keeps the policy it started under across a reload.

    A hanging worker (-Dtest_hooks) is killed at its policy's
    worker_timeout, and the verdict names that timeout: the old policy's
    for a request in flight during the reload, the new one's after.
    Nothing here asserts how long anything took.
    """
    if not worker_has_hooks():
        t.skip("worker built without -Dtest_hooks: in-flight reload")
        return
    wrapper = os.path.join(tmp, "worker-hang")
    with open(wrapper, "w") as f:
        f.write('#!/bin/sh\nexec "%s" "$@" --test-hook hang\n'
                % os.path.abspath(harness.WORKER))
    os.chmod(wrapper, 0o755)
    path = os.path.join(tmp, "inflight.conf")
    write(path, "[daemon]\nworker_timeout = 3s\ncache_size = 0\n")
    d = Daemon("--worker", wrapper, "--policy", path)
    if not t.ok(d.start(), "safeloadd starts with a hanging worker"):
        return
    try:
        first = subprocess.Popen(
            [harness.CLIENT, "--socket", d.socket, "check", "--json", TINY],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # In flight means a worker holds the model (busy_workers() counts
        # only sandboxed workers, never one still starting up).
        deadline = time.monotonic() + IN_FLIGHT_WAIT_S
        while not d.busy_workers() and time.monotonic() < deadline:
            time.sleep(0.01)
        t.ok(d.busy_workers() != [], "the first request is in flight")
        write(path, "[daemon]\nworker_timeout = 4s\ncache_size = 0\n")
        reload(t, d, "worker_timeout 3s -> 4s with a request in flight")
        out, _ = first.communicate(timeout=60)
        objs = json_lines(out)
        msg = objs[0]["reasons"][0]["message"] if objs else out
        t.ok("3000 ms" in msg, "the request in flight keeps its "
             "policy's timeout", msg)
        rc, rep, err = check(d, TINY)
        msg = rep["reasons"][0]["message"] if rep else err
        t.ok("4000 ms" in msg, "the next request runs under the new "
             "policy", msg)
    finally:
        d.stop()


def check_cli(t, tmp):
    good = os.path.join(tmp, "good.conf")
    write(good, LIMITS_POLICY)
    rc, out, err = client("policy", "check", good)
    t.ok(rc == 0 and sha256(good) in out, "policy check: a good file",
         out + err)
    bad = os.path.join(tmp, "bad.conf")
    write(bad, "[daemon]\nmax_concurrent = 4\n[profile x]\nmax_depth = -1\n")
    rc, out, err = client("policy", "check", bad)
    t.ok(rc == 1 and err.startswith(bad + ":4: "),
         "policy check: FILE:LINE: message, exit 1", err)
    rc, out, err = client("policy", "explain", good, "--uid", "nobody",
                          "--profile", "nobody-only")
    t.ok(rc == 0 and "[profile nobody-only]" in out and
         "uid 65534: may NOT connect" in out and
         "profile nobody-only: allowed" in out,
         "policy explain --uid --profile", out + err)
    d = Daemon("--policy", bad)
    started = d.start()
    if started:
        d.stop()
    status = d.proc.wait(10)
    t.ok(not started and status not in (0, None) and
         (bad + ":4: ") in d.log(), "safeloadd refuses to start on a bad "
         "policy file", d.log()[-1000:])


def main():
    for p in (harness.SAFELOADD, harness.CLIENT, TINY, DENSE):
        if not os.path.exists(p):
            harness.skip_all("not built: " + p)
    t = Tap()
    tmp = harness.temp_dir("safeload-policy-")
    os.chmod(tmp, 0o755)
    check_cli(t, tmp)
    path = os.path.join(tmp, "policy.conf")
    write(path, LIMITS_POLICY)
    d = Daemon("--policy", path)
    if t.ok(d.start(), "safeloadd starts with the limits policy"):
        try:
            check_limits(t, d)
            check_udfs(t, d)
            check_access(t, d, path, tmp)
            check_reload(t, d, path)
        finally:
            t.ok(d.stop() == 0, "safeloadd stops cleanly")
    check_signatures(t, tmp)
    check_in_flight(t, tmp)
    t.done()


main()
