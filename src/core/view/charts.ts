import type { DatasetChartsView } from '../../protocol';
import { STATUS_NAMES } from './row-columns';
import type { ChartInput } from './row-index';

interface Cell {
  total: number;
  correct: number;
}

/**
 * The dataset charts from row summaries: how many turns trajectories take, accuracy by turns
 * (over trajectories with an answer key), a status breakdown (every status, zeros included,
 * broken lines and unchecked ones too), and accuracy by max-turn limit when the file mixes
 * runs with different limits (test-time scaling); empty otherwise.
 */
export function buildCharts(rows: Iterable<ChartInput>): DatasetChartsView {
  const turns = new Map<number, number>();
  const byTurns = new Map<number, Cell>();
  const byMaxTurns = new Map<number, Cell>();
  const statuses = new Map<string, number>(STATUS_NAMES.map((name) => [name, 0]));
  const limits = new Set<number>();
  for (const row of rows) {
    const status = row.broken ? 'broken' : (row.status ?? 'unchecked');
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    if (row.broken) continue;
    turns.set(row.turns, (turns.get(row.turns) ?? 0) + 1);
    limits.add(row.maxTurns);
    if (row.correct === null) continue;
    add(cell(byTurns, row.turns), row.correct);
    add(cell(byMaxTurns, row.maxTurns), row.correct);
  }
  const numeric = (a: number, b: number) => a - b;
  return {
    turnsHistogram: [...turns.keys()].sort(numeric).map((t) => ({ turns: t, count: turns.get(t)! })),
    accuracyByTurns: [...byTurns.keys()].sort(numeric).map((t) => ({ turns: t, ...byTurns.get(t)! })),
    statusBreakdown: [...statuses].map(([status, count]) => ({ status, count })),
    accuracyByMaxTurns: limits.size > 1 ? [...byMaxTurns.keys()].sort(numeric).map((m) => ({ maxTurns: m, ...byMaxTurns.get(m)! })) : [],
  };
}

function cell(map: Map<number, Cell>, key: number): Cell {
  let c = map.get(key);
  if (!c) {
    c = { total: 0, correct: 0 };
    map.set(key, c);
  }
  return c;
}

function add(c: Cell, correct: boolean): void {
  c.total++;
  if (correct) c.correct++;
}
