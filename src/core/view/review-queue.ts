import type { RowFilter, RowQuery } from '../../protocol';
import type { RowIndex } from './row-index';

/** The labels `miniO3.reviewLabels` has by default (package.json), used when the setting is not a list. */
export const DEFAULT_REVIEW_LABELS = ['wrong-box', 'bad-reasoning', 'lucky-guess', 'ambiguous-question', 'good-example'];

/** Keys 1-9 toggle labels, so only the first nine can be reached from the keyboard; the rest still show. */
export function reviewLabelsFrom(setting: unknown): string[] {
  if (!Array.isArray(setting)) return [...DEFAULT_REVIEW_LABELS];
  const labels: string[] = [];
  for (const value of setting) {
    if (typeof value !== 'string') continue;
    const label = value.trim();
    if (label !== '' && !labels.includes(label)) labels.push(label);
  }
  return labels;
}

/**
 * The review queue: the lines matching `filter` in list order (broken lines left out: there is
 * no trajectory to review) and how many of them have a review status other than 'unreviewed'.
 */
export function reviewQueueOf(rows: RowIndex, filter: RowFilter, sort: RowQuery['sort']): { lines: number[]; reviewed: number } {
  const { rows: matching } = rows.query({ filter, sort, offset: 0, limit: rows.lineCount });
  const lines: number[] = [];
  let reviewed = 0;
  for (const row of matching) {
    if (row.broken) continue;
    lines.push(row.line);
    if (row.reviewStatus !== 'unreviewed') reviewed++;
  }
  return { lines, reviewed };
}
