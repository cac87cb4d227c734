import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { DecodedImage } from './decoded-image';
import { decodeImageFile, type DecodeOptions } from './decode';

export interface ImageCacheOptions extends DecodeOptions {
  /** Upper bound on the summed byte size of cached pixel buffers. */
  maxBytes: number;
}

export interface ImageCacheStats {
  entries: number;
  bytes: number;
  hits: number;
  decodes: number;
  evictions: number;
}

interface Entry {
  key: string;
  image: DecodedImage;
}

/**
 * Decodes each image file once. Least-recently-used entries are evicted once the
 * cached pixel bytes exceed `maxBytes`; an image larger than `maxBytes` is returned
 * but never cached. Concurrent `get`s of the same file share one decode. A file that
 * changes on disk (size or mtime) is decoded again.
 *
 * Returned images are shared between callers: treat their `data` as read-only.
 */
export class ImageCache {
  private readonly maxBytes: number;
  private readonly decodeOptions: DecodeOptions;
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<DecodedImage>>();
  private bytes = 0;
  private hits = 0;
  private decodes = 0;
  private evictions = 0;

  constructor(options: ImageCacheOptions) {
    if (!(options.maxBytes >= 0) || !Number.isFinite(options.maxBytes)) {
      throw new RangeError(`ImageCache maxBytes must be a finite number >= 0, got ${options.maxBytes}`);
    }
    this.maxBytes = options.maxBytes;
    this.decodeOptions = options.maxPixels === undefined ? {} : { maxPixels: options.maxPixels };
  }

  async get(absPath: string): Promise<DecodedImage> {
    const file = path.resolve(absPath);
    const key = await this.versionKey(file);
    const cached = this.entries.get(file);
    if (cached && cached.key === key) {
      this.hits++;
      // Map keeps insertion order: re-inserting makes this the most recently used entry.
      this.entries.delete(file);
      this.entries.set(file, cached);
      return cached.image;
    }
    const flightKey = `${file}\0${key}`;
    const pending = this.inFlight.get(flightKey);
    if (pending) {
      this.hits++;
      return pending;
    }
    const decoding = this.decodeAndStore(file, key).finally(() => this.inFlight.delete(flightKey));
    this.inFlight.set(flightKey, decoding);
    return decoding;
  }

  has(absPath: string): boolean {
    return this.entries.has(path.resolve(absPath));
  }

  delete(absPath: string): void {
    const file = path.resolve(absPath);
    const entry = this.entries.get(file);
    if (entry) this.remove(file, entry);
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  stats(): ImageCacheStats {
    return {
      entries: this.entries.size,
      bytes: this.bytes,
      hits: this.hits,
      decodes: this.decodes,
      evictions: this.evictions,
    };
  }

  private async versionKey(file: string): Promise<string> {
    try {
      const stat = await fsp.stat(file);
      return `${stat.size}:${stat.mtimeMs}`;
    } catch {
      // Let the decoder produce the precise "file not found" / "cannot read" error.
      return 'unreadable';
    }
  }

  private async decodeAndStore(file: string, key: string): Promise<DecodedImage> {
    this.decodes++;
    const image = await decodeImageFile(file, this.decodeOptions);
    if (image.data.length > this.maxBytes) return image;
    const stale = this.entries.get(file);
    if (stale) this.remove(file, stale);
    this.entries.set(file, { key, image });
    this.bytes += image.data.length;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.remove(oldest, entry);
      this.evictions++;
    }
    return image;
  }

  private remove(file: string, entry: Entry): void {
    this.entries.delete(file);
    this.bytes -= entry.image.data.length;
  }
}

