import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { decodeImageFile, readImageSize } from '../../../src/core/imaging/decode';
import { ImagingError } from '../../../src/core/imaging/errors';
import { pngBomb } from './png-bomb';
import { pythonUnavailableReason, runPythonJson, texturedPixels } from './python-reference';

const skip = pythonUnavailableReason() ?? false;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imaging-decode-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

function isImagingError(file: string, reason: RegExp) {
  return (e: unknown) => e instanceof ImagingError && e.path === file && reason.test(e.reason) && e.message.includes(file);
}

async function writeRgbPng(name: string, width: number, height: number): Promise<string> {
  const file = path.join(dir, name);
  await sharp(texturedPixels(width, height), { raw: { width, height, channels: 3 } }).png().toFile(file);
  return file;
}

test('a PNG header claiming 100000x100000 is refused from the header, fast, without allocating', async () => {
  const file = path.join(dir, 'bomb.png');
  fs.writeFileSync(file, pngBomb(100_000, 100_000));
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  await assert.rejects(readImageSize(file), isImagingError(file, /100000x100000.*decompression-bomb/));
  await assert.rejects(decodeImageFile(file), isImagingError(file, /over the limit of 178956970/));
  assert.ok(performance.now() - started < 2000, 'refusal should not take seconds');
  assert.ok(process.memoryUsage().rss - rssBefore < 200 * 1024 * 1024, 'no 30 GB buffer, not even 200 MB');
  // A custom limit applies to ordinary images too.
  const small = await writeRgbPng('small.png', 40, 30);
  await assert.rejects(readImageSize(small, { maxPixels: 1000 }), isImagingError(small, /1200 pixels, over the limit of 1000/));
});

test('missing, empty, directory, relative, non-image and truncated files are ImagingErrors naming the file', async () => {
  const missing = path.join(dir, 'nope.png');
  await assert.rejects(decodeImageFile(missing), isImagingError(missing, /file not found/));
  await assert.rejects(readImageSize(missing), isImagingError(missing, /file not found/));
  const empty = path.join(dir, 'empty.jpg');
  fs.writeFileSync(empty, '');
  await assert.rejects(decodeImageFile(empty), isImagingError(empty, /empty/));
  await assert.rejects(decodeImageFile(dir), isImagingError(dir, /not a regular file/));
  await assert.rejects(decodeImageFile('relative/a.png'), isImagingError('relative/a.png', /absolute/));
  const text = path.join(dir, 'notes.jpg');
  fs.writeFileSync(text, 'this is not an image\n'.repeat(20));
  await assert.rejects(decodeImageFile(text), isImagingError(text, /not a readable image/));
  const jpeg = await sharp(texturedPixels(64, 48), { raw: { width: 64, height: 48, channels: 3 } }).jpeg().toBuffer();
  const truncated = path.join(dir, 'truncated.jpg');
  fs.writeFileSync(truncated, jpeg.subarray(0, Math.floor(jpeg.length / 2)));
  await assert.rejects(decodeImageFile(truncated), isImagingError(truncated, /cannot decode image/));
});

test('readImageSize reads the header; decode returns packed RGB of that size', async () => {
  const file = await writeRgbPng('rgb.png', 53, 37);
  assert.deepEqual(await readImageSize(file), { width: 53, height: 37 });
  const img = await decodeImageFile(file);
  assert.equal(img.channels, 3);
  assert.equal(img.source, file);
  assert.deepEqual([img.width, img.height], [53, 37]);
  assert.ok(img.data.equals(texturedPixels(53, 37)), 'lossless PNG round trip');
});

test('decoding matches PIL Image.open(p).convert("RGB") for L, LA, RGBA, P, CMYK, JPEG, EXIF and ICC files', { skip }, async () => {
  // An embedded Display-P3 profile: PIL ignores it, so must we (no colour conversion to sRGB).
  await sharp(texturedPixels(53, 37), { raw: { width: 53, height: 37, channels: 3 } })
    .withIccProfile('p3')
    .jpeg({ quality: 90 })
    .toFile(path.join(dir, 'p3.jpg'));
  const names = runPythonJson<string[]>(
    `
import sys, json
import numpy as np
from PIL import Image
d = sys.argv[1]
rng = np.random.default_rng(0)
a = rng.integers(0, 256, (37, 53, 3), dtype=np.uint8)
alpha = rng.integers(0, 256, (37, 53, 1), dtype=np.uint8)
im = Image.fromarray(a)
files = {
    'l.png': im.convert('L'), 'la.png': im.convert('LA'), 'p.png': im.convert('P'),
    'rgba.png': Image.fromarray(np.dstack([a, alpha])), 'cmyk.jpg': im.convert('CMYK'), 'rgb.jpg': im,
}
for name, image in files.items():
    image.save(d + '/' + name, quality=90) if name.endswith('.jpg') else image.save(d + '/' + name)
exif = im.getexif(); exif[0x0112] = 6
im.save(d + '/exif6.jpg', exif=exif.tobytes(), quality=90)
names = list(files) + ['exif6.jpg', 'p3.jpg']
for name in names:
    open(d + '/' + name + '.rgb', 'wb').write(Image.open(d + '/' + name).convert('RGB').tobytes())
print(json.dumps(names))
`,
    [dir],
  );
  for (const name of names) {
    const img = await decodeImageFile(path.join(dir, name));
    const expected = fs.readFileSync(path.join(dir, `${name}.rgb`));
    assert.deepEqual([img.width, img.height], [53, 37], `${name}: size (EXIF orientation is not applied)`);
    assert.ok(img.data.equals(expected), `${name}: pixels equal PIL's`);
  }
});
