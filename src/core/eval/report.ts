import type { EvalMetrics, GroupMetrics } from './metrics';

export interface ReportContext {
  /** Shown in the title: `exact` or `llm:<model>`. */
  judge?: string;
  runKey?: string;
}

const pct = (value: number | null) => (value === null ? '–' : `${(100 * value).toFixed(1)}%`);

function table(header: string[], rows: string[][], leftColumns = 1): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const cell = (text: string, i: number) => (i < leftColumns ? text.padEnd(widths[i] ?? 0) : text.padStart(widths[i] ?? 0));
  return [header, ...rows].map((r) => `  ${r.map(cell).join('  ')}`.trimEnd());
}

function kText(g: GroupMetrics): string {
  return g.kMin === g.kMax ? `k = ${g.kMax}` : `k = ${g.kMin}..${g.kMax}`;
}

/** The eval report as plain text: Avg@k per data source and max-turn limit, then rates per limit. */
export function formatEvalReport(metrics: EvalMetrics, context: ReportContext = {}): string {
  const { overall } = metrics;
  const limits = [...metrics.byMaxTurns.keys()];
  const lines: string[] = [];
  const judge = context.judge ? `; judge: ${context.judge}` : '';
  const run = context.runKey ? ` (run ${context.runKey})` : '';
  lines.push(`Avg@k by data source and max-turn limit, ${kText(overall)} rollouts per task${judge}${run}`);
  const header = ['data source', 'trajectories', ...limits.map((m) => `max ${m}`), ...(limits.length > 1 ? ['all limits'] : [])];
  const row = (name: string, all: GroupMetrics, perLimit: Map<number, GroupMetrics> | undefined) => [
    name,
    String(all.trajectories),
    ...limits.map((m) => pct(perLimit?.get(m)?.avgAtK ?? null)),
    ...(limits.length > 1 ? [pct(all.avgAtK)] : []),
  ];
  const rows = [...metrics.bySource].map(([source, g]) => row(source, g, metrics.bySourceAndMaxTurns.get(source)));
  if (metrics.bySource.size > 1) rows.push(row('all sources', overall, metrics.byMaxTurns));
  lines.push(...table(header, rows));

  lines.push('', 'by max-turn limit');
  const limitHeader = ['max turns', 'trajectories', 'accuracy', 'Avg@k', 'over-turn', 'void', 'invalid', 'error', 'mean turns', 'judge-failed'];
  const limitRow = (name: string, g: GroupMetrics) => [
    name,
    String(g.trajectories),
    pct(g.accuracy),
    pct(g.avgAtK),
    pct(g.overTurnRate),
    pct(g.voidRate),
    pct(g.invalidRate),
    pct(g.errorRate),
    g.meanTurns.toFixed(2),
    String(g.judgeFailed),
  ];
  const limitRows = [...metrics.byMaxTurns].map(([m, g]) => limitRow(String(m), g));
  if (metrics.byMaxTurns.size > 1) limitRows.push(limitRow('all', overall));
  lines.push(...table(limitHeader, limitRows));

  lines.push('', `accuracy ${pct(overall.accuracy)} (${overall.correct}/${overall.judged} judged of ${overall.trajectories} trajectories)`);
  if (overall.judgeFailed > 0) lines.push(`${overall.judgeFailed} trajectories could not be judged (judge failed); they count in no accuracy`);
  if (overall.noGroundTruth > 0) lines.push(`${overall.noGroundTruth} trajectories have no ground-truth answer; they count in no accuracy`);
  return lines.join('\n');
}
