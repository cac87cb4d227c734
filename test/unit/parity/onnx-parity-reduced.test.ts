/**
 * Parity of the converter's reduced-precision variants with the reference. The reference predicts each
 * variant by applying the variant's documented weight transform (int4 block quantization, fp16 rounding)
 * to its own weights; the remaining difference is then the graph's arithmetic.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertCheckpoint } from '../../../src/core/convert/convert';
import { encodeImages, loadReferenceModel, prefillContinuation, type ReferenceModel } from '../../../src/core/model/reference/reference-model';
import { getRopeIndex, type GridThw } from '../../../src/core/model/reference/rope-index';
import { mergeImageFeatures } from '../../../src/core/model/reference/embedding-merge';
import type { Matrix } from '../../../src/core/model/reference/matrix';
import { writeTinyCheckpoint, type TinyCheckpoint } from '../../support/tiny-qwen-checkpoint';
import { onnxDecode, onnxEmbeddings, onnxImageFeatures, openOnnxModels, type OnnxModels } from './support/onnx-models';
import { emulatePrecision, FP16, INT4_FP16, INT4_FP32, roundArrayToFloat16 } from './support/quantization-emulation';
import { maxAbsDifference, randomMatrix } from './support/random-reference-model';

const GRID: GridThw = [1, 16, 24];
const work = mkdtempSync(join(tmpdir(), 'parity-reduced-'));
let checkpoint: TinyCheckpoint;
let reference: ReferenceModel;
let prompt: number[];
const pixels = randomMatrix(384, 1176, 7, 2);

before(async () => {
  checkpoint = await writeTinyCheckpoint(join(work, 'hf'), { dtype: 'F32', seed: 22 });
  reference = loadReferenceModel(checkpoint.dir);
  const s = checkpoint.specialTokens;
  prompt = [s.imStart, 10, 11, s.imEnd, s.imStart, 12, s.visionStart, ...new Array<number>(96).fill(s.imagePad), s.visionEnd, 13, 14, s.imEnd, s.imStart, 15];
});
after(() => rmSync(work, { recursive: true, force: true }));

interface Outputs {
  features: Matrix;
  logits: Matrix;
}

let exactOutputs: Outputs | undefined;
/** The unmodified reference's outputs, computed once. */
const exactReference = (): Outputs => (exactOutputs ??= referenceOutputs(reference));

function referenceOutputs(model: ReferenceModel): Outputs {
  const features = encodeImages(model, [{ grid: GRID, pixelValues: pixels }]);
  return { features: features[0]!, logits: prefillContinuation(model, prompt, [GRID], features).logits };
}

async function onnxOutputs(models: OnnxModels): Promise<Outputs> {
  const features = await onnxImageFeatures(models, reference.config.vision, [GRID], pixels);
  const embeds = mergeImageFeatures(await onnxEmbeddings(models, prompt), prompt, reference.config.imageTokenId, features);
  const positions = getRopeIndex(prompt, [GRID], { imageTokenId: reference.config.imageTokenId, videoTokenId: reference.config.videoTokenId, visionStartTokenId: reference.config.visionStartTokenId, spatialMergeSize: 2 }).positionIds;
  return { features, logits: (await onnxDecode(models, reference.config.text, embeds, positions)).logits };
}

const maxAbs = (values: Float32Array) => values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const e = (x: number) => x.toExponential(2);

interface Comparison {
  features: number;
  logits: number;
}
const compare = (a: Outputs, b: Outputs): Comparison => ({ features: maxAbsDifference(a.features.data, b.features.data), logits: maxAbsDifference(a.logits.data, b.logits.data) });

async function convertAndRun(name: string, options: Parameters<typeof convertCheckpoint>[2], suffix: string, kind: 'float32' | 'float16'): Promise<Outputs> {
  const dir = join(work, name);
  await convertCheckpoint(checkpoint.dir, dir, options);
  return onnxOutputs(await openOnnxModels(dir, suffix, kind));
}

