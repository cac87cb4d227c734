#!/usr/bin/env bash
# Decoding speed of a random-weight Mini-o3-7B-shaped model on an NVIDIA machine WITHOUT Node,
# using only what the repository carries: the pack made by bench/gpu-pack.sh (a node binary,
# onnxruntime-node's linux-x64 files, the bundled bench) and, for WebGPU, the Vulkan loader
# packages in .gl/ (see the device README: `apt-get download libvulkan1 ...` into .gl/).
# Prints tokens/s, time to first token, the share of the memory-bandwidth limit, and figures
# scaled to the whole model (default build: 4 of 28 text layers, 8 of 32 vision blocks).
#   bash bench/gpu.sh                         # cuda → webgpu → cpu, 7B shape
#   bash bench/gpu.sh --layers 8 --json out.json
#   bash bench/gpu.sh --shape small --ep cpu  # a quick check of the pack on any machine
# Environment: GPU_PACK (default bench-out/gpu-pack), GPU_WORK (default /tmp/mini-o3-gpu).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pack=${GPU_PACK:-$root/bench-out/gpu-pack}
work=${GPU_WORK:-/tmp/mini-o3-gpu}

for f in node.xz node_modules-linux-x64.tar.xz gpu-bench.js onnx-worker.js; do
  if [ ! -f "$pack/$f" ]; then
    echo "gpu.sh: $pack/$f is missing: run 'bash bench/gpu-pack.sh' on a machine with Node and carry bench-out/gpu-pack" >&2
    exit 2
  fi
done

mkdir -p "$work/bin" "$work/app/node_modules"
if [ ! -x "$work/bin/node" ] || [ "$pack/node.xz" -nt "$work/bin/node" ]; then
  xz -dc "$pack/node.xz" > "$work/bin/node.tmp" && chmod +x "$work/bin/node.tmp" && mv "$work/bin/node.tmp" "$work/bin/node"
fi
tar -C "$work/app/node_modules" -xJf "$pack/node_modules-linux-x64.tar.xz"
cp "$pack/gpu-bench.js" "$pack/onnx-worker.js" "$work/app/"
"$work/bin/node" --version >/dev/null || { echo "gpu.sh: the carried node binary does not run here" >&2; exit 2; }

# WebGPU needs a Vulkan loader; unpack the carried one when the system has none.
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
  shopt -s nullglob
  debs=("$root"/.gl/*.deb)
  if [ ${#debs[@]} -gt 0 ]; then
    for f in "${debs[@]}"; do dpkg -x "$f" /; done
    ldconfig || true
  else
    echo "gpu.sh: no Vulkan loader (libvulkan.so.1) and no .gl/*.deb: WebGPU will not be available" >&2
  fi
fi
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$icd" ]; then export VK_DRIVER_FILES=$icd; fi

if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
fi
exec "$work/bin/node" "$work/app/gpu-bench.js" --work "$work/model" "$@"
