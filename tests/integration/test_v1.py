#!/usr/bin/python3
"""test_v1.py: CNTK v1 models through a real safeloadd and --local
(role: tests).

Every real v1 model in the corpus must be accepted, as format cntk-v1 with
the node count, parameter elements and op histogram that
verification.json records, and its canonical copy (-o) must equal the
file.  Every malformed case from tests/tools/gen-v1.py must be rejected
with its exact reason code, both ways, and the daemon must keep serving
after each one.
"""
import hashlib
import importlib.util
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

GEN = os.path.join(h.SOURCE, "tests", "tools", "gen-v1.py")


def load_gen():
    spec = importlib.util.spec_from_file_location("gen_v1", GEN)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def check(runner, path, *extra):
    """One file through `runner` (d.client or h.client); (rc, obj)."""
    rc, out, err = runner("check", "--json", *extra, path)
    objs = h.json_lines(out)
    return rc, (objs[0] if len(objs) == 1 else {"stderr": err, "out": out})


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def real_models(t, runner, how, tmp):
    for label, path, entry in h.corpus_entries("v1"):
        want = entry["verify"]
        out = os.path.join(tmp, label + ".canon")
        rc, o = check(runner, path, "-o", out)
        good = (rc == 0 and o.get("verdict") == "accept" and
                o.get("format") == "cntk-v1")
        t.ok(good, "%s %s: accepted as cntk-v1" % (how, label), o)
        st = o.get("stats", {})
        t.ok(st.get("functions") == want["num_nodes"] and
             st.get("parameters") == want["parameter_elements"] and
             st.get("ops") == want["ops"],
             "%s %s: %s nodes, %s parameter elements, ops as verified" %
             (how, label, want["num_nodes"], want["parameter_elements"]),
             st)
        t.ok(good and os.path.exists(out) and sha256(out) == sha256(path)
             and o.get("canonical_sha256") == o.get("sha256"),
             "%s %s: canonical copy byte-identical" % (how, label))
    for label, path, _ in h.corpus_entries("v1-checkpoint"):
        rc, o = check(runner, path)
        codes = [r["code"] for r in o.get("reasons", [])]
        t.ok(rc == 1 and codes[:1] == ["not-a-model"],
             "%s %s: not-a-model" % (how, label), o)


def malformed(t, runner, how, tmp, gen, d=None):
    for name, data, code in gen.bad_cases():
        path = os.path.join(tmp, name + ".dnn")
        with open(path, "wb") as f:
            f.write(data)
        rc, o = check(runner, path)
        codes = [r["code"] for r in o.get("reasons", [])]
        t.ok(rc == 1 and o.get("verdict") == "reject" and
             codes[:1] == [code] and o.get("canonical_sha256") is None,
             "%s %s: %s" % (how, name, code), o)
    if d is not None:
        t.ok(d.proc.poll() is None, "%s: daemon still running" % how)
        rc, out, _ = d.client("status")
        t.ok(rc == 0, "%s: daemon still answers status" % how, out)


def valid_generated(t, runner, how, tmp, gen):
    for name, data in sorted(gen.valid_models().items()):
        path = os.path.join(tmp, name + ".dnn")
        with open(path, "wb") as f:
            f.write(data)
        rc, o = check(runner, path)
        t.ok(rc == 0 and o.get("canonical_sha256") == o.get("sha256"),
             "%s generated %s: accepted, canonical identical" % (how, name),
             o)


def local(verb, *args):
    """The CLI with --local: the same sandboxed worker, no daemon."""
    return h.client(verb, "--local", *args)


def main():
    t = h.Tap()
    gen = load_gen()
    tmp = h.temp_dir("safeload-v1-")
    d = h.Daemon()
    if not t.ok(d.start(), "safeloadd starts"):
        t.done()
    try:
        if h.have_corpus():
            real_models(t, d.client, "daemon", tmp)
            real_models(t, local, "--local", tmp)
        else:
            t.skip("no corpus at %s" % h.CORPUS)
        valid_generated(t, d.client, "daemon", tmp, gen)
        malformed(t, d.client, "daemon", tmp, gen, d)
        malformed(t, local, "--local", tmp, gen)
    finally:
        status = d.stop()
        t.ok(status == 0, "safeloadd exits 0 on SIGTERM (%r)" % status)
    t.done()


if __name__ == "__main__":
    main()
