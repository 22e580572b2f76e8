#!/usr/bin/python3
"""gen_malicious.py: the malicious CNTK v2 corpus (role: tests).

Every case is a file that the worker must reject with one exact reason
code.  Most are real models from ../shared/corpus/real with one defect
put in (a mutation through python3-protobuf and daemon/model.proto); the
rest are byte-level constructions that no protobuf library would write
(duplicate keys, groups, repeated singular fields, bad UTF-8, deep nesting,
allocation bombs).  Nothing generated is stored in the repository.

    gen_malicious.py OUTDIR     write OUTDIR/<case>.model and manifest.json

cases(pb, corpus) is the library entry point: a list of
(name, expected code, bytes).  Cases that mutate a real model are left out
when the corpus is absent.
"""
import json
import os
import struct
import sys

MAX_STRING = 64 * 1024          # MODEL_MAX_STRING
MAX_DEPTH = 64                  # MODEL_MAX_DEPTH
MAX_AXES = 64                   # MODEL_MAX_DYNAMIC_AXES

# Real models the mutations start from (label -> file in the corpus).
SOURCES = {
    "logistic": "pscntk-logistic/logistic.model",        # Times Plus StableSigmoid, v20
    "deeprl": "cntk-deeprl-initial_policy/initial_policy_network.dnn",  # Blocks, v7
    "mnist_conv": "nodecntk-mnist_conv/mnist_conv.cmf",  # Convolution Pooling Blocks
    "gru": "dlcs-ch6-3-type1/ch6-3_model_type_1.model",  # PastValue, Dropout, Slice
    "batchnorm": "cntk-batchnorm-v2/batch.norm.no.sample.count.v2.bin",  # v3, state
    "sample": "ifcntk-sample/sample.model",              # ReduceElements
}

OP = {"Negate": 0, "Sigmoid": 1, "Slice": 14, "Dropout": 15, "Pooling": 17,
      "Plus": 19, "Times": 31, "PastValue": 37, "ReduceElements": 39,
      "Combine": 44, "Block": 57, "StableSigmoid": 75, "Lattice": 90,
      "CustomProxy": 93}


# --- wire-level helpers ---------------------------------------------------

def varint(v):
    out = bytearray()
    while True:
        c = v & 0x7F
        v >>= 7
        if v:
            out.append(c | 0x80)
        else:
            out.append(c)
            return bytes(out)


def field(num, wire, payload):
    tag = varint(num << 3 | wire)
    if wire == 2:
        return tag + varint(len(payload)) + payload
    return tag + payload


def entry(key, value):
    """A Dictionary.data entry (field 2 of Dictionary), as bytes."""
    return field(2, 2, field(1, 2, key) + field(2, 2, value))


def dv_string(s):
    return field(2, 0, varint(6)) + field(8, 2, s)


def dv_size(n):
    return field(2, 0, varint(3)) + field(5, 0, varint(n))


# --- model helpers ----------------------------------------------------------

class Model:
    """A decoded model with accessors for the parts mutations touch."""

    def __init__(self, pb, raw):
        self.pb = pb
        self.top = pb.Dictionary()
        self.top.ParseFromString(raw)

    def bytes(self):
        return self.top.SerializeToString(deterministic=True)

    def variables(self):
        return [v.dictionary_value
                for v in self.top.data["inputs"].vector_value.value]

    def functions(self):
        return [v.dictionary_value for v in
                self.top.data["primitive_functions"].vector_value.value]

    def var(self, kind):
        return next(v for v in self.variables()
                    if v.data["kind"].size_t_value == kind)

    def fn(self, op):
        return next(f for f in self.functions()
                    if f.data["op"].size_t_value == op)

    def s(self, text):
        return self.pb.DictionaryValue(value_type=self.pb.VALUE_STRING,
                                       string_value=text)

    def z(self, n):
        return self.pb.DictionaryValue(value_type=self.pb.VALUE_SIZE_T,
                                       size_t_value=n)


def uid(d):
    return d.data["uid"].string_value


def load(pb, corpus, label):
    path = os.path.join(corpus, SOURCES[label])
    if not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        return f.read()


