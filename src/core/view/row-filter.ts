import type { RowFilter } from '../../protocol';
import { REVIEW_STATUSES } from '../trajectory/schema';
import { CorrectCode, RowKind, STATUS_NAMES, type RowColumns } from './row-columns';

/** A compiled filter over row numbers (0-based); null means every row matches. */
export type RowPredicate = ((i: number) => boolean) | null;

/**
 * Compiles a RowFilter against the columns. An absent or empty list does not filter.
 * Broken lines match only the text search and the 'broken' status: any other facet
 * (correct, review, data source, turns) asks for a value they do not have.
 */
export function compileFilter(c: RowColumns, filter: RowFilter): RowPredicate {
  const tests: ((i: number) => boolean)[] = [];
  const text = filter.text?.trim().toLowerCase() ?? '';
  if (text !== '') tests.push(textTest(c, text));

  if (filter.statuses && filter.statuses.length > 0) {
    const wanted = codeSet(filter.statuses.map((s) => STATUS_NAMES.indexOf(s)), STATUS_NAMES.length);
    tests.push((i) => wanted[c.status[i]!] === 1);
  }
  let needsSummary = false;
  if (filter.correct && filter.correct.length > 0) {
    const wanted = codeSet(filter.correct.map((v) => (v === null ? CorrectCode.Unknown : v ? CorrectCode.True : CorrectCode.False)), 3);
    tests.push((i) => wanted[c.correct[i]!] === 1);
    needsSummary = true;
  }
  if (filter.reviewStatuses && filter.reviewStatuses.length > 0) {
    const wanted = codeSet(filter.reviewStatuses.map((s) => REVIEW_STATUSES.indexOf(s)), REVIEW_STATUSES.length);
    tests.push((i) => wanted[c.review[i]!] === 1);
    needsSummary = true;
  }
  if (filter.dataSources && filter.dataSources.length > 0) {
    const refs = new Set(filter.dataSources.map((s) => c.sources.find(s)).filter((ref) => ref >= 0));
    tests.push((i) => refs.has(c.source[i]!));
    needsSummary = true;
  }
  if (filter.minTurns !== undefined || filter.maxTurns !== undefined) {
    const min = filter.minTurns ?? -Infinity;
    const max = filter.maxTurns ?? Infinity;
    tests.push((i) => c.turns[i]! >= min && c.turns[i]! <= max);
    needsSummary = true;
  }
  if (needsSummary) tests.unshift((i) => c.kind[i] === RowKind.Summary);

  if (tests.length === 0) return null;
  if (tests.length === 1) return tests[0]!;
  return (i) => {
    for (const t of tests) if (!t(i)) return false;
    return true;
  };
}

/** Case-insensitive substring search over id, task id, question and answer (message and text for broken lines). */
function textTest(c: RowColumns, text: string): (i: number) => boolean {
  // Shared strings are tested once per distinct value, not once per row.
  const taskHits = Uint8Array.from(c.tasks.lower, (s) => (s.includes(text) ? 1 : 0));
  const questionHits = Uint8Array.from(c.questions.lower, (s) => (s.includes(text) ? 1 : 0));
  return (i) => {
    const kind = c.kind[i];
    if (kind === RowKind.Broken) return c.broken.get(i)?.lowerText.includes(text) ?? false;
    if (kind !== RowKind.Summary) return false;
    return (
      c.idsLower[i]!.includes(text) ||
      taskHits[c.task[i]!] === 1 ||
      questionHits[c.question[i]!] === 1 ||
      (c.answersLower[i]?.includes(text) ?? false)
    );
  };
}

function codeSet(codes: number[], size: number): Uint8Array {
  const set = new Uint8Array(size);
  for (const code of codes) if (code >= 0 && code < size) set[code] = 1;
  return set;
}
