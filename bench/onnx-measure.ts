import type { OnnxPolicy } from '../src/core/model/onnx/onnx-policy';
import type { PolicyImage, PolicyMessage } from '../src/core/model/policy';
import { SYSTEM_PROMPT } from '../src/core/protocol/prompts';

/**
 * Speed figures of a loaded OnnxPolicy, shared by the CPU bench and the GPU script: prefill and
 * decode throughput, time to first token, the loop's own time per token outside session.run,
 * and decode step time against context length (the KV-cache cost).
 */

const FILLER = 'The small yellow sign with a red border stands near the corner of the old brick building. ';

/** A user turn of about `tokens` tokens (counted with the model's tokenizer). */
export function textOfTokens(policy: OnnxPolicy, tokens: number): string {
  const per = policy.countTokens(FILLER);
  const text = FILLER.repeat(Math.max(1, Math.floor(tokens / per)));
  return text;
}

export function promptOf(policy: OnnxPolicy, tokens: number, withImage: boolean): PolicyMessage[] {
  const system = policy.countTokens(SYSTEM_PROMPT) + 20;
  const user: PolicyMessage['content'] = withImage ? [{ type: 'image', index: 0 }] : [];
  user.push({ type: 'text', text: textOfTokens(policy, Math.max(8, tokens - system)) });
  return [
    { role: 'system', content: [{ type: 'text', text: SYSTEM_PROMPT }] },
    { role: 'user', content: user },
  ];
}

export function noiseImage(width: number, height: number): PolicyImage {
  const rgb = Buffer.alloc(width * height * 3);
  let s = 12345;
  for (let i = 0; i < rgb.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    rgb[i] = s >>> 24;
  }
  return { width, height, rgb, bytes: Buffer.alloc(0), mime: 'image/png' };
}

export interface TurnFigures {
  promptTokens: number;
  prefillTokPerS: number;
  prefillMs: number;
  firstTokenMs: number;
  decodeTokPerS: number;
  decodeStepMs: number;
  /** Share of decode time spent outside session.run (sampling, detokenizing, tensors, messages). */
  outsideRunPct: number;
  imagesEncoded: number;
}

/** One full turn from an empty cache (greedy, `decodeTokens` tokens). */
export async function measureTurn(policy: OnnxPolicy, messages: PolicyMessage[], images: PolicyImage[], decodeTokens: number): Promise<TurnFigures> {
  policy.resetCache();
  const result = await policy.generate(messages, images, { max_tokens: decodeTokens, stop: [], temperature: 0 });
  const s = result.stats;
  const decodeSteps = Math.max(1, s.decodeSteps);
  return {
    promptTokens: s.promptTokens,
    prefillTokPerS: s.promptTokens / (s.prefillMs / 1000),
    prefillMs: s.prefillMs,
    firstTokenMs: s.firstTokenMs ?? Number.NaN,
    decodeTokPerS: decodeSteps / (s.decodeMs / 1000),
    decodeStepMs: s.decodeMs / decodeSteps,
    outsideRunPct: (100 * (s.decodeMs - s.decodeRunMs)) / s.decodeMs,
    imagesEncoded: s.imagesEncoded,
  };
}

export function round(value: number, digits = 3): number {
  if (!Number.isFinite(value)) return value;
  const magnitude = Math.abs(value) >= 1 ? Math.floor(Math.log10(Math.abs(value))) + 1 : 1;
  const factor = 10 ** Math.max(0, digits - magnitude + 1);
  return Math.round(value * factor) / factor;
}

/** Figures of one model under a name prefix: a turn with an image, then decode steps at each context. */
export async function measureModel(
  policy: OnnxPolicy,
  prefix: string,
  options: { contexts: number[]; decodeTokens: number; image: { width: number; height: number } | null },
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const images = options.image ? [noiseImage(options.image.width, options.image.height)] : [];
  // Warm-up: the first run of a session pays one-time allocations.
  await measureTurn(policy, promptOf(policy, 64, images.length > 0), images, 4);
  const turn = await measureTurn(policy, promptOf(policy, 256, images.length > 0), images, options.decodeTokens);
  out[`${prefix}_prompt_tokens`] = turn.promptTokens;
  out[`${prefix}_prefill_tok_s`] = round(turn.prefillTokPerS);
  out[`${prefix}_first_token_ms`] = round(turn.firstTokenMs);
  out[`${prefix}_decode_tok_s`] = round(turn.decodeTokPerS);
  out[`${prefix}_outside_run_pct`] = round(turn.outsideRunPct, 2);
  for (const context of options.contexts) {
    const figures = await measureTurn(policy, promptOf(policy, context, false), [], Math.min(options.decodeTokens, 16));
    const label = context >= 1000 ? `${Math.round(context / 1000)}k` : String(context);
    out[`${prefix}_decode_step_ms_ctx_${label}`] = round(figures.decodeStepMs);
    if (context === options.contexts[options.contexts.length - 1]) out[`${prefix}_prefill_tok_s_ctx_${label}`] = round(figures.prefillTokPerS);
  }
  return out;
}
