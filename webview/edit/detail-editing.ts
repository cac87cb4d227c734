import type { EditOp, TrajectoryView } from '../../src/protocol';
import { h } from '../dom';
import { sourceName } from '../format';
import type { WebviewRpc } from '../rpc-client';
import type { DetailExtension, TurnShown } from '../detail/detail-panel';
import { ReviewBar } from '../review/review-bar';
import { BoxEditor } from './box-editor';
import { TurnTools } from './turn-tools';

/** Why the edit controls are disabled, in their tooltips. */
export const READONLY_REASON = 'Read-only: this file is on a file system that cannot be written, so it cannot be edited.';

export interface DetailEditingHost {
  apply(line: number, op: EditOp): Promise<TrajectoryView | null>;
  report(message: string): void;
}

/**
 * Editing and review in the detail panel: the review bar under the header, the turn's tools
 * and text editor above the images, and the box handles over the image the turn cropped from.
 */
export class DetailEditing implements DetailExtension {
  readonly afterHeader: HTMLElement;
  readonly beforeImages: HTMLElement;
  readonly afterImages: HTMLElement;
  readonly review: ReviewBar;
  readonly tools: TurnTools;
  readonly box: BoxEditor;
  private readonly errorEl: HTMLElement;
  private hasBox = false;
  private isReadonly = false;

  constructor(rpc: WebviewRpc, private readonly host: DetailEditingHost) {
    this.review = new ReviewBar({ apply: (line, op) => host.apply(line, op) });
    this.tools = new TurnTools(rpc, { apply: (line, op) => host.apply(line, op), focusBox: () => this.focusBox(), report: (m) => host.report(m) });
    this.box = new BoxEditor(rpc, async (target, bbox) => (await host.apply(target.line, { kind: 'setBox', turn: target.turn, bbox, source: target.source })) !== null);
    this.errorEl = h('div', { className: 'edit-error', attrs: { role: 'alert', hidden: true } });
    this.afterHeader = this.review.element;
    this.beforeImages = h('div', { className: 'detail-edit-slot' }, this.errorEl, this.tools.element);
    this.afterImages = this.box.panel;
  }

  /** An edit failed: say so where the user is looking (their input stays in its field). */
  showError(message: string | null): void {
    this.errorEl.hidden = message === null;
    this.errorEl.textContent = message ?? '';
  }

  get readonly(): boolean {
    return this.isReadonly;
  }

  /** A read-only file: every edit control is disabled (its tooltip says why) and the box has no handles. */
  setReadonly(readonly: boolean): void {
    this.isReadonly = readonly;
    this.element().forEach((el) => el.classList.toggle('readonly', readonly));
    this.disableControls();
  }

  shown(context: TurnShown): void {
    const { trajectory: t, turn } = context;
    this.review.show(t);
    this.tools.show(t, turn);
    this.disableControls();
    const pixelBox = turn?.pixelBox;
    this.hasBox = !this.isReadonly && pixelBox !== undefined && context.sourceSpace !== null && turn?.sourceIndex !== undefined;
    context.otherFigure.setLayer(null);
    if (this.hasBox && turn && pixelBox && context.sourceSpace) {
      context.sourceFigure.setLayer(this.box.layer);
      this.box.setTarget({ line: t.line, turn: turn.index, source: sourceName(context.sourceIndex), space: context.sourceSpace, box: pixelBox });
    } else {
      context.sourceFigure.setLayer(null);
      this.box.layer.remove();
      this.box.setTarget(null);
    }
  }

  private element(): HTMLElement[] {
    return [this.afterHeader, this.beforeImages, this.afterImages];
  }

  private disableControls(): void {
    if (!this.isReadonly) return;
    for (const root of this.element()) {
      for (const control of root.querySelectorAll<HTMLButtonElement | HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>('button, input, textarea, select')) {
        // Showing the diff changes nothing in the file.
        if (control.getAttribute('data-action') === 'diff') continue;
        control.disabled = true;
        control.title = READONLY_REASON;
      }
    }
  }

  /** `b`: focus the box for keyboard nudging. */
  focusBox(): void {
    if (this.hasBox) this.box.focus();
  }
}
