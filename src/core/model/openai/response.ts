/**
 * Reading chat-completion responses (whole and streamed) without trusting their shape:
 * every field is checked, and what is missing is reported by name.
 */

export interface ChoiceEnd {
  /** `finish_reason` as sent (null while streaming). */
  finishReason: string | null;
  /**
   * What stopped generation when the server says: vLLM's `stop_reason` / SGLang's
   * `matched_stop` (the stop string, or an eos token id), null for eos, undefined when not reported.
   */
  stopReason?: string | number | null;
}

export interface Usage {
  promptTokens?: number;
  completionTokens?: number;
}

export interface ParsedCompletion extends ChoiceEnd {
  text: string;
  usage?: Usage;
}

export interface ParsedChunk extends Partial<ChoiceEnd> {
  delta: string;
  usage?: Usage;
}

/** An `{"error": {...}}` object as vLLM and OpenAI send it (also inside a stream). */
export interface ServerErrorObject {
  message: string;
  code?: number | string;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function errorObjectOf(value: unknown): ServerErrorObject | null {
  if (!isObject(value)) return null;
  const error = value.error;
  if (typeof error === 'string') return { message: error };
  if (isObject(error)) {
    const message = typeof error.message === 'string' ? error.message : JSON.stringify(error);
    const code = typeof error.code === 'number' || typeof error.code === 'string' ? error.code : undefined;
    return code === undefined ? { message } : { message, code };
  }
  // FastAPI-style {"detail": "..."} / {"message": "..."}
  if (typeof value.detail === 'string') return { message: value.detail };
  if (typeof value.message === 'string' && !('choices' in value)) return { message: value.message };
  return null;
}

function usageOf(value: unknown): Usage | undefined {
  if (!isObject(value)) return undefined;
  const usage: Usage = {};
  if (typeof value.prompt_tokens === 'number') usage.promptTokens = value.prompt_tokens;
  if (typeof value.completion_tokens === 'number') usage.completionTokens = value.completion_tokens;
  return usage.promptTokens === undefined && usage.completionTokens === undefined ? undefined : usage;
}

function stopReasonOf(choice: Json): string | number | null | undefined {
  for (const key of ['stop_reason', 'matched_stop']) {
    if (!(key in choice)) continue;
    const v = choice[key];
    if (v === null || typeof v === 'string' || typeof v === 'number') return v;
  }
  return undefined;
}

function finishReasonOf(choice: Json): string | null {
  return typeof choice.finish_reason === 'string' ? choice.finish_reason : null;
}

/** A non-streamed response body (already JSON-parsed); throws naming the missing field. */
export function parseCompletion(value: unknown): ParsedCompletion {
  if (!isObject(value)) throw new TypeError('the response is not a JSON object');
  const choices = value.choices;
  if (!Array.isArray(choices) || choices.length === 0) throw new TypeError('the response has no "choices"');
  const choice = choices[0];
  if (!isObject(choice)) throw new TypeError('"choices[0]" is not an object');
  const message = choice.message;
  if (!isObject(message)) throw new TypeError('"choices[0].message" is missing');
  const content = message.content;
  if (content !== null && content !== undefined && typeof content !== 'string') throw new TypeError('"choices[0].message.content" is not a string');
  const parsed: ParsedCompletion = { text: content ?? '', finishReason: finishReasonOf(choice) };
  const stopReason = stopReasonOf(choice);
  if (stopReason !== undefined) parsed.stopReason = stopReason;
  const usage = usageOf(value.usage);
  if (usage) parsed.usage = usage;
  return parsed;
}

/** One streamed chunk (`data:` JSON). The usage-only last chunk has no choices. */
export function parseChunk(value: unknown): ParsedChunk {
  if (!isObject(value)) throw new TypeError('a stream chunk is not a JSON object');
  const parsed: ParsedChunk = { delta: '' };
  const usage = usageOf(value.usage);
  if (usage) parsed.usage = usage;
  const choices = value.choices;
  if (choices === undefined || (Array.isArray(choices) && choices.length === 0)) return parsed;
  if (!Array.isArray(choices)) throw new TypeError('"choices" of a stream chunk is not a list');
  const choice = choices[0];
  if (!isObject(choice)) throw new TypeError('"choices[0]" of a stream chunk is not an object');
  const delta = choice.delta;
  if (isObject(delta) && typeof delta.content === 'string') parsed.delta = delta.content;
  const finish = finishReasonOf(choice);
  if (finish !== null) parsed.finishReason = finish;
  const stopReason = stopReasonOf(choice);
  if (stopReason !== undefined) parsed.stopReason = stopReason;
  return parsed;
}
