"""safeload.cntk: CNTK's load_model(), through the safeload sandbox.

The one-line change for an existing CNTK application:

    model = C.load_model("model.dnn")                 # before
    model = safeload.cntk.load_model("model.dnn")     # after

CNTK is given only the canonical bytes that the sandboxed worker wrote
(`cntk.Function.load(bytes, device)`), never the file itself.
"""
import importlib

import safeload

__all__ = ["load_model"]


def _cntk():
    try:
        return importlib.import_module("cntk")
    except ImportError as e:
        raise ImportError(
            "safeload.cntk.load_model needs the 'cntk' Python package, "
            "which is not importable here (%s); safeload.load(path) still "
            "returns the canonical model bytes" % e) from None


def load_model(path, device=None, profile=None, socket=None,
               model_format=None, signature=None):
    """Check `path` with safeloadd and load the canonical copy into CNTK.

    Raises safeload.Rejected (.code is the reason code) when the model is
    rejected, safeload.SafeloadError when it got no verdict, and
    ImportError when cntk is not installed.  cntk is imported before the
    check, so a missing cntk costs no request.  model_format="onnx" checks
    the file as ONNX and loads it with cntk.ModelFormat.ONNX: CNTK never
    detects ONNX by itself.
    """
    cntk = _cntk()
    data = safeload.load(path, profile=profile, socket=socket,
                         model_format=model_format, signature=signature)
    kw = {}
    if device is not None:
        kw["device"] = device
    if model_format == "onnx":
        kw["format"] = cntk.ModelFormat.ONNX
    return cntk.Function.load(data, **kw)
