#!/usr/bin/python3
"""test_canary.py: safeloadd's start-up sandbox self-check (role: tests).

Any build.  A real safeloadd on a temporary socket: its canary worker must
have died by SIGSYS, `safeload status` must list the layers it measured
(every mandatory one, the uid switch when root, Landlock when the kernel
has it, the PID namespace when root) and name what is missing, and the
log must say so once; its pooled workers must be pid 1 of their own PID
namespaces.  Then the floor: without CAP_SYS_ADMIN (setpriv) there is no
PID namespace, so a default profile whose sandbox_floor names pidns keeps
safeloadd from starting, and another profile naming it is refused with
sandbox-floor.  Then the worker alone: `--canary` reports its layers on
the socket and dies by SIGSYS when told to go on.
"""
import os
import signal
import socket
import struct
import subprocess
import sys
import time

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
    if os.geteuid() == 0:
        t.ok("pidns" in layers, "status: own PID namespace measured (root)")
        check_pool_pidns(d)
        check_pool_shared_ns(d)
    else:
        t.ok("pidns" in items.get("sandbox_missing", "").split(","),
             "status: the PID namespace is reported missing (not root)")
        t.skip("pooled workers in their own PID namespace: needs root")
    log = d.log()
    d.stop()
    t.ok(log.count("sandbox self-check: canary killed by SIGSYS") == 1,
         "the log reports the self-check once", log)
    return abi


def ns_link(pid, name):
    try:
        return os.readlink("/proc/%d/ns/%s" % (pid, name))
    except OSError:
        return None


def nspid(pid):
    """The NSpid line of /proc/PID/status: its pid in each namespace."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("NSpid:"):
                    return [int(x) for x in line.split()[1:]]
    except OSError:
        pass
    return []


def pool_workers(d, want):
    """The daemon's exec'd workers, once `want` are there (bounded)."""
    workers = []
    deadline = time.monotonic() + 5
    while len(workers) < want and time.monotonic() < deadline:
        workers = []
        for pid in d.children():
            try:
                exe = os.readlink("/proc/%d/exe" % pid)
            except OSError:
                continue
            if exe.endswith("safeload-worker"):
                workers.append(pid)
        time.sleep(0.05)
    return workers


SHARED_NS = ("net", "mnt", "ipc", "uts", "cgroup")


def check_pool_shared_ns(d):
    """Root: the workers join one set of namespaces made at start-up
    (worker-ns.h), none of them the daemon's; PID namespaces stay their
    own."""
    workers = pool_workers(d, 2)
    if not t.ok(len(workers) >= 2, "two pooled workers to compare",
                workers):
        return
    for name in SHARED_NS:
        links = set(ns_link(pid, name) for pid in workers)
        mine = ns_link(d.proc.pid, name)
        t.ok(len(links) == 1 and None not in links and mine not in links,
             "workers share one %s namespace, not the daemon's" % name,
             "workers %s, daemon %s" % (links, mine))
    pids = set(ns_link(pid, "pid") for pid in workers)
    t.ok(len(pids) == len(workers), "each worker has its own PID namespace",
         pids)
    t.ok("workers join shared namespaces: mntns,netns,ipcns,utsns,cgroupns"
         in d.log(), "the log says which namespaces workers share",
         d.log()[-800:])


def check_pool_pidns(d):
    """The daemon's idle workers, seen from outside: pid 1 inside."""
    workers = pool_workers(d, 1)
    seen = [(pid, nspid(pid)) for pid in workers]
    mine = ns_link(d.proc.pid, "pid")
    t.ok(workers and all(n == [pid, 1] for pid, n in seen)
         and all(ns_link(pid, "pid") not in (None, mine)
                 for pid in workers),
         "pooled workers are pid 1 of their own PID namespaces "
         "(NSpid %s)" % [n for _, n in seen], "daemon pid ns %s" % mine)


def check_pidns_floor():
    """sandbox_floor = pidns, met as root, not met without CAP_SYS_ADMIN."""
    if os.geteuid() != 0:
        for _ in range(6):
            t.skip("the namespace floor checks need root")
        return
    tmp = h.temp_dir("safeload-pidns-")
    os.chmod(tmp, 0o755)
    every = os.path.join(tmp, "every.conf")
    with open(every, "w") as f:
        f.write("[profile default]\nsandbox_floor = seccomp pidns userns "
                "mntns netns ipcns utsns cgroupns\n")
    up, log = h.Daemon("--policy", every).start_and_stop()
    t.ok(up, "root: a default floor naming every namespace is met, "
         "safeloadd starts", log)
    strict = os.path.join(tmp, "strict.conf")
    with open(strict, "w") as f:
        f.write("[profile default]\nsandbox_floor = seccomp pidns\n")
    d = h.Daemon("--policy", strict)
    up = d.start()
    t.ok(up, "root: a default floor naming pidns is met, safeloadd starts",
         d.log())
    d.stop()
    # Root without CAP_SYS_ADMIN: no namespace but the user one.
    nocap = ["setpriv", "--bounding-set", "-sys_admin", "--"]
    d = h.Daemon("--policy", strict, wrap=nocap)
    up, log = d.start_and_stop()
    t.ok(not up and d.proc.returncode not in (0, None) and
         "below the policy's sandbox_floor" in log,
         "without CAP_SYS_ADMIN, a default floor naming pidns: safeloadd "
         "refuses to start", log)
    prof = os.path.join(tmp, "profile.conf")
    with open(prof, "w") as f:
        f.write("[profile strict]\nusers = 0\n"
                "sandbox_floor = seccomp pidns\n")
    d = h.Daemon("--policy", prof, wrap=nocap)
    if not t.ok(d.start(), "without CAP_SYS_ADMIN: safeloadd starts (the "
                "default profile does not need pidns)", d.log()):
        d.stop()
        for _ in range(2):
            t.skip("safeloadd did not start")
        return
    rc, out, err = d.client("status")
    items = status_items(out)
    t.ok("pidns" in items.get("sandbox_missing", "").split(","),
         "without CAP_SYS_ADMIN: status reports pidns missing", out + err)
    model = os.path.join(h.SAMPLES, "tiny.model")
    rc, out, err = d.client("check", "--json", "--profile", "strict", model)
    t.ok(rc != 0 and "sandbox-floor" in out + err,
         "profile 'strict' (floor: pidns) is refused with sandbox-floor",
         out + err)
    d.stop()


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
    check_pidns_floor()
    check_worker_alone()
    t.done()


main()
