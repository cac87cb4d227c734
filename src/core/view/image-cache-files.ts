import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Box4 } from '../trajectory/schema';
import { ImagingError } from '../imaging';

/** Bump when the pictures made for an operation change, so old cache files are not reused. */
export const IMAGE_RENDER_VERSION = 1;

/** What was done to a source image; together with the source's content hash it names the cache file. */
export interface ImageOperation {
  kind: 'original' | 'thumbnail' | 'crop' | 'model';
  observation: number;
  /** The observation's rectangle in original-image pixels. */
  rect: Box4;
  maxSide: number | null;
  /** Mini-o3's pixel bounds (only the model picture depends on them). */
  bounds: { minPixels: number; maxPixels: number } | null;
  format: 'jpeg' | 'png';
}

/** `<sha256 of version, source hash and operation>.<jpg|png>`. */
export function imageCacheName(sourceHash: string, op: ImageOperation): string {
  const key = JSON.stringify([IMAGE_RENDER_VERSION, sourceHash, op.kind, op.observation, op.rect, op.maxSide, op.bounds?.minPixels ?? null, op.bounds?.maxPixels ?? null, op.format]);
  return `${createHash('sha256').update(key).digest('hex')}.${op.format === 'jpeg' ? 'jpg' : 'png'}`;
}

interface HashMemo {
  size: number;
  mtimeMs: number;
  hash: Promise<string>;
}

const MAX_MEMO = 4096;

/** sha256 of a file's bytes, read as a stream once and remembered by path, size and mtime. */
export class SourceHasher {
  private readonly memo = new Map<string, HashMemo>();

  async hash(file: string): Promise<string> {
    let info;
    try {
      info = await fsp.stat(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new ImagingError(file, code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? String(error)})`, { cause: error });
    }
    const known = this.memo.get(file);
    if (known && known.size === info.size && known.mtimeMs === info.mtimeMs) return known.hash;
    const hash = hashFile(file);
    hash.catch(() => this.memo.delete(file));
    this.memo.delete(file);
    this.memo.set(file, { size: info.size, mtimeMs: info.mtimeMs, hash });
    if (this.memo.size > MAX_MEMO) this.memo.delete(this.memo.keys().next().value!);
    return hash;
  }
}

function hashFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const digest = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => digest.update(chunk))
      .on('error', (error) => reject(new ImagingError(file, `cannot read file (${error.message})`, { cause: error })))
      .on('end', () => resolve(digest.digest('hex')));
  });
}

export interface CacheFileInfo {
  name: string;
  size: number;
  mtimeMs: number;
}

/**
 * Which files to delete so the cache fits: oldest modification first (a hit refreshes the
 * time), down to `targetRatio` of the bound so that eviction does not run on every write.
 * Files in `keep` (just written or being served) stay.
 */
export function planEviction(files: readonly CacheFileInfo[], maxBytes: number, keep: ReadonlySet<string> = new Set(), targetRatio = 0.9): string[] {
  let total = files.reduce((sum, f) => sum + f.size, 0);
  if (total <= maxBytes) return [];
  const target = maxBytes * targetRatio;
  const victims: string[] = [];
  const oldestFirst = [...files].sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : 1));
  for (const f of oldestFirst) {
    if (total <= target) break;
    if (keep.has(f.name)) continue;
    victims.push(f.name);
    total -= f.size;
  }
  return victims;
}

const TEMP_PREFIX = '.tmp-';
const STALE_TEMP_MS = 60 * 60 * 1000;

/**
 * A folder of rendered pictures bounded in bytes. Files are written atomically (temporary
 * name, then rename), so a reader never sees half a picture; concurrent requests for one
 * name share one production.
 */
export class ImageCacheFiles {
  private bytes: number | null = null;
  private readonly inFlight = new Map<string, Promise<string>>();
  private evicting: Promise<void> | null = null;

  constructor(readonly dir: string, private maxBytes: number) {}

  setMaxBytes(maxBytes: number): void {
    this.maxBytes = maxBytes;
  }

  /** The cached file's path, made by `produce` when it is not there yet. */
  getOrCreate(name: string, produce: () => Promise<Buffer>): Promise<string> {
    const pending = this.inFlight.get(name);
    if (pending) return pending;
    const work = (async () => {
      const hit = await this.lookup(name);
      return hit ?? this.store(name, await produce());
    })().finally(() => this.inFlight.delete(name));
    this.inFlight.set(name, work);
    return work;
  }

  /** The path when the file is cached (its time is refreshed, so it is evicted last), else null. */
  async lookup(name: string): Promise<string | null> {
    const file = path.join(this.dir, name);
    try {
      const now = new Date();
      await fsp.utimes(file, now, now);
      return file;
    } catch {
      return null;
    }
  }

  async store(name: string, bytes: Buffer): Promise<string> {
    await fsp.mkdir(this.dir, { recursive: true });
    const file = path.join(this.dir, name);
    const temp = path.join(this.dir, `${TEMP_PREFIX}${randomBytes(6).toString('hex')}-${name}`);
    try {
      await fsp.writeFile(temp, bytes);
      await fsp.rename(temp, file);
    } catch (error) {
      await fsp.rm(temp, { force: true });
      throw error;
    }
    if (this.bytes === null) this.bytes = await this.scannedBytes();
    else this.bytes += bytes.length;
    if (this.bytes > this.maxBytes) await this.evict(new Set([name]));
    return file;
  }

  /** Deletes the oldest files until the folder fits its bound again. */
  evict(keep: ReadonlySet<string> = new Set()): Promise<void> {
    this.evicting ??= this.runEviction(keep).finally(() => (this.evicting = null));
    return this.evicting;
  }

  private async runEviction(keep: ReadonlySet<string>): Promise<void> {
    const files = await this.list();
    const victims = planEviction(files, this.maxBytes, keep);
    const sizes = new Map(files.map((f) => [f.name, f.size]));
    let total = files.reduce((sum, f) => sum + f.size, 0);
    for (const name of victims) {
      await fsp.rm(path.join(this.dir, name), { force: true });
      total -= sizes.get(name) ?? 0;
    }
    this.bytes = total;
  }

  private async scannedBytes(): Promise<number> {
    return (await this.list()).reduce((sum, f) => sum + f.size, 0);
  }

  private async list(): Promise<CacheFileInfo[]> {
    let names: string[];
    try {
      names = await fsp.readdir(this.dir);
    } catch {
      return [];
    }
    const out: CacheFileInfo[] = [];
    const now = Date.now();
    for (const name of names) {
      const file = path.join(this.dir, name);
      const info = await fsp.stat(file).catch(() => null);
      if (!info?.isFile()) continue;
      if (name.startsWith(TEMP_PREFIX)) {
        // Left behind by a crash mid-write; an in-progress one is younger than this.
        if (now - info.mtimeMs > STALE_TEMP_MS) await fsp.rm(file, { force: true });
        continue;
      }
      out.push({ name, size: info.size, mtimeMs: info.mtimeMs });
    }
    return out;
  }
}
