import { chatCompletionsUrl, redactSecret } from './openai';
import type { RetryInfo } from './openai';

/** Why `GET …/v1/models` gave no model list: the server refused the key, failed, or was unreachable. */
export class ServedModelsError extends Error {
  constructor(
    message: string,
    readonly modelsUrl: string,
    /** The HTTP status when the server answered with one, else undefined. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ServedModelsError';
  }

  get refusedKey(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

/** The `…/v1/models` URL next to a server's chat-completions endpoint. */
export function modelsUrlOf(serverUrl: string): string {
  return chatCompletionsUrl(serverUrl).replace(/\/chat\/completions$/, '/models');
}

/**
 * The model ids the server lists, in its order (possibly none). The key goes in a Bearer header
 * and never into an error's text.
 */
export async function listServedModels(serverUrl: string, apiKey: string | undefined, timeoutMs = 15_000): Promise<{ modelsUrl: string; ids: string[] }> {
  const modelsUrl = modelsUrlOf(serverUrl);
  let status: number | undefined;
  try {
    const response = await fetch(modelsUrl, { headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {}, signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) {
      status = response.status;
      throw new Error(`HTTP ${response.status}`);
    }
    const body = (await response.json()) as { data?: { id?: unknown }[] };
    const ids = (body.data ?? []).map((m) => m.id).filter((id): id is string => typeof id === 'string');
    return { modelsUrl, ids };
  } catch (error) {
    throw new ServedModelsError(redactSecret((error as Error).message, apiKey), modelsUrl, status);
  }
}

/** The line both front ends print when the OpenAI policy retries a request. */
export function retryLine(info: RetryInfo): string {
  return `retry ${info.retry} in ${(info.delayMs / 1000).toFixed(1)} s: ${info.reason}`;
}

/** KV-cache slots for the onnx backend: one per concurrent search, 1 to 4. */
export function onnxCacheSlots(concurrency: number | undefined): number {
  return Math.min(4, Math.max(1, concurrency ?? 1));
}
