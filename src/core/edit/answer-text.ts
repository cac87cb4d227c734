import { parseAssistantTurn } from '../protocol/parse';
import { EditError } from './edit-error';

const FIRST_ANSWER = /<answer>[\s\S]*?<\/answer>/;

/** The final turn's text with its first `<answer>` (the one replay reads) rewritten, or one appended. */
export function withAnswer(text: string, answer: string, turn: number): string {
  if (answer.includes('</answer>') || answer.includes('<answer>')) {
    throw new EditError('the answer cannot contain <answer> or </answer>');
  }
  const element = `<answer>${answer}</answer>`;
  if (FIRST_ANSWER.test(text)) return text.replace(FIRST_ANSWER, () => element);
  if (parseAssistantTurn(text).grounding) {
    throw new EditError(`the final turn ${turn} is a tool call: insert an answer turn after it instead`);
  }
  const body = text.replace(/\s+$/, '');
  return body === '' ? element : `${body}\n${element}`;
}
