"""harness.py: shared pieces of the integration tests (role: tests).

Starts a real safeloadd on a temporary socket, runs the real `safeload`
client, and prints TAP.  Standard library only, plus python3-protobuf where
a test needs to build or decode models; run under /usr/bin/python3.
"""
import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

BUILD = os.environ.get("SAFELOAD_BUILD_ROOT", "build")
SOURCE = os.environ.get("SAFELOAD_SOURCE_ROOT", ".")
CORPUS = os.environ.get("SAFELOAD_CORPUS", "../shared/corpus/real")
SAFELOADD = os.path.join(BUILD, "daemon", "safeloadd")
WORKER = os.path.join(BUILD, "daemon", "safeload-worker")
CLIENT = os.path.join(BUILD, "client", "safeload")
SAMPLES = os.path.join(BUILD, "tests", "tools")

# Bounds a wait that ends as soon as the daemon is up or has died; the
# sanitizer build on a busy machine needs far less, but no assertion here
# is about start-up time.
START_TIMEOUT_S = 30.0
READY = "serving with policy"     # logged once listening, signals handled
STOP_TIMEOUT_S = 15.0
CLIENT_TIMEOUT_S = 120.0


# What this test process created, removed when it exits: however it exits,
# on every path (a failed assertion, an exception, sys.exit, meson's
# SIGTERM at a timeout).  Only the process that made them removes them: a
# forked child leaves with os._exit() and must not take its parent's files.
_OWNER = os.getpid()
_DIRS = []
_DAEMONS = []


def temp_dir(prefix):
    """A private directory under $TMPDIR, removed when the test exits."""
    path = tempfile.mkdtemp(prefix=prefix)
    _DIRS.append(path)
    return path


@atexit.register
def _clean_up():
    if os.getpid() != _OWNER:
        return
    # A daemon a failed test left running would hold its directory (and
    # outlive the test): kill it first.
    for d in _DAEMONS:
        if d.proc is not None and d.proc.poll() is None:
            d.proc.kill()
            d.proc.wait()
    for path in reversed(_DIRS):
        shutil.rmtree(path, ignore_errors=True)


def _exit_on_sigterm(signum, frame):
    sys.exit(128 + signum)     # raises SystemExit: atexit runs


signal.signal(signal.SIGTERM, _exit_on_sigterm)


