import * as ort from 'onnxruntime-node';
import type { FloatType } from './model-sessions';

/**
 * The decoder's key/value cache for one conversation: per layer `[1, kvHeads, length, headDim]`
 * tensors as the last run returned them (`present.*` becomes the next `past_key_values.*`).
 * `truncate` keeps the first n positions, which is how a new turn reuses the cached prefix.
 */
export class KvCache {
  private past = new Map<string, ort.Tensor>();
  private cachedLength = 0;

  constructor(
    readonly layers: number,
    readonly kvHeads: number,
    readonly headDim: number,
    readonly type: FloatType,
  ) {}

  /** Positions held. */
  get length(): number {
    return this.cachedLength;
  }

  /** Bytes held by the cache tensors. */
  get bytes(): number {
    return this.layers * 2 * this.kvHeads * this.cachedLength * this.headDim * (this.type === 'float16' ? 2 : 4);
  }

  private empty(): ort.Tensor {
    const data = this.type === 'float16' ? new Uint16Array(0) : new Float32Array(0);
    return new ort.Tensor(this.type, data, [1, this.kvHeads, 0, this.headDim]);
  }

  /** The `past_key_values.*` feeds for the next run. */
  feeds(): Record<string, ort.Tensor> {
    const feeds: Record<string, ort.Tensor> = {};
    for (let i = 0; i < this.layers; i++) {
      for (const part of ['key', 'value']) {
        const name = `past_key_values.${i}.${part}`;
        feeds[name] = this.past.get(name) ?? this.empty();
      }
    }
    return feeds;
  }

  /** Takes the run's `present.*` outputs as the cache; `length` is the positions they hold. */
  update(outputs: ort.InferenceSession.OnnxValueMapType, length: number): void {
    const next = new Map<string, ort.Tensor>();
    for (let i = 0; i < this.layers; i++) {
      for (const part of ['key', 'value']) {
        const present = outputs[`present.${i}.${part}`];
        if (!present) throw new Error(`the decoder returned no present.${i}.${part}`);
        const dims = present.dims;
        if (dims.length !== 4 || dims[2] !== length) {
          throw new Error(`present.${i}.${part} has shape [${dims.join(', ')}], expected [1, ${this.kvHeads}, ${length}, ${this.headDim}]`);
        }
        next.set(`past_key_values.${i}.${part}`, present);
      }
    }
    this.past = next;
    this.cachedLength = length;
  }

  /** Keeps positions [0, n). */
  truncate(n: number): void {
    if (n >= this.cachedLength) return;
    if (n <= 0) {
      this.clear();
      return;
    }
    const { kvHeads, headDim } = this;
    const oldLength = this.cachedLength;
    for (const [name, tensor] of this.past) {
      const source = tensor.data as Float32Array | Uint16Array;
      const kept = this.type === 'float16' ? new Uint16Array(kvHeads * n * headDim) : new Float32Array(kvHeads * n * headDim);
      for (let h = 0; h < kvHeads; h++) {
        const from = h * oldLength * headDim;
        kept.set(source.subarray(from, from + n * headDim), h * n * headDim);
      }
      this.past.set(name, new ort.Tensor(this.type, kept, [1, kvHeads, n, headDim]));
    }
    this.cachedLength = n;
  }

  clear(): void {
    this.past = new Map();
    this.cachedLength = 0;
  }
}
