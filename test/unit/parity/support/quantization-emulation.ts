/**
 * What the converter's reduced-precision variants do to the weights, re-derived from their documented
 * schemes (not from the converter's code), so the reference can predict the quantized models:
 * fp16 rounding (round to nearest even), and MatMulNBits int4 — per row of a Linear weight [N, K],
 * blocks of 32 along K, asymmetric: lo = min(0, min v), hi = max(0, max v), scale = (hi − lo) / 15,
 * zp = round(−lo / scale), q = clamp(round(v / scale) + zp, 0, 15), weight seen = (q − zp) · scale.
 */
import type { ReferenceModel } from '../../../../src/core/model/reference/reference-model';
import type { ReferenceWeights, TextLayerWeights, VisionBlockWeights } from '../../../../src/core/model/reference/weights';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float32 value of `value` rounded to the nearest float16 (ties to even), saturating to ±Infinity. */
export function roundToFloat16(value: number): number {
  f32[0] = value;
  const bits = u32[0] as number;
  const sign = bits >>> 31 ? -1 : 1;
  const abs = Math.abs(f32[0] as number);
  if (!Number.isFinite(abs)) return value;
  if (abs >= 65520) return sign * Infinity;
  // Spacing of float16 values around |x|: 2^(e − 10) for normals, 2^−24 for subnormals.
  const exponent = abs < 2 ** -14 ? -14 : Math.floor(Math.log2(abs));
  const step = 2 ** (Math.max(exponent, -14) - 10);
  const scaled = abs / step;
  const floor = Math.floor(scaled);
  const remainder = scaled - floor;
  const rounded = remainder > 0.5 || (remainder === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
  return sign * rounded * step;
}

export function roundArrayToFloat16(values: Float32Array): Float32Array {
  return values.map((v) => roundToFloat16(v));
}

/** The weights a MatMulNBits int4 kernel sees for a Linear weight [rows, k]; `roundScale` is how the scale is stored. */
export function int4Dequantized(values: Float32Array, rows: number, k: number, roundScale: (s: number) => number = Math.fround, blockSize = 32): Float32Array {
  const out = new Float32Array(values.length);
  for (let n = 0; n < rows; n++) {
    for (let start = 0; start < k; start += blockSize) {
      const end = Math.min(k, start + blockSize);
      let lo = 0;
      let hi = 0;
      for (let j = start; j < end; j++) {
        lo = Math.min(lo, values[n * k + j] as number);
        hi = Math.max(hi, values[n * k + j] as number);
      }
      const scale = roundScale((hi - lo) / 15);
      const zeroPoint = scale > 0 ? Math.min(15, Math.max(0, Math.round(-lo / scale))) : 8;
      for (let j = start; j < end; j++) {
        const q = scale > 0 ? Math.min(15, Math.max(0, Math.round((values[n * k + j] as number) / scale) + zeroPoint)) : zeroPoint;
        out[n * k + j] = (q - zeroPoint) * scale;
      }
    }
  }
  return out;
}

export interface PrecisionEmulation {
  /** Applied to every Linear weight [out, in] (the ones the converter turns into MatMul / MatMulNBits). */
  linear: (weight: Float32Array, rows: number, k: number) => Float32Array;
  /** Applied to every other stored tensor whose precision the variant changes (biases, embeddings, patch embed). */
  other: (values: Float32Array) => Float32Array;
  /** Applied to RMSNorm weights (the converter keeps them float32). */
  norm: (values: Float32Array) => Float32Array;
}

const keep = (values: Float32Array): Float32Array => values;

/** fp32 activations, int4 Linear weights (scales float32), embedding table stored as fp16. */
export const INT4_FP32: PrecisionEmulation = {
  linear: (w, rows, k) => int4Dequantized(w, rows, k),
  other: keep,
  norm: keep,
};

/** fp16 activations, int4 Linear weights with fp16 scales, other tensors fp16 (q4f16). */
export const INT4_FP16: PrecisionEmulation = {
  linear: (w, rows, k) => int4Dequantized(w, rows, k, roundToFloat16),
  other: roundArrayToFloat16,
  norm: keep,
};

/** fp16 everything except norms. */
export const FP16: PrecisionEmulation = {
  linear: (w) => roundArrayToFloat16(w),
  other: roundArrayToFloat16,
  norm: keep,
};

/** A copy of the model whose weights are what the emulated variant stores. */
export function emulatePrecision(model: ReferenceModel, emulation: PrecisionEmulation, embedTable: (values: Float32Array) => Float32Array): ReferenceModel {
  const { text: t, vision: v } = model.config;
  const w = model.weights;
  const lin = (weight: Float32Array, rows: number, k: number) => emulation.linear(weight, rows, k);
  const kv = t.numKeyValueHeads * t.headDim;
  const layers: TextLayerWeights[] = w.text.layers.map((l) => ({
    inputNorm: emulation.norm(l.inputNorm),
    qWeight: lin(l.qWeight, t.hiddenSize, t.hiddenSize),
    qBias: emulation.other(l.qBias),
    kWeight: lin(l.kWeight, kv, t.hiddenSize),
    kBias: emulation.other(l.kBias),
    vWeight: lin(l.vWeight, kv, t.hiddenSize),
    vBias: emulation.other(l.vBias),
    oWeight: lin(l.oWeight, t.hiddenSize, t.hiddenSize),
    postAttentionNorm: emulation.norm(l.postAttentionNorm),
    gateWeight: lin(l.gateWeight, t.intermediateSize, t.hiddenSize),
    upWeight: lin(l.upWeight, t.intermediateSize, t.hiddenSize),
    downWeight: lin(l.downWeight, t.hiddenSize, t.intermediateSize),
  }));
  const blocks: VisionBlockWeights[] = w.vision.blocks.map((b) => ({
    norm1: emulation.norm(b.norm1),
    qkvWeight: lin(b.qkvWeight, 3 * v.hiddenSize, v.hiddenSize),
    qkvBias: emulation.other(b.qkvBias),
    projWeight: lin(b.projWeight, v.hiddenSize, v.hiddenSize),
    projBias: emulation.other(b.projBias),
    norm2: emulation.norm(b.norm2),
    gateWeight: lin(b.gateWeight, v.intermediateSize, v.hiddenSize),
    gateBias: emulation.other(b.gateBias),
    upWeight: lin(b.upWeight, v.intermediateSize, v.hiddenSize),
    upBias: emulation.other(b.upBias),
    downWeight: lin(b.downWeight, v.hiddenSize, v.intermediateSize),
    downBias: emulation.other(b.downBias),
  }));
  const merged = v.hiddenSize * v.spatialMergeSize ** 2;
  const weights: ReferenceWeights = {
    text: {
      embedTokens: embedTable(w.text.embedTokens),
      layers,
      finalNorm: emulation.norm(w.text.finalNorm),
      lmHead: lin(w.text.lmHead, t.vocabSize, t.hiddenSize),
    },
    vision: {
      patchEmbed: emulation.other(w.vision.patchEmbed),
      blocks,
      mergerNorm: emulation.norm(w.vision.mergerNorm),
      mergerFc1Weight: lin(w.vision.mergerFc1Weight, merged, merged),
      mergerFc1Bias: emulation.other(w.vision.mergerFc1Bias),
      mergerFc2Weight: lin(w.vision.mergerFc2Weight, v.outHiddenSize, merged),
      mergerFc2Bias: emulation.other(w.vision.mergerFc2Bias),
    },
  };
  return { config: model.config, weights };
}

/** IEEE float16 bits of `value` (rounded to nearest even first). */
export function float16Bits(value: number): number {
  const rounded = roundToFloat16(value);
  const sign = rounded < 0 || Object.is(rounded, -0) ? 0x8000 : 0;
  const abs = Math.abs(rounded);
  if (Number.isNaN(abs)) return 0x7e00;
  if (abs === Infinity) return sign | 0x7c00;
  if (abs < 2 ** -14) return sign | Math.round(abs / 2 ** -24);
  const exponent = Math.floor(Math.log2(abs));
  const mantissa = Math.round((abs / 2 ** exponent - 1) * 1024);
  return sign | ((exponent + 15) << 10) | mantissa;
}