class Tap:
    """Just enough TAP for meson."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, what, detail=None):
        self.n += 1
        if not cond:
            self.failed += 1
        print(("ok" if cond else "not ok") + " %d - %s" % (self.n, what))
        if not cond and detail:
            for line in str(detail).splitlines()[:20]:
                print("# " + line)
        sys.stdout.flush()
        return cond

    def skip(self, what):
        self.n += 1
        print("ok %d # SKIP %s" % (self.n, what))

    def diag(self, msg):
        print("# " + msg)
        sys.stdout.flush()

    def done(self):
        print("1..%d" % self.n)
        sys.exit(0 if self.failed == 0 else 1)


def skip_all(why):
    print("1..0 # SKIP " + why)
    sys.exit(77)


class Daemon:
    """One safeloadd on a private socket; stopped by its pid.  `wrap` is
    a command that execs it (e.g. setpriv, to start it with fewer
    capabilities).  Its directory goes when it has stopped; log() still
    answers from memory."""

    def __init__(self, *extra, wrap=()):
        self.dir = temp_dir("safeload-test-")
        self.socket = os.path.join(self.dir, "safeload.sock")
        self.logpath = os.path.join(self.dir, "safeloadd.log")
        self.extra = list(extra)
        self.wrap = list(wrap)
        self.proc = None
        self.final_log = None
        _DAEMONS.append(self)

    def start(self):
        log = open(self.logpath, "w")
        env = {"PATH": "/usr/bin:/bin"}
        self.proc = subprocess.Popen(
            self.wrap + [SAFELOADD, "--socket", self.socket, "--worker",
                         os.path.abspath(WORKER)] + self.extra,
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env)
        log.close()     # the daemon has its own
        # Ready when the daemon says so.  The socket file alone is not
        # enough: bind() creates it before listen(), and a connect() in
        # between is refused; the signal handlers come later still.
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if READY in self.log():
                return True
            if self.proc.poll() is not None:
                return False
            time.sleep(0.01)
        return False

    def start_and_stop(self):
        """For a daemon that may refuse to start: start it, stop it at
        once if it did; (started, its log)."""
        up = self.start()
        if up:
            self.stop()
        else:
            self.proc.wait(STOP_TIMEOUT_S)
        return up, self.log()

    def stop(self, sig=signal.SIGTERM):
        """Signal the daemon; return its exit status (None if it hung)."""
        if self.proc is None:
            return None
        self.proc.send_signal(sig)
        try:
            status = self.proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            status = None
        self.remove_dir()
        return status

    def remove_dir(self):
        """Keep the log, remove the directory (the daemon has exited)."""
        if self.final_log is None:
            self.final_log = self.log()
        shutil.rmtree(self.dir, ignore_errors=True)

    def log(self):
        if self.final_log is not None:
            return self.final_log
        with open(self.logpath) as f:
            return f.read()

    def children(self):
        """pids of the workers running right now."""
        path = "/proc/%d/task/%d/children" % (self.proc.pid, self.proc.pid)
        try:
            with open(path) as f:
                return [int(p) for p in f.read().split()]
        except OSError:
            return []

    def busy_workers(self):
        """pids of the workers holding a model: warm pool workers wait
        with only fds 0-3 open, a busy one also has its model fd.  Only a
        worker inside its seccomp filter counts: one still entering the
        sandbox holds another fd for a moment (its Landlock ruleset), and
        seccomp is the last step, after every fd above 3 was closed."""
        busy = []
        for pid in self.children():
            try:
                # Not yet exec'd, a fresh fork still holds our fds.
                exe = os.readlink("/proc/%d/exe" % pid)
                if not exe.endswith("safeload-worker"):
                    continue
                with open("/proc/%d/status" % pid) as f:
                    if "Seccomp:\t2\n" not in f.read():
                        continue
                if any(int(fd) > 3 for fd in os.listdir("/proc/%d/fd" % pid)):
                    busy.append(pid)
            except OSError:
                pass
        return busy

    def client(self, *args, **kw):
        return client("--socket", self.socket, *args, **kw)


def client(*args, preexec_fn=None, timeout=CLIENT_TIMEOUT_S):
    """Run the CLI; returns (exit code, stdout, stderr)."""
    p = subprocess.run([CLIENT] + list(args), capture_output=True,
                       text=True, timeout=timeout, preexec_fn=preexec_fn,
                       env={"PATH": "/usr/bin:/bin",
                            "SAFELOAD_WORKER": os.path.abspath(WORKER)})
    return p.returncode, p.stdout, p.stderr


def json_lines(out):
    """The --json output: one object per line."""
    objs = []
    for line in out.splitlines():
        line = line.strip()
        if line:
            objs.append(json.loads(line))
    return objs


def corpus_entries(kind):
    """(label, path) of every corpus file of `kind`, or [] without corpus."""
    vpath = os.path.join(CORPUS, "verification.json")
    if not os.path.exists(vpath):
        return []
    with open(vpath) as f:
        entries = json.load(f)
    return [(e["label"], os.path.join(CORPUS, e["file"]), e)
            for e in entries if e.get("kind") == kind]


def have_corpus():
    return os.path.exists(os.path.join(CORPUS, "verification.json"))


def model_pb2():
    """Our daemon/model.proto compiled for python3-protobuf, or None."""
    try:
        import google.protobuf  # noqa: F401
    except ImportError:
        return None
    out = temp_dir("safeload-proto-")
    src = os.path.join(SOURCE, "daemon")
    r = subprocess.run(["protoc", "--proto_path=" + src, "--python_out=" + out,
                        os.path.join(src, "model.proto")],
                       capture_output=True)
    if r.returncode != 0:
        return None
    sys.path.insert(0, out)
    import model_pb2 as m  # noqa: E402
    return m


def write_big_model(pb, path, elements):
    """A valid one-function model whose parameter has `elements` floats."""
    def val(**kw):
        return pb.DictionaryValue(**kw)

    def s(x):
        return val(value_type=pb.VALUE_STRING, string_value=x)

    def z(x):
        return val(value_type=pb.VALUE_SIZE_T, size_t_value=x)

    def b(x):
        return val(value_type=pb.VALUE_BOOL, bool_value=x)

    def vec(items):
        return val(value_type=pb.VALUE_VECTOR,
                   vector_value=pb.Vector(value=items))

    def dic(d):
        out = pb.Dictionary(version=2)
        for k, v in d.items():
            out.data[k].CopyFrom(v)
        return val(value_type=pb.VALUE_DICTIONARY,
                   dictionary_value=out)

    shape = val(value_type=pb.VALUE_ND_SHAPE,
                nd_shape_value=pb.NDShape(shape_dim=[elements]))
    tensor = pb.NDArrayView(data_type=pb.DATA_FLOAT,
                            shape=pb.NDShape(shape_dim=[elements]))
    tensor.float_values.value.extend([0.5] * elements)
    param = dic({"version": z(1), "type": s("Variable"), "uid": s("P0"),
                 "kind": z(2), "data_type": z(1), "dynamic_axis": vec([]),
                 "is_sparse": b(False), "needs_gradient": b(True),
                 "shape": shape,
                 "value": val(value_type=pb.VALUE_ND_ARRAY_VIEW,
                              nd_array_view_value=tensor)})
    fn = dic({"version": z(20), "type": s("PrimitiveFunction"),
              "uid": s("Negate1"), "op": z(0), "inputs": vec([s("P0")]),
              "attributes": dic({})})
    top = pb.Dictionary(version=2)
    for k, v in {"version": z(3), "type": s("CompositeFunction"),
                 "uid": s("CompositeFunction2"), "root": s("Negate1"),
                 "inputs": vec([param]),
                 "primitive_functions": vec([fn])}.items():
        top.data[k].CopyFrom(v)
    with open(path, "wb") as f:
        f.write(top.SerializeToString())


def library_env():
    """The environment for a Python process that loads libsafeload with
    ctypes.  Under -Db_sanitize=address the library needs the ASan runtime
    first in the process, which /usr/bin/python3 does not have: preload it,
    without the leak check (it would report the interpreter's own memory)."""
    env = dict(os.environ)
    lib = env.get("SAFELOAD_LIBRARY")
    if lib is None or "SAFELOAD_TEST_PRELOADED" in env:
        return env
    p = subprocess.run(["ldd", lib], capture_output=True, text=True)
    asan = [line.split()[2] for line in p.stdout.splitlines()
            if line.strip().startswith("libasan.") and "=>" in line]
    if asan:
        env.update(LD_PRELOAD=asan[0], SAFELOAD_TEST_PRELOADED="1",
                   ASAN_OPTIONS="detect_leaks=0:" +
                   env.get("ASAN_OPTIONS", ""))
    return env
