import type { Size } from '../geometry/boxes';
import { minio3CropResizeSize, minio3InitialResizeSize } from '../imaging/minio3-resize';
import { QWEN25_VL_PREPROCESSOR_BOUNDS } from '../imaging/preprocess';
import { smartResize } from '../imaging/smart-resize';
import { estimateTextTokens } from '../export/token-estimate';
import { IMAGE_PLACEHOLDER, IM_END, IM_START, VISION_TOKENS } from '../protocol/prompts';
import { systemPromptOf } from '../protocol/render';
import type { TokenBudget } from '../protocol/replay';
import type { Trajectory } from '../trajectory/schema';

/**
 * Context-length accounting for Mini-o3's over-turn rule (`context_length >=
 * max_total_response_length - 2000`, checked before and after appending an observation).
 *
 * Mini-o3 counts every token of the sequence: the initial prompt with the original's
 * `<|image_pad|>` expanded to its N image tokens (`prefix_length + N - 1`), each generated
 * turn (`len(response_)`), and each appended user message with its crop's tokens
 * (`len(next_turn_prompt_ids) + N - 1`).
 *
 * The loop uses, in order of preference:
 *  1. the server's `usage` (exact): before the checks of turn i the context is
 *     `prompt_tokens + completion_tokens` of that turn's request, which is that same sum;
 *  2. the policy's own tokenizer (`countTokens`), when it has one;
 *  3. an estimate (below) for text, exact counts for images.
 * The appended user message of the "after" check is always counted with 2 or 3, since it is
 * decided before the next request reveals its exact size.
 *
 * Text estimate: each chat-template special token (`<|im_start|>`, `<|vision_start|>`...) is
 * one token; the rest follows `estimateTextTokens` (one token per digit, a third of a token per
 * other UTF-8 byte), which over-estimates English prose by about a third, so the budget trips
 * early rather than late.
 * Images: exact. The model sees the image after Mini-o3's rescale; the Qwen2.5-VL processor
 * then applies smart_resize (factor 28, its own 3136..12845056 pixel bounds) and emits
 * (h/28)*(w/28) `<|image_pad|>` tokens.
 */
export const CONTEXT_ACCOUNTING =
  'exact from the server usage (prompt_tokens + completion_tokens) when reported; otherwise the tokenizer, ' +
  'else an estimate (special tokens 1 each, 1 per digit, 1/3 per other UTF-8 byte); images exact: (h/28)*(w/28) after smart_resize';

const SPECIAL_TOKEN = /<\|[a-z_]+\|>/g;

export type TextCounter = (text: string) => number;

/** The estimate described above. */
export function estimateTokens(text: string): number {
  let specials = 0;
  const rest = text.replace(SPECIAL_TOKEN, () => {
    specials++;
    return '';
  });
  return specials + estimateTextTokens(rest);
}

/** `<|image_pad|>` tokens of an image the model sees at this (already rescaled) size. */
export function modelImageTokens(size: Size): number {
  const resized = smartResize(size.height, size.width, { factor: 28, ...QWEN25_VL_PREPROCESSOR_BOUNDS });
  return (resized.height / 28) * (resized.width / 28);
}

export interface PixelBounds {
  min_pixels: number;
  max_pixels: number;
}

/** The size a crop of this (pre-resize) size is shown to the model at: Mini-o3's NEAREST rescale. */
export function cropModelSize(size: Size, bounds: PixelBounds): Size {
  const steps = minio3CropResizeSize(size.width, size.height, { minPixels: bounds.min_pixels, maxPixels: bounds.max_pixels });
  return steps.at(-1) ?? size;
}

/** The size the original is shown to the model at: the dataset's LANCZOS rescale. */
export function originalModelSize(size: Size, bounds: PixelBounds): Size {
  const steps = minio3InitialResizeSize(size.width, size.height, { minPixels: bounds.min_pixels, maxPixels: bounds.max_pixels });
  return steps.at(-1) ?? size;
}

/** Qwen2.5-VL's template around the first prompt, `add_generation_prompt=True`. */
export function initialPromptText(systemPrompt: string, question: string): string {
  return (
    `${IM_START}system\n${systemPrompt}${IM_END}\n` +
    `${IM_START}user\n${question.split(IMAGE_PLACEHOLDER).join(VISION_TOKENS)}${IM_END}\n` +
    `${IM_START}assistant\n`
  );
}

/** What `process_tool_call` appends after a turn (`next_turn_prompt_ids`), vision tokens inline. */
export function appendedMessageText(feedback: string): string {
  return `${IM_END}\n${IM_START}user\n${feedback}${IM_END}\n${IM_START}assistant\n`;
}

/**
 * The accounting as a replay budget, for `replayTrajectory(t, { budget })`: with the same
 * counter, replay decides the context over-turn exactly where a loop without server usage did.
 */
export function contextBudget(bounds: PixelBounds, count: TextCounter = estimateTokens): TokenBudget {
  return {
    initialPrompt(t: Trajectory, originalSize: Size): number {
      const text = initialPromptText(systemPromptOf(t), t.task.question);
      return count(text) + modelImageTokens(originalModelSize(originalSize, bounds)) - 1;
    },
    text: count,
    cropImage(size: Size): number {
      return modelImageTokens(cropModelSize(size, bounds));
    },
  };
}
