import { chatCompletionsUrl, redactSecret } from '../../core/model/openai';
import type { Policy } from '../../core/model/policy';
import type { SearchConfig } from './search-config';

export interface PolicyOptions {
  /** The server's API key (from SecretStorage); never shown. */
  apiKey?: string;
  /** Searches run at once: the onnx backend keeps a KV cache per slot (up to 4). */
  concurrency?: number;
  /** Says which execution provider runs the local model, and why. */
  log?: (line: string) => void;
}

/** The model a SearchConfig asks for. Heavy backends load on first use only. */
export async function createSearchPolicy(config: SearchConfig, options: PolicyOptions = {}): Promise<Policy> {
  if (config.backend === 'onnx') {
    const { OnnxPolicy } = await import('../../core/model/onnx/onnx-policy');
    const { parseExecutionProviders } = await import('../../core/model/onnx/execution-providers');
    const policy = await OnnxPolicy.load({
      modelDir: config.modelFolder as string,
      executionProviders: parseExecutionProviders(config.executionProviders),
      cacheSlots: Math.min(4, Math.max(1, options.concurrency ?? 1)),
    });
    options.log?.(policy.providerMessage);
    return policy;
  }
  const { OpenAiPolicy } = await import('../../core/model/openai');
  const model = config.modelName ?? (await firstServedModel(config.serverUrl, options.apiKey));
  return new OpenAiPolicy({
    url: config.serverUrl,
    model,
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
    ...(options.log ? { onRetry: (info: { retry: number; delayMs: number; reason: string }) => options.log!(`retry ${info.retry} in ${(info.delayMs / 1000).toFixed(1)} s: ${info.reason}`) } : {}),
  });
}

/** The first model `GET …/v1/models` lists (miniO3.modelName empty); the error names the setting to set. */
export async function firstServedModel(serverUrl: string, apiKey: string | undefined): Promise<string> {
  const modelsUrl = chatCompletionsUrl(serverUrl).replace(/\/chat\/completions$/, '/models');
  const ask = 'set miniO3.modelName to the server\'s --served-model-name';
  let ids: string[];
  try {
    const response = await fetch(modelsUrl, { headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {}, signal: AbortSignal.timeout(15_000) });
    if (response.status === 401 || response.status === 403) {
      throw new Error(`HTTP ${response.status}: the server refused the API key (Mini-o3: Set Model Server API Key…)`);
    }
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const body = (await response.json()) as { data?: { id?: unknown }[] };
    ids = (body.data ?? []).map((m) => m.id).filter((id): id is string => typeof id === 'string');
  } catch (error) {
    throw new Error(redactSecret(`could not list the served models at ${modelsUrl} (${(error as Error).message}); ${ask}`, apiKey));
  }
  if (ids.length === 0) throw new Error(`${modelsUrl} lists no models; ${ask}`);
  return ids[0]!;
}
