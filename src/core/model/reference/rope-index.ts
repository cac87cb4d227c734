/**
 * Qwen2.5-VL's 3-D position ids (`Qwen2_5_VLModel.get_rope_index`) for one unpadded sequence of
 * text and images: text counts up on all three streams; the `t·(h/m)·(w/m)` `<|image_pad|>` tokens
 * of an image get `offset + (0, row, col)` on the merged grid (an image's temporal index is
 * `t · 0 · tokens_per_second` = 0); text after an image resumes at the largest position so far + 1.
 * Videos are refused: transformers versions disagree on their temporal index (whether
 * seconds-per-grid is truncated to an integer first), and Mini-o3 never sends one.
 */

export type GridThw = readonly [number, number, number];

export interface RopeIndexOptions {
  imageTokenId: number;
  videoTokenId: number;
  visionStartTokenId: number;
  spatialMergeSize: number;
}

export interface RopeIndex {
  /** `[temporal, height, width]`, each as long as the sequence. */
  positionIds: [Int32Array, Int32Array, Int32Array];
  /** `max position + 1 − sequence length`: decode step i after a prefill of length L sits at L + i + delta. */
  ropeDelta: number;
}

export function getRopeIndex(tokenIds: readonly number[], imageGrids: readonly GridThw[], options: RopeIndexOptions): RopeIndex {
  const ids = tokenIds;
  const n = ids.length;
  const streams: [Int32Array, Int32Array, Int32Array] = [new Int32Array(n), new Int32Array(n), new Int32Array(n)];

  // HF counts the spans by the token right after each <|vision_start|>.
  let imageCount = 0;
  for (let i = 0; i + 1 < n; i++) {
    if (ids[i] !== options.visionStartTokenId) continue;
    if (ids[i + 1] === options.imageTokenId) imageCount++;
    else if (ids[i + 1] === options.videoTokenId) throw new Error(`get_rope_index: token ${i + 1} starts a video; the reference handles images only`);
  }
  if (imageCount > imageGrids.length) throw new Error(`get_rope_index: ${imageCount} images in the tokens but ${imageGrids.length} image grids`);

  let written = 0;
  let nextPosition = 0; // largest position so far + 1
  const writeText = (count: number): void => {
    for (let k = 0; k < count; k++) {
      streams[0][written] = nextPosition + k;
      streams[1][written] = nextPosition + k;
      streams[2][written] = nextPosition + k;
      written++;
    }
    nextPosition += count;
  };

  let start = 0;
  for (let image = 0; image < imageCount; image++) {
    const end = ids.indexOf(options.imageTokenId, start);
    if (end < 0) throw new Error(`get_rope_index: image ${image} has a <|vision_start|> but no <|image_pad|> after token ${start}`);
    const [t, h, w] = imageGrids[image] as GridThw;
    const gridH = Math.floor(h / options.spatialMergeSize);
    const gridW = Math.floor(w / options.spatialMergeSize);
    const spanLength = t * gridH * gridW;
    if (spanLength === 0) throw new Error(`get_rope_index: image ${image} has an empty grid ${t}x${h}x${w}`);
    if (end + spanLength > n) throw new Error(`get_rope_index: image ${image} (grid ${t}x${h}x${w}) needs ${spanLength} placeholder tokens from index ${end}, the sequence ends at ${n}`);

    writeText(end - start);
    const offset = nextPosition;
    for (let ti = 0; ti < t; ti++) {
      for (let row = 0; row < gridH; row++) {
        for (let col = 0; col < gridW; col++) {
          streams[0][written] = offset;
          streams[1][written] = offset + row;
          streams[2][written] = offset + col;
          written++;
        }
      }
    }
    nextPosition = offset + Math.max(gridH, gridW);
    start = end + spanLength;
  }
  writeText(n - start);
  return { positionIds: streams, ropeDelta: nextPosition - n };
}

/** Position ids of `count` tokens appended after `pastLength` cached ones with no new vision span. */
export function decodePositionIds(pastLength: number, count: number, ropeDelta: number): [Int32Array, Int32Array, Int32Array] {
  const stream = new Int32Array(count);
  for (let i = 0; i < count; i++) stream[i] = pastLength + i + ropeDelta;
  return [stream, stream.slice(), stream.slice()];
}

/** Rows `[from, to)` of each stream (the new tokens of a cached continuation). */
export function slicePositionIds(ids: readonly [Int32Array, Int32Array, Int32Array], from: number, to?: number): [Int32Array, Int32Array, Int32Array] {
  return [ids[0].slice(from, to), ids[1].slice(from, to), ids[2].slice(from, to)];
}
