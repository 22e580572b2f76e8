#!/usr/bin/python3
"""test_onnx.py: ONNX models through a real safeloadd (role: tests).

The real ONNX files of ../shared/corpus/real, hostile models built with
Debian's python3-onnx, and the node test models of python3-onnx's backend
test cases (generated in memory from the installed package, written to a
temporary directory, never copied into the tree).  Every backend model is
accepted, or rejected for a reason listed in BACKEND_REJECTS (docs/onnx.md
says why).  Canonical copies must pass onnx.checker.check_model and decode
to the same model as the original.  Run under /usr/bin/python3.
"""
import collections
import os
import warnings

import harness as h

# Reasons a backend node model may be rejected for (docs/onnx.md).
BACKEND_REJECTS = {
    # ai.onnx.preview.training (Adagrad, Adam, Momentum): not a domain
    # that CNTK reads, and not on the allowlist.
    "unknown-domain": "imports a domain other than ai.onnx",
}
NESTING_DEEP = 80        # If inside If: past the default depth limit of 64
BATCH = 200              # files per `safeload check` run

POLICY = """\
[access]
users = root
groups = root

[profile no-conv]
deny_ops = Conv

[profile v2-only]
formats = cntk-v2
"""

t = h.Tap()


def import_onnx():
    try:
        import onnx  # noqa: F401
        return onnx
    except ImportError:
        return None


def check(d, paths, *args):
    """Run check --json over paths in batches; list of result objects."""
    objs = []
    for i in range(0, len(paths), BATCH):
        rc, out, err = d.client("check", "--json", *args,
                                *paths[i:i + BATCH])
        got = h.json_lines(out)
        if rc not in (0, 1) or len(got) != len(paths[i:i + BATCH]):
            t.diag("check failed: rc %d: %s" % (rc, err[-500:]))
            return None
        objs += got
    return objs


def canonical_ok(onnx, d, path, tmp, *args):
    """None if the canonical copy passes the checker and equals the
    original model; otherwise why not."""
    out = os.path.join(tmp, os.path.basename(path) + ".canonical")
    rc, _, err = d.client("check", "-o", out, *args, path)
    if rc != 0:
        return "check -o exited %d: %s" % (rc, err.strip()[-200:])
    try:
        canon = onnx.load(out)
        onnx.checker.check_model(canon)
    except Exception as e:  # noqa: BLE001 - any checker failure is a fail
        return "onnx.checker: %s" % str(e).splitlines()[0][:200]
    finally:
        os.unlink(out)
    if canon != onnx.load(path):
        return "canonical copy decodes to a different model"
    return None


def expect_real(e):
    """(verdict, code) the corpus entry must get."""
    v = e.get("verify") or {}
    if e["kind"] == "onnx-early":
        return "reject", "unsupported-version"
    if not v.get("opset"):
        return "reject", "missing-key"
    return "accept", None


def real_corpus(onnx, d, tmp):
    entries = h.corpus_entries("onnx") + h.corpus_entries("onnx-early")
    if not entries:
        t.skip("no ../shared corpus: real ONNX files")
        return
    for mode in ([], ["--model-format", "onnx"]):
        objs = check(d, [p for _, p, _ in entries], *mode)
        label = " ".join(mode) or "by content"
        if not t.ok(objs is not None, "real ONNX files (%s): checked" % label):
            continue
        for (name, path, e), o in zip(entries, objs):
            verdict, code = expect_real(e)
            got = [r["code"] for r in o["reasons"]]
            good = o["verdict"] == verdict and o["format"] == "onnx" and (
                code is None or got[:1] == [code])
            if verdict == "accept":
                v = e["verify"]
                good = good and o["stats"]["functions"] == v["nodes"] and \
                    o["stats"]["parameters"] == v["param_elements"] and \
                    o["stats"]["ops"] == v["ops"]
            t.ok(good, "%s (%s): %s %s" % (name, label, verdict, code or ""),
                 o)
    for name, path, e in entries:
        if expect_real(e)[0] == "accept":
            why = canonical_ok(onnx, d, path, tmp)
            t.ok(why is None, "%s: canonical copy passes onnx.checker and "
                 "equals the original" % name, why)