test('int4 q4: exactly the emulated int4 model at accuracy_level 0; at level 4 (int8 activations) within a bound derived from the weight-quantization error', async (t) => {
  const exact = exactReference();
  const emulated = referenceOutputs(emulatePrecision(reference, INT4_FP32, roundArrayToFloat16));
  const quantization = compare(exact, emulated);
  const level0 = await convertAndRun('q4-acc0', { dtype: 'fp32', int4: true, int4AccuracyLevel: 0 }, '_q4', 'float32');
  const level4 = await convertAndRun('q4-acc4', { dtype: 'fp32', int4: true, int4AccuracyLevel: 4 }, '_q4', 'float32');
  const exact0 = compare(level0, emulated);
  const activation4 = compare(level4, emulated);
  const total4 = compare(level4, exact);
  t.diagnostic(`weight quantization (emulated − fp32 reference): features ${e(quantization.features)}, logits ${e(quantization.logits)} (max|logit| ${maxAbs(exact.logits.data).toFixed(2)})`);
  t.diagnostic(`accuracy_level 0 vs emulated: features ${e(exact0.features)}, logits ${e(exact0.logits)}`);
  t.diagnostic(`accuracy_level 4 vs emulated: features ${e(activation4.features)}, logits ${e(activation4.logits)}; vs fp32 reference: features ${e(total4.features)}, logits ${e(total4.logits)}`);
  // Level 0 dequantizes and multiplies in float32: the emulation must predict it like fp32 parity.
  assert.ok(exact0.features < 1e-4 && exact0.logits < 1e-4, 'q4 (accuracy_level 0) differs from the emulated int4 reference');
  // Level 4 also rounds activations to int8 per block of 32: steps of absmax/127 against the weights'
  // range/15, so its extra error should be about 1/8 of the weight-quantization error; allow 1/4.
  for (const key of ['features', 'logits'] as const) {
    assert.ok(activation4[key] < 0.25 * quantization[key], `q4 level 4 ${key}: ${activation4[key]} vs emulated, bound ${0.25 * quantization[key]}`);
    assert.ok(total4[key] < 1.25 * quantization[key], `q4 level 4 ${key}: ${total4[key]} vs fp32, bound ${1.25 * quantization[key]}`);
  }
});

/** fp16 carries 11 significant bits (ulp 2^-10 of the leading power of two): a few ulps at the output's largest magnitude. */
const FP16_RELATIVE = 2e-3;

test('fp16: within 2e-3 × max|output| of the fp16-weight reference, 4e-3 × of the fp32 reference', async (t) => {
  const exact = exactReference();
  const emulated = referenceOutputs(emulatePrecision(reference, FP16, roundArrayToFloat16));
  const onnx = await convertAndRun('fp16', { dtype: 'fp16' }, '_fp16', 'float16');
  const vsEmulated = compare(onnx, emulated);
  const vsExact = compare(onnx, exact);
  const scale = { features: maxAbs(exact.features.data), logits: maxAbs(exact.logits.data) };
  t.diagnostic(`fp16 vs fp16-weight reference: features ${e(vsEmulated.features)}, logits ${e(vsEmulated.logits)}; vs fp32 reference: features ${e(vsExact.features)}, logits ${e(vsExact.logits)}; max|feature| ${scale.features.toFixed(2)}, max|logit| ${scale.logits.toFixed(2)}`);
  for (const key of ['features', 'logits'] as const) {
    assert.ok(vsEmulated[key] < FP16_RELATIVE * scale[key], `fp16 ${key}: ${vsEmulated[key]} vs emulated`);
    assert.ok(vsExact[key] < 2 * FP16_RELATIVE * scale[key], `fp16 ${key}: ${vsExact[key]} vs fp32`);
  }
});

test('q4f16 (accuracy_level 0): within 4e-3 × max|output| of the emulated int4 + fp16 reference', async (t) => {
  const emulated = referenceOutputs(emulatePrecision(reference, INT4_FP16, roundArrayToFloat16));
  const onnx = await convertAndRun('q4f16', { dtype: 'fp16', int4: true, int4AccuracyLevel: 0 }, '_q4f16', 'float16');
  const vsEmulated = compare(onnx, emulated);
  const scale = { features: maxAbs(emulated.features.data), logits: maxAbs(emulated.logits.data) };
  t.diagnostic(`q4f16 vs emulated: features ${e(vsEmulated.features)}, logits ${e(vsEmulated.logits)}`);
  for (const key of ['features', 'logits'] as const) assert.ok(vsEmulated[key] < 2 * FP16_RELATIVE * scale[key], `q4f16 ${key}: ${vsEmulated[key]}`);
});
