#!/usr/bin/python3
"""test_cli_formats.py: `safeload check --format sarif`, `safeload status
--json` and `safeload metrics` against a real safeloadd (role: tests).

Checks the SARIF 2.1.0 structure that code-scanning services read, the
documented exit codes (0 accept, 1 reject, 2 no verdict) in every format,
and that `metrics` is well-formed Prometheus text exposition.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Tap  # noqa: E402

TINY = os.path.join(harness.SAMPLES, "tiny.model")
UDF = os.path.join(harness.SAMPLES, "udf.model")

# Prometheus text format 0.0.4: a sample line.
PROM_SAMPLE = re.compile(
    r'^([a-zA-Z_:][a-zA-Z0-9_:]*)'
    r'(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"'
    r'(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*\})?'
    r' (-?[0-9.]+(?:e[-+]?[0-9]+)?)$')


def sarif(d, *args):
    rc, out, err = d.client("check", "--format", "sarif", *args)
    try:
        return rc, json.loads(out), err
    except ValueError:
        return rc, None, out + err


def test_sarif_mixed(t, d, tmp):
    missing = os.path.join(tmp, "missing.model")
    rc, log, err = sarif(d, TINY, UDF, missing)
    if not t.ok(log is not None, "--format sarif prints one JSON document",
                err):
        return
    run = log["runs"][0]
    t.ok(log["version"] == "2.1.0" and "sarif-schema-2.1.0" in
         log["$schema"] and len(log["runs"]) == 1,
         "version 2.1.0, the 2.1.0 schema, one run")
    t.ok(run["tool"]["driver"]["name"] == "safeload" and
         [r["id"] for r in run["tool"]["driver"]["rules"]] ==
         ["user-defined-function"], "the rules are the reason codes seen")
    res = run["results"]
    t.ok(len(res) == 1 and res[0]["ruleId"] == "user-defined-function" and
         res[0]["ruleIndex"] == 0 and res[0]["level"] == "error" and
         res[0]["message"]["text"] != "", "one error result for the reject",
         res)
    loc = res[0]["locations"][0]["physicalLocation"]["artifactLocation"]
    arts = run["artifacts"]
    t.ok(len(arts) == 3 and loc["index"] == 1 and
         arts[1]["location"]["uri"].endswith("/udf.model") and
         arts[0]["properties"]["verdict"] == "accept" and
         len(arts[0]["hashes"]["sha-256"]) == 64,
         "every file is an artifact; the result points at its own", arts)
    inv = run["invocations"][0]
    t.ok(rc == 2 and inv["exitCode"] == 2 and
         inv["executionSuccessful"] is False and
         len(inv["toolExecutionNotifications"]) == 1,
         "a file without verdict: exit 2 and a notification", inv)


def test_sarif_codes(t, d):
    rc, log, err = sarif(d, TINY)
    t.ok(rc == 0 and log and log["runs"][0]["results"] == [] and
         log["runs"][0]["invocations"][0]["executionSuccessful"],
         "sarif: all accepted exits 0 with no results", err)
    rc, log, err = sarif(d, TINY, UDF)
    t.ok(rc == 1 and log and log["runs"][0]["invocations"][0]
         ["exitCode"] == 1, "sarif: a reject exits 1", err)
    rc, out, err = harness.client("check", "--local", "--format", "sarif",
                                  UDF)
    t.ok(rc == 1 and json.loads(out)["runs"][0]["results"][0]["ruleId"] ==
         "user-defined-function", "sarif works with --local")
    rc, out, err = d.client("check", "--format", "xml", TINY)
    t.ok(rc == 2 and "--format" in err, "an unknown format exits 2", err)


def test_sarif_names(t, d, tmp):
    odd = os.path.join(os.fsencode(tmp), b"odd \xff\n\"name%.model")
    os.symlink(os.path.abspath(UDF), odd)
    rc, out, err = harness.client("--socket", d.socket, "check",
                                  "--format", "sarif",
                                  os.fsdecode(odd))
    try:
        log = json.loads(out)
        uri = log["runs"][0]["artifacts"][0]["location"]["uri"]
        good = re.fullmatch(r"[A-Za-z0-9/._~%:-]+", uri) is not None
    except (ValueError, KeyError, IndexError):
        good = False
    t.ok(rc == 1 and good, "a hostile file name becomes a clean URI", out)


def test_status_json(t, d):
    rc, out, err = d.client("status", "--json")
    try:
        st = json.loads(out)
    except ValueError:
        st = {}
    t.ok(rc == 0 and isinstance(st.get("requests"), int) and
         st["requests"] >= 1 and isinstance(st.get("version"), str),
         "status --json: one object, numbers as numbers", out + err)
    rc, out, err = d.client("status")
    t.ok(rc == 0 and re.search(r"^requests: \d+$", out, re.M),
         "status keeps its key: value text", out)


def test_metrics(t, d):
    rc, out, err = d.client("metrics")
    typed, bad, names = set(), [], set()
    for line in out.splitlines():
        m = re.match(r"# TYPE (\S+) (counter|gauge|summary|untyped)$",
                     line)
        if m:
            typed.add(m.group(1))
        elif line.startswith("# HELP "):
            continue
        else:
            s = PROM_SAMPLE.match(line)
            if s is None or s.group(1) not in typed:
                bad.append(line)
            else:
                names.add(s.group(1))
    t.ok(rc == 0 and not bad and names, "metrics is well-formed Prometheus "
         "text, every sample typed", "\n".join(bad) or out)
    t.ok("safeload_requests_total" in names and "safeload_info" in names,
         "metrics has safeload_requests_total and safeload_info", names)


def main():
    t = Tap()
    d = harness.Daemon()
    if not t.ok(d.start(), "safeloadd starts"):
        t.done()
    tmp = harness.temp_dir("safeload-formats-")
    try:
        test_sarif_mixed(t, d, tmp)
        test_sarif_codes(t, d)
        test_sarif_names(t, d, tmp)
        test_status_json(t, d)
        test_metrics(t, d)
    finally:
        t.ok(d.stop() == 0, "safeloadd stops cleanly")
    t.done()


if __name__ == "__main__":
    main()
