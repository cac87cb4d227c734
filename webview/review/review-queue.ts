import type { RowFilter, RowQuery, TrajectoryView } from '../../src/protocol';
import type { ReviewStatus } from '../../src/core/trajectory/schema';
import { h, icon, iconButton } from '../dom';
import { isTypingTarget } from '../keyboard';
import { REVIEW_INFO } from '../format';

/** The queue's default: everything nobody has reviewed yet. */
export const DEFAULT_QUEUE_FILTER: RowFilter = { reviewStatuses: ['unreviewed'] };

const STATUS_KEYS: Record<string, ReviewStatus> = { a: 'accepted', r: 'rejected', f: 'needs_fix' };

export interface ReviewQueueHost {
  /** Lines matching the filter, in list order, and how many of them are reviewed. */
  load(filter: RowFilter, sort: RowQuery['sort']): Promise<{ lines: number[]; reviewed: number }>;
  currentSort(): RowQuery['sort'];
  /** Selects the line in the editor; resolves with its view (null: it could not be loaded). */
  show(line: number): Promise<TrajectoryView | null>;
  /** Fetches the line and its pictures ahead of time. */
  preload(line: number): void;
  setStatus(line: number, status: ReviewStatus): Promise<TrajectoryView | null>;
  toggleLabelAt(line: number, index: number): Promise<TrajectoryView | null>;
  editText(): void;
  focusBox(): void;
  report(message: string): void;
}

function describe(filter: RowFilter): string {
  const parts: string[] = [];
  if (filter.reviewStatuses?.length) parts.push(filter.reviewStatuses.map((s) => REVIEW_INFO[s].label).join(' or '));
  if (filter.statuses?.length) parts.push(`status ${filter.statuses.join(' or ')}`);
  if (filter.text) parts.push(`“${filter.text}”`);
  return parts.length ? parts.join(', ') : 'all trajectories';
}

/**
 * Review queue mode: walks a fixed list of lines (taken when the queue opens) with the keyboard.
 * ←/→ move, a/r/f set the status and advance, 1-9 toggle labels, e edits the text, b the box,
 * Enter goes on, Esc leaves. The next item's trajectory and pictures are requested while the
 * current one is shown, so moving on does not wait for them.
 */
export class ReviewQueue {
  readonly element: HTMLElement;
  private readonly positionEl: HTMLElement;
  private readonly countEl: HTMLElement;
  private readonly filterEl: HTMLElement;
  private lines: number[] = [];
  private index = 0;
  private reviewed = 0;
  /** Review status of the queue's lines as last seen, to keep the count right as they change. */
  private readonly statuses = new Map<number, ReviewStatus>();
  private active = false;
  private moving: Promise<void> = Promise.resolve();
  private readonly onKeyDown = (event: KeyboardEvent) => this.onKey(event);

  constructor(private readonly host: ReviewQueueHost) {
    this.positionEl = h('span', { className: 'queue-position' });
    this.countEl = h('span', { className: 'queue-count', attrs: { 'aria-live': 'polite' } });
    this.filterEl = h('span', { className: 'queue-filter muted' });
    this.element = h(
      'div',
      { className: 'review-queue-bar', attrs: { hidden: true, role: 'region', 'aria-label': 'Review queue' } },
      icon('checklist'),
      h('span', { className: 'queue-title', text: 'Review queue' }),
      this.positionEl,
      this.countEl,
      this.filterEl,
      h('span', { className: 'spacer' }),
      h('span', { className: 'queue-keys muted', text: '←/→ move · a accept · r reject · f needs fix · 1-9 labels · e text · b box · Enter next · Esc close' }),
      iconButton('arrow-left', 'Previous (←)', () => void this.step(-1)),
      iconButton('arrow-right', 'Next (→)', () => void this.step(1)),
      iconButton('close', 'Close the review queue (Esc)', () => this.close()),
    );
  }

  get isOpen(): boolean {
    return this.active;
  }

  get position(): { index: number; lines: readonly number[]; reviewed: number } {
    return { index: this.index, lines: this.lines, reviewed: this.reviewed };
  }

