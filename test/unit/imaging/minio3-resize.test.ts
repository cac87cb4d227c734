import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  minio3CropResizeSize,
  minio3InitialResizeSize,
  minio3ResizeForModel,
  minio3ResizeInitial,
} from '../../../src/core/imaging/minio3-resize';
import { ImagingError } from '../../../src/core/imaging/errors';
import type { DecodedImage, ImageSize } from '../../../src/core/imaging/decoded-image';
import { PY_READ_IMAGES, pythonUnavailableReason, runPython, runPythonJson, texturedPixels } from './python-reference';

const skip = pythonUnavailableReason() ?? false;

// Mini-o3's two process_image functions (vllm_async_engine.py for crops, multimodal_dataset.py
// for the original), transcribed; `Img` records each resize instead of allocating, so huge
// targets can be checked too. Each result is the list of sizes, or the Python exception name.
const PY_RULES = `
import math, sys, json
class Img:
    def __init__(self, w, h, log): self.width, self.height, self.log = w, h, log
    def resize(self, size, resample=None):
        self.log.append(list(size)); return Img(size[0], size[1], self.log)
def crop_rules(image, max_pixels, min_pixels):
    if (image.width * image.height) > max_pixels:
        f = math.sqrt(max_pixels / (image.width * image.height))
        image = image.resize((int(image.width * f), int(image.height * f)))
    if (image.width * image.height) < min_pixels:
        f = math.sqrt(min_pixels / (image.width * image.height))
        image = image.resize((int(image.width * f), int(image.height * f)))
    if image.width < 28 or image.height < 28:
        f = 28 / min(image.width, image.height)
        image = image.resize((int(image.width * f + 1), int(image.height * f + 1)))
    if image.width / image.height >= 200:
        image = image.resize((image.width, int(image.width / 190 + 1)))
    if image.height / image.width >= 200:
        image = image.resize((int(image.height / 190 + 1), image.height))
    return image
def initial_rules(image, max_pixels, min_pixels):
    if (image.width * image.height) > max_pixels:
        f = math.sqrt(max_pixels / (image.width * image.height))
        image = image.resize((int(image.width * f), int(image.height * f)))
    if (image.width * image.height) < min_pixels:
        f = math.sqrt(min_pixels / (image.width * image.height))
        image = image.resize((int(image.width * f), int(image.height * f)))
    assert image.width >= 28 and image.height >= 28
    return image
def run(rules, w, h, mx, mn):
    log = []
    try:
        rules(Img(w, h, log), mx, mn)
        return log
    except Exception as e:
        return type(e).__name__
`;

const EDGE_SIZES: [number, number][] = [
  [4000, 3000], [20000, 15000], [1633, 1224], [1415, 1414], [5, 5], [1, 1], [28, 28], [27, 1000],
  [10, 3000], [3000, 10], [25000, 100], [100, 25000], [199, 1], [1, 199], [1, 100000], [2, 3000000],
  [1, 3000000], [200, 200], [150, 100], [7000, 3], [40000, 199],
];

function randomSizes(): [number, number][] {
  let state = 11;
  const rand = (n: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return 1 + (state % n);
  };
  const sizes: [number, number][] = [];
  for (let i = 0; i < 300; i++) sizes.push(i % 2 === 0 ? [rand(6000), rand(6000)] : [rand(400), rand(40)]);
  return sizes;
}

type PyResult = number[][] | string;

function ours(fn: typeof minio3CropResizeSize, w: number, h: number, bounds: { minPixels: number; maxPixels: number }): PyResult {
  try {
    return fn(w, h, bounds).map((s: ImageSize) => [s.width, s.height]);
  } catch (err) {
    assert.ok(err instanceof ImagingError, String(err));
    return 'error';
  }
}

test('crop and initial size sequences match the Python rules on edge and random sizes', { skip }, () => {
  const sizes = [...EDGE_SIZES, ...randomSizes()];
  const boundsList = [
    { minPixels: 40_000, maxPixels: 2_000_000 },
    { minPixels: 3136, maxPixels: 12_845_056 },
  ];
  const expected = runPythonJson<{ crop: PyResult[]; initial: PyResult[] }[]>(
    `${PY_RULES}
sizes = json.loads(sys.argv[1])
print(json.dumps([{'crop': [run(crop_rules, w, h, b['maxPixels'], b['minPixels']) for w, h in sizes],
                   'initial': [run(initial_rules, w, h, b['maxPixels'], b['minPixels']) for w, h in sizes]}
                  for b in json.loads(sys.argv[2])]))
`,
    [JSON.stringify(sizes), JSON.stringify(boundsList)],
  );
  boundsList.forEach((bounds, b) => {
    sizes.forEach(([w, h], i) => {
      const py = expected[b]!;
      const pyCrop = py.crop[i]!;
      // Python fails with ZeroDivisionError / ValueError where a side reaches 0; we refuse the size.
      assert.deepEqual(ours(minio3CropResizeSize, w, h, bounds), typeof pyCrop === 'string' ? 'error' : pyCrop, `crop ${w}x${h}`);
      const pyInitial = py.initial[i]!;
      const oursInitial = ours(minio3InitialResizeSize, w, h, bounds);
      if (pyInitial === 'AssertionError') {
        // The size steps themselves are fine; the >= 28 assertion is checked by minio3ResizeInitial.
        const last = Array.isArray(oursInitial) ? (oursInitial.at(-1) ?? [w, h]) : null;
        assert.ok(last && (last[0]! < 28 || last[1]! < 28), `initial ${w}x${h} should end under 28`);
      } else {
        assert.deepEqual(oursInitial, typeof pyInitial === 'string' ? 'error' : pyInitial, `initial ${w}x${h}`);
      }
    });
  });
  // Spot-check the rules the brief calls out.
  assert.deepEqual(minio3CropResizeSize(10, 3000), [
    { width: 11, height: 3464 },
    { width: 29, height: 8818 },
    { width: 47, height: 8818 },
  ]);
  assert.deepEqual(minio3CropResizeSize(25000, 100), [
    { width: 22360, height: 89 },
    { width: 22360, height: 118 },
  ]);
  assert.throws(() => minio3CropResizeSize(1, 3000000), ImagingError);
});

