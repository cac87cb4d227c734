import type { TrajectoryView, TurnView } from '../../src/protocol';
import { h, icon } from '../dom';
import { formatBox, formatMs } from '../format';

function block(kind: string, label: string, body: HTMLElement): HTMLElement {
  return h('section', { className: `reasoning-block block-${kind}` }, h('div', { className: 'block-label', text: label }), body);
}

function textBody(text: string, className = 'block-text'): HTMLElement {
  return h('div', { className, text });
}

/** The parsed parts of a turn (think / grounding / answer), distinguished by colour and label. */
function parsedParts(turn: TurnView): HTMLElement[] {
  const parts: HTMLElement[] = [];
  if (turn.think !== null) parts.push(block('think', 'think', textBody(turn.think)));
  if (turn.grounding) {
    const g = turn.grounding;
    const parsed = g.bbox ? `bbox_2d ${formatBox(g.bbox)} · source ${g.source ?? '(none)'}` : 'the call did not parse';
    parts.push(block('grounding', 'grounding', h('div', {}, h('pre', { className: 'block-code', text: g.raw }), textBody(parsed, 'block-note'))));
  }
  if (turn.answer !== null) parts.push(block('answer', 'answer', textBody(turn.answer)));
  if (parts.length === 0) parts.push(block('unparsed', 'text (no <think>, <grounding> or <answer>)', h('pre', { className: 'block-code', text: turn.text })));
  return parts;
}

function metaLine(turn: TurnView): string {
  const parts: string[] = [];
  if (turn.tokens?.prompt !== undefined) parts.push(`${turn.tokens.prompt} prompt tokens`);
  if (turn.tokens?.completion !== undefined) parts.push(`${turn.tokens.completion} completion tokens`);
  if (turn.timing?.ms !== undefined) parts.push(`took ${formatMs(turn.timing.ms)}`);
  if (turn.timing?.first_token_ms !== undefined) parts.push(`first token ${formatMs(turn.timing.first_token_ms)}`);
  if (turn.edited) parts.push('edited');
  return parts.join(' · ');
}

/** Everything about a turn's text: the parts or the raw text, timings, harness feedback, findings. */
export function renderReasoning(trajectory: TrajectoryView, turn: TurnView, raw: boolean): HTMLElement {
  const body = h('div', { className: 'reasoning' });
  if (raw) body.append(h('pre', { className: 'raw-text', text: turn.text }));
  else body.append(...parsedParts(turn));

  const meta = metaLine(turn);
  if (meta) body.append(h('div', { className: 'turn-meta', text: meta }));

  if (turn.errorInfo !== undefined) {
    body.append(block('error', 'tool error', textBody(turn.errorInfo)));
  }
  if (turn.feedback !== null) {
    body.append(block('feedback', 'harness feedback (appended as the next user message)', h('pre', { className: 'block-code', text: turn.feedback })));
  }

  const fieldPrefix = `turns.${turn.index}`;
  const findings = [
    ...turn.findings.map((message) => ({ severity: turn.status === 'valid' ? 'warning' : 'error', message })),
    ...trajectory.findings
      .filter((f) => f.field === fieldPrefix || f.field.startsWith(`${fieldPrefix}.`))
      .filter((f) => !turn.findings.includes(f.message))
      .map((f) => ({ severity: f.severity, message: `${f.field}: ${f.message}` })),
  ];
  if (findings.length > 0) {
    body.append(
      h(
        'ul',
        { className: 'findings turn-findings', attrs: { 'aria-label': 'Validation findings for this turn' } },
        ...findings.map((f) => h('li', { className: `finding severity-${f.severity}` }, icon(f.severity === 'error' ? 'error' : 'warning'), h('span', { text: f.message }))),
      ),
    );
  }
  return body;
}
