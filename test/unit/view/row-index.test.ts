import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TrajectorySummary } from '../../../src/core/analysis/analyze-record';
import type { Row, RowQuery, RowSummary } from '../../../src/protocol';
import { RowIndex } from '../../../src/core/view/row-index';
import { indexRows } from '../../../src/core/view/row-indexer';
import type { TrajectoryRecord, ValidRecord } from '../../../src/core/store';
import type { StatusLabel, Trajectory } from '../../../src/core/trajectory/schema';

function summary(line: number, over: Partial<TrajectorySummary> = {}): TrajectorySummary {
  return {
    line,
    id: `traj-${line}`,
    taskId: `task-${Math.ceil(line / 2)}`,
    question: '<image>\nWhat is written on the sign?',
    dataSource: 'probe',
    status: 'valid',
    turns: 2,
    answer: 'K7Q2',
    correct: true,
    reviewStatus: 'unreviewed',
    synthetic: false,
    maxTurns: 12,
    ...over,
  };
}

const all = (over: Partial<RowQuery> = {}): RowQuery => ({ filter: {}, sort: { key: 'line', descending: false }, offset: 0, limit: 1000, ...over });
const lines = (rows: Row[]) => rows.map((r) => r.line);

function sampleIndex(): RowIndex {
  const index = new RowIndex();
  index.setSummary(summary(1, { id: 'b-first', turns: 3, correct: false, answer: 'nope' }));
  index.setSummary(summary(2, { id: 'a-second', status: 'invalid_format', turns: 1, reviewStatus: 'accepted', dataSource: 'vstar' }));
  index.setBroken(3, 'demo.traj.jsonl:3: invalid JSON: Unexpected end of input at column 18', '{"id": "cut", "task"' + 'x'.repeat(500));
  index.setSummary(summary(4, { id: 'c-third', status: null, turns: 5, correct: null, dataSource: null, question: '<image>\nFind the RED door' }));
  index.setSummary(summary(5, { id: 'a-second-again', status: 'over_turn', turns: 12, reviewStatus: 'rejected', answer: null, correct: false }));
  return index;
}

test('rows come back as summaries or broken rows, with counts over matching and all rows', () => {
  const index = sampleIndex();
  const { rows, counts } = index.query(all());
  assert.deepEqual(lines(rows), [1, 2, 3, 4, 5]);
  const broken = rows[2]!;
  assert.ok(broken.broken);
  assert.equal(broken.message, 'demo.traj.jsonl:3: invalid JSON: Unexpected end of input at column 18');
  assert.equal(broken.preview.length, 200, 'preview cut to 200 characters');
  const first = rows[0] as RowSummary;
  assert.deepEqual(first, {
    line: 1, id: 'b-first', taskId: 'task-1', question: '<image>\nWhat is written on the sign?', dataSource: 'probe',
    status: 'valid', turns: 3, correct: false, reviewStatus: 'unreviewed', answer: 'nope', broken: false,
  });
  assert.equal((rows[3] as RowSummary).status, null, 'unchecked rows keep status null');
  assert.equal(counts.total, 5);
  assert.equal(counts.matching, 5);
  assert.deepEqual(counts.byStatus, { valid: 1, invalid_format: 1, invalid_clip: 0, over_turn: 1, void: 0, unchecked: 1, broken: 1 });
  assert.deepEqual(counts.byReview, { unreviewed: 2, accepted: 1, rejected: 1, needs_fix: 0 });
  assert.equal(counts.correct, 1);
  assert.equal(counts.withAnswerKey, 3);
  assert.deepEqual(counts.dataSources, ['probe', 'vstar']);
  assert.deepEqual(index.totals(), counts, 'running totals equal a full scan');
});

