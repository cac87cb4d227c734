import type { Row, SortKey } from '../../src/protocol';
import { h, icon } from '../dom';
import { formatCount, formatPercent } from '../format';
import { COLUMNS, renderPlaceholderRow, renderRow, ROW_HEIGHT } from './row-view';
import type { RowSource } from './row-source';

/** Rows rendered above and below the visible ones. */
const OVERSCAN = 8;

export interface TrajectoryListEvents {
  select(row: Row, index: number): void;
  sort(key: SortKey): void;
  scroll(scrollTop: number): void;
  /** Ctrl/Cmd+click marked or unmarked a row (to compare two). */
  marked?(lines: readonly number[]): void;
}

interface RenderedRow {
  row: Row | undefined;
  selected: boolean;
  marked: boolean;
  el: HTMLDivElement;
}

/**
 * The virtualized trajectory list: a spacer as tall as all matching rows, and absolutely
 * placed elements only for the rows in (and just around) the viewport.
 */
export class TrajectoryList {
  readonly element: HTMLElement;
  private readonly countsEl: HTMLElement;
  private readonly headerEl: HTMLElement;
  private readonly viewport: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly messageEl: HTMLElement;
  private readonly rendered = new Map<number, RenderedRow>();
  /** Rows marked with Ctrl/Cmd+click, oldest first (at most two: a comparison). */
  private marks: number[] = [];
  private selectedLine: number | null = null;
  private selectedIndex: number | null = null;
  private frame = 0;
  private moving: Promise<void> = Promise.resolve();
  /** A scroll position to restore once the spacer is tall enough to allow it. */
  private pendingScrollTop: number | null;

  constructor(
    private readonly source: RowSource,
    private readonly events: TrajectoryListEvents,
    initialScrollTop: number,
  ) {
    this.pendingScrollTop = initialScrollTop > 0 ? initialScrollTop : null;
    this.countsEl = h('div', { className: 'list-counts', attrs: { 'aria-live': 'polite' }, text: 'Loading…' });
    this.headerEl = h('div', { className: 'list-header', attrs: { role: 'row' } });
    for (const column of COLUMNS) this.headerEl.append(this.headerCell(column.key, column.label, column.className, column.icon));
    this.spacer = h('div', { className: 'list-spacer' });
    this.viewport = h('div', { className: 'list-viewport', attrs: { role: 'listbox', tabindex: 0, 'aria-label': 'Trajectories' } }, this.spacer);
    this.messageEl = h('div', { className: 'list-message', attrs: { hidden: true } });
    this.element = h('div', { className: 'list-body' }, this.countsEl, this.headerEl, this.messageEl, this.viewport);
    this.viewport.addEventListener('scroll', () => {
      this.events.scroll(this.viewport.scrollTop);
      this.schedule();
    });
    this.viewport.addEventListener('click', (event) => this.onClick(event));
    new ResizeObserver(() => this.schedule()).observe(this.viewport);
  }

  get selected(): { line: number | null; index: number | null } {
    return { line: this.selectedLine, index: this.selectedIndex };
  }

  /** Number of row elements in the DOM (for tests and the status line). */
  get renderedRowCount(): number {
    return this.rendered.size;
  }

  setSort(key: SortKey, descending: boolean): void {
    for (const cell of this.headerEl.querySelectorAll<HTMLElement>('[data-sort]')) {
      const active = cell.dataset.sort === key;
      cell.setAttribute('aria-sort', active ? (descending ? 'descending' : 'ascending') : 'none');
      cell.classList.toggle('sorted', active);
      const arrow = cell.querySelector('.sort-arrow');
      if (arrow) arrow.className = `sort-arrow codicon ${active ? (descending ? 'codicon-arrow-down' : 'codicon-arrow-up') : ''}`;
    }
  }

  setSelected(line: number | null, index: number | null): void {
    this.selectedLine = line;
    this.selectedIndex = index;
    this.schedule();
  }

  /** A new filter or sort: back to the top. */
  resetScroll(): void {
    this.pendingScrollTop = null;
    this.viewport.scrollTop = 0;
    this.schedule();
  }

  showError(message: string | null): void {
    this.messageEl.hidden = message === null;
    this.messageEl.textContent = message ?? '';
  }

  /** Re-renders on the next frame (after data arrived or the viewport moved). */
  schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  focus(): void {
    this.viewport.focus({ preventScroll: true });
  }

  /** Moves the selection by `delta` rows (keyboard), fetching rows as needed; moves run one after another. */
  move(delta: number): Promise<void> {
    this.moving = this.moving.then(() => this.moveNow(delta));
    return this.moving;
  }

