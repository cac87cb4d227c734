import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSampleWorkspace } from '../../../src/core/synth';
import { loadEvalTasks, withImageSizes } from '../../../src/core/eval/eval-tasks';
import { formatFinding } from '../../../src/core/trajectory/findings';

test('tasks from a .traj.jsonl: one per task id, image paths rewritten for the output folder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mini-o3-tasks-'));
  const ws = await generateSampleWorkspace(join(dir, 'ws'), { tasks: 3, seed: 4, small: true, rollouts: 3 });
  const outFile = join(dir, 'runs', 'eval.traj.jsonl');
  mkdirSync(join(dir, 'runs'));
  const set = await loadEvalTasks(ws.demosFile, { outFile });
  assert.equal(set.tasks.length, 3);
  assert.equal(set.findings.filter((f) => f.severity === 'error').length, 0);
  assert.equal(set.findings.filter((f) => /already came from line/.test(f.message)).length, 6);
  assert.deepEqual(set.outsideRoots, [join(dir, 'ws')]);
  for (const t of set.tasks) {
    assert.match(t.images[0]!, /^\.\.\/ws\/images\//);
    assert.ok(t.question.startsWith('<image>\n'));
  }
  const ready = await withImageSizes(set, join(dir, 'runs'), set.outsideRoots);
  assert.equal(ready.length, 3);
  assert.ok(ready.every((t) => t.image_size && t.image_size.width >= 600));
  assert.equal((await withImageSizes(set, join(dir, 'runs'), [])).length, 0, 'outside the output folder without a root: refused');
});

test('bad task records are reported with file, line and field, and skipped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mini-o3-tasks-'));
  const ws = await generateSampleWorkspace(dir, { tasks: 2, seed: 4, small: true, rollouts: 1 });
  const rows = JSON.parse(readFileSync(ws.tasksFile, 'utf8')) as Record<string, unknown>[];
  const file = join(dir, 'tasks.jsonl');
  writeFileSync(file, [
    JSON.stringify(rows[0]),
    JSON.stringify({ ...rows[1], images: ['images/missing.png'] }),
    JSON.stringify({ ...rows[1], doc_id: 'no-question', problem: 7 }),
    JSON.stringify({ ...rows[1], doc_id: 'no-tag', problem: 'What colour is the sign?' }),
  ].join('\n'));
  const outFile = join(dir, 'eval.traj.jsonl');
  const set = await loadEvalTasks(file, { outFile });
  const ready = await withImageSizes(set, dir, []);
  assert.deepEqual(ready.map((t) => t.id), [rows[0]!.doc_id, 'no-tag']);
  assert.equal(ready[1]!.question, '<image>\nWhat colour is the sign?');
  const text = set.findings.map(formatFinding).join('\n');
  assert.match(text, /tasks\.jsonl:3: problem: must be a string/);
  assert.match(text, /tasks\.jsonl:2: images\.0: .*missing\.png.*skipped/);
});
