import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { exportDataset } from '../../../src/core/export';
import { answerTurn, cropTurn, LOOSE_LIMITS, makeDataset, tempRoot, trajectory } from './fixtures';

const good = (id: string, extra = {}) => trajectory(id, [cropTurn([0.1, 0.1, 0.6, 0.6], 'original_image'), answerTurn('A')], { limits: LOOSE_LIMITS, ...extra });

test('refusals: over-turn, <image> count mismatch and token cutoff are refused with reasons; the rest export', async () => {
  const root = tempRoot('export-refuse-');
  const overTurn = trajectory('over', [0, 1, 2].map(() => cropTurn([0.1, 0.1, 0.9, 0.9], 'original_image')), {
    limits: { ...LOOSE_LIMITS, max_turns: 3 },
  });
  const twoPlaceholders = good('two-images');
  twoPlaceholders.task.question = '<image>\n<image>\nQuestion: which sign is yellow?';
  const ds = await makeDataset(root, [good('ok-1'), overTurn, twoPlaceholders, '{"not": "a trajectory"', good('ok-2')]);

  const outDir = path.join(root, 'out');
  const report = await exportDataset({ format: 'llamafactory', inFile: ds.file, outDir, statusLabels: ['valid', 'over_turn'] });
  assert.equal(report.exported, 2);
  assert.deepEqual(report.refused.map((r) => [r.id, r.line, r.code]), [
    ['over', 2, 'over_turn'],
    ['two-images', 3, 'image_count_mismatch'],
  ]);
  assert.match(report.refused[0]!.reason, /over-turn.*last allowed turn/);
  assert.match(report.refused[1]!.reason, /^3 <image> placeholders \(message 1 \(user\): 2, message 3 \(user\): 1\) but 2 images/);
  assert.equal(report.broken.length, 1);
  assert.match(report.broken[0]!.message, /samples\.traj\.jsonl:4: .*invalid JSON/);
  assert.deepEqual(report.counts.refusedByReason, { over_turn: 1, image_count_mismatch: 1 });
  assert.equal(report.counts.selected, 4);
  const data = JSON.parse(fs.readFileSync(path.join(outDir, 'samples.json'), 'utf8')) as unknown[];
  assert.equal(data.length, 2);
  // Refused samples leave no images behind.
  assert.deepEqual(fs.readdirSync(path.join(outDir, 'images')).sort(), ['ok-1', 'ok-2', 'originals']);

  // A tiny cutoff refuses everything by its token estimate.
  const tiny = await exportDataset({ format: 'llamafactory', inFile: ds.file, outDir: path.join(root, 'tiny'), cutoffTokens: 300 });
  assert.equal(tiny.exported, 0);
  assert.deepEqual(tiny.refused.map((r) => r.code), ['token_cutoff', 'image_count_mismatch', 'token_cutoff']);
  assert.match(tiny.refused[0]!.reason, /estimated \d+ tokens \(text \d+ \+ images \d+\) > cutoff 300/);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(root, 'tiny', 'samples.json'), 'utf8')), []);
});

test('filters: review status (accepted by default), derived status label and data source', async () => {
  const root = tempRoot('export-filter-');
  const errorThenAnswer = trajectory('with-error', [cropTurn([0.5, 0.5, 0.1, 0.6], 'original_image'), answerTurn('A')], { limits: LOOSE_LIMITS });
  const otherSource = good('other-source');
  otherSource.task.data_source = 'deepeyes';
  const ds = await makeDataset(root, [
    good('accepted'),
    good('rejected', { review: { status: 'rejected' } }),
    good('unreviewed', { review: undefined }),
    errorThenAnswer,
    otherSource,
    '',
  ]);

  const byDefault = await exportDataset({ format: 'llamafactory', inFile: ds.file, outDir: path.join(root, 'a') });
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'a', 'manifest.json'), 'utf8')) as { exported_ids: string[] };
  assert.deepEqual(manifest.exported_ids, ['accepted', 'other-source']);
  assert.deepEqual(byDefault.counts.skipped, { review_status: 2, data_source: 0, status_label: 1 });
  assert.equal(byDefault.counts.blank, 1);
  assert.equal(byDefault.broken.length, 0);

  const anyReview = await exportDataset({ format: 'swift', inFile: ds.file, outDir: path.join(root, 'b'), status: 'any', statusLabels: ['valid', 'invalid_clip', 'invalid_format'], dataSources: ['visual_probe'] });
  const ids = (JSON.parse(fs.readFileSync(path.join(root, 'b', 'manifest.json'), 'utf8')) as { exported_ids: string[] }).exported_ids;
  assert.deepEqual(ids, ['accepted', 'rejected', 'unreviewed', 'with-error']);
  assert.equal(anyReview.counts.skipped.data_source, 1);
});

test('image problems refuse only their trajectory: missing file, path outside the dataset folder', async () => {
  const root = tempRoot('export-image-refuse-');
  const missing = good('missing');
  missing.task.images = ['images/nope.png'];
  const escaping = good('escaping');
  escaping.task.images = ['../elsewhere.png'];
  const ds = await makeDataset(root, [missing, escaping, good('fine')]);
  const report = await exportDataset({ format: 'llamafactory', inFile: ds.file, outDir: path.join(root, 'out') });
  assert.equal(report.exported, 1);
  assert.deepEqual(report.refused.map((r) => [r.id, r.code]), [['missing', 'image_error'], ['escaping', 'image_path']]);
  assert.match(report.refused[0]!.reason, /task\.images\.0: .*nope\.png: file not found/);
  assert.match(report.refused[1]!.reason, /samples\.traj\.jsonl:2: task\.images\.0: .*outside the dataset folder/);
});
