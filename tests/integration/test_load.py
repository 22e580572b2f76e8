#!/usr/bin/python3
"""test_load.py: safeloadd under load and faults, leaks checked in /proc
(role: tests).

32 clients send 2,000 requests, a mix of good and malicious models, over
the real wire protocol on a local socket; every answer must carry the
verdict the same model gets alone, none may be lost, and afterwards the
daemon holds no more fds, memfds, zombies or memory than before.  Then the
faults: a client that hangs up mid-request (its worker dies), SIGHUP and
SIGTERM under load, and, with a -Dtest_hooks worker, crashes, seccomp
kills and bad replies.  Bounded in count and time; reports timings, never
asserts them.
"""
import array
import os
import random
import re
import signal
import socket
import stat
import struct
import threading
import time

import harness as h

CLIENTS = 32
REQUESTS = 2000
UNIQUE_GOOD = 150          # distinct valid models: each one is a cache miss
UNIQUE_BAD = 150           # distinct garbage files
WARMUP = 200
ANSWER_TIMEOUT_S = 120.0
RSS_SLACK = 1.10
SETTLE_S = 10.0
BIG_ELEMENTS = 10 * 1000 * 1000   # 40 MB: a worker busy long enough to catch
FLOOD = 320                # root's requests in the fairness check
FAIR_MAX_AHEAD = 4         # round robin: 1 running + 1 turn; FIFO: ~31
NOBODY = 65534
OOM_WORKER_MIB = 96        # RLIMIT_AS of the worker in the OOM check
OOM_ELEMENTS = 16 * 1000 * 1000   # 64 MB of floats: cannot fit in that

MAGIC = (0x534c << 16) | 1
REQ_CHECK, REQ_STATUS = 1, 2
ANS_RESULT, ANS_ERROR, ANS_STATUS = 0x81, 0x82, 0x83
ACCEPT, REJECT = 1, 2
F_CANONICAL = 1
SEALS = 0x1 | 0x2 | 0x4 | 0x8      # F_SEAL_SEAL, SHRINK, GROW, WRITE
F_GET_SEALS = 1034
OFF_CANON_SIZE = 72                # verdict, format, sha256, canonical sha256
OFF_REASONS = 120                  # ... then canonical size and five stats

t = h.Tap()


