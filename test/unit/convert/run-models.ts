/** Helpers for running converted tiny models in onnxruntime-node (CPU). */
import * as ort from 'onnxruntime-node';
import { f16ToF32, f32ToF16 } from '../../../src/core/convert/float-convert';
import type { QwenTextConfig } from '../../../src/core/convert/qwen-config';
import { GridThw } from '../../../src/core/convert/vision-windows';
import { visionEncoderFeeds } from '../../../src/core/convert/vision-inputs';
import type { QwenVisionConfig } from '../../../src/core/convert/qwen-config';

export type FloatKind = 'float32' | 'float16';

export function floatTensor(kind: FloatKind, values: Float32Array, dims: number[]): ort.Tensor {
  return kind === 'float32' ? new ort.Tensor('float32', values, dims) : new ort.Tensor('float16', f32ToF16(values), dims);
}

export function toFloat32(t: ort.Tensor): Float32Array {
  return t.type === 'float16' ? f16ToF32(t.data as Uint16Array) : Float32Array.from(t.data as Float32Array);
}

export function wave(length: number, phase: number, amplitude = 1): Float32Array {
  return Float32Array.from({ length }, (_, i) => amplitude * Math.sin(i * 0.37 + phase));
}

/** Decoder feeds for one sequence: positions [3][S], past tensors given or empty. */
export function decoderFeeds(
  text: QwenTextConfig,
  kind: FloatKind,
  embeds: Float32Array,
  positions: number[][],
  totalLength: number,
  past?: Record<string, ort.Tensor>,
): Record<string, ort.Tensor> {
  const s = positions[0]!.length;
  const feeds: Record<string, ort.Tensor> = {
    inputs_embeds: floatTensor(kind, embeds, [1, s, text.hiddenSize]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(totalLength).fill(1n), [1, totalLength]),
    position_ids: new ort.Tensor('int64', BigInt64Array.from(positions.flat(), BigInt), [3, 1, s]),
  };
  for (let i = 0; i < text.numLayers; i++) {
    for (const part of ['key', 'value'] as const) {
      feeds[`past_key_values.${i}.${part}`] = past?.[`present.${i}.${part}`] ?? floatTensor(kind, new Float32Array(0), [1, text.numKvHeads, 0, text.headDim]);
    }
  }
  return feeds;
}

export function visionFeeds(vision: QwenVisionConfig, kind: FloatKind, grid: GridThw[], pixels: Float32Array): Record<string, ort.Tensor> {
  const patches = grid.reduce((a, [t, h, w]) => a + t * h * w, 0);
  const feeds: Record<string, ort.Tensor> = { pixel_values: floatTensor(kind, pixels, [patches, vision.patchInputSize]) };
  for (const [name, f] of Object.entries(visionEncoderFeeds(grid, vision))) {
    feeds[name] = f.type === 'int64' ? new ort.Tensor('int64', f.data, f.dims) : new ort.Tensor('int32', f.data, f.dims);
  }
  return feeds;
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} ≠ ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}
