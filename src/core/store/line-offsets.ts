/**
 * Positions of line terminators in a file, kept in a growing Float64Array (8 bytes a line,
 * exact for offsets up to 2^53). Entry i is the byte offset of the '\n' that ends line i, or
 * the file size for a last line that has no '\n'.
 */
export class LineOffsets {
  private ends: Float64Array;
  private used = 0;

  constructor(initialCapacity = 1024) {
    this.ends = new Float64Array(Math.max(16, initialCapacity));
  }

  get length(): number {
    return this.used;
  }

  push(endOffset: number): void {
    if (this.used === this.ends.length) {
      const grown = new Float64Array(this.ends.length * 2);
      grown.set(this.ends);
      this.ends = grown;
    }
    this.ends[this.used++] = endOffset;
  }

  /** Offset of the '\n' ending line i (or the file size for an unterminated last line). */
  endOf(i: number): number {
    this.check(i);
    return this.ends[i] as number;
  }

  /** Offset of the first byte of line i; `firstStart` skips a BOM on line 0. */
  startOf(i: number, firstStart: number): number {
    this.check(i);
    return i === 0 ? firstStart : (this.ends[i - 1] as number) + 1;
  }

  /** Bytes held by the offset array itself (what a 1 GB file costs besides constant buffers). */
  get capacityBytes(): number {
    return this.ends.byteLength;
  }

  private check(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.used) {
      throw new RangeError(`line index ${i} is out of range (0..${this.used - 1})`);
    }
  }
}