def backend_models(tmp):
    """Write python3-onnx's backend node test models; their paths."""
    import numpy as np
    # python3-onnx 1.12's case generators use aliases that numpy removed.
    for alias, typ in (("float", float), ("int", int), ("bool", bool),
                       ("object", object), ("str", str),
                       ("complex", complex)):
        if alias not in np.__dict__:
            setattr(np, alias, typ)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from onnx.backend.test.case.node import collect_testcases
        cases = collect_testcases(None)
    paths = {}
    for c in cases:
        path = os.path.join(tmp, c.name + ".onnx")
        if path not in paths:
            with open(path, "wb") as f:
                f.write(c.model.SerializeToString())
            paths[path] = c.name
    return sorted(paths)


def backend(onnx, d, tmp):
    try:
        paths = backend_models(tmp)
    except Exception as e:  # noqa: BLE001 - a broken generator is a skip
        t.skip("python3-onnx backend test cases: %s" % e)
        return
    objs = check(d, paths, "--model-format", "onnx")
    if not t.ok(objs is not None and len(paths) > 0,
                "%d backend node models checked" % len(paths)):
        return
    counts = collections.Counter()
    accepted = []
    for path, o in zip(paths, objs):
        name = os.path.basename(path)[:-len(".onnx")]
        if o["verdict"] == "accept":
            counts["accept"] += 1
            accepted.append(path)
            t.ok(True, "backend %s: accepted" % name)
            continue
        code = o["reasons"][0]["code"] if o["reasons"] else "?"
        counts[code] += 1
        t.ok(code in BACKEND_REJECTS, "backend %s: rejected: %s (%s)" %
             (name, code, BACKEND_REJECTS.get(code, "not documented")),
             o["reasons"])
    t.diag("backend node models: %d, %s" % (len(paths), ", ".join(
        "%s %d" % kv for kv in sorted(counts.items()))))
    bad = []
    for path in accepted:
        why = canonical_ok(onnx, d, path, tmp, "--model-format", "onnx")
        if why is not None:
            bad.append("%s: %s" % (os.path.basename(path), why))
    t.ok(not bad, "all %d accepted backend models: canonical copy passes "
         "onnx.checker and equals the original" % len(accepted),
         "\n".join(bad))


def base_model(onnx, init=None, node=None, opsets=None, ir=7):
    """Y = Add(X, W) with W a [3] float initializer, unless replaced."""
    hp, tp = onnx.helper, onnx.TensorProto
    w = init if init is not None else hp.make_tensor(
        "W", tp.FLOAT, [3], [1.0, 2.0, 3.0])
    n = node if node is not None else hp.make_node("Add", ["X", "W"], ["Y"])
    g = hp.make_graph([n], "g",
                      [hp.make_tensor_value_info("X", tp.FLOAT, [3])],
                      [hp.make_tensor_value_info("Y", tp.FLOAT, [3])], [w])
    m = hp.make_model(g, opset_imports=opsets or [hp.make_opsetid("", 13)])
    m.ir_version = ir
    return m


def raw_tensor(onnx, dims, floats=(), raw=None):
    """A FLOAT tensor W built by hand: make_tensor refuses to lie."""
    w = onnx.TensorProto()
    w.name, w.data_type = "W", onnx.TensorProto.FLOAT
    w.dims.extend(dims)
    w.float_data.extend(floats)
    if raw is not None:
        w.raw_data = raw
    return w


def external_tensor(onnx, location):
    w = raw_tensor(onnx, [3])
    w.data_location = onnx.TensorProto.EXTERNAL
    e = w.external_data.add()
    e.key, e.value = "location", location
    return w


def nested_if(onnx, depth):
    """A graph whose If nodes nest `depth` deep; the innermost reads X."""
    hp, tp = onnx.helper, onnx.TensorProto
    out = "o%d" % depth
    if depth == 0:
        n = hp.make_node("Identity", ["X"], [out])
    else:
        n = hp.make_node("If", ["X"], [out],
                         then_branch=nested_if(onnx, depth - 1),
                         else_branch=nested_if(onnx, depth - 1)
                         if depth == 1 else nested_if(onnx, 0))
    return hp.make_graph([n], "g%d" % depth, [],
                         [hp.make_tensor_value_info(out, tp.FLOAT, [3])])