class Conn:
    """One client connection speaking the wire protocol directly."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.s.settimeout(ANSWER_TIMEOUT_S)
        self.s.connect(path)
        self.next_id = 1

    def close(self):
        self.s.close()

    def send(self, typ, payload=b"", fd=None):
        rid = self.next_id
        self.next_id += 1
        msg = struct.pack("<IIII", MAGIC, typ, rid, len(payload)) + payload
        anc = []
        if fd is not None:
            anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                    array.array("i", [fd]))]
        self.s.sendmsg([msg], anc)
        return rid

    def recv(self):
        """(type, id, payload, fd or None); raises on EOF or timeout."""
        data, anc, _, _ = self.s.recvmsg(65536, socket.CMSG_SPACE(16))
        if not data:
            raise EOFError("connection closed")
        fds = []
        for level, kind, raw in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds += array.array("i", raw[:len(raw) - len(raw) % 4])
        _, typ, rid, n = struct.unpack_from("<IIII", data)
        return typ, rid, data[16:16 + n], (fds[0] if fds else None)

    def check(self, path):
        """(verdict or 'error', reason code number, canonical ok)."""
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            rid = self.send(REQ_CHECK, struct.pack("<III", F_CANONICAL, 0, 0),
                            fd)
        finally:
            os.close(fd)
        typ, got, p, mfd = self.recv()
        try:
            if got != rid:
                return ("bad-id", 0, False)
            if typ == ANS_ERROR:
                return ("error", struct.unpack_from("<I", p)[0], False)
            verdict = struct.unpack_from("<I", p)[0]
            code = 0
            if verdict == REJECT:
                code = struct.unpack_from("<I", p, OFF_REASONS + 4)[0]
            return (verdict, code, canonical_ok(p, mfd, verdict))
        finally:
            if mfd is not None:
                os.close(mfd)

    def status(self):
        self.send(REQ_STATUS)
        _, _, p, _ = self.recv()
        n, off, out = struct.unpack_from("<I", p)[0], 4, {}
        for _ in range(n):
            parts = []
            for _ in range(2):
                ln = struct.unpack_from("<I", p, off)[0]
                parts.append(p[off + 4:off + 4 + ln].decode())
                off += 4 + ln
            out[parts[0]] = parts[1]
        return out


def canonical_ok(p, mfd, verdict):
    """An accept carries a sealed memfd of exactly the claimed size."""
    if verdict != ACCEPT:
        return mfd is None
    if mfd is None:
        return False
    import fcntl
    size = struct.unpack_from("<Q", p, OFF_CANON_SIZE)[0]
    seals = fcntl.fcntl(mfd, F_GET_SEALS)
    st = os.fstat(mfd)
    return (seals & SEALS) == SEALS and st.st_size == size and \
        stat.S_ISREG(st.st_mode)


def proc_snapshot(pid):
    """What the daemon holds, from /proc: fds, memfds, zombies, RSS."""
    fds = os.listdir("/proc/%d/fd" % pid)
    memfds = 0
    for fd in fds:
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith("/memfd:"):
                memfds += 1
        except OSError:
            pass
    zombies = 0
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            kids = [int(k) for k in f.read().split()]
    except OSError:
        kids = []
    for k in kids:
        try:
            with open("/proc/%d/stat" % k) as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    zombies += 1
        except OSError:
            pass
    rss = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return {"fds": len(fds), "memfds": memfds, "zombies": zombies,
            "rss_kb": rss, "children": len(kids)}


def settled_snapshot(pid, like=None):
    """proc_snapshot() once nothing is merely in passing: no zombie (a
    killed warm worker the daemon has not reaped yet), no memfd, and with
    `like` the same fd count.  Bounded by SETTLE_S: a real leak is still
    there then, and the snapshot returned shows it."""
    deadline = time.monotonic() + SETTLE_S
    while True:
        snap = proc_snapshot(pid)
        if snap["zombies"] == 0 and snap["memfds"] == 0 and \
                (like is None or snap["fds"] == like["fds"]):
            return snap
        if time.monotonic() >= deadline:
            return snap
        time.sleep(0.02)


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def settle(d, conn_path, want_idle):
    """Wait (bounded) until no request runs, the pool is refilled, no
    other client is connected, and the daemon has closed our own status
    connection: seen as its fd count dropping, not guessed by a sleep."""
    deadline = time.monotonic() + SETTLE_S
    st = {}
    while time.monotonic() < deadline:
        c = Conn(conn_path)
        st = c.status()
        quiet = st.get("workers_active") == "0" and \
            st.get("workers_idle") == str(want_idle) and \
            st.get("connections") == "1" and not d.busy_workers()
        held = fd_count(d.proc.pid)
        c.close()
        if quiet:
            wait_for(lambda: fd_count(d.proc.pid) < held,
                     max(0.0, deadline - time.monotonic()))
            break
        time.sleep(0.05)
    return st


def make_models(pb, tmp):
    """(path, kind) lists: kind 'good' must be accepted, 'bad' rejected."""
    fixed = [(os.path.join(h.SAMPLES, n + ".model"), k) for n, k in
             (("tiny", "good"), ("dense-relu", "good"), ("udf", "bad"),
              ("lattice", "bad"), ("deep", "bad"))]
    good, bad = [], []
    rnd = random.Random(6)
    for i in range(UNIQUE_GOOD):
        p = os.path.join(tmp, "good-%d.model" % i)
        h.write_big_model(pb, p, 8 + i)
        good.append((p, "good"))
    for i in range(UNIQUE_BAD):
        p = os.path.join(tmp, "bad-%d.model" % i)
        with open(p, "wb") as f:
            if i % 2:   # a valid model cut short
                with open(good[i][0], "rb") as g:
                    body = g.read()
                f.write(body[:len(body) // 2 + i % 7])
            else:       # noise
                f.write(bytes(rnd.randrange(256) for _ in
                              range(64 + rnd.randrange(4096))))
        bad.append((p, "bad"))
    return fixed, good, bad


def request_mix(fixed, good, bad):
    """REQUESTS (path, kind) in a fixed pseudo-random order."""
    rnd = random.Random(2000)
    out = []
    for _ in range(REQUESTS):
        x = rnd.random()
        src = fixed if x < 0.4 else good if x < 0.75 else bad
        out.append(rnd.choice(src))
    return out


def run_clients(path, work, expect, on_half=None, stamps=None):
    """CLIENTS threads share `work`; returns (answers, problems).  When
    given, `stamps` collects the monotonic time of every answer."""
    lock = threading.Lock()
    state = {"next": 0, "done": 0, "half_fired": False}
    answers, problems = [], []

    def one_client():
        try:
            c = Conn(path)
        except OSError as e:
            with lock:
                problems.append("connect: %s" % e)
            return
        while True:
            with lock:
                i = state["next"]
                if i >= len(work):
                    break
                state["next"] += 1
            p, kind = work[i]
            try:
                a = c.check(p)
            except (OSError, EOFError, struct.error) as e:
                with lock:
                    problems.append("%s: lost: %s" % (p, e))
                break
            with lock:
                answers.append((p, kind, a))
                if stamps is not None:
                    stamps.append(time.monotonic())
                state["done"] += 1
                fire = on_half is not None and not state["half_fired"] and \
                    state["done"] >= len(work) // 2
                if fire:
                    state["half_fired"] = True
            if fire:
                on_half()
        c.close()

    threads = [threading.Thread(target=one_client) for _ in range(CLIENTS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(ANSWER_TIMEOUT_S * 2)
    return answers, problems


def wrong_verdicts(answers, expect):
    """Answers that differ from what the model gets alone."""
    wrong = []
    for p, kind, (verdict, code, canon) in answers:
        want = expect.get(p)
        if kind == "good":
            ok = verdict == ACCEPT and canon
        else:
            ok = verdict == REJECT and canon
        if ok and want is not None and (verdict, code) != want:
            ok = False
        if not ok:
            wrong.append("%s (%s): got %r, alone %r" % (p, kind,
                                                       (verdict, code, canon),
                                                       want))
    return wrong


def logged_once(d, sent):
    """Each request has exactly one log line; `sent` requests reached it."""
    seqs = []
    for line in d.log().splitlines():
        m = line.split("request ", 1)
        if len(m) == 2 and m[1].split(":", 1)[0].isdigit():
            seqs.append(int(m[1].split(":", 1)[0]))
    return len(seqs) == len(set(seqs)) == sent, "%d lines, %d distinct, " \
        "%d sent" % (len(seqs), len(set(seqs)), sent)


def hup_and_settle(d):
    """SIGHUP empties the cache and renews the pool; wait for the daemon
    to log the reload (not a guessed sleep), then for the new pool."""
    before = d.log().count("reload: policy")
    d.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: d.log().count("reload: policy") > before, SETTLE_S)
    return settle(d, d.socket, 2)


def load_phase(d, fixed, good, bad):
    c = Conn(d.socket)
    expect = {p: c.check(p)[:2] for p, _ in fixed}
    c.close()
    t.ok(all(expect[p][0] == (ACCEPT if k == "good" else REJECT)
             for p, k in fixed), "sample models alone: good accepted, "
         "malicious rejected", expect)
    sent = len(fixed)
    work = request_mix(fixed, good, bad)
    answers, problems = run_clients(d.socket, work[:WARMUP], expect)
    sent += len(answers)
    hup_and_settle(d)
    before = settled_snapshot(d.proc.pid)
    t0 = time.monotonic()
    answers, problems = run_clients(
        d.socket, work, expect,
        on_half=lambda: d.proc.send_signal(signal.SIGHUP))
    dt = time.monotonic() - t0
    sent += len(answers)
    t.diag("%d requests from %d clients in %.2f s (%.0f/s; not a verdict)"
           % (len(answers), CLIENTS, dt, len(answers) / dt))
    t.ok(not problems and len(answers) == REQUESTS,
         "%d clients, %d requests, SIGHUP half way: no answer lost"
         % (CLIENTS, REQUESTS), "\n".join(problems[:20]))
    wrong = wrong_verdicts(answers, expect)
    t.ok(not wrong, "zero wrong verdicts (%d good, %d malicious)" %
         (sum(k == "good" for _, k, _ in answers),
          sum(k == "bad" for _, k, _ in answers)), "\n".join(wrong[:20]))
    st = hup_and_settle(d)
    after = settled_snapshot(d.proc.pid, before)
    t.diag("before %r" % before)
    t.diag("after  %r" % after)
    t.diag("status: " + " ".join("%s=%s" % kv for kv in sorted(st.items())
                                 if kv[0].startswith(("cache", "work"))))
    t.ok(after["fds"] == before["fds"], "no fd leaked (%d before, %d after)"
         % (before["fds"], after["fds"]))
    t.ok(after["memfds"] == 0 and after["zombies"] == 0,
         "no memfd kept after reload, no zombie")
    if sanitized(h.SAFELOADD):
        # ASan's quarantine holds freed memory on purpose; LeakSanitizer
        # checks at exit instead (the clean exit status below).
        t.skip("sanitizer build: RSS %d kB before, %d kB after"
               % (before["rss_kb"], after["rss_kb"]))
    else:
        t.ok(after["rss_kb"] <= before["rss_kb"] * RSS_SLACK,
             "daemon RSS flat within 10%% (%d kB before, %d kB after)"
             % (before["rss_kb"], after["rss_kb"]))
    return sent


def wait_for(cond, limit_s):
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.002)
    return None


def disconnect_phase(d, pb, tmp):
    """A client hangs up mid-request: its worker is killed and reaped."""
    big = os.path.join(tmp, "big.model")
    h.write_big_model(pb, big, BIG_ELEMENTS)
    before = settled_snapshot(d.proc.pid)
    c = Conn(d.socket)
    fd = os.open(big, os.O_RDONLY)
    c.send(REQ_CHECK, struct.pack("<III", F_CANONICAL, 0, 0), fd)
    os.close(fd)
    busy = wait_for(d.busy_workers, 10.0)
    c.close()
    if not busy:
        t.skip("never caught the big model's worker running")
        return 1
    gone = wait_for(lambda: all(not os.path.exists("/proc/%d" % p)
                                for p in busy), 10.0)
    t.ok(gone, "a client that hangs up mid-request: its worker is killed")
    settle(d, d.socket, 2)
    after = settled_snapshot(d.proc.pid, before)
    t.ok(after["fds"] == before["fds"] and after["zombies"] == 0,
         "... and nothing of it is left (fds %d/%d, zombies %d)"
         % (before["fds"], after["fds"], after["zombies"]))
    t.ok("client gone" in d.log(), "... and the request is logged as such")
    return 1


def worker_has_hooks():
    with open(h.WORKER, "rb") as f:
        return b"--test-hook" in f.read()


def hook_phase(tmp):
    """Workers that crash, die by seccomp or lie: one request fails each."""
    cases = (("crash", "worker-crashed"), ("syscall", "worker-crashed"),
             ("bad-reply", "bad-reply"), ("hang", "worker-timeout"))
    if not worker_has_hooks():
        for hook, _ in cases:
            t.skip("worker built without -Dtest_hooks: %s" % hook)
        return
    tiny = os.path.join(h.SAMPLES, "tiny.model")
    for hook, code in cases:
        wrapper = os.path.join(tmp, "worker-" + hook)
        with open(wrapper, "w") as f:
            f.write('#!/bin/sh\nexec "%s" "$@" --test-hook %s\n'
                    % (os.path.abspath(h.WORKER), hook))
        os.chmod(wrapper, 0o755)
        d = h.Daemon("--worker", wrapper)
        if not t.ok(d.start(), "daemon with a '%s' worker starts" % hook):
            continue
        rc, out, err = d.client("check", "--json", tiny)
        objs = h.json_lines(out)
        t.ok(rc == 1 and objs and objs[0]["reasons"][0]["code"] == code,
             "worker hook '%s': the request fails as %s" % (hook, code),
             out + err)
        rc2, out2, _ = d.client("status")
        snap = settled_snapshot(d.proc.pid)
        t.ok(rc2 == 0 and snap["zombies"] == 0 and snap["memfds"] == 0 and
             d.busy_workers() == [], "... the daemon serves on, no zombie, "
             "no memfd, no busy worker", out2)
        t.ok(d.stop() == 0, "... and stops cleanly")


def our_workers():
    """Processes running this build's worker, wherever they were left,
    that this test started: the daemon and its workers stay in our
    process group (nothing in them calls setsid), so another test or
    another run of this build is not counted."""
    exe = os.path.realpath(h.WORKER)
    pgrp = os.getpgrp()
    pids = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                if os.readlink("/proc/%s/exe" % p) == exe and \
                        os.getpgid(int(p)) == pgrp:
                    pids.append(int(p))
            except OSError:
                pass
    return pids


def sigterm_phase(good):
    """SIGTERM under load: answers or clean errors, then exit 0."""
    d = h.Daemon()
    if not t.ok(d.start(), "a fresh daemon for SIGTERM under load"):
        return
    # Its warm workers must show up, or the check at the end proves nothing.
    t.ok(wait_for(our_workers, 10.0) is not None,
         "SIGTERM: this daemon's warm workers are seen before")
    work = [good[i % len(good)] for i in range(4 * CLIENTS)]
    answers, problems = run_clients(
        d.socket, work, {}, on_half=lambda: d.proc.send_signal(
            signal.SIGTERM))
    try:    # the one SIGTERM is enough: a second could land mid-exit
        status = d.proc.wait(h.STOP_TIMEOUT_S)
    except Exception:
        status = d.stop()
    bad = [a for a in answers if a[2][0] not in (ACCEPT, "error") or
           (a[2][0] == ACCEPT and not a[2][2])]
    t.diag("SIGTERM: %d answered (%d clean errors), %d connections ended "
           "by the shutdown" % (len(answers),
                                sum(a[2][0] == "error" for a in answers),
                                len(problems)))
    t.ok(not bad and status == 0, "SIGTERM under load: every answer is a "
         "verdict or a clean error, exit status 0 (got %r)" % status,
         "\n".join(map(str, bad[:10])))
    ok, why = logged_once(d, d.log().count(": uid "))
    t.ok(ok, "SIGTERM: every request logged exactly once (%s)" % why)
    t.ok(wait_for(lambda: not our_workers(), 5.0) is not None or
         not our_workers(), "SIGTERM: no worker outlives the daemon")


def policy_daemon(tmp, name, text):
    path = os.path.join(tmp, name + ".conf")
    with open(path, "w") as f:
        f.write(text)
    return h.Daemon("--policy", path)


def as_nobody(path, model, log_fd, out_w):
    """In a forked child: one check as uid nobody.  Writes to the pipe the
    daemon log's size just before the request went out, and the verdict."""
    try:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
        c = Conn(path)
        fd = os.open(model, os.O_RDONLY | os.O_CLOEXEC)
        mark = os.fstat(log_fd).st_size
        c.send(REQ_CHECK, struct.pack("<III", F_CANONICAL, 0, 0), fd)
        os.close(fd)
        typ, _, p, _ = c.recv()
        verdict = struct.unpack_from("<I", p)[0] if typ == ANS_RESULT \
            else "error"
        os.write(out_w, ("%d %r" % (mark, verdict)).encode())
    finally:
        os._exit(0)