# --- mutations of real models ------------------------------------------------
# Each takes a Model and changes it in place; the table below names the
# source model and the code the worker must answer.

def m_top_type(m):
    m.top.data["type"].string_value = "Learners"


def m_no_type(m):
    del m.top.data["type"]


def m_native_udf(m):
    f = m.functions()[-1]
    f.data["type"].string_value = "UserDefinedFunction"
    f.data["native"].CopyFrom(m.pb.DictionaryValue(
        value_type=m.pb.VALUE_BOOL, bool_value=True))
    st = f.data["user_defined_state"]
    st.value_type = m.pb.VALUE_DICTIONARY
    st.dictionary_value.data["module"].CopyFrom(m.s("/tmp/libevil"))
    st.dictionary_value.data["deserialize_method"].CopyFrom(m.s("Create"))


def m_python_udf(m):
    f = m.functions()[0]
    f.data["type"].string_value = "UserDefinedFunction"
    st = f.data["user_defined_state"]
    st.value_type = m.pb.VALUE_DICTIONARY
    st.dictionary_value.data["module"].CopyFrom(m.s("os; os.system('id')"))
    st.dictionary_value.data["class"].CopyFrom(m.s("X"))


def m_hidden_udf(m):
    a = m.functions()[0].data["attributes"].dictionary_value
    c = a.data["customAttributes"]
    c.value_type = m.pb.VALUE_DICTIONARY
    c.dictionary_value.data["type"].CopyFrom(
        m.s("NativeUserDefinedFunction"))


def set_op(op):
    def mut(m):
        m.functions()[0].data["op"].size_t_value = op
    return mut


def m_lattice(m):
    f = m.fn(OP["Plus"])
    f.data["op"].size_t_value = OP["Lattice"]
    f.data["attributes"].dictionary_value.data["SymListPath"].CopyFrom(
        m.s("/etc/shadow"))


def m_composite_version(v):
    def mut(m):
        m.top.data["version"].size_t_value = v
    return mut


def m_function_version(m):
    m.functions()[0].data["version"].size_t_value = 25


def m_variable_version(m):
    m.variables()[0].data["version"].size_t_value = 2


def m_message_version(m):
    m.top.version = 3


def m_block_version(m):
    m.fn(OP["Block"]).data["block_function_composite"] \
        .dictionary_value.data["version"].size_t_value = 9


def m_del(where, key):
    def mut(m):
        del where(m).data[key]
    return mut


def m_size_holding_string(m):
    v = m.top.data["version"]
    v.ClearField("size_t_value")
    v.string_value = "3"


def m_uid_as_size(m):
    m.variables()[0].data["uid"].CopyFrom(m.z(7))


def m_input_not_string(m):
    f = m.functions()[0]
    f.data["inputs"].vector_value.value[0].CopyFrom(m.z(1))


def m_attr_type(m):
    a = m.fn(OP["Times"]).data["attributes"].dictionary_value
    a.data["outputRank"].CopyFrom(m.pb.DictionaryValue(
        value_type=m.pb.VALUE_INT, int_value=1))


def m_none_with_member(m):
    v = m.top.data["uid"]
    v.value_type = m.pb.VALUE_NONE


def m_dangling_root(m):
    m.top.data["root"].string_value = "Nowhere42"


def m_root_is_variable(m):
    m.top.data["root"].string_value = uid(m.variables()[0])


def m_dangling_operand(m):
    m.functions()[-1].data["inputs"].vector_value.value[0] \
        .string_value = "Ghost7_Output_0"


def m_forward_ref(m):
    fs = m.functions()
    fs[0].data["inputs"].vector_value.value[0].string_value = \
        uid(fs[-1]) + "_Output_0"


def m_output_index(m):
    f = m.functions()[-1]
    ins = f.data["inputs"].vector_value.value
    for v in ins:
        if "_Output_0" in v.string_value:
            v.string_value = v.string_value.replace("_Output_0", "_Output_1")
            return
    raise ValueError("no output operand")


def m_output_leading_zero(m):
    f = m.functions()[-1]
    for v in f.data["inputs"].vector_value.value:
        if "_Output_0" in v.string_value:
            v.string_value = v.string_value.replace("_Output_0", "_Output_00")
            return
    raise ValueError("no output operand")


