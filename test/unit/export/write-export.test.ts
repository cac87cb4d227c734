import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { exportDataset, ExportFolderError, type ExportManifest } from '../../../src/core/export';
import { answerTurn, cropTurn, listFiles, LOOSE_LIMITS, makeDataset, tempRoot, trajectory } from './fixtures';

const sample = (id: string) =>
  trajectory(id, [cropTurn([0.1, 0.1, 0.6, 0.6], 'original_image'), cropTurn([0.2, 0.2, 0.4, 0.5], 'observation_1'), answerTurn('A')], { limits: LOOSE_LIMITS });

function siblings(root: string): string[] {
  return fs.readdirSync(root).filter((n) => n !== 'data').sort();
}

test('an existing non-empty outDir is refused without overwrite and left unchanged; overwrite replaces it', async () => {
  const root = tempRoot('export-atomic-');
  const ds = await makeDataset(root, [sample('a')]);
  const outDir = path.join(root, 'out');
  fs.mkdirSync(outDir);
  fs.writeFileSync(path.join(outDir, 'keep.txt'), 'precious');

  await assert.rejects(exportDataset({ format: 'llamafactory', inFile: ds.file, outDir }), (e: unknown) => {
    assert.ok(e instanceof ExportFolderError);
    assert.match(e.message, /already exists and is not empty.*overwrite/);
    return true;
  });
  assert.deepEqual(listFiles(outDir), ['keep.txt']);
  assert.equal(fs.readFileSync(path.join(outDir, 'keep.txt'), 'utf8'), 'precious');
  assert.deepEqual(siblings(root), ['out']);

  const report = await exportDataset({ format: 'llamafactory', inFile: ds.file, outDir, overwrite: true });
  assert.equal(report.exported, 1);
  assert.ok(!fs.existsSync(path.join(outDir, 'keep.txt')));
  assert.ok(fs.existsSync(path.join(outDir, 'samples.json')));
  assert.deepEqual(siblings(root), ['out'], 'no temp or moved-aside folder is left');

  // An empty existing folder is fine without overwrite.
  fs.mkdirSync(path.join(root, 'empty'));
  await exportDataset({ format: 'openai', inFile: ds.file, outDir: path.join(root, 'empty') });
  assert.ok(fs.existsSync(path.join(root, 'empty', 'samples.jsonl')));
});

test('cancelling midway removes the temp folder and writes nothing', async () => {
  const root = tempRoot('export-abort-');
  const ds = await makeDataset(root, Array.from({ length: 40 }, (_, i) => sample(`t${i}`)));
  const outDir = path.join(root, 'out');
  const controller = new AbortController();
  let progressCalls = 0;
  await assert.rejects(
    exportDataset({
      format: 'llamafactory',
      inFile: ds.file,
      outDir,
      signal: controller.signal,
      onProgress: (p) => {
        progressCalls++;
        if (p.linesDone >= 5) controller.abort();
      },
    }),
    (e: unknown) => (e as Error).name === 'AbortError',
  );
  assert.ok(progressCalls > 0);
  assert.deepEqual(siblings(root), [], 'neither outDir nor its temp folder remain');
});

test('manifest: tool, source hash, options, counts, exported ids and refusals', async () => {
  const root = tempRoot('export-manifest-');
  const overTurn = trajectory('over', [cropTurn([0.1, 0.1, 0.9, 0.9], 'original_image')], { limits: { ...LOOSE_LIMITS, max_turns: 1 } });
  const ds = await makeDataset(root, [sample('first'), overTurn, 'garbage', sample('second')]);
  const outDir = path.join(root, 'out');
  const report = await exportDataset({ format: 'llamafactory', inFile: ds.file, outDir, statusLabels: ['valid', 'over_turn'], name: 'minio3_coldstart' });
  const manifest = JSON.parse(fs.readFileSync(path.join(outDir, 'manifest.json'), 'utf8')) as ExportManifest;
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../package.json'), 'utf8')) as { name: string; version: string };
  const bytes = fs.readFileSync(ds.file);

  assert.deepEqual(manifest.tool, { name: pkg.name, version: pkg.version });
  assert.ok(Math.abs(Date.parse(manifest.created_at) - Date.now()) < 60_000);
  assert.equal(manifest.format, 'llamafactory');
  assert.deepEqual(manifest.sources, [{ path: ds.file, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }]);
  assert.deepEqual(manifest.options, {
    status: 'accepted', statusLabels: ['valid', 'over_turn'], dataSources: null, cutoffTokens: 32768,
    name: 'minio3_coldstart', absolutePaths: false, strictPixelBounds: false,
  });
  assert.deepEqual(manifest.files, ['minio3_coldstart.json', 'dataset_info.json', 'manifest.json']);
  assert.deepEqual(manifest.exported_ids, ['first', 'second']);
  assert.deepEqual(manifest.refusals.map((r) => [r.id, r.line, r.code]), [['over', 2, 'over_turn']]);
  assert.equal(manifest.broken_lines.length, 1);
  assert.equal(manifest.broken_lines[0]!.line, 3);
  // Four crops from one original: decoded once (the original itself is copied, never re-encoded).
  assert.deepEqual(
    { ...manifest.counts, skipped: undefined },
    { lines: 4, blank: 0, broken: 1, skipped: undefined, selected: 3, exported: 2, refused: 1, refusedByReason: { over_turn: 1 }, warnings: 0, cropImages: 4, originalImages: 1, originalDecodes: 1 },
  );
  assert.match(manifest.image_layout, /relative to this folder.*dataset_dir/s);
  assert.match(manifest.token_estimator, /ASCII digit/);
  assert.deepEqual(report.counts, manifest.counts);
  assert.deepEqual(listFiles(outDir).filter((f) => f.startsWith('images/first/')), ['images/first/obs_1.png', 'images/first/obs_2.png']);
  const info = JSON.parse(fs.readFileSync(path.join(outDir, 'dataset_info.json'), 'utf8')) as Record<string, { file_name: string }>;
  assert.equal(info.minio3_coldstart?.file_name, 'minio3_coldstart.json');
});
