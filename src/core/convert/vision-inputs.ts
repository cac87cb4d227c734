import { frameSeqlens, GridThw, inversePermutation, patchRowColumns, windowIndex } from './vision-windows';

/**
 * Inputs of `vision_encoder*.onnx`. Only pixel_values carries image data; the rest is geometry computed in
 * TypeScript by `visionEncoderFeeds`, because window partitioning is data-dependent control flow. N = Σ t·h·w
 * patches, U = N / mergeSize² merge units, and every index refers to the window-ordered sequence.
 *
 *   pixel_values                    float [N, C·T·P·P]   rows as the Qwen2-VL processor emits them
 *   window_index                    int64 [U]            merge unit placed at each position (transformers' window_index)
 *   reverse_window_index            int64 [U]            argsort(window_index), applied after the merger
 *   rotary_pos_ids                  int64 [N, 2]         (row, column) of each patch, window order
 *   window_attention_gather_index   int64 [Wn, Lw]       token at each slot of each window (padding slots: 0)
 *   window_attention_key_mask       int32 [Wn, Lw]       1 real slot, 0 padding
 *   window_attention_scatter_index  int64 [N]            slot (window · Lw + offset) of each token
 *   full_attention_gather_index     int64 [F, Lf]        same for full attention, one row per frame, no padding
 *   full_attention_scatter_index    int64 [N]
 * Output: image_features float [U, out_hidden_size], in the processor's merge-unit order (one row per <|image_pad|>).
 *
 * Full-attention blocks take no key mask, so every frame in one run must have the same h·w (one image per run
 * always qualifies): with a mask onnxruntime's CPU MultiHeadAttention materializes [F, heads, Lf, Lf] scores
 * (6.7 GB for a 10k-patch image), without one it uses its flash kernel. Windows (≤ 64 patches) keep their mask.
 */
export const VISION_IO = {
  pixelValues: 'pixel_values',
  windowIndex: 'window_index',
  reverseWindowIndex: 'reverse_window_index',
  rotaryPositions: 'rotary_pos_ids',
  gatherIndex: (kind: AttentionKind) => `${kind}_attention_gather_index`,
  keyMask: (kind: 'window') => `${kind}_attention_key_mask`,
  scatterIndex: (kind: AttentionKind) => `${kind}_attention_scatter_index`,
  imageFeatures: 'image_features',
} as const;

export type AttentionKind = 'window' | 'full';

export type VisionFeed =
  | { type: 'int64'; data: BigInt64Array; dims: number[] }
  | { type: 'int32'; data: Int32Array; dims: number[] };

export interface VisionGeometry {
  windowSize: number;
  patchSize: number;
  spatialMergeSize: number;
}

/** Padded attention batches for contiguous segments [cu[i], cu[i+1]) of the token sequence. */
export function attentionLayout(cu: readonly number[]): { gather: BigInt64Array; mask: Int32Array; scatter: BigInt64Array; segments: number; width: number } {
  const segments = cu.length - 1;
  let width = 0;
  for (let s = 0; s < segments; s++) width = Math.max(width, (cu[s + 1] as number) - (cu[s] as number));
  const tokens = (cu[segments] as number) - (cu[0] as number);
  const gather = new BigInt64Array(segments * width);
  const mask = new Int32Array(segments * width);
  const scatter = new BigInt64Array(tokens);
  for (let s = 0; s < segments; s++) {
    const start = cu[s] as number;
    const length = (cu[s + 1] as number) - start;
    for (let j = 0; j < length; j++) {
      gather[s * width + j] = BigInt(start + j);
      mask[s * width + j] = 1;
      scatter[start + j] = BigInt(s * width + j);
    }
  }
  return { gather, mask, scatter, segments, width };
}

/** Every vision_encoder input except pixel_values, for these image grids. */
export function visionEncoderFeeds(gridThw: readonly GridThw[], geometry: VisionGeometry): Record<string, VisionFeed> {
  const merge = geometry.spatialMergeSize;
  const unit = merge * merge;
  const { windowIndex: order, cuWindowSeqlens } = windowIndex(gridThw, { windowSize: geometry.windowSize, patchSize: geometry.patchSize, mergeSize: merge });
  const rowCols = patchRowColumns(gridThw, merge);
  const patches = rowCols.length / 2;
  const rotary = new BigInt64Array(patches * 2);
  order.forEach((u, j) => {
    for (let k = 0; k < unit; k++) {
      rotary[(j * unit + k) * 2] = BigInt(rowCols[(u * unit + k) * 2] as number);
      rotary[(j * unit + k) * 2 + 1] = BigInt(rowCols[(u * unit + k) * 2 + 1] as number);
    }
  });
  const feeds: Record<string, VisionFeed> = {
    [VISION_IO.windowIndex]: { type: 'int64', data: BigInt64Array.from(order, BigInt), dims: [order.length] },
    [VISION_IO.reverseWindowIndex]: { type: 'int64', data: BigInt64Array.from(inversePermutation(order), BigInt), dims: [order.length] },
    [VISION_IO.rotaryPositions]: { type: 'int64', data: rotary, dims: [patches, 2] },
  };
  const frames = new Set(gridThw.map(([, h, w]) => h * w));
  if (frames.size > 1) {
    throw new Error(`one vision_encoder run needs images of equal patch grids (full attention has no padding mask); got ${gridThw.map(([t, h, w]) => `${t}×${h}×${w}`).join(', ')}: run them separately`);
  }
  for (const [kind, cu] of [['window', cuWindowSeqlens], ['full', frameSeqlens(gridThw)]] as const) {
    const layout = attentionLayout(cu);
    feeds[VISION_IO.gatherIndex(kind)] = { type: 'int64', data: layout.gather, dims: [layout.segments, layout.width] };
    if (kind === 'window') feeds[VISION_IO.keyMask(kind)] = { type: 'int32', data: layout.mask, dims: [layout.segments, layout.width] };
    feeds[VISION_IO.scatterIndex(kind)] = { type: 'int64', data: layout.scatter, dims: [patches] };
  }
  return feeds;
}
