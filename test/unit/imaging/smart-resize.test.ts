import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pythonRound, smartResize } from '../../../src/core/imaging/smart-resize';
import { ImagingError } from '../../../src/core/imaging/errors';
import { pythonUnavailableReason, runPythonJson } from './python-reference';

const skip = pythonUnavailableReason() ?? false;

// transformers qwen2_vl/image_processing_qwen2_vl.py smart_resize (current form), transcribed.
const PY_SMART_RESIZE = `
import math, sys, json
def smart_resize(height, width, factor=28, min_pixels=56 * 56, max_pixels=14 * 14 * 4 * 1280):
    if max(height, width) / min(height, width) > 200:
        raise ValueError('aspect')
    h_bar = round(height / factor) * factor
    w_bar = round(width / factor) * factor
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt((height * width) / max_pixels)
        h_bar = max(factor, math.floor(height / beta / factor) * factor)
        w_bar = max(factor, math.floor(width / beta / factor) * factor)
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = math.ceil(height * beta / factor) * factor
        w_bar = math.ceil(width * beta / factor) * factor
    return h_bar, w_bar
out = []
for h, w, mn, mx in json.loads(sys.argv[1]):
    try:
        out.append(list(smart_resize(h, w, 28, mn, mx)))
    except ValueError:
        out.append('error')
print(json.dumps(out))
`;

test('pythonRound rounds half to even like Python 3', () => {
  assert.deepEqual([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, 2.4999, 2.5001].map(pythonRound), [0, 2, 2, 4, 0, -2, 2, 3]);
});

test('smartResize matches transformers smart_resize on edge and random sizes', { skip }, () => {
  const bounds: [number, number][] = [[3136, 1003520], [3136, 12845056], [40000, 2000000], [200704, 1003520]];
  // 42 and 70 are ties (1.5 and 2.5 factors) where round-half-even matters.
  const edges: [number, number][] = [
    [42, 70], [70, 42], [14, 14], [28, 28], [1, 200], [1, 201], [10, 2001], [1224, 1633], [2000, 1000],
    [3000, 4000], [100, 20000], [98, 19600], [2, 1], [56, 56], [826, 1106],
  ];
  let state = 5;
  const rand = (n: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return 1 + (state % n);
  };
  const cases: [number, number, number, number][] = [];
  for (const [mn, mx] of bounds) {
    for (const [h, w] of edges) cases.push([h, w, mn, mx]);
    for (let i = 0; i < 150; i++) cases.push([rand(5000), rand(5000), mn, mx]);
    for (let i = 0; i < 50; i++) cases.push([14 * rand(300) + (i % 2) * 7, 14 * rand(300), mn, mx]);
  }
  const expected = runPythonJson<([number, number] | 'error')[]>(PY_SMART_RESIZE, [JSON.stringify(cases)]);
  cases.forEach(([h, w, minPixels, maxPixels], i) => {
    let got: [number, number] | 'error';
    try {
      const r = smartResize(h, w, { minPixels, maxPixels });
      got = [r.height, r.width];
    } catch (err) {
      assert.ok(err instanceof ImagingError);
      got = 'error';
    }
    assert.deepEqual(got, expected[i], `smart_resize(${h}, ${w}, min=${minPixels}, max=${maxPixels})`);
  });
});

test('smartResize edge cases without python', () => {
  // 42/28 = 1.5 rounds to 2 (even), 70/28 = 2.5 rounds to 2 (even): Math.round would give 56 x 84.
  assert.deepEqual(smartResize(42, 70, { minPixels: 0, maxPixels: 1e9 }), { height: 56, width: 56 });
  assert.throws(() => smartResize(10, 2001), /aspect ratio must be smaller than 200/);
  assert.throws(() => smartResize(0, 10), ImagingError);
  const big = smartResize(3000, 4000, { minPixels: 3136, maxPixels: 1003520 });
  assert.ok(big.height * big.width <= 1003520 && big.height % 28 === 0 && big.width % 28 === 0);
});
