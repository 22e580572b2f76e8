#!/usr/bin/python3
"""test_python.py: the `safeload` Python module against a real safeloadd
(role: tests).

The module under test is python/safeload (PYTHONPATH); it finds the
freshly built library through $SAFELOAD_LIBRARY.  Runs under Debian's
/usr/bin/python3, standard library only.
"""
import hashlib
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Tap  # noqa: E402

TINY = os.path.join(harness.SAMPLES, "tiny.model")
UDF = os.path.join(harness.SAMPLES, "udf.model")
DEEP = os.path.join(harness.SAMPLES, "deep.model")

FAKE_CNTK = '''
"""A stand-in for CNTK: records what Function.load was given."""
class ModelFormat:
    CNTKv2 = "cntk-v2"
    ONNX = "onnx"


class Function:
    calls = []

    @staticmethod
    def load(model, device=None, format=ModelFormat.CNTKv2):
        Function.calls.append((model, device, format))
        return ("function", len(model))
'''


def test_check(t, safeload, sock):
    rep = safeload.check(TINY, socket=sock)
    t.ok(rep["verdict"] == "accept" and rep["format"] == "cntk-v2" and
         rep["reasons"] == [] and len(rep["sha256"]) == 64,
         "check() returns the report of an accepted model", rep)
    rep = safeload.check(UDF, socket=sock)
    t.ok(rep["verdict"] == "reject" and
         rep["reasons"][0]["code"] == "user-defined-function",
         "check() reports a reject without raising", rep)


def test_load(t, safeload, sock):
    rep = safeload.check(TINY, socket=sock)
    data = safeload.load(TINY, socket=sock)
    t.ok(isinstance(data, bytes) and
         hashlib.sha256(data).hexdigest() == rep["canonical_sha256"],
         "load() returns exactly the canonical bytes")
    try:
        safeload.load(UDF, socket=sock)
        t.ok(False, "load() raises on reject")
    except safeload.Rejected as e:
        t.ok(e.code == "user-defined-function" and
             e.report["verdict"] == "reject" and
             "user-defined-function" in str(e),
             "load() raises Rejected with .code on reject", str(e))
    try:
        safeload.load(DEEP, socket=sock)
        t.ok(False, "a too deep model raises")
    except safeload.Rejected as e:
        t.ok(e.code == "depth-limit", "Rejected.code is depth-limit for "
             "a deep model", e.code)


def test_errors(t, safeload, sock, tmp):
    try:
        safeload.load(os.path.join(tmp, "missing.model"), socket=sock)
        t.ok(False, "a missing file raises")
    except safeload.SafeloadError as e:
        t.ok(isinstance(e, OSError) and e.errno == 2,
             "a missing file raises SafeloadError (ENOENT)", repr(e))
    try:
        safeload.check(TINY, socket=os.path.join(tmp, "nobody.sock"))
        t.ok(False, "no daemon raises")
    except safeload.SafeloadError as e:
        t.ok("cannot reach" in str(e), "no daemon raises SafeloadError "
             "naming the socket", str(e))
    rep = safeload.check(TINY, socket=sock, model_format="onnx")
    t.ok(rep["verdict"] == "reject" and
         rep["reasons"][0]["code"] == "unknown-format",
         "model_format states the format: CNTK v2 checked as ONNX is "
         "unknown-format", rep)
    t.ok(safeload.check(TINY, socket=sock, model_format="cntk-v2")
         ["verdict"] == "accept", "model_format=cntk-v2 accepts it")
    try:
        safeload.check(TINY, socket=sock, model_format="pickle")
        t.ok(False, "an unknown model_format raises")
    except ValueError:
        t.ok(True, "an unknown model_format raises ValueError")
    try:
        with safeload.Client(local=True) as c:
            c.check(TINY, profile="ops")
        t.ok(False, "a profile without daemon raises")
    except safeload.SafeloadError as e:
        t.ok(e.errno == 95, "a profile on a local client is refused "
             "(EOPNOTSUPP)", repr(e))


