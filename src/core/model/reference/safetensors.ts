/**
 * A minimal safetensors reader for the reference model: an 8-byte little-endian header length, a
 * JSON header `{name: {dtype, shape, data_offsets}}`, then the raw little-endian data. F32, F16 and
 * BF16 tensors are widened to float32. Sharded checkpoints are followed through
 * `model.safetensors.index.json`. Whole files are read into memory: meant for small checkpoints.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NamedTensor, TensorLookup } from './weights';

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

const BYTES_PER_VALUE: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };

export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** Parses one safetensors file's bytes into named float32 tensors. */
export function parseSafetensors(bytes: Uint8Array, source: string): Map<string, NamedTensor> {
  if (bytes.length < 8) throw new Error(`${source}: too short for a safetensors header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (8 + headerLength > bytes.length) throw new Error(`${source}: header length ${headerLength} runs past the end of the file`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (error) {
    throw new Error(`${source}: header is not JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null) throw new Error(`${source}: header is not a JSON object`);
  const dataStart = 8 + headerLength;
  const tensors = new Map<string, NamedTensor>();
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') continue;
    const entry = raw as Partial<HeaderEntry>;
    const width = entry.dtype !== undefined ? BYTES_PER_VALUE[entry.dtype] : undefined;
    if (width === undefined) throw new Error(`${source}: tensor ${name} has dtype ${JSON.stringify(entry.dtype)}; only F32, F16 and BF16 are read`);
    if (!Array.isArray(entry.shape) || !Array.isArray(entry.data_offsets) || entry.data_offsets.length !== 2) {
      throw new Error(`${source}: tensor ${name} lacks shape or data_offsets`);
    }
    const count = entry.shape.reduce((a, b) => a * b, 1);
    const [begin, end] = entry.data_offsets;
    if (end - begin !== count * width || dataStart + end > bytes.length) {
      throw new Error(`${source}: tensor ${name} data_offsets [${begin},${end}] do not fit shape [${entry.shape.join(',')}] ${entry.dtype} in the file`);
    }
    const data = new Float32Array(count);
    const at = bytes.byteOffset + dataStart + begin;
    const values = new DataView(bytes.buffer, at, end - begin);
    const bitsOfData = new Uint32Array(data.buffer);
    for (let i = 0; i < count; i++) {
      if (entry.dtype === 'F32') data[i] = values.getFloat32(i * 4, true);
      else if (entry.dtype === 'F16') data[i] = halfToFloat(values.getUint16(i * 2, true));
      else bitsOfData[i] = values.getUint16(i * 2, true) << 16; // bf16 is the top half of a float32
    }
    tensors.set(name, { shape: entry.shape.slice(), data });
  }
  return tensors;
}

/** All tensors of a Hugging Face checkpoint folder (`model.safetensors` or an index of shards). */
export function readSafetensorsCheckpoint(dir: string): TensorLookup {
  const single = join(dir, 'model.safetensors');
  const index = join(dir, 'model.safetensors.index.json');
  const tensors = new Map<string, NamedTensor>();
  if (existsSync(single)) {
    for (const [k, v] of parseSafetensors(readFileSync(single), single)) tensors.set(k, v);
  } else if (existsSync(index)) {
    const parsed = JSON.parse(readFileSync(index, 'utf8')) as { weight_map?: Record<string, string> };
    if (!parsed.weight_map) throw new Error(`${index}: field weight_map is missing`);
    for (const shard of new Set(Object.values(parsed.weight_map))) {
      const path = join(dir, shard);
      for (const [k, v] of parseSafetensors(readFileSync(path), path)) tensors.set(k, v);
    }
  } else {
    throw new Error(`${dir}: neither model.safetensors nor model.safetensors.index.json exists`);
  }
  return (name) => tensors.get(name);
}
