import type { Row, RowCounts, RowFilter, RowQuery, RowSummary } from '../../protocol';
import type { TrajectorySummary } from '../analysis/analyze-record';
import { REVIEW_STATUSES, type StatusLabel } from '../trajectory/schema';
import { CorrectCode, RowColumns, RowKind, STATUS_NAMES } from './row-columns';
import { compileFilter, type RowPredicate } from './row-filter';
import { mergeSorted, rowComparator } from './row-sort';

export interface RowQueryResult {
  rows: Row[];
  counts: RowCounts;
}

/** What the charts need from one row. */
export interface ChartInput {
  broken: boolean;
  status: StatusLabel | null;
  turns: number;
  correct: boolean | null;
  maxTurns: number;
}

export const PREVIEW_CHARS = 200;

/** The last query's matches, so scrolling (same filter and sort, new offset) costs only the page. */
interface QueryCache {
  key: string;
  version: number;
  matches: Int32Array;
  counts: RowCounts;
}

interface SortCache {
  order: Int32Array;
  /** `mutations` when the order was made; any overwrite since invalidates it. */
  mutations: number;
  /** Rows below this were considered; rows set at or above it since are merged in. */
  coveredLength: number;
}

/**
 * Summaries of every line of a trajectory file, for the list: filter, stable sort, paging and
 * live counts. Rows arrive progressively (in file order while indexing, any order for live
 * updates); queries answer over the rows present so far.
 */
export class RowIndex {
  private readonly c = new RowColumns();
  private rowCount = 0;
  private readonly statusTotals = new Array<number>(STATUS_NAMES.length).fill(0);
  private readonly reviewTotals = new Array<number>(REVIEW_STATUSES.length).fill(0);
  private correctTotal = 0;
  private answerKeyTotal = 0;
  /** Counts overwrites and out-of-order inserts, which invalidate cached sort orders. */
  private mutations = 0;
  private readonly sortCaches = new Map<string, SortCache>();
  /** Bumped by every row set; cached query results are valid for one version. */
  private version = 0;
  private lastQuery: QueryCache | null = null;

  /** Rows summarized so far (trajectories and broken lines). */
  get size(): number {
    return this.rowCount;
  }

  /** One past the highest line that has a row. */
  get lineCount(): number {
    return this.c.length;
  }

  setSummary(summary: TrajectorySummary): void {
    const i = this.prepare(summary.line);
    this.c.setSummary(i, summary);
    this.count(i, 1);
  }

  /** A line that holds no trajectory: `message` is `file:line: reason`; `text` is cut to the preview. */
  setBroken(line: number, message: string, text: string): void {
    const i = this.prepare(line);
    this.c.setBroken(i, message, text.length > PREVIEW_CHARS ? text.slice(0, PREVIEW_CHARS) : text);
    this.count(i, 1);
  }

  has(line: number): boolean {
    const i = line - 1;
    return i >= 0 && i < this.c.length && this.c.kind[i] !== RowKind.Empty;
  }

  get(line: number): Row | undefined {
    return this.has(line) ? this.rowAt(line - 1) : undefined;
  }

  /** Lines of every trajectory of a task, in file order. */
  linesOfTask(taskId: string): number[] {
    const ref = this.c.tasks.find(taskId);
    const lines: number[] = [];
    if (ref < 0) return lines;
    for (let i = 0; i < this.c.length; i++) {
      if (this.c.kind[i] === RowKind.Summary && this.c.task[i] === ref) lines.push(i + 1);
    }
    return lines;
  }

  /** Counts over every row, kept up to date as rows arrive (cheap: no scan). */
  totals(): RowCounts {
    return {
      total: this.rowCount,
      matching: this.rowCount,
      byStatus: Object.fromEntries(STATUS_NAMES.map((name, code) => [name, this.statusTotals[code]!])),
      byReview: Object.fromEntries(REVIEW_STATUSES.map((name, code) => [name, this.reviewTotals[code]!])),
      correct: this.correctTotal,
      withAnswerKey: this.answerKeyTotal,
      dataSources: this.dataSources(),
    };
  }

  query(q: RowQuery): RowQueryResult {
    const offset = Math.max(0, Math.floor(q.offset));
    const limit = Math.max(0, Math.floor(q.limit));
    const key = JSON.stringify([q.filter, q.sort.key, q.sort.descending]);
    let cached = this.lastQuery;
    if (!cached || cached.key !== key || cached.version !== this.version) {
      cached = { key, version: this.version, ...this.scan(q) };
      this.lastQuery = cached;
    }
    const rows: Row[] = [];
    for (const i of cached.matches.subarray(offset, offset + limit)) rows.push(this.rowAt(i));
    return { rows, counts: cached.counts };
  }