def test_client(t, safeload, sock):
    with safeload.Client(sock) as c:
        reps = [c.check(TINY)["verdict"] for _ in range(3)]
        st = c.status()
    t.ok(reps == ["accept"] * 3, "one Client serves several checks")
    t.ok(int(st.get("requests", "0")) >= 3 and "version" in st,
         "status() returns the daemon's items", st)
    rep = safeload.check(TINY, local=True)
    t.ok(rep["verdict"] == "accept", "local=True needs no daemon", rep)


def test_cntk(t, safeload, sock, tmp):
    import importlib
    sys.modules["cntk"] = None  # make `import cntk` fail for sure
    import safeload.cntk as slc
    try:
        slc.load_model(TINY, socket=sock)
        t.ok(False, "load_model without cntk raises")
    except ImportError as e:
        t.ok("needs the 'cntk' Python package" in str(e),
             "load_model without cntk says so clearly", str(e))
    del sys.modules["cntk"]
    with open(os.path.join(tmp, "cntk.py"), "w") as f:
        f.write(FAKE_CNTK)
    sys.path.insert(0, tmp)
    importlib.invalidate_caches()
    import cntk
    canonical = safeload.load(TINY, socket=sock)
    got = slc.load_model(TINY, device="cpu", socket=sock)
    model, device, _ = cntk.Function.calls[-1]
    t.ok(got == ("function", len(canonical)) and model == canonical and
         device == "cpu", "load_model hands Function.load the canonical "
         "bytes and the device")
    try:
        slc.load_model(UDF, socket=sock)
        t.ok(False, "load_model raises on reject")
    except safeload.Rejected as e:
        t.ok(e.code == "user-defined-function" and
             len(cntk.Function.calls) == 1,
             "load_model raises Rejected and never calls CNTK")
    onnx = [e for e in harness.corpus_entries("onnx")
            if e[2]["size"] < 8 << 20]
    if not onnx:
        t.skip("no ONNX model in the corpus")
        return
    try:
        slc.load_model(onnx[0][1], socket=sock, model_format="onnx")
        t.ok(cntk.Function.calls[-1][2] == "onnx", "an ONNX model is "
             "loaded with format=cntk.ModelFormat.ONNX")
    except safeload.Rejected as e:
        t.skip("%s is rejected by this build: %s" % (onnx[0][0], e.code))


def test_corpus(t, safeload, sock):
    entries = [e for e in harness.corpus_entries("v2")
               if e[2]["size"] < 8 << 20]
    if not entries:
        t.skip("no real corpus")
        return
    label, path, _ = max(entries, key=lambda e: e[2]["size"])
    rep = safeload.check(path, socket=sock)
    if rep["verdict"] != "accept":
        t.skip("%s is rejected by this build: %s" % (label, rep["reasons"]))
        return
    data = safeload.load(path, socket=sock)
    t.ok(hashlib.sha256(data).hexdigest() == rep["canonical_sha256"],
         "a real model (%s, %d bytes) loads through the daemon" %
         (label, len(data)))


def preload_sanitizer():
    """Re-run this test with the sanitizer runtime preloaded when the
    library needs it (see harness.library_env)."""
    env = harness.library_env()
    if env.get("SAFELOAD_TEST_PRELOADED") != "1" or \
            "SAFELOAD_TEST_PRELOADED" in os.environ:
        return
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable] + sys.argv, env)


def main():
    if "SAFELOAD_LIBRARY" not in os.environ:
        harness.skip_all("SAFELOAD_LIBRARY is not set")
    preload_sanitizer()
    import safeload
    t = Tap()
    d = harness.Daemon()
    if not t.ok(d.start(), "safeloadd starts"):
        t.done()
    tmp = harness.temp_dir("safeload-python-")
    try:
        t.ok(safeload.version() != "", "version() is the library's")
        test_check(t, safeload, d.socket)
        test_load(t, safeload, d.socket)
        test_errors(t, safeload, d.socket, tmp)
        test_client(t, safeload, d.socket)
        test_cntk(t, safeload, d.socket, tmp)
        test_corpus(t, safeload, d.socket)
    finally:
        t.ok(d.stop() == 0, "safeloadd stops cleanly")
    t.done()


if __name__ == "__main__":
    main()
