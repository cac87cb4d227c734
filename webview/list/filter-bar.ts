import type { RowFilter } from '../../src/protocol';
import { h, iconButton } from '../dom';
import { REVIEW_INFO, REVIEW_STATUSES, STATUS_INFO, STATUS_LABELS, isReviewStatus, isStatusLabel } from '../format';
import { setSelectOptions, singleSelect, textField, type SelectOption, type VscodeSingleSelect, type VscodeTextfield } from '../controls';

/** Typing in the search box waits this long before the list re-queries. */
export const SEARCH_DEBOUNCE_MS = 250;

const ANY = '';

const STATUS_OPTIONS: SelectOption[] = [
  { value: ANY, label: 'Any status' },
  ...STATUS_LABELS.map((s) => ({ value: s, label: STATUS_INFO[s].label })),
  { value: 'unchecked', label: 'unchecked (image missing)' },
  { value: 'broken', label: 'broken line' },
];
const CORRECT_OPTIONS: SelectOption[] = [
  { value: ANY, label: 'Any outcome' },
  { value: 'true', label: '✓ correct' },
  { value: 'false', label: '✗ wrong' },
  { value: 'null', label: '– no answer key' },
];
const REVIEW_OPTIONS: SelectOption[] = [
  { value: ANY, label: 'Any review' },
  ...REVIEW_STATUSES.map((r) => ({ value: r, label: REVIEW_INFO[r].label })),
];

/** Search, status, outcome, review, data source and turn range: one `RowFilter`. */
export class FilterBar {
  readonly element: HTMLElement;
  private readonly search: VscodeTextfield;
  private readonly status: VscodeSingleSelect;
  private readonly correct: VscodeSingleSelect;
  private readonly review: VscodeSingleSelect;
  private readonly dataSource: VscodeSingleSelect;
  private readonly minTurns: VscodeTextfield;
  private readonly maxTurns: VscodeTextfield;
  private dataSources: string[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(initial: RowFilter, private readonly onChange: (filter: RowFilter) => void) {
    this.search = textField({ placeholder: 'Search id, question, answer', label: 'Search trajectories', className: 'filter-search', value: initial.text ?? '' });
    this.status = singleSelect('Status', STATUS_OPTIONS, initial.statuses?.[0] ?? ANY, 'filter-status');
    this.correct = singleSelect('Outcome', CORRECT_OPTIONS, initial.correct?.length ? String(initial.correct[0]) : ANY, 'filter-correct');
    this.review = singleSelect('Review status', REVIEW_OPTIONS, initial.reviewStatuses?.[0] ?? ANY, 'filter-review');
    this.dataSources = initial.dataSources ?? [];
    this.dataSource = singleSelect('Data source', this.dataSourceOptions(), initial.dataSources?.[0] ?? ANY, 'filter-source');
    this.minTurns = textField({ placeholder: 'min', label: 'Fewest turns', type: 'number', className: 'filter-turns filter-min-turns', value: initial.minTurns?.toString() });
    this.maxTurns = textField({ placeholder: 'max', label: 'Most turns', type: 'number', className: 'filter-turns filter-max-turns', value: initial.maxTurns?.toString() });

    this.search.addEventListener('input', () => this.changedSoon());
    for (const select of [this.status, this.correct, this.review, this.dataSource]) select.addEventListener('change', () => this.changedNow());
    for (const turns of [this.minTurns, this.maxTurns]) turns.addEventListener('input', () => this.changedSoon());

    this.element = h(
      'div',
      { className: 'filter-bar', attrs: { role: 'search' } },
      h('div', { className: 'filter-row' }, this.search, iconButton('clear-all', 'Clear filters', () => this.clear())),
      h('div', { className: 'filter-row' }, this.status, this.correct, this.review),
      h('div', { className: 'filter-row' }, this.dataSource, h('span', { className: 'filter-label', text: 'turns' }), this.minTurns, h('span', { text: '–' }), this.maxTurns),
    );
  }

  /** The data sources the host reported; the select keeps its value. */
  setDataSources(sources: readonly string[]): void {
    const merged = [...new Set([...sources, ...this.dataSources])].sort();
    if (merged.length === this.dataSources.length && merged.every((s, i) => s === this.dataSources[i])) return;
    const current = this.dataSource.value;
    this.dataSources = merged;
    setSelectOptions(this.dataSource, this.dataSourceOptions(), current);
  }

  focusSearch(): void {
    this.search.focus();
  }

  get filter(): RowFilter {
    const filter: RowFilter = {};
    const text = this.search.value.trim();
    if (text) filter.text = text;
    const status = this.status.value;
    if (isStatusLabel(status) || status === 'unchecked' || status === 'broken') filter.statuses = [status];
    const correct = this.correct.value;
    if (correct === 'true' || correct === 'false' || correct === 'null') filter.correct = [correct === 'null' ? null : correct === 'true'];
    if (isReviewStatus(this.review.value)) filter.reviewStatuses = [this.review.value];
    if (this.dataSource.value !== ANY) filter.dataSources = [this.dataSource.value];
    const min = wholeNumber(this.minTurns.value);
    const max = wholeNumber(this.maxTurns.value);
    if (min !== null) filter.minTurns = min;
    if (max !== null) filter.maxTurns = max;
    return filter;
  }

  private dataSourceOptions(): SelectOption[] {
    return [{ value: ANY, label: 'Any data source' }, ...this.dataSources.map((s) => ({ value: s, label: s }))];
  }

  private clear(): void {
    this.search.value = '';
    this.minTurns.value = '';
    this.maxTurns.value = '';
    for (const select of [this.status, this.correct, this.review, this.dataSource]) select.value = ANY;
    this.changedNow();
  }

  private changedSoon(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.changedNow(), SEARCH_DEBOUNCE_MS);
  }

  private changedNow(): void {
    clearTimeout(this.timer);
    this.onChange(this.filter);
  }
}

function wholeNumber(text: string): number | null {
  if (text.trim() === '') return null;
  const n = Number(text);
  return Number.isInteger(n) && n >= 0 ? n : null;
}
