import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Disposable, toDisposable } from '../../../src/host/editor/disposable';
import { datasetStatusText } from '../../../src/core/view/status-text';
import { importTarget } from '../../../src/core/view/import-target';
import { resolveImageRoots } from '../../../src/core/view/image-roots';
import type { RowCounts } from '../../../src/protocol';

const counts = (over: Partial<RowCounts> = {}): RowCounts => ({
  total: 1290,
  matching: 1290,
  byStatus: { valid: 1117, invalid_format: 40, invalid_clip: 10, over_turn: 30, void: 5, unchecked: 2, broken: 86 },
  byReview: { unreviewed: 1290, accepted: 0, rejected: 0, needs_fix: 0 },
  correct: 613,
  withAnswerKey: 1000,
  dataSources: [],
  ...over,
});

test('status bar text: trajectories, accuracy, invalid (labels other than valid, and broken lines); progress while indexing', () => {
  assert.equal(datasetStatusText(counts(), false, 1).text, '$(list-tree) 1,204 traj · 61.3% acc · 171 invalid');
  assert.equal(datasetStatusText(counts(), true, 0.423).text, '$(sync~spin) 1,204 traj (42%) · 61.3% acc · 171 invalid');
  const noKeys = counts({ withAnswerKey: 0, correct: 0, total: 3, byStatus: { valid: 3, broken: 0 } });
  assert.equal(datasetStatusText(noKeys, false, 1, { line: 12, turn: 3 }).text, '$(list-tree) 3 traj · line 12, turn 3');
  assert.match(datasetStatusText(counts(), false, 1).tooltip, /86 broken lines/);
});

test('import targets: next to the data, named after the run folder or the dataset file', () => {
  assert.deepEqual(importTarget('minio3-run', '/data/runs/exp1'), { inPath: '/data/runs/exp1', outFile: '/data/runs/exp1/exp1.traj.jsonl' });
  assert.deepEqual(importTarget('llamafactory', '/data/lf/mllm_demo.json'), { inPath: '/data/lf/mllm_demo.json', outFile: '/data/lf/mllm_demo.traj.jsonl' });
  assert.equal(importTarget('llamafactory', '/data/lf/train.JSONL').outFile, '/data/lf/train.traj.jsonl');
  assert.equal(importTarget('llamafactory', '/data/lf/dataset_info.json').outFile, '/data/lf/lf.traj.jsonl');
  assert.equal(importTarget('minio3-run', '/').outFile, '/dataset.traj.jsonl');
});

test('image roots: absolute kept, ~ expanded, relative against the first workspace folder, junk skipped, no duplicates', () => {
  const ctx = { workspaceFolders: ['/ws/a', '/ws/b'], documentFolder: '/docs', home: '/home/me' };
  assert.deepEqual(resolveImageRoots(['/abs/imgs', '~/pics', 'rel/x', '', 7, '/abs/imgs/'], ctx), ['/abs/imgs', '/home/me/pics', '/ws/a/rel/x']);
  assert.deepEqual(resolveImageRoots(['rel'], { ...ctx, workspaceFolders: [] }), ['/docs/rel']);
  assert.deepEqual(resolveImageRoots('not a list', ctx), []);
});

class Owner extends Disposable {
  register<T extends { dispose(): unknown }>(d: T): T {
    return this._register(d);
  }
}

test('Disposable: owned things go in reverse order, once; late registrations are disposed at once', () => {
  const order: string[] = [];
  const owner = new Owner();
  owner.register(toDisposable(() => order.push('first')));
  owner.register(toDisposable(() => {
    order.push('second');
    throw new Error('a failing dispose does not stop the others');
  }));
  const log = console.error;
  console.error = () => undefined;
  try {
    owner.dispose();
    owner.dispose();
  } finally {
    console.error = log;
  }
  assert.deepEqual(order, ['second', 'first']);
  owner.register(toDisposable(() => order.push('late')));
  assert.deepEqual(order, ['second', 'first', 'late']);
});
