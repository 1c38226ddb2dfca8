"""Writes models/probe/add-one.onnx: y = x + 1 over float32[1].

The inference process runs this graph once per execution provider to learn
which providers really work on this machine (a bundled provider can still fail
for want of a driver). Run with Debian's python3-onnx:
    /usr/bin/python3 models/scripts/make_probe_model.py
"""
from pathlib import Path

import onnx
from onnx import TensorProto, helper

x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])
one = helper.make_tensor("one", TensorProto.FLOAT, [1], [1.0])
graph = helper.make_graph([helper.make_node("Add", ["x", "one"], ["y"])], "probe", [x], [y], [one])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="wordbrush")
model.ir_version = 8
onnx.checker.check_model(model)
out = Path(__file__).resolve().parents[1] / "probe" / "add-one.onnx"
out.write_bytes(model.SerializeToString())
print(f"wrote {out} ({out.stat().st_size} bytes)")
