import * as ort from 'onnxruntime-node';
import { getRopeIndex, type GridThw } from '../reference/rope-index';
import type { GenerateParams, PolicyMessage } from '../policy';
import { ChatTokenizer, IMAGE_PAD, VISION_START } from './chat-tokenizer';
import type { ExecutionProviderName, ProviderAttempt, SessionTuning } from './execution-providers';
import { prepareImage, type PreparedImage, type RunnerImage } from './image-input';
import { ModelFolderError, type ModelFiles, type ModelFolder } from './model-folder';
import { openModelSessions, type ModelSessions } from './model-sessions';
import { kvCacheFactory, PrefixCachePool, type CachedConversation, type ImageSpan } from './prefix-cache';
import { describeRunFailure } from './runtime-errors';
import { TokenSampler } from './sampling';
import { resolveSampling } from './sampling-defaults';
import { allocateFloat, floatDataAs, int64Tensor, lastLogitsRow, onesMask, positionTensor, type FloatData } from './tensors';
import { TextStream } from './text-stream';
import { encodeImageFeatures } from './vision-encoder';

/**
 * The generation loop on onnxruntime (it runs inside the worker thread): build the prompt with
 * the model's chat template, reuse the longest cached prefix, encode only new images, prefill
 * the rest in chunks, then decode token by token with Qwen2.5-VL's 3-D rotary positions,
 * streaming text and stopping at a stop string, an end-of-turn token, the token limit or a
 * cancel.
 */

export interface RunnerOptions {
  executionProviders: readonly ExecutionProviderName[];
  tuning?: SessionTuning;
  /** Conversations whose KV caches are kept (concurrent searches each keep theirs). Default 1. */
  cacheSlots?: number;
  /** Most tokens per prefill run; bounds activation and logits memory. Default: up to 512, fewer for a large vocabulary. */
  prefillChunk?: number;
}

export interface RunnerRequest {
  messages: PolicyMessage[];
  images: RunnerImage[];
  params: GenerateParams;
}

export interface TurnStats {
  promptTokens: number;
  /** Prompt tokens whose KV entries came from the cache. */
  reusedTokens: number;
  imagesEncoded: number;
  completionTokens: number;
  firstTokenMs: number | null;
  prefillMs: number;
  decodeMs: number;
  /** Time inside session.run during decoding (the rest is this loop's own work). */
  decodeRunMs: number;
  /** Decode steps (tokens fed back). */
  decodeSteps: number;
}

export interface RunnerResult {
  text: string;
  finishReason: 'stop' | 'length' | 'cancelled';
  /** Every sampled id, an end-of-turn token included. */
  tokenIds: number[];
  stats: TurnStats;
}

export interface RunnerHooks {
  onDelta?: (delta: string) => void;
  isCancelled?: () => boolean;
}

export class QwenVlRunner {
  private constructor(
    readonly folder: ModelFolder,
    private readonly sessions: ModelSessions,
    readonly tokenizer: ChatTokenizer,
    private readonly pool: PrefixCachePool,
    private readonly prefillChunk: number,
    private readonly specials: { imagePad: number; visionStart: number; video: number },
  ) {}

  /** Milliseconds spent inside session.run so far (all sessions). */
  private runMs = 0;

  static async load(folder: ModelFolder, options: RunnerOptions): Promise<QwenVlRunner> {
    const tokenizer = new ChatTokenizer(folder.tokenizer);
    const specials = checkSpecialTokens(folder, tokenizer);
    const sessions = await openModelSessions(folder, options.executionProviders, options.tuning);
    const { layers, kvHeads, headDim, kvType } = sessions.signature;
    const pool = new PrefixCachePool(options.cacheSlots ?? 1, kvCacheFactory(layers, kvHeads, headDim, kvType));
    const chunk = options.prefillChunk ?? defaultPrefillChunk(sessions, folder.config.text.vocabSize);
    if (!Number.isInteger(chunk) || chunk < 1) throw new RangeError(`prefillChunk must be a whole number >= 1, got ${chunk}`);
    return new QwenVlRunner(folder, sessions, tokenizer, pool, chunk, specials);
  }

  get ep(): ExecutionProviderName {
    return this.sessions.ep;
  }

  get providerAttempts(): ProviderAttempt[] {
    return this.sessions.attempts;
  }

  /** The files the sessions run. */
  get files(): ModelFiles {
    return this.sessions.files;
  }

  get cacheBytes(): number {
    return this.pool.bytes;
  }

  /** Forgets every cached conversation (the next turn prefills in full). */
  resetCache(): void {
    this.pool.clear();
  }

  async dispose(): Promise<void> {
    this.pool.clear();
    await Promise.all([this.sessions.decoder.release(), this.sessions.embed.release(), this.sessions.vision.release()]);
  }

