import type { RetryInfo } from '../../core/model/openai';
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
    const { onnxCacheSlots } = await import('../../core/model/served-model');
    const policy = await OnnxPolicy.load({
      modelDir: config.modelFolder as string,
      executionProviders: parseExecutionProviders(config.executionProviders),
      cacheSlots: onnxCacheSlots(options.concurrency),
    });
    options.log?.(policy.providerMessage);
    return policy;
  }
  const [{ OpenAiPolicy }, { retryLine }] = await Promise.all([import('../../core/model/openai'), import('../../core/model/served-model')]);
  const model = config.modelName ?? (await firstServedModel(config.serverUrl, options.apiKey));
  return new OpenAiPolicy({
    url: config.serverUrl,
    model,
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
    ...(options.log ? { onRetry: (info: RetryInfo) => options.log!(retryLine(info)) } : {}),
  });
}

/** The first model `GET …/v1/models` lists (miniO3.modelName empty); the error names the setting to set. */
export async function firstServedModel(serverUrl: string, apiKey: string | undefined): Promise<string> {
  const { ServedModelsError, listServedModels } = await import('../../core/model/served-model');
  const ask = 'set miniO3.modelName to the server\'s --served-model-name';
  let listed: { modelsUrl: string; ids: string[] };
  try {
    listed = await listServedModels(serverUrl, apiKey);
  } catch (error) {
    if (!(error instanceof ServedModelsError)) throw error;
    const reason = error.refusedKey ? `HTTP ${error.status}: the server refused the API key (Mini-o3: Set Model Server API Key…)` : error.message;
    throw new Error(`could not list the served models at ${error.modelsUrl} (${reason}); ${ask}`);
  }
  if (listed.ids.length === 0) throw new Error(`${listed.modelsUrl} lists no models; ${ask}`);
  return listed.ids[0]!;
}
