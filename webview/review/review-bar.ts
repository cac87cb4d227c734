import type { EditOp, TrajectoryView } from '../../src/protocol';
import type { ReviewStatus } from '../../src/core/trajectory/schema';
import { h, icon } from '../dom';
import { REVIEW_INFO, REVIEW_STATUSES } from '../format';
import { reviewOf } from './review-data';

/** Keys of the status buttons in the review queue. */
export const REVIEW_KEYS: Partial<Record<ReviewStatus, string>> = { accepted: 'a', rejected: 'r', needs_fix: 'f' };

export interface ReviewBarHost {
  apply(line: number, op: EditOp): Promise<TrajectoryView | null>;
}

/**
 * The trajectory's review: status buttons, label chips (1-9 in the queue) and free notes.
 * Notes are applied on Ctrl+Enter, on "Save notes" or when the field loses focus; the draft
 * survives re-renders.
 */
export class ReviewBar {
  readonly element: HTMLElement;
  private readonly statusRow: HTMLElement;
  private readonly labelRow: HTMLElement;
  private readonly notes: HTMLTextAreaElement;
  private readonly notesState: HTMLElement;
  private labels: string[] = [];
  private shown: TrajectoryView | null = null;
  /** Typed notes not yet applied, by line. */
  private readonly drafts = new Map<number, string>();

  constructor(private readonly host: ReviewBarHost) {
    this.statusRow = h('div', { className: 'review-statuses', attrs: { role: 'group', 'aria-label': 'Review status' } });
    this.labelRow = h('div', { className: 'review-labels', attrs: { role: 'group', 'aria-label': 'Review labels' } });
    this.notes = h('textarea', { className: 'review-notes', attrs: { rows: 2, placeholder: 'Notes (Ctrl+Enter saves)', 'aria-label': 'Review notes', spellcheck: 'false' } });
    this.notesState = h('span', { className: 'edit-status muted', attrs: { 'aria-live': 'polite' } });
    const save = h('button', { className: 'text-button', text: 'Save notes', attrs: { type: 'button' } });
    save.addEventListener('click', () => void this.saveNotes());
    this.notes.addEventListener('input', () => {
      if (this.shown) this.drafts.set(this.shown.line, this.notes.value);
    });
    this.notes.addEventListener('keydown', (event) => {
      event.stopPropagation();
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        void this.saveNotes();
      } else if (event.key === 'Escape') {
        this.notes.blur();
      }
    });
    this.notes.addEventListener('blur', () => void this.saveNotes());
    this.element = h(
      'section',
      { className: 'review-bar', attrs: { 'aria-label': 'Review' } },
      h('div', { className: 'review-line' }, h('span', { className: 'section-title', text: 'Review' }), this.statusRow),
      this.labelRow,
      h('div', { className: 'review-notes-line' }, this.notes, h('div', { className: 'editor-actions' }, save, this.notesState)),
    );
  }

  setLabelSet(labels: string[]): void {
    this.labels = labels;
    if (this.shown) this.render(this.shown);
  }

  get labelSet(): readonly string[] {
    return this.labels;
  }

  show(t: TrajectoryView): void {
    const lineChanged = this.shown?.line !== t.line;
    this.shown = t;
    this.render(t);
    const stored = reviewOf(t).notes;
    const draft = this.drafts.get(t.line);
    if (draft !== undefined && draft === stored) this.drafts.delete(t.line);
    if (lineChanged || document.activeElement !== this.notes) this.notes.value = this.drafts.get(t.line) ?? stored;
    if (lineChanged) this.notesState.textContent = '';
  }

  /** Sets the review status of `line` (default: the line shown). */
  setStatus(status: ReviewStatus, line = this.shown?.line): Promise<TrajectoryView | null> {
    if (line === undefined) return Promise.resolve(null);
    return this.host.apply(line, { kind: 'setReview', status });
  }

  /** Toggles the label at `index` of the label set (keys 1-9) on `line` (default: the line shown). */
  toggleLabelAt(index: number, line = this.shown?.line): Promise<TrajectoryView | null> {
    const label = this.labels[index];
    if (line === undefined || label === undefined) return Promise.resolve(null);
    return this.host.apply(line, { kind: 'toggleLabel', label });
  }

  private render(t: TrajectoryView): void {
    const review = reviewOf(t);
    this.statusRow.replaceChildren(
      ...REVIEW_STATUSES.map((status) => {
        const info = REVIEW_INFO[status];
        const key = REVIEW_KEYS[status];
        const button = h(
          'button',
          {
            className: `review-status colour-${info.colour}${status === review.status ? ' active' : ''}`,
            title: key ? `${info.label} (${key} in the review queue)` : info.label,
            attrs: { type: 'button', 'aria-pressed': status === review.status ? 'true' : 'false', 'data-status': status },
          },
          icon(info.icon),
          h('span', { text: info.label }),
        );
        button.addEventListener('click', () => void this.setStatus(status));
        return button;
      }),
    );
    if (review.by || review.at) this.statusRow.append(h('span', { className: 'muted review-by', text: [review.by, review.at].filter(Boolean).join(' · ') }));
    const all = [...this.labels, ...review.labels.filter((l) => !this.labels.includes(l))];
    this.labelRow.replaceChildren(
      ...all.map((label, i) => {
        const on = review.labels.includes(label);
        const chip = h(
          'button',
          { className: `label-chip${on ? ' on' : ''}`, title: i < 9 && i < this.labels.length ? `${label} (${i + 1})` : label, attrs: { type: 'button', 'aria-pressed': on ? 'true' : 'false', 'data-label': label } },
          i < 9 && i < this.labels.length ? h('kbd', { text: String(i + 1) }) : null,
          h('span', { text: label }),
        );
        chip.addEventListener('click', () => void this.host.apply(t.line, { kind: 'toggleLabel', label }));
        return chip;
      }),
    );
    if (all.length === 0) this.labelRow.append(h('span', { className: 'muted', text: 'No labels configured (setting miniO3.reviewLabels).' }));
  }

  private async saveNotes(): Promise<void> {
    const t = this.shown;
    if (!t) return;
    const text = this.notes.value;
    if (text === reviewOf(t).notes) return;
    this.notesState.textContent = 'Saving…';
    const view = await this.host.apply(t.line, { kind: 'setNotes', notes: text });
    if (this.shown?.line !== t.line) return;
    this.notesState.textContent = view ? 'Saved' : 'Not saved: your notes are kept here.';
    if (view) this.drafts.delete(t.line);
  }
}
