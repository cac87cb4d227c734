import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetModel } from '../../../src/core/view/dataset-model';
import { ImageRenderer } from '../../../src/core/view/image-renderer';
import { ImageCacheFiles } from '../../../src/core/view/image-cache-files';
import { ImageCache, cropDecoded, decodeImageFile, minio3ResizeForModel, minio3ResizeInitial, readImageSize } from '../../../src/core/imaging';
import { sampleDataset, variant } from './fixtures';

test('pictures: crop and model pictures are the exact pixels; thumbnails fit; originals served as they are; cache hits do not decode', async () => {
  const sample = await sampleDataset((first) => [
    variant(first, 'corrupt', (t) => (t.task.images = ['corrupt.jpg'])),
  ]);
  writeFileSync(join(sample.dir, 'corrupt.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 1, 2, 3]));
  const decoded = new ImageCache({ maxBytes: 1 << 28 });
  const cacheDir = join(sample.dir, 'image-cache');
  const renderer = new ImageRenderer(new ImageCacheFiles(cacheDir, 1 << 26), decoded);
  const model = await DatasetModel.open(sample.file);
  try {
    await model.indexed;
    const line = sample.trajectories.findIndex((t) => t.id.includes('crop_of_crop')) + 1;
    assert.ok(line > 0);
    const view = await model.trajectoryView(line);
    assert.ok(view.observations.length >= 3, 'crop of a crop: two observations');
    const originalPath = join(sample.dir, sample.trajectories[line - 1]!.task.images[0]!);
    const original = await decodeImageFile(originalPath);
    const bounds = { minPixels: view.limits.min_pixels, maxPixels: view.limits.max_pixels };

    for (const o of view.observations.slice(1)) {
      const crop = await model.image({ line, kind: 'crop', observation: o.index }, renderer);
      assert.ok(crop.path?.endsWith('.png'), JSON.stringify(crop));
      const expected = cropDecoded(original, o.rectInOriginal);
      const got = await decodeImageFile(crop.path!);
      assert.deepEqual([got.width, got.height, crop.width, crop.height], [o.size.width, o.size.height, o.size.width, o.size.height]);
      assert.ok(got.data.equals(expected.data), `observation ${o.index}: the crop is pixel-exact`);

      const seen = await model.image({ line, kind: 'model', observation: o.index }, renderer);
      const modelPixels = minio3ResizeForModel(expected, bounds);
      const gotModel = await decodeImageFile(seen.path!);
      assert.deepEqual([gotModel.width, gotModel.height], [seen.width, seen.height]);
      assert.deepEqual([seen.width, seen.height], [modelPixels.width, modelPixels.height]);
      assert.ok(gotModel.data.equals(modelPixels.data), `observation ${o.index}: what the model saw (NEAREST rescale)`);

      const thumb = await model.image({ line, kind: 'thumbnail', observation: o.index, maxSide: 48 }, renderer);
      const thumbSize = await readImageSize(thumb.path!);
      assert.deepEqual([thumbSize.width, thumbSize.height], [thumb.width, thumb.height]);
      assert.equal(Math.max(thumb.width, thumb.height), Math.min(48, Math.max(o.size.width, o.size.height)));
    }

    const initial = await model.image({ line, kind: 'model', observation: 0 }, renderer);
    const initialPixels = minio3ResizeInitial(original, bounds);
    assert.deepEqual([initial.width, initial.height], [initialPixels.width, initialPixels.height]);
    assert.ok((await decodeImageFile(initial.path!)).data.equals(initialPixels.data), 'observation 0: the LANCZOS rescale');

    const direct = await model.image({ line, kind: 'original' }, renderer);
    assert.equal(direct.path, originalPath, 'a small JPEG is served as it is');
    assert.deepEqual([direct.width, direct.height], [original.width, original.height]);
    const small = await model.image({ line, kind: 'original', maxSide: 100 }, renderer);
    assert.notEqual(small.path, originalPath);
    assert.equal(Math.max(small.width, small.height), 100);

    const decodesBefore = decoded.stats().decodes;
    decoded.clear();
    const again = await model.image({ line, kind: 'crop', observation: 1 }, renderer);
    assert.equal(decoded.stats().decodes, decodesBefore, 'served from the disk cache without decoding');
    assert.ok(again.path?.startsWith(cacheDir));
    assert.ok(readdirSync(cacheDir).every((name) => !name.startsWith('.tmp-')), 'no temporary files left');

    const nope = await model.image({ line, kind: 'crop', observation: 99 }, renderer);
    assert.equal(nope.path, null);
    assert.equal(nope.error, `demos.traj.jsonl:${line}: observation 99 does not exist (this trajectory has observations 0 to ${view.observations.length - 1})`);

    const corruptLine = sample.lines.length;
    const corrupt = await model.image({ line: corruptLine, kind: 'original' }, renderer);
    assert.equal(corrupt.path, null);
    assert.match(corrupt.error!, new RegExp(`^demos\\.traj\\.jsonl:${corruptLine}: task\\.images\\.0: .*corrupt\\.jpg: not a readable image`));
  } finally {
    await model.close();
  }
});