def request_lines(text):
    """(seq, uid) of each request's log line, in the order they ended."""
    out = []
    for m in re.finditer(r"request (\d+): uid (\d+): ", text):
        out.append((int(m.group(1)), int(m.group(2))))
    return out


def fairness_phase(tmp, good):
    """One worker, root floods it from 32 connections: nobody's request
    waits for a few of root's, not for the whole queue of them.

    Counted in the daemon's log, which lists requests in the order they
    ended (one worker: the order they ran), never by client clocks.  The
    nobody child notes the log's size just before it sends; every request
    logged after that mark and before nobody's went ahead of it.  Root's
    requests that arrived before nobody's (lower seq) but are logged after
    that mark were waiting when it came: FIFO would run them all first."""
    d = policy_daemon(tmp, "fair", "[access]\nusers = root nobody\n"
                      "[daemon]\nmax_concurrent = 1\nidle_workers = 1\n"
                      "cache_size = 0\n")
    if not t.ok(d.start(), "a one-worker daemon for the fairness check"):
        return
    os.chmod(d.dir, 0o755)      # nobody must reach the socket
    work = [good[i % len(good)] for i in range(FLOOD)]
    stamps = []
    th = threading.Thread(target=run_clients,
                          args=(d.socket, work, {}, None, stamps))
    th.start()
    wait_for(lambda: len(stamps) >= CLIENTS, 60.0)   # every client is in
    log_fd = os.open(d.logpath, os.O_RDONLY | os.O_CLOEXEC)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        as_nobody(d.socket, good[0][0], log_fd, w)
    os.close(w)
    os.close(log_fd)
    os.waitpid(pid, 0)
    got = os.read(r, 4096).decode().split()
    os.close(r)
    th.join()
    d.stop()
    if not t.ok(len(got) == 2 and got[1] == str(ACCEPT),
                "nobody's request is answered while root floods the one "
                "worker", got):
        return
    after = request_lines(d.log().encode()[int(got[0]):].decode())
    mine = [i for i, (_, uid) in enumerate(after) if uid == NOBODY]
    if not t.ok(len(mine) == 1, "nobody's request is logged once, after "
                "the mark", after[:40]):
        return
    seq = after[mine[0]][0]
    ahead = [s for s, uid in after[:mine[0]] if uid == 0]
    waiting = [s for s, uid in after if uid == 0 and s < seq]
    t.diag("when nobody's request came, %d of root's were waiting; %d of "
           "root's ran before it" % (len(waiting), len(ahead)))
    t.ok(len(waiting) > FAIR_MAX_AHEAD, "root's flood had more than %d "
         "requests waiting when nobody's came (%d)"
         % (FAIR_MAX_AHEAD, len(waiting)))
    t.ok(len(ahead) <= FAIR_MAX_AHEAD, "fair queue: at most %d of root's "
         "%d waiting requests went first (got %d)"
         % (FAIR_MAX_AHEAD, len(waiting), len(ahead)))


