import { open, FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExternalLocation } from './graph-builder';

/** Offsets of tensors in external data files are multiples of this. */
export const EXTERNAL_DATA_ALIGNMENT = 64;

/**
 * Appends tensors to `<model>.onnx_data`, `<model>.onnx_data_1`, … (transformers.js naming), starting a new
 * file when the next tensor would push the current one past `maxFileBytes`. Tensors are written as they are
 * produced; nothing is kept in memory.
 */
export class ExternalDataWriter {
  private handle: FileHandle | null = null;
  private fileIndex = -1;
  private position = 0;
  private total = 0;
  readonly files: string[] = [];

  constructor(private readonly dir: string, private readonly modelFile: string, private readonly maxFileBytes = 2 ** 31 - 2 ** 20) {}

  private fileName(index: number): string {
    return `${this.modelFile}_data${index === 0 ? '' : `_${index}`}`;
  }

  private async nextFile(): Promise<void> {
    await this.handle?.close();
    this.fileIndex++;
    const name = this.fileName(this.fileIndex);
    this.files.push(name);
    this.handle = await open(join(this.dir, name), 'w');
    this.position = 0;
  }

  /** Writes one tensor of exactly `length` bytes from `chunks`; returns where it lies. */
  async write(length: number, chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<ExternalLocation> {
    if (this.handle === null) await this.nextFile();
    let offset = Math.ceil(this.position / EXTERNAL_DATA_ALIGNMENT) * EXTERNAL_DATA_ALIGNMENT;
    if (offset > 0 && offset + length > this.maxFileBytes) {
      await this.nextFile();
      offset = 0;
    }
    const handle = this.handle as FileHandle;
    let at = offset;
    for await (const chunk of chunks) {
      if (at + chunk.length > offset + length) throw new Error(`tensor data longer than the declared ${length} bytes`);
      let written = 0;
      while (written < chunk.length) {
        // One fs write is limited to 2 GiB.
        const { bytesWritten } = await handle.write(chunk, written, Math.min(chunk.length - written, 2 ** 28), at + written);
        written += bytesWritten;
      }
      at += chunk.length;
    }
    if (at !== offset + length) throw new Error(`tensor data is ${at - offset} bytes, declared ${length}`);
    this.position = at;
    this.total += length;
    return { location: this.fileName(this.fileIndex), offset, length };
  }

  /** Bytes of tensor data written (without alignment padding). */
  get bytesWritten(): number {
    return this.total;
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = null;
  }
}
