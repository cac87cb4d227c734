import type { DatasetChartsView, Row, RowCounts, RowFilter, RowQuery, SortKey } from '../../../src/protocol';

export interface RowEntry {
  row: Row;
  /** The trajectory's max-turn limit (null for broken lines). */
  maxTurns: number | null;
}

function statusKey(row: Row): string {
  if (row.broken) return 'broken';
  return row.status ?? 'unchecked';
}

function matches(entry: RowEntry, filter: RowFilter): boolean {
  const row = entry.row;
  if (filter.statuses?.length && !filter.statuses.includes(statusKey(row) as never)) return false;
  if (filter.text) {
    const needle = filter.text.toLowerCase();
    const hay = row.broken ? `${row.message}\n${row.preview}` : `${row.id}\n${row.taskId}\n${row.question}\n${row.answer ?? ''}`;
    if (!hay.toLowerCase().includes(needle)) return false;
  }
  const otherFilters = filter.correct?.length || filter.reviewStatuses?.length || filter.dataSources?.length || filter.minTurns !== undefined || filter.maxTurns !== undefined;
  if (row.broken) return !otherFilters;
  if (filter.correct?.length && !filter.correct.includes(row.correct)) return false;
  if (filter.reviewStatuses?.length && !filter.reviewStatuses.includes(row.reviewStatus)) return false;
  if (filter.dataSources?.length && (row.dataSource === null || !filter.dataSources.includes(row.dataSource))) return false;
  if (filter.minTurns !== undefined && row.turns < filter.minTurns) return false;
  if (filter.maxTurns !== undefined && row.turns > filter.maxTurns) return false;
  return true;
}

function sortValue(row: Row, key: SortKey): string | number {
  if (key === 'line') return row.line;
  if (row.broken) return key === 'turns' ? -1 : '\uffff';
  switch (key) {
    case 'id':
      return row.id;
    case 'status':
      return statusKey(row);
    case 'turns':
      return row.turns;
    case 'correct':
      return row.correct === null ? 0 : row.correct ? 2 : 1;
    case 'review':
      return row.reviewStatus;
    case 'dataSource':
      return row.dataSource ?? '\uffff';
  }
}

/** Filters and sorts rows as a host would; the last answer is cached by query. */
export class RowQueryEngine {
  private cacheKey = '';
  private cached: RowEntry[] = [];

  constructor(private readonly entries: () => RowEntry[]) {}

  invalidate(): void {
    this.cacheKey = '';
  }

  matching(filter: RowFilter, sort: RowQuery['sort'] = { key: 'line', descending: false }): RowEntry[] {
    const key = JSON.stringify([filter, sort]);
    if (key === this.cacheKey) return this.cached;
    const out = this.entries().filter((e) => matches(e, filter));
    const dir = sort.descending ? -1 : 1;
    out.sort((a, b) => {
      const x = sortValue(a.row, sort.key);
      const y = sortValue(b.row, sort.key);
      return (x < y ? -1 : x > y ? 1 : 0) * dir || a.row.line - b.row.line;
    });
    this.cacheKey = key;
    this.cached = out;
    return out;
  }

  query(q: RowQuery): { rows: Row[]; counts: RowCounts; indexing: boolean } {
    const matching = this.matching(q.filter, q.sort);
    const counts: RowCounts = { total: this.entries().length, matching: matching.length, byStatus: {}, byReview: {}, correct: 0, withAnswerKey: 0, dataSources: [] };
    for (const { row } of matching) {
      counts.byStatus[statusKey(row)] = (counts.byStatus[statusKey(row)] ?? 0) + 1;
      if (row.broken) continue;
      counts.byReview[row.reviewStatus] = (counts.byReview[row.reviewStatus] ?? 0) + 1;
      if (row.correct !== null) counts.withAnswerKey++;
      if (row.correct === true) counts.correct++;
    }
    const sources = new Set<string>();
    for (const { row } of this.entries()) if (!row.broken && row.dataSource !== null) sources.add(row.dataSource);
    counts.dataSources = [...sources].sort();
    return { rows: matching.slice(q.offset, q.offset + q.limit).map((e) => e.row), counts, indexing: false };
  }

  charts(filter: RowFilter): DatasetChartsView {
    const turns = new Map<number, number>();
    const accuracy = new Map<number, { total: number; correct: number }>();
    const statuses = new Map<string, number>();
    const byLimit = new Map<number, { total: number; correct: number }>();
    for (const { row, maxTurns } of this.matching(filter)) {
      statuses.set(statusKey(row), (statuses.get(statusKey(row)) ?? 0) + 1);
      if (row.broken) continue;
      turns.set(row.turns, (turns.get(row.turns) ?? 0) + 1);
      if (row.correct === null) continue;
      const a = accuracy.get(row.turns) ?? { total: 0, correct: 0 };
      a.total++;
      if (row.correct) a.correct++;
      accuracy.set(row.turns, a);
      if (maxTurns !== null) {
        const l = byLimit.get(maxTurns) ?? { total: 0, correct: 0 };
        l.total++;
        if (row.correct) l.correct++;
        byLimit.set(maxTurns, l);
      }
    }
    const sorted = <T>(m: Map<number, T>) => [...m.entries()].sort((a, b) => a[0] - b[0]);
    return {
      turnsHistogram: sorted(turns).map(([t, count]) => ({ turns: t, count })),
      accuracyByTurns: sorted(accuracy).map(([t, a]) => ({ turns: t, ...a })),
      statusBreakdown: [...statuses.entries()].map(([status, count]) => ({ status, count })),
      accuracyByMaxTurns: byLimit.size > 1 ? sorted(byLimit).map(([maxTurns, a]) => ({ maxTurns, ...a })) : [],
    };
  }
}
