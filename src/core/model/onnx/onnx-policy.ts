import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Tokenizer } from '@huggingface/tokenizers';
import type { GenerateParams, GenerateResult, Policy, PolicyImage, PolicyMessage } from '../policy';
import { EXECUTION_PROVIDERS, type ExecutionProviderName, type ProviderAttempt } from './execution-providers';
import type { RunnerImage } from './image-input';
import { ModelFolderError } from './model-folder';
import type { TurnStats } from './qwen-vl-runner';
import { OnnxOutOfMemoryError, OnnxRunError } from './runtime-errors';
import { defaultWorkerEntry, type WorkerEntry } from './worker-location';
import type { FromWorker, LoadedInfo, LoadSettings, SerializedError, ToWorker, WorkerGenerateResult } from './worker-protocol';

/**
 * The local backend: a Policy whose model runs on onnxruntime in a worker thread, so the
 * extension host and the CLI stay responsive while it computes. One worker per loaded model;
 * turns run one at a time in it. If the worker dies (out of memory, a native crash) every
 * pending and later turn fails with the reason, and the rest of the program goes on.
 */

export interface OnnxPolicyOptions {
  /** Converted model folder (config.json, tokenizer files, onnx/). */
  modelDir: string;
  /** Tried in order; default cuda, webgpu, cpu. */
  executionProviders?: readonly ExecutionProviderName[];
  /** transformers.js file suffix to load ('', '_fp16', '_q4', ...). */
  variant?: string;
  /** CPU threads per operator. */
  threads?: number;
  deviceId?: number;
  /** Conversations whose KV caches are kept at once (default 1). */
  cacheSlots?: number;
  prefillChunk?: number;
  /** Overrides where the worker's code is (tests of the bundle). */
  worker?: WorkerEntry;
}

export interface OnnxTurnResult extends GenerateResult {
  tokenIds: number[];
  stats: TurnStats;
}

interface Pending {
  onChunk?: ((chunk: { delta: string }) => void) | undefined;
  resolve: (result: WorkerGenerateResult) => void;
  reject: (error: Error) => void;
}

function rebuildError(error: SerializedError): Error {
  if (error.name === 'ModelFolderError' && error.file !== undefined) {
    return new ModelFolderError(error.file, error.message.startsWith(`${error.file}: `) ? error.message.slice(error.file.length + 2) : error.message);
  }
  if (error.name === 'OnnxOutOfMemoryError') return new OnnxOutOfMemoryError(error.message);
  if (error.name === 'OnnxRunError') return new OnnxRunError(error.message);
  const rebuilt = error.name === 'RangeError' ? new RangeError(error.message) : new Error(error.message);
  rebuilt.name = error.name;
  return rebuilt;
}

function runnerImage(image: PolicyImage): RunnerImage {
  const out: RunnerImage = { width: image.width, height: image.height };
  if (image.rgb) out.rgb = image.rgb;
  else out.bytes = image.bytes;
  return out;
}

export class OnnxPolicy implements Policy {
  readonly backend = 'onnx';
  /** Statistics of the last finished turn (prefill reuse, timings). */
  lastStats: TurnStats | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private stopped: Error | null = null;
  private tokenizer: Tokenizer | null = null;

  private constructor(
    private readonly worker: Worker,
    readonly info: LoadedInfo,
  ) {
    worker.on('message', (message: FromWorker) => this.onMessage(message));
    worker.on('error', (error) => this.stop(workerFailure(error)));
    worker.on('exit', (code) => this.stop(new Error(`the onnx worker stopped (exit code ${code})`)));
    // An idle model must not keep the process alive; a turn in progress does.
    worker.unref();
  }

  /** Starts a worker, loads the model in it and resolves once a provider runs it. */
  static async load(options: OnnxPolicyOptions): Promise<OnnxPolicy> {
    const entry = options.worker ?? defaultWorkerEntry();
    const settings: LoadSettings = {
      modelDir: path.resolve(options.modelDir),
      executionProviders: [...(options.executionProviders ?? EXECUTION_PROVIDERS)],
    };
    if (options.variant !== undefined) settings.variant = options.variant;
    if (options.threads !== undefined) settings.intraOpThreads = options.threads;
    if (options.deviceId !== undefined) settings.deviceId = options.deviceId;
    if (options.cacheSlots !== undefined) settings.cacheSlots = options.cacheSlots;
    if (options.prefillChunk !== undefined) settings.prefillChunk = options.prefillChunk;
    const worker = new Worker(entry.filename, { execArgv: entry.execArgv, stdout: false, stderr: false });
    const info = await new Promise<LoadedInfo>((resolve, reject) => {
      const onMessage = (message: FromWorker) => {
        if (message.type === 'loaded') resolve(message.info);
        else if (message.type === 'loadFailed') reject(rebuildError(message.error));
        else return;
        cleanup();
      };
      const onError = (error: Error) => {
        cleanup();
        reject(new Error(`the onnx worker failed while loading ${settings.modelDir}: ${error.message}`));
      };
      const onExit = (code: number) => {
        cleanup();
        reject(new Error(`the onnx worker stopped (exit code ${code}) while loading ${settings.modelDir}`));
      };
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage({ type: 'load', settings } satisfies ToWorker);
    }).catch(async (error: unknown) => {
      await worker.terminate();
      throw error;
    });
    const policy = new OnnxPolicy(worker, info);
    // Built now, while the user waits for the model anyway: building a real (150k-merge) tokenizer
    // blocks this thread for about a second, which must not happen in the middle of a search.
    try {
      policy.mainThreadTokenizer();
    } catch (error) {
      await policy.dispose();
      throw error;
    }
    return policy;
  }

