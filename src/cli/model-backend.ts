import { statSync } from 'node:fs';
import { parseExecutionProviders } from '../core/model/onnx/execution-providers';
import { ModelFolderError } from '../core/model/onnx/model-folder';
import { OnnxPolicy } from '../core/model/onnx/onnx-policy';
import { OpenAiPolicy, chatCompletionsUrl } from '../core/model/openai';
import { ServedModelsError, listServedModels, onnxCacheSlots, retryLine } from '../core/model/served-model';
import type { Policy } from '../core/model/policy';
import { UsageError } from './progress';

/** `--backend` values the CLI accepts: a served model (openai) or a converted model folder run locally (onnx). */
export const BACKENDS = ['openai', 'onnx'] as const;

export interface BackendOptions {
  backend?: string;
  url?: string;
  model?: string;
  /** Request timeout in seconds. */
  timeout?: number;
  quiet?: boolean;
  /** onnx: execution providers in order, e.g. "cuda,webgpu,cpu". */
  ep?: string;
  /** onnx: rollouts at once; each keeps its KV cache (up to 4). */
  concurrency?: number;
}

/** The model server's API key: MINI_O3_API_KEY, else OPENAI_API_KEY. Never printed. */
export function policyApiKey(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return nonEmpty(env.MINI_O3_API_KEY) ?? nonEmpty(env.OPENAI_API_KEY);
}

/** The judge's API key: MINI_O3_JUDGE_API_KEY, else the model server's. */
export function judgeApiKey(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return nonEmpty(env.MINI_O3_JUDGE_API_KEY) ?? policyApiKey(env);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value.trim() : undefined;
}

/** Checks `--backend` and `--url` without contacting anything: bad options fail before any work. */
export function checkBackendOptions(o: BackendOptions): void {
  const backend = o.backend ?? 'openai';
  if (backend === 'onnx') {
    checkOnnxOptions(o);
    return;
  }
  if (backend !== 'openai') throw new UsageError(`--backend must be openai or onnx, got ${JSON.stringify(backend)}`);
  if (!o.url) throw new UsageError('--backend openai needs --url, the model server (e.g. http://127.0.0.1:8000/v1)');
  try {
    chatCompletionsUrl(o.url);
  } catch (error) {
    throw new UsageError(`--url: ${(error as Error).message}`);
  }
}

/** The policy `--backend/--url/--model` ask for; `--model` may be left out when the server serves one model. */
export async function policyFromOptions(o: BackendOptions): Promise<Policy> {
  checkBackendOptions(o);
  if (o.backend === 'onnx') return onnxPolicy(o);
  const apiKey = policyApiKey();
  const model = o.model ?? (await servedModel(o.url as string, apiKey));
  return new OpenAiPolicy({
    url: o.url as string,
    model,
    ...(apiKey ? { apiKey } : {}),
    ...(o.timeout ? { timeoutMs: o.timeout * 1000 } : {}),
    onRetry: o.quiet ? undefined : (info) => process.stderr.write(`${retryLine(info)}\n`),
  });
}

function checkOnnxOptions(o: BackendOptions): void {
  if (o.url) throw new UsageError('--url is for --backend openai; --backend onnx runs the converted model folder given by --model DIR');
  if (!o.model) throw new UsageError('--backend onnx needs --model DIR, a model folder converted with `mini-o3-studio convert`');
  if (!statSync(o.model, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--model ${o.model}: not a folder`);
  try {
    parseExecutionProviders(o.ep ?? 'cuda,webgpu,cpu');
  } catch (error) {
    throw new UsageError(`--ep: ${(error as Error).message}`);
  }
}

/** The local model in a worker thread; says on stderr which execution provider runs it and why. */
async function onnxPolicy(o: BackendOptions): Promise<Policy> {
  try {
    const policy = await OnnxPolicy.load({
      modelDir: o.model as string,
      executionProviders: parseExecutionProviders(o.ep ?? 'cuda,webgpu,cpu'),
      cacheSlots: onnxCacheSlots(o.concurrency),
    });
    if (!o.quiet) process.stderr.write(`${policy.providerMessage}\n`);
    return policy;
  } catch (error) {
    if (error instanceof ModelFolderError) throw new UsageError(`--model: ${error.message}`);
    throw error;
  }
}

/** The one model `GET /v1/models` lists; a UsageError asking for --model otherwise. */
async function servedModel(serverUrl: string, apiKey: string | undefined): Promise<string> {
  const ask = 'pass --model NAME (the server\'s --served-model-name)';
  let listed: { modelsUrl: string; ids: string[] };
  try {
    listed = await listServedModels(serverUrl, apiKey);
  } catch (error) {
    if (error instanceof ServedModelsError) throw new UsageError(`could not list the served models at ${error.modelsUrl} (${error.message}); ${ask}`);
    throw error;
  }
  const { modelsUrl, ids } = listed;
  if (ids.length === 1) return ids[0] as string;
  throw new UsageError(ids.length === 0 ? `${modelsUrl} lists no models; ${ask}` : `${modelsUrl} serves ${ids.length} models (${ids.join(', ')}); ${ask}`);
}
