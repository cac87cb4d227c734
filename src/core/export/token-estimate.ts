import { smartResize } from '../imaging';
import type { ChatMessage } from '../protocol/render';
import type { Size } from '../geometry/boxes';
import { IMAGE_PLACEHOLDER } from '../protocol/prompts';

/**
 * Token estimate for the cutoff check, without a tokenizer.
 *
 * Text: every ASCII digit counts as one token (Qwen2's pre-tokenizer splits numbers into single
 * digits, and grounding boxes are mostly digits); every other UTF-8 byte counts as 1/3 token,
 * rounded up per message. English BPE averages ~4 bytes a token, so this over-estimates prose
 * by about a third: a sample near the cutoff is refused rather than silently truncated.
 *
 * Images: exact. After Mini-o3's rescale the Qwen processor resizes to `smartResize` (factor 28,
 * the trajectory's min/max pixels, as LLaMA-Factory's `image_min_pixels`/`image_max_pixels`
 * configure it) and emits (h/28)*(w/28) `<|image_pad|>` tokens, plus `<|vision_start|>` and
 * `<|vision_end|>`.
 *
 * Template: `<|im_start|>{role}\n{content}<|im_end|>\n` adds 5 tokens a message.
 */
export const TOKEN_ESTIMATOR_DESCRIPTION =
  'text: 1 token per ASCII digit + ceil(other UTF-8 bytes / 3) per message, +5 template tokens per message; ' +
  'images: exact, (h/28)*(w/28) + 2 after Mini-o3 rescale and Qwen smart_resize (factor 28, trajectory min/max pixels)';

const TEMPLATE_TOKENS_PER_MESSAGE = 5;
const VISION_DELIMITER_TOKENS = 2;
const BYTES_PER_TOKEN = 3;

export function estimateTextTokens(text: string): number {
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
  }
  const otherBytes = Buffer.byteLength(text, 'utf8') - digits;
  return digits + Math.ceil(otherBytes / BYTES_PER_TOKEN);
}

export interface PixelLimits {
  minPixels: number;
  maxPixels: number;
}

/** Tokens one image takes in the sequence (pads + vision start/end). */
export function imageTokens(size: Size, limits: PixelLimits): number {
  const resized = smartResize(size.height, size.width, { factor: 28, minPixels: limits.minPixels, maxPixels: limits.maxPixels });
  return (resized.height / 28) * (resized.width / 28) + VISION_DELIMITER_TOKENS;
}

export interface SampleTokenEstimate {
  text: number;
  images: number;
  total: number;
}

export function estimateSampleTokens(messages: readonly ChatMessage[], imageSizes: readonly Size[], limits: PixelLimits): SampleTokenEstimate {
  let text = 0;
  for (const m of messages) {
    text += TEMPLATE_TOKENS_PER_MESSAGE + estimateTextTokens(m.content.split(IMAGE_PLACEHOLDER).join(''));
  }
  let images = 0;
  for (const size of imageSizes) images += imageTokens(size, limits);
  return { text, images, total: text + images };
}
