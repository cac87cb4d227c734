import { IMAGE_PLACEHOLDER } from '../../core/protocol/prompts';
import { withImagePlaceholder } from '../../core/search/task-identity';

export { searchTaskId } from '../../core/search/task-identity';

/** Why a typed question cannot be used, or null (for the input box's validateInput). */
export function questionProblem(text: string): string | null {
  if (text.trim() === '') return 'Type the question about the image.';
  const placeholders = text.split(IMAGE_PLACEHOLDER).length - 1;
  if (placeholders > 1) return `The question may hold ${IMAGE_PLACEHOLDER} once (where the image goes); it holds it ${placeholders} times.`;
  return null;
}

/** The typed question, trimmed, with Mini-o3's image prefix (unless the user placed `<image>`). */
export function withImagePrefix(question: string): string {
  return withImagePlaceholder(question.trim());
}

/** "12" or "12, 24,32" -> [12, 24, 32]; a message naming the bad entry otherwise. */
export function parseMaxTurnsList(text: string, ceiling: number): number[] | string {
  const parts = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (parts.length === 0) return 'Give at least one max-turn limit, e.g. 12 or 12,24,32.';
  const values: number[] = [];
  for (const part of parts) {
    const value = Number(part);
    if (!/^\d+$/.test(part) || value < 1 || value > ceiling) return `"${part}" is not a whole number of turns from 1 to ${ceiling}.`;
    if (!values.includes(value)) values.push(value);
  }
  return values;
}

/** A whole number in [min, max] typed into an input box, or a message. */
export function parseCount(text: string, min: number, max: number, what: string): number | string {
  const value = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || value < min || value > max) return `${what} must be a whole number from ${min} to ${max}.`;
  return value;
}
