import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Box4 } from '../../../src/core/trajectory/schema';
import { cropDecoded } from '../../../src/core/imaging/crop';
import { decodeImageFile } from '../../../src/core/imaging/decode';
import { encodeImage, writeImage } from '../../../src/core/imaging/encode';
import { ImagingError } from '../../../src/core/imaging/errors';
import type { DecodedImage } from '../../../src/core/imaging/decoded-image';
import { PY_READ_IMAGES, pythonUnavailableReason, runPython, texturedPixels } from './python-reference';

const skip = pythonUnavailableReason() ?? false;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imaging-crop-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

const base: DecodedImage = { width: 97, height: 61, channels: 3, data: texturedPixels(97, 61), source: '/data/img.jpg' };

test('cropDecoded equals PIL Image.crop for in-range boxes', { skip }, () => {
  const boxes: Box4[] = [[0, 0, 97, 61], [10, 5, 11, 6], [3, 7, 90, 60], [96, 0, 97, 61], [0, 60, 97, 61]];
  const pil = runPython(
    `${PY_READ_IMAGES}
im = next(images([(97, 61)]))
for box in json.loads(sys.argv[1]):
    sys.stdout.buffer.write(im.crop(tuple(box)).tobytes())
`,
    [JSON.stringify(boxes)],
    base.data,
  );
  let offset = 0;
  for (const box of boxes) {
    const crop = cropDecoded(base, box);
    assert.deepEqual([crop.width, crop.height], [box[2] - box[0], box[3] - box[1]]);
    assert.ok(crop.data.equals(pil.subarray(offset, offset + crop.data.length)), `box ${box.join(',')}`);
    assert.equal(crop.source, '/data/img.jpg');
    offset += crop.data.length;
  }
});

test('cropDecoded refuses empty, out-of-range and fractional boxes with the source path', () => {
  const bad: Box4[] = [[5, 5, 5, 10], [10, 5, 4, 10], [-1, 0, 10, 10], [0, 0, 98, 61], [0.5, 0, 10, 10]];
  for (const box of bad) {
    assert.throws(() => cropDecoded(base, box), (e: unknown) => e instanceof ImagingError && e.path === '/data/img.jpg');
  }
});

test('PNG encoding round-trips exactly; JPEG stays close; writeImage picks the format by extension', async () => {
  const pngFile = path.join(dir, 'out.png');
  await writeImage(base, pngFile);
  const back = await decodeImageFile(pngFile);
  assert.ok(back.data.equals(base.data));

  // JPEG is lossy (and subsamples chroma), so check it on a smooth image.
  const smooth: DecodedImage = { width: 64, height: 48, channels: 3, data: Buffer.alloc(64 * 48 * 3) };
  for (let i = 0; i < smooth.data.length; i++) smooth.data[i] = (Math.floor(i / 3) % 64) * 3 + (i % 3) * 20;
  const jpeg = await encodeImage(smooth, 'jpeg', 95);
  assert.deepEqual([...jpeg.subarray(0, 2)], [0xff, 0xd8]);
  const jpgFile = path.join(dir, 'out.JPG');
  await writeImage(smooth, jpgFile, 95);
  const lossy = await decodeImageFile(jpgFile);
  let total = 0;
  for (let i = 0; i < smooth.data.length; i++) total += Math.abs(lossy.data[i]! - smooth.data[i]!);
  assert.ok(total / smooth.data.length < 2, `JPEG q95 mean error ${total / smooth.data.length}`);

  await assert.rejects(writeImage(base, path.join(dir, 'out.gif')), /extension ".gif"/);
  await assert.rejects(writeImage(base, path.join(dir, 'missing-dir', 'x.png')), ImagingError);
  await assert.rejects(encodeImage(base, 'jpeg', 0), RangeError);
});
