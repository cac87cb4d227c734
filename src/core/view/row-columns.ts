import type { TrajectorySummary } from '../analysis/analyze-record';
import { REVIEW_STATUSES, STATUS_LABELS, type ReviewStatus, type StatusLabel } from '../trajectory/schema';
import { StringTable, lowerCase } from './string-table';

/** Status codes: the five labels, then 'unchecked' (image size unknown), then 'broken' (no trajectory). */
export const STATUS_NAMES = [...STATUS_LABELS, 'unchecked', 'broken'] as const;
export type StatusName = (typeof STATUS_NAMES)[number];
export const UNCHECKED_CODE = STATUS_LABELS.length;
export const BROKEN_CODE = STATUS_LABELS.length + 1;

/** What a row holds: nothing yet (not summarized), a trajectory summary, or a broken line. */
export const RowKind = { Empty: 0, Summary: 1, Broken: 2 } as const;

/** `correct` as a byte: false, true, or unknown (no answer key). */
export const CorrectCode = { False: 0, True: 1, Unknown: 2 } as const;

export interface BrokenText {
  /** `file:line: reason`. */
  message: string;
  /** First 200 characters of the line. */
  preview: string;
  lowerText: string;
}

const INITIAL_CAPACITY = 1024;

/**
 * Column storage for one row per line (row i = line i + 1). Numbers live in typed arrays and
 * repeated strings in interned tables, so 100k rows cost a few megabytes beyond their ids and
 * questions. Every array is replaced when it grows: read them through this object each time.
 */
export class RowColumns {
  capacity = 0;
  /** One past the highest row that was ever set. */
  length = 0;
  kind = new Uint8Array(0);
  status = new Uint8Array(0);
  review = new Uint8Array(0);
  correct = new Uint8Array(0);
  synthetic = new Uint8Array(0);
  turns = new Int32Array(0);
  maxTurns = new Int32Array(0);
  task = new Int32Array(0);
  question = new Int32Array(0);
  /** -1 when the task has no data source. */
  source = new Int32Array(0);
  ids: string[] = [];
  idsLower: string[] = [];
  answers: (string | null)[] = [];
  answersLower: (string | null)[] = [];
  readonly tasks = new StringTable();
  readonly questions = new StringTable();
  readonly sources = new StringTable();
  readonly broken = new Map<number, BrokenText>();

  ensure(rows: number): void {
    if (rows <= this.capacity) return;
    let capacity = Math.max(this.capacity, INITIAL_CAPACITY);
    while (capacity < rows) capacity *= 2;
    this.kind = grown(this.kind, capacity);
    this.status = grown(this.status, capacity);
    this.review = grown(this.review, capacity);
    this.correct = grown(this.correct, capacity);
    this.synthetic = grown(this.synthetic, capacity);
    this.turns = grown(this.turns, capacity);
    this.maxTurns = grown(this.maxTurns, capacity);
    this.task = grown(this.task, capacity);
    this.question = grown(this.question, capacity);
    this.source = grown(this.source, capacity);
    this.capacity = capacity;
  }

  /** Makes room for row i; string columns are filled densely so V8 keeps them as packed arrays. */
  private reach(i: number): void {
    this.ensure(i + 1);
    while (this.ids.length <= i) {
      this.ids.push('');
      this.idsLower.push('');
      this.answers.push(null);
      this.answersLower.push(null);
    }
    if (i >= this.length) this.length = i + 1;
  }

  setSummary(i: number, s: TrajectorySummary): void {
    this.reach(i);
    this.broken.delete(i);
    this.kind[i] = RowKind.Summary;
    this.status[i] = s.status === null ? UNCHECKED_CODE : STATUS_LABELS.indexOf(s.status);
    this.review[i] = REVIEW_STATUSES.indexOf(s.reviewStatus);
    this.correct[i] = s.correct === null ? CorrectCode.Unknown : s.correct ? CorrectCode.True : CorrectCode.False;
    this.synthetic[i] = s.synthetic ? 1 : 0;
    this.turns[i] = s.turns;
    this.maxTurns[i] = s.maxTurns;
    this.task[i] = this.tasks.intern(s.taskId);
    this.question[i] = this.questions.intern(s.question);
    this.source[i] = s.dataSource === null ? -1 : this.sources.intern(s.dataSource);
    this.ids[i] = s.id;
    this.idsLower[i] = lowerCase(s.id);
    this.answers[i] = s.answer;
    this.answersLower[i] = s.answer === null ? null : lowerCase(s.answer);
  }

  setBroken(i: number, message: string, preview: string): void {
    this.reach(i);
    this.kind[i] = RowKind.Broken;
    this.status[i] = BROKEN_CODE;
    this.correct[i] = CorrectCode.Unknown;
    this.ids[i] = '';
    this.idsLower[i] = '';
    this.answers[i] = null;
    this.answersLower[i] = null;
    this.broken.set(i, { message, preview, lowerText: `${lowerCase(message)}\n${lowerCase(preview)}` });
  }

  statusName(i: number): StatusName {
    return STATUS_NAMES[this.status[i]!]!;
  }

  statusLabel(i: number): StatusLabel | null {
    const code = this.status[i]!;
    return code < STATUS_LABELS.length ? STATUS_LABELS[code]! : null;
  }

  reviewStatus(i: number): ReviewStatus {
    return REVIEW_STATUSES[this.review[i]!]!;
  }

  correctValue(i: number): boolean | null {
    const code = this.correct[i]!;
    return code === CorrectCode.Unknown ? null : code === CorrectCode.True;
  }

  dataSource(i: number): string | null {
    const ref = this.source[i]!;
    return ref < 0 ? null : this.sources.values[ref]!;
  }
}

function grown<T extends Uint8Array | Int32Array>(array: T, capacity: number): T {
  const next = new (array.constructor as new (n: number) => T)(capacity);
  next.set(array);
  return next;
}
