import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from './fixtures';
import { ImageCacheFiles, SourceHasher, imageCacheName, planEviction, type ImageOperation } from '../../../src/core/view/image-cache-files';

const op: ImageOperation = { kind: 'thumbnail', observation: 2, rect: [10, 20, 110, 220], maxSide: 128, bounds: null, format: 'jpeg' };

test('cache names: one per source content and operation; extension by format', () => {
  const name = imageCacheName('a'.repeat(64), op);
  assert.match(name, /^[0-9a-f]{64}\.jpg$/);
  assert.equal(imageCacheName('a'.repeat(64), { ...op }), name, 'stable');
  const others = [
    imageCacheName('b'.repeat(64), op),
    imageCacheName('a'.repeat(64), { ...op, kind: 'crop' }),
    imageCacheName('a'.repeat(64), { ...op, observation: 3 }),
    imageCacheName('a'.repeat(64), { ...op, rect: [10, 20, 110, 221] }),
    imageCacheName('a'.repeat(64), { ...op, maxSide: 256 }),
    imageCacheName('a'.repeat(64), { ...op, bounds: { minPixels: 40_000, maxPixels: 2_000_000 } }),
    imageCacheName('a'.repeat(64), { ...op, bounds: { minPixels: 40_000, maxPixels: 1_000_000 } }),
  ];
  assert.equal(new Set([name, ...others]).size, others.length + 1);
  assert.match(imageCacheName('a'.repeat(64), { ...op, format: 'png' }), /\.png$/);
});

test('eviction plan: oldest first down to 90% of the bound; kept names stay; nothing when under', () => {
  const files = [
    { name: 'new', size: 400, mtimeMs: 3000 },
    { name: 'old', size: 400, mtimeMs: 1000 },
    { name: 'mid', size: 400, mtimeMs: 2000 },
  ];
  assert.deepEqual(planEviction(files, 1200), []);
  assert.deepEqual(planEviction(files, 1000), ['old']);
  assert.deepEqual(planEviction(files, 500), ['old', 'mid']);
  assert.deepEqual(planEviction(files, 500, new Set(['old'])), ['mid', 'new']);
});

test('the cache folder: atomic stores, hits refresh the time, the oldest go when over the bound, one production per name', async () => {
  const dir = join(scratchDir('mini-o3-cache-'), 'image-cache');
  const cache = new ImageCacheFiles(dir, 1000);
  const bytes = (fill: number) => Buffer.alloc(400, fill);
  const a = await cache.store('a.png', bytes(1));
  const b = await cache.store('b.png', bytes(2));
  utimesSync(a, new Date(1_000_000), new Date(1_000_000));
  utimesSync(b, new Date(2_000_000), new Date(2_000_000));
  assert.equal(await cache.lookup('a.png'), a, 'a hit');
  assert.ok(statSync(a).mtimeMs > statSync(b).mtimeMs, 'a hit makes the file the newest');
  await cache.store('c.png', bytes(3));
  assert.deepEqual(readdirSync(dir).sort(), ['a.png', 'c.png'], 'b was the oldest');
  assert.equal(await cache.lookup('b.png'), null);

  let productions = 0;
  const produce = async () => {
    productions++;
    await new Promise((resolve) => setTimeout(resolve, 5));
    return bytes(4);
  };
  const [p1, p2] = await Promise.all([cache.getOrCreate('d.png', produce), cache.getOrCreate('d.png', produce)]);
  assert.equal(p1, p2);
  assert.equal(productions, 1);
  assert.equal(await cache.getOrCreate('d.png', produce), p1);
  assert.equal(productions, 1, 'a later request is a hit');
  assert.ok(readdirSync(dir).every((name) => !name.startsWith('.tmp-')));

  cache.setMaxBytes(500);
  await cache.evict();
  assert.deepEqual(readdirSync(dir), ['d.png'], 'a smaller bound evicts down to it');
  await assert.rejects(cache.getOrCreate('e.png', async () => Promise.reject(new Error('encode failed'))), /encode failed/);
  assert.equal(existsSync(join(dir, 'e.png')), false);
});

test('source hashes: sha256 of the bytes, remembered by path, size and mtime', async () => {
  const dir = scratchDir('mini-o3-hash-');
  const file = join(dir, 'x.jpg');
  writeFileSync(file, 'first bytes');
  const stamp = new Date(1_500_000_000_000);
  utimesSync(file, stamp, stamp);
  const hasher = new SourceHasher();
  const first = await hasher.hash(file);
  assert.equal(first, createHash('sha256').update('first bytes').digest('hex'));
  writeFileSync(file, 'other bytes');
  utimesSync(file, stamp, stamp);
  assert.equal(await hasher.hash(file), first, 'same size and mtime: remembered, not read again');
  writeFileSync(file, 'changed, longer');
  assert.equal(await hasher.hash(file), createHash('sha256').update('changed, longer').digest('hex'));
  await assert.rejects(hasher.hash(join(dir, 'missing.jpg')), /missing\.jpg: file not found/);
});
