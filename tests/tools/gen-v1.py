#!/usr/bin/python3
"""gen-v1.py: CNTK v1 test models, well-formed and malformed (role: tests).

An independent writer of the v1 format, from cntk-format.md section 3
(not from safeload's reader), so that the reader is checked against a
second reading of the document.  It builds:

  * valid models: a "zoo" per model version that holds every node type
    safeload reads, with the payload that version wrote, plus small
    models in the shapes real files have;
  * malformed models, each with the exact reason code safeload must give:
    truncations at every marker, bad markers, lying dimensions, dangling
    references, huge counts and strings, bad versions, host-file nodes.

    gen-v1.py --out DIR     writes DIR/valid/NAME.dnn, DIR/bad/NAME.CODE.dnn
    gen-v1.py --seeds DIR   writes a fuzzing seed corpus (valid + a few bad)

test_v1.py imports it; test-cntk-v1 reads the files it writes at build
time.  Standard library only.
"""
import os
import struct
import sys

# ---------------------------------------------------------------- primitives


def ws(s):
    """A UTF-16LE string with its 16-bit terminator."""
    return s.encode("utf-16-le") + b"\0\0"


def raw16(units):
    """A string from raw 16-bit code units (for bad surrogates)."""
    return b"".join(struct.pack("<H", u) for u in units) + b"\0\0"


def u8(v):
    return struct.pack("<B", v)


def u32(v):
    return struct.pack("<I", v)


def i32(v):
    return struct.pack("<i", v)


def u64(v):
    return struct.pack("<Q", v)


def i64(v):
    return struct.pack("<q", v)


def f32(v):
    return struct.pack("<f", v)


def f64(v):
    return struct.pack("<d", v)


def shape(dims):
    return u32(len(dims)) + b"".join(u32(d) for d in dims)


def elem(e, v=0.0):
    return {2: b"\0\0", 4: f32(v), 8: f64(v)}[e]


def matrix(rows, cols, e=4, tag=b"d", fmt=0, marker="BMAT", name="unnamed",
           data=None):
    if data is None:
        data = b"".join(elem(e, 0.25 * i) for i in range(rows * cols))
    return (tag + ws(marker) + u64(e) + ws(name) + i32(fmt) + u64(rows) +
            u64(cols) + data + ws("EMAT"))


def vbool(vals):
    return u64(len(vals)) + b"".join(u8(v) for v in vals)


# ------------------------------------------------------------------ payloads
# Each takes the model version v and the element size e (section 3.4).