  /** Every matching row in order, with the counts over them. */
  private scan(q: RowQuery): { matches: Int32Array; counts: RowCounts } {
    const c = this.c;
    const matches = compileFilter(c, q.filter);
    const byStatus = new Array<number>(STATUS_NAMES.length).fill(0);
    const byReview = new Array<number>(REVIEW_STATUSES.length).fill(0);
    let matching = 0;
    let correct = 0;
    let withAnswerKey = 0;
    const found = new Int32Array(this.rowCount);
    const visit = (i: number): void => {
      if (c.kind[i] === RowKind.Empty || (matches && !matches(i))) return;
      found[matching++] = i;
      byStatus[c.status[i]!]!++;
      if (c.kind[i] !== RowKind.Summary) return;
      byReview[c.review[i]!]!++;
      const code = c.correct[i];
      if (code !== CorrectCode.Unknown) withAnswerKey++;
      if (code === CorrectCode.True) correct++;
    };
    if (q.sort.key === 'line') {
      if (q.sort.descending) for (let i = c.length - 1; i >= 0; i--) visit(i);
      else for (let i = 0; i < c.length; i++) visit(i);
    } else {
      for (const i of this.sortedOrder(q.sort.key, q.sort.descending)) visit(i);
    }
    return {
      matches: found.subarray(0, matching),
      counts: {
        total: this.rowCount,
        matching,
        byStatus: Object.fromEntries(STATUS_NAMES.map((name, code) => [name, byStatus[code]!])),
        byReview: Object.fromEntries(REVIEW_STATUSES.map((name, code) => [name, byReview[code]!])),
        correct,
        withAnswerKey,
        dataSources: this.dataSources(),
      },
    };
  }

  /** The chart inputs of every row matching the filter, in file order. */
  *chartInputs(filter: RowFilter): Generator<ChartInput> {
    const c = this.c;
    const matches: RowPredicate = compileFilter(c, filter);
    for (let i = 0; i < c.length; i++) {
      const kind = c.kind[i];
      if (kind === RowKind.Empty || (matches && !matches(i))) continue;
      if (kind === RowKind.Broken) {
        yield { broken: true, status: null, turns: 0, correct: null, maxTurns: 0 };
        continue;
      }
      yield { broken: false, status: c.statusLabel(i), turns: c.turns[i]!, correct: c.correctValue(i), maxTurns: c.maxTurns[i]! };
    }
  }

  private rowAt(i: number): Row {
    const c = this.c;
    if (c.kind[i] === RowKind.Broken) {
      const b = c.broken.get(i)!;
      return { line: i + 1, broken: true, message: b.message, preview: b.preview };
    }
    const row: RowSummary = {
      line: i + 1,
      id: c.ids[i]!,
      taskId: c.tasks.values[c.task[i]!]!,
      question: c.questions.values[c.question[i]!]!,
      dataSource: c.dataSource(i),
      status: c.statusLabel(i),
      turns: c.turns[i]!,
      correct: c.correctValue(i),
      reviewStatus: c.reviewStatus(i),
      answer: c.answers[i]!,
      broken: false,
    };
    return row;
  }

  private dataSources(): string[] {
    return [...this.c.sources.values].sort();
  }

  /** Takes the old row (if any) out of the totals; returns the row number. */
  private prepare(line: number): number {
    if (!Number.isSafeInteger(line) || line < 1) throw new RangeError(`row line must be a whole number >= 1, got ${line}`);
    const i = line - 1;
    this.version++;
    if (i < this.c.length && this.c.kind[i] !== RowKind.Empty) {
      this.count(i, -1);
      this.mutations++;
    } else if (i < this.c.length) {
      // Filling a gap below rows already sorted: cached orders cannot just merge it in.
      this.mutations++;
    }
    return i;
  }

  private count(i: number, delta: 1 | -1): void {
    const c = this.c;
    this.rowCount += delta;
    this.statusTotals[c.status[i]!]! += delta;
    if (c.kind[i] !== RowKind.Summary) return;
    this.reviewTotals[c.review[i]!]! += delta;
    if (c.correct[i] !== CorrectCode.Unknown) this.answerKeyTotal += delta;
    if (c.correct[i] === CorrectCode.True) this.correctTotal += delta;
  }

  /** Every present row ordered by the key; cached, and extended by merging while rows are appended. */
  private sortedOrder(key: Exclude<RowQuery['sort']['key'], 'line'>, descending: boolean): Int32Array {
    const c = this.c;
    const compare = rowComparator(c, key, descending);
    const name = `${key}:${descending}`;
    const cached = this.sortCaches.get(name);
    const from = cached && cached.mutations === this.mutations ? cached.coveredLength : 0;
    const added: number[] = [];
    for (let i = from; i < c.length; i++) if (c.kind[i] !== RowKind.Empty) added.push(i);
    const fresh = Int32Array.from(added).sort(compare);
    const order = from > 0 && cached ? mergeSorted(cached.order, fresh, compare) : fresh;
    this.sortCaches.set(name, { order, mutations: this.mutations, coveredLength: c.length });
    return order;
  }
}
