import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { ImageCache } from '../../../src/core/imaging/cache';
import { ImagingError } from '../../../src/core/imaging/errors';
import { texturedPixels } from './python-reference';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imaging-cache-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

async function png(name: string, width: number, height: number, seed = 1): Promise<string> {
  const file = path.join(dir, name);
  await sharp(texturedPixels(width, height, seed), { raw: { width, height, channels: 3 } }).png().toFile(file);
  return file;
}

test('concurrent gets of one file share a single decode', async () => {
  const file = await png('shared.png', 64, 48);
  const cache = new ImageCache({ maxBytes: 1 << 20 });
  const images = await Promise.all([cache.get(file), cache.get(file), cache.get(path.join(dir, '.', 'shared.png'))]);
  assert.equal(cache.stats().decodes, 1);
  assert.equal(images[0], images[1]);
  assert.equal(images[0], images[2]);
  const again = await cache.get(file);
  assert.equal(again, images[0]);
  assert.deepEqual(cache.stats(), { entries: 1, bytes: 64 * 48 * 3, hits: 3, decodes: 1, evictions: 0 });
});

test('least recently used entries are evicted to stay within maxBytes; oversize images are not cached', async () => {
  const each = 40 * 30 * 3; // 3600 bytes
  const [a, b, c] = await Promise.all([png('a.png', 40, 30, 1), png('b.png', 40, 30, 2), png('c.png', 40, 30, 3)]);
  const cache = new ImageCache({ maxBytes: each * 2 });
  await cache.get(a);
  await cache.get(b);
  await cache.get(a); // a is now the most recently used
  await cache.get(c); // evicts b
  assert.ok(cache.has(a) && cache.has(c) && !cache.has(b));
  assert.equal(cache.stats().bytes, each * 2);
  assert.equal(cache.stats().evictions, 1);
  await cache.get(b);
  assert.equal(cache.stats().decodes, 4);
  assert.ok(!cache.has(a), 'a was least recently used when b came back');

  const big = await png('big.png', 100, 100);
  const image = await cache.get(big);
  assert.equal(image.width, 100);
  assert.ok(!cache.has(big));
  assert.ok(cache.stats().bytes <= each * 2);
});

test('a changed file is decoded again; failures are reported and not cached', async () => {
  const file = await png('changing.png', 20, 20, 1);
  const cache = new ImageCache({ maxBytes: 1 << 20 });
  const first = await cache.get(file);
  await sharp(texturedPixels(30, 20, 9), { raw: { width: 30, height: 20, channels: 3 } }).png().toFile(file);
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(file, later, later);
  const second = await cache.get(file);
  assert.notEqual(first, second);
  assert.equal(second.width, 30);

  const broken = path.join(dir, 'broken.png');
  fs.writeFileSync(broken, 'not a png at all');
  await assert.rejects(cache.get(broken), (e: unknown) => e instanceof ImagingError && e.path === broken);
  await assert.rejects(cache.get(broken), ImagingError);
  assert.ok(!cache.has(broken));
  assert.throws(() => new ImageCache({ maxBytes: -1 }), RangeError);
});
