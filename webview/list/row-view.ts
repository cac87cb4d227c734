import type { Row, SortKey } from '../../src/protocol';
import { h, icon } from '../dom';
import { brokenRowText, correctMark, questionLine, REVIEW_INFO, statusColour, statusText } from '../format';

/** Row height in px; `.list-row` in styles/list.css has the same height. */
export const ROW_HEIGHT = 24;

export interface ColumnSpec {
  key: SortKey | null;
  label: string;
  /** A codicon shown instead of the label (the label stays as the tooltip). */
  icon?: string;
  className: string;
}

/** The list's columns, in order; `key` is what clicking the header sorts by. */
export const COLUMNS: readonly ColumnSpec[] = [
  { key: 'id', label: 'id', className: 'col-id' },
  { key: null, label: 'question', className: 'col-question' },
  { key: 'status', label: 'status', className: 'col-status' },
  { key: 'turns', label: 'turns', className: 'col-turns' },
  { key: 'correct', label: 'correct', icon: 'check', className: 'col-correct' },
  { key: 'review', label: 'review', icon: 'eye', className: 'col-review' },
];

export function statusChip(status: Parameters<typeof statusText>[0]): HTMLSpanElement {
  return h('span', { className: `chip colour-${statusColour(status)}`, text: statusText(status) });
}

/** One row of the list: every text field goes in as text. */
export function renderRow(row: Row, index: number, selected: boolean): HTMLDivElement {
  const el = h('div', {
    className: `list-row${row.broken ? ' broken' : ''}${selected ? ' selected' : ''}`,
    attrs: { role: 'option', 'aria-selected': selected ? 'true' : 'false', 'data-line': row.line, 'data-index': index },
  });
  el.style.top = `${index * ROW_HEIGHT}px`;
  if (row.broken) {
    const text = brokenRowText(row.line, row.message);
    el.append(h('span', { className: 'cell col-broken', text, title: `${text}\n${row.preview}` }));
    return el;
  }
  const question = questionLine(row.question);
  const mark = correctMark(row.correct);
  const review = REVIEW_INFO[row.reviewStatus];
  el.append(
    h('span', { className: 'cell col-id', text: row.id, title: row.id }),
    h('span', { className: 'cell col-question', text: question, title: question }),
    h('span', { className: 'cell col-status' }, statusChip(row.status)),
    h('span', { className: 'cell col-turns', text: String(row.turns) }),
    h('span', { className: `cell col-correct colour-${mark.colour}`, text: mark.mark, title: mark.label }),
    h('span', { className: `cell col-review colour-${review.colour}`, title: review.label }, icon(review.icon), h('span', { text: review.label })),
  );
  return el;
}

export function renderPlaceholderRow(index: number): HTMLDivElement {
  const el = h('div', { className: 'list-row placeholder', attrs: { 'aria-hidden': 'true', 'data-index': index } });
  el.style.top = `${index * ROW_HEIGHT}px`;
  el.append(h('span', { className: 'cell col-broken', text: '…' }));
  return el;
}
