import type { GenerateChunk, GenerateParams, GenerateResult, Policy, PolicyImage, PolicyMessage } from '../policy';
import { chatCompletionsUrl, redactUrl } from './endpoint';
import { ModelServerError, redactSecret } from './errors';
import { readBodyText, type BodyReadOptions } from './read-body';
import { chatCompletionRequest } from './request-body';
import { errorObjectOf, parseChunk, parseCompletion, type ParsedCompletion } from './response';
import { backoffDelay, parseRetryAfter, sleep } from './retry';
import { SseParser } from './sse';
import { missingStopString } from './stop-string';

export interface OpenAiPolicyOptions {
  /** Server root, API base (`.../v1`) or the chat-completions endpoint itself. */
  url: string;
  /** The served model name (`--served-model-name`). */
  model: string;
  /** Sent as `Authorization: Bearer`; never appears in messages or logs. */
  apiKey?: string;
  /** Longest silence tolerated: connecting and waiting for headers, then between streamed chunks (or for the whole body when not streaming). Default 120 s. */
  timeoutMs?: number;
  /** Retries after the first attempt, on network faults, timeouts, 429 and 5xx. Default 4. */
  retries?: number;
  /** Stream with SSE (default) or wait for the whole response. */
  stream?: boolean;
  /** First backoff delay (doubles each retry, jittered); default 500 ms, capped at `maxDelayMs` (16 s). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A Retry-After longer than this fails the request instead of waiting (default 120 s). */
  maxRetryAfterMs?: number;
  /** vLLM's `include_stop_str_in_output` (default true); turn off for servers that reject unknown fields. */
  includeStopStrInOutput?: boolean;
  /**
   * vLLM/SGLang `repetition_penalty`, default 1 (Mini-o3's rollouts use vLLM's SamplingParams
   * default, 1.0; left out, vLLM applies the model's generation_config, 1.05 for Qwen2.5-VL).
   * null leaves the field out, for servers that reject it.
   */
  repetitionPenalty?: number | null;
  /** Extra request fields for a particular server. */
  extraBody?: Record<string, unknown>;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** `model.name` in trajectories; defaults to `model`. */
  name?: string;
  /** Told about each retry before its wait. */
  onRetry?: (info: RetryInfo) => void;
  /** Jitter source (tests). */
  random?: () => number;
}

export interface RetryInfo {
  /** 1 for the first retry. */
  retry: number;
  delayMs: number;
  reason: string;
}

const DEFAULTS = { timeoutMs: 120_000, retries: 4, baseDelayMs: 500, maxDelayMs: 16_000, maxRetryAfterMs: 120_000 };
/** Cap on a response body read into memory (a chat completion is a few KB; error pages are small). */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** The attempt ended because the caller aborted. */
class Cancelled {
  constructor(readonly partial: string) {}
}

/** The caller's onChunk threw: its error, not a server fault to retry. */
class CallbackFailed {
  constructor(readonly error: unknown) {}
}

/**
 * A model served by an OpenAI-compatible server (vLLM, SGLang): `POST {url}/v1/chat/completions`
 * with images as `data:` URLs, streamed with SSE or not, with timeouts and retries. Errors are
 * `ModelServerError`s that name the URL and status and never contain the API key.
 */
export class OpenAiPolicy implements Policy {
  readonly name: string;
  readonly backend = 'openai';
  readonly endpoint: string;
  private readonly options: Required<Pick<OpenAiPolicyOptions, 'timeoutMs' | 'retries' | 'baseDelayMs' | 'maxDelayMs' | 'maxRetryAfterMs'>> & OpenAiPolicyOptions;
  private readonly shownUrl: string;

