import { CheckpointReader } from './checkpoint-reader';
import { ExternalDataWriter } from './external-data';
import { F16_MAX, f32ToF16, f16BitsToF32, f32ToF16Bits } from './float-convert';
import { GraphBuilder } from './graph-builder';
import { int4BlockCount, INT4_BLOCK_SIZE, quantizeInt4Rows } from './int4-quantize';
import { DataType } from './onnx-proto';
import { elementCount, floatElementReader } from './safetensors';

export type Precision = 'fp32' | 'fp16';

export interface WeightWriterHooks {
  /** Called with the checkpoint bytes consumed after each chunk. */
  onSourceBytes?: (bytes: number) => void;
  signal?: AbortSignal;
}

export interface Int4Weight {
  b: string;
  scales: string;
  zeroPoints: string;
  n: number;
  k: number;
}

function asBytes(data: Float32Array, precision: Precision): Uint8Array {
  if (precision === 'fp32') return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const half = f32ToF16(data);
  return new Uint8Array(half.buffer);
}

/** Streams checkpoint tensors into a model's external data file and declares them as initializers. */
export class WeightWriter {
  /** Weights whose magnitude exceeds fp16's range (they become ±Infinity), by tensor. */
  readonly fp16Overflow = new Map<string, number>();

  constructor(
    private readonly reader: CheckpointReader,
    private readonly data: ExternalDataWriter,
    private readonly graph: GraphBuilder,
    private readonly hooks: WeightWriterHooks = {},
  ) {}

  private progress(source: string, rows: number, totalRows: number): void {
    this.hooks.signal?.throwIfAborted();
    const entry = this.reader.entry(source);
    this.hooks.onSourceBytes?.((entry.byteLength * rows) / totalRows);
  }

  private noteOverflow(source: string, data: Float32Array, precision: Precision): void {
    if (precision !== 'fp16') return;
    const limit = F16_MAX;
    let count = 0;
    for (let i = 0; i < data.length; i++) if (Math.abs(data[i] as number) > limit) count++;
    if (count > 0) this.fp16Overflow.set(source, (this.fp16Overflow.get(source) ?? 0) + count);
  }

  private tensorType(precision: Precision) {
    return precision === 'fp32' ? DataType.FLOAT : DataType.FLOAT16;
  }

  /** The tensor as stored (row-major), optionally with new dims of the same element count. */
  async plain(source: string, name: string, precision: Precision, dims?: number[]): Promise<string> {
    const entry = this.reader.entry(source);
    const outDims = dims ?? entry.shape;
    if (elementCount(outDims) !== elementCount(entry.shape)) throw new Error(`${source}: cannot view ${JSON.stringify(entry.shape)} as ${JSON.stringify(outDims)}`);
    const totalRows = entry.shape[0] ?? 1;
    const self = this;
    async function* chunks() {
      for await (const chunk of self.reader.rowChunks(source)) {
        self.noteOverflow(source, chunk.data, precision);
        yield asBytes(chunk.data, precision);
        self.progress(source, chunk.rows, totalRows);
      }
    }
    const bytes = elementCount(entry.shape) * (precision === 'fp32' ? 4 : 2);
    const at = await this.data.write(bytes, chunks());
    return this.graph.externalInitializer(name, this.tensorType(precision), outDims, at);
  }

  /**
   * A Linear weight [out, in…] as the MatMul operand [in, out]. Holds this one tensor twice (as stored and in the
   * output type), converting element by element, so a bf16 → fp16 lm_head of 7B costs 2 × 1.1 GB.
   */
  async transposed(source: string, name: string, precision: Precision): Promise<string> {
    const { bytes: raw, dtype, shape } = await this.reader.readRaw(source);
    const rows = shape[0] ?? 1;
    const cols = elementCount(shape) / rows;
    const at = floatElementReader(raw, dtype, `${this.reader.entry(source).file}: tensor "${source}"`);
    const out = precision === 'fp32' ? new Float32Array(rows * cols) : new Uint16Array(rows * cols);
    let overflow = 0;
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      for (let c = 0; c < cols; c++) {
        const v = at(base + c);
        if (precision === 'fp32') out[c * rows + r] = v;
        else {
          if (Math.abs(v) > F16_MAX) overflow++;
          out[c * rows + r] = f32ToF16Bits(v);
        }
      }
    }
    if (overflow > 0) this.fp16Overflow.set(source, (this.fp16Overflow.get(source) ?? 0) + overflow);
    this.progress(source, rows, rows);
    const bytes = new Uint8Array(out.buffer);
    const location = await this.data.write(bytes.length, [bytes]);
    return this.graph.externalInitializer(name, this.tensorType(precision), [cols, rows], location);
  }

  /** A Linear weight [N, K] quantized for MatMulNBits (see int4-quantize.ts); scales in `precision`. */
  async int4(source: string, name: string, precision: Precision): Promise<Int4Weight> {
    const entry = this.reader.entry(source);
    if (entry.shape.length !== 2) throw new Error(`${source}: int4 needs a 2-D weight, got ${JSON.stringify(entry.shape)}`);
    const [n, k] = entry.shape as [number, number];
    const nb = int4BlockCount(k);
    const roundScale = precision === 'fp16' ? (s: number) => f16BitsToF32(f32ToF16Bits(s)) : (s: number) => Math.fround(s);
    const scaleParts: Float32Array[] = [];
    const zpParts: Uint8Array[] = [];
    const self = this;
    async function* packedChunks() {
      for await (const chunk of self.reader.rowChunks(source)) {
        const q = quantizeInt4Rows(chunk.data, chunk.rows, k, roundScale);
        scaleParts.push(q.scales);
        zpParts.push(q.zeroPoints);
        yield q.packed;
        self.progress(source, chunk.rows, n);
      }
    }
    const bAt = await this.data.write(n * nb * (INT4_BLOCK_SIZE / 2), packedChunks());
    const b = this.graph.externalInitializer(`${name}.qweight`, DataType.UINT8, [n, nb, INT4_BLOCK_SIZE / 2], bAt);
    const scaleBytes = scaleParts.map((s) => asBytes(s, precision));
    const sAt = await this.data.write(scaleBytes.reduce((a, s) => a + s.length, 0), scaleBytes);
    const scales = this.graph.externalInitializer(`${name}.scales`, this.tensorType(precision), [n * nb], sAt);
    const zAt = await this.data.write(zpParts.reduce((a, z) => a + z.length, 0), zpParts);
    const zeroPoints = this.graph.externalInitializer(`${name}.zero_points`, DataType.UINT8, [n * Math.ceil(nb / 2)], zAt);
    return { b, scales, zeroPoints, n, k };
  }
}
