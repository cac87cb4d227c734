import * as ort from 'onnxruntime-node';
import { f16BitsToF32, f32ToF16 } from '../../convert/float-convert';
import type { FloatType } from './model-sessions';

/** Small conversions between JS arrays and onnxruntime tensors. */

let halfTable: Float32Array | null = null;

/** fp16 → fp32 through a 65536-entry table: a 152k-row logits vector every decoding step must cost little. */
export function halfToFloat(src: Uint16Array, out = new Float32Array(src.length)): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = f16BitsToF32(h);
  }
  const table = halfTable;
  for (let i = 0; i < src.length; i++) out[i] = table[src[i]!]!;
  return out;
}

export type FloatData = Float32Array | Uint16Array;

export function int64Tensor(values: ArrayLike<number>, dims: readonly number[]): ort.Tensor {
  const data = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = BigInt(values[i]!);
  return new ort.Tensor('int64', data, dims);
}

export function onesMask(length: number): ort.Tensor {
  return new ort.Tensor('int64', new BigInt64Array(length).fill(1n), [1, length]);
}

/** `[3, 1, n]` position ids from the three rotary streams. */
export function positionTensor(streams: readonly [Int32Array, Int32Array, Int32Array], from: number, to: number): ort.Tensor {
  const n = to - from;
  const data = new BigInt64Array(3 * n);
  for (let axis = 0; axis < 3; axis++) {
    const stream = streams[axis]!;
    for (let i = 0; i < n; i++) data[axis * n + i] = BigInt(stream[from + i]!);
  }
  return new ort.Tensor('int64', data, [3, 1, n]);
}

/** The data of a float tensor as the given element type (copied only when the type differs). */
export function floatDataAs(tensor: ort.Tensor, type: FloatType): FloatData {
  if (tensor.type === type) return tensor.data as FloatData;
  if (tensor.type === 'float32' && type === 'float16') return f32ToF16(tensor.data as Float32Array);
  if (tensor.type === 'float16' && type === 'float32') return halfToFloat(tensor.data as Uint16Array);
  throw new TypeError(`expected a float tensor, got ${tensor.type}`);
}

export function floatTensor(type: FloatType, data: FloatData, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor(type, data, dims);
}

export function allocateFloat(type: FloatType, length: number): FloatData {
  return type === 'float16' ? new Uint16Array(length) : new Float32Array(length);
}

/** The last row of `[1, S, V]` logits as float32. */
export function lastLogitsRow(logits: ort.Tensor): Float32Array {
  const dims = logits.dims;
  const vocab = dims[dims.length - 1]!;
  const rows = logits.size / vocab;
  const start = (rows - 1) * vocab;
  if (logits.type === 'float16') return halfToFloat((logits.data as Uint16Array).subarray(start, start + vocab));
  if (logits.type !== 'float32') throw new TypeError(`logits are ${logits.type}, expected float32 or float16`);
  return (logits.data as Float32Array).subarray(start, start + vocab);
}