function image(width: number, height: number, seed: number, source?: string): DecodedImage {
  const img: DecodedImage = { width, height, channels: 3, data: texturedPixels(width, height, seed) };
  if (source) img.source = source;
  return img;
}

test('minio3ResizeForModel (NEAREST chain) and minio3ResizeInitial (LANCZOS) equal PIL pixels', { skip }, () => {
  const cropCases: [number, number][] = [[10, 300], [5, 7], [300, 1], [700, 40], [2100, 1000]];
  const initialCases: [number, number][] = [[2400, 1800], [150, 100], [300, 140]];
  const all = [...cropCases, ...initialCases];
  const inputs = all.map(([w, h], i) => image(w, h, i + 3));
  const pil = runPython(
    `${PY_READ_IMAGES}
import math
from PIL import Image
def crop_rules(image, max_pixels=2000000, min_pixels=40000):
    R = Image.Resampling.NEAREST
    if (image.width * image.height) > max_pixels:
        f = math.sqrt(max_pixels / (image.width * image.height))
        image = image.resize((int(image.width * f), int(image.height * f)), resample=R)
    if (image.width * image.height) < min_pixels:
        f = math.sqrt(min_pixels / (image.width * image.height))
        image = image.resize((int(image.width * f), int(image.height * f)), resample=R)
    if image.width < 28 or image.height < 28:
        f = 28 / min(image.width, image.height)
        image = image.resize((int(image.width * f + 1), int(image.height * f + 1)), resample=R)
    if image.width / image.height >= 200:
        image = image.resize((image.width, int(image.width / 190 + 1)), resample=R)
    if image.height / image.width >= 200:
        image = image.resize((int(image.height / 190 + 1), image.height), resample=R)
    return image
def initial_rules(image, max_pixels=2000000, min_pixels=40000):
    R = Image.Resampling.LANCZOS
    if (image.width * image.height) > max_pixels:
        f = math.sqrt(max_pixels / (image.width * image.height))
        image = image.resize((int(image.width * f), int(image.height * f)), resample=R)
    if (image.width * image.height) < min_pixels:
        f = math.sqrt(min_pixels / (image.width * image.height))
        image = image.resize((int(image.width * f), int(image.height * f)), resample=R)
    return image
n_crop = int(sys.argv[2])
for k, im in enumerate(images(json.loads(sys.argv[1]))):
    out = crop_rules(im) if k < n_crop else initial_rules(im)
    sys.stdout.buffer.write(json.dumps(out.size).encode().ljust(32) + out.tobytes())
`,
    [JSON.stringify(all), String(cropCases.length)],
    Buffer.concat(inputs.map((img) => img.data)),
  );
  let offset = 0;
  inputs.forEach((input, i) => {
    const [pw, ph] = JSON.parse(pil.subarray(offset, offset + 32).toString().trim()) as [number, number];
    offset += 32;
    const expected = pil.subarray(offset, offset + pw * ph * 3);
    offset += pw * ph * 3;
    const got = i < cropCases.length ? minio3ResizeForModel(input) : minio3ResizeInitial(input);
    assert.deepEqual([got.width, got.height], [pw, ph], `size for ${input.width}x${input.height}`);
    assert.ok(got.data.equals(expected), `pixels for ${input.width}x${input.height}`);
  });
});

test('minio3ResizeInitial turns the >= 28 assertion into an ImagingError naming the file', () => {
  const strip = image(10, 3000, 1, '/data/strip.png');
  assert.throws(
    () => minio3ResizeInitial(strip),
    (e: unknown) => e instanceof ImagingError && e.path === '/data/strip.png' && /11x3464/.test(e.message),
  );
  // The crop path handles the same strip by widening it.
  assert.deepEqual([minio3ResizeForModel(strip).width, minio3ResizeForModel(strip).height], [47, 8818]);
  // Untouched sizes are returned as a copy, not the same buffer.
  const fine = image(300, 200, 2);
  const same = minio3ResizeForModel(fine);
  assert.ok(same.data.equals(fine.data));
  assert.notEqual(same.data, fine.data);
});
