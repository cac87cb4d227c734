import { createHash } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { copyFile, mkdir, rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  cropDecoded,
  encodeImage,
  minio3ResizeForModel,
  minio3ResizeInitial,
  type DecodedImage,
  type ImageCache,
} from '../imaging';
import type { PlannedImage, PlannedSample } from './sample';

/** Exported crops are lossless either way; zlib level 2 writes faster than sharp's default 6. */
const EXPORT_PNG_COMPRESSION = 2;

/** Where exported images live inside the export folder (always '/'-separated in the output). */
export const IMAGES_DIR = 'images';
export const ORIGINALS_DIR = `${IMAGES_DIR}/originals`;

interface OriginalEntry {
  relPath: string;
  written: Promise<void>;
  used: boolean;
}

/**
 * Writes the images of accepted samples into the (temporary) export folder:
 * crops as lossless PNG under `images/<sanitized id>/obs_<n>.png`, originals once per source
 * file under `images/originals/` (copied byte for byte when Mini-o3 used them unchanged, else
 * the LANCZOS-resized PNG). Each original is decoded once through the cache for all its crops.
 */
export class SampleImageWriter {
  private readonly originals = new Map<string, OriginalEntry>();
  private readonly folders = new Set<string>();
  private cropCount = 0;

  constructor(private readonly exportDir: string, private readonly cache: ImageCache) {}

  get cropsWritten(): number {
    return this.cropCount;
  }

  /** Originals kept in the export (after `removeUnusedOriginals`). */
  get originalsWritten(): number {
    let n = 0;
    for (const entry of this.originals.values()) if (entry.used) n++;
    return n;
  }

  /** A folder name for a trajectory's crops, unique in this export (call in file order). */
  reserveFolder(id: string): string {
    const base = sanitizeForPath(id);
    let name = base;
    for (let k = 2; this.folders.has(name.toLowerCase()); k++) name = `${base}-${k}`;
    this.folders.add(name.toLowerCase());
    return name;
  }

  /** Writes every image of the sample; returns their paths relative to the export folder, in order. */
  async write(sample: PlannedSample, folder: string): Promise<string[]> {
    const bounds = { minPixels: sample.limits.min_pixels, maxPixels: sample.limits.max_pixels };
    const used: OriginalEntry[] = [];
    const crops = sample.images.filter((im) => im.kind === 'crop');
    let decoded: DecodedImage | null = null;
    const sampleDir = `${IMAGES_DIR}/${folder}`;
    if (crops.length > 0) await mkdir(path.join(this.exportDir, sampleDir), { recursive: true });
    try {
      const paths: string[] = [];
      for (const image of sample.images) {
        if (image.kind === 'crop') {
          decoded ??= await this.cache.get(image.originalPath);
          const resized = minio3ResizeForModel(cropDecoded(decoded, image.rectInOriginal), bounds);
          assertPlannedSize(resized, image);
          const relPath = `${sampleDir}/obs_${image.observation}.png`;
          await writeFile(path.join(this.exportDir, relPath), await encodeImage(resized, 'png', undefined, EXPORT_PNG_COMPRESSION));
          paths.push(relPath);
        } else {
          const entry = this.original(image, bounds);
          await entry.written;
          used.push(entry);
          paths.push(entry.relPath);
        }
      }
      for (const entry of used) entry.used = true;
      this.cropCount += crops.length;
      return paths;
    } catch (error) {
      if (crops.length > 0) await rm(path.join(this.exportDir, sampleDir), { recursive: true, force: true });
      throw error;
    }
  }

  /** Deletes originals written for samples that failed afterwards; returns how many. */
  async removeUnusedOriginals(): Promise<number> {
    let removed = 0;
    for (const entry of this.originals.values()) {
      const ok = await entry.written.then(() => true, () => false);
      if (ok && !entry.used) {
        await unlink(path.join(this.exportDir, entry.relPath));
        removed++;
      }
    }
    return removed;
  }

  private original(image: Exclude<PlannedImage, { kind: 'crop' }>, bounds: { minPixels: number; maxPixels: number }): OriginalEntry {
    const { sourcePath } = image;
    const key = image.kind === 'original' ? `copy\0${sourcePath}` : `resized\0${sourcePath}\0${image.size.width}x${image.size.height}`;
    const existing = this.originals.get(key);
    if (existing) return existing;
    const parsed = path.parse(sourcePath);
    const stem = `${sanitizeForPath(parsed.name)}-${shortHash(sourcePath)}`;
    const relPath = image.kind === 'original'
      ? `${ORIGINALS_DIR}/${stem}${parsed.ext.toLowerCase()}`
      : `${ORIGINALS_DIR}/${stem}-${image.size.width}x${image.size.height}.png`;
    const target = path.join(this.exportDir, relPath);
    const written = (async () => {
      await mkdir(path.dirname(target), { recursive: true });
      if (image.kind === 'original') {
        await copyFile(sourcePath, target, fsConstants.COPYFILE_FICLONE | fsConstants.COPYFILE_EXCL);
      } else {
        const resized = minio3ResizeInitial(await this.cache.get(sourcePath), bounds);
        assertPlannedSize(resized, image);
        await writeFile(target, await encodeImage(resized, 'png', undefined, EXPORT_PNG_COMPRESSION), { flag: 'wx' });
      }
    })();
    const entry: OriginalEntry = { relPath, written, used: false };
    // A failed write is retried by the next sample that needs this original.
    written.catch(() => {
      if (this.originals.get(key) === entry) this.originals.delete(key);
    });
    this.originals.set(key, entry);
    return entry;
  }
}

function assertPlannedSize(img: DecodedImage, planned: PlannedImage): void {
  if (img.width !== planned.size.width || img.height !== planned.size.height) {
    throw new Error(`image resized to ${img.width}x${img.height}, planned ${planned.size.width}x${planned.size.height}`);
  }
}

const RESERVED_WINDOWS_NAME = /^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i;
const MAX_NAME_LENGTH = 96;

/** A file-name-safe form of an id: [A-Za-z0-9._-], no leading dot, no Windows device names. */
export function sanitizeForPath(name: string): string {
  let out = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[.]+/, '_');
  if (out.length > MAX_NAME_LENGTH) out = `${out.slice(0, MAX_NAME_LENGTH - 9)}-${shortHash(name)}`;
  if (out === '' || out === '_') out = `id-${shortHash(name)}`;
  if (RESERVED_WINDOWS_NAME.test(out)) out = `_${out}`;
  return out;
}

function shortHash(text: string): string {
  return createHash('sha1').update(text).digest('hex').slice(0, 8);
}
