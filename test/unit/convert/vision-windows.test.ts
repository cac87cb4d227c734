import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attentionLayout, visionEncoderFeeds, VISION_IO } from '../../../src/core/convert/vision-inputs';
import { frameSeqlens, GridThw, inversePermutation, patchRowColumns, windowIndex } from '../../../src/core/convert/vision-windows';

const QWEN = { windowSize: 112, patchSize: 14, mergeSize: 2 };

/**
 * transformers' get_window_index transcribed step by step on plain arrays: arange → reshape(t, gh, gw) →
 * F.pad(…, -100) to multiples of the window → reshape/permute(0,1,3,2,4) → drop −100 → cumsum · unit →
 * unique_consecutive.
 */
function hfWindowIndex(grids: GridThw[], windowSize: number, patchSize: number, merge: number): { windowIndex: number[]; cu: number[] } {
  const vws = Math.floor(windowSize / merge / patchSize);
  const out: number[] = [];
  const cu = [0];
  let base = 0;
  for (const [t, h, w] of grids) {
    const gh = h / merge;
    const gw = w / merge;
    const padH = vws - (gh % vws);
    const padW = vws - (gw % vws);
    const nh = (gh + padH) / vws;
    const nw = (gw + padW) / vws;
    const padded = (f: number, y: number, x: number) => (y < gh && x < gw ? f * gh * gw + y * gw + x : -100);
    for (let f = 0; f < t; f++) {
      for (let wy = 0; wy < nh; wy++) {
        for (let wx = 0; wx < nw; wx++) {
          let count = 0;
          for (let iy = 0; iy < vws; iy++) {
            for (let ix = 0; ix < vws; ix++) {
              const v = padded(f, wy * vws + iy, wx * vws + ix);
              if (v !== -100) {
                out.push(v + base);
                count++;
              }
            }
          }
          cu.push((cu[cu.length - 1] as number) + count * merge * merge);
        }
      }
    }
    base += t * gh * gw;
  }
  const unique = cu.filter((v, i) => i === 0 || v !== cu[i - 1]);
  return { windowIndex: out, cu: unique };
}

test('window index of a hand-computed grid (1×4×12: two windows of 8 and 4 merge units)', () => {
  const r = windowIndex([[1, 4, 12]], QWEN);
  assert.deepEqual(r.windowIndex, [0, 1, 2, 3, 6, 7, 8, 9, 4, 5, 10, 11]);
  assert.deepEqual(r.cuWindowSeqlens, [0, 32, 48]);
  const two = windowIndex([[1, 2, 2], [1, 2, 4]], QWEN);
  assert.deepEqual(two.windowIndex, [0, 1, 2]);
  assert.deepEqual(two.cuWindowSeqlens, [0, 4, 12]);
});

test('window index equals the transcribed transformers algorithm on many grids, videos and window sizes', () => {
  const grids: GridThw[][] = [
    [[1, 16, 16]],
    [[1, 8, 8]],
    [[1, 18, 30]],
    [[2, 10, 6]],
    [[1, 4, 4], [1, 36, 20], [3, 6, 14]],
    [[1, 2, 58]],
  ];
  for (const g of grids) {
    for (const windowSize of [112, 56, 224]) {
      const ours = windowIndex(g, { ...QWEN, windowSize });
      const hf = hfWindowIndex(g, windowSize, 14, 2);
      assert.deepEqual(ours.windowIndex, hf.windowIndex, JSON.stringify({ g, windowSize }));
      assert.deepEqual(ours.cuWindowSeqlens, hf.cu, JSON.stringify({ g, windowSize }));
      const units = g.reduce((a, [t, h, w]) => a + (t * h * w) / 4, 0);
      assert.deepEqual([...ours.windowIndex].sort((a, b) => a - b), Array.from({ length: units }, (_, i) => i));
    }
  }
});

test('patch (row, column) ids follow the 2×2 merge-block order; frames repeat', () => {
  assert.deepEqual(Array.from(patchRowColumns([[1, 2, 4]], 2)), [0, 0, 0, 1, 1, 0, 1, 1, 0, 2, 0, 3, 1, 2, 1, 3]);
  const video = Array.from(patchRowColumns([[2, 2, 2]], 2));
  assert.deepEqual(video.slice(0, 8), video.slice(8));
  assert.deepEqual(frameSeqlens([[2, 2, 4], [1, 4, 4]]), [0, 8, 16, 32]);
  assert.deepEqual(inversePermutation([2, 0, 1]), [1, 2, 0]);
});

test('attention layout pads segments to the longest and scatters tokens back', () => {
  const l = attentionLayout([0, 3, 5]);
  assert.equal(l.width, 3);
  assert.deepEqual(Array.from(l.gather, Number), [0, 1, 2, 3, 4, 0]);
  assert.deepEqual(Array.from(l.mask), [1, 1, 1, 1, 1, 0]);
  assert.deepEqual(Array.from(l.scatter, Number), [0, 1, 2, 3, 4]);
});

test('vision encoder feeds: shapes, permutation pair, rotary ids in window order', () => {
  const grid: GridThw[] = [[1, 4, 12]];
  const feeds = visionEncoderFeeds(grid, { windowSize: 112, patchSize: 14, spatialMergeSize: 2 });
  const order = Array.from(feeds[VISION_IO.windowIndex]!.data as BigInt64Array, Number);
  const reverse = Array.from(feeds[VISION_IO.reverseWindowIndex]!.data as BigInt64Array, Number);
  assert.deepEqual(order.map((u) => reverse[u]), order.map((_, i) => i));
  const ids = Array.from(feeds[VISION_IO.rotaryPositions]!.data as BigInt64Array, Number);
  assert.deepEqual(feeds[VISION_IO.rotaryPositions]!.dims, [48, 2]);
  // Position 8 of the window order is merge unit 4: block row 0, block column 4 → patches (0,8),(0,9),(1,8),(1,9).
  assert.deepEqual(ids.slice(8 * 4 * 2, 9 * 4 * 2), [0, 8, 0, 9, 1, 8, 1, 9]);
  assert.deepEqual(feeds[VISION_IO.gatherIndex('window')]!.dims, [2, 32]);
  assert.deepEqual(feeds[VISION_IO.gatherIndex('full')]!.dims, [1, 48]);
  assert.deepEqual(feeds[VISION_IO.keyMask('window')]!.dims, [2, 32]);
  assert.equal(feeds['full_attention_key_mask'], undefined);
  assert.throws(() => visionEncoderFeeds([[1, 4, 12], [1, 2, 2]], { windowSize: 112, patchSize: 14, spatialMergeSize: 2 }), /equal patch grids.*1×4×12, 1×2×2/);
  assert.equal(Array.from(feeds[VISION_IO.keyMask('window')]!.data as Int32Array).filter((v) => v === 1).length, 48);
});