def p_learnable(v, e, dims=(2, 3)):
    n = 1
    for d in dims:
        n *= d
    if v >= 3:
        return f32(1.0) + shape(dims) + matrix(dims[0], n // dims[0], e)
    return u8(1) + u64(dims[0]) + u64(n // dims[0]) + matrix(
        dims[0], n // dims[0], e)


def p_input(v, e):
    out = u64(0) + u64(0) + shape([3])
    if v >= 8:
        out += u32(1) + ws("")
    if v >= 10:
        out += f32(0.0)
    return out


def p_precomputed(v, e):
    return u8(1) + matrix(3, 1, e)


def p_times(v, e):
    out = b""
    if v >= 3:
        out += u64(1)
    if v >= 12:
        out += i32(0)
    return out


def p_qtimes(v, e):
    return p_times(v, e) + u64(1) + u64(2)


def p_conv_base(v, e):
    if v < 5:
        return b""
    out = (shape([3, 3, 1]) + shape([1, 1, 4]) + shape([1, 1, 1]) +
           vbool([1]) + vbool([1, 0]) + shape([0]) + shape([0]) + i32(0) +
           i32(0) + u64(0))
    if v >= 9:
        out += u8(0)
    if v >= 20:
        out += shape([0])
    if v >= 21:
        out += u8(0)
    if v >= 23:
        out += u8(0)
    return out


def p_conv(v, e):
    out = p_conv_base(v, e)
    if v < 5:
        return out + u64(3) + u64(3) + u64(1) + u64(1) + u32(4) + u32(0) + \
            u8(1) + u64(0)
    out += u8(1)
    if v >= 18:
        out += shape([1, 1, 1])
    return out


def p_legacy_pool(v, e):
    return u32(2) + u32(0) + u64(2) + u64(2) + u64(2)


def p_roi(v, e):
    out = shape([7, 7])
    if v >= 26:
        out += i32(0) + f64(0.0625)
    return out


def p_bn(v, e, old=0x00010004):
    if v < 6:
        out = i32(old) + i32(0x00010001) + u8(0) + u8(1) + f64(0.0)
        if old >= 0x00010002:
            out += i32(0) + u64(3)
        if old >= 0x00010003:
            out += f64(1e-5) + u8(0)
        return out
    out = u8(1) + f64(0.0) + f64(0.0) + i32(0)
    out += u8(0) if v == 19 else u64(7)
    return out + f64(1e-5) + u8(0)


def p_delay(v, e):
    out = i32(1)
    out += shape([3]) if v > 3 else u64(3) + u64(1)
    if v >= 2:
        out += elem(e, 0.1)
    return out


def p_reduce(v, e):
    out = i32(1) if v >= 27 else b""
    out += i32(0) + ws("Sum")
    if v >= 24:
        out += u8(0)
    return out


def p_reshape(v, e):
    return i32(0) + i32(0) + shape([3])


def p_legacy_reshape(v, e):
    return u64(3) + shape([3])


def p_slice(v, e):
    out = i32(1) if v >= 22 else b""
    out += i64(0) + i64(1)
    if v >= 3:
        out += i32(1)
    if v >= 27:
        out += i32(1)
    return out


def p_rowstack(v, e):
    return i32(0) if v >= 3 else b""


def p_transpose(v, e):
    if v < 3:
        return b""
    if v >= 25:
        return i32(0) + i32(0) + u64(3) + u64(2) + u64(0) + u64(1)
    return i32(0) + i32(1)


def p_where(v, e):
    return ws("whereAxis") if v >= 11 else b""


def p_rnn(v, e):
    out = u64(0) + u64(1) + u64(8) + ws("lstm")
    if v >= 14:
        out += i32(0)
    return out


def p_rng(v, e, narrow=False):
    if v < 16:
        return b""
    if v == 16 and narrow:
        return u32(17) + u64(0)
    return u64(17) + u64(0)


def p_trace(v, e, path=""):
    return (ws("trace") + u64(1) + u64(1) + u8(0) + u8(0) + ws(path) +
            u8(0) + u8(0) + b"%g\0" * 8 + u64(0) + u64(0))


PAYLOADS = {
    "LearnableParameter": p_learnable,
    "InputValue": p_input,
    "SparseInputValue": p_input,
    "Mean": p_precomputed,
    "InvStdDev": p_precomputed,
    "Times": p_times,
    "TransposeTimes": p_times,
    "QuantizedTimes": p_qtimes,
    "Convolution": p_conv,
    "ConvolutionSequenceShape": p_conv,
    "Pooling": p_conv_base,
    "MaxUnpooling": p_conv_base,
    "MaxPooling": p_legacy_pool,
    "AveragePooling": p_legacy_pool,
    "ROIPooling": p_roi,
    "BatchNormalization": p_bn,
    "PastValue": p_delay,
    "FutureValue": p_delay,
    "Delay": p_delay,
    "ReduceElements": p_reduce,
    "Reshape": p_reshape,
    "LegacyReshape": p_legacy_reshape,
    "Slice": p_slice,
    "RowSlice": p_slice,
    "RowStack": p_rowstack,
    "RowRepeat": lambda v, e: u64(2),
    "TransposeDimensions": p_transpose,
    "Transpose": p_transpose,
    "Where": p_where,
    "ToSequence": lambda v, e: ws("seqAxis"),
    "UnpackSequence": lambda v, e: elem(e) + u8(1),
    "Crop": lambda v, e: f64(0.0) + f64(1.0),
    "OptimizedRNNStack": p_rnn,
    "RNN": p_rnn,
    "Dropout": p_rng,
    "RandomSample": lambda v, e: u8(1) + u64(5) + p_rng(v, e),
    "RandomSampleInclusionFrequency":
        lambda v, e: u8(0) + u64(5) + p_rng(v, e),
    "EditDistanceError":
        lambda v, e: f32(1) + f32(1) + f32(1) + u8(1) + u64(1) + u64(0),
    "ForwardBackward": lambda v, e: i32(0) + u64(0),
    "EnvironmentInput": lambda v, e: ws("isTraining"),
    "EyeLikeOp": lambda v, e: u8(0),
    "Shift": lambda v, e: i32(1) + i32(0) + i32(-1),
    "NoiseContrastiveEstimation": lambda v, e: i32(0),
    "Trace": p_trace,
}

EMPTY = """Abs Acos Asin Cosh Cosine Sin Sinh Exp Log Floor Sqrt
Negate Reciprocal RectifiedLinear Sigmoid StableSigmoid Tanh Softmax LogSoftmax
Hardmax Plus Minus ElementTimes ColumnElementTimes RowElementTimes Scale
LogPlus Equal NotEqual Greater GreaterEqual Less LessEqual Clip If Pass
DiagTimes Diagonal KhatriRaoProduct CosDistance
CosDistanceWithNegativeSamples SumElements SumColumnElements MatrixL1Reg
MatrixL2Reg CrossEntropy CrossEntropyWithSoftmax
ClassBasedCrossEntropyWithSoftmax ClassificationError ErrorPrediction
SquareError Logistic LambdaRank NDCG1Eval DummyCriterion SequenceWithSoftmax
LookupTable DynamicAxis PerDimMeanVarNormalization
PerDimMeanVarNormalizationNode PerDimMeanVarDeNormalization
PerDimMeanVarDeNormalizationNode GatherPacked ScatterPacked PackedIndex
ReconcileDynamicAxis ReconcileMBLayout StopGradient LabelsToGraph""".split()

# ------------------------------------------------------------------- models


class Node:
    def __init__(self, typ, name, payload, tag="float", inputs=()):
        self.typ, self.name, self.payload = typ, name, payload
        self.tag, self.inputs = tag, list(inputs)


def tag_bytes(v, node):
    if v < 7:
        return b""
    return ws(node.tag)


def group(begin, end, names):
    return ws(begin) + u64(len(names)) + b"".join(ws(n) for n in names) + \
        ws(end)


def model(v, nodes, features=None, labels=None, criteria=None, evals=None,
          outputs=None, explicit_version=True, count=None, tail=b""):
    """Bytes of a v1 model; None groups are left out."""
    out = ws("BCN")
    if explicit_version:
        out += ws("BVersion") + u64(v) + ws("EVersion")
    out += u64(len(nodes) if count is None else count)
    out += ws("BNodeList")
    for n in nodes:
        out += tag_bytes(v, n) + ws(n.typ) + ws(n.name) + n.payload
    out += ws("ENodeList") + ws("BRelation")
    for n in nodes:
        out += ws(n.name) + u64(len(n.inputs))
        out += b"".join(ws(i) for i in n.inputs)
    out += ws("ERelation") + ws("BRootNodes")
    if features is not None:
        out += group("BFeatureNodes", "EFeatureNodes", features)
    if labels is not None:
        out += ws("BLabelNodes") + u64(len(labels)) + \
            b"".join(ws(n) for n in labels)
    out += ws("ELabelNodes")
    if criteria is not None:
        out += group("BCriterionNodes", "ECriterionNodes", criteria)
    if evals is not None:
        out += group("BEvalNodes", "EEvalNodes", evals)
    if outputs is not None:
        out += group("BOutputNodes", "EOutputNodes", outputs)
    return out + ws("ERootNodes") + ws("ECN") + tail


def logreg_nodes(v, e=4, tag="float"):
    """The shape of the real LR/MC files: x, y, W, b, W*x+b, CE."""
    p = [Node("InputValue", "features", p_input(v, e), tag),
         Node("InputValue", "labels", p_input(v, e), tag),
         Node("LearnableParameter", "W", p_learnable(v, e, (2, 3)), tag),
         Node("LearnableParameter", "b", p_learnable(v, e, (2, 1)), tag),
         Node("Times", "t", p_times(v, e), tag, ["W", "features"]),
         Node("Plus", "z", b"", tag, ["t", "b"]),
         Node("CrossEntropyWithSoftmax", "ce", b"", tag, ["labels", "z"]),
         Node("ErrorPrediction", "err", b"", tag, ["labels", "z"])]
    return p


def logreg(v, e=4, tag="float", **kw):
    args = dict(features=["features"], labels=["labels"], criteria=["ce"],
                evals=["err"], outputs=["z"])
    args.update(kw)
    return model(v, logreg_nodes(v, e, tag), **args)


def zoo(v, e=4, tag="float", narrow_seed=False):
    """Every node type we read, with version v's payload."""
    nodes = logreg_nodes(v, e, tag)
    skip = {"LatticeSequenceWithSoftmax"}
    for typ in sorted(PAYLOADS):
        if typ in skip:
            continue
        if typ in ("Dropout",) and narrow_seed:
            pay = p_rng(v, e, narrow=True)
        else:
            pay = PAYLOADS[typ](v, e)
        nodes.append(Node(typ, "n_" + typ, pay, tag, ["z"]))
    for typ in EMPTY:
        nodes.append(Node(typ, "n_" + typ, b"", tag, ["z", "t"]))
    return model(v, nodes, features=["features"], labels=["labels"],
                 criteria=["ce"], evals=["err"], outputs=["z", "n_Softmax"])


def valid_models():
    out = {}
    for v in (2, 3, 5, 6, 9, 10, 12, 14, 16, 17, 18, 19, 20, 22, 24, 25, 27,
              30, 31):
        out["zoo-v%d" % v] = zoo(v)
    out["zoo-v16-narrow-seed"] = zoo(16, narrow_seed=True)
    out["zoo-v18-double"] = zoo(18, 8, "double")
    out["zoo-v5-double"] = zoo(5, 8)
    for old in (0x00010001, 0x00010002, 0x00010003):
        out["batchnorm-v5-node-version-%x" % old] = node_model(5, [Node(
            "BatchNormalization", "bn", p_bn(5, 4, old), inputs=["z"])])
    out["zoo-v20-half"] = zoo(20, 2, "half")
    out["logreg-v10"] = logreg(10)
    # The old TensorShape form: "rank" 32 and a zero first dim are one
    # size_t a = 32, then b = 32 and c = 3: [3, 32, 32].  32 is no rank.
    legacy = logreg_nodes(10)
    legacy[0].payload = u64(0) + u64(0) + u32(32) + u32(0) + u64(32) + \
        u64(3) + u32(1) + ws("") + f32(0.0)
    out["input-legacy-shape"] = model(10, legacy, outputs=["z"])
    old_param = logreg_nodes(2)
    old_param[2].payload = u8(1) + u64(0) + u64(0) + u32(2) + u32(0) + \
        u64(3) + u64(1) + matrix(6, 1)
    out["param-v2-legacy-shape"] = model(2, old_param, outputs=["z"])
    # CNTK ignores a dense matrix's format word; only the sparse bit lies.
    out["matrix-format-1"] = logreg(10).replace(matrix(2, 3), matrix(
        2, 3, fmt=1), 1)
    out["logreg-v3"] = logreg(3)
    out["logreg-v1-no-version"] = model(
        1, logreg_nodes(1), explicit_version=False, features=["features"],
        labels=["labels"], criteria=["ce"], outputs=["z"])
    out["logreg-no-groups"] = logreg(10, features=None, labels=None,
                                     criteria=None, evals=None, outputs=None)
    cast = logreg_nodes(31)
    cast.append(Node("Cast", "cast", b"", "half,float", ["z"]))
    out["cast-v31"] = model(31, cast, outputs=["cast"])
    nce = logreg_nodes(10)
    nce.append(Node("NoiseContrastiveEstimation", "nce", b"", "float",
                    ["z"]))  # mode absent: CNTK rewinds
    out["nce-no-mode"] = model(10, nce, outputs=["nce"])
    rec = logreg_nodes(10)
    rec.append(Node("PastValue", "prev", p_delay(10, 4), "float", ["loop"]))
    rec.append(Node("Plus", "loop", b"", "float", ["prev", "z"]))
    out["recurrent-loop"] = model(10, rec, outputs=["loop"])
    crit = logreg_nodes(10)
    body = model(10, crit, outputs=["z"])
    out["legacy-criteria"] = body.replace(ws("ELabelNodes"), ws(
        "ELabelNodes") + group("BCriteriaNodes", "ECriteriaNodes", ["ce"]) +
        group("BNodesReqMultiSeqHandling", "ENodesReqMultiSeqHandling",
              ["z"]), 1).replace(ws("ERootNodes"), group(
                  "BPairNodes", "EPairNodes", []) + ws("ERootNodes"), 1)
    return out

# ---------------------------------------------------------------- malformed

MARKERS = ["BCN", "BVersion", "EVersion", "BNodeList", "ENodeList", "BMAT",
           "EMAT", "BRelation", "ERelation", "BRootNodes", "BFeatureNodes",
           "EFeatureNodes", "BLabelNodes", "ELabelNodes", "BCriterionNodes",
           "ECriterionNodes", "BEvalNodes", "EEvalNodes", "BOutputNodes",
           "EOutputNodes", "ERootNodes", "ECN"]


def truncations(base):
    """Cut `base` right before, and one byte into, every marker."""
    out = []
    for m in MARKERS:
        enc = ws(m)
        pos = base.find(enc)
        k = 0
        while pos >= 0:
            for extra, what in ((0, "at"), (1, "in")):
                cut = pos + extra
                if cut == 0:
                    continue
                # BVersion cut off: version 1, and no BMAT left to take
                # the element type from.
                code = "bad-data-type" if cut < len(ws("BCN") +
                                                    ws("BVersion")) else \
                    "decode-error"
                if cut < len(ws("BCN")):
                    continue  # no longer detected as v1 at all
                out.append(("trunc-%s-%s%d" % (what, m, k), base[:cut],
                            code))
            pos = base.find(enc, pos + 1)
            k += 1
    return out


def swap(base, old, new, count=1):
    assert old in base, old
    return base.replace(old, new, count)


def node_model(v, extra, outputs=None, **kw):
    nodes = logreg_nodes(v) + extra
    return model(v, nodes, outputs=outputs or ["z"], **kw)


def bad_cases():
    """(name, bytes, exact reason code) of every malformed case."""
    base = logreg(10)
    big = 1 << 62
    cases = truncations(base)
    c = cases.append
    c(("bad-marker-nodelist", swap(base, ws("BNodeList"), ws("BNodeLisX")),
       "bad-structure"))
    c(("bad-marker-enodelist", swap(base, ws("ENodeList"),
                                    ws("ENodeLisX")), "bad-structure"))
    c(("bad-marker-emat", swap(base, ws("EMAT"), ws("EMAX")),
       "bad-structure"))
    c(("bad-marker-bmat", swap(base, ws("BMAT"), ws("BMAX")),
       "bad-structure"))
    c(("bad-marker-relation", swap(base, ws("ERelation"), ws("ERelatioN")),
       "bad-structure"))
    c(("bad-marker-roots", swap(base, ws("ERootNodes"), ws("ERootNodeX")),
       "bad-structure"))
    c(("bad-marker-ecn", swap(base, ws("ECN"), ws("ECX")), "bad-structure"))
    c(("bad-marker-group-end", swap(base, ws("EOutputNodes"),
                                    ws("EEvalNodes")), "bad-structure"))
    c(("trailing-bytes", base + b"\0", "bad-structure"))
    c(("trailing-model", base + base, "bad-structure"))
    c(("version-0", logreg(0), "unsupported-version"))
    c(("version-1-explicit", logreg(1), "unsupported-version"))
    c(("version-32", logreg(32), "unsupported-version"))
    c(("version-huge", swap(base, u64(10) + ws("EVersion"),
                            u64(1 << 63) + ws("EVersion")),
       "unsupported-version"))
    c(("unknown-node-type", node_model(10, [Node("Frobnicate", "f", b"")]),
       "unknown-node-type"))
    # Node types of CNTK's last release whose payload §3.4 does not pin
    # down, and a name CNTK never had.
    for typ in ("SequenceWithLattice", "OneHot", "Padding", "ToBatch",
                "EpochAccumulator", "CustomProxyOp", "Cos"):
        c(("undocumented-" + typ, node_model(10, [Node(typ, "u", b"",
                                                         inputs=["z"])]),
           "unknown-node-type"))
    c(("non-ascii-node-type", node_model(10, [Node("Pl\u00fcs", "f", b"")]),
       "unknown-node-type"))
    c(("lattice", node_model(10, [Node(
        "LatticeSequenceWithSoftmax", "l", ws("/etc/passwd"))]),
        "host-file-reference"))
    trace = p_trace(10, 4)
    full = node_model(10, [Node("Trace", "tr", trace)])
    c(("trace-format-unterminated", full[:full.index(b"%g\0")] + b"%g" * 8,
       "decode-error"))
    c(("trace-format-size-limit", node_model(10, [Node(
        "Trace", "tr", trace.replace(b"%g\0", b"%" * 70000 + b"\0", 1))]),
        "size-limit"))
    c(("trace-label-file", node_model(10, [Node(
        "Trace", "tr", p_trace(10, 4, "/etc/shadow"))]),
        "host-file-reference"))
    c(("param-shape-lies", swap(base, shape([2, 3]) + matrix(2, 3),
                                shape([2, 3]) + matrix(3, 3)),
       "shape-mismatch"))
    c(("matrix-dims-overflow", swap(
        base, u64(2) + u64(3), u64(1 << 32) + u64(1 << 32)),
        "shape-mismatch"))
    c(("matrix-dims-past-eof", swap(base, shape([2, 3]) + matrix(2, 3),
                                    shape([1 << 28]) + matrix(
                                        1 << 28, 1, data=b"")),
       "decode-error"))
    c(("shape-product-overflow", swap(base, shape([2, 3]), shape(
        [0xffffffff] * 3)), "shape-mismatch"))
    c(("shape-rank-13", swap(base, shape([3]), shape([1] * 13)),
       "bad-structure"))
    c(("param-legacy-shape-lies", model(2, [Node(
        "LearnableParameter", "W", u8(1) + u64(0) + u64(0) + u32(2) +
        u32(0) + u64(3) + u64(1) + matrix(7, 1))], outputs=["W"]),
        "shape-mismatch"))
    c(("matrix-double-in-float-node", swap(base, matrix(2, 3), matrix(
        2, 3, 8)), "bad-data-type"))
    c(("matrix-sparse", swap(base, b"d" + ws("BMAT"), b"s" + ws("BMAT")),
       "bad-data-type"))
    c(("matrix-bad-tag", swap(base, b"d" + ws("BMAT"), b"x" + ws("BMAT")),
       "bad-structure"))
    c(("matrix-format-csc", swap(base, matrix(2, 3), matrix(2, 3, fmt=6)),
       "bad-data-type"))
    c(("dangling-input", swap(base, ws("W") + ws("features"),
                              ws("W") + ws("nowhere")),
       "dangling-reference"))
    c(("dangling-output", swap(base, u64(1) + ws("z") + ws("EOutputNodes"),
                               u64(1) + ws("zz") + ws("EOutputNodes")),
       "dangling-reference"))
    c(("dangling-feature", swap(base, ws("BFeatureNodes") + u64(1) +
                                ws("features"), ws("BFeatureNodes") +
                                u64(1) + ws("Features")),
       "dangling-reference"))
    nodes = logreg_nodes(10)
    nodes[1].name = "features"
    c(("duplicate-node-name", model(10, nodes, outputs=["z"]),
       "duplicate-uid"))
    c(("relation-twice", swap(base, ws("ERelation"), ws("z") + u64(0) +
                              ws("ERelation")).replace(
        ws("err") + u64(2) + ws("labels") + ws("z"), b"", 1),
        "bad-structure"))
    c(("node-count-0", swap(base, u64(8) + ws("BNodeList"), u64(0) +
                            ws("BNodeList")), "bad-structure"))
    c(("node-count-huge", swap(base, u64(8) + ws("BNodeList"), u64(big) +
                               ws("BNodeList")), "count-limit"))
    c(("node-count-past-eof", swap(base, u64(8) + ws("BNodeList"),
                                   u64(100000) + ws("BNodeList")),
       "decode-error"))
    c(("node-count-short", swap(base, u64(8) + ws("BNodeList"), u64(7) +
                                ws("BNodeList")), "bad-structure"))
    c(("input-count-huge", swap(base, ws("t") + u64(2), ws("t") + u64(big)),
       "count-limit"))
    c(("group-count-past-eof", swap(base, ws("BEvalNodes") + u64(1),
                                    ws("BEvalNodes") + u64(1 << 20)),
       "decode-error"))
    c(("string-size-limit", node_model(10, [Node("Plus", "n" * 40000, b"",
                                                 inputs=["z"])]),
       "size-limit"))
    c(("string-unterminated", base[:-2], "decode-error"))
    c(("name-unterminated", node_model(10, [])[:-len(ws("ECN"))] +
       ws("Plus")[:-2], "bad-structure"))
    c(("name-lone-surrogate", swap(
        base, ws("CrossEntropyWithSoftmax") + ws("ce"),
        ws("CrossEntropyWithSoftmax") + raw16([0x63, 0xd800])),
        "invalid-string"))
    c(("name-empty", swap(base, ws("Plus") + ws("z"), ws("Plus") + ws("")),
       "bad-structure"))
    c(("bool-byte-2", node_model(10, [Node("EyeLikeOp", "eye", u8(2))]),
       "bad-structure"))
    c(("precision-unknown", swap(base, ws("float"), ws("quad")),
       "bad-data-type"))
    c(("precision-pair-not-cast", model(31, [
        Node("Plus", "p", b"", "half,float")], outputs=["p"]),
        "bad-data-type"))
    c(("precision-pair-before-v31", model(30, [
        Node("Cast", "p", b"", "half,float")], outputs=["p"]),
        "bad-data-type"))
    c(("pair-nodes-not-empty", base.replace(ws("ERootNodes"), group(
        "BPairNodes", "EPairNodes", ["z"]) + ws("ERootNodes")),
        "bad-structure"))
    c(("vector-bool-empty", node_model(10, [Node(
        "Pooling", "pool", p_conv_base(10, 4).replace(
            vbool([1]), u64(0), 1))]), "bad-structure"))
    c(("edit-distance-no-tokens", node_model(10, [Node(
        "EditDistanceError", "ed", f32(1) * 3 + u8(1) + u64(0))]),
        "count-limit"))
    c(("permutation-repeats", node_model(25, [Node(
        "TransposeDimensions", "tr", i32(0) + i32(0) + u64(2) + u64(1) +
        u64(1))]), "bad-structure"))
    c(("reduce-no-axes", node_model(27, [Node(
        "ReduceElements", "red", i32(0) + ws("Sum") + u8(0))]),
        "bad-structure"))
    c(("input-two-dynamic-axes", swap(base, u32(1) + ws("") + f32(0.0),
                                      u32(2) + ws("") + f32(0.0)),
       "bad-structure"))
    c(("slice-end-overflows", node_model(10, [Node(
        "Slice", "sl", i64((1 << 63) - 1) + i64(1) + i32(1))]),
        "bad-structure"))
    c(("batchnorm-v5-readable-after-written", node_model(5, [Node(
        "BatchNormalization", "bn", i32(0x00010002) + i32(0x00010003) +
        u8(0) + u8(1) + f64(0.0) + i32(0) + u64(1))]),
        "unsupported-version"))
    c(("batchnorm-v5-too-new", node_model(5, [Node(
        "BatchNormalization", "bn", i32(0x00010005) + i32(0x00010005) +
        u8(0) + u8(1) + f64(0.0) + i32(0) + u64(1) + f64(0) + u8(0))]),
        "unsupported-version"))
    c(("batchnorm-v5-too-old", node_model(5, [Node(
        "BatchNormalization", "bn", i32(0x00010000) + i32(0x00010000) +
        u8(0) + u8(1) + f64(0.0))]), "unsupported-version"))
    c(("pre-v7-no-matrix", model(5, [Node("Plus", "p", b"")],
                                 outputs=["p"]), "bad-data-type"))
    # Neither a 4- nor an 8-byte seed puts the next record after it.
    c(("v16-seed-ambiguous", node_model(16, [Node("Dropout", "drop",
                                                  u32(0))]),
       "bad-structure"))
    loop = logreg_nodes(10)
    loop.append(Node("Plus", "a", b"", "float", ["b2", "z"]))
    loop.append(Node("Tanh", "b2", b"", "float", ["a"]))
    c(("cycle-without-delay", model(10, loop, outputs=["a"]),
       "bad-structure"))
    selfloop = logreg_nodes(10)
    selfloop.append(Node("Plus", "s", b"", "float", ["s", "z"]))
    c(("self-loop", model(10, selfloop, outputs=["s"]), "bad-structure"))
    # CNTK takes any file starting with "B\0" for v1; we need all of BCN.
    c(("two-byte-sniff", b"B\0Q\0" + base[4:], "unknown-format"))
    c(("bcn-then-garbage", ws("BCN") + b"\xff" * 64, "bad-data-type"))
    c(("bcn-v10-then-garbage", ws("BCN") + ws("BVersion") + u64(10) +
       ws("EVersion") + b"\xff" * 64, "count-limit"))
    c(("checkpoint", ws("BVersion") + u64(2) + ws("EVersion") + ws("BCKP") +
       ws("ECKP"), "not-a-model"))
    c(("version-no-bcn", ws("BVersion") + u64(2) + ws("EVersion") +
       ws("BNodeList"), "bad-structure"))
    return cases


SEED_MAX = 16 * 1024


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("--out", "--seeds"):
        sys.stderr.write(__doc__)
        return 2
    out = sys.argv[2]
    if sys.argv[1] == "--seeds":
        os.makedirs(out, exist_ok=True)
        for name, data in sorted(valid_models().items()):
            write(os.path.join(out, name), data)
        for name, data, _ in bad_cases():
            # Truncations are what a fuzzer makes first; big seeds slow it.
            if not name.startswith("trunc-") and len(data) <= SEED_MAX:
                write(os.path.join(out, "bad-" + name), data)
        return 0
    for sub in ("valid", "bad"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
        # A case renamed or dropped must not linger from an earlier build.
        for old in os.listdir(os.path.join(out, sub)):
            if old.endswith(".dnn"):
                os.remove(os.path.join(out, sub, old))
    for name, data in valid_models().items():
        write(os.path.join(out, "valid", name + ".dnn"), data)
    for name, data, code in bad_cases():
        write(os.path.join(out, "bad", "%s.%s.dnn" % (name, code)), data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
