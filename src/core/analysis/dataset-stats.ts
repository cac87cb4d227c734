import type { ReviewStatus, StatusLabel } from '../trajectory/schema';
import { REVIEW_STATUSES, STATUS_LABELS } from '../trajectory/schema';
import type { TrajectorySummary } from './analyze-record';

export interface AccuracyCell {
  total: number;
  correct: number;
}

export interface DatasetStats {
  trajectories: number;
  brokenLines: number;
  byStatus: Record<StatusLabel | 'unchecked', number>;
  byReview: Record<ReviewStatus, number>;
  /** turns used -> trajectories */
  turnsHistogram: Map<number, number>;
  /** Over trajectories whose task has a ground-truth answer. */
  accuracy: AccuracyCell;
  accuracyByTurns: Map<number, AccuracyCell>;
  accuracyBySource: Map<string, AccuracyCell>;
  accuracyByMaxTurns: Map<number, AccuracyCell>;
  synthetic: number;
}

export function emptyStats(): DatasetStats {
  return {
    trajectories: 0,
    brokenLines: 0,
    byStatus: Object.fromEntries([...STATUS_LABELS, 'unchecked'].map((s) => [s, 0])) as DatasetStats['byStatus'],
    byReview: Object.fromEntries(REVIEW_STATUSES.map((s) => [s, 0])) as DatasetStats['byReview'],
    turnsHistogram: new Map(),
    accuracy: { total: 0, correct: 0 },
    accuracyByTurns: new Map(),
    accuracyBySource: new Map(),
    accuracyByMaxTurns: new Map(),
    synthetic: 0,
  };
}

export function addToStats(stats: DatasetStats, s: TrajectorySummary): void {
  stats.trajectories++;
  stats.byStatus[s.status ?? 'unchecked']++;
  stats.byReview[s.reviewStatus]++;
  stats.turnsHistogram.set(s.turns, (stats.turnsHistogram.get(s.turns) ?? 0) + 1);
  if (s.synthetic) stats.synthetic++;
  if (s.correct === null) return;
  bump(stats.accuracy, s.correct);
  bump(cell(stats.accuracyByTurns, s.turns), s.correct);
  bump(cell(stats.accuracyBySource, s.dataSource ?? '(none)'), s.correct);
  bump(cell(stats.accuracyByMaxTurns, s.maxTurns), s.correct);
}

function cell<K>(map: Map<K, AccuracyCell>, key: K): AccuracyCell {
  let c = map.get(key);
  if (!c) {
    c = { total: 0, correct: 0 };
    map.set(key, c);
  }
  return c;
}

function bump(c: AccuracyCell, correct: boolean): void {
  c.total++;
  if (correct) c.correct++;
}

export function percent(c: AccuracyCell): string {
  return c.total === 0 ? '–' : `${((100 * c.correct) / c.total).toFixed(1)}%`;
}

/** A plain-text report for the terminal. */
export function formatStats(stats: DatasetStats): string {
  const lines: string[] = [];
  lines.push(`trajectories: ${stats.trajectories}${stats.synthetic ? ` (${stats.synthetic} synthetic demonstrations)` : ''}`);
  if (stats.brokenLines) lines.push(`broken lines: ${stats.brokenLines}`);
  lines.push('', 'status');
  for (const [k, v] of Object.entries(stats.byStatus)) if (v || k !== 'unchecked') lines.push(`  ${k.padEnd(15)} ${String(v).padStart(7)}`);
  lines.push('', 'review');
  for (const [k, v] of Object.entries(stats.byReview)) lines.push(`  ${k.padEnd(15)} ${String(v).padStart(7)}`);
  lines.push('', 'turns used');
  const maxCount = Math.max(1, ...stats.turnsHistogram.values());
  for (const [turns, n] of [...stats.turnsHistogram].sort((a, b) => a[0] - b[0])) {
    const bar = '█'.repeat(Math.max(1, Math.round((30 * n) / maxCount)));
    const acc = stats.accuracyByTurns.get(turns);
    lines.push(`  ${String(turns).padStart(3)} ${String(n).padStart(7)} ${bar}${acc ? `  acc ${percent(acc)}` : ''}`);
  }
  lines.push('', `accuracy: ${percent(stats.accuracy)} (${stats.accuracy.correct}/${stats.accuracy.total} with a ground truth)`);
  if (stats.accuracyBySource.size > 1 || stats.accuracyBySource.has('(none)') === false) {
    for (const [src, c] of [...stats.accuracyBySource].sort()) lines.push(`  ${src.padEnd(24)} ${percent(c).padStart(7)}  (${c.correct}/${c.total})`);
  }
  if (stats.accuracyByMaxTurns.size > 1) {
    lines.push('', 'accuracy by max-turn limit');
    for (const [m, c] of [...stats.accuracyByMaxTurns].sort((a, b) => a[0] - b[0])) lines.push(`  ${String(m).padStart(3)} ${percent(c).padStart(7)}  (${c.correct}/${c.total})`);
  }
  return lines.join('\n');
}

/** JSON-friendly form (Maps become objects). */
export function statsToJson(stats: DatasetStats): Record<string, unknown> {
  const obj = <K>(m: Map<K, unknown>) => Object.fromEntries([...m].map(([k, v]) => [String(k), v]));
  return {
    ...stats,
    turnsHistogram: obj(stats.turnsHistogram),
    accuracyByTurns: obj(stats.accuracyByTurns),
    accuracyBySource: obj(stats.accuracyBySource),
    accuracyByMaxTurns: obj(stats.accuracyByMaxTurns),
  };
}
