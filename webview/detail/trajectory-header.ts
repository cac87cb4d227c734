import type { TrajectoryView } from '../../src/protocol';
import { h, icon } from '../dom';
import { correctMark, REVIEW_INFO, statusColour, statusText } from '../format';
import { statusChip } from '../list/row-view';

/** Findings not tied to one turn (those are shown with the turn). */
function trajectoryFindings(t: TrajectoryView): TrajectoryView['findings'] {
  return t.findings.filter((f) => !/^turns\.\d+(\.|$)/.test(f.field));
}

export function renderTrajectoryHeader(t: TrajectoryView, onReveal: () => void): HTMLElement {
  const mark = correctMark(t.correct);
  const review = REVIEW_INFO[t.reviewStatus];
  const reveal = h('button', { className: 'link-button', title: 'Open this line as JSON text beside the editor', attrs: { type: 'button' } }, icon('go-to-file'), h('span', { text: `line ${t.line}` }));
  reveal.addEventListener('click', onReveal);
  const chips = h(
    'div',
    { className: 'detail-chips' },
    statusChip(t.status),
    h('span', { className: `chip colour-${mark.colour}`, text: `${mark.mark} ${mark.label}` }),
    h('span', { className: `chip colour-${review.colour}` }, icon(review.icon), h('span', { text: review.label })),
  );
  if (t.model) chips.append(h('span', { className: 'chip colour-muted', text: t.model.synthetic ? `${t.model.name} (synthetic)` : t.model.name }));
  if (t.fork) chips.append(h('span', { className: 'chip colour-blue', text: `fork of ${t.fork.trajectoryId} at turn ${t.fork.turn}` }));

  const answers = h('dl', { className: 'detail-answers' });
  const pair = (term: string, value: string | null) => {
    answers.append(h('dt', { text: term }), h('dd', { text: value ?? '—', className: value === null ? 'muted' : '' }));
  };
  pair('answer key', t.task.answer);
  pair('model answer', t.answer);
  pair('task', t.task.id);
  if (t.task.dataSource !== null) pair('data source', t.task.dataSource);

  const header = h(
    'header',
    { className: 'detail-header' },
    h('div', { className: 'detail-title' }, h('span', { className: 'detail-id', text: t.id, title: t.id }), reveal),
    chips,
    h('div', { className: 'detail-question', text: t.task.question }),
    answers,
  );
  const findings = trajectoryFindings(t);
  if (findings.length > 0) {
    header.append(
      h(
        'ul',
        { className: 'findings trajectory-findings', attrs: { 'aria-label': 'Validation findings' } },
        ...findings.map((f) => h('li', { className: `finding severity-${f.severity}` }, icon(f.severity === 'error' ? 'error' : 'warning'), h('span', { text: `${f.field ? `${f.field}: ` : ''}${f.message}` }))),
      ),
    );
  }
  return header;
}

export function renderTurnStrip(t: TrajectoryView, selected: number | null, onSelect: (turn: number) => void): HTMLElement {
  const strip = h('nav', { className: 'turn-strip', attrs: { 'aria-label': 'Turns' } });
  for (const turn of t.turns) {
    const button = h('button', {
      className: `turn-chip colour-${statusColour(turn.status)}${turn.index === selected ? ' selected' : ''}${turn.stale ? ' stale' : ''}${turn.edited ? ' edited' : ''}`,
      title: `turn ${turn.index}: ${turn.action}, ${statusText(turn.status)}${turn.edited ? ', edited' : ''}${turn.stale ? ', stale (rests on an edited earlier crop)' : ''}`,
      text: `${turn.index} ${turn.action === 'over_turn' ? 'over turn' : turn.action}${turn.edited ? ' ✎' : ''}${turn.stale ? ' · stale' : ''}`,
      attrs: { type: 'button', 'aria-pressed': turn.index === selected ? 'true' : 'false', 'data-turn': turn.index },
    });
    button.addEventListener('click', () => onSelect(turn.index));
    strip.append(button);
  }
  if (t.turns.length === 0) strip.append(h('span', { className: 'muted', text: 'no turns' }));
  return strip;
}
