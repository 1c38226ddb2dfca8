#!/usr/bin/env bash
# Generates the ONNX protobuf types the engine reads and writes graphs with
# (main/engine/onnx/generated/) from the onnx-ml.proto of the ONNX release
# given, so a graph's fields survive the attention patch whatever IR it uses.
#   pip install onnx==1.23.1 && scripts/make-onnx-types.sh "$(python -c 'import onnx, os; print(os.path.dirname(onnx.__file__))')/onnx-ml.proto"
set -euo pipefail
cd "$(dirname "$0")/.."
proto="${1:?give the path of onnx-ml.proto}"
out=main/engine/onnx/generated
mkdir -p "$out"
npx pbjs -t static-module -w commonjs --no-verify --no-delimited --no-service -o "$out/onnx.js" "$proto"
npx pbts --no-comments -o "$out/onnx.d.ts" "$out/onnx.js"

echo "Generated $out from $proto"