test('filters: text over id, task, question and answer; statuses incl. unchecked and broken; correct; review; source; turns', () => {
  const index = sampleIndex();
  const q = (filter: RowQuery['filter']) => lines(index.query(all({ filter })).rows);
  assert.deepEqual(q({ text: '  A-SECOND ' }), [2, 5], 'case-insensitive, trimmed, on ids');
  assert.deepEqual(q({ text: 'red door' }), [4], 'question');
  assert.deepEqual(q({ text: 'task-3' }), [5], 'task id');
  assert.deepEqual(q({ text: 'nope' }), [1], 'answer');
  assert.deepEqual(q({ text: 'unexpected end' }), [3], 'a broken line is found by its message');
  assert.deepEqual(q({ statuses: ['unchecked', 'broken'] }), [3, 4]);
  assert.deepEqual(q({ statuses: ['valid', 'over_turn'] }), [1, 5]);
  assert.deepEqual(q({ statuses: [] }), [1, 2, 3, 4, 5], 'an empty list does not filter');
  assert.deepEqual(q({ correct: [false] }), [1, 5]);
  assert.deepEqual(q({ correct: [null] }), [4], 'null = no answer key; broken lines have no value');
  assert.deepEqual(q({ reviewStatuses: ['accepted', 'rejected'] }), [2, 5]);
  assert.deepEqual(q({ dataSources: ['vstar', 'not-there'] }), [2]);
  assert.deepEqual(q({ minTurns: 2, maxTurns: 5 }), [1, 4]);
  assert.deepEqual(q({ minTurns: 2, text: 'a-second' }), [5], 'filters combine');

  const { counts } = index.query(all({ filter: { correct: [false] } }));
  assert.equal(counts.total, 5);
  assert.equal(counts.matching, 2);
  assert.deepEqual(counts.byStatus, { valid: 1, invalid_format: 0, invalid_clip: 0, over_turn: 1, void: 0, unchecked: 0, broken: 0 });
  assert.equal(counts.withAnswerKey, 2);
  assert.equal(counts.correct, 0);
});

test('sort is stable (ties by line); missing values last in both directions; offset and limit page the result', () => {
  const index = sampleIndex();
  const s = (key: RowQuery['sort']['key'], descending = false) => lines(index.query(all({ sort: { key, descending } })).rows);
  assert.deepEqual(s('line', true), [5, 4, 3, 2, 1]);
  assert.deepEqual(s('id'), [2, 5, 1, 4, 3], 'broken line last');
  assert.deepEqual(s('id', true), [4, 1, 5, 2, 3], 'broken line still last');
  assert.deepEqual(s('turns'), [2, 1, 4, 5, 3]);
  assert.deepEqual(s('status'), [1, 2, 5, 4, 3], 'label order, then unchecked, then broken');
  assert.deepEqual(s('status', true), [3, 4, 5, 2, 1]);
  assert.deepEqual(s('correct'), [1, 5, 2, 3, 4], 'false, true, then no answer key and broken (by line)');
  assert.deepEqual(s('review'), [1, 4, 2, 5, 3], 'ties keep file order');
  assert.deepEqual(s('dataSource'), [1, 5, 2, 3, 4], 'no data source and broken last, by line');
  const page = index.query(all({ sort: { key: 'id', descending: false }, offset: 1, limit: 2 }));
  assert.deepEqual(lines(page.rows), [5, 1]);
  assert.equal(page.counts.matching, 5, 'counts cover every match, not just the page');
});

test('a row that changes (live update) updates totals and cached sort orders', () => {
  const index = sampleIndex();
  assert.deepEqual(lines(index.query(all({ sort: { key: 'turns', descending: false } })).rows), [2, 1, 4, 5, 3]);
  index.setSummary(summary(2, { id: 'a-second', status: 'valid', turns: 9, correct: true }));
  assert.deepEqual(lines(index.query(all({ sort: { key: 'turns', descending: false } })).rows), [1, 4, 2, 5, 3]);
  index.setSummary(summary(6, { id: 'appended', turns: 0 }));
  assert.deepEqual(lines(index.query(all({ sort: { key: 'turns', descending: false } })).rows), [6, 1, 4, 2, 5, 3], 'appended rows merge into the cached order');
  const totals = index.totals();
  assert.equal(totals.total, 6);
  assert.equal(totals.byStatus.valid, 3);
  assert.equal(totals.byStatus.invalid_format, 0);
  assert.deepEqual(totals, index.query(all()).counts);
  assert.deepEqual(index.linesOfTask('task-1'), [1, 2]);
});

const STATUSES: (StatusLabel | null)[] = ['valid', 'valid', 'invalid_format', 'invalid_clip', 'over_turn', 'void', null];

function bigIndex(n: number): RowIndex {
  const index = new RowIndex();
  for (let line = 1; line <= n; line++) {
    if (line % 97 === 0) {
      index.setBroken(line, `big.traj.jsonl:${line}: invalid JSON`, '{"id": ');
      continue;
    }
    index.setSummary(summary(line, {
      id: `rollout-${(line * 7919) % n}`,
      taskId: `task-${line % 1000}`,
      question: `<image>\nQuestion number ${line % 1000} about sign ${line % 13}`,
      status: STATUSES[line % STATUSES.length]!,
      turns: line % 13,
      correct: line % 5 === 0 ? null : line % 3 === 0,
      dataSource: `source-${line % 4}`,
      answer: `A${line % 31}`,
    }));
  }
  return index;
}

