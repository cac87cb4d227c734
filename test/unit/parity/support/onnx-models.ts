/** Running the converter's three ONNX models on onnxruntime-node (CPU) with reference-shaped inputs and outputs. */
import * as ort from 'onnxruntime-node';
import { join } from 'node:path';
import { visionEncoderFeeds } from '../../../../src/core/convert/vision-inputs';
import type { ReferenceTextConfig, ReferenceVisionConfig } from '../../../../src/core/model/reference/config';
import { matrix, type Matrix } from '../../../../src/core/model/reference/matrix';
import type { GridThw } from '../../../../src/core/model/reference/rope-index';
import { halfToFloat } from '../../../../src/core/model/reference/safetensors';
import type { PositionIds } from '../../../../src/core/model/reference/text-decoder';
import { float16Bits } from './quantization-emulation';

export type FloatKind = 'float32' | 'float16';

export interface OnnxModels {
  kind: FloatKind;
  embed: ort.InferenceSession;
  vision: ort.InferenceSession;
  decoder: ort.InferenceSession;
}

export async function openOnnxModels(dir: string, suffix: string, kind: FloatKind): Promise<OnnxModels> {
  const open = (name: string) => ort.InferenceSession.create(join(dir, 'onnx', `${name}${suffix}.onnx`));
  return { kind, embed: await open('embed_tokens'), vision: await open('vision_encoder'), decoder: await open('decoder_model_merged') };
}

function floatTensor(kind: FloatKind, values: Float32Array, dims: number[]): ort.Tensor {
  if (kind === 'float32') return new ort.Tensor('float32', values, dims);
  return new ort.Tensor('float16', Uint16Array.from(values, (v) => float16Bits(v)), dims);
}

export function tensorToFloat32(tensor: ort.Tensor): Float32Array {
  if (tensor.type === 'float16') return Float32Array.from(tensor.data as Uint16Array, (bits) => halfToFloat(bits));
  if (tensor.type !== 'float32') throw new Error(`expected a float tensor, got ${tensor.type}`);
  return Float32Array.from(tensor.data as Float32Array);
}

function lastTwoDims(tensor: ort.Tensor): Matrix {
  const cols = tensor.dims[tensor.dims.length - 1] as number;
  const data = tensorToFloat32(tensor);
  return matrix(data.length / cols, cols, data);
}

export async function onnxImageFeatures(models: OnnxModels, vision: ReferenceVisionConfig, grids: readonly GridThw[], pixels: Matrix): Promise<Matrix> {
  const feeds: Record<string, ort.Tensor> = { pixel_values: floatTensor(models.kind, pixels.data, [pixels.rows, pixels.cols]) };
  const geometry = visionEncoderFeeds(grids, { windowSize: vision.windowSize, patchSize: vision.patchSize, spatialMergeSize: vision.spatialMergeSize });
  for (const [name, feed] of Object.entries(geometry)) {
    feeds[name] = feed.type === 'int64' ? new ort.Tensor('int64', feed.data, feed.dims) : new ort.Tensor('int32', feed.data, feed.dims);
  }
  const out = await models.vision.run(feeds);
  return lastTwoDims(out.image_features as ort.Tensor);
}

export async function onnxEmbeddings(models: OnnxModels, tokenIds: readonly number[]): Promise<Matrix> {
  const out = await models.embed.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from(tokenIds, BigInt), [1, tokenIds.length]) });
  return lastTwoDims(out.inputs_embeds as ort.Tensor);
}

export interface OnnxDecodeResult {
  logits: Matrix;
  /** `present.{i}.key|value` as returned, to feed back as the next call's past. */
  present: Record<string, ort.Tensor>;
}

/** One decoder call: `embeds` are the new tokens, `past` the previous call's present (or none). */
export async function onnxDecode(models: OnnxModels, text: ReferenceTextConfig, embeds: Matrix, positionIds: PositionIds, past?: Record<string, ort.Tensor>): Promise<OnnxDecodeResult> {
  const rows = embeds.rows;
  const pastLength = past ? ((past['present.0.key'] as ort.Tensor).dims[2] as number) : 0;
  const feeds: Record<string, ort.Tensor> = {
    inputs_embeds: floatTensor(models.kind, embeds.data, [1, rows, text.hiddenSize]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(pastLength + rows).fill(1n), [1, pastLength + rows]),
    position_ids: new ort.Tensor('int64', BigInt64Array.from([...Array.from(positionIds[0]), ...Array.from(positionIds[1]), ...Array.from(positionIds[2])], BigInt), [3, 1, rows]),
  };
  for (let i = 0; i < text.numLayers; i++) {
    for (const part of ['key', 'value']) {
      feeds[`past_key_values.${i}.${part}`] = past?.[`present.${i}.${part}`] ?? floatTensor(models.kind, new Float32Array(0), [1, text.numKeyValueHeads, 0, text.headDim]);
    }
  }
  const out = await models.decoder.run(feeds);
  const present: Record<string, ort.Tensor> = {};
  for (const [name, tensor] of Object.entries(out)) if (name.startsWith('present.')) present[name] = tensor as ort.Tensor;
  return { logits: lastTwoDims(out.logits as ort.Tensor), present };
}
