import { test } from 'node:test';
import assert from 'node:assert/strict';
import { preprocessForQwen } from '../../../src/core/imaging/preprocess';
import type { DecodedImage } from '../../../src/core/imaging/decoded-image';
import { PY_READ_IMAGES, pythonUnavailableReason, runPython, texturedPixels } from './python-reference';

const skip = pythonUnavailableReason() ?? false;

// Qwen2VLImageProcessor._preprocess in numpy: PIL BICUBIC resize, float64 rescale cast to
// float32, float32 CLIP normalisation, temporal repeat and the 9-axis patch transpose.
const PY_QWEN = `${PY_READ_IMAGES}
import numpy as np
MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]
ps, ms, tps = 14, 2, 2
for im, (rw, rh) in zip(images(json.loads(sys.argv[1])), json.loads(sys.argv[2])):
    if im.size != (rw, rh):
        im = im.resize((rw, rh), Image.BICUBIC)
    x = (np.array(im).astype(np.float64) * (1 / 255)).astype(np.float32)
    x = (x - np.array(MEAN, dtype=np.float32)) / np.array(STD, dtype=np.float32)
    patches = np.array([x.transpose(2, 0, 1)])
    patches = np.concatenate([patches, np.repeat(patches[-1][np.newaxis], tps - 1, axis=0)], axis=0)
    c = patches.shape[1]
    gt, gh, gw = patches.shape[0] // tps, rh // ps, rw // ps
    p = patches.reshape(gt, tps, c, gh // ms, ms, ps, gw // ms, ms, ps).transpose(0, 3, 6, 4, 7, 2, 1, 5, 8)
    sys.stdout.buffer.write(np.ascontiguousarray(p.reshape(gt * gh * gw, c * tps * ps * ps), dtype='<f4').tobytes())
`;

function image(width: number, height: number, seed: number): DecodedImage {
  return { width, height, channels: 3, data: texturedPixels(width, height, seed) };
}

test('preprocessForQwen equals the numpy Qwen2VLImageProcessor pipeline bit for bit', { skip }, () => {
  const bounds = { minPixels: 3136, maxPixels: 12_845_056 };
  // 84x56 is already a multiple of 28 (isolates normalisation + patch order);
  // the others exercise smart_resize + BICUBIC too (incl. an upscale and a min_pixels case).
  const inputs = [image(84, 56, 1), image(100, 70, 2), image(30, 29, 3), image(333, 120, 4)];
  const results = inputs.map((img) => preprocessForQwen(img, bounds));
  const pil = runPython(
    PY_QWEN,
    [JSON.stringify(inputs.map((i) => [i.width, i.height])), JSON.stringify(results.map((r) => [r.resized.width, r.resized.height]))],
    Buffer.concat(inputs.map((i) => i.data)),
  );
  let offset = 0;
  results.forEach((r, i) => {
    const { width, height } = r.resized;
    assert.deepEqual(r.gridThw, [1, height / 14, width / 14]);
    assert.equal(r.numPatches, (height / 14) * (width / 14));
    assert.equal(r.numImageTokens, r.numPatches / 4);
    assert.equal(r.patchDim, 1176);
    assert.equal(r.pixelValues.length, r.numPatches * 1176);
    const bytes = r.pixelValues.length * 4;
    const expected = new Float32Array(pil.buffer.slice(pil.byteOffset + offset, pil.byteOffset + offset + bytes));
    offset += bytes;
    let firstDiff = -1;
    for (let k = 0; k < expected.length; k++) {
      if (!Object.is(expected[k], r.pixelValues[k])) {
        firstDiff = k;
        break;
      }
    }
    assert.equal(firstDiff, -1, `image ${i} (${inputs[i]!.width}x${inputs[i]!.height}): first differing value at ${firstDiff}`);
  });
  assert.equal(offset, pil.length);
  assert.deepEqual(results[0]!.resized, { width: 84, height: 56 });
});

test('patch layout: row = (block row, block col, merge row, merge col), column = (channel, time, y, x)', () => {
  // A 56x56 image where each pixel's red value encodes its position makes the layout readable.
  const size = 56;
  const img = image(size, size, 1);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) img.data[(y * size + x) * 3] = (y * 4 + x) % 256;
  const r = preprocessForQwen(img, { minPixels: 3136, maxPixels: 1_000_000 });
  const normalised = (v: number) =>
    Math.fround(Math.fround(Math.fround(v * (1 / 255)) - Math.fround(0.48145466)) / Math.fround(0.26862954));
  // Row 1 is the patch to the right of row 0 inside the first 2x2 merge block: x offset 14.
  const row = 1;
  const column = 1 * 14 + 3; // channel 0, time 0, patch y = 1, patch x = 3
  assert.equal(r.pixelValues[row * 1176 + column], normalised((1 * 4 + 14 + 3) % 256));
  // Row 2 is the patch below row 0: y offset 14. Time 1 repeats time 0.
  assert.equal(r.pixelValues[2 * 1176 + 196 + 0], normalised((14 * 4) % 256));
});
