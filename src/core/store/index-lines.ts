import type { FileHandle } from 'node:fs/promises';
import { LineOffsets } from './line-offsets';

export const INDEX_CHUNK_BYTES = 1 << 20;

export interface IndexProgress {
  bytesRead: number;
  totalBytes: number;
  lines: number;
}

export interface IndexOptions {
  signal?: AbortSignal;
  chunkBytes?: number;
  onProgress?: (progress: IndexProgress) => void;
  /** Called after each chunk that completed new lines; lines `0..count-1` can be read now. */
  onLines?: (count: number) => void;
}

export interface IndexedLayout {
  /** 3 when the file starts with a UTF-8 BOM (kept on save), else 0. */
  bomBytes: number;
  endsWithNewline: boolean;
  /** The file's newline style, from its first terminated line; '\n' when it has none. */
  newline: '\n' | '\r\n';
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * Scans `totalBytes` of the file chunk by chunk with one reused buffer, pushing every line
 * end into `offsets` as it goes: memory stays constant besides the offset array.
 */
export async function indexLines(
  handle: FileHandle,
  totalBytes: number,
  offsets: LineOffsets,
  options: IndexOptions = {},
): Promise<IndexedLayout> {
  const chunk = Buffer.allocUnsafe(Math.max(4, options.chunkBytes ?? INDEX_CHUNK_BYTES));
  let position = 0;
  let bomBytes = 0;
  let newline: '\n' | '\r\n' | null = null;
  let previousByte = -1;

  while (position < totalBytes) {
    options.signal?.throwIfAborted();
    const want = Math.min(chunk.length, totalBytes - position);
    const { bytesRead } = await handle.read(chunk, 0, want, position);
    if (bytesRead === 0) {
      throw new Error(`file ended at byte ${position} while indexing (expected ${totalBytes} bytes; truncated while open?)`);
    }
    if (position === 0 && bytesRead >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
      bomBytes = 3;
    }
    const before = offsets.length;
    const view = chunk.subarray(0, bytesRead);
    let at = view.indexOf(LF, 0);
    while (at !== -1) {
      if (newline === null) {
        const prior = at > 0 ? view[at - 1] : previousByte;
        newline = prior === CR ? '\r\n' : '\n';
      }
      offsets.push(position + at);
      at = view.indexOf(LF, at + 1);
    }
    previousByte = view[bytesRead - 1] as number;
    position += bytesRead;
    if (offsets.length > before) options.onLines?.(offsets.length);
    options.onProgress?.({ bytesRead: position, totalBytes, lines: offsets.length });
  }

  const lastEnd = offsets.length > 0 ? offsets.endOf(offsets.length - 1) + 1 : bomBytes;
  const endsWithNewline = totalBytes > 0 && lastEnd === totalBytes && offsets.length > 0;
  if (lastEnd < totalBytes) {
    offsets.push(totalBytes);
    options.onLines?.(offsets.length);
  }
  return { bomBytes, endsWithNewline, newline: newline ?? '\n' };
}