  private async moveNow(delta: number): Promise<void> {
    const length = this.source.length;
    if (length === null || length === 0) return;
    let index: number | null = null;
    if (this.selectedLine !== null) {
      // The page holding the selection may have been dropped from the cache: ask for it again.
      if (this.selectedIndex !== null && (await this.source.rowAtAsync(this.selectedIndex))?.line === this.selectedLine) index = this.selectedIndex;
      index ??= this.source.indexOfLine(this.selectedLine);
    }
    const next = index === null ? 0 : Math.min(length - 1, Math.max(0, index + delta));
    const row = await this.source.rowAtAsync(next);
    if (!row) return;
    this.scrollToIndex(next);
    this.events.select(row, next);
  }

  scrollToIndex(index: number): void {
    const top = index * ROW_HEIGHT;
    const height = this.viewport.clientHeight - ROW_HEIGHT;
    if (top < this.viewport.scrollTop) this.viewport.scrollTop = top;
    else if (top > this.viewport.scrollTop + height) this.viewport.scrollTop = top - height;
    this.schedule();
  }

  private headerCell(key: SortKey | null, label: string, className: string, iconName?: string): HTMLElement {
    if (key === null) return h('span', { className: `header-cell ${className}`, text: label, attrs: { role: 'columnheader' } });
    const button = h(
      'button',
      { className: `header-cell sortable ${className}`, title: `Sort by ${label}`, attrs: { type: 'button', role: 'columnheader', 'data-sort': key, 'aria-sort': 'none', 'aria-label': label } },
      iconName ? icon(iconName) : h('span', { text: label }),
      icon('', 'sort-arrow'),
    );
    button.addEventListener('click', () => this.events.sort(key));
    return button;
  }

  private onClick(event: MouseEvent): void {
    const target = event.target instanceof Element ? event.target.closest<HTMLElement>('.list-row') : null;
    const index = target ? Number(target.dataset.index) : NaN;
    if (!Number.isInteger(index)) return;
    const row = this.source.rowAt(index);
    if (!row) return;
    if ((event.ctrlKey || event.metaKey) && this.events.marked) {
      this.setMarks(this.marks.includes(row.line) ? this.marks.filter((l) => l !== row.line) : [...this.marks, row.line].slice(-2));
      return;
    }
    this.events.select(row, index);
  }

  get markedLines(): readonly number[] {
    return this.marks;
  }

  setMarks(lines: readonly number[]): void {
    this.marks = [...lines];
    this.events.marked?.(this.marks);
    this.schedule();
  }

  private render(): void {
    const length = this.source.length;
    this.renderCounts();
    this.spacer.style.height = `${(length ?? 0) * ROW_HEIGHT}px`;
    if (this.pendingScrollTop !== null && length !== null) {
      const max = length * ROW_HEIGHT - this.viewport.clientHeight;
      if (max >= this.pendingScrollTop || !this.source.indexing) {
        this.viewport.scrollTop = this.pendingScrollTop;
        this.pendingScrollTop = null;
      }
    }
    const first = Math.max(0, Math.floor(this.viewport.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const visible = Math.ceil(this.viewport.clientHeight / ROW_HEIGHT) + 2 * OVERSCAN;
    const last = length === null ? visible : Math.min(length, first + visible);
    this.source.ensure(first, Math.max(last, first + visible));

    for (const [index, item] of this.rendered) {
      if (index < first || index >= last) {
        item.el.remove();
        this.rendered.delete(index);
      }
    }
    for (let index = first; index < last; index++) {
      const row = this.source.rowAt(index);
      const selected = row !== undefined && row.line === this.selectedLine;
      const marked = row !== undefined && this.marks.includes(row.line);
      if (selected) this.selectedIndex = index;
      const have = this.rendered.get(index);
      if (have && have.row === row && have.selected === selected && have.marked === marked) continue;
      const el = row ? renderRow(row, index, selected) : renderPlaceholderRow(index);
      if (marked) el.classList.add('marked');
      if (have) have.el.replaceWith(el);
      else this.spacer.append(el);
      this.rendered.set(index, { row, selected, marked, el });
    }
  }

  private renderCounts(): void {
    const counts = this.source.counts;
    if (!counts) {
      this.countsEl.textContent = 'Loading…';
      return;
    }
    const parts = [`${formatCount(counts.matching)} of ${formatCount(counts.total)}`];
    if (counts.withAnswerKey > 0) parts.push(`${formatPercent(counts.correct, counts.withAnswerKey)} correct`);
    if (this.source.indexing) parts.push('indexing…');
    this.countsEl.textContent = parts.join(' · ');
  }
}
