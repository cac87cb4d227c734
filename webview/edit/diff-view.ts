import type { TurnDiffView } from '../../src/protocol';
import { h } from '../dom';

type DiffPart = TurnDiffView['parts'][number];

/** A character diff as text runs: added and removed runs highlighted, everything inserted as text. */
export function renderDiffParts(parts: readonly DiffPart[], className = 'diff-text'): HTMLElement {
  return h(
    'pre',
    { className },
    ...parts.map((part) => (part.kind === 'same' ? part.text : h(part.kind === 'added' ? 'ins' : 'del', { className: `diff-${part.kind}`, text: part.text }))),
  );
}

/** Original against edited for one turn: the text diff, the box IoU, who edited it and when. */
export function renderTurnDiff(diff: TurnDiffView): HTMLElement {
  const facts: string[] = [];
  facts.push(diff.boxIoU === null ? 'box: not comparable' : `box IoU ${diff.boxIoU.toFixed(3)}`);
  if (diff.by) facts.push(`edited by ${diff.by}`);
  if (diff.at) facts.push(`at ${diff.at}`);
  const body = diff.original === null ? h('div', { className: 'muted', text: 'This turn has no recorded original (it was not edited, or it was inserted).' }) : renderDiffParts(diff.parts);
  return h('section', { className: 'turn-diff', attrs: { 'aria-label': `Changes to turn ${diff.turn}` } }, h('div', { className: 'diff-facts', text: facts.join(' · ') }), body);
}
