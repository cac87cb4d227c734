/**
 * The Qwen2.5-VL vision tower (`Qwen2_5_VisionTransformerPretrainedModel.forward`): patch embedding,
 * reorder into windows, blocks with window attention except the full-attention ones, the patch
 * merger over groups of merge² consecutive patches, and the inverse reorder back to image order.
 */
import { segmentAttention } from './attention';
import type { ReferenceVisionConfig } from './config';
import { addInPlace, gatherRows, geluErf, linear, matrix, rmsNorm, type Matrix } from './matrix';
import { swiGluMlp } from './mlp';
import { applyRotaryInPlace, rotaryTablesFromAngles, type RotaryTables } from './rope';
import type { GridThw } from './rope-index';
import { fullAttentionSeqlens, getWindowIndex, inversePermutation, visionRotaryAngles } from './vision-positions';
import type { VisionBlockWeights, VisionWeights } from './weights';

const VISION_NORM_EPS = 1e-6;

export interface VisionForwardOptions {
  /** Overrides `fullatt_block_indexes` (e.g. to show that window attention matters). */
  fullAttentionBlocks?: readonly number[];
}

export interface VisionForwardResult {
  /** `[patches / merge², out_hidden_size]` in image order: what replaces the `<|image_pad|>` embeddings. */
  imageFeatures: Matrix;
  /** Hidden states after the last block, `[patches, hidden]`, still in window order. */
  lastBlockOutput: Matrix;
  windowIndex: Int32Array;
  cuWindowSeqlens: number[];
}

export function visionPatchValues(config: ReferenceVisionConfig): number {
  return config.inChannels * config.temporalPatchSize * config.patchSize * config.patchSize;
}

/** The Conv3d patch embedding with stride = kernel: one linear map of each `[C][T][P][P]` patch row, no bias. */
export function patchEmbed(config: ReferenceVisionConfig, weights: VisionWeights, pixelValues: Matrix): Matrix {
  return linear(pixelValues, weights.patchEmbed, config.hiddenSize);
}

export function visionForward(
  config: ReferenceVisionConfig,
  weights: VisionWeights,
  pixelValues: Matrix,
  grids: readonly GridThw[],
  options: VisionForwardOptions = {},
): VisionForwardResult {
  const patches = grids.reduce((sum, [t, h, w]) => sum + t * h * w, 0);
  const patchValues = visionPatchValues(config);
  if (pixelValues.rows !== patches || pixelValues.cols !== patchValues) {
    throw new Error(`vision: pixel_values is ${pixelValues.rows}x${pixelValues.cols}, grids need ${patches}x${patchValues}`);
  }
  const mergeUnit = config.spatialMergeSize * config.spatialMergeSize;
  const embedded = patchEmbed(config, weights, pixelValues);

  const { windowIndex, cuWindowSeqlens } = getWindowIndex(grids, {
    windowSize: config.windowSize,
    mergeSize: config.spatialMergeSize,
    patchSize: config.patchSize,
  });
  const patchOrder = new Int32Array(patches);
  windowIndex.forEach((merged, i) => {
    for (let k = 0; k < mergeUnit; k++) patchOrder[i * mergeUnit + k] = merged * mergeUnit + k;
  });

  let hidden = gatherRows(embedded, patchOrder);
  const angles = visionRotaryAngles(grids, config.spatialMergeSize, config.headDim);
  const half = config.headDim / 2;
  const orderedAngles = gatherRows(matrix(patches, half, angles), patchOrder);
  const tables = rotaryTablesFromAngles(orderedAngles.data, patches, config.headDim);
  const fullSeqlens = fullAttentionSeqlens(grids);
  const fullBlocks = new Set(options.fullAttentionBlocks ?? config.fullAttentionBlocks);

  weights.blocks.forEach((block, index) => {
    hidden = visionBlock(config, block, hidden, tables, fullBlocks.has(index) ? fullSeqlens : cuWindowSeqlens);
  });

  const normed = rmsNorm(hidden, weights.mergerNorm, VISION_NORM_EPS);
  const grouped = matrix(patches / mergeUnit, config.hiddenSize * mergeUnit, normed.data);
  const fc1 = linear(grouped, weights.mergerFc1Weight, grouped.cols, weights.mergerFc1Bias);
  for (let i = 0; i < fc1.data.length; i++) fc1.data[i] = geluErf(fc1.data[i] as number);
  const merged = linear(fc1, weights.mergerFc2Weight, config.outHiddenSize, weights.mergerFc2Bias);
  return {
    imageFeatures: gatherRows(merged, inversePermutation(windowIndex)),
    lastBlockOutput: hidden,
    windowIndex,
    cuWindowSeqlens,
  };
}

function visionBlock(config: ReferenceVisionConfig, block: VisionBlockWeights, hidden: Matrix, tables: RotaryTables, cuSeqlens: readonly number[]): Matrix {
  const rows = hidden.rows;
  const dim = config.hiddenSize;
  const qkv = linear(rmsNorm(hidden, block.norm1, VISION_NORM_EPS), block.qkvWeight, 3 * dim, block.qkvBias);
  // qkv rows are (3, heads, head_dim): q, k, v are consecutive thirds of each row.
  const q = new Float32Array(rows * dim);
  const k = new Float32Array(rows * dim);
  const v = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    q.set(qkv.data.subarray(r * 3 * dim, r * 3 * dim + dim), r * dim);
    k.set(qkv.data.subarray(r * 3 * dim + dim, r * 3 * dim + 2 * dim), r * dim);
    v.set(qkv.data.subarray(r * 3 * dim + 2 * dim, (r + 1) * 3 * dim), r * dim);
  }
  applyRotaryInPlace(q, rows, config.numHeads, tables);
  applyRotaryInPlace(k, rows, config.numHeads, tables);
  const attended = segmentAttention(q, k, v, rows, config.numHeads, config.headDim, cuSeqlens);
  const afterAttention = addInPlace(linear(matrix(rows, dim, attended), block.projWeight, dim, block.projBias), hidden);
  const mlp = swiGluMlp(rmsNorm(afterAttention, block.norm2, VISION_NORM_EPS), block, config.intermediateSize);
  return addInPlace(mlp, afterAttention);
}