def sanitized(exe):
    with open(exe, "rb") as f:
        return b"__asan_init" in f.read()


def oom_phase(tmp, pb):
    """A worker that runs out of memory fails that one request."""
    if sanitized(h.WORKER):
        t.skip("sanitizer build: the worker runs without RLIMIT_AS")
        return
    d = policy_daemon(tmp, "oom", "[daemon]\nworker_memory = %dM\n"
                      "cache_size = 0\n" % OOM_WORKER_MIB)
    if not t.ok(d.start(), "a daemon whose workers get %d MiB"
                % OOM_WORKER_MIB):
        return
    big = os.path.join(tmp, "oom.model")
    h.write_big_model(pb, big, OOM_ELEMENTS)
    rc, out, err = d.client("check", "--json", big)
    objs = h.json_lines(out)
    code = objs[0]["reasons"][0]["code"] if objs and objs[0]["reasons"] \
        else None
    t.ok(rc == 1 and code in ("worker-crashed", "alloc-limit"),
         "a model too big for the worker's memory fails that request "
         "(%s)" % code, out + err)
    rc, out, err = d.client("check", os.path.join(h.SAMPLES, "tiny.model"))
    # The answer can reach the client before the daemon has closed the
    # request's fds: a status round trip comes back only after that.
    settle(d, d.socket, 2)
    snap = settled_snapshot(d.proc.pid)
    t.ok(rc == 0 and snap["zombies"] == 0 and snap["memfds"] == 0,
         "... and the daemon serves on, nothing left behind", out + err)
    d.stop()


