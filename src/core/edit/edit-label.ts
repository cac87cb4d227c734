import { parseAssistantTurn } from '../protocol/parse';

/** "Edit turn 3 reasoning", "Edit turn 1 call"...: names the part of the text that changed. */
export function textEditLabel(turn: number, before: string, after: string): string {
  const a = parseAssistantTurn(before);
  const b = parseAssistantTurn(after);
  const changed: string[] = [];
  if (a.think !== b.think) changed.push('reasoning');
  if ((a.grounding?.raw ?? null) !== (b.grounding?.raw ?? null)) changed.push('call');
  if (a.answer !== b.answer) changed.push('answer');
  const what = changed.length === 1 ? changed[0] : 'text';
  return `Edit turn ${turn} ${what}`;
}
