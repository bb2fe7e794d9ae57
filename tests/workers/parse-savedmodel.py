"""Parse a SavedModel written by src/graph/proto.ts with TensorFlow's own protobuf classes
(tensorflow/core/protobuf/saved_model.proto from the tensorflow wheel in .venv) and print
its fields as JSON, for tests/proto.test.ts.

Only the generated *_pb2 modules are loaded (the tensorflow package itself is not
initialised: that takes ~10-40 s and is not needed to parse).

Usage: python parse-savedmodel.py saved_model.pb
"""
import importlib.util
import json
import os
import sys
import types

import numpy as np

root = importlib.util.find_spec("tensorflow").submodule_search_locations[0]
for name in ["tensorflow", "tensorflow.core", "tensorflow.core.framework", "tensorflow.core.protobuf"]:
    pkg = types.ModuleType(name)
    pkg.__path__ = [os.path.join(root, *name.split(".")[1:])]
    sys.modules[name] = pkg

from google.protobuf import unknown_fields  # noqa: E402
from tensorflow.core.framework import types_pb2  # noqa: E402
from tensorflow.core.protobuf import saved_model_pb2  # noqa: E402

unknown = []


def check_unknown(msg, where):
    """Record fields the schema does not know (a wrong field number or wire type lands here)."""
    if len(unknown_fields.UnknownFieldSet(msg)):
        unknown.append(where)
    for field, value in msg.ListFields():
        if field.message_type is None:
            continue
        if field.message_type.GetOptions().map_entry:
            for k, v in value.items():
                if hasattr(v, "ListFields"):
                    check_unknown(v, f"{where}.{field.name}[{k}]")
        elif not hasattr(value, "ListFields"):  # a repeated field
            for i, v in enumerate(value):
                check_unknown(v, f"{where}.{field.name}[{i}]")
        else:
            check_unknown(value, f"{where}.{field.name}")


def dtype(enum):
    return types_pb2.DataType.Name(enum)


def shape(s):
    return [d.size for d in s.dim]


def tensor(t):
    kind = {types_pb2.DT_FLOAT: "<f4", types_pb2.DT_INT32: "<i4"}[t.dtype]
    return {"dtype": dtype(t.dtype), "shape": shape(t.tensor_shape), "values": np.frombuffer(t.tensor_content, kind).tolist()}


def attr(a):
    which = a.WhichOneof("value")
    if which == "s":
        return {"s": a.s.decode("utf-8")}
    if which == "i":
        return {"i": a.i}
    if which == "f":
        return {"f": a.f}
    if which == "b":
        return {"b": a.b}
    if which == "type":
        return {"type": dtype(a.type)}
    if which == "shape":
        return {"shape": shape(a.shape)}
    if which == "tensor":
        return {"tensor": tensor(a.tensor)}
    if which == "list":
        return {"list": {"i": list(a.list.i), "f": list(a.list.f), "s": [s.decode() for s in a.list.s]}}
    return {"unset": which}


data = open(sys.argv[1], "rb").read()
sm = saved_model_pb2.SavedModel()
sm.ParseFromString(data)
check_unknown(sm, "SavedModel")
meta = sm.meta_graphs[0]
out = {
    "schemaVersion": sm.saved_model_schema_version,
    "metaGraphs": len(sm.meta_graphs),
    "tags": list(meta.meta_info_def.tags),
    "producer": meta.graph_def.versions.producer,
    "nodes": [
        {"name": n.name, "op": n.op, "input": list(n.input), "attr": {k: attr(v) for k, v in sorted(n.attr.items())}}
        for n in meta.graph_def.node
    ],
    "unknownFields": unknown,
    "reserialisedBytes": len(sm.SerializeToString()),
    "bytes": len(data),
}
print(json.dumps(out))