  async open(filter: RowFilter = DEFAULT_QUEUE_FILTER): Promise<void> {
    let loaded: { lines: number[]; reviewed: number };
    try {
      loaded = await this.host.load(filter, this.host.currentSort());
    } catch (error) {
      this.host.report(`Could not open the review queue: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    this.lines = loaded.lines;
    this.reviewed = loaded.reviewed;
    this.statuses.clear();
    this.index = 0;
    this.filterEl.textContent = describe(filter);
    if (!this.active) window.addEventListener('keydown', this.onKeyDown, true);
    this.active = true;
    this.element.hidden = false;
    this.renderCounts();
    if (this.lines.length > 0) await this.goTo(0);
  }

  close(): void {
    if (!this.active) return;
    this.active = false;
    this.element.hidden = true;
    window.removeEventListener('keydown', this.onKeyDown, true);
  }

  /** Every fresh view (after an edit anywhere) passes here, so the reviewed count follows. */
  noteView(view: TrajectoryView): void {
    if (!this.active || !this.lines.includes(view.line)) return;
    const before = this.statuses.get(view.line);
    this.statuses.set(view.line, view.reviewStatus);
    if (before === undefined || before === view.reviewStatus) return;
    if (before === 'unreviewed') this.reviewed++;
    else if (view.reviewStatus === 'unreviewed') this.reviewed--;
    this.renderCounts();
  }

  step(delta: number): Promise<void> {
    return this.enqueue(() => this.stepNow(delta));
  }

  /** Keys are handled in the order typed, each on the item current when its turn comes. */
  private enqueue(work: () => Promise<void>): Promise<void> {
    this.moving = this.moving.then(work, work);
    return this.moving;
  }

  private async stepNow(delta: number): Promise<void> {
    const next = Math.min(this.lines.length - 1, Math.max(0, this.index + delta));
    if (next !== this.index) await this.goTo(next);
  }

  private async goTo(index: number): Promise<void> {
    this.index = index;
    this.renderCounts();
    const line = this.lines[index]!;
    const view = await this.host.show(line);
    if (view && !this.statuses.has(line)) this.statuses.set(line, view.reviewStatus);
    const next = this.lines[index + 1];
    if (next !== undefined) this.host.preload(next);
  }

  private renderCounts(): void {
    const total = this.lines.length;
    this.positionEl.textContent = total ? `item ${this.index + 1} of ${total}` : 'nothing to review';
    this.countEl.textContent = `${this.reviewed} of ${total} reviewed`;
    this.element.classList.toggle('done', total > 0 && this.reviewed >= total);
  }

  private review(status: ReviewStatus): Promise<void> {
    return this.enqueue(async () => {
      const line = this.lines[this.index];
      if (line === undefined) return;
      const view = await this.host.setStatus(line, status);
      if (view) await this.stepNow(1);
    });
  }

  private toggleLabel(index: number): Promise<void> {
    return this.enqueue(async () => {
      const line = this.lines[this.index];
      if (line !== undefined) await this.host.toggleLabelAt(line, index);
    });
  }

  private onKey(event: KeyboardEvent): void {
    if (!this.active || event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTypingTarget(event)) return;
    const target = event.target instanceof Element ? event.target : null;
    // The box editor and open dialogs take their own keys.
    if (target?.closest('.box-edit-layer, [role="dialog"]')) return;
    const key = event.key;
    const status = STATUS_KEYS[key];
    if (status) void this.review(status);
    else if (key === 'ArrowRight' || key === 'Enter') {
      if (key === 'Enter' && target?.closest('button, a, select, [role="button"]')) return;
      void this.step(1);
    } else if (key === 'ArrowLeft') void this.step(-1);
    else if (/^[1-9]$/.test(key)) void this.toggleLabel(Number(key) - 1);
    else if (key === 'e') this.host.editText();
    else if (key === 'b') this.host.focusBox();
    else if (key === 'Escape') this.close();
    else return;
    event.preventDefault();
    event.stopPropagation();
  }
}