def hostile_models(onnx):
    """(name, model bytes, expected code or None for accept)."""
    hp, tp = onnx.helper, onnx.TensorProto
    cases = [("base", base_model(onnx), None)]
    for loc in ("weights.bin", "/etc/passwd", "../../../etc/shadow"):
        cases.append(("external data at '%s'" % loc,
                      base_model(onnx, init=external_tensor(onnx, loc)),
                      "external-data"))
    lying = raw_tensor(onnx, [1000], [1.0, 2.0, 3.0])
    cases.append(("dims [1000] with 3 values",
                  base_model(onnx, init=lying), "shape-mismatch"))
    raw = raw_tensor(onnx, [3], raw=b"\0" * 11)
    cases.append(("raw_data of 11 bytes for [3] floats",
                  base_model(onnx, init=raw), "shape-mismatch"))
    evil = hp.make_node("Add", ["X", "W"], ["Y"], domain="com.evil")
    cases.append(("node in domain com.evil",
                  base_model(onnx, node=evil, opsets=[
                      hp.make_opsetid("", 13), hp.make_opsetid("com.evil",
                                                               1)]),
                  "unknown-domain"))
    cases.append(("op Evil", base_model(onnx, node=hp.make_node(
        "Evil", ["X", "W"], ["Y"])), "unknown-op"))
    cases.append(("no ir_version", base_model(onnx, ir=0),
                  "unsupported-version"))
    for depth, code in ((3, None), (NESTING_DEEP, "depth-limit")):
        g = nested_if(onnx, depth)
        g.input.extend([hp.make_tensor_value_info("X", tp.FLOAT, [3])])
        m = hp.make_model(g, opset_imports=[hp.make_opsetid("", 13)])
        m.ir_version = 7
        cases.append(("If nested %d deep" % depth, m, code))
    return [(n, m.SerializeToString(), c) for n, m, c in cases]


def hostile(onnx, d, tmp):
    for name, data, code in hostile_models(onnx):
        path = os.path.join(tmp, "hostile.onnx")
        with open(path, "wb") as f:
            f.write(data)
        for mode in ([], ["--local"]):
            objs = check(d, [path], *mode) or [{"reasons": []}]
            got = [r["code"] for r in objs[0]["reasons"]]
            t.ok(got[:1] == ([code] if code else []),
                 "%s%s: %s" % (name, " (--local)" if mode else "",
                               code or "accepted"), objs[0])


def policy(d, path):
    objs = check(d, [path], "--profile", "no-conv")
    t.ok(objs is not None and [r["code"] for r in objs[0]["reasons"]] ==
         ["op-not-allowed"], "deny_ops = Conv refuses an ONNX model with Conv",
         objs)
    objs = check(d, [path], "--profile", "v2-only")
    t.ok(objs is not None and [r["code"] for r in objs[0]["reasons"]] ==
         ["format-not-allowed"], "formats = cntk-v2 refuses ONNX", objs)


def stated_format(d, onnx_path):
    """The stated format must match the content, both ways."""
    v2 = [p for _, p, _ in h.corpus_entries("v2")][:1]
    cases = [(onnx_path, "cntk-v2"), (onnx_path, "cntk-v1")]
    cases += [(p, "onnx") for p in v2]
    for path, fmt in cases:
        objs = check(d, [path], "--model-format", fmt)
        t.ok(objs is not None and [r["code"] for r in objs[0]["reasons"]] ==
             ["unknown-format"], "%s stated as %s: unknown-format" %
             (os.path.basename(path), fmt), objs)
    rc, _, err = d.client("check", "--model-format", "tflite", onnx_path)
    t.ok(rc == 2 and "--model-format" in err,
         "--model-format tflite: usage error (exit 2)", err)


def main():
    for p in (h.SAFELOADD, h.CLIENT, h.WORKER):
        if not os.path.exists(p):
            h.skip_all("not built: " + p)
    onnx = import_onnx()
    if onnx is None:
        h.skip_all("python3-onnx is not installed")
    tmp = h.temp_dir("safeload-onnx-")
    os.chmod(tmp, 0o755)
    conf = os.path.join(tmp, "policy.conf")
    with open(conf, "w") as f:
        f.write(POLICY)
    d = h.Daemon("--policy", conf)
    try:
        if t.ok(d.start(), "safeloadd starts"):
            real_corpus(onnx, d, tmp)
            hostile(onnx, d, tmp)
            mnist = [p for n, p, _ in h.corpus_entries("onnx")
                     if n == "winml-mnist-tutorial"]
            if mnist:
                policy(d, mnist[0])
                stated_format(d, mnist[0])
            else:
                t.skip("no ../shared corpus: policy on a real ONNX model")
            backend(onnx, d, tmp)
            t.ok(d.stop() == 0, "safeloadd stops cleanly")
    finally:
        if d.proc is not None and d.proc.poll() is None:
            d.stop()
    t.done()


main()
