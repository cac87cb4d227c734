import type { EvalSample } from './eval-sample';

/** Figures for one slice of an eval run (a data source, a max-turn limit, both, or all). */
export interface GroupMetrics {
  trajectories: number;
  /** Distinct (task, max-turn limit) pairs. */
  tasks: number;
  /** Rollouts per (task, limit): fewest and most (equal in a finished run). */
  kMin: number;
  kMax: number;
  /** Trajectories with a score (judge gave one and the task has a ground truth). */
  judged: number;
  correct: number;
  /** correct / judged, pooled over rollouts; null when nothing was judged. */
  accuracy: number | null;
  /** Avg@k: mean over (task, limit) pairs of the mean score of that pair's judged rollouts. */
  avgAtK: number | null;
  judgeFailed: number;
  noGroundTruth: number;
  /** Shares of all trajectories in the slice. */
  overTurnRate: number;
  voidRate: number;
  /** invalid_format + invalid_clip. */
  invalidRate: number;
  errorRate: number;
  /** Mean assistant turns per trajectory. */
  meanTurns: number;
}

export interface EvalMetrics {
  overall: GroupMetrics;
  bySource: Map<string, GroupMetrics>;
  byMaxTurns: Map<number, GroupMetrics>;
  /** data source -> max-turn limit -> figures. */
  bySourceAndMaxTurns: Map<string, Map<number, GroupMetrics>>;
}

export function groupMetrics(samples: readonly EvalSample[]): GroupMetrics {
  const units = new Map<string, { rollouts: number; judged: number; sum: number }>();
  let judged = 0;
  let correct = 0;
  let judgeFailed = 0;
  let noGroundTruth = 0;
  let overTurn = 0;
  let voided = 0;
  let invalid = 0;
  let errors = 0;
  let turns = 0;
  for (const s of samples) {
    const key = `${s.taskId}\u0000${s.maxTurns}`;
    let unit = units.get(key);
    if (!unit) {
      unit = { rollouts: 0, judged: 0, sum: 0 };
      units.set(key, unit);
    }
    unit.rollouts++;
    if (s.score !== null) {
      judged++;
      correct += s.score;
      unit.judged++;
      unit.sum += s.score;
    }
    if (s.judgeFailed) judgeFailed++;
    if (s.noGroundTruth) noGroundTruth++;
    if (s.status === 'over_turn') overTurn++;
    else if (s.status === 'void') voided++;
    else if (s.status === 'invalid_format' || s.status === 'invalid_clip') invalid++;
    else if (s.status === 'error' || s.status === 'cancelled') errors++;
    turns += s.turns;
  }
  const unitMeans = [...units.values()].filter((u) => u.judged > 0).map((u) => u.sum / u.judged);
  const rollouts = [...units.values()].map((u) => u.rollouts);
  const n = samples.length;
  const share = (count: number) => (n === 0 ? 0 : count / n);
  return {
    trajectories: n,
    tasks: units.size,
    kMin: rollouts.length ? Math.min(...rollouts) : 0,
    kMax: rollouts.length ? Math.max(...rollouts) : 0,
    judged,
    correct,
    accuracy: judged === 0 ? null : correct / judged,
    avgAtK: unitMeans.length === 0 ? null : unitMeans.reduce((a, b) => a + b, 0) / unitMeans.length,
    judgeFailed,
    noGroundTruth,
    overTurnRate: share(overTurn),
    voidRate: share(voided),
    invalidRate: share(invalid),
    errorRate: share(errors),
    meanTurns: n === 0 ? 0 : turns / n,
  };
}

export function computeEvalMetrics(samples: readonly EvalSample[]): EvalMetrics {
  const bySource = groupBy(samples, (s) => s.dataSource);
  const byMaxTurns = groupBy(samples, (s) => s.maxTurns);
  const bySourceAndMaxTurns = new Map<string, Map<number, GroupMetrics>>();
  for (const [source, list] of [...bySource].sort((a, b) => a[0].localeCompare(b[0]))) {
    bySourceAndMaxTurns.set(source, mapValues(sortedByKey(groupBy(list, (s) => s.maxTurns)), groupMetrics));
  }
  return {
    overall: groupMetrics(samples),
    bySource: mapValues(new Map([...bySource].sort((a, b) => a[0].localeCompare(b[0]))), groupMetrics),
    byMaxTurns: mapValues(sortedByKey(byMaxTurns), groupMetrics),
    bySourceAndMaxTurns,
  };
}

function groupBy<K, T>(items: readonly T[], keyOf: (item: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const list = out.get(key);
    if (list) list.push(item);
    else out.set(key, [item]);
  }
  return out;
}

function sortedByKey<T>(map: Map<number, T>): Map<number, T> {
  return new Map([...map].sort((a, b) => a[0] - b[0]));
}

function mapValues<K, A, B>(map: Map<K, A>, fn: (value: A) => B): Map<K, B> {
  return new Map([...map].map(([k, v]) => [k, fn(v)]));
}

/** JSON form: Maps become objects keyed by data source / max-turn limit. */
export function evalMetricsToJson(metrics: EvalMetrics): Record<string, unknown> {
  const obj = <K, V>(m: Map<K, V>, f: (v: V) => unknown = (v) => v) => Object.fromEntries([...m].map(([k, v]) => [String(k), f(v)]));
  return {
    overall: metrics.overall,
    by_source: obj(metrics.bySource),
    by_max_turns: obj(metrics.byMaxTurns),
    by_source_and_max_turns: obj(metrics.bySourceAndMaxTurns, (inner) => obj(inner)),
  };
}
