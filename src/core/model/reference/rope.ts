/**
 * Rotary position embeddings as Hugging Face computes them for Qwen2.5-VL: `rotate_half` on each
 * head, angles `position × inv_freq` rounded to float32 like torch's float32 math (it matters for
 * positions in the thousands), and the multimodal variant whose head dimensions are split into
 * temporal / height / width sections, each rotated by its own position stream.
 */

const f32 = Math.fround;

/**
 * `1 / theta^(arange(0, dim, 2) / dim)` in float32, length `dim / 2`: the default RoPE init
 * (text: dim = head_dim, theta = rope_theta) and `Qwen2_5_VisionRotaryEmbedding` (dim = head_dim/2,
 * theta = 10000).
 */
export function inverseFrequencies(dim: number, theta: number): Float32Array {
  const out = new Float32Array(dim / 2);
  for (let j = 0; j < dim / 2; j++) {
    const exponent = f32(f32(2 * j) / dim);
    out[j] = f32(1 / f32(Math.pow(theta, exponent)));
  }
  return out;
}

/** The float32 angle torch computes for `position * inv_freq`. */
export function angle(position: number, inverseFrequency: number): number {
  return f32(f32(position) * inverseFrequency);
}

/** Cos and sin tables, `[rows][headDim]` each, shared by all heads of a row. */
export interface RotaryTables {
  rows: number;
  headDim: number;
  cos: Float32Array;
  sin: Float32Array;
}

/** Tables from per-row angles of length headDim/2, duplicated to headDim (`cat(freqs, freqs)`). */
export function rotaryTablesFromAngles(angles: Float32Array, rows: number, headDim: number): RotaryTables {
  const half = headDim / 2;
  if (angles.length !== rows * half) throw new Error(`rotary: ${angles.length} angles for ${rows} rows of ${half}`);
  const cos = new Float32Array(rows * headDim);
  const sin = new Float32Array(rows * headDim);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < half; j++) {
      const a = angles[r * half + j] as number;
      const c = Math.cos(a);
      const s = Math.sin(a);
      cos[r * headDim + j] = c;
      cos[r * headDim + half + j] = c;
      sin[r * headDim + j] = s;
      sin[r * headDim + half + j] = s;
    }
  }
  return { rows, headDim, cos, sin };
}

/** Plain 1-D RoPE tables for positions `positions[r]`. */
export function plainRotaryTables(positions: ArrayLike<number>, headDim: number, theta: number): RotaryTables {
  const inv = inverseFrequencies(headDim, theta);
  const half = headDim / 2;
  const angles = new Float32Array(positions.length * half);
  for (let r = 0; r < positions.length; r++) {
    for (let j = 0; j < half; j++) angles[r * half + j] = angle(positions[r] as number, inv[j] as number);
  }
  return rotaryTablesFromAngles(angles, positions.length, headDim);
}

/** Which of the 3 position streams (0 temporal, 1 height, 2 width) drives head dimension `d`. */
export function mropeStreamOfDimension(d: number, headDim: number, section: readonly [number, number, number]): number {
  // HF: cos.split(mrope_section * 2) and chunk i takes stream i % 3; both halves repeat the sections.
  let j = d % (headDim / 2);
  for (let stream = 0; stream < 3; stream++) {
    const width = section[stream] as number;
    if (j < width) return stream;
    j -= width;
  }
  throw new Error(`mrope: sections ${section.join(',')} do not cover head dimension ${d} of ${headDim}`);
}

/**
 * `apply_multimodal_rotary_pos_emb`'s cos/sin: `positionIds[s][r]` is stream s's position of row r
 * (the `[3, S]` `position_ids` of one batch item).
 */
export function mropeTables(
  positionIds: readonly [ArrayLike<number>, ArrayLike<number>, ArrayLike<number>],
  headDim: number,
  theta: number,
  section: readonly [number, number, number],
): RotaryTables {
  const rows = positionIds[0].length;
  if (positionIds[1].length !== rows || positionIds[2].length !== rows) throw new Error('mrope: the 3 position streams differ in length');
  const inv = inverseFrequencies(headDim, theta);
  const half = headDim / 2;
  const streamOf = Array.from({ length: half }, (_, j) => mropeStreamOfDimension(j, headDim, section));
  const angles = new Float32Array(rows * half);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < half; j++) {
      const stream = positionIds[streamOf[j] as 0 | 1 | 2];
      angles[r * half + j] = angle(stream[r] as number, inv[j] as number);
    }
  }
  return rotaryTablesFromAngles(angles, rows, headDim);
}

/**
 * `x * cos + rotate_half(x) * sin` in place on every head of every row: `data` is `[rows][heads][headDim]`
 * (the projection output viewed per head), row r using table row r.
 */
export function applyRotaryInPlace(data: Float32Array, rows: number, heads: number, tables: RotaryTables): void {
  const { headDim } = tables;
  if (tables.rows !== rows) throw new Error(`rotary: ${tables.rows} table rows for ${rows} rows`);
  if (data.length !== rows * heads * headDim) throw new Error(`rotary: ${data.length} values for ${rows}x${heads}x${headDim}`);
  const half = headDim / 2;
  const rotated = new Float64Array(headDim);
  for (let r = 0; r < rows; r++) {
    const t = r * headDim;
    for (let h = 0; h < heads; h++) {
      const off = (r * heads + h) * headDim;
      for (let d = 0; d < half; d++) {
        rotated[d] = -(data[off + half + d] as number);
        rotated[half + d] = data[off + d] as number;
      }
      for (let d = 0; d < headDim; d++) {
        data[off + d] = (data[off + d] as number) * (tables.cos[t + d] as number) + (rotated[d] as number) * (tables.sin[t + d] as number);
      }
    }
  }
}
