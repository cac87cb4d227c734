import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import type { PolicyMessage } from '../policy';

/**
 * The model folder's tokenizer and chat template, as Hugging Face applies them for Qwen2.5-VL:
 * the template renders each image part as `<|vision_start|><|image_pad|><|vision_end|>`, and the
 * single `<|image_pad|>` of image k is then expanded to that image's `t·h·w / merge²` tokens
 * (what Qwen2VLProcessor does before tokenizing).
 */

export const IMAGE_PAD = '<|image_pad|>';
export const VISION_START = '<|vision_start|>';
export const VISION_END = '<|vision_end|>';
export const IM_END_TOKEN = '<|im_end|>';

export class ChatTemplateError extends Error {
  constructor(readonly file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'ChatTemplateError';
  }
}

export interface ChatTokenizerSource {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  /** The Jinja chat template text. */
  chatTemplate: string;
  /** Where the template came from, for messages. */
  templateFile: string;
}

export interface EncodedPrompt {
  ids: number[];
  /** Where each image's pad tokens are, in image order. */
  imageSpans: { image: number; start: number; length: number }[];
}

/** The `<|image_pad|>` of image k (k-th occurrence) repeated `counts[k]` times. */
export function expandImagePads(text: string, counts: readonly number[]): string {
  const pieces = text.split(IMAGE_PAD);
  if (pieces.length - 1 !== counts.length) {
    throw new RangeError(`the prompt holds ${pieces.length - 1} ${IMAGE_PAD} but ${counts.length} images were given`);
  }
  return pieces.map((piece, k) => (k === 0 ? piece : IMAGE_PAD.repeat(counts[k - 1]!) + piece)).join('');
}

export class ChatTokenizer {
  private readonly tokenizer: Tokenizer;
  private readonly template: Template;
  private readonly specialTokens: Record<string, unknown>;
  /** The largest id the tokenizer knows + 1: ids at or above it are never sampled. */
  readonly size: number;

  constructor(source: ChatTokenizerSource) {
    this.tokenizer = new Tokenizer(source.tokenizerJson, source.tokenizerConfig);
    try {
      this.template = new Template(source.chatTemplate);
    } catch (error) {
      throw new ChatTemplateError(source.templateFile, `the chat template does not parse: ${error instanceof Error ? error.message : String(error)}`);
    }
    const config = source.tokenizerConfig;
    this.specialTokens = {
      bos_token: tokenText(config.bos_token),
      eos_token: tokenText(config.eos_token),
      pad_token: tokenText(config.pad_token),
      unk_token: tokenText(config.unk_token),
    };
    let max = 0;
    for (const id of this.tokenizer.get_vocab(true).values()) max = Math.max(max, id);
    this.size = max + 1;
  }

  /** Id of a token the model needs (`<|image_pad|>` ...); undefined when the vocabulary lacks it. */
  tokenId(token: string): number | undefined {
    return this.tokenizer.token_to_id(token);
  }

  encode(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  /** Decodes as Mini-o3 does (`skip_special_tokens=True`). */
  decode(ids: readonly number[]): string {
    if (ids.length === 0) return '';
    return this.tokenizer.decode([...ids], { skip_special_tokens: true, clean_up_tokenization_spaces: false });
  }

  /** The template's text for the conversation with the assistant header added (image pads not expanded). */
  render(messages: readonly PolicyMessage[]): string {
    const templateMessages = messages.map((m) => ({
      role: m.role,
      content: m.content.map((part) => (part.type === 'text' ? { type: 'text', text: part.text } : { type: 'image' })),
    }));
    return this.template.render({ ...this.specialTokens, messages: templateMessages, add_generation_prompt: true, add_vision_id: false });
  }

  /** The whole prompt text with each image's pads expanded (what gets tokenized). */
  promptText(messages: readonly PolicyMessage[], imageTokenCounts: readonly number[]): string {
    return expandImagePads(this.render(messages), imageTokenCounts);
  }

  /**
   * Token ids of the prompt. Tokenizes the template text with one pad per image, then expands
   * each pad id: the same ids as tokenizing the expanded text (a special token is always its
   * own piece), without running thousands of pads through the tokenizer.
   */
  encodePrompt(messages: readonly PolicyMessage[], imageTokenCounts: readonly number[]): EncodedPrompt {
    const text = this.render(messages);
    const padId = this.tokenId(IMAGE_PAD);
    if (padId === undefined) throw new Error(`the tokenizer has no ${IMAGE_PAD} token`);
    const compact = this.encode(text);
    const pads = compact.filter((id) => id === padId).length;
    if (pads !== imageTokenCounts.length) {
      throw new RangeError(`the prompt holds ${pads} ${IMAGE_PAD} but ${imageTokenCounts.length} images were given`);
    }
    const ids: number[] = [];
    const imageSpans: EncodedPrompt['imageSpans'] = [];
    for (const id of compact) {
      if (id !== padId) {
        ids.push(id);
        continue;
      }
      const length = imageTokenCounts[imageSpans.length]!;
      imageSpans.push({ image: imageSpans.length, start: ids.length, length });
      for (let i = 0; i < length; i++) ids.push(padId);
    }
    return { ids, imageSpans };
  }
}

function tokenText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  return null;
}
