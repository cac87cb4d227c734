import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { importDataset } from '../../../src/core/formats';
import { replayTrajectory } from '../../../src/core/protocol/replay';
import { findingsAt, readOutput, tempDir, writeJpeg, writeText } from './fixtures';

test('VisualProbe tasks import as trajectories without turns, images resolved against imageBase', async () => {
  const root = tempDir('vp');
  const base = path.join(root, 'base_images');
  await writeJpeg(path.join(base, 'hard/1.jpg'), 120, 90);
  await writeJpeg(path.join(base, 'hard/2.jpg'), 120, 90);
  const file = path.join(root, 'VisualProbe_Hard', 'val.json');
  writeText(file, JSON.stringify([
    { images: ['hard/1.jpg'], doc_id: 0, problem: '<image>\nWhat is written on the sign?', solution: 'STOP', data_source: 'visual_probe_hard', gt_box: [10, 20, 30, 40], extra: 'kept' },
    { images: ['hard/2.jpg'], doc_id: 'b', problem: '<image>\nQ2', solution: 3 },
  ], null, 1));
  const outFile = path.join(root, 'tasks.traj.jsonl');
  const result = await importDataset('visualprobe', file, { outFile, imageBase: base });
  assert.deepEqual(result.findings, []);
  const [a, b] = result.trajectories;
  assert.ok(a && b);
  assert.equal(a.id, '0');
  assert.deepEqual(a.task, { id: '0', question: '<image>\nWhat is written on the sign?', images: ['base_images/hard/1.jpg'], answer: 'STOP', gt_box: [10, 20, 30, 40], data_source: 'visual_probe_hard' });
  assert.deepEqual(a.turns, []);
  assert.deepEqual(a.import, { format: 'visualprobe', path: 'VisualProbe_Hard/val.json', line: 2, index: 0, raw: { extra: 'kept', doc_id: 0 } });
  assert.equal(b.task.answer, '3');
  assert.deepEqual(b.import?.raw, { solution: 3 });
  const replay = replayTrajectory(a, { originalSize: { width: 120, height: 90 } });
  assert.deepEqual(replay.turns, []);
  assert.equal(readOutput(outFile).length, 2);
});

test('bad VisualProbe records are reported by line and field; the rest import', async () => {
  const root = tempDir('vp-bad');
  const elsewhere = tempDir('vp-elsewhere');
  await writeJpeg(path.join(root, 'a.jpg'), 50, 50);
  const file = path.join(root, 'train.jsonl');
  writeText(file, [
    JSON.stringify({ images: ['a.jpg'], doc_id: 'ok', problem: '<image>\nQ', solution: 'x' }),
    JSON.stringify({ images: 'a.jpg', problem: 7 }),
    JSON.stringify({ images: [], doc_id: 'noimg', problem: '<image>' }),
    JSON.stringify({ images: ['gone.jpg'], doc_id: 'gone', problem: '<image>\nQ', gt_box: [1, 2] }),
    JSON.stringify({ images: [path.join(elsewhere, 'x.jpg')], doc_id: 'abs', problem: 'no placeholder' }),
    JSON.stringify({ images: ['a.jpg'], problem: '<image>\nQ' }),
    '[1, 2',
  ].join('\n'));
  const result = await importDataset('visualprobe', file, { outFile: path.join(root, 'o.traj.jsonl') });
  assert.deepEqual(result.trajectories.map((t) => t.id), ['ok', 'gone', 'abs', 'train-5']);
  const one = (line: number, field: string) => {
    const hits = findingsAt(result.findings, field, line);
    assert.equal(hits.length, 1, `${line} ${field}: ${JSON.stringify(result.findings)}`);
    return hits[0]!;
  };
  assert.equal(one(2, 'problem').severity, 'error');
  assert.equal(one(3, 'images').severity, 'error');
  assert.match(one(4, 'images.0').message, /not found/);
  assert.equal(one(4, 'gt_box').severity, 'warning');
  assert.deepEqual(result.trajectories[1]!.import?.raw, { gt_box: [1, 2] });
  assert.match(one(5, 'images.0').message, /outside the dataset folder/);
  assert.deepEqual(result.trajectories[2]!.task.images, [path.join(elsewhere, 'x.jpg')]);
  assert.equal(one(5, 'problem').severity, 'warning');
  assert.match(one(6, 'doc_id').message, /using "train-5"/);
  assert.match(one(7, '').message, /not valid JSON/);
});
