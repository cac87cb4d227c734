import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetModel } from '../../../src/core/view/dataset-model';
import type { RowQuery, RowSummary } from '../../../src/protocol';
import type { Trajectory } from '../../../src/core/trajectory/schema';
import { sampleDataset, variant } from './fixtures';

const firstPage: RowQuery = { filter: {}, sort: { key: 'line', descending: false }, offset: 0, limit: 50 };

test('a large file: the first rows answer while indexing goes on (indexing: true), then every row (timing reported)', async () => {
  const sample = await sampleDataset();
  const template = sample.trajectories[0]!;
  const lines: string[] = [];
  for (let i = 0; i < 6000; i++) lines.push(i % 500 === 7 ? '{"broken": ' : variant(template, `copy-${i}`, () => undefined));
  const file = join(sample.dir, 'big.traj.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);

  const started = performance.now();
  const model = await DatasetModel.open(file);
  try {
    await new Promise<void>((resolve) => {
      const off = model.onProgress(() => {
        off();
        resolve();
      });
    });
    const early = model.query(firstPage);
    const firstRowsMs = performance.now() - started;
    assert.equal(early.indexing, true);
    assert.ok(early.rows.length > 0 && early.counts.total < 6000, `partial: ${early.counts.total} rows`);
    assert.equal(early.rows[0]!.line, 1);
    assert.ok(model.indexedFraction > 0 && model.indexedFraction < 1);

    await model.indexed;
    const done = model.query(firstPage);
    const allMs = performance.now() - started;
    assert.equal(done.indexing, false);
    assert.equal(done.counts.total, 6000);
    assert.equal(done.counts.byStatus.broken, 12);
    const broken = model.row(8);
    assert.ok(broken?.broken);
    assert.match(broken.message, /^big\.traj\.jsonl:8: invalid JSON/);
    assert.equal(model.indexedFraction, 1);
    console.log(`6000 lines: first rows after ${firstRowsMs.toFixed(0)} ms, all after ${allMs.toFixed(0)} ms`);
  } finally {
    await model.close();
  }
});

test('live trajectories: a running search shows up as a row and a view; task trees and charts include it', async () => {
  const sample = await sampleDataset();
  const model = await DatasetModel.open(sample.file);
  try {
    await model.indexed;
    const total = model.query(firstPage).counts.total;
    const template = sample.trajectories[0]!;
    const changes: { line: number; summary: RowSummary }[] = [];
    model.onRowChanged((change) => changes.push(change));

    const live: Trajectory = { ...structuredClone(template), id: 'live-run', turns: template.turns.slice(0, 1) };
    delete live.outcome;
    const appended = await model.putLiveTrajectory(live);
    assert.equal(appended.line, sample.lines.length + 1);
    assert.equal(appended.id, 'live-run');
    assert.equal(appended.turns, 1);
    assert.equal(appended.status, 'void', 'one crop call and no answer yet: void so far');
    assert.deepEqual(changes.map((c) => c.line), [appended.line]);
    assert.equal(model.query(firstPage).counts.total, total + 1);

    const grown = { ...live, turns: template.turns };
    const updated = await model.putLiveTrajectory(grown, appended.line);
    assert.equal(updated.turns, template.turns.length);
    assert.equal((await model.trajectoryView(appended.line)).turns.length, template.turns.length, 'the view follows the update');
    assert.equal(model.query(firstPage).counts.total, total + 1, 'replaced, not added');

    const tree = await model.taskTree(template.task.id);
    const sameTask = sample.trajectories.filter((t) => t.task.id === template.task.id).length;
    assert.equal(tree.taskId, template.task.id);
    assert.equal(tree.trajectories.length, sameTask + 1);
    assert.ok(tree.trajectories.some((t) => t.id === 'live-run'));
    const slim = await model.slimTaskTree(template.task.id);
    assert.deepEqual(slim.trajectories.map((t) => [t.line, t.id, t.turns.length]), tree.trajectories.map((t) => [t.line, t.id, t.turns.length]));

    await assert.rejects(model.putLiveTrajectory({ ...live, turns: 'nope' } as unknown as Trajectory, 99), /demos\.traj\.jsonl:99: turns/);

    const charts = model.charts({});
    const histogramTotal = charts.turnsHistogram.reduce((sum, b) => sum + b.count, 0);
    assert.equal(histogramTotal, total + 1);
    assert.ok(charts.accuracyByMaxTurns.length >= 2, 'over-turn demonstrations run with a 4-turn limit: two limits in one file');
  } finally {
    await model.close();
  }
});
