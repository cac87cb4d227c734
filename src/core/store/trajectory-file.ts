import { open as openFile, stat, type FileHandle } from 'node:fs/promises';
import { indexLines, type IndexOptions, type IndexedLayout } from './index-lines';
import { LineOffsets } from './line-offsets';
import { LruCache } from './lru-cache';
import { oversizedLineRecord, parseLineRecord, type TrajectoryRecord } from './record';
import type { Finding } from '../trajectory/findings';

export interface OpenOptions extends IndexOptions {
  /** How many parsed records the LRU keeps (default 512). */
  cacheSize?: number;
  /** Longer lines are reported, not loaded (default 64 MiB); save still copies them unchanged. */
  maxLineBytes?: number;
}

/** Where one line lives in the file. */
export interface LineSpan {
  /** First byte of the line's content. */
  start: number;
  /** Offset of its '\n' (includes a '\r' before it), or the file size for an unterminated last line. */
  end: number;
  hasNewline: boolean;
}

interface Waiter {
  index: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const DEFAULT_CACHE = 512;
const DEFAULT_MAX_LINE = 64 * 1024 * 1024;
const PREVIEW_BYTES = 4096;
const BATCH_BYTES = 1 << 20;

/**
 * A `*.traj.jsonl` file opened for reading: line offsets are indexed by streaming the file,
 * records are parsed on demand and kept in a bounded LRU. Lines become readable as soon as
 * they are indexed, so a virtualized list can show the first rows while indexing goes on.
 */
export class TrajectoryFile {
  private handle: FileHandle;
  private offsets = new LineOffsets();
  private layoutInfo: IndexedLayout | null = null;
  private sizeAtOpen: number;
  private mtimeAtOpen: number;
  private indexedByteCount = 0;
  private indexError: unknown = null;
  private waiters: Waiter[] = [];
  private busy: Promise<void> | null = null;
  private closed = false;
  private readonly cache: LruCache<number, TrajectoryRecord>;
  private readonly maxLineBytes: number;
  private readonly stopIndexing = new AbortController();
  private bomBytes: number;
  /** Resolves when the whole file is indexed; rejects if indexing fails or is aborted. */
  ready: Promise<void>;

  private constructor(
    readonly path: string,
    handle: FileHandle,
    opened: OpenedFile,
    private readonly options: OpenOptions,
  ) {
    this.handle = handle;
    this.bomBytes = opened.bomBytes;
    this.sizeAtOpen = opened.size;
    this.mtimeAtOpen = opened.mtimeMs;
    this.cache = new LruCache(options.cacheSize ?? DEFAULT_CACHE);
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE;
    this.ready = this.runIndex();
    this.ready.catch(() => undefined);
  }

