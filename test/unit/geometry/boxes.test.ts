import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boxIoU, composeToOriginal, pixelToRelative, relativeToPixel, sourceName } from '../../../src/core/geometry/boxes';
import { chainOfFocusBoxToOriginal, deepEyesBoxToRelative, pixelReasonerToMiniO3 } from '../../../src/core/geometry/peers';

test('relative -> pixel truncates like int() and clamps to w-1/h-1', () => {
  assert.deepEqual(relativeToPixel([0.1, 0.2, 0.5, 0.6], { width: 4000, height: 3000 }), [400, 600, 2000, 1800]);
  assert.deepEqual(relativeToPixel([0, 0, 1, 1], { width: 640, height: 480 }), [0, 0, 639, 479]);
  assert.deepEqual(relativeToPixel([-0.5, -0.1, 2, 2], { width: 100, height: 50 }), [0, 0, 99, 49]);
  // int() truncates toward zero: -0.9 px -> 0, not -1
  assert.deepEqual(relativeToPixel([-0.009, 0.3339, 0.5, 0.5], { width: 100, height: 100 }), [0, 33, 50, 50]);
});

test('observation chain composes to original pixels', () => {
  const obs1 = composeToOriginal([0, 0, 4000, 3000], [2000, 1500, 3999, 2999]);
  const obs2 = composeToOriginal(obs1, [999, 0, 1998, 749]);
  assert.deepEqual(obs2, [2999, 1500, 3998, 2249]);
  assert.deepEqual(pixelToRelative([400, 600, 2000, 1800], { width: 4000, height: 3000 }), [0.1, 0.2, 0.5, 0.6]);
  assert.equal(sourceName(0), 'original_image');
  assert.equal(sourceName(3), 'observation_3');
  assert.equal(boxIoU([0, 0, 10, 10], [5, 0, 15, 10]), 50 / 150);
  assert.equal(boxIoU([0, 0, 10, 10], [20, 20, 30, 30]), 0);
});

test('peer coordinate spaces convert to Mini-o3 form', () => {
  assert.deepEqual(deepEyesBoxToRelative([400, 300, 800, 600], { width: 4000, height: 3000 }), [0.1, 0.1, 0.2, 0.2]);
  assert.deepEqual(chainOfFocusBoxToOriginal([28, 56, 280, 560], { width: 1120, height: 840 }, { width: 4000, height: 3000 }), [100, 200, 1000, 2000]);
  assert.deepEqual(pixelReasonerToMiniO3([0.1, 0.2, 0.3, 0.4], 1), { bbox: [0.1, 0.2, 0.3, 0.4], source: 'original_image' });
  assert.deepEqual(pixelReasonerToMiniO3([0.1, 0.2, 0.3, 0.4], 3), { bbox: [0.1, 0.2, 0.3, 0.4], source: 'observation_2' });
  assert.deepEqual(pixelReasonerToMiniO3([10, 20, 30, 40], 1, { width: 100, height: 100 }).bbox, [0.1, 0.2, 0.3, 0.4]);
  assert.throws(() => pixelReasonerToMiniO3([10, 20, 30, 40], 1), /needs the target image size/);
  assert.throws(() => pixelReasonerToMiniO3([0.1, 0.2, 0.3], 0), /1-based/);
  assert.throws(() => deepEyesBoxToRelative([0, 0, NaN, 1], { width: 10, height: 10 }), /4 finite numbers/);
});
