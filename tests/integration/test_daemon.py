#!/usr/bin/python3
"""test_daemon.py: a real safeloadd on a temporary socket (role: tests).

Accepts every real CNTK v2 model, rejects what is not a model, keeps
serving after a worker is killed mid-request, answers the same through
--local, and logs each request exactly once.
"""
import os
import re
import signal
import socket
import subprocess
import time

import harness as h

KILL_TRIES = 5
BIG_ELEMENTS = 40 * 1000 * 1000   # 160 MB of floats: long enough to kill
ORACLE = os.path.join(h.SOURCE, "tests", "integration", "oracle.py")

t = h.Tap()


def check_v2_corpus(d, mode_args, label):
    entries = h.corpus_entries("v2")
    if not entries:
        t.skip("no ../shared corpus: real v2 models (%s)" % label)
        return
    rc, out, err = d.client("check", "--json", *mode_args,
                            *[p for _, p, _ in entries])
    objs = h.json_lines(out)
    t.ok(rc == 0 and len(objs) == len(entries),
         "%s: all %d real v2 models accepted (exit 0)" % (label, len(entries)),
         err + out[-2000:])
    for (name, _, e), o in zip(entries, objs):
        v = e["verify"]
        st = o["stats"]
        good = (o["verdict"] == "accept" and o["format"] == "cntk-v2"
                and o["reasons"] == []
                and st["functions"] == v["num_primitive_functions"]
                and st["parameters"] == v["parameter_elements"]
                and st["ops"] == v["ops"])
        t.ok(good, "%s: %s accepted as cntk-v2" % (label, name), o)


def check_canonical_oracle(d):
    entries = h.corpus_entries("v2")
    if not entries:
        t.skip("no ../shared corpus: canonical output vs python3-protobuf")
        return
    if not os.path.exists("/usr/bin/python3") or not os.path.exists(ORACLE):
        t.skip("no /usr/bin/python3 oracle")
        return
    tmp = h.temp_dir("safeload-canon-")
    bad = []
    for name, path, _ in entries:
        out = os.path.join(tmp, name + ".canonical")
        rc, _, err = d.client("check", "-o", out, path)
        r = subprocess.run(["/usr/bin/python3", ORACLE,
                            os.path.join(h.SOURCE, "daemon"), path, out],
                           capture_output=True, text=True)
        if rc != 0 or r.returncode != 0:
            bad.append("%s: rc %d %s %s" % (name, rc, err, r.stdout + r.stderr))
    t.ok(not bad, "canonical output of every real v2 model decodes "
         "(python3-protobuf) to the original's content", "\n".join(bad))


def check_rejects(d, mode_args, label):
    rc, out, err = d.client("check", "--json", *mode_args, "/etc/passwd")
    objs = h.json_lines(out)
    t.ok(rc == 1 and len(objs) == 1 and objs[0]["verdict"] == "reject"
         and objs[0]["reasons"]
         and re.match(r"^[a-z0-9-]+$", objs[0]["reasons"][0]["code"]),
         "%s: /etc/passwd rejected with a reason code (exit 1)" % label,
         out + err)
    for kind in ("v2-checkpoint", "v2-dictionary"):
        for name, path, _ in h.corpus_entries(kind):
            rc, out, _ = d.client("check", "--json", *mode_args, path)
            objs = h.json_lines(out)
            t.ok(rc == 1 and objs and
                 objs[0]["reasons"][0]["code"] == "not-a-model",
                 "%s: %s rejected as not-a-model" % (label, name), out)


def check_samples(d):
    tiny = os.path.join(h.SAMPLES, "tiny.model")
    udf = os.path.join(h.SAMPLES, "udf.model")
    if not os.path.exists(tiny):
        t.skip("sample models not built")
        return
    rc, out, _ = d.client("check", "--json", tiny, udf)
    objs = h.json_lines(out)
    t.ok(rc == 1 and len(objs) == 2 and objs[0]["verdict"] == "accept"
         and objs[1]["reasons"][0]["code"] == "user-defined-function",
         "sample models: tiny accepted, udf rejected as "
         "user-defined-function", out)


