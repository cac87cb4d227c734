import type { ComparisonView, TrajectoryView, TurnView } from '../../src/protocol';
import { h, iconButton } from '../dom';
import { correctMark, formatBox } from '../format';
import { statusChip } from '../list/row-view';
import type { WebviewRpc } from '../rpc-client';
import { renderDiffParts } from '../edit/diff-view';

function trajectoryHead(t: TrajectoryView, side: 'A' | 'B'): HTMLElement {
  const mark = correctMark(t.correct);
  return h(
    'div',
    { className: `compare-head side-${side.toLowerCase()}` },
    h('div', { className: 'compare-id' }, h('span', { className: 'compare-side', text: side }), h('span', { text: t.id, title: t.id }), h('span', { className: 'muted', text: ` line ${t.line}` })),
    h('div', { className: 'detail-chips' }, statusChip(t.status), h('span', { className: `chip colour-${mark.colour}`, text: `${mark.mark} ${mark.label}` }), h('span', { className: 'chip colour-muted', text: `${t.turns.length} turns` })),
    h('div', { className: 'compare-answer', text: `answer: ${t.answer ?? '—'}` }),
  );
}

function turnCell(turn: TurnView | undefined): HTMLElement {
  if (!turn) return h('div', { className: 'compare-cell empty muted', text: '(no turn)' });
  const box = turn.boxInOriginal ? `box ${formatBox(turn.boxInOriginal)} · ${turn.grounding?.source ?? ''}` : turn.action;
  return h(
    'div',
    { className: 'compare-cell' },
    h('div', { className: 'compare-cell-meta' }, statusChip(turn.status), h('span', { className: 'muted', text: box })),
    h('pre', { className: 'compare-text', text: turn.text }),
  );
}

/** Two trajectories of one task side by side, row per turn, with the IoU of the regions chosen and the text diff. */
export class ComparisonPane {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private ticket = 0;

  constructor(private readonly rpc: WebviewRpc, private readonly onClose: () => void) {
    this.body = h('div', { className: 'compare-body' });
    this.element = h(
      'section',
      { className: 'comparison', attrs: { hidden: true, 'aria-label': 'Comparison' } },
      h('div', { className: 'compare-bar' }, h('span', { className: 'section-title', text: 'Comparison' }), h('span', { className: 'spacer' }), iconButton('close', 'Close the comparison', () => this.onClose())),
      this.body,
    );
  }

  async open(a: number, b: number): Promise<void> {
    const ticket = ++this.ticket;
    this.element.hidden = false;
    this.body.replaceChildren(h('div', { className: 'pane-message', text: `Comparing lines ${a} and ${b}…` }));
    try {
      const view = await this.rpc.request('compare', { a, b });
      if (ticket === this.ticket) this.render(view);
    } catch (error) {
      if (ticket === this.ticket) this.body.replaceChildren(h('div', { className: 'pane-message edit-error', attrs: { role: 'alert' }, text: `Could not compare lines ${a} and ${b}: ${error instanceof Error ? error.message : String(error)}` }));
    }
  }

  private render(view: ComparisonView): void {
    const note = view.a.task.id === view.b.task.id ? null : h('div', { className: 'finding severity-warning', text: `Different tasks: ${view.a.task.id} and ${view.b.task.id}` });
    const table = h('div', { className: 'compare-grid', attrs: { role: 'table', 'aria-label': 'Turns side by side' } });
    table.append(
      h('div', { className: 'compare-row compare-header', attrs: { role: 'row' } }, h('div', { className: 'compare-turn', text: 'turn' }), trajectoryHead(view.a, 'A'), h('div', { className: 'compare-iou', text: 'IoU' }), trajectoryHead(view.b, 'B')),
    );
    for (const row of view.rows) {
      const ta = view.a.turns.find((t) => t.index === row.turn);
      const tb = view.b.turns.find((t) => t.index === row.turn);
      const diff = h('details', { className: 'compare-diff' }, h('summary', { text: `text diff (distance ${row.textDistance})` }), renderDiffParts(row.diff));
      table.append(
        h(
          'div',
          { className: 'compare-row', attrs: { role: 'row', 'data-turn': row.turn } },
          h('div', { className: 'compare-turn', text: String(row.turn) }),
          turnCell(ta),
          h('div', { className: `compare-iou${row.iou === null ? ' muted' : ''}`, text: row.iou === null ? '—' : row.iou.toFixed(2), title: 'IoU of the two regions in original-image pixels' }),
          turnCell(tb),
          h('div', { className: 'compare-diff-cell' }, diff),
        ),
      );
    }
    this.body.replaceChildren(h('div', { className: 'detail-question', text: view.a.task.question }), table);
    if (note) this.body.prepend(note);
  }
}
