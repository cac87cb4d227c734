import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetModel } from '../../../src/core/view/dataset-model';
import { modelViewOf } from '../../../src/core/view/trajectory-view';
import { minio3CropResizeSize, minio3InitialResizeSize, smartResize } from '../../../src/core/imaging';
import { replayTrajectory } from '../../../src/core/protocol/replay';
import type { Trajectory } from '../../../src/core/trajectory/schema';
import { sampleDataset, variant } from './fixtures';

test('modelSize and modelTokens: Mini-o3 rescale then smart_resize (hand-computed cases)', () => {
  const bounds = { minPixels: 40_000, maxPixels: 2_000_000 };
  // A 405x383 crop is inside the pixel bounds, so only smart_resize rounds it: 392x392 = 14x14 tokens.
  assert.deepEqual(modelViewOf({ width: 405, height: 383 }, 1, bounds), { modelSize: { width: 392, height: 392 }, modelTokens: 196 });
  // A 100x100 crop is under min_pixels: NEAREST-scaled by sqrt(40000/10000) to 200x200; rounding to 196x196 would
  // fall under min_pixels again, so smart_resize takes the ceiling: 224x224 (8x8 tokens).
  assert.deepEqual(modelViewOf({ width: 100, height: 100 }, 2, bounds), { modelSize: { width: 224, height: 224 }, modelTokens: 64 });
  // A 4000x3000 original is over max_pixels: LANCZOS to 1632x1224, then floor to multiples of 28 under the bound.
  const big = modelViewOf({ width: 4000, height: 3000 }, 0, bounds);
  assert.deepEqual(minio3InitialResizeSize(4000, 3000, bounds).at(-1), { width: 1632, height: 1224 });
  assert.equal(big.modelSize.width % 28, 0);
  assert.equal(big.modelSize.height % 28, 0);
  assert.ok(big.modelSize.width * big.modelSize.height <= 2_000_000);
  assert.equal(big.modelTokens, (big.modelSize.width / 28) * (big.modelSize.height / 28));
});