  constructor(options: OpenAiPolicyOptions) {
    this.endpoint = chatCompletionsUrl(options.url);
    this.shownUrl = redactUrl(this.endpoint);
    this.options = { ...DEFAULTS, ...stripUndefined(options) };
    this.name = options.name ?? options.model;
    const { timeoutMs, retries } = this.options;
    if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${timeoutMs}`);
    if (!Number.isSafeInteger(retries) || retries < 0) throw new RangeError(`retries must be an integer >= 0, got ${retries}`);
    if (options.model.trim() === '') throw new RangeError('model name is empty (the server\'s --served-model-name)');
  }

  async generate(
    messages: readonly PolicyMessage[],
    images: readonly PolicyImage[],
    params: GenerateParams,
    { signal, onChunk }: { signal?: AbortSignal; onChunk?: (chunk: GenerateChunk) => void } = {},
  ): Promise<GenerateResult> {
    const stream = this.options.stream ?? true;
    const requestBody = chatCompletionRequest(messages, images, params, {
      model: this.options.model,
      stream,
      includeStopStrInOutput: this.options.includeStopStrInOutput ?? true,
      repetitionPenalty: this.options.repetitionPenalty === undefined ? 1 : this.options.repetitionPenalty,
      ...(this.options.extraBody ? { extraBody: this.options.extraBody } : {}),
    });
    const body = JSON.stringify(requestBody);
    const started = performance.now();
    let firstTokenMs: number | undefined;
    let emitted = false;
    let restartPending = false;
    const onDelta = (delta: string): void => {
      if (delta === '') return;
      firstTokenMs ??= performance.now() - started;
      const chunk: GenerateChunk = restartPending ? { delta, restart: true } : { delta };
      restartPending = false;
      emitted = true;
      try {
        onChunk?.(chunk);
      } catch (error) {
        throw new CallbackFailed(error);
      }
    };

    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) return { text: '', finishReason: 'cancelled' };
      try {
        const done = await this.attempt(body, stream, params.stop, signal, onDelta);
        if (restartPending) onChunk?.({ delta: '', restart: true });
        const result: GenerateResult = { text: done.text, finishReason: done.finishReason === 'length' ? 'length' : 'stop' };
        if (done.usage) result.usage = done.usage;
        if (firstTokenMs !== undefined) result.firstTokenMs = firstTokenMs;
        return result;
      } catch (error) {
        if (error instanceof Cancelled) return { text: error.partial, finishReason: 'cancelled' };
        if (error instanceof CallbackFailed) throw error.error;
        const failure = error instanceof ModelServerError ? error : this.fail(`request to ${this.shownUrl} failed: ${messageOf(error)}`, { retryable: false });
        if (!failure.details.retryable || attempt >= this.options.retries) throw this.finalError(failure, attempt + 1);
        const retryAfter = failure.details.retryAfterMs;
        if (retryAfter !== undefined && retryAfter > this.options.maxRetryAfterMs) {
          throw this.fail(`${failure.message}; the server asked to retry after ${Math.round(retryAfter / 1000)} s, ` +
            `more than the ${Math.round(this.options.maxRetryAfterMs / 1000)} s allowed`, { ...failure.details, retryable: false, attempts: attempt + 1 });
        }
        const delayMs = Math.max(backoffDelay(attempt, this.options, this.options.random), retryAfter ?? 0);
        this.options.onRetry?.({ retry: attempt + 1, delayMs, reason: failure.message });
        if (!(await sleep(delayMs, signal))) return { text: '', finishReason: 'cancelled' };
        if (emitted) restartPending = true;
      }
    }
  }

  private async attempt(
    body: string, stream: boolean, stop: readonly string[], signal: AbortSignal | undefined, onDelta: (delta: string) => void,
  ): Promise<ParsedCompletion> {
    const controller = new AbortController();
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, this.options.timeoutMs);
    };
    const onAbort = (): void => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const partial = { text: '' };
    const read: BodyReadOptions = { onProgress: arm, maxBytes: MAX_BODY_BYTES };
    try {
      arm();
      const response = await fetch(this.endpoint, { method: 'POST', headers: this.headers(stream), body, signal: controller.signal });
      arm();
      const type = response.headers.get('content-type') ?? '';
      if (!response.ok) {
        const text = await readBodyText(response, { ...read, maxBytes: 64 * 1024 }).catch(() => '');
        throw this.statusError(response, type, text);
      }
      const completion = stream && type.includes('text/event-stream')
        ? await this.readStream(response, read, partial, onDelta)
        : this.completionOf(response.status, type, await readBodyText(response, read));
      if (!stream || !type.includes('text/event-stream')) onDelta(completion.text);
      const missing = missingStopString(completion.text, completion.finishReason, stop, completion.stopReason);
      if (missing !== '') {
        completion.text += missing;
        onDelta(missing);
      }
      if (completion.finishReason === 'abort') {
        throw this.fail(`${this.shownUrl} aborted the generation (finish_reason "abort")`, { retryable: true });
      }
      return completion;
    } catch (error) {
      if (signal?.aborted) throw new Cancelled(partial.text);
      if (error instanceof ModelServerError || error instanceof CallbackFailed) throw error;
      if (error instanceof RangeError) throw this.fail(`${this.shownUrl}: ${error.message}`, { retryable: false });
      if (timedOut) {
        throw this.fail(`no response from ${this.shownUrl} for ${this.options.timeoutMs} ms (timed out)`, { retryable: true });
      }
      throw this.fail(`${this.shownUrl}: ${transportReason(error)}`, { retryable: true });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      // Releases the connection of an attempt that failed mid-body; a no-op once it was read.
      controller.abort();
    }
  }

  private async readStream(
    response: Response, read: BodyReadOptions, partial: { text: string }, onDelta: (delta: string) => void,
  ): Promise<ParsedCompletion> {
    if (!response.body) throw this.fail(`${this.shownUrl} sent an event stream without a body`, { retryable: true });
    const reader = response.body.getReader();
    const decoder = new TextDecoder('utf-8');
    const parser = new SseParser();
    const result: ParsedCompletion = { text: '', finishReason: null };
    let done = false;
    const handle = (data: string): void => {
      if (data.trim() === '[DONE]') {
        done = true;
        return;
      }
      let value: unknown;
      try {
        value = JSON.parse(data);
      } catch {
        throw this.fail(`${this.shownUrl} sent a stream event that is not JSON: ${JSON.stringify(snippet(data))}`, { retryable: true });
      }
      const serverError = errorObjectOf(value);
      if (serverError) {
        const code = typeof serverError.code === 'number' ? serverError.code : Number.parseInt(String(serverError.code ?? ''), 10);
        const retryable = !(code >= 400 && code < 500) || code === 429 || code === 408;
        throw this.fail(`${this.shownUrl} reported an error mid-stream${Number.isFinite(code) ? ` (${code})` : ''}: ${serverError.message}`, { retryable });
      }
      let chunk;
      try {
        chunk = parseChunk(value);
      } catch (error) {
        throw this.fail(`${this.shownUrl} sent an unexpected stream chunk: ${messageOf(error)}`, { retryable: false });
      }
      if (chunk.delta !== '') {
        result.text += chunk.delta;
        partial.text = result.text;
        onDelta(chunk.delta);
      }
      if (chunk.finishReason !== undefined) result.finishReason = chunk.finishReason;
      if (chunk.stopReason !== undefined) result.stopReason = chunk.stopReason;
      if (chunk.usage) result.usage = chunk.usage;
    };
    try {
      let bytes = 0;
      while (!done) {
        const { done: ended, value } = await reader.read();
        read.onProgress?.();
        if (ended) {
          for (const event of parser.end()) if (!done) handle(event.data);
          break;
        }
        bytes += value.byteLength;
        if (bytes > MAX_BODY_BYTES) throw this.fail(`${this.shownUrl} streamed more than ${MAX_BODY_BYTES} bytes`, { retryable: false });
        for (const event of parser.push(decoder.decode(value, { stream: true }))) {
          if (done) break;
          handle(event.data);
        }
      }
    } finally {
      if (done) await reader.cancel().catch(() => undefined);
    }
    if (!done && result.finishReason === null) {
      throw this.fail(`the stream from ${this.shownUrl} ended before the response was complete (connection dropped?)`, { retryable: true });
    }
    return result;
  }

  private completionOf(status: number, type: string, text: string): ParsedCompletion {
    if (looksLikeHtml(type, text)) {
      throw this.fail(`${this.shownUrl} answered HTTP ${status} with an HTML page${htmlTitle(text)}, not a chat completion: ` +
        'is the URL the OpenAI-compatible API of a vLLM/SGLang server (e.g. http://127.0.0.1:8000/v1)?', { status, retryable: false });
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw this.fail(`${this.shownUrl} answered HTTP ${status} with a body that is not JSON (${text.length} chars${text ? `, starting ${JSON.stringify(snippet(text))}` : ''}): ` +
        'the response was cut short, or this is not an OpenAI-compatible server', { status, retryable: true });
    }
    const serverError = errorObjectOf(value);
    if (serverError) throw this.fail(`${this.shownUrl} answered HTTP ${status} with an error: ${serverError.message}`, { status, retryable: false });
    try {
      return parseCompletion(value);
    } catch (error) {
      throw this.fail(`${this.shownUrl} answered HTTP ${status} with an unexpected chat completion: ${messageOf(error)}`, { status, retryable: false });
    }
  }

  private statusError(response: Response, type: string, text: string): ModelServerError {
    const { status } = response;
    const retryable = status === 429 || status === 408 || status >= 500;
    let detail: string;
    if (looksLikeHtml(type, text)) detail = `an HTML page${htmlTitle(text)}`;
    else {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      detail = errorObjectOf(parsed)?.message ?? (text.trim() === '' ? '(empty body)' : JSON.stringify(snippet(text)));
    }
    const hint = status === 401 || status === 403 ? ' (check the API key: MINI_O3_API_KEY / OPENAI_API_KEY)'
      : status === 404 ? ' (is the URL the server\'s API base, e.g. http://127.0.0.1:8000/v1, and the model name served?)' : '';
    const details: ModelServerError['details'] = { url: this.shownUrl, status, retryable };
    const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
    if (retryAfter !== undefined) details.retryAfterMs = retryAfter;
    return this.fail(`${this.shownUrl} answered HTTP ${status}${response.statusText ? ` ${response.statusText}` : ''}: ${detail}${hint}`, details);
  }

  private finalError(failure: ModelServerError, attempts: number): ModelServerError {
    const message = attempts > 1 ? `${failure.message} (gave up after ${attempts} attempts)` : failure.message;
    return this.fail(message, { ...failure.details, attempts });
  }

  private fail(message: string, details: Omit<ModelServerError['details'], 'url'> & { url?: string }): ModelServerError {
    return new ModelServerError(redactSecret(redactUrl(message), this.options.apiKey), { url: this.shownUrl, ...details });
  }

  private headers(stream: boolean): Record<string, string> {
    const headers: Record<string, string> = {
      ...(this.options.headers ?? {}),
      'content-type': 'application/json',
      accept: stream ? 'text/event-stream, application/json' : 'application/json',
    };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    return headers;
  }
}

function looksLikeHtml(type: string, text: string): boolean {
  return type.includes('text/html') || /^\s*<(!doctype|html|head|body)\b/i.test(text);
}

function htmlTitle(text: string): string {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.trim();
  return title ? ` ("${snippet(title)}")` : '';
}

function snippet(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** The network reason behind a fetch failure: undici hides the socket error in `cause`. */
function transportReason(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  const code = cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused (is the server running?)';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') return `the connection was dropped (${code})`;
  if (code === 'ENOTFOUND') return 'host not found';
  const message = messageOf(error);
  if (message === 'terminated') return `the connection was dropped mid-response${cause?.message ? ` (${cause.message})` : ''}`;
  return code ? `${message} (${code})` : message;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
