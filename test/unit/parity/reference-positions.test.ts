import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePositionIds, getRopeIndex, slicePositionIds } from '../../../src/core/model/reference/rope-index';
import { fullAttentionSeqlens, getWindowIndex, inversePermutation, patchRowCols } from '../../../src/core/model/reference/vision-positions';

const OPTIONS = { imageTokenId: 60, videoTokenId: 61, visionStartTokenId: 58, spatialMergeSize: 2 };
const T = 7;
const VS = 58;
const VE = 59;
const I = 60;

test('get_rope_index: text counts up, an image gets offset + (0, row, col), text resumes at max + 1', () => {
  const ids = [T, T, VS, I, I, I, I, I, I, VE, T, T];
  const { positionIds, ropeDelta } = getRopeIndex(ids, [[1, 4, 6]], OPTIONS);
  assert.deepEqual([...positionIds[0]], [0, 1, 2, 3, 3, 3, 3, 3, 3, 6, 7, 8]);
  assert.deepEqual([...positionIds[1]], [0, 1, 2, 3, 3, 3, 4, 4, 4, 6, 7, 8]);
  assert.deepEqual([...positionIds[2]], [0, 1, 2, 3, 4, 5, 3, 4, 5, 6, 7, 8]);
  assert.equal(ropeDelta, 9 - 12);
  assert.deepEqual(decodePositionIds(12, 2, ropeDelta).map((s) => [...s]), [[9, 10], [9, 10], [9, 10]]);
});

test('get_rope_index: two images, the second placed after the first one\'s maximum', () => {
  const ids = [T, VS, I, I, I, I, I, I, VE, T, VS, I, I, I, I, VE];
  const { positionIds, ropeDelta } = getRopeIndex(ids, [[1, 4, 6], [1, 4, 4]], OPTIONS);
  assert.deepEqual([...positionIds[0]], [0, 1, 2, 2, 2, 2, 2, 2, 5, 6, 7, 8, 8, 8, 8, 10]);
  assert.deepEqual([...positionIds[1]], [0, 1, 2, 2, 2, 3, 3, 3, 5, 6, 7, 8, 8, 9, 9, 10]);
  assert.deepEqual([...positionIds[2]], [0, 1, 2, 3, 4, 2, 3, 4, 5, 6, 7, 8, 9, 8, 9, 10]);
  assert.equal(ropeDelta, 11 - 16);
  assert.deepEqual(slicePositionIds(positionIds, 14).map((s) => [...s]), [[8, 10], [9, 10], [9, 10]]);
});

test('get_rope_index: text only is sequential with delta 0; tall images use their height', () => {
  const text = getRopeIndex([T, T, T], [], OPTIONS);
  assert.deepEqual(text.positionIds.map((s) => [...s]), [[0, 1, 2], [0, 1, 2], [0, 1, 2]]);
  assert.equal(text.ropeDelta, 0);
  const tall = getRopeIndex([VS, I, I, I, VE], [[1, 6, 2]], OPTIONS);
  assert.deepEqual([...tall.positionIds[1]], [0, 1, 2, 3, 4]);
  assert.deepEqual([...tall.positionIds[2]], [0, 1, 1, 1, 4]);
});

test('get_rope_index names what does not add up', () => {
  assert.throws(() => getRopeIndex([VS, I, VE], [], OPTIONS), /1 images in the tokens but 0 image grids/);
  assert.throws(() => getRopeIndex([VS, I, I, VE], [[1, 4, 4]], OPTIONS), /needs 4 placeholder tokens/);
  assert.throws(() => getRopeIndex([VS, 61, VE], [], OPTIONS), /video/);
});

test('patch (row, col) ids follow 2x2 merge blocks', () => {
  const { rows, cols } = patchRowCols([[1, 4, 4]], 2);
  assert.deepEqual([...rows.subarray(0, 8)], [0, 0, 1, 1, 0, 0, 1, 1]);
  assert.deepEqual([...cols.subarray(0, 8)], [0, 1, 0, 1, 2, 3, 2, 3]);
  assert.deepEqual([...rows.subarray(8)], [2, 2, 3, 3, 2, 2, 3, 3]);
  assert.throws(() => patchRowCols([[1, 3, 4]], 2), /not a multiple/);
});

test('window index on a merged grid that does not fill its windows (5x6 merged, 4x4 windows)', () => {
  const { windowIndex, cuWindowSeqlens } = getWindowIndex([[1, 10, 12]], { windowSize: 112, mergeSize: 2, patchSize: 14 });
  assert.deepEqual([...windowIndex], [0, 1, 2, 3, 6, 7, 8, 9, 12, 13, 14, 15, 18, 19, 20, 21, 4, 5, 10, 11, 16, 17, 22, 23, 24, 25, 26, 27, 28, 29]);
  assert.deepEqual(cuWindowSeqlens, [0, 64, 96, 112, 120]);
});

test('window index when the sides divide evenly: HF pads a whole empty window, unique_consecutive drops it', () => {
  const { windowIndex, cuWindowSeqlens } = getWindowIndex([[1, 16, 24]], { windowSize: 112, mergeSize: 2, patchSize: 14 });
  assert.deepEqual(cuWindowSeqlens, [0, 64, 128, 192, 256, 320, 384]);
  assert.deepEqual([...windowIndex.subarray(0, 6)], [0, 1, 2, 3, 12, 13]);
  assert.deepEqual([...windowIndex.subarray(48, 52)], [48, 49, 50, 51]);
  assert.equal(new Set(windowIndex).size, 96);
});

test('window index of two images offsets the second one', () => {
  const { windowIndex, cuWindowSeqlens } = getWindowIndex([[1, 4, 4], [1, 2, 4]], { windowSize: 28, mergeSize: 2, patchSize: 14 });
  assert.deepEqual([...windowIndex], [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(cuWindowSeqlens, [0, 4, 8, 12, 16, 20, 24]);
  assert.deepEqual(fullAttentionSeqlens([[1, 4, 4], [2, 2, 2]]), [0, 16, 20, 24]);
});

test('inverse permutation undoes the window order', () => {
  assert.deepEqual([...inversePermutation([2, 0, 1])], [1, 2, 0]);
  assert.throws(() => inversePermutation([0, 0]), /not a permutation/);
});