test('a trajectory view: turns from the replay, observations with model sizes, raw JSON, findings errors first', async () => {
  let warnThenError = '';
  let missingImage = '';
  const sample = await sampleDataset((first) => {
    warnThenError = variant(first, 'warn-then-error', (t) => {
      t.turns = [{ text: '<answer>X</answer>' }];
      t.task.gt_box = [0, 0, 99_999, 99_999];
    });
    missingImage = variant(first, 'missing-image', (t) => {
      t.task.images = ['images/not-there.jpg'];
      delete t.task.image_size;
      t.turns.push({ text: '<think>after the end</think>\n<answer>late</answer>' });
    });
    return [warnThenError, missingImage, '{"id": "cut off', ''];
  });
  const model = await DatasetModel.open(sample.file);
  await model.indexed;
  const n = sample.lines.length;
  try {
    for (let line = 1; line <= n - 4; line++) {
      const t = JSON.parse(sample.lines[line - 1]!) as Trajectory;
      const view = await model.trajectoryView(line);
      const replay = replayTrajectory(t, { originalSize: t.task.image_size! });
      assert.equal(view.id, t.id);
      assert.equal(view.line, line);
      assert.deepEqual(view.raw, JSON.parse(sample.lines[line - 1]!));
      assert.equal(view.status, replay.status);
      assert.equal(view.turns.length, t.turns.length);
      assert.deepEqual(view.turns.map((x) => x.action), replay.turns.map((r) => r.action));
      assert.deepEqual(view.turns.map((x) => x.boxInOriginal ?? null), replay.turns.map((r) => r.boxInOriginal ?? null));
      assert.equal(view.observations.length, replay.observations.length);
      for (const o of view.observations) {
        const steps = o.index === 0
          ? minio3InitialResizeSize(o.size.width, o.size.height, { minPixels: view.limits.min_pixels, maxPixels: view.limits.max_pixels })
          : minio3CropResizeSize(o.size.width, o.size.height, { minPixels: view.limits.min_pixels, maxPixels: view.limits.max_pixels });
        const rescaled = steps.at(-1) ?? o.size;
        const expected = smartResize(rescaled.height, rescaled.width, { factor: 28, minPixels: view.limits.min_pixels, maxPixels: view.limits.max_pixels });
        assert.deepEqual(o.modelSize, { width: expected.width, height: expected.height });
        assert.equal(o.modelTokens, (expected.width / 28) * (expected.height / 28));
      }
      assert.equal(view.model?.synthetic, true);
      assert.equal(view.task.answer, t.task.answer);
    }
    const kinds = new Set(sample.trajectories.slice(0, n - 4).map((t) => JSON.stringify(replayTrajectory(t, { originalSize: t.task.image_size! }).status)));
    assert.ok(kinds.size >= 3, `the sample covers several statuses (${[...kinds].join(', ')})`);

    const mixed = await model.trajectoryView(n - 3);
    const severities = mixed.findings.map((f) => f.severity);
    assert.ok(severities.includes('warning') && severities.includes('error'), JSON.stringify(mixed.findings));
    assert.deepEqual(severities, [...severities].sort(), 'errors before warnings');
    assert.equal(mixed.findings[0]!.field, 'task.gt_box');

    const missing = await model.trajectoryView(n - 2);
    assert.equal(missing.status, null, 'unchecked without the image size');
    assert.deepEqual(missing.observations, []);
    assert.equal(missing.turns.length, missing.raw && Array.isArray((missing.raw as { turns: unknown[] }).turns) ? (missing.raw as { turns: unknown[] }).turns.length : -1);
    const imageFinding = missing.findings.find((f) => f.field === 'task.images.0');
    assert.ok(imageFinding && /not-there\.jpg: file not found/.test(imageFinding.message), JSON.stringify(missing.findings));
    const late = missing.turns.at(-1)!;
    assert.equal(late.action, 'void');
    assert.match(late.findings[0]!, /comes after the trajectory ended/);
    assert.ok(missing.turns.slice(0, -2).some((x) => x.findings.some((f) => /geometry unchecked/.test(f))), 'crop turns say their geometry is unchecked');
    assert.equal(missing.turns[0]!.boxInOriginal, undefined);

    const image = await model.image({ line: n - 2, kind: 'crop', observation: 1 }, undefined as never);
    assert.equal(image.path, null);
    assert.match(image.error!, new RegExp(`^demos\\.traj\\.jsonl:${n - 2}: task\\.images\\.0: .*not-there\\.jpg: file not found$`));

    await assert.rejects(model.trajectoryView(n - 1), /demos\.traj\.jsonl:\d+: invalid JSON/);
    await assert.rejects(model.trajectoryView(n + 5), /there is no line/);
  } finally {
    await model.close();
  }
});

test('a missing original after indexing: the image slot says which file and why', async () => {
  const sample = await sampleDataset();
  const first = sample.trajectories[0]!;
  unlinkSync(join(sample.dir, first.task.images[0]!));
  const model = await DatasetModel.open(sample.file);
  try {
    await model.indexed;
    const view = await model.trajectoryView(1);
    assert.ok(view.observations.length > 0, 'geometry from the recorded image_size');
    assert.ok(view.findings.some((f) => f.field === 'task.images.0' && f.severity === 'warning'));
    const { ImageRenderer } = await import('../../../src/core/view/image-renderer');
    const { ImageCacheFiles } = await import('../../../src/core/view/image-cache-files');
    const { ImageCache } = await import('../../../src/core/imaging');
    const renderer = new ImageRenderer(new ImageCacheFiles(join(sample.dir, 'cache'), 1 << 24), new ImageCache({ maxBytes: 1 << 26 }));
    const image = await model.image({ line: 1, kind: 'thumbnail', observation: 1, maxSide: 128 }, renderer);
    assert.equal(image.path, null);
    assert.match(image.error!, /^demos\.traj\.jsonl:1: task\.images\.0: \/.*: file not found$/);
    assert.ok(image.width > 0, 'the expected size is still given');
  } finally {
    await model.close();
  }
});
