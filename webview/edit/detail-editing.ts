import type { EditOp, TrajectoryView } from '../../src/protocol';
import { h } from '../dom';
import { sourceName } from '../format';
import type { WebviewRpc } from '../rpc-client';
import type { DetailExtension, TurnShown } from '../detail/detail-panel';
import { ReviewBar } from '../review/review-bar';
import { BoxEditor } from './box-editor';
import { TurnTools } from './turn-tools';

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

  shown(context: TurnShown): void {
    const { trajectory: t, turn } = context;
    this.review.show(t);
    this.tools.show(t, turn);
    const pixelBox = turn?.pixelBox;
    this.hasBox = pixelBox !== undefined && context.sourceSpace !== null && turn?.sourceIndex !== undefined;
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

  /** `b`: focus the box for keyboard nudging. */
  focusBox(): void {
    if (this.hasBox) this.box.focus();
  }
}
