import { REVIEW_STATUSES, type ReviewStatus } from '../trajectory/schema';

export interface KappaResult {
  /** null when undefined: no items, or chance agreement is 1 (both used one same category throughout). */
  kappa: number | null;
  observed: number;
  expected: number;
  n: number;
  /** Rows: annotator A's category; columns: B's, in `categories` order. */
  matrix: number[][];
  categories: readonly string[];
  /** Why kappa is undefined, for the report. */
  note?: string;
}

/** Cohen's kappa of two annotators' labels on the same items. */
export function cohensKappa<C extends string>(pairs: readonly (readonly [C, C])[], categories: readonly C[]): KappaResult {
  const k = categories.length;
  const matrix = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (const [a, b] of pairs) {
    const i = categories.indexOf(a);
    const j = categories.indexOf(b);
    if (i < 0 || j < 0) throw new RangeError(`unknown category ${i < 0 ? a : b}`);
    matrix[i]![j]!++;
  }
  const n = pairs.length;
  if (n === 0) return { kappa: null, observed: 0, expected: 0, n, matrix, categories, note: 'no trajectories to compare' };
  let agree = 0;
  let expected = 0;
  for (let i = 0; i < k; i++) {
    agree += matrix[i]![i]!;
    const row = matrix[i]!.reduce((s, v) => s + v, 0);
    const col = matrix.reduce((s, r) => s + r[i]!, 0);
    expected += (row / n) * (col / n);
  }
  const observed = agree / n;
  if (expected >= 1) {
    return { kappa: null, observed, expected, n, matrix, categories, note: 'both annotators gave every trajectory the same single status' };
  }
  return { kappa: (observed - expected) / (1 - expected), observed, expected, n, matrix, categories };
}

export function reviewKappa(pairs: readonly (readonly [ReviewStatus, ReviewStatus])[]): KappaResult {
  return cohensKappa(pairs, REVIEW_STATUSES);
}