def kill_worker_mid_request(d, big):
    """SIGKILL the worker while it works; the request fails alone."""
    for _ in range(KILL_TRIES):
        p = subprocess.Popen([h.CLIENT, "--socket", d.socket, "check",
                              "--json", big], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        killed = False
        deadline = time.monotonic() + 30
        while p.poll() is None and time.monotonic() < deadline:
            for pid in d.busy_workers():
                os.kill(pid, signal.SIGKILL)
                killed = True
            if killed:
                break
            time.sleep(0.0005)
        out, err = p.communicate(timeout=60)
        if killed:
            return p.returncode, out, err
    return None, "", "never caught a worker running"


def check_kill(d):
    pb = h.model_pb2()
    if pb is None:
        t.skip("python3-protobuf missing: worker kill test")
        return
    big = os.path.join(d.dir, "big.model")
    h.write_big_model(pb, big, BIG_ELEMENTS)
    rc, out, err = kill_worker_mid_request(d, big)
    objs = h.json_lines(out) if rc is not None else []
    t.ok(rc == 1 and objs and objs[0]["reasons"][0]["code"] ==
         "worker-crashed", "a worker killed mid-request fails that request "
         "as worker-crashed", "%s %s %s" % (rc, out, err))
    rc, out, err = d.client("check", "--json", big)
    t.ok(rc == 0 and h.json_lines(out)[0]["verdict"] == "accept",
         "the daemon serves on: the same big model is then accepted",
         out + err)
    t.ok(d.busy_workers() == [], "no worker is left running")


def check_log(d, stop_status):
    log = d.log()
    t.ok(stop_status == 0, "SIGTERM: safeloadd exits 0", log[-2000:])
    ids = re.findall(r"request (\d+): ", log)
    t.ok(len(ids) > 0 and len(ids) == len(set(ids)),
         "each request is logged exactly once (%d requests)" % len(ids),
         log[-2000:])
    t.ok(re.search(r"^<\d>safeloadd: ", log, re.M) is not None,
         "log lines carry <N> priority prefixes")


READY_STARTS = 3          # daemons started in the socket-ready check
READY_WAIT_S = 30.0
# tests/tools/slow-listen.c: listen() waits 300 ms after bind().
SLOW_LISTEN = os.path.join(h.BUILD, "tests", "tools", "slow-listen.so")


def connect_at_first_sight(d):
    """Start d with listen() slowed down, spin until its socket path
    exists, connect at once: None if that worked, else the error."""
    env = {"PATH": "/usr/bin:/bin", "LD_PRELOAD": SLOW_LISTEN,
           # an ASan daemon wants its runtime first; the shim is harmless
           "ASAN_OPTIONS": "verify_asan_link_order=0"}
    with open(d.logpath, "w") as log:
        d.proc = subprocess.Popen(
            [h.SAFELOADD, "--socket", d.socket, "--worker",
             os.path.abspath(h.WORKER)], stdin=subprocess.DEVNULL,
            stdout=log, stderr=log, env=env)
    deadline = time.monotonic() + READY_WAIT_S
    while not os.path.exists(d.socket):
        if time.monotonic() > deadline or d.proc.poll() is not None:
            return "never appeared"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        s.connect(d.socket)
        return None
    except OSError as e:
        return str(e)
    finally:
        s.close()


def check_socket_ready():
    """The socket path appears only once the daemon listens: a client
    that connects the moment it sees the file is never refused."""
    if not os.path.exists(SLOW_LISTEN):
        t.skip("tests/tools/slow-listen.so not built")
        return
    errors = []
    for _ in range(READY_STARTS):
        d = h.Daemon()
        err = connect_at_first_sight(d)
        d.stop()
        if err is not None:
            errors.append(err)
    t.ok(not errors, "%d starts: a connect the moment the socket file "
         "appears is accepted" % READY_STARTS, errors)


def main():
    check_socket_ready()
    d = h.Daemon()
    if not t.ok(d.start(), "safeloadd starts on a temporary socket"):
        print(d.log())
        t.done()
    try:
        rc, out, err = d.client("status")
        t.ok(rc == 0 and "requests" in out, "status answers", out + err)
        check_v2_corpus(d, [], "daemon")
        check_rejects(d, [], "daemon")
        check_samples(d)
        check_canonical_oracle(d)
        check_kill(d)
    finally:
        status = d.stop()
    check_log(d, status)
    check_v2_corpus(d, ["--local"], "local")
    check_rejects(d, ["--local"], "local")
    t.done()


main()