test('10k rows: filtered, sorted queries answer quickly (timing reported)', () => {
  const index = bigIndex(10_000);
  const queries: RowQuery[] = [
    all({ limit: 100 }),
    all({ filter: { text: 'sign 7' }, sort: { key: 'id', descending: false }, limit: 100 }),
    all({ filter: { statuses: ['valid', 'broken'], minTurns: 2 }, sort: { key: 'turns', descending: true }, offset: 500, limit: 100 }),
    all({ filter: { correct: [true] }, sort: { key: 'dataSource', descending: false }, limit: 100 }),
  ];
  const times: number[] = [];
  for (const q of queries) {
    const start = performance.now();
    const result = index.query(q);
    times.push(performance.now() - start);
    assert.ok(result.rows.length > 0);
  }
  const text = index.query(queries[1]!);
  for (const row of text.rows) assert.ok(!row.broken && row.question.includes('sign 7'));
  const ids = text.rows.map((r) => (r.broken ? '' : r.id));
  assert.deepEqual(ids, [...ids].sort());
  console.log(`10k-row queries (cold sort caches): ${times.map((t) => t.toFixed(1)).join(', ')} ms`);
  assert.ok(Math.max(...times) < 500, `queries took ${times.join(', ')} ms`);
});

function record(line: number): TrajectoryRecord {
  if (line % 10 === 0) {
    const text = 'not json';
    const finding = { severity: 'error' as const, file: '/data/x.traj.jsonl', line, field: '', message: 'invalid JSON: Unexpected token' };
    return { line, ok: false, text, bytes: Buffer.from(text), finding, findings: [finding], blank: false };
  }
  const trajectory: Trajectory = { id: `t${line}`, task: { id: `task${line}`, question: 'q', images: ['x.png'] }, turns: [] };
  return { line, ok: true, trajectory, raw: { ...trajectory }, bytes: Buffer.from('{}') } satisfies ValidRecord;
}

test('progressive indexing: rows are queryable while indexing goes on, in file order, broken lines included', async () => {
  const index = new RowIndex();
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const source = {
    async *records() {
      for (let line = 1; line <= 300; line++) {
        if (line === 201) await gate;
        yield record(line);
      }
    },
  };
  let progressCalls = 0;
  const done = indexRows(source, index, {
    displayName: 'x.traj.jsonl',
    batchSize: 50,
    // Batches by count only, so the gate falls on a batch boundary however busy the machine is.
    sliceMs: Number.POSITIVE_INFINITY,
    summarize: async (r) => summary(r.line, { id: r.trajectory.id }),
    onProgress: () => progressCalls++,
  });
  while (index.size < 200) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(index.size, 200, 'everything before the gate, nothing after');
  const partial = index.query(all({ limit: 5 }));
  assert.deepEqual(lines(partial.rows), [1, 2, 3, 4, 5]);
  assert.equal(partial.counts.total, 200);
  assert.equal(partial.counts.byStatus.broken, 20);
  const broken = index.get(10);
  assert.ok(broken?.broken);
  assert.equal(broken.message, 'x.traj.jsonl:10: invalid JSON: Unexpected token');
  release();
  await done;
  assert.equal(index.size, 300);
  assert.ok(progressCalls >= 6, `progress after every batch (${progressCalls})`);
});

test('a summary that throws becomes a broken row that says why; abort stops indexing', async () => {
  const index = new RowIndex();
  const source = { async *records() { for (let line = 1; line <= 5; line++) yield record(line); } };
  await indexRows(source, index, {
    displayName: 'x.traj.jsonl',
    summarize: async (r) => {
      if (r.line === 2) throw new Error('replay exploded');
      return summary(r.line);
    },
  });
  const row = index.get(2);
  assert.ok(row?.broken);
  assert.equal(row.message, 'x.traj.jsonl:2: could not analyze the trajectory: replay exploded');

  const stopped = new RowIndex();
  const controller = new AbortController();
  controller.abort();
  await indexRows(source, stopped, { displayName: 'x', signal: controller.signal, summarize: async (r) => summary(r.line) });
  assert.equal(stopped.size, 0);
});
