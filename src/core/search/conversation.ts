import type { PolicyContentPart, PolicyMessage } from '../model/policy';
import { IMAGE_PLACEHOLDER, VISION_TOKENS } from '../protocol/prompts';

/**
 * The messages of Mini-o3's conversation as a Policy receives them. Text is split where
 * Mini-o3 has an image (`<image>` in the task's question, the vision tokens in an observation
 * prompt) and an image part takes that place, so a chat template that renders an image part
 * as `<|vision_start|><|image_pad|><|vision_end|>` (Qwen2.5-VL's does) rebuilds Mini-o3's
 * prompt byte for byte.
 */

/** Splits `text` at each `token` and puts the next image index there; empty text pieces are dropped. */
export function partsWithImages(text: string, token: string, imageIndices: readonly number[]): PolicyContentPart[] {
  const pieces = text.split(token);
  if (pieces.length - 1 !== imageIndices.length) {
    throw new RangeError(`the text holds ${pieces.length - 1} image placeholders but ${imageIndices.length} images were given`);
  }
  const parts: PolicyContentPart[] = [];
  pieces.forEach((piece, k) => {
    if (k > 0) parts.push({ type: 'image', index: imageIndices[k - 1]! });
    if (piece !== '') parts.push({ type: 'text', text: piece });
  });
  return parts;
}

export function systemMessage(text: string): PolicyMessage {
  return { role: 'system', content: [{ type: 'text', text }] };
}

/** The task's question with its single `<image>` as image 0 (the resized original). */
export function questionMessage(question: string): PolicyMessage {
  return { role: 'user', content: partsWithImages(question, IMAGE_PLACEHOLDER, [0]) };
}

export function assistantMessage(text: string): PolicyMessage {
  return { role: 'assistant', content: [{ type: 'text', text }] };
}

/** The harness's message after a turn: an observation prompt with its crop, or an error text. */
export function feedbackMessage(feedback: string, imageIndex: number | null): PolicyMessage {
  return { role: 'user', content: partsWithImages(feedback, VISION_TOKENS, imageIndex === null ? [] : [imageIndex]) };
}

/** The text of a message with each image part written as `imageToken` (for checks and logs). */
export function messageText(message: PolicyMessage, imageToken = VISION_TOKENS): string {
  return message.content.map((part) => (part.type === 'text' ? part.text : imageToken)).join('');
}
