"""safeload: load untrusted CNTK models through the safeload sandbox.

ctypes over libsafeload.so.0 (role: client); standard library only.

    import safeload
    data = safeload.load("model.dnn")       # canonical bytes, or raises
    report = safeload.check("model.dnn")    # the report, as a dict

`load()` returns bytes that a sandboxed worker wrote, never the file's own
bytes: give those to CNTK (`safeload.cntk.load_model()` does it for you).
A rejected model raises `Rejected`, whose `.code` is the stable reason code
("user-defined-function", "depth-limit", ...).  A check that got no verdict
(no daemon, refused by policy, busy) raises `SafeloadError`, an OSError
whose `.code` is the daemon's reason code when it gave one.

The library is found as $SAFELOAD_LIBRARY when set (a path), else by its
soname, libsafeload.so.0.  The daemon's socket is $SAFELOAD_SOCKET, else
/run/safeload/safeload.sock, unless `socket=` says otherwise.
"""
import ctypes
import json
import os

__all__ = ["Client", "Rejected", "SafeloadError", "check", "load",
           "status",
           "version"]

_CHECK_CANONICAL = 0x1
# SL_CHECK_AS_*: state the format instead of letting the worker detect it.
_FORMATS = {None: 0, "cntk-v2": 0x2, "cntk-v1": 0x4, "onnx": 0x8}
_lib = None


class SafeloadError(OSError):
    """A check that got no verdict.  .code: the daemon's reason, or None."""

    def __init__(self, err, message, code=None, filename=None):
        super().__init__(err, message, filename)
        self.code = code


class Rejected(Exception):
    """The model was rejected.  .code: the first reason code; .reasons:
    every (code, message); .report: the whole report as a dict."""

    def __init__(self, path, report):
        self.path = path
        self.report = report
        self.reasons = [(r["code"], r["message"])
                        for r in report.get("reasons", [])]
        self.code = self.reasons[0][0] if self.reasons else "unknown"
        msg = self.reasons[0][1] if self.reasons else "rejected"
        super().__init__("%s: rejected: %s: %s" % (path, self.code, msg))


def _bind(lib):
    """Declare the prototypes; ctypes would truncate pointers otherwise."""
    P = ctypes.c_void_p
    protos = {
        "sl_version": (ctypes.c_char_p, []),
        "sl_strerror": (ctypes.c_char_p, [ctypes.c_int]),
        "sl_free": (None, [P]),
        "sl_client_new": (ctypes.c_int, [ctypes.c_char_p,
                                         ctypes.POINTER(P)]),
        "sl_client_new_local": (ctypes.c_int, [ctypes.POINTER(P)]),
        "sl_client_free": (None, [P]),
        "sl_check_path": (ctypes.c_int, [P, ctypes.c_char_p,
                                         ctypes.c_char_p, ctypes.c_uint,
                                         ctypes.POINTER(P)]),
        "sl_client_set_signature": (ctypes.c_int, [P, ctypes.c_char_p]),
        "sl_client_last_error": (ctypes.c_int, [
            P, ctypes.POINTER(ctypes.c_char_p),
            ctypes.POINTER(ctypes.c_char_p)]),
        "sl_status": (ctypes.c_int, [P, ctypes.POINTER(P)]),
        "sl_result_free": (None, [P]),
        "sl_result_accepted": (ctypes.c_int, [P]),
        "sl_result_canonical": (ctypes.c_int, [
            P, ctypes.POINTER(P), ctypes.POINTER(ctypes.c_size_t)]),
        "sl_result_json": (P, [P, ctypes.c_char_p]),
    }
    for name, (res, args) in protos.items():
        fn = getattr(lib, name)
        fn.restype = res
        fn.argtypes = args
    return lib


def _library():
    global _lib
    if _lib is None:
        path = os.environ.get("SAFELOAD_LIBRARY") or "libsafeload.so.0"
        try:
            _lib = _bind(ctypes.CDLL(path))
        except OSError as e:
            raise ImportError("safeload: cannot load %s (install "
                              "libsafeload0, or set SAFELOAD_LIBRARY): %s"
                              % (path, e)) from None
    return _lib


def _fs(s):
    return None if s is None else os.fsencode(s)


def _take_string(p):
    """A malloc'd char * from the library, as str; frees it."""
    lib = _library()
    if not p:
        raise MemoryError("safeload: out of memory")
    try:
        return ctypes.string_at(p).decode("utf-8", "replace")
    finally:
        lib.sl_free(p)


