/**
 * The Qwen2.5-VL language model (`Qwen2_5_VLTextModel` + `lm_head`) over input embeddings with
 * 3-stream position ids and a key/value cache: pre-norm decoder layers (RMSNorm, q/k/v with bias,
 * multimodal RoPE, causal GQA, o_proj without bias, SwiGLU MLP), final norm, logits.
 */
import { appendToKvLayer, causalGroupedQueryAttention, emptyKvLayer, type KvLayer } from './attention';
import type { ReferenceTextConfig } from './config';
import { addInPlace, linear, matrix, rmsNorm, rowOf, type Matrix } from './matrix';
import { swiGluMlp } from './mlp';
import { applyRotaryInPlace, mropeTables, type RotaryTables } from './rope';
import type { TextLayerWeights, TextWeights } from './weights';

export type PositionIds = readonly [ArrayLike<number>, ArrayLike<number>, ArrayLike<number>];

/** One KV layer per decoder layer, all of the same length. */
export type KvCache = KvLayer[];

export function emptyKvCache(config: ReferenceTextConfig): KvCache {
  return Array.from({ length: config.numLayers }, () => emptyKvLayer(config.numKeyValueHeads, config.headDim));
}

export function kvCacheLength(cache: KvCache): number {
  return cache[0]?.length ?? 0;
}

export interface DecoderForwardResult {
  /** `[rows, vocab]`, or only the last row's when `lastLogitsOnly`. */
  logits: Matrix;
  /** Final-norm hidden states, `[rows, hidden]`. */
  hidden: Matrix;
  cache: KvCache;
}

/** Token embeddings (`embed_tokens`) of `tokenIds`, `[tokens, hidden]`. */
export function embedTokens(config: ReferenceTextConfig, weights: TextWeights, tokenIds: readonly number[]): Matrix {
  const out = matrix(tokenIds.length, config.hiddenSize);
  tokenIds.forEach((id, i) => {
    if (!Number.isInteger(id) || id < 0 || id >= config.vocabSize) throw new Error(`embed: token id ${id} at ${i} is outside the vocabulary of ${config.vocabSize}`);
    out.data.set(weights.embedTokens.subarray(id * config.hiddenSize, (id + 1) * config.hiddenSize), i * config.hiddenSize);
  });
  return out;
}

export function decoderForward(
  config: ReferenceTextConfig,
  weights: TextWeights,
  inputsEmbeds: Matrix,
  positionIds: PositionIds,
  cache: KvCache = emptyKvCache(config),
  options: { lastLogitsOnly?: boolean } = {},
): DecoderForwardResult {
  const rows = inputsEmbeds.rows;
  if (inputsEmbeds.cols !== config.hiddenSize) throw new Error(`decoder: embeddings have ${inputsEmbeds.cols} columns, hidden_size is ${config.hiddenSize}`);
  if (positionIds.some((stream) => stream.length !== rows)) throw new Error(`decoder: position ids do not cover the ${rows} new tokens`);
  if (cache.length !== config.numLayers) throw new Error(`decoder: cache has ${cache.length} layers, the model ${config.numLayers}`);
  const tables = mropeTables(positionIds, config.headDim, config.ropeTheta, config.mropeSection);

  let hidden = matrix(rows, config.hiddenSize, inputsEmbeds.data.slice());
  const nextCache: KvCache = [];
  weights.layers.forEach((layer, i) => {
    const result = decoderLayer(config, layer, hidden, tables, cache[i] as KvLayer);
    hidden = result.hidden;
    nextCache.push(result.cache);
  });
  const normed = rmsNorm(hidden, weights.finalNorm, config.rmsNormEps);
  const headInput = options.lastLogitsOnly && rows > 0 ? matrix(1, config.hiddenSize, rowOf(normed, rows - 1).slice()) : normed;
  return { logits: linear(headInput, weights.lmHead, config.vocabSize), hidden: normed, cache: nextCache };
}

function decoderLayer(config: ReferenceTextConfig, layer: TextLayerWeights, hidden: Matrix, tables: RotaryTables, past: KvLayer): { hidden: Matrix; cache: KvLayer } {
  const rows = hidden.rows;
  const kvDim = config.numKeyValueHeads * config.headDim;
  const normed = rmsNorm(hidden, layer.inputNorm, config.rmsNormEps);
  const q = linear(normed, layer.qWeight, config.hiddenSize, layer.qBias);
  const k = linear(normed, layer.kWeight, kvDim, layer.kBias);
  const v = linear(normed, layer.vWeight, kvDim, layer.vBias);
  applyRotaryInPlace(q.data, rows, config.numHeads, tables);
  applyRotaryInPlace(k.data, rows, config.numKeyValueHeads, tables);
  const cache = appendToKvLayer(past, k.data, v.data, rows);
  const attended = causalGroupedQueryAttention(q.data, rows, config.numHeads, cache);
  const afterAttention = addInPlace(linear(matrix(rows, config.hiddenSize, attended), layer.oWeight, config.hiddenSize), hidden);
  const mlp = swiGluMlp(rmsNorm(afterAttention, layer.postAttentionNorm, config.rmsNormEps), layer, config.intermediateSize);
  return { hidden: addInPlace(mlp, afterAttention), cache };
}
