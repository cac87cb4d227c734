import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix } from '../../../src/core/model/reference/matrix';
import type { GridThw } from '../../../src/core/model/reference/rope-index';
import { patchEmbed, visionForward, visionPatchValues } from '../../../src/core/model/reference/vision-encoder';
import { maxAbsDifference, randomMatrix, randomReferenceModel } from './support/random-reference-model';

// Random models use patch 2 (24 values per patch row), merge 2, so window_size 8 = 2x2 merged tokens.
const GRID: GridThw = [1, 8, 12];
const PATCHES = 8 * 12;

function encode(options: Parameters<typeof randomReferenceModel>[0], pixels = randomMatrix(PATCHES, 24, 99), grids: GridThw[] = [GRID], fullAttentionBlocks?: number[]) {
  const model = randomReferenceModel(options);
  return visionForward(model.config.vision, model.weights.vision, pixels, grids, fullAttentionBlocks ? { fullAttentionBlocks } : {});
}

test('patch embedding equals a strided Conv3d over a [C][T][P][P] patch', () => {
  const model = randomReferenceModel({ seed: 3 });
  const v = model.config.vision;
  const pixels = randomMatrix(2, visionPatchValues(v), 4);
  const out = patchEmbed(v, model.weights.vision, pixels);
  const [C, T, P] = [v.inChannels, v.temporalPatchSize, v.patchSize];
  for (let row = 0; row < 2; row++) {
    for (let o = 0; o < v.hiddenSize; o++) {
      let sum = 0;
      for (let c = 0; c < C; c++) for (let t = 0; t < T; t++) for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) {
        const kernel = model.weights.vision.patchEmbed[(((o * C + c) * T + t) * P + i) * P + j] as number;
        const pixel = pixels.data[row * C * T * P * P + ((c * T + t) * P + i) * P + j] as number;
        sum += kernel * pixel;
      }
      assert.ok(Math.abs((out.data[row * v.hiddenSize + o] as number) - sum) < 1e-5);
    }
  }
});

test('with full attention everywhere, the window reorder and its inverse cancel: any window size gives the same features', () => {
  const allFull = [0, 1, 2];
  const base = encode({ seed: 5, windowSize: 8 }, undefined, undefined, allFull).imageFeatures;
  for (const windowSize of [4, 12, 400]) {
    const other = encode({ seed: 5, windowSize }, undefined, undefined, allFull).imageFeatures;
    assert.ok(maxAbsDifference(base.data, other.data) < 1e-5, `window ${windowSize}`);
  }
  assert.equal(base.rows, PATCHES / 4);
  assert.equal(base.cols, 32);
});

test('one window covering the whole image makes window attention equal full attention', () => {
  const windowed = encode({ seed: 6, windowSize: 400, fullAttentionBlocks: [1] }).imageFeatures;
  const full = encode({ seed: 6, windowSize: 400 }, undefined, undefined, [0, 1, 2]).imageFeatures;
  assert.ok(maxAbsDifference(windowed.data, full.data) < 1e-5);
});

test('on an image larger than one window, window attention changes the result', () => {
  const windowed = encode({ seed: 7, windowSize: 8, fullAttentionBlocks: [1] });
  const full = encode({ seed: 7, windowSize: 8 }, undefined, undefined, [0, 1, 2]);
  assert.ok(maxAbsDifference(windowed.imageFeatures.data, full.imageFeatures.data) > 1e-2);
  assert.deepEqual(windowed.cuWindowSeqlens, [0, 16, 32, 48, 64, 80, 96]);
});

test('window-only blocks keep each 2x2 window independent, and outputs come back in image order', () => {
  // 4x6 merged grid, windows of 2x2 merged tokens, no full-attention block.
  const pixels = randomMatrix(PATCHES, 24, 31);
  const before = encode({ seed: 8, windowSize: 8, fullAttentionBlocks: [] }, pixels).imageFeatures;
  const merged = 4 * 6;
  for (const token of [0, 7, 17, 23]) {
    const perturbed = matrix(pixels.rows, pixels.cols, pixels.data.slice());
    for (let k = token * 4 * 24; k < (token + 1) * 4 * 24; k++) perturbed.data[k] = (perturbed.data[k] as number) + 0.5;
    const after = encode({ seed: 8, windowSize: 8, fullAttentionBlocks: [] }, perturbed).imageFeatures;
    const changed: number[] = [];
    for (let j = 0; j < merged; j++) {
      if (maxAbsDifference(before.data.subarray(j * 32, (j + 1) * 32), after.data.subarray(j * 32, (j + 1) * 32)) > 1e-6) changed.push(j);
    }
    const [row, col] = [Math.floor(token / 6), token % 6];
    const expected: number[] = [];
    for (let j = 0; j < merged; j++) if (Math.floor(Math.floor(j / 6) / 2) === Math.floor(row / 2) && Math.floor((j % 6) / 2) === Math.floor(col / 2)) expected.push(j);
    assert.deepEqual(changed, expected, `token ${token}`);
  }
});

test('two images in one call equal each image encoded alone (per-image windows and full attention)', () => {
  const a = randomMatrix(PATCHES, 24, 41);
  const b = randomMatrix(4 * 8, 24, 42);
  const both = matrix(PATCHES + 32, 24, Float32Array.from([...a.data, ...b.data]));
  const together = encode({ seed: 9, windowSize: 8, fullAttentionBlocks: [1] }, both, [GRID, [1, 4, 8]]).imageFeatures;
  const alone = [encode({ seed: 9, windowSize: 8, fullAttentionBlocks: [1] }, a).imageFeatures, encode({ seed: 9, windowSize: 8, fullAttentionBlocks: [1] }, b, [[1, 4, 8]]).imageFeatures];
  assert.ok(maxAbsDifference(together.data, [...alone[0]!.data, ...alone[1]!.data]) < 1e-5);
});

test('pixel rows must match the grids', () => {
  assert.throws(() => encode({ seed: 1 }, randomMatrix(10, 24, 1)), /pixel_values is 10x24, grids need 96x24/);
});
