/**
 * A Qwen2.5-VL checkpoint folder loaded for the plain-TypeScript reference forward pass: config,
 * weights, and the steps of a multimodal prefill (encode images, embed and merge, 3-D positions,
 * decode). Slow and exact; it exists to check the ONNX graphs against Hugging Face semantics.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseReferenceConfig, type ReferenceConfig } from './config';
import { mergeImageFeatures } from './embedding-merge';
import { concatRows, matrix, type Matrix } from './matrix';
import { getRopeIndex, slicePositionIds, type GridThw } from './rope-index';
import { readSafetensorsCheckpoint } from './safetensors';
import { decoderForward, embedTokens, emptyKvCache, kvCacheLength, type DecoderForwardResult, type KvCache } from './text-decoder';
import { visionForward } from './vision-encoder';
import { gatherReferenceWeights, type ReferenceWeights, type TensorLookup } from './weights';

export interface ReferenceImage {
  /** `[t·h·w, C·T·P·P]` patch rows in the processor's order. */
  pixelValues: Matrix;
  grid: GridThw;
}

export interface ReferenceModel {
  config: ReferenceConfig;
  weights: ReferenceWeights;
}

export function loadReferenceModel(checkpointDir: string): ReferenceModel {
  const configPath = join(checkpointDir, 'config.json');
  const config = parseReferenceConfig(JSON.parse(readFileSync(configPath, 'utf8')), configPath);
  return { config, weights: gatherReferenceWeights(config, readSafetensorsCheckpoint(checkpointDir), checkpointDir) };
}

export function referenceModelFromTensors(config: ReferenceConfig, lookup: TensorLookup): ReferenceModel {
  return { config, weights: gatherReferenceWeights(config, lookup) };
}

/** Image features of each image, each encoded on its own (as Mini-o3's crops arrive one per turn). */
export function encodeImages(model: ReferenceModel, images: readonly ReferenceImage[]): Matrix[] {
  return images.map((image) => visionForward(model.config.vision, model.weights.vision, image.pixelValues, [image.grid]).imageFeatures);
}

/** `inputs_embeds` of a prompt: token embeddings with the image features scattered into `<|image_pad|>` rows. */
export function multimodalEmbeddings(model: ReferenceModel, tokenIds: readonly number[], imageFeatures: readonly Matrix[]): Matrix {
  const embeddings = embedTokens(model.config.text, model.weights.text, tokenIds);
  const features = imageFeatures.length > 0 ? concatRows(imageFeatures) : matrix(0, model.config.text.hiddenSize);
  return mergeImageFeatures(embeddings, tokenIds, model.config.imageTokenId, features);
}

/**
 * Runs the tokens `tokenIds[cached..]` of a conversation whose first `cached` tokens are in `cache`:
 * positions come from `get_rope_index` over the whole conversation (so a new image in the
 * continuation is placed exactly as a full prefill would place it); only the new images' features
 * (`newImageFeatures`, in prompt order) are needed.
 */
export function prefillContinuation(
  model: ReferenceModel,
  tokenIds: readonly number[],
  allImageGrids: readonly GridThw[],
  newImageFeatures: readonly Matrix[],
  cache: KvCache = emptyKvCache(model.config.text),
  options: { lastLogitsOnly?: boolean } = {},
): DecoderForwardResult & { ropeDelta: number } {
  const cached = kvCacheLength(cache);
  const { config } = model;
  const rope = getRopeIndex(tokenIds, allImageGrids, {
    imageTokenId: config.imageTokenId,
    videoTokenId: config.videoTokenId,
    visionStartTokenId: config.visionStartTokenId,
    spatialMergeSize: config.vision.spatialMergeSize,
  });
  const newTokens = tokenIds.slice(cached);
  const embeds = multimodalEmbeddings(model, newTokens, newImageFeatures);
  const result = decoderForward(config.text, model.weights.text, embeds, slicePositionIds(rope.positionIds, cached), cache, options);
  return { ...result, ropeDelta: rope.ropeDelta };
}