class Client:
    """One connection to safeloadd (or, with local=True, no daemon: each
    check spawns the sandboxed worker).  Not for two threads at once."""

    def __init__(self, socket=None, local=False):
        lib = _library()
        self._c = ctypes.c_void_p()
        if local:
            r = lib.sl_client_new_local(ctypes.byref(self._c))
        else:
            r = lib.sl_client_new(_fs(socket), ctypes.byref(self._c))
        if r < 0:
            where = "the local worker" if local else (
                socket or os.environ.get("SAFELOAD_SOCKET") or
                "/run/safeload/safeload.sock")
            raise SafeloadError(-r, "cannot reach %s: %s" %
                                (where, os.strerror(-r)))

    def close(self):
        if self._c:
            _library().sl_client_free(self._c)
            self._c = ctypes.c_void_p()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

    def _error(self, r, path=None):
        code, msg = ctypes.c_char_p(), ctypes.c_char_p()
        if _library().sl_client_last_error(self._c, ctypes.byref(code),
                                           ctypes.byref(msg)) == 0:
            return SafeloadError(-r, "%s: %s" % (code.value.decode(),
                                 msg.value.decode("utf-8", "replace")),
                                 code.value.decode(), path)
        return SafeloadError(-r, os.strerror(-r), None, path)

    def _check(self, path, profile, flags, model_format=None,
               signature=None):
        if not self._c:
            raise ValueError("safeload: client is closed")
        if model_format not in _FORMATS:
            raise ValueError("safeload: model_format must be one of "
                             "cntk-v2, cntk-v1, onnx")
        flags |= _FORMATS[model_format]
        if signature is not None:
            with open(signature, "rb") as f:
                r = _library().sl_client_set_signature(self._c, f.read())
            if r < 0:
                raise self._error(r, signature)
        res = ctypes.c_void_p()
        r = _library().sl_check_path(self._c, _fs(path), _fs(profile),
                                     flags, ctypes.byref(res))
        if r < 0:
            raise self._error(r, path)
        return res

    def check(self, path, profile=None, model_format=None, signature=None):
        """The report of `path` as a dict (see `safeload check --json`).
        model_format: "cntk-v2", "cntk-v1" or "onnx" to state the format;
        signature: a minisign .minisig file for profiles that want one."""
        lib = _library()
        res = self._check(path, profile, 0, model_format, signature)
        try:
            return json.loads(_take_string(lib.sl_result_json(
                res, _fs(os.fspath(path)))))
        finally:
            lib.sl_result_free(res)

    def load(self, path, profile=None, model_format=None, signature=None):
        """The canonical model as bytes; raises Rejected on reject."""
        lib = _library()
        res = self._check(path, profile, _CHECK_CANONICAL, model_format,
                          signature)
        try:
            if not lib.sl_result_accepted(res):
                raise Rejected(os.fspath(path), json.loads(_take_string(
                    lib.sl_result_json(res, _fs(os.fspath(path))))))
            data, n = ctypes.c_void_p(), ctypes.c_size_t()
            r = lib.sl_result_canonical(res, ctypes.byref(data),
                                        ctypes.byref(n))
            if r < 0:
                raise SafeloadError(-r, "canonical model: " +
                                    os.strerror(-r), None, path)
            return ctypes.string_at(data, n.value)
        finally:
            lib.sl_result_free(res)

    def status(self):
        """The daemon's status as an ordered dict of strings."""
        text = ctypes.c_void_p()
        r = _library().sl_status(self._c, ctypes.byref(text))
        if r < 0:
            raise self._error(r)
        out = {}
        for line in _take_string(text.value).splitlines():
            key, sep, value = line.partition(": ")
            if sep:
                out[key] = value
        return out


def load(path, profile=None, socket=None, local=False, model_format=None,
         signature=None):
    """Check `path` and return its canonical bytes; raises Rejected (with
    .code) when the model is rejected, SafeloadError when it got no
    verdict.  See Client.check() for model_format and signature."""
    with Client(socket, local) as c:
        return c.load(path, profile, model_format, signature)


def check(path, profile=None, socket=None, local=False, model_format=None,
          signature=None):
    """Check `path` and return the report: a dict with file, verdict
    ("accept"/"reject"), format, reasons [{code, message}], sha256,
    canonical_sha256 and stats."""
    with Client(socket, local) as c:
        return c.check(path, profile, model_format, signature)


def status(socket=None):
    """The daemon's status, as `safeload status` prints it."""
    with Client(socket) as c:
        return c.status()


def version():
    """libsafeload's version string."""
    return _library().sl_version().decode()
