import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { exportDataset } from '../../../src/core/export';
import { importLlamaFactory } from '../../../src/core/formats/import-llamafactory';
import { ImportContext } from '../../../src/core/formats/import-common';
import { replayTrajectory } from '../../../src/core/protocol/replay';
import { answerTurn, cropRaw, cropTurn, LOOSE_LIMITS, makeDataset, QUESTION, readPng, tempRoot, trajectory } from './fixtures';

const TURNS = [
  cropTurn([0.25, 0.25, 0.75, 0.75], 'original_image'),
  cropTurn([0.1, 0.1, 0.2, 0.2], 'observation_5', 'try a missing observation'),
  cropTurn([0.5, 0.5, 1.0, 1.0], 'observation_1', 'crop of the crop'),
  answerTurn('K7Q2'),
];

test('round trip: native -> LLaMA-Factory export -> LLaMA-Factory import keeps turns, question and images', async () => {
  const root = tempRoot('export-roundtrip-');
  const ds = await makeDataset(root, [
    trajectory('chain', TURNS, { limits: LOOSE_LIMITS }),
    trajectory('short', [cropTurn([0.0, 0.5, 0.5, 1.0], 'original_image'), answerTurn('B')], { limits: LOOSE_LIMITS }),
  ]);
  const outDir = path.join(root, 'out');
  const first = await exportDataset({ format: 'llamafactory', inFile: ds.file, outDir, statusLabels: ['valid', 'invalid_format'] });
  assert.equal(first.exported, 2);

  const backFile = path.join(root, 'back', 'imported.traj.jsonl');
  fs.mkdirSync(path.dirname(backFile));
  const ctx = new ImportContext('llamafactory', { outFile: backFile });
  const imported = await importLlamaFactory(outDir, ctx);
  assert.deepEqual(ctx.findings.filter((f) => f.severity === 'error'), []);
  assert.equal(imported.length, 2);
  const [chain, short] = imported as [NonNullable<(typeof imported)[0]>, NonNullable<(typeof imported)[1]>];
  assert.deepEqual(chain.turns.map((t) => t.text), TURNS);
  assert.equal(short.turns.length, 2);
  assert.equal(chain.task.question, QUESTION);

  // Images: the imported original and observations are the exported files, and each observation
  // equals the crop of the original at the rectangle the imported trajectory replays to.
  const exported = JSON.parse(fs.readFileSync(path.join(outDir, 'samples.json'), 'utf8')) as Array<{ images: string[] }>;
  const backDir = path.dirname(backFile);
  const originalAbs = path.resolve(backDir, chain.task.images[0]!);
  assert.equal(originalAbs, path.join(outDir, exported[0]!.images[0]!));
  const original = await readPng(originalAbs);
  assert.ok(original.data.equals(ds.original.data));
  const replay = replayTrajectory(chain, { originalSize: { width: original.width, height: original.height } });
  const observationFiles = chain.turns.flatMap((t) => (t.observation ? [t.observation.image ?? t.observation.resized_image!] : []));
  assert.deepEqual(observationFiles.map((p) => path.resolve(backDir, p)), exported[0]!.images.slice(1).map((p) => path.join(outDir, p)));
  for (const [k, rel] of observationFiles.entries()) {
    const pixels = await readPng(path.resolve(backDir, rel));
    const expected = cropRaw(original, replay.observations[k + 1]!.rectInOriginal);
    assert.ok(pixels.data.equals(expected.data) && pixels.width === expected.width, `observation ${k + 1}`);
  }

  // Exporting the imported trajectories again gives the same conversations and image pixels
  // (ShareGPT data carries no run limits, so the original ones are put back first).
  fs.writeFileSync(backFile, imported.map((t) => JSON.stringify({ ...t, limits: LOOSE_LIMITS })).join('\n') + '\n');
  const againDir = path.join(root, 'again');
  const second = await exportDataset({
    format: 'llamafactory', inFile: backFile, outDir: againDir, status: 'any', statusLabels: ['valid', 'invalid_format'], imageRoots: [outDir],
  });
  assert.equal(second.exported, 2, JSON.stringify(second.refused));
  const again = JSON.parse(fs.readFileSync(path.join(againDir, 'imported.json'), 'utf8')) as Array<{ conversations: unknown; images: string[] }>;
  const firstRows = JSON.parse(fs.readFileSync(path.join(outDir, 'samples.json'), 'utf8')) as Array<{ conversations: unknown; images: string[] }>;
  for (const [i, row] of again.entries()) {
    assert.deepEqual(row.conversations, firstRows[i]!.conversations);
    for (const [k, rel] of row.images.entries()) {
      const a = await readPng(path.join(againDir, rel));
      const b = await readPng(path.join(outDir, firstRows[i]!.images[k]!));
      assert.ok(a.data.equals(b.data), `sample ${i} image ${k}`);
    }
  }
});