  get name(): string {
    return this.info.name;
  }

  get executionProvider(): ExecutionProviderName {
    return this.info.ep;
  }

  get providerAttempts(): ProviderAttempt[] {
    return this.info.attempts;
  }

  /** "onnx: running on cpu (cuda: …; webgpu: …)". */
  get providerMessage(): string {
    return this.info.providerMessage;
  }

  generate(
    messages: readonly PolicyMessage[],
    images: readonly PolicyImage[],
    params: GenerateParams,
    options: { signal?: AbortSignal; onChunk?: (chunk: { delta: string }) => void } = {},
  ): Promise<OnnxTurnResult> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    const { signal } = options;
    return new Promise<WorkerGenerateResult>((resolve, reject) => {
      if (signal?.aborted) {
        resolve({ text: '', finishReason: 'cancelled', tokenIds: [], stats: zeroStats() });
        return;
      }
      const onAbort = () => this.post({ type: 'cancel', id });
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, {
        onChunk: options.onChunk,
        resolve: (result) => {
          done();
          resolve(result);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      });
      this.post({
        type: 'generate',
        id,
        messages: messages.map((m) => ({ role: m.role, content: m.content.map((part) => ({ ...part })) })),
        images: images.map(runnerImage),
        params: { ...params, stop: [...params.stop] },
      });
    }).then((result) => {
      this.lastStats = result.stats;
      const out: OnnxTurnResult = {
        text: result.text,
        finishReason: result.finishReason,
        usage: { promptTokens: result.stats.promptTokens, completionTokens: result.stats.completionTokens },
        tokenIds: result.tokenIds,
        stats: result.stats,
      };
      if (result.stats.firstTokenMs !== null) out.firstTokenMs = result.stats.firstTokenMs;
      return out;
    });
  }

  /** Exact text token count with the model's tokenizer (a copy on this thread, built at load). */
  countTokens(text: string): number {
    return this.mainThreadTokenizer().encode(text, { add_special_tokens: false }).ids.length;
  }

  private mainThreadTokenizer(): Tokenizer {
    if (!this.tokenizer) {
      const read = (name: string) => JSON.parse(fs.readFileSync(path.join(this.info.modelDir, name), 'utf8')) as Record<string, unknown>;
      this.tokenizer = new Tokenizer(read('tokenizer.json'), read('tokenizer_config.json'));
    }
    return this.tokenizer;
  }

  /** Drops the KV caches kept between turns. */
  resetCache(): void {
    this.post({ type: 'resetCache' });
  }

  async dispose(): Promise<void> {
    if (this.stopped) return;
    // Keep the process alive until the worker has released its sessions (or 5 s have passed).
    this.worker.ref();
    let timer: NodeJS.Timeout | undefined;
    const disposed = new Promise<void>((resolve) => {
      const onMessage = (message: FromWorker) => {
        if (message.type !== 'disposed') return;
        this.worker.off('message', onMessage);
        resolve();
      };
      this.worker.on('message', onMessage);
      timer = setTimeout(resolve, 5000);
    });
    this.post({ type: 'dispose' });
    await disposed;
    clearTimeout(timer);
    this.stop(new Error('the onnx model was disposed'));
    await this.worker.terminate();
  }

  private post(message: ToWorker): void {
    if (!this.stopped) this.worker.postMessage(message);
  }

  private onMessage(message: FromWorker): void {
    if (message.type === 'delta') this.pending.get(message.id)?.onChunk?.({ delta: message.delta });
    else if (message.type === 'done') this.settle(message.id, (p) => p.resolve(message.result));
    else if (message.type === 'failed') this.settle(message.id, (p) => p.reject(rebuildError(message.error)));
  }

  private settle(id: number, action: (pending: Pending) => void): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
    action(pending);
  }

  private stop(reason: Error): void {
    if (this.stopped) return;
    this.stopped = reason;
    for (const pending of this.pending.values()) pending.reject(reason);
    this.pending.clear();
  }
}

/** The worker's own death; a JavaScript-heap exhaustion is reported as running out of memory. */
function workerFailure(error: Error): Error {
  if ((error as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new OnnxOutOfMemoryError(`the onnx worker ran out of memory (${error.message}); lower max_pixels or max_context, or use the served backend`);
  }
  return new Error(`the onnx worker failed: ${error.message}`);
}

function zeroStats(): TurnStats {
  return {
    promptTokens: 0, reusedTokens: 0, imagesEncoded: 0, completionTokens: 0, firstTokenMs: null,
    prefillMs: 0, decodeMs: 0, decodeRunMs: 0, decodeSteps: 0,
  };
}