def m_dup_var_uid(m):
    vs = m.variables()
    vs[1].data["uid"].string_value = uid(vs[0])


def m_fn_uid_is_leaf(m):
    m.functions()[0].data["uid"].string_value = uid(m.variables()[0])


def m_output_collides(m):
    f = m.functions()[0]
    m.var(2).data["uid"].string_value = uid(f) + "_Output_0"


def tensor(m):
    return m.var(2).data["value"].nd_array_view_value


def m_short_tensor(m):
    del tensor(m).float_values.value[-1]


def m_overflow_shape(m):
    t = tensor(m)
    t.shape.shape_dim[:] = [2 ** 33, 2 ** 33, 2 ** 2]
    m.var(2).data["shape"].nd_shape_value.shape_dim[:] = \
        list(t.shape.shape_dim)


def m_tensor_type(t):
    def mut(m):
        tensor(m).data_type = t
    return mut


def m_var_data_type(m):
    m.var(2).data["data_type"].size_t_value = 7


def m_sparse(m):
    tensor(m).storage_format = 1


def m_unknown_var_key(m):
    m.variables()[0].data["library"].CopyFrom(m.s("libevil.so"))


def m_state_in_v3(m):
    m.top.data["state"].CopyFrom(m.pb.DictionaryValue(
        value_type=m.pb.VALUE_DICTIONARY,
        dictionary_value=m.pb.Dictionary(version=2)))


def m_block_key_on_plain(m):
    f = m.fn(OP["Times"])
    f.data["block_function_op_name"].CopyFrom(m.s("Dense"))


def m_var_type(m):
    m.variables()[0].data["type"].string_value = "Function"


def m_block_comp_type(m):
    m.fn(OP["Block"]).data["block_function_composite"] \
        .dictionary_value.data["type"].string_value = "Evil"


def m_kind(k):
    def mut(m):
        m.variables()[0].data["kind"].size_t_value = k
    return mut


def m_param_data_type(m):
    m.var(2).data["data_type"].size_t_value = 2


def m_var_shape(m):
    v = m.var(2)
    dims = v.data["shape"].nd_shape_value.shape_dim
    total = 1
    for d in dims:
        total *= d
    dims[:] = [total]
    if len(tensor(m).shape.shape_dim) == 1:
        dims[:] = [total, 1]


def m_param_inferred(m):
    v = m.var(2)
    v.data["shape"].nd_shape_value.shape_dim[0] = 2 ** 64 - 1


def m_input_zero_dim(m):
    v = m.var(0)
    v.data["shape"].nd_shape_value.shape_dim[0] = 0


def m_input_huge_shape(m):
    m.var(0).data["shape"].nd_shape_value.shape_dim[:] = [2 ** 31, 2 ** 31,
                                                          2 ** 3]


def m_dup_axis(m):
    v = m.var(0)
    axes = v.data["dynamic_axis"].vector_value.value
    axes.add().CopyFrom(axes[0])


def m_cycle(m):
    f = m.fn(OP["PastValue"])
    f.data["op"].size_t_value = OP["Plus"]
    del f.data["attributes"].dictionary_value.data["offset"]


def block_map(m):
    f = m.fn(OP["Block"])
    return (f.data["block_function_composite_arguments_map_keys"]
            .vector_value.value,
            f.data["block_function_composite_arguments_map_values"]
            .vector_value.value)


def m_map_lengths(m):
    keys, _ = block_map(m)
    keys.add().CopyFrom(keys[0])


def m_map_foreign_key(m):
    keys, _ = block_map(m)
    keys[0].string_value = uid(m.var(2))


def m_map_parameter_key(m):
    f = m.fn(OP["Block"])
    keys, _ = block_map(m)
    captured = [v.string_value for v in f.data["inputs"].vector_value.value
                if v.string_value.startswith("Parameter")]
    keys[0].string_value = captured[0]


def m_map_twice(m):
    keys, vals = block_map(m)
    keys.add().CopyFrom(keys[0])
    vals.add().CopyFrom(vals[0])


