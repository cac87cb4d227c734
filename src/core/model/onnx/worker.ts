import { parentPort } from 'node:worker_threads';
import { describeProviderChoice } from './execution-providers';
import { readModelFolder } from './model-folder';
import { QwenVlRunner } from './qwen-vl-runner';
import { serializeError, type FromWorker, type LoadSettings, type ToWorker } from './worker-protocol';

/**
 * The onnx worker thread: owns the onnxruntime sessions (whose `run` blocks the thread it is
 * called on) and runs one generation at a time; later requests wait in order. A cancel is a
 * message: it is seen between decoding steps, since each step awaits the session.
 */

const port = parentPort;
if (!port) throw new Error('the onnx worker must run in a worker thread');

let runner: QwenVlRunner | null = null;
let loading: Promise<void> | null = null;
const queue: Extract<ToWorker, { type: 'generate' }>[] = [];
const cancelled = new Set<number>();
let busy = false;

function send(message: FromWorker): void {
  port!.postMessage(message);
}

async function load(settings: LoadSettings): Promise<void> {
  try {
    const folder = readModelFolder(settings.modelDir, settings.variant !== undefined ? { variant: settings.variant } : {});
    const tuning: { intraOpThreads?: number; deviceId?: number } = {};
    if (settings.intraOpThreads !== undefined) tuning.intraOpThreads = settings.intraOpThreads;
    if (settings.deviceId !== undefined) tuning.deviceId = settings.deviceId;
    const options: Parameters<typeof QwenVlRunner.load>[1] = { executionProviders: settings.executionProviders, tuning };
    if (settings.cacheSlots !== undefined) options.cacheSlots = settings.cacheSlots;
    if (settings.prefillChunk !== undefined) options.prefillChunk = settings.prefillChunk;
    runner = await QwenVlRunner.load(folder, options);
    send({
      type: 'loaded',
      info: {
        name: folder.name,
        ep: runner.ep,
        attempts: runner.providerAttempts,
        providerMessage: describeProviderChoice(runner.ep, runner.providerAttempts),
        modelDir: folder.dir,
        files: runner.files,
      },
    });
  } catch (error) {
    send({ type: 'loadFailed', error: serializeError(error) });
  }
}

async function drain(): Promise<void> {
  if (busy) return;
  busy = true;
  try {
    for (let request = queue.shift(); request; request = queue.shift()) {
      const { id } = request;
      // Cancels of earlier requests that had already finished when they arrived.
      for (const stale of cancelled) if (stale < id) cancelled.delete(stale);
      if (cancelled.delete(id)) {
        send({ type: 'done', id, result: { text: '', finishReason: 'cancelled', tokenIds: [], stats: emptyStats() } });
        continue;
      }
      try {
        if (!runner) throw new Error('the model is not loaded');
        const result = await runner.generate(
          { messages: request.messages, images: request.images, params: request.params },
          { onDelta: (delta) => send({ type: 'delta', id, delta }), isCancelled: () => cancelled.has(id) },
        );
        send({ type: 'done', id, result });
      } catch (error) {
        send({ type: 'failed', id, error: serializeError(error) });
      } finally {
        cancelled.delete(id);
      }
    }
  } finally {
    busy = false;
  }
}

function emptyStats() {
  return {
    promptTokens: 0, reusedTokens: 0, imagesEncoded: 0, completionTokens: 0, firstTokenMs: null,
    prefillMs: 0, decodeMs: 0, decodeRunMs: 0, decodeSteps: 0,
  };
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'load':
      loading = load(message.settings);
      break;
    case 'generate':
      queue.push(message);
      void (loading ?? Promise.resolve()).then(drain);
      break;
    case 'cancel':
      cancelled.add(message.id);
      break;
    case 'resetCache':
      runner?.resetCache();
      break;
    case 'dispose':
      void (async () => {
        await runner?.dispose().catch(() => undefined);
        runner = null;
        send({ type: 'disposed' });
      })();
      break;
  }
});
