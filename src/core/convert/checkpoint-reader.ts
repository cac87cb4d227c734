import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConvertError } from './convert-error';
import { canonicalWeightName } from './qwen-weights';
import { bytesToFloat32, elementCount, readExactly, readSafetensorsHeader, SafetensorsEntry, SAFETENSORS_DTYPE_BYTES } from './safetensors';

export const INDEX_FILE = 'model.safetensors.index.json';
export const SINGLE_FILE = 'model.safetensors';

/** A block of consecutive rows (first dimension) of one tensor, as float32. */
export interface RowChunk {
  rowStart: number;
  rows: number;
  data: Float32Array;
}

/** Explains why a folder holds no safetensors checkpoint (already ONNX, PyTorch-only, empty). */
async function missingCheckpointError(dir: string): Promise<ConvertError> {
  const names = await readdir(dir).catch(() => null);
  if (names === null) return new ConvertError(dir, 'is not a readable folder');
  const onnxNames = names.filter((n) => n.endsWith('.onnx'));
  if (names.includes('onnx')) {
    const inner = await readdir(join(dir, 'onnx')).catch(() => [] as string[]);
    onnxNames.push(...inner.filter((n) => n.endsWith('.onnx')).map((n) => `onnx/${n}`));
  }
  if (onnxNames.length > 0) {
    return new ConvertError(dir, `already holds ONNX models (${onnxNames.slice(0, 3).join(', ')}), not a Hugging Face safetensors checkpoint; point at the original checkpoint folder`);
  }
  if (names.some((n) => n.endsWith('.bin') || n.endsWith('.pt') || n.endsWith('.pth'))) {
    return new ConvertError(dir, 'holds only PyTorch pickle weights (.bin/.pt); the converter reads safetensors (save with safe_serialization=True)');
  }
  if (names.some((n) => n.endsWith('.gguf'))) return new ConvertError(dir, 'holds GGUF weights, not a Hugging Face safetensors checkpoint');
  return new ConvertError(dir, `has neither ${INDEX_FILE} nor ${SINGLE_FILE}`);
}

/**
 * The tensors of a safetensors checkpoint (sharded with an index, or a single file), by their published
 * Qwen2.5-VL names. Reads one tensor's byte range at a time; never loads a shard.
 */
export class CheckpointReader {
  private constructor(readonly dir: string, private readonly entries: Map<string, SafetensorsEntry>, readonly shardFiles: string[]) {}

  static async open(dir: string): Promise<CheckpointReader> {
    const names = await readdir(dir).catch(() => {
      throw new ConvertError(dir, 'is not a readable folder');
    });
    let shardFiles: string[];
    let weightMap: Record<string, string> | null = null;
    const indexPath = join(dir, INDEX_FILE);
    if (names.includes(INDEX_FILE)) {
      let index: unknown;
      try {
        index = JSON.parse(await readFile(indexPath, 'utf8'));
      } catch (e) {
        throw new ConvertError(indexPath, `is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
      }
      const map = (index as { weight_map?: unknown } | null)?.weight_map;
      if (typeof map !== 'object' || map === null || Array.isArray(map) || !Object.values(map).every((f) => typeof f === 'string')) {
        throw new ConvertError(indexPath, 'field "weight_map" is missing or not an object of tensor name → shard file');
      }
      weightMap = map as Record<string, string>;
      shardFiles = [...new Set(Object.values(weightMap))].sort();
      for (const shard of shardFiles) {
        if (shard.includes('/') || shard.includes('\\')) throw new ConvertError(indexPath, `names shard "${shard}" outside the folder`);
        if (!names.includes(shard)) throw new ConvertError(indexPath, `names shard "${shard}", which does not exist in ${dir}`);
      }
    } else if (names.includes(SINGLE_FILE)) {
      shardFiles = [SINGLE_FILE];
    } else {
      throw await missingCheckpointError(dir);
    }

    const entries = new Map<string, SafetensorsEntry>();
    for (const shard of shardFiles) {
      const header = await readSafetensorsHeader(join(dir, shard));
      for (const tensor of header.tensors) {
        const canonical = canonicalWeightName(tensor.name);
        const previous = entries.get(canonical);
        if (previous) {
          throw new ConvertError(header.file, `tensor "${tensor.name}" is also in ${previous.file} as "${previous.name}"`);
        }
        entries.set(canonical, tensor);
      }
    }
    if (weightMap) {
      for (const [name, shard] of Object.entries(weightMap)) {
        const entry = entries.get(canonicalWeightName(name));
        if (!entry || entry.name !== name) throw new ConvertError(join(dir, shard), `does not contain tensor "${name}" that ${INDEX_FILE} places there`);
      }
    }
    return new CheckpointReader(dir, entries, shardFiles);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  /** The entry for a published tensor name; a ConvertError naming the checkpoint when absent. */
  entry(name: string): SafetensorsEntry {
    const e = this.entries.get(name);
    if (!e) throw new ConvertError(this.dir, `the checkpoint has no tensor "${name}" (nor its model.language_model./model.visual. spelling)`);
    return e;
  }

  /** Rows [rowStart, rowStart + rows) of the tensor's first dimension, as float32. */
  async readRows(name: string, rowStart: number, rows: number): Promise<Float32Array> {
    const e = this.entry(name);
    const rowBytes = this.rowElements(e) * (SAFETENSORS_DTYPE_BYTES[e.dtype] as number);
    const bytes = await readExactly(e.file, e.dataStart + rowStart * rowBytes, rows * rowBytes);
    return bytesToFloat32(bytes, e.dtype, `${e.file}: tensor "${e.name}"`);
  }

  /** The tensor's bytes as stored, with its dtype. */
  async readRaw(name: string): Promise<{ bytes: Uint8Array; dtype: string; shape: number[] }> {
    const e = this.entry(name);
    return { bytes: await readExactly(e.file, e.dataStart, e.byteLength), dtype: e.dtype, shape: e.shape };
  }

  async readAll(name: string): Promise<Float32Array> {
    const e = this.entry(name);
    return this.readRows(name, 0, e.shape[0] ?? 1);
  }

  /** Yields the tensor in row blocks of about `maxBytes` float32 bytes (at least one row each). */
  async *rowChunks(name: string, maxBytes = 64 * 2 ** 20): AsyncGenerator<RowChunk> {
    const e = this.entry(name);
    const totalRows = e.shape.length === 0 ? 1 : (e.shape[0] as number);
    const rowElements = this.rowElements(e);
    const step = Math.max(1, Math.floor(maxBytes / (4 * Math.max(1, rowElements))));
    for (let rowStart = 0; rowStart < totalRows; rowStart += step) {
      const rows = Math.min(step, totalRows - rowStart);
      yield { rowStart, rows, data: await this.readRows(name, rowStart, rows) };
    }
  }

  private rowElements(e: SafetensorsEntry): number {
    return e.shape.length === 0 ? 1 : elementCount(e.shape.slice(1));
  }
}