def m_del_attr(op, name):
    def mut(m):
        del m.fn(op).data["attributes"].dictionary_value.data[name]
    return mut


def m_unknown_attr(m):
    m.functions()[0].data["attributes"].dictionary_value \
        .data["evilPath"].CopyFrom(m.s("/etc/passwd"))


def m_attr_value(op, name, value):
    def mut(m):
        v = m.fn(op).data["attributes"].dictionary_value.data[name]
        which = v.WhichOneof("value")
        setattr(v, which, value)
    return mut


def m_op_version(m):
    m.fn(OP["StableSigmoid"]).data["version"].size_t_value = 2


def block_root(m):
    return m.fn(OP["Block"]).data["block_function_composite"] \
        .dictionary_value.data["root"]


def m_block_root_dangling(m):
    block_root(m).string_value = "NoSuchFunction9"


def m_block_root_later(m):
    block_root(m).string_value = uid(m.functions()[-1])


def m_combine_index(m):
    f = m.fn(OP["Combine"])
    n = len(f.data["inputs"].vector_value.value)
    root = uid(f)
    # A new last function reading one output more than Combine has.
    g = m.top.data["primitive_functions"].vector_value.value.add()
    g.CopyFrom(m.top.data["primitive_functions"].vector_value.value[0])
    d = g.dictionary_value
    d.data["uid"].string_value = "Evil99"
    d.data["op"].size_t_value = OP["Sigmoid"]
    del d.data["inputs"].vector_value.value[:]
    d.data["inputs"].vector_value.value.add().CopyFrom(
        m.s("%s_Output_%d" % (root, n)))
    d.data["attributes"].dictionary_value.Clear()
    for k in [k for k in d.data if k.startswith("block_")]:
        del d.data[k]
    m.top.data["root"].string_value = "Evil99"


def m_wide_combine(m):
    """A Combine of 200000 operands under a 60000-byte uid: cheap to write,
    costly to any check that spells out every output uid."""
    g = m.top.data["primitive_functions"].vector_value.value.add()
    g.CopyFrom(m.top.data["primitive_functions"].vector_value.value[0])
    d = g.dictionary_value
    d.data["uid"].string_value = "C" * 60000
    d.data["op"].size_t_value = OP["Combine"]
    d.data["attributes"].dictionary_value.Clear()
    ins = d.data["inputs"].vector_value.value
    leaf = ins[0].string_value
    del ins[:]
    one = m.s(leaf)
    for _ in range(200000):
        ins.add().CopyFrom(one)
    m.top.data["root"].string_value = "Nowhere1"


def m_drop_operand(op):
    def mut(m):
        del m.fn(op).data["inputs"].vector_value.value[-1]
    return mut


def m_extra_operand(op):
    def mut(m):
        ins = m.fn(op).data["inputs"].vector_value.value
        ins.add().CopyFrom(ins[0])
    return mut


def m_nul_in_attr(m):
    a = m.fn(OP["ReduceElements"]).data["attributes"].dictionary_value
    a.data["reductionOpName"].string_value = "Sum\0; rm -rf"


