import { chatCompletionsUrl, redactUrl } from '../model/openai/endpoint';
import { redactSecret } from '../model/openai/errors';

/**
 * A plain (non-streaming) OpenAI-compatible chat completion, enough for an answer judge.
 * Kept apart from the policy backend: the judge sends text only and retries on its own terms.
 */
export interface ChatMessage {
  role: 'system' | 'user';
  /** Mini-o3 sends every message as a list of text parts. */
  content: { type: 'text'; text: string }[];
}

export interface ChatRequest {
  messages: ChatMessage[];
  temperature: number;
  maxTokens: number;
}

/** Sends one request; resolves with the reply's text. */
export type ChatCompletion = (request: ChatRequest, signal?: AbortSignal) => Promise<string>;

export class ChatCompletionError extends Error {
  constructor(message: string, readonly status: number | null, readonly retryAfterMs: number | null) {
    super(message);
    this.name = 'ChatCompletionError';
  }
}

export interface OpenAiChatOptions {
  /** Server root, API base (`http://host:8000/v1`) or the chat-completions endpoint (same rules as the policy's URL). */
  url: string;
  model: string;
  apiKey?: string;
  timeoutMs?: number;
}

export function openAiChatCompletion(options: OpenAiChatOptions): ChatCompletion {
  const endpoint = redactUrl(chatCompletionsUrl(options.url));
  const url = chatCompletionsUrl(options.url);
  const clean = (text: string) => redactSecret(text, options.apiKey);
  const timeoutMs = options.timeoutMs ?? 120_000;
  return async (request, signal) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
        },
        body: JSON.stringify({
          model: options.model,
          messages: request.messages,
          temperature: request.temperature,
          max_tokens: request.maxTokens,
        }),
        signal: combined,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      const why = timeout.aborted ? `no reply within ${timeoutMs} ms` : error instanceof Error ? error.message : String(error);
      throw new ChatCompletionError(clean(`judge request to ${endpoint} failed: ${why}`), null, null);
    }
    const body = await response.text();
    if (!response.ok) {
      const retryAfter = Number(response.headers.get('retry-after'));
      throw new ChatCompletionError(
        clean(`judge endpoint ${endpoint} answered HTTP ${response.status}: ${body.slice(0, 200)}`),
        response.status,
        Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : null,
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new ChatCompletionError(clean(`judge endpoint ${endpoint} answered with something that is not JSON: ${body.slice(0, 200)}`), response.status, null);
    }
    const content = replyText(parsed);
    if (content === null) throw new ChatCompletionError(clean(`judge endpoint ${endpoint} answered without choices[0].message.content: ${body.slice(0, 200)}`), response.status, null);
    return content;
  };
}

function replyText(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return null;
  const choices = (value as { choices?: unknown }).choices;
  if (!Array.isArray(choices) || choices.length === 0) return null;
  const message = (choices[0] as { message?: unknown }).message;
  if (typeof message !== 'object' || message === null) return null;
  const content = (message as { content?: unknown }).content;
  return typeof content === 'string' ? content : null;
}