  async generate(request: RunnerRequest, hooks: RunnerHooks = {}): Promise<RunnerResult> {
    const { params } = request;
    if (!Number.isSafeInteger(params.max_tokens) || params.max_tokens < 1) throw new RangeError(`max_tokens must be a whole number >= 1, got ${params.max_tokens}`);
    const sampler = new TokenSampler(resolveSampling(params, this.folder.generation));
    const images = await Promise.all(request.images.map((image, i) => prepareImage(image, i, this.folder.preprocessor)));
    const prompt = this.tokenizer.encodePrompt(request.messages, images.map((img) => img.tokens));
    const maxPositions = this.folder.config.text.maxPositionEmbeddings;
    if (prompt.ids.length >= maxPositions) {
      throw new RangeError(`the prompt has ${prompt.ids.length} tokens, at or above the model's max_position_embeddings ${maxPositions}`);
    }
    const spans: ImageSpan[] = prompt.imageSpans.map((s) => ({ key: images[s.image]!.key, start: s.start, length: s.length }));
    const rope = getRopeIndex(prompt.ids, images.map((img) => img.gridThw as GridThw), {
      imageTokenId: this.specials.imagePad,
      videoTokenId: this.specials.video,
      visionStartTokenId: this.specials.visionStart,
      spatialMergeSize: this.folder.config.vision.spatialMergeSize,
    });
    const { slot, reused } = this.pool.take(prompt.ids, spans);
    const stats: TurnStats = {
      promptTokens: prompt.ids.length, reusedTokens: reused, imagesEncoded: 0, completionTokens: 0,
      firstTokenMs: null, prefillMs: 0, decodeMs: 0, decodeRunMs: 0, decodeSteps: 0,
    };
    const started = performance.now();
    try {
      const logits = await this.prefill(slot, prompt.ids, spans, images, rope.positionIds, stats, hooks);
      stats.prefillMs = performance.now() - started;
      if (logits === null) return { text: '', finishReason: 'cancelled', tokenIds: [], stats };
      return await this.decode(slot, logits, rope.ropeDelta, sampler, params, stats, hooks, started);
    } catch (error) {
      // A failed run may have left the cache half-updated; nothing in it can be trusted.
      slot.truncate(0);
      throw error;
    }
  }

  /** Feeds prompt tokens after the reused prefix; returns the last row of logits (null if cancelled). */
  private async prefill(
    slot: CachedConversation,
    ids: readonly number[],
    spans: readonly ImageSpan[],
    images: readonly PreparedImage[],
    positions: readonly [Int32Array, Int32Array, Int32Array],
    stats: TurnStats,
    hooks: RunnerHooks,
  ): Promise<Float32Array | null> {
    const hidden = this.folder.config.text.hiddenSize;
    const embedType = this.sessions.signature.embedType;
    // Features of each image the cache does not hold, by span start.
    const features = new Map<number, FloatData>();
    for (const [k, span] of spans.entries()) {
      if (span.start < slot.ids.length) continue;
      if (hooks.isCancelled?.()) return null;
      const image = images[k]!;
      const pixels = image.pixels();
      const data = await this.run(
        () => encodeImageFeatures(this.sessions, pixels, this.folder.config, embedType),
        `vision encoder (image ${k}, ${pixels.numPatches} patches)`,
      );
      if (data.length !== span.length * hidden) {
        throw new ModelFolderError(this.sessions.visionFile, `returned ${data.length / hidden} feature rows for an image of ${span.length} tokens`);
      }
      features.set(span.start, data);
      stats.imagesEncoded++;
    }
    let logits: Float32Array | null = null;
    const stage = `prefill of ${ids.length - slot.ids.length} tokens (context ${ids.length})`;
    for (let from = slot.ids.length; from < ids.length; ) {
      if (hooks.isCancelled?.()) return null;
      const to = Math.min(ids.length, from + this.prefillChunk);
      const chunk = ids.slice(from, to);
      const embeds = await this.embed(chunk, stage);
      for (const span of spans) {
        const data = features.get(span.start);
        if (!data) continue;
        const a = Math.max(from, span.start);
        const b = Math.min(to, span.start + span.length);
        if (a >= b) continue;
        embeds.set(data.subarray((a - span.start) * hidden, (b - span.start) * hidden), (a - from) * hidden);
      }
      const outputs = await this.decoderRun(embeds, chunk.length, to, positionTensor(positions, from, to), slot, stage);
      slot.append(chunk, spans.filter((s) => s.start >= from && s.start < to));
      logits = lastLogitsRow(outputs.logits!);
      from = to;
    }
    if (logits === null) throw new Error('nothing to prefill: the prompt is empty');
    return logits;
  }

