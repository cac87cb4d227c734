/**
 * The vision tower's position bookkeeping (`Qwen2_5_VisionTransformerPretrainedModel.rot_pos_emb`
 * and `get_window_index`). Patches arrive in 2×2 merge-block order (the processor's patchify), so
 * position ids and windows are computed in that order too.
 */
import { angle, inverseFrequencies } from './rope';
import type { GridThw } from './rope-index';

/** `(row, col)` of every patch of every image, in merge-block order, repeated over t. */
export function patchRowCols(grids: readonly GridThw[], mergeSize: number): { rows: Int32Array; cols: Int32Array } {
  const total = grids.reduce((sum, [t, h, w]) => sum + t * h * w, 0);
  const rows = new Int32Array(total);
  const cols = new Int32Array(total);
  let i = 0;
  for (const [t, h, w] of grids) {
    if (h % mergeSize !== 0 || w % mergeSize !== 0) throw new Error(`vision grid ${t}x${h}x${w} is not a multiple of the merge size ${mergeSize}`);
    for (let frame = 0; frame < t; frame++) {
      for (let blockRow = 0; blockRow < h / mergeSize; blockRow++) {
        for (let blockCol = 0; blockCol < w / mergeSize; blockCol++) {
          for (let innerRow = 0; innerRow < mergeSize; innerRow++) {
            for (let innerCol = 0; innerCol < mergeSize; innerCol++) {
              rows[i] = blockRow * mergeSize + innerRow;
              cols[i] = blockCol * mergeSize + innerCol;
              i++;
            }
          }
        }
      }
    }
  }
  return { rows, cols };
}

/**
 * `rot_pos_emb`: per patch, `cat(row · inv_freq, col · inv_freq)` with inv_freq of
 * `VisionRotaryEmbedding(head_dim / 2)`, i.e. head_dim/4 frequencies per axis; `[patches][headDim/2]` angles.
 */
export function visionRotaryAngles(grids: readonly GridThw[], mergeSize: number, headDim: number): Float32Array {
  const inv = inverseFrequencies(headDim / 2, 10000);
  const quarter = inv.length;
  const { rows, cols } = patchRowCols(grids, mergeSize);
  const half = headDim / 2;
  const out = new Float32Array(rows.length * half);
  for (let p = 0; p < rows.length; p++) {
    for (let j = 0; j < quarter; j++) {
      out[p * half + j] = angle(rows[p] as number, inv[j] as number);
      out[p * half + quarter + j] = angle(cols[p] as number, inv[j] as number);
    }
  }
  return out;
}

export interface WindowIndex {
  /** Merged-token (group of mergeSize² patches) indices in window order. */
  windowIndex: Int32Array;
  /** Patch offsets of the window boundaries, after `unique_consecutive` (empty windows dropped). */
  cuWindowSeqlens: number[];
}

/**
 * `get_window_index`: on each image's merged grid (h/m × w/m), pad with −100 up to whole windows of
 * `window_size / merge / patch` merged tokens (HF pads a full extra window when the side divides
 * evenly), walk windows row-major and the tokens inside each row-major, drop the padding.
 */
export function getWindowIndex(grids: readonly GridThw[], options: { windowSize: number; mergeSize: number; patchSize: number }): WindowIndex {
  const side = Math.floor(options.windowSize / options.mergeSize / options.patchSize);
  if (side < 1) throw new Error(`window_size ${options.windowSize} is smaller than one merged token`);
  const mergeUnit = options.mergeSize * options.mergeSize;
  const windowIndex: number[] = [];
  const cu: number[] = [0];
  let base = 0;
  for (const [t, h, w] of grids) {
    const gridH = Math.floor(h / options.mergeSize);
    const gridW = Math.floor(w / options.mergeSize);
    const paddedH = gridH + (side - (gridH % side));
    const paddedW = gridW + (side - (gridW % side));
    for (let frame = 0; frame < t; frame++) {
      for (let windowRow = 0; windowRow < paddedH / side; windowRow++) {
        for (let windowCol = 0; windowCol < paddedW / side; windowCol++) {
          let count = 0;
          for (let r = windowRow * side; r < (windowRow + 1) * side; r++) {
            for (let c = windowCol * side; c < (windowCol + 1) * side; c++) {
              if (r >= gridH || c >= gridW) continue;
              windowIndex.push(base + frame * gridH * gridW + r * gridW + c);
              count++;
            }
          }
          cu.push((cu[cu.length - 1] as number) + count * mergeUnit);
        }
      }
    }
    base += t * gridH * gridW;
  }
  const unique = cu.filter((value, i) => i === 0 || value !== cu[i - 1]);
  return { windowIndex: Int32Array.from(windowIndex), cuWindowSeqlens: unique };
}

/** `cu_seqlens` of full attention: one segment per image frame of h·w patches. */
export function fullAttentionSeqlens(grids: readonly GridThw[]): number[] {
  const cu = [0];
  for (const [t, h, w] of grids) {
    for (let frame = 0; frame < t; frame++) cu.push((cu[cu.length - 1] as number) + h * w);
  }
  return cu;
}

/** `argsort(windowIndex)`: where each merged token went, to put the merger's output back in image order. */
export function inversePermutation(permutation: ArrayLike<number>): Int32Array {
  const inverse = new Int32Array(permutation.length).fill(-1);
  for (let i = 0; i < permutation.length; i++) {
    const target = permutation[i] as number;
    if (target < 0 || target >= permutation.length || inverse[target] !== -1) throw new Error(`inversePermutation: not a permutation at ${i}`);
    inverse[target] = i;
  }
  return inverse;
}
