import type { Sampling } from '../trajectory/schema';

/**
 * Where the model runs is hidden behind this interface: the served backend (OpenAI-compatible
 * HTTP) and the local onnxruntime backend both implement it, and the agent loop only sees it.
 */

/** One message of the conversation as the loop builds it; images are referenced by index into `images`. */
export type PolicyContentPart = { type: 'text'; text: string } | { type: 'image'; index: number };

export interface PolicyMessage {
  role: 'system' | 'user' | 'assistant';
  content: PolicyContentPart[];
}

/** An image exactly as the model should see it (after Mini-o3's pixel-bound rescale). */
export interface PolicyImage {
  width: number;
  height: number;
  /** Encoded bytes (PNG or JPEG) and their MIME type, for backends that send files. */
  bytes: Buffer;
  mime: 'image/png' | 'image/jpeg';
  /** Raw RGB pixels, for backends that preprocess themselves (onnx). */
  rgb?: Buffer;
}

export interface GenerateParams extends Sampling {
  /** Per-turn token limit (Mini-o3: 8192). */
  max_tokens: number;
  /** Generation stops at these strings; Mini-o3 keeps `</grounding>` in the output. */
  stop: string[];
}

export interface GenerateChunk {
  /** Text generated since the previous chunk. */
  delta: string;
  /**
   * True on the first chunk after the backend restarted the turn (a retry after a dropped
   * stream): the deltas received before it are void and this one starts the text anew.
   */
  restart?: boolean;
}

export interface GenerateResult {
  /** The whole text of the turn, including the stop string when generation stopped on it. */
  text: string;
  finishReason: 'stop' | 'length' | 'cancelled' | 'error';
  usage?: { promptTokens?: number; completionTokens?: number };
  /** Time to the first token, when the backend streams. */
  firstTokenMs?: number;
}

export interface Policy {
  /** Name shown in trajectories (`model.name`) and logs. */
  readonly name: string;
  readonly backend: 'openai' | 'onnx' | string;
  /**
   * Generates one assistant turn for the conversation so far. Streams deltas to `onChunk`;
   * resolves with the full turn. Rejects on failure after the backend's own retries; resolves
   * with finishReason 'cancelled' when `signal` aborts.
   */
  generate(
    messages: readonly PolicyMessage[],
    images: readonly PolicyImage[],
    params: GenerateParams,
    options: { signal?: AbortSignal; onChunk?: (chunk: GenerateChunk) => void },
  ): Promise<GenerateResult>;
  /** Exact token counts when the backend has the tokenizer; otherwise undefined and the loop estimates. */
  countTokens?(text: string): number;
  dispose?(): Promise<void>;
}