  private async decode(
    slot: CachedConversation,
    firstLogits: Float32Array,
    ropeDelta: number,
    sampler: TokenSampler,
    params: GenerateParams,
    stats: TurnStats,
    hooks: RunnerHooks,
    started: number,
  ): Promise<RunnerResult> {
    const stream = new TextStream((ids) => this.tokenizer.decode(ids), params.stop);
    const eos = new Set(this.folder.generation.eosIds);
    const limit = Math.min(this.tokenizer.size, firstLogits.length);
    const tokenIds: number[] = [];
    const decodeStart = performance.now();
    const finish = (finishReason: RunnerResult['finishReason']): RunnerResult => {
      const rest = stream.finish().delta;
      if (rest !== '') hooks.onDelta?.(rest);
      stats.completionTokens = tokenIds.length;
      stats.decodeMs = performance.now() - decodeStart;
      return { text: stream.text, finishReason, tokenIds, stats };
    };
    let logits = firstLogits;
    for (;;) {
      if (hooks.isCancelled?.()) return finish('cancelled');
      const token = sampler.next(logits, limit);
      tokenIds.push(token);
      stats.firstTokenMs ??= performance.now() - started;
      if (eos.has(token)) return finish('stop');
      const step = stream.push(token);
      if (step.delta !== '') hooks.onDelta?.(step.delta);
      if (step.stopped) return finish('stop');
      if (tokenIds.length >= params.max_tokens) return finish('length');
      const position = Int32Array.of(slot.ids.length + ropeDelta);
      const runMsBefore = this.runMs;
      const embeds = await this.embed([token], 'decoding');
      const outputs = await this.decoderRun(embeds, 1, slot.ids.length + 1, positionTensor([position, position, position], 0, 1), slot, `decoding at ${slot.ids.length + 1} tokens`);
      stats.decodeRunMs += this.runMs - runMsBefore;
      stats.decodeSteps++;
      slot.append([token]);
      logits = lastLogitsRow(outputs.logits!);
    }
  }

  private async embed(ids: readonly number[], stage: string): Promise<FloatData> {
    const { embed, embedOutput, signature } = this.sessions;
    const outputs = await this.run(() => embed.run({ input_ids: int64Tensor(ids, [1, ids.length]) }), `token embedding (${stage})`);
    const data = floatDataAs(outputs[embedOutput]!, signature.embedType);
    // A copy: image features are written into it, and onnxruntime may reuse its output buffers.
    const copy = allocateFloat(signature.embedType, data.length);
    copy.set(data);
    return copy;
  }

  private async decoderRun(
    embeds: FloatData,
    length: number,
    total: number,
    positions: ort.Tensor,
    slot: CachedConversation,
    stage: string,
  ): Promise<ort.InferenceSession.OnnxValueMapType> {
    const { decoder, signature } = this.sessions;
    const feeds: Record<string, ort.Tensor> = {
      inputs_embeds: new ort.Tensor(signature.embedType, embeds, [1, length, this.folder.config.text.hiddenSize]),
      attention_mask: onesMask(total),
      position_ids: positions,
      ...slot.kv.feeds(),
    };
    if (signature.takesLogitsToKeep) feeds.num_logits_to_keep = new ort.Tensor('int64', BigInt64Array.of(1n), []);
    const outputs = await this.run(() => decoder.run(feeds), stage);
    slot.kv.update(outputs, total);
    return outputs;
  }

  private async run<T>(fn: () => Promise<T>, stage: string): Promise<T> {
    const start = performance.now();
    try {
      return await fn();
    } catch (error) {
      if (error instanceof ModelFolderError) throw error;
      throw describeRunFailure(error, { ep: this.sessions.ep, stage });
    } finally {
      this.runMs += performance.now() - start;
    }
  }
}

/**
 * Without `num_logits_to_keep` a prefill run returns logits for every token it feeds
 * (152064 floats each for Qwen): keep that under ~256 MB per run.
 */
function defaultPrefillChunk(sessions: ModelSessions, vocabSize: number): number {
  if (sessions.signature.takesLogitsToKeep) return 2048;
  const bytesPerRow = vocabSize * (sessions.signature.logitsType === 'float16' ? 2 : 4);
  return Math.max(64, Math.min(512, Math.floor((256 * 1024 * 1024) / bytesPerRow)));
}

/** The special tokens the loop relies on, cross-checked between config.json and the tokenizer. */
function checkSpecialTokens(folder: ModelFolder, tokenizer: ChatTokenizer): { imagePad: number; visionStart: number; video: number } {
  const ids = folder.config.tokenIds;
  const checks: [string, number, string][] = [
    [IMAGE_PAD, ids.image, 'image_token_id'],
    [VISION_START, ids.visionStart, 'vision_start_token_id'],
  ];
  for (const [token, configId, field] of checks) {
    const tokenizerId = tokenizer.tokenId(token);
    if (tokenizerId === undefined) throw new ModelFolderError(`${folder.dir}/tokenizer.json`, `has no ${token} token`);
    if (tokenizerId !== configId) {
      throw new ModelFolderError(`${folder.dir}/config.json`, `field "${field}" is ${configId} but tokenizer.json has ${token} at ${tokenizerId} (tokenizer and model come from different checkpoints?)`);
    }
  }
  if (tokenizer.size > folder.config.text.vocabSize) {
    throw new ModelFolderError(`${folder.dir}/tokenizer.json`, `has ids up to ${tokenizer.size - 1} but the model's vocab_size is ${folder.config.text.vocabSize}`);
  }
  return { imagePad: ids.image, visionStart: ids.visionStart, video: ids.video };
}