  /** Opens the file and starts indexing; returns at once. Await `ready` for the full index. */
  static async openStreaming(path: string, options: OpenOptions = {}): Promise<TrajectoryFile> {
    const handle = await openFile(path, 'r');
    try {
      return new TrajectoryFile(path, handle, await inspectOpened(path, handle), options);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Opens the file and indexes all of it. */
  static async open(path: string, options: OpenOptions = {}): Promise<TrajectoryFile> {
    const file = await TrajectoryFile.openStreaming(path, options);
    try {
      await file.ready;
    } catch (error) {
      await file.close();
      throw error;
    }
    return file;
  }

  /** Lines indexed so far (every line is one record: blank and broken lines count too). */
  get lineCount(): number {
    return this.offsets.length;
  }

  /** Same as `lineCount`: one record per line. */
  get count(): number {
    return this.offsets.length;
  }

  get indexing(): boolean {
    return this.layoutInfo === null && this.indexError === null;
  }

  get totalBytes(): number {
    return this.sizeAtOpen;
  }

  get indexedBytes(): number {
    return this.indexedByteCount;
  }

  /** BOM, final newline and newline style; null until indexing has finished. */
  get layout(): IndexedLayout | null {
    return this.layoutInfo;
  }

  /** File-level notes (an empty file); per-line problems come with each record. */
  get notes(): Finding[] {
    if (!this.layoutInfo || this.offsets.length > 0) return [];
    const what = this.sizeAtOpen === 0 ? 'file is empty' : 'file holds no lines besides a byte-order mark';
    return [{ severity: 'warning', file: this.path, line: 0, field: '', message: `${what}: 0 trajectories` }];
  }

  /** Byte span of line i (0-based); the line must be indexed. */
  span(i: number): LineSpan {
    const start = this.offsets.startOf(i, this.bomBytes);
    const end = this.offsets.endOf(i);
    return { start, end, hasNewline: end < this.sizeAtOpen };
  }

  /** Record of line i (0-based). Waits while indexing has not reached it; RangeError past the end. */
  async get(i: number): Promise<TrajectoryRecord> {
    if (!Number.isInteger(i) || i < 0) throw new RangeError(`line index must be a whole number >= 0, got ${i}`);
    if (this.busy) await this.busy;
    const cached = this.cache.get(i);
    if (cached) return cached;
    await this.whenIndexed(i);
    const record = await this.readRecord(i);
    this.cache.set(i, record);
    return record;
  }

  /** Every record from line `from` on, read in 1 MiB batches (bypasses the LRU); follows indexing. */
  async *records(from = 0): AsyncGenerator<TrajectoryRecord> {
    let i = from;
    for (;;) {
      if (this.busy) await this.busy;
      try {
        await this.whenIndexed(i);
      } catch (error) {
        if (error instanceof RangeError) return;
        throw error;
      }
      const first = this.span(i);
      let last = i;
      while (last + 1 < this.offsets.length && this.offsets.endOf(last + 1) - first.start <= BATCH_BYTES) last++;
      const lastSpan = this.span(last);
      if (lastSpan.end - first.start > this.maxLineBytes) {
        yield await this.readRecord(i);
        i++;
        continue;
      }
      const block = await this.readRange(first.start, lastSpan.end);
      for (let k = i; k <= last; k++) {
        const s = this.span(k);
        yield this.recordFromBytes(k, block.subarray(s.start - first.start, s.end - first.start));
      }
      i = last + 1;
    }
  }

  /** Reads bytes [start, end) of the file as indexed. */
  async readRange(start: number, end: number): Promise<Buffer> {
    const out = Buffer.allocUnsafe(end - start);
    let filled = 0;
    while (filled < out.length) {
      const { bytesRead } = await this.handle.read(out, filled, out.length - filled, start + filled);
      if (bytesRead === 0) throw new Error(`${this.path}: file is shorter than when it was indexed (changed on disk?)`);
      filled += bytesRead;
    }
    return out;
  }

  /** Throws when the file's size or modification time differ from when it was indexed. */
  async assertUnchangedOnDisk(): Promise<void> {
    const info = await stat(this.path);
    if (info.size !== this.sizeAtOpen || info.mtimeMs !== this.mtimeAtOpen) {
      throw new Error(`${this.path} changed on disk since it was opened (size ${this.sizeAtOpen} -> ${info.size}); reopen it before saving`);
    }
  }

  /**
   * Runs `work` while reads wait, then reopens and re-indexes the file (used by save, whose
   * rename replaces the file under the open handle).
   */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    while (this.busy) await this.busy;
    let release: () => void = () => undefined;
    this.busy = new Promise<void>((resolve) => (release = resolve));
    try {
      const result = await work();
      await this.reload();
      return result;
    } finally {
      this.busy = null;
      release();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopIndexing.abort(new Error(`${this.path} was closed while indexing`));
    await this.ready.catch(() => undefined);
    this.cache.clear();
    await this.handle.close();
  }

  private async reload(): Promise<void> {
    const handle = await openFile(this.path, 'r');
    let opened: OpenedFile;
    try {
      opened = await inspectOpened(this.path, handle);
    } catch (error) {
      await handle.close();
      throw error;
    }
    const old = this.handle;
    this.handle = handle;
    this.bomBytes = opened.bomBytes;
    this.sizeAtOpen = opened.size;
    this.mtimeAtOpen = opened.mtimeMs;
    this.offsets = new LineOffsets();
    this.layoutInfo = null;
    this.indexError = null;
    this.indexedByteCount = 0;
    this.cache.clear();
    await old.close();
    this.ready = this.runIndex();
    this.ready.catch(() => undefined);
    await this.ready;
  }

  private async runIndex(): Promise<void> {
    const { onProgress } = this.options;
    try {
      this.layoutInfo = await indexLines(this.handle, this.sizeAtOpen, this.offsets, {
        ...this.options,
        signal: this.options.signal ? AbortSignal.any([this.options.signal, this.stopIndexing.signal]) : this.stopIndexing.signal,
        onProgress: (progress) => {
          this.indexedByteCount = progress.bytesRead;
          onProgress?.(progress);
        },
        onLines: (count) => {
          this.wakeWaiters();
          this.options.onLines?.(count);
        },
      });
      this.indexedByteCount = this.sizeAtOpen;
    } catch (error) {
      this.indexError = error;
      throw error;
    } finally {
      this.wakeWaiters();
    }
  }

  private whenIndexed(i: number): Promise<void> {
    if (i < this.offsets.length) return Promise.resolve();
    if (this.indexError) return Promise.reject(this.indexError);
    if (this.layoutInfo) return Promise.reject(this.outOfRange(i));
    return new Promise((resolve, reject) => this.waiters.push({ index: i, resolve, reject }));
  }

  private wakeWaiters(): void {
    const pending = this.waiters;
    this.waiters = [];
    for (const waiter of pending) {
      if (waiter.index < this.offsets.length) waiter.resolve();
      else if (this.indexError) waiter.reject(this.indexError);
      else if (this.layoutInfo) waiter.reject(this.outOfRange(waiter.index));
      else this.waiters.push(waiter);
    }
  }

  private outOfRange(i: number): RangeError {
    return new RangeError(`${this.path}: line index ${i} is past the end (${this.offsets.length} lines)`);
  }

  private async readRecord(i: number): Promise<TrajectoryRecord> {
    const { start, end } = this.span(i);
    if (end - start > this.maxLineBytes) {
      const preview = await this.readRange(start, Math.min(end, start + PREVIEW_BYTES));
      return oversizedLineRecord(preview, this.path, i + 1, end - start, this.maxLineBytes);
    }
    return this.recordFromBytes(i, await this.readRange(start, end));
  }

  private recordFromBytes(i: number, withCr: Buffer): TrajectoryRecord {
    const bytes = withCr.length > 0 && withCr[withCr.length - 1] === 0x0d ? withCr.subarray(0, withCr.length - 1) : withCr;
    return parseLineRecord(bytes, this.path, i + 1);
  }
}

interface OpenedFile {
  size: number;
  mtimeMs: number;
  bomBytes: number;
}

async function inspectOpened(path: string, handle: FileHandle): Promise<OpenedFile> {
  const info = await handle.stat();
  if (!info.isFile()) throw new Error(`${path}: not a regular file`);
  const head = Buffer.alloc(3);
  const { bytesRead } = await handle.read(head, 0, 3, 0);
  const bomBytes = bytesRead === 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  return { size: info.size, mtimeMs: info.mtimeMs, bomBytes };
}
