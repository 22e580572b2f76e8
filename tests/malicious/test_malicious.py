#!/usr/bin/python3
"""test_malicious.py: every malicious CNTK v2 case against a real safeloadd
(role: tests).

gen_malicious.py builds the cases (mutated real models and byte-level
constructions).  Each one is checked in its own request, together with a
good model: the case must be rejected with its exact reason code, the good
model right after it must still be accepted, and safeloadd must still be
running.  Then every reason code the v2 validator can give must have been
seen at least once.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)

import harness as h  # noqa: E402
import gen_malicious  # noqa: E402

MIN_CASES = 60

# What the CNTK v2 path can answer (docs/reason-codes.md).
V2_CODES = {
    "not-a-model", "unknown-format", "empty-file", "decode-error",
    "size-limit", "depth-limit", "count-limit", "alloc-limit",
    "unsupported-version", "missing-key", "wrong-type", "dangling-reference",
    "user-defined-function", "host-file-reference", "unknown-op",
    "large-model-layout", "shape-mismatch", "bad-data-type", "duplicate-key",
    "invalid-string", "duplicate-uid", "unknown-key", "wrong-object-type",
    "bad-variable-kind", "data-type-mismatch", "variable-shape-mismatch",
    "bad-dimension", "duplicate-axis", "forward-reference",
    "bad-output-index", "graph-cycle", "bad-block-map", "missing-attribute",
    "unknown-attribute", "bad-attribute-value", "op-version-mismatch",
    "bad-storage-format", "bad-arity",
}

t = h.Tap()


def check_case(d, path, name, want, good):
    rc, out, err = d.client("check", "--json", path, good)
    objs = h.json_lines(out) if out else []
    got = (objs[0]["reasons"][0]["code"]
           if len(objs) == 2 and objs[0]["reasons"] else None)
    t.ok(rc == 1 and got == want and objs[0]["verdict"] == "reject",
         "%s: %s" % (name, want), "got %s (exit %d) %s %s" % (got, rc, out,
                                                              err))
    t.ok(len(objs) == 2 and objs[1]["verdict"] == "accept"
         and d.proc.poll() is None,
         "%s: the daemon still serves (next model accepted)" % name,
         out + err)
    return got


def main():
    pb = h.model_pb2()
    if pb is None:
        h.skip_all("python3-protobuf or protoc missing")
    good = os.path.join(h.SAMPLES, "tiny.model")
    if not os.path.exists(good):
        h.skip_all("sample models not built")
    cases = gen_malicious.cases(pb, h.CORPUS)
    if not h.have_corpus():
        t.diag("no ../shared corpus: only the byte-level cases run")
    else:
        t.ok(len(cases) >= MIN_CASES, "%d malicious cases (at least %d)"
             % (len(cases), MIN_CASES))
    tmp = h.temp_dir("safeload-malicious-")
    d = h.Daemon()
    if not t.ok(d.start(), "safeloadd starts on a temporary socket"):
        print(d.log())
        t.done()
    seen = set()
    try:
        for name, want, data in cases:
            path = os.path.join(tmp, name + ".model")
            with open(path, "wb") as f:
                f.write(data)
            seen.add(check_case(d, path, name, want, good))
            os.unlink(path)
    finally:
        status = d.stop()
    t.ok(status == 0, "safeloadd exits 0 on SIGTERM after the corpus",
         d.log()[-2000:])
    if h.have_corpus():
        missing = sorted(V2_CODES - seen)
        t.ok(not missing, "every CNTK v2 reason code is covered",
             " ".join(missing))
    t.done()


main()
