import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { applyEdit } from '../../../src/core/edit';
import type { Trajectory } from '../../../src/core/trajectory/schema';
import { chain, ctx, later } from '../edit/fixtures';

const root = resolve(__dirname, '../../..');
const work = mkdtempSync(join(tmpdir(), 'mini-o3-agree-'));

function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', require.resolve('tsx'), join(root, 'src/cli.ts'), ...args], {
    cwd: work, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' },
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

function write(name: string, lines: (Trajectory | string)[]): string {
  const path = join(work, name);
  writeFileSync(path, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return path;
}

test('agree: a table and JSON for two annotated files; exit 2 on unusable input', () => {
  const status = (t: Trajectory, s: 'accepted' | 'rejected' | 'needs_fix', who = ctx) => applyEdit(t, { kind: 'setReview', status: s }, who).trajectory;
  const moved = (t: Trajectory, bbox: [number, number, number, number], who = ctx) => applyEdit(t, { kind: 'setBox', turn: 0, bbox }, who).trajectory;
  const b = { ...ctx, author: later };
  // The image files do not exist: sizes come from task.image_size (4000x3000).
  const fileA = write('a.traj.jsonl', [
    status(moved(chain({ id: 'one' }), [0.5, 0.5, 1.0, 0.75]), 'accepted'),
    status(chain({ id: 'two' }), 'rejected'),
    status(chain({ id: 'three' }), 'needs_fix'),
    chain({ id: 'only-a' }),
    '{"broken": ',
  ]);
  const fileB = write('b.traj.jsonl', [
    status(chain({ id: 'three' }), 'needs_fix', b),
    status(moved(chain({ id: 'one' }), [0.5, 0.5, 1.0, 0.875], b), 'accepted', b),
    status(chain({ id: 'two' }), 'accepted', b),
  ]);
  const r = cli('agree', fileA, fileB, '--json');
  assert.equal(r.code, 0, r.err);
  const report = JSON.parse(r.out);
  assert.equal(report.matched, 3);
  assert.deepEqual(report.onlyInA, ['only-a']);
  assert.deepEqual(report.brokenLines, { a: 1, b: 0 });
  // 2 of 3 agree; rows A (0,1,1,1), cols B (0,2,0,1): pe = (2 + 1)/9 -> kappa = (2/3 - 1/3) / (2/3) = 0.5.
  assert.ok(Math.abs(report.review.kappa - 0.5) < 1e-12);
  // Turn 0 of "one": A [2000,1500,3999,2250] vs B [2000,1500,3999,2625]: 750 / 1125.
  assert.equal(report.boxIoU.count, 1);
  assert.ok(Math.abs(report.boxIoU.mean - 2 / 3) < 1e-12);

  const table = cli('agree', fileA, fileB);
  assert.equal(table.code, 0, table.err);
  assert.match(table.out, /review status \(Cohen's kappa\): 0\.500/);
  assert.match(table.out, /box IoU \(original pixels\)\s+1\s+0\.667\s+0\.667/);
  assert.match(table.out, /only in A: only-a/);
  assert.match(table.out, /a\.traj\.jsonl: 1 line\(s\) do not hold a valid trajectory/);

  const same = write('same.traj.jsonl', [status(chain({ id: 'one' }), 'accepted')]);
  const undefinedKappa = cli('agree', same, same);
  assert.equal(undefinedKappa.code, 0, undefinedKappa.err);
  assert.match(undefinedKappa.out, /kappa\): undefined \(both annotators gave every trajectory the same single status\)/);

  const other = write('other.traj.jsonl', [chain({ id: 'nobody' })]);
  const disjoint = cli('agree', fileA, other);
  assert.equal(disjoint.code, 2);
  assert.match(disjoint.err, /share no trajectory id/);
  assert.equal(cli('agree', fileA, join(work, 'missing.traj.jsonl')).code, 2);
  const empty = write('empty.traj.jsonl', []);
  const e = cli('agree', empty, fileB);
  assert.equal(e.code, 2);
  assert.match(e.err, /empty\.traj\.jsonl: holds no valid trajectory/);
});
