import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { CheckpointReader } from '../../../src/core/convert/checkpoint-reader';
import { ExternalDataWriter } from '../../../src/core/convert/external-data';
import { f16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from '../../../src/core/convert/float-convert';
import { GraphBuilder, MS_DOMAIN } from '../../../src/core/convert/graph-builder';
import { dequantizeInt4Rows, quantizeInt4Rows } from '../../../src/core/convert/int4-quantize';
import { activationType, LayerEmitter } from '../../../src/core/convert/layers';
import { encodeModel } from '../../../src/core/convert/onnx-proto';
import { WeightWriter } from '../../../src/core/convert/weight-writer';
import { writeSafetensors } from '../../support/tiny-qwen-checkpoint';
import { floatTensor, maxAbsDiff, toFloat32, wave } from './run-models';

const work = mkdtempSync(join(tmpdir(), 'mini-o3-int4-'));

/** A one-Linear model written through the converter's own path (reader → quantizer → external data → graph). */
async function linearModel(n: number, k: number, weights: Float32Array, bias: Float32Array, precision: 'fp32' | 'fp16', int4: boolean): Promise<string> {
  const dir = mkdtempSync(join(work, 'm-'));
  const bf16 = (v: Float32Array) => new Uint8Array(Uint16Array.from(v, f32ToBf16Bits).buffer);
  await writeSafetensors(join(dir, 'model.safetensors'), [
    { name: 'w', dtype: 'BF16', shape: [n, k], bytes: bf16(weights) },
    { name: 'b', dtype: 'BF16', shape: [n], bytes: bf16(bias) },
  ]);
  const reader = await CheckpointReader.open(dir);
  const g = new GraphBuilder('linear');
  const data = new ExternalDataWriter(dir, 'linear.onnx');
  const p = { precision, int4, int4AccuracyLevel: 0 };
  const e = new LayerEmitter(g, new WeightWriter(reader, data, g), p);
  const x = g.input('x', activationType(p), [3, k]);
  g.output(await e.linear(x, 'w', 'b', 'proj'), 'y', activationType(p), [3, n]);
  await data.close();
  writeFileSync(join(dir, 'linear.onnx'), encodeModel(g.toModel('test', { '': 21, [MS_DOMAIN]: 1 })));
  return join(dir, 'linear.onnx');
}

function reference(x: Float32Array, w: Float32Array, b: Float32Array, rows: number, n: number, k: number): Float32Array {
  const y = new Float32Array(rows * n);
  for (let r = 0; r < rows; r++) for (let o = 0; o < n; o++) {
    let s = b[o] as number;
    for (let i = 0; i < k; i++) s += (x[r * k + i] as number) * (w[o * k + i] as number);
    y[r * n + o] = s;
  }
  return y;
}

test('MatMulNBits computes x · dequant(W)ᵀ + b, K padded to a whole block (K = 56, 64)', async () => {
  for (const [n, k] of [[24, 56], [8, 64]] as const) {
    const roundBf16 = (v: Float32Array) => v.map((x) => new Float32Array(new Uint32Array([f32ToBf16Bits(x) << 16]).buffer)[0] as number);
    const w = roundBf16(wave(n * k, 0.2, 0.3));
    const b = roundBf16(wave(n, 1.1, 0.2));
    const x = wave(3 * k, 0.7);
    const session = await ort.InferenceSession.create(await linearModel(n, k, w, b, 'fp32', true));
    const y = toFloat32((await session.run({ x: floatTensor('float32', x, [3, k]) })).y!);
    const exact = reference(x, w, b, 3, n, k);
    const dequantized = reference(x, dequantizeInt4Rows(quantizeInt4Rows(w, n, k), n, k), b, 3, n, k);
    assert.ok(maxAbsDiff(y, dequantized) < 1e-5, `K=${k}: ${maxAbsDiff(y, dequantized)}`);
    assert.ok(maxAbsDiff(y, exact) > 1e-4, 'quantization changed nothing: the comparison would be vacuous');

    const fp = await ort.InferenceSession.create(await linearModel(n, k, w, b, 'fp32', false));
    assert.ok(maxAbsDiff(toFloat32((await fp.run({ x: floatTensor('float32', x, [3, k]) })).y!), exact) < 1e-5);
  }
});

test('q4f16: scales stored as fp16 and used as stored', async () => {
  const [n, k] = [16, 64];
  const w = wave(n * k, 0.4, 0.25);
  const b = new Float32Array(n);
  const x = wave(3 * k, 0.9, 0.5);
  const session = await ort.InferenceSession.create(await linearModel(n, k, w, b, 'fp16', true));
  const y = toFloat32((await session.run({ x: floatTensor('float16', x, [3, k]) })).y!);
  const wb = w.map((v) => new Float32Array(new Uint32Array([f32ToBf16Bits(v) << 16]).buffer)[0] as number);
  const toHalf = (s: number) => f16BitsToF32(f32ToF16Bits(s));
  const xh = x.map(toHalf);
  const expected = reference(xh, dequantizeInt4Rows(quantizeInt4Rows(wb, n, k, toHalf), n, k), b, 3, n, k);
  assert.ok(maxAbsDiff(y, expected) < 2e-2, `${maxAbsDiff(y, expected)}`);
});
