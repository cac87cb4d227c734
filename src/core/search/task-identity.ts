import { createHash } from 'node:crypto';
import path from 'node:path';
import { IMAGE_PLACEHOLDER } from '../protocol/prompts';

/** Mini-o3's user turn: the image placeholder, a newline, the question (unless the question places it). */
export function withImagePlaceholder(question: string): string {
  return question.includes(IMAGE_PLACEHOLDER) ? question : `${IMAGE_PLACEHOLDER}\n${question}`;
}

/**
 * The task id of an ad-hoc search (CLI `search`, the editor's Run Visual Search): the image's
 * name and a digest of (absolute image path, prefixed question), so a rerun of the same
 * question on the same image lands in the same task.
 */
export function searchTaskId(imageAbs: string, question: string): string {
  const digest = createHash('sha256').update(`${imageAbs}\u0000${question}`).digest('hex').slice(0, 8);
  return `${path.parse(imageAbs).name}-${digest}`;
}
