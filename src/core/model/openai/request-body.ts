import type { GenerateParams, PolicyImage, PolicyMessage } from '../policy';

/** The JSON body of `POST /v1/chat/completions` as this backend sends it. */
export type WireContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };
export interface WireMessage {
  role: 'system' | 'user' | 'assistant';
  content: string | WireContentPart[];
}
export interface ChatCompletionRequest {
  model: string;
  messages: WireMessage[];
  max_tokens: number;
  stop: string[];
  stream: boolean;
  stream_options?: { include_usage: boolean };
  temperature?: number;
  top_p?: number;
  top_k?: number;
  seed?: number;
  /** vLLM: keep the stop string in the text (Mini-o3 keeps `</grounding>`). */
  include_stop_str_in_output?: boolean;
  /** vLLM/SGLang: 1 is Mini-o3's (vLLM SamplingParams' default); unsent, vLLM takes the model's generation_config. */
  repetition_penalty?: number;
  [extra: string]: unknown;
}

export interface RequestBodyOptions {
  model: string;
  stream: boolean;
  /** Send vLLM's `include_stop_str_in_output: true` (default). Servers without it may reject unknown fields. */
  includeStopStrInOutput: boolean;
  /** vLLM's `repetition_penalty`; null leaves it out. */
  repetitionPenalty: number | null;
  /** Extra top-level fields for a particular server; they override only `repetition_penalty`. */
  extraBody?: Record<string, unknown>;
}

const dataUrls = new WeakMap<Buffer, string>();

/** `data:<mime>;base64,...`, computed once per image buffer (every turn resends all images). */
export function imageDataUrl(image: PolicyImage): string {
  let url = dataUrls.get(image.bytes);
  if (url === undefined) {
    url = `data:${image.mime};base64,${image.bytes.toString('base64')}`;
    dataUrls.set(image.bytes, url);
  }
  return url;
}

/**
 * Messages as the OpenAI chat format carries them: text-only messages as plain strings,
 * messages with images as ordered parts. Qwen2.5-VL's chat template concatenates the parts
 * (an image part becomes `<|vision_start|><|image_pad|><|vision_end|>`), so part order is
 * the prompt's order.
 */
export function wireMessages(messages: readonly PolicyMessage[], images: readonly PolicyImage[]): WireMessage[] {
  return messages.map((message, m) => {
    const hasImage = message.content.some((part) => part.type === 'image');
    if (!hasImage) {
      return { role: message.role, content: message.content.map((part) => (part.type === 'text' ? part.text : '')).join('') };
    }
    const content: WireContentPart[] = message.content.map((part) => {
      if (part.type === 'text') return { type: 'text', text: part.text };
      const image = images[part.index];
      if (!image) throw new RangeError(`message ${m} refers to image ${part.index}, but only ${images.length} images were given`);
      return { type: 'image_url', image_url: { url: imageDataUrl(image) } };
    });
    return { role: message.role, content };
  });
}

export function chatCompletionRequest(
  messages: readonly PolicyMessage[], images: readonly PolicyImage[], params: GenerateParams, options: RequestBodyOptions,
): ChatCompletionRequest {
  const body: ChatCompletionRequest = {
    ...(options.repetitionPenalty === null ? {} : { repetition_penalty: options.repetitionPenalty }),
    ...(options.extraBody ?? {}),
    model: options.model,
    messages: wireMessages(messages, images),
    max_tokens: params.max_tokens,
    stop: [...params.stop],
    stream: options.stream,
  };
  if (options.stream) body.stream_options = { include_usage: true };
  if (params.temperature !== undefined) body.temperature = params.temperature;
  if (params.top_p !== undefined) body.top_p = params.top_p;
  if (params.top_k !== undefined) body.top_k = params.top_k;
  if (params.seed !== undefined) body.seed = params.seed;
  if (options.includeStopStrInOutput) body.include_stop_str_in_output = true;
  return body;
}
