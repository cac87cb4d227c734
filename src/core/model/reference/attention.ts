/**
 * Scaled dot-product attention in the two shapes Qwen2.5-VL uses: causal grouped-query attention
 * over a key/value cache (text decoder, HF `eager_attention_forward` with `repeat_kv`), and
 * bidirectional attention restricted to `cu_seqlens` segments (vision blocks).
 */
import { softmaxInPlace } from './matrix';

/** One layer's cached keys and values, `[kvHeads][length][headDim]` (the ONNX `present.*` layout without the batch). */
export interface KvLayer {
  kvHeads: number;
  headDim: number;
  length: number;
  key: Float32Array;
  value: Float32Array;
}

export function emptyKvLayer(kvHeads: number, headDim: number): KvLayer {
  return { kvHeads, headDim, length: 0, key: new Float32Array(0), value: new Float32Array(0) };
}

/** The cache grown by `rows` new keys/values given as `[rows][kvHeads][headDim]` (projection layout). */
export function appendToKvLayer(layer: KvLayer, newKeys: Float32Array, newValues: Float32Array, rows: number): KvLayer {
  const { kvHeads, headDim } = layer;
  const length = layer.length + rows;
  const key = new Float32Array(kvHeads * length * headDim);
  const value = new Float32Array(kvHeads * length * headDim);
  for (let h = 0; h < kvHeads; h++) {
    const oldBlock = layer.length * headDim;
    key.set(layer.key.subarray(h * oldBlock, (h + 1) * oldBlock), h * length * headDim);
    value.set(layer.value.subarray(h * oldBlock, (h + 1) * oldBlock), h * length * headDim);
    for (let r = 0; r < rows; r++) {
      const from = (r * kvHeads + h) * headDim;
      const to = (h * length + layer.length + r) * headDim;
      key.set(newKeys.subarray(from, from + headDim), to);
      value.set(newValues.subarray(from, from + headDim), to);
    }
  }
  return { kvHeads, headDim, length, key, value };
}

/** The first `length` positions of a cached layer (rolling a cache back to an earlier turn). */
export function truncateKvLayer(layer: KvLayer, length: number): KvLayer {
  if (length > layer.length) throw new Error(`truncateKvLayer: ${length} > cached ${layer.length}`);
  const { kvHeads, headDim } = layer;
  const key = new Float32Array(kvHeads * length * headDim);
  const value = new Float32Array(kvHeads * length * headDim);
  for (let h = 0; h < kvHeads; h++) {
    const from = h * layer.length * headDim;
    key.set(layer.key.subarray(from, from + length * headDim), h * length * headDim);
    value.set(layer.value.subarray(from, from + length * headDim), h * length * headDim);
  }
  return { kvHeads, headDim, length, key, value };
}

/**
 * Causal GQA: `queries` `[rows][heads][headDim]` are the last `rows` positions of `cache` (which
 * already holds them); query r attends to cache positions `0 .. cache.length − rows + r`. Query head
 * h reads key/value head `floor(h / (heads / kvHeads))`. Returns `[rows][heads * headDim]`.
 */
export function causalGroupedQueryAttention(queries: Float32Array, rows: number, heads: number, cache: KvLayer): Float32Array {
  const { kvHeads, headDim, length } = cache;
  if (heads % kvHeads !== 0) throw new Error(`attention: ${heads} heads for ${kvHeads} kv heads`);
  if (rows > length) throw new Error(`attention: ${rows} queries but only ${length} cached positions`);
  const group = heads / kvHeads;
  const scale = 1 / Math.sqrt(headDim);
  const past = length - rows;
  const out = new Float32Array(rows * heads * headDim);
  const scores = new Float64Array(length);
  const accumulator = new Float64Array(headDim);
  for (let r = 0; r < rows; r++) {
    const visible = past + r + 1;
    for (let h = 0; h < heads; h++) {
      const kvHead = Math.floor(h / group);
      const q = (r * heads + h) * headDim;
      const kvBase = kvHead * length * headDim;
      for (let j = 0; j < visible; j++) {
        const k = kvBase + j * headDim;
        let dot = 0;
        for (let d = 0; d < headDim; d++) dot += (queries[q + d] as number) * (cache.key[k + d] as number);
        scores[j] = dot * scale;
      }
      softmaxInPlace(scores, visible);
      accumulator.fill(0);
      for (let j = 0; j < visible; j++) {
        const p = scores[j] as number;
        const v = kvBase + j * headDim;
        for (let d = 0; d < headDim; d++) accumulator[d] = (accumulator[d] as number) + p * (cache.value[v + d] as number);
      }
      for (let d = 0; d < headDim; d++) out[q + d] = accumulator[d] as number;
    }
  }
  return out;
}

/**
 * Vision attention: q, k, v `[rows][heads][headDim]`; row i attends to every row of its segment
 * `[cuSeqlens[s], cuSeqlens[s+1])` and nothing else. Returns `[rows][heads * headDim]`.
 */
export function segmentAttention(q: Float32Array, k: Float32Array, v: Float32Array, rows: number, heads: number, headDim: number, cuSeqlens: readonly number[]): Float32Array {
  if (cuSeqlens[0] !== 0 || cuSeqlens[cuSeqlens.length - 1] !== rows) {
    throw new Error(`segmentAttention: cu_seqlens must run from 0 to ${rows}, got ${cuSeqlens[0]}..${cuSeqlens[cuSeqlens.length - 1]}`);
  }
  const scale = 1 / Math.sqrt(headDim);
  const out = new Float32Array(rows * heads * headDim);
  const scores = new Float64Array(rows);
  const accumulator = new Float64Array(headDim);
  for (let s = 0; s + 1 < cuSeqlens.length; s++) {
    const from = cuSeqlens[s] as number;
    const to = cuSeqlens[s + 1] as number;
    if (to < from) throw new Error(`segmentAttention: cu_seqlens decreases at ${s}`);
    for (let i = from; i < to; i++) {
      for (let h = 0; h < heads; h++) {
        const qOff = (i * heads + h) * headDim;
        for (let j = from; j < to; j++) {
          const kOff = (j * heads + h) * headDim;
          let dot = 0;
          for (let d = 0; d < headDim; d++) dot += (q[qOff + d] as number) * (k[kOff + d] as number);
          scores[j - from] = dot * scale;
        }
        softmaxInPlace(scores, to - from);
        accumulator.fill(0);
        for (let j = from; j < to; j++) {
          const p = scores[j - from] as number;
          const vOff = (j * heads + h) * headDim;
          for (let d = 0; d < headDim; d++) accumulator[d] = (accumulator[d] as number) + p * (v[vOff + d] as number);
        }
        for (let d = 0; d < headDim; d++) out[qOff + d] = accumulator[d] as number;
      }
    }
  }
  return out;
}
