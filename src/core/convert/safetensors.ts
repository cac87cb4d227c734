import { open, stat } from 'node:fs/promises';
import { ConvertError } from './convert-error';
import { bf16ToF32, f16BitsToF32, f16ToF32 } from './float-convert';

export const SAFETENSORS_DTYPE_BYTES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E4M3: 1, F8_E5M2: 1,
  I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4,
  I64: 8, U64: 8, F64: 8,
};

/** Header JSON above this size is not a safetensors header (the format caps it at 100 MB). */
const MAX_HEADER_BYTES = 100_000_000;

/** One tensor of a .safetensors file; `dataStart` is an absolute byte offset in `file`. */
export interface SafetensorsEntry {
  name: string;
  dtype: string;
  shape: number[];
  file: string;
  dataStart: number;
  byteLength: number;
}

export interface SafetensorsHeader {
  file: string;
  fileSize: number;
  metadata: Record<string, string>;
  tensors: SafetensorsEntry[];
}

export function elementCount(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Reads and checks the header of one .safetensors file: dtypes, shapes and byte ranges within the file. */
export async function readSafetensorsHeader(file: string): Promise<SafetensorsHeader> {
  const { size: fileSize } = await stat(file).catch((e: NodeJS.ErrnoException) => {
    throw new ConvertError(file, e.code === 'ENOENT' ? 'does not exist' : `cannot be read (${e.code ?? e.message})`);
  });
  if (fileSize < 8) throw new ConvertError(file, `is ${fileSize} bytes, too short for a safetensors file (truncated?)`);
  const handle = await open(file, 'r');
  try {
    const prefix = Buffer.alloc(8);
    await handle.read(prefix, 0, 8, 0);
    const headerLength = Number(prefix.readBigUInt64LE(0));
    if (headerLength > MAX_HEADER_BYTES) throw new ConvertError(file, `header length ${headerLength} is implausible; not a safetensors file`);
    if (8 + headerLength > fileSize) {
      throw new ConvertError(file, `truncated: the header needs ${8 + headerLength} bytes but the file has ${fileSize}`);
    }
    const headerBytes = Buffer.alloc(headerLength);
    await handle.read(headerBytes, 0, headerLength, 8);
    let header: unknown;
    try {
      header = JSON.parse(headerBytes.toString('utf8'));
    } catch (e) {
      throw new ConvertError(file, `the header is not valid JSON (${e instanceof Error ? e.message : String(e)}); not a safetensors file`);
    }
    if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new ConvertError(file, 'the header is not a JSON object');
    const dataBase = 8 + headerLength;
    const tensors: SafetensorsEntry[] = [];
    let metadata: Record<string, string> = {};
    for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
      if (name === '__metadata__') {
        metadata = (value ?? {}) as Record<string, string>;
        continue;
      }
      const v = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      const itemBytes = typeof v.dtype === 'string' ? SAFETENSORS_DTYPE_BYTES[v.dtype] : undefined;
      if (itemBytes === undefined) throw new ConvertError(file, `tensor "${name}" has unknown dtype ${JSON.stringify(v.dtype)}`);
      const shape = v.shape;
      if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
        throw new ConvertError(file, `tensor "${name}" has an invalid shape ${JSON.stringify(shape)}`);
      }
      const offsets = v.data_offsets;
      if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0) || offsets[1] < offsets[0]) {
        throw new ConvertError(file, `tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)}`);
      }
      const [begin, end] = offsets as [number, number];
      const expected = elementCount(shape as number[]) * itemBytes;
      if (end - begin !== expected) {
        throw new ConvertError(file, `tensor "${name}" (${v.dtype} ${JSON.stringify(shape)}) needs ${expected} bytes but data_offsets span ${end - begin}`);
      }
      if (dataBase + end > fileSize) {
        throw new ConvertError(file, `truncated: tensor "${name}" ends at byte ${dataBase + end} but the file has ${fileSize} bytes`);
      }
      tensors.push({ name, dtype: v.dtype as string, shape: shape as number[], file, dataStart: dataBase + begin, byteLength: expected });
    }
    return { file, fileSize, metadata, tensors };
  } finally {
    await handle.close();
  }
}

const IO_CHUNK_BYTES = 2 ** 28;

/** Reads exactly `length` bytes at `position` (fs reads may return fewer). */
export async function readExactly(file: string, position: number, length: number): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      // One fs read is limited to 2 GiB; big tensors take several.
      const { bytesRead } = await handle.read(out, done, Math.min(length - done, IO_CHUNK_BYTES), position + done);
      if (bytesRead === 0) throw new ConvertError(file, `ended at byte ${position + done} while reading ${length} bytes from ${position} (truncated?)`);
      done += bytesRead;
    }
    return out;
  } finally {
    await handle.close();
  }
}

/** Element i of raw little-endian float tensor bytes, as a number (for strided access without a float32 copy). */
export function floatElementReader(bytes: Uint8Array, dtype: string, what: string): (i: number) => number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const widen = new Float32Array(1);
  const widenBits = new Uint32Array(widen.buffer);
  switch (dtype) {
    case 'F32':
      return (i) => view.getFloat32(i * 4, true);
    case 'BF16':
      return (i) => {
        widenBits[0] = view.getUint16(i * 2, true) << 16;
        return widen[0] as number;
      };
    case 'F16':
      return (i) => f16BitsToF32(view.getUint16(i * 2, true));
    case 'F64':
      return (i) => view.getFloat64(i * 8, true);
    default:
      throw new Error(`${what}: dtype ${dtype} is not a float type the converter reads (BF16, F16, F32, F64)`);
  }
}

/** Converts raw little-endian tensor bytes of a float dtype to float32. */
export function bytesToFloat32(bytes: Uint8Array, dtype: string, what: string): Float32Array {
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  switch (dtype) {
    case 'F32':
      return new Float32Array(aligned.buffer, aligned.byteOffset, aligned.length / 4).slice();
    case 'BF16':
      return bf16ToF32(new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.length / 2));
    case 'F16':
      return f16ToF32(new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.length / 2));
    case 'F64':
      return Float32Array.from(new Float64Array(aligned.buffer.slice(aligned.byteOffset, aligned.byteOffset + aligned.length)));
    default:
      throw new Error(`${what}: dtype ${dtype} is not a float type the converter reads (BF16, F16, F32, F64)`);
  }
}
