#!/usr/bin/env bash
# Packs what bench/gpu.sh needs on a GPU machine that has no Node and no network, into
# bench-out/gpu-pack/ (ignored by git; about 40 MB):
#   gpu-bench.js, onnx-worker.js            esbuild bundles (all JS dependencies inlined)
#   node.xz                                 this machine's node binary (glibc x86-64, needs only libc/libstdc++)
#   node_modules-linux-x64.tar.xz           onnxruntime-node with only its linux-x64 binaries, onnxruntime-common
# Run here, after `npm ci`:   bash bench/gpu-pack.sh [OUT_DIR]
# Then on the GPU machine:    bash bench/gpu.sh [gpu-bench options]   (with bench-out/gpu-pack carried along)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$root/bench-out/gpu-pack}
mkdir -p "$out"
esbuild=$root/node_modules/.bin/esbuild
common=(--bundle --platform=node --format=cjs --target=node20 --external:onnxruntime-node --external:sharp --log-level=warning)
"$esbuild" "$root/bench/gpu-bench.ts" "${common[@]}" --outfile="$out/gpu-bench.js"
"$esbuild" "$root/src/core/model/onnx/worker.ts" "${common[@]}" --outfile="$out/onnx-worker.js"

node_bin=$(readlink -f "$(command -v node)")
if [ ! -f "$out/node.xz" ] || [ "$node_bin" -nt "$out/node.xz" ]; then
  echo "compressing $node_bin ($(node --version)); this takes a few minutes"
  xz -T0 -6 -c "$node_bin" > "$out/node.xz.tmp" && mv "$out/node.xz.tmp" "$out/node.xz"
fi
ort=$root/node_modules/onnxruntime-node
if [ ! -f "$out/node_modules-linux-x64.tar.xz" ] || [ "$ort/package.json" -nt "$out/node_modules-linux-x64.tar.xz" ]; then
  tar -C "$root/node_modules" -cf - onnxruntime-node/package.json onnxruntime-node/dist onnxruntime-node/bin/napi-v6/linux/x64 \
    onnxruntime-common/package.json onnxruntime-common/dist/cjs | xz -T0 -6 > "$out/node_modules.tmp" && mv "$out/node_modules.tmp" "$out/node_modules-linux-x64.tar.xz"
fi
ls -l "$out"
du -sh "$out"
