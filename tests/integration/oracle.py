#!/usr/bin/python3
"""oracle.py: independent check that a canonical model says what the
original said (role: tests).

Usage: oracle.py PROTO_DIR ORIGINAL CANONICAL

Compiles PROTO_DIR/model.proto (ours, the one the worker is built from)
with protoc --python_out into a temporary directory, decodes both files as
CNTK.proto.Dictionary with python3-protobuf, and compares their content:
map entry order does not matter, unknown fields in the original are ignored
(the canonical form drops them on purpose), float bits must match.

Exit 0 when equal, 1 with a description of the first difference, 2 on
usage or tool errors.  Use only on trusted test files.
"""

import importlib
import os
import subprocess
import sys
import tempfile


def load_schema(proto_dir, out_dir):
    """Compile model.proto and return the generated module."""
    subprocess.run(["protoc", "--proto_path=" + proto_dir,
                    "--python_out=" + out_dir,
                    os.path.join(proto_dir, "model.proto")], check=True)
    sys.path.insert(0, out_dir)
    return importlib.import_module("model_pb2")


def decode(schema, path):
    msg = schema.Dictionary()
    with open(path, "rb") as f:
        msg.ParseFromString(f.read())
    msg.DiscardUnknownFields()
    return msg


def first_difference(a, b, path="Dictionary"):
    """Describe the first place where two decoded trees differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return "%s.%s: present on one side only" % (path, k)
            d = first_difference(a[k], b[k], "%s.%s" % (path, k))
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return "%s: %d vs %d items" % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    if a != b:
        return "%s: %r vs %r" % (path, a, b)
    return None


def main(argv):
    if len(argv) != 4:
        sys.stderr.write(__doc__)
        return 2
    proto_dir, original, canonical = argv[1:]
    from google.protobuf import json_format
    with tempfile.TemporaryDirectory(prefix="safeload-oracle-") as tmp:
        schema = load_schema(proto_dir, tmp)
        a = decode(schema, original)
        b = decode(schema, canonical)
    # Deterministic serialisation sorts map keys: equal bytes means equal
    # content, map order aside and bit-exact for floats (NaN included).
    if a.SerializeToString(deterministic=True) == \
            b.SerializeToString(deterministic=True):
        print("oracle: same content")
        return 0
    diff = first_difference(
        json_format.MessageToDict(a, preserving_proto_field_name=True),
        json_format.MessageToDict(b, preserving_proto_field_name=True))
    print("oracle: content differs: %s" % (diff or "in float bits"))
    return 1


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (OSError, subprocess.CalledProcessError) as e:
        sys.stderr.write("oracle: %s\n" % e)
        sys.exit(2)
