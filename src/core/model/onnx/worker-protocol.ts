import type { GenerateParams, PolicyMessage } from '../policy';
import type { ExecutionProviderName, ProviderAttempt } from './execution-providers';
import type { RunnerImage } from './image-input';
import type { TurnStats } from './qwen-vl-runner';

/** Messages between OnnxPolicy (main thread) and the onnx worker thread. */

export interface LoadSettings {
  modelDir: string;
  /** transformers.js file suffix ('', '_fp16', '_q4', ...); default: the first present. */
  variant?: string;
  executionProviders: ExecutionProviderName[];
  intraOpThreads?: number;
  deviceId?: number;
  cacheSlots?: number;
  prefillChunk?: number;
}

export interface SerializedError {
  name: string;
  message: string;
  /** The file a ModelFolderError names. */
  file?: string;
}

export interface LoadedInfo {
  name: string;
  ep: ExecutionProviderName;
  attempts: ProviderAttempt[];
  /** "onnx: running on cpu (cuda: …; webgpu: …)". */
  providerMessage: string;
  modelDir: string;
  files: { vision: string; embed: string; decoder: string };
}

export interface WorkerGenerateResult {
  text: string;
  finishReason: 'stop' | 'length' | 'cancelled';
  tokenIds: number[];
  stats: TurnStats;
}

export type ToWorker =
  | { type: 'load'; settings: LoadSettings }
  | { type: 'generate'; id: number; messages: PolicyMessage[]; images: RunnerImage[]; params: GenerateParams }
  | { type: 'cancel'; id: number }
  | { type: 'resetCache' }
  | { type: 'dispose' };

export type FromWorker =
  | { type: 'loaded'; info: LoadedInfo }
  | { type: 'loadFailed'; error: SerializedError }
  | { type: 'delta'; id: number; delta: string }
  | { type: 'done'; id: number; result: WorkerGenerateResult }
  | { type: 'failed'; id: number; error: SerializedError }
  | { type: 'disposed' };

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const out: SerializedError = { name: error.name, message: error.message };
    const file = (error as { file?: unknown }).file;
    if (typeof file === 'string') out.file = file;
    return out;
  }
  return { name: 'Error', message: String(error) };
}
