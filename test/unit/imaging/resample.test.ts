import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nearestSourceIndices, resizeImage, type ResampleFilter } from '../../../src/core/imaging/resample';
import { ImagingError } from '../../../src/core/imaging/errors';
import type { DecodedImage } from '../../../src/core/imaging/decoded-image';
import { PY_READ_IMAGES, pythonUnavailableReason, runPython, runPythonJson, texturedPixels } from './python-reference';

const skip = pythonUnavailableReason() ?? false;

function image(width: number, height: number, seed = 1): DecodedImage {
  return { width, height, channels: 3, data: texturedPixels(width, height, seed) };
}

test('NEAREST source indices match PIL for random size pairs (incl. where floor((i+.5)*s) differs)', { skip }, () => {
  let state = 7;
  const rand = (n: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return 1 + (state % n);
  };
  // 2->7, 2->15, 2->21: upscales where (i + 0.5) * scale lands on an integer but the accumulated sum falls short.
  const pairs: [number, number][] = [[2, 7], [2, 15], [2, 21], [3000, 1633], [4000, 1633], [1, 29], [27, 29], [5, 3000]];
  for (let i = 0; i < 300; i++) pairs.push([rand(4000), i % 3 === 0 ? rand(60) : rand(4000)]);
  const pil = runPythonJson<number[][]>(
    `
import sys, json
import numpy as np
from PIL import Image
out = []
for a, b in json.loads(sys.argv[1]):
    im = Image.fromarray(np.arange(a, dtype=np.int32).reshape(1, a), mode='I')
    out.append(np.array(im.resize((b, 1), Image.NEAREST))[0].tolist())
print(json.dumps(out))
`,
    [JSON.stringify(pairs)],
  );
  let closedFormMismatches = 0;
  pairs.forEach(([inSize, outSize], k) => {
    const ours = Array.from(nearestSourceIndices(inSize, outSize));
    assert.deepEqual(ours, pil[k], `indices for ${inSize} -> ${outSize}`);
    const closedForm = ours.map((_, i) => Math.floor((i + 0.5) * (inSize / outSize)));
    if (closedForm.some((v, i) => v !== ours[i])) closedFormMismatches++;
  });
  // The accumulation matters: the naive closed form disagrees with PIL on some of these pairs.
  assert.ok(closedFormMismatches > 0);
});

const CASES: [number, number, number, number][] = [
  [400, 300, 200, 150],
  [1000, 800, 131, 97], // strong downscale
  [400, 300, 37, 29],
  [120, 90, 240, 180], // upscale
  [50, 40, 173, 151],
  [400, 300, 399, 299], // nearly identity
  [300, 200, 600, 50], // mixed: up horizontally, down vertically
  [7, 5, 300, 2],
  [29, 300, 31, 500],
  [1, 1, 28, 28],
];

test('NEAREST / BICUBIC / LANCZOS resize is byte-identical to PIL 9 Image.resize', { skip }, () => {
  const filters: [ResampleFilter, number][] = [['nearest', 0], ['bicubic', 3], ['lanczos', 1]];
  const inputs = CASES.map(([w, h], i) => image(w, h, i + 1));
  const jobs = CASES.flatMap(([w, h, ow, oh]) => filters.map(([, pilFilter]) => [w, h, ow, oh, pilFilter]));
  const pil = runPython(
    `${PY_READ_IMAGES}
jobs = json.loads(sys.argv[1])
ims = list(images([(w, h) for w, h, _, _ in json.loads(sys.argv[2])]))
for k, (w, h, ow, oh, f) in enumerate(jobs):
    sys.stdout.buffer.write(ims[k // 3].resize((ow, oh), f).tobytes())
`,
    [JSON.stringify(jobs), JSON.stringify(CASES)],
    Buffer.concat(inputs.map((img) => img.data)),
  );
  let offset = 0;
  CASES.forEach(([w, h, ow, oh], i) => {
    for (const [filter] of filters) {
      const ours = resizeImage(inputs[i]!, ow, oh, filter);
      assert.equal(ours.width, ow);
      assert.equal(ours.height, oh);
      const expected = pil.subarray(offset, offset + ow * oh * 3);
      offset += ow * oh * 3;
      let differing = 0;
      for (let k = 0; k < expected.length; k++) if (expected[k] !== ours.data[k]) differing++;
      assert.equal(differing, 0, `${filter} ${w}x${h} -> ${ow}x${oh}: ${differing} bytes differ from PIL`);
    }
  });
  assert.equal(offset, pil.length);
});

test('resize to the same size is a copy; invalid or oversized targets are ImagingErrors', () => {
  const img = { ...image(10, 8), source: '/x/a.png' };
  const same = resizeImage(img, 10, 8, 'lanczos');
  assert.deepEqual(same.data, img.data);
  assert.notEqual(same.data, img.data);
  assert.throws(() => resizeImage(img, 0, 8, 'nearest'), (e: unknown) => e instanceof ImagingError && e.path === '/x/a.png');
  assert.throws(() => resizeImage(img, 2.5, 8, 'bicubic'), ImagingError);
  assert.throws(() => resizeImage(img, 100_000, 100_000, 'nearest'), /exceeds/);
  assert.throws(() => resizeImage({ ...img, data: Buffer.alloc(5) }, 5, 5, 'nearest'), /expected 240/);
});