def busy_phase(tmp):
    """One worker, a queue of one: the rest get a clean `busy`."""
    d = policy_daemon(tmp, "busy", "[daemon]\nmax_concurrent = 1\n"
                      "idle_workers = 1\nqueue_length = 1\ncache_size = 0\n")
    if not t.ok(d.start(), "a one-worker, one-place-queue daemon"):
        return
    tiny = os.path.join(h.SAMPLES, "tiny.model")
    answers, problems = run_clients(d.socket, [(tiny, "good")] * 64, {})
    busy = sum(1 for a in answers if a[2][0] == "error")
    ok = sum(1 for a in answers if a[2][0] == ACCEPT)
    t.ok(not problems and busy + ok == len(answers) == 64 and busy > 0,
         "a full queue answers busy (%d busy, %d accepted, nothing lost)"
         % (busy, ok), "\n".join(problems[:5]))
    d.stop()


def main():
    pb = h.model_pb2()
    if pb is None:
        h.skip_all("python3-protobuf missing: load test needs its models")
    tmp = h.temp_dir("safeload-load-")
    os.chmod(tmp, 0o755)
    fixed, good, bad = make_models(pb, tmp)
    d = h.Daemon()
    if not t.ok(d.start(), "safeloadd starts"):
        t.done()
    sent = load_phase(d, fixed, good, bad)
    sent += disconnect_phase(d, pb, tmp)
    ok, why = logged_once(d, sent)
    t.ok(ok, "every request logged exactly once (%s)" % why)
    t.ok(d.stop() == 0, "SIGTERM when idle: exit status 0")
    sigterm_phase(good)
    fairness_phase(tmp, good)
    busy_phase(tmp)
    oom_phase(tmp, pb)
    hook_phase(tmp)
    t.done()


main()
