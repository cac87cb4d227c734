import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { TrajectoryFile } from '../../../src/core/store';
import { analyzeRecord, ImageSizeLookup } from '../../../src/core/analysis/analyze-record';
import { formatFinding, type Finding } from '../../../src/core/trajectory/findings';
import { formatGrounding } from '../../../src/core/protocol/format-call';
import { pngBomb } from '../imaging/png-bomb';

/** Every kind of bad input named by the issue, in one file: each gets file, line and field; good lines survive. */
test('bad input: each problem is reported with file, line and field; readable lines are kept', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mini-o3-bad-'));
  await sharp({ create: { width: 400, height: 300, channels: 3, background: { r: 90, g: 120, b: 200 } } }).png().toFile(join(dir, 'ok.png'));
  writeFileSync(join(dir, 'corrupt.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 1, 2, 3]));
  writeFileSync(join(dir, 'bomb.png'), pngBomb(100_000, 100_000));
  const turn = (inner: string) => ({ text: `<think>zoom</think>\n<grounding>${inner}</grounding>` });
  const answer = { text: '<think>done</think>\n<answer>A</answer>' };
  const traj = (id: string, image: string, turns: unknown[]) =>
    JSON.stringify({ id, task: { id, question: '<image>\nWhat?', images: [image], answer: 'A' }, turns });
  const lines = [
    traj('good', 'ok.png', [{ text: '<think>x</think>\n' + formatGrounding([0.1, 0.1, 0.5, 0.5], 'original_image') }, answer]), // 1
    '{"id": "cut", "task": {"id": "t", "quest', // 2 truncated
    'not json at all', // 3
    JSON.stringify({ id: 'types', task: { id: 't', question: 'q', images: 'ok.png' }, turns: [{ text: 7 }] }), // 4 wrong types
    traj('nan', 'ok.png', [turn('{"bbox_2d": [NaN, 0.1, 0.5, 0.5], "source": "original_image"}'), answer]), // 5
    traj('inverted', 'ok.png', [turn('{"bbox_2d": [0.9, 0.1, 0.2, 0.5], "source": "original_image"}'), answer]), // 6
    traj('source', 'ok.png', [turn('{"bbox_2d": [0.1, 0.1, 0.5, 0.5], "source": "image_2"}'), answer]), // 7
    traj('missing', 'nope.png', [answer]), // 8
    traj('corrupt', 'corrupt.jpg', [answer]), // 9
    traj('escape', '../../outside.png', [answer]), // 10
    traj('bomb', 'bomb.png', [answer]), // 11
  ];
  const file = join(dir, 'bad.traj.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');

  const store = await TrajectoryFile.open(file);
  const sizes = new ImageSizeLookup();
  const byLine = new Map<number, Finding[]>();
  const statuses = new Map<number, string | null>();
  for await (const record of store.records()) {
    const a = await analyzeRecord(record, file, sizes);
    byLine.set(record.line, a.findings);
    statuses.set(record.line, a.summary ? a.summary.status : 'unreadable');
  }
  await store.close();
  const text = (line: number) => (byLine.get(line) ?? []).map(formatFinding).join('\n');
  const expect = (line: number, field: string, pattern: RegExp) => {
    const hit = (byLine.get(line) ?? []).find((f) => f.field === field && pattern.test(f.message));
    assert.ok(hit, `line ${line}: expected ${field} ~ ${pattern}, got:\n${text(line)}`);
    assert.ok(formatFinding(hit).startsWith(`${file}:${line}:`));
  };

  assert.deepEqual(byLine.get(1), []);
  assert.equal(statuses.get(1), 'valid');
  expect(2, '', /JSON|end/i);
  expect(3, '', /JSON|token/i);
  expect(4, 'task.images', /array/i);
  expect(4, 'turns.0.text', /string/i);
  expect(5, 'turns.0.text', /name 'NaN' is not defined|not a Python literal/);
  assert.equal(statuses.get(5), 'invalid_format');
  expect(6, 'turns.0.text', /inverted in width/);
  assert.equal(statuses.get(6), 'invalid_clip');
  expect(7, 'turns.0.text', /unknown source "image_2"/);
  expect(8, 'task.images.0', /nope\.png|no such|missing|not found/i);
  expect(9, 'task.images.0', /corrupt\.jpg/);
  expect(10, 'task.images.0', /escape|outside/i);
  expect(11, 'task.images.0', /bomb\.png.*(pixel|limit|large)/i);
  for (const line of [8, 9, 10, 11]) assert.equal(statuses.get(line), null, `line ${line}: geometry unchecked without the image`);
});
