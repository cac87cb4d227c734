import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCharts } from '../../../src/core/view/charts';
import type { ChartInput } from '../../../src/core/view/row-index';

const row = (turns: number, correct: boolean | null, status: ChartInput['status'] = 'valid', maxTurns = 12): ChartInput => ({ broken: false, status, turns, correct, maxTurns });
const broken: ChartInput = { broken: true, status: null, turns: 0, correct: null, maxTurns: 0 };

test('charts: turns histogram, accuracy by turns over answer keys, every status counted, broken lines apart', () => {
  const charts = buildCharts([row(2, true), row(2, false), row(3, true), row(5, null, 'void'), row(2, true, null), broken]);
  assert.deepEqual(charts.turnsHistogram, [{ turns: 2, count: 3 }, { turns: 3, count: 1 }, { turns: 5, count: 1 }]);
  assert.deepEqual(charts.accuracyByTurns, [{ turns: 2, total: 3, correct: 2 }, { turns: 3, total: 1, correct: 1 }]);
  assert.deepEqual(charts.statusBreakdown, [
    { status: 'valid', count: 3 }, { status: 'invalid_format', count: 0 }, { status: 'invalid_clip', count: 0 },
    { status: 'over_turn', count: 0 }, { status: 'void', count: 1 }, { status: 'unchecked', count: 1 }, { status: 'broken', count: 1 },
  ]);
  assert.deepEqual(charts.accuracyByMaxTurns, [], 'one limit: no test-time-scaling chart');
});

test('charts: accuracy by max-turn limit when the file mixes limits', () => {
  const charts = buildCharts([row(2, true, 'valid', 4), row(4, false, 'over_turn', 4), row(6, true, 'valid', 12), row(3, null, 'valid', 8)]);
  assert.deepEqual(charts.accuracyByMaxTurns, [{ maxTurns: 4, total: 2, correct: 1 }, { maxTurns: 12, total: 1, correct: 1 }]);
  assert.deepEqual(buildCharts([]), { turnsHistogram: [], accuracyByTurns: [], statusBreakdown: buildCharts([]).statusBreakdown, accuracyByMaxTurns: [] });
  assert.ok(buildCharts([]).statusBreakdown.every((s) => s.count === 0));
});