MUTATIONS = [
    ("checkpoint-type", "logistic", m_top_type, "not-a-model"),
    ("no-top-type", "logistic", m_no_type, "not-a-model"),
    ("native-udf", "logistic", m_native_udf, "user-defined-function"),
    ("python-udf-injection", "deeprl", m_python_udf, "user-defined-function"),
    ("udf-marker-in-attributes", "logistic", m_hidden_udf,
     "user-defined-function"),
    ("lattice-host-files", "logistic", m_lattice, "host-file-reference"),
    ("op-98", "logistic", set_op(98), "unknown-op"),
    ("op-custom-proxy", "logistic", set_op(OP["CustomProxy"]), "unknown-op"),
    ("op-2e40", "logistic", set_op(2 ** 40), "unknown-op"),
    ("op-unreleased-197", "logistic", set_op(197), "unknown-op"),
    ("composite-version-4", "logistic", m_composite_version(4),
     "unsupported-version"),
    ("composite-version-0", "logistic", m_composite_version(0),
     "unsupported-version"),
    ("function-version-25", "logistic", m_function_version,
     "unsupported-version"),
    ("variable-version-2", "logistic", m_variable_version,
     "unsupported-version"),
    ("message-version-3", "logistic", m_message_version,
     "unsupported-version"),
    ("block-composite-version-9", "deeprl", m_block_version,
     "unsupported-version"),
    ("no-root", "logistic", m_del(lambda m: m.top, "root"), "missing-key"),
    ("variable-without-shape", "logistic",
     m_del(lambda m: m.variables()[0], "shape"), "missing-key"),
    ("function-without-attributes", "logistic",
     m_del(lambda m: m.functions()[0], "attributes"), "missing-key"),
    ("parameter-without-value", "logistic",
     m_del(lambda m: m.var(2), "value"), "missing-key"),
    ("block-without-map-values", "deeprl",
     m_del(lambda m: m.fn(OP["Block"]),
           "block_function_composite_arguments_map_values"), "missing-key"),
    ("sizet-holding-string", "logistic", m_size_holding_string, "wrong-type"),
    ("uid-as-sizet", "logistic", m_uid_as_size, "wrong-type"),
    ("operand-not-string", "logistic", m_input_not_string, "wrong-type"),
    ("attribute-wrong-type", "logistic", m_attr_type, "wrong-type"),
    ("value-type-none-with-member", "logistic", m_none_with_member,
     "wrong-type"),
    ("dangling-root", "logistic", m_dangling_root, "dangling-reference"),
    ("root-is-variable", "logistic", m_root_is_variable,
     "dangling-reference"),
    ("dangling-operand", "logistic", m_dangling_operand,
     "dangling-reference"),
    ("output-index-leading-zero", "logistic", m_output_leading_zero,
     "dangling-reference"),
    ("forward-reference", "logistic", m_forward_ref, "forward-reference"),
    ("output-index-1", "logistic", m_output_index, "bad-output-index"),
    ("duplicate-variable-uid", "logistic", m_dup_var_uid, "duplicate-uid"),
    ("function-uid-is-leaf", "logistic", m_fn_uid_is_leaf, "duplicate-uid"),
    ("output-uid-is-parameter", "logistic", m_output_collides,
     "duplicate-uid"),
    ("tensor-one-value-short", "logistic", m_short_tensor, "shape-mismatch"),
    ("shape-product-overflow", "logistic", m_overflow_shape,
     "shape-mismatch"),
    ("tensor-data-type-3", "logistic", m_tensor_type(3), "bad-data-type"),
    ("tensor-data-type-unknown", "logistic", m_tensor_type(0),
     "bad-data-type"),
    ("double-tensor-float-values", "logistic", m_tensor_type(2),
     "bad-data-type"),
    ("variable-data-type-7", "logistic", m_var_data_type, "bad-data-type"),
    ("sparse-tensor", "logistic", m_sparse, "bad-storage-format"),
    ("unknown-variable-key", "logistic", m_unknown_var_key, "unknown-key"),
    ("state-in-version-3", "logistic", m_state_in_v3, "unknown-key"),
    ("block-key-on-times", "logistic", m_block_key_on_plain, "unknown-key"),
    ("variable-typed-function", "logistic", m_var_type, "wrong-object-type"),
    ("block-composite-type", "deeprl", m_block_comp_type,
     "wrong-object-type"),
    ("variable-kind-output", "logistic", m_kind(1), "bad-variable-kind"),
    ("variable-kind-7", "logistic", m_kind(7), "bad-variable-kind"),
    ("parameter-double-tensor-float", "logistic", m_param_data_type,
     "data-type-mismatch"),
    ("variable-shape-not-value-shape", "logistic", m_var_shape,
     "variable-shape-mismatch"),
    ("parameter-inferred-dimension", "logistic", m_param_inferred,
     "bad-dimension"),
    ("input-zero-dimension", "logistic", m_input_zero_dim, "bad-dimension"),
    ("input-shape-size-overflows", "logistic", m_input_huge_shape,
     "bad-dimension"),
    ("duplicate-dynamic-axis", "logistic", m_dup_axis, "duplicate-axis"),
    ("recurrence-without-delay", "gru", m_cycle, "graph-cycle"),
    ("block-map-lengths", "deeprl", m_map_lengths, "bad-block-map"),
    ("block-map-foreign-key", "deeprl", m_map_foreign_key, "bad-block-map"),
    ("block-map-key-is-parameter", "deeprl", m_map_parameter_key,
     "bad-block-map"),
    ("block-map-key-twice", "deeprl", m_map_twice, "bad-block-map"),
    ("times-without-output-rank", "logistic",
     m_del_attr(OP["Times"], "outputRank"), "missing-attribute"),
    ("pastvalue-without-offset", "gru",
     m_del_attr(OP["PastValue"], "offset"), "missing-attribute"),
    ("slice-without-axis", "gru", m_del_attr(OP["Slice"], "axis"),
     "missing-attribute"),
    ("pooling-without-window", "mnist_conv",
     m_del_attr(OP["Pooling"], "poolingWindowShape"), "missing-attribute"),
    ("unknown-attribute", "logistic", m_unknown_attr, "unknown-attribute"),
    ("pooling-type-7", "mnist_conv",
     m_attr_value(OP["Pooling"], "poolingType", 7), "bad-attribute-value"),
    ("reduction-op-exec", "sample",
     m_attr_value(OP["ReduceElements"], "reductionOpName", "Exec"),
     "bad-attribute-value"),
    ("dropout-rate-1.5", "gru", m_attr_value(OP["Dropout"], "dropoutRate",
                                             1.5), "bad-attribute-value"),
    ("stablesigmoid-at-version-2", "logistic", m_op_version,
     "op-version-mismatch"),
    ("nul-in-attribute-string", "sample", m_nul_in_attr, "invalid-string"),
    ("block-root-dangling", "deeprl", m_block_root_dangling,
     "dangling-reference"),
    ("block-root-after-block", "deeprl", m_block_root_later,
     "forward-reference"),
    ("combine-output-past-operands", "deeprl", m_combine_index,
     "bad-output-index"),
    ("wide-combine-long-uid", "logistic", m_wide_combine,
     "dangling-reference"),
    ("plus-one-operand", "logistic", m_drop_operand(OP["Plus"]), "bad-arity"),
    ("times-three-operands", "logistic", m_extra_operand(OP["Times"]),
     "bad-arity"),
    ("sigmoid-no-operand", "logistic", m_drop_operand(OP["StableSigmoid"]),
     "bad-arity"),
]


