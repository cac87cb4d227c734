import type { SortKey } from '../../protocol';
import { CorrectCode, RowKind, type RowColumns } from './row-columns';

export type RowComparator = (a: number, b: number) => number;

/**
 * Orders rows (0-based numbers) by a key, ties by line, so the sort is stable. Rows without a
 * value for the key (broken lines, no data source, no answer key) come last in both directions.
 * For 'status', broken lines are a status of their own (after 'unchecked').
 */
export function rowComparator(c: RowColumns, key: SortKey, descending: boolean): RowComparator {
  const sign = descending ? -1 : 1;
  if (key === 'line') return (a, b) => sign * (a - b);
  if (key === 'status') return (a, b) => sign * (c.status[a]! - c.status[b]!) || a - b;
  const missing = missingTest(c, key);
  const compare = valueComparator(c, key);
  return (a, b) => {
    const ma = missing(a);
    const mb = missing(b);
    if (ma || mb) return ma && mb ? a - b : ma ? 1 : -1;
    return sign * compare(a, b) || a - b;
  };
}

function missingTest(c: RowColumns, key: Exclude<SortKey, 'line' | 'status'>): (i: number) => boolean {
  if (key === 'correct') return (i) => c.correct[i] === CorrectCode.Unknown;
  if (key === 'dataSource') return (i) => c.kind[i] !== RowKind.Summary || c.source[i]! < 0;
  return (i) => c.kind[i] !== RowKind.Summary;
}

function valueComparator(c: RowColumns, key: Exclude<SortKey, 'line' | 'status'>): RowComparator {
  switch (key) {
    case 'id':
      return (a, b) => compareStrings(c.ids[a]!, c.ids[b]!);
    case 'turns':
      return (a, b) => c.turns[a]! - c.turns[b]!;
    case 'correct':
      return (a, b) => c.correct[a]! - c.correct[b]!;
    case 'review':
      return (a, b) => c.review[a]! - c.review[b]!;
    case 'dataSource':
      return (a, b) => compareStrings(c.sources.values[c.source[a]!]!, c.sources.values[c.source[b]!]!);
  }
}

/** Code-unit order: fast and locale-independent (a collator is ~20x slower on 100k rows). */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Merges two orders that are each sorted by `compare` into one. */
export function mergeSorted(left: Int32Array, right: Int32Array, compare: RowComparator): Int32Array {
  const out = new Int32Array(left.length + right.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < left.length && j < right.length) {
    if (compare(left[i]!, right[j]!) <= 0) out[k++] = left[i++]!;
    else out[k++] = right[j++]!;
  }
  while (i < left.length) out[k++] = left[i++]!;
  while (j < right.length) out[k++] = right[j++]!;
  return out;
}
