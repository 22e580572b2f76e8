#!/usr/bin/python3
"""test_install.py: `meson install` puts everything in its standard place
(role: tests).

Reads `meson introspect --installed` of the build under test: the CLI in
bindir, the daemon in sbindir, the worker in libexecdir, the example policy
in sysconfdir, the units in the systemd unit directory, the sysusers.d and
tmpfiles.d snippets, the library and safeload.pc in libdir, the header,
every page of man/ in its section, and the Python module where
/usr/bin/python3 looks.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Tap  # noqa: E402


def introspect(what):
    p = subprocess.run(["meson", "introspect", what, harness.BUILD],
                       capture_output=True, text=True, timeout=120)
    return json.loads(p.stdout) if p.returncode == 0 else None


def main():
    installed = introspect("--installed")
    opts = introspect("--buildoptions")
    if installed is None or opts is None:
        harness.skip_all("meson introspect is not available")
    opt = {o["name"]: o["value"] for o in opts}
    pre = opt["prefix"]

    def d(name):
        v = opt[name]
        return v if v.startswith("/") else os.path.join(pre, v)

    unitdir = opt.get("systemdsystemunitdir") or "/lib/systemd/system"
    where = {os.path.basename(k): os.path.dirname(v)
             for k, v in installed.items()}
    want = {
        "safeload": d("bindir"),
        "safeloadd": d("sbindir"),
        "safeload-worker": d("libexecdir"),
        "policy.conf.example": os.path.join(d("sysconfdir"), "safeload"),
        "safeloadd.service": unitdir,
        "safeloadd.socket": unitdir,
        "sysusers.conf": "/usr/lib/sysusers.d",
        "tmpfiles.conf": "/usr/lib/tmpfiles.d",
        "libsafeload.so.0": d("libdir"),
        "safeload.pc": os.path.join(d("libdir"), "pkgconfig"),
        "safeload.h": d("includedir"),
    }
    t = Tap()
    for name, path in sorted(want.items()):
        t.ok(where.get(name) in (path, os.path.realpath(path)),
             "%s goes to %s" % (name, path), where.get(name))
    man = os.path.join(harness.SOURCE, "man")
    for page in sorted(os.listdir(man)):
        sec = page.rsplit(".", 1)[-1]
        if not sec.isdigit():
            continue
        t.ok(where.get(page) == os.path.join(d("mandir"), "man" + sec),
             "man page %s goes to man%s" % (page, sec), where.get(page))
    py = [v for k, v in installed.items() if k.endswith("safeload/cntk.py")]
    pypath = subprocess.run(["/usr/bin/python3", "-c",
                             "import sys; print('\\n'.join(sys.path))"],
                            capture_output=True, text=True).stdout.split()
    t.ok(len(py) == 1 and (os.path.dirname(os.path.dirname(py[0])) in
                           pypath or not pre.startswith("/usr")),
         "the Python module goes where /usr/bin/python3 looks", py)
    t.done()


if __name__ == "__main__":
    main()