def mutated(pb, corpus):
    out = []
    for name, src, mut, code in MUTATIONS:
        raw = load(pb, corpus, src)
        if raw is None:
            continue
        m = Model(pb, raw)
        mut(m)
        out.append((name, code, m.bytes()))
    return out


# --- byte-level constructions -------------------------------------------------

def bytes_cases(pb, corpus):
    out = [("empty", "empty-file", b""),
           ("text", "unknown-format", b"just some text, not a model\n"),
]
    raw = load(pb, corpus, "logistic")
    if raw is not None:
        out += real_bytes_cases(raw)
    out += synthetic_bytes_cases()
    return out


def real_bytes_cases(raw):
    return [
        ("ktnc-layout", "large-model-layout",
         b"ktnc" + struct.pack("<I", len(raw)) + raw),
        # Broken top-level framing is not recognised as v2 at all.
        ("truncated", "unknown-format", raw[:len(raw) // 2]),
        ("truncated-inside", "decode-error",
         raw + entry(b"zz", field(8, 2, b"abc")[:-1])),
        ("duplicate-top-key", "duplicate-key",
         raw + entry(b"root", dv_string(b"Plus1"))),
        ("group-wire-type", "decode-error",
         raw + entry(b"zz", varint(9 << 3 | 3) + varint(9 << 3 | 4))),
        ("repeated-singular", "decode-error",
         raw + entry(b"zz", dv_size(1) + field(2, 0, varint(3)))),
        ("second-oneof-member", "decode-error",
         raw + entry(b"zz", dv_size(1) + field(8, 2, b"x"))),
        ("wrong-wire-type", "decode-error",
         raw + entry(b"zz", field(2, 2, b"\x01"))),
        ("bad-utf8-key", "invalid-string",
         raw + entry(b"\xc0\xafroot", dv_string(b"x"))),
        ("nul-in-key", "invalid-string",
         raw + entry(b"ro\0ot", dv_string(b"x"))),
        ("surrogate-in-string", "invalid-string",
         raw + entry(b"name", dv_string(b"\xed\xa0\x80"))),
        ("long-string", "size-limit",
         raw + entry(b"name", dv_string(b"A" * (MAX_STRING + 1)))),
        ("length-past-end", "decode-error",
         raw + entry(b"zz", varint(8 << 3 | 2) + varint(1 << 30) + b"x")),
    ]


def nested(depth):
    """`depth` dictionaries, each the only value of the one outside it."""
    inner = b""
    for _ in range(depth):
        inner = entry(b"n", field(2, 0, varint(10)) + field(12, 2, inner))
    return inner


def synthetic_bytes_cases():
    vec_of_empties = field(2, 0, varint(9)) + field(
        11, 2, field(1, 2, b"") * (1 << 20))
    many_axes = b"".join(
        field(1, 2, field(2, 0, varint(8)) + field(
            10, 2, field(2, 2, b"a%d" % i))) for i in range(MAX_AXES + 1))
    return [
        ("nested-200", "depth-limit", nested(200)),
        ("nested-just-over-limit", "depth-limit", nested(MAX_DEPTH // 3 + 1)),
        ("alloc-bomb-empty-values", "alloc-limit",
         entry(b"type", dv_string(b"CompositeFunction")) +
         entry(b"inputs", vec_of_empties)),
        ("too-many-dynamic-axes", "count-limit",
         synthetic_model(axes=field(2, 0, varint(9)) + field(11, 2, many_axes))),
    ]


def synthetic_model(axes):
    """A one-input model built from bytes; `axes` is its dynamic_axis value."""
    shape = field(2, 0, varint(7)) + field(9, 2, field(1, 2, varint(3)))
    var = (entry(b"version", dv_size(1)) + entry(b"type", dv_string(b"Variable")) +
           entry(b"uid", dv_string(b"Input0")) + entry(b"kind", dv_size(0)) +
           entry(b"data_type", dv_size(1)) + entry(b"dynamic_axis", axes) +
           entry(b"is_sparse", field(2, 0, varint(1)) + field(3, 0, b"\0")) +
           entry(b"needs_gradient", field(2, 0, varint(1)) +
                 field(3, 0, b"\0")) +
           entry(b"shape", shape))
    attrs = field(2, 0, varint(10)) + field(12, 2, b"")
    fn = (entry(b"version", dv_size(20)) +
          entry(b"type", dv_string(b"PrimitiveFunction")) +
          entry(b"uid", dv_string(b"Negate1")) +
          entry(b"op", field(2, 0, varint(3)) + field(5, 0, varint(0))) +
          entry(b"inputs", field(2, 0, varint(9)) + field(
              11, 2, field(1, 2, dv_string(b"Input0")))) +
          entry(b"attributes", attrs))

    def vec_of_dict(d):
        return field(2, 0, varint(9)) + field(11, 2, field(
            1, 2, field(2, 0, varint(10)) + field(12, 2, d)))
    return (entry(b"version", dv_size(3)) +
            entry(b"type", dv_string(b"CompositeFunction")) +
            entry(b"uid", dv_string(b"CompositeFunction2")) +
            entry(b"root", dv_string(b"Negate1")) +
            entry(b"inputs", vec_of_dict(var)) +
            entry(b"primitive_functions", vec_of_dict(fn)))


def cases(pb, corpus):
    return bytes_cases(pb, corpus) + mutated(pb, corpus)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.join(here, "..", "integration"))
    import harness as h
    pb = h.model_pb2()
    if pb is None or len(sys.argv) != 2:
        print("usage: gen_malicious.py OUTDIR (needs python3-protobuf)",
              file=sys.stderr)
        return 2
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    manifest = {}
    for name, code, data in cases(pb, h.CORPUS):
        with open(os.path.join(out, name + ".model"), "wb") as f:
            f.write(data)
        manifest[name] = code
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
