/**
 * Qwen2.5-VL window attention geometry, re-derived from transformers' `get_window_index` and `rot_pos_emb`.
 * Pure functions, shared by the converter's tests and the runner.
 */

/** One image's (or video's) patch grid: temporal, height, width in patches. */
export type GridThw = readonly [number, number, number];

export interface WindowGeometry {
  windowSize: number;
  patchSize: number;
  mergeSize: number;
}

export interface WindowIndex {
  /**
   * Permutation over merge units (mergeSize² neighbouring patches, in the processor's row order):
   * windowIndex[j] = the original merge unit placed at position j, so windows are contiguous.
   */
  windowIndex: number[];
  /** Cumulative window lengths in patches, starting at 0, empty windows removed (torch.unique_consecutive). */
  cuWindowSeqlens: number[];
}

/**
 * Each image is cut, on its (h/merge, w/merge) grid of merge units, into windows of
 * windowSize / mergeSize / patchSize units per side (right/bottom windows are partial), row-major over windows
 * and row-major inside each window, frame by frame.
 */
export function windowIndex(gridThw: readonly GridThw[], geometry: WindowGeometry): WindowIndex {
  const { windowSize, patchSize, mergeSize } = geometry;
  const unitsPerWindow = Math.floor(windowSize / mergeSize / patchSize);
  if (unitsPerWindow < 1) throw new Error(`window_size ${windowSize} is smaller than one merge unit (${mergeSize * patchSize} px)`);
  const unit = mergeSize * mergeSize;
  const index: number[] = [];
  const cu: number[] = [0];
  let base = 0;
  for (const [t, h, w] of gridThw) {
    if (h % mergeSize !== 0 || w % mergeSize !== 0) throw new Error(`grid ${t}×${h}×${w} is not divisible by the merge size ${mergeSize}`);
    const gh = h / mergeSize;
    const gw = w / mergeSize;
    const windowsH = Math.ceil(gh / unitsPerWindow);
    const windowsW = Math.ceil(gw / unitsPerWindow);
    for (let frame = 0; frame < t; frame++) {
      for (let wy = 0; wy < windowsH; wy++) {
        for (let wx = 0; wx < windowsW; wx++) {
          let count = 0;
          for (let y = wy * unitsPerWindow; y < Math.min(gh, (wy + 1) * unitsPerWindow); y++) {
            for (let x = wx * unitsPerWindow; x < Math.min(gw, (wx + 1) * unitsPerWindow); x++) {
              index.push(base + frame * gh * gw + y * gw + x);
              count++;
            }
          }
          if (count > 0) cu.push((cu[cu.length - 1] as number) + count * unit);
        }
      }
    }
    base += t * gh * gw;
  }
  return { windowIndex: index, cuWindowSeqlens: cu };
}

/** Cumulative frame lengths in patches (full-attention blocks attend within one frame of one image). */
export function frameSeqlens(gridThw: readonly GridThw[]): number[] {
  const cu = [0];
  for (const [t, h, w] of gridThw) for (let f = 0; f < t; f++) cu.push((cu[cu.length - 1] as number) + h * w);
  return cu;
}

/**
 * (row, column) of every patch in the processor's order: merge blocks row-major, patches row-major inside
 * a block, repeated per frame. Returns [N, 2] flattened.
 */
export function patchRowColumns(gridThw: readonly GridThw[], mergeSize: number): Int32Array {
  const total = gridThw.reduce((a, [t, h, w]) => a + t * h * w, 0);
  const out = new Int32Array(total * 2);
  let at = 0;
  for (const [t, h, w] of gridThw) {
    for (let frame = 0; frame < t; frame++) {
      for (let by = 0; by < h / mergeSize; by++) {
        for (let bx = 0; bx < w / mergeSize; bx++) {
          for (let dy = 0; dy < mergeSize; dy++) {
            for (let dx = 0; dx < mergeSize; dx++) {
              out[at++] = by * mergeSize + dy;
              out[at++] = bx * mergeSize + dx;
            }
          }
        }
      }
    }
  }
  return out;
}

/** argsort of a permutation of 0..n−1. */
export function inversePermutation(permutation: readonly number[]): number[] {
  const out = new Array<number>(permutation.length);
  permutation.forEach((p, i) => {
    out[p] = i;
  });
  return out;
}
