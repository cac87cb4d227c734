import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Finding } from '../trajectory/findings';

/** The source formats `importDataset` reads. */
export const IMPORT_FORMATS = ['minio3-run', 'llamafactory', 'swift', 'deepeyes', 'visualprobe'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export interface ImportProgress {
  /** Records (rollouts, lines, array elements) handled so far. */
  done: number;
  /** Records known in the current source; 0 while unknown. */
  total: number;
}

export interface ImportOptions {
  /** Where the native `*.traj.jsonl` goes; image paths are written relative to its folder. */
  outFile: string;
  onProgress?: (progress: ImportProgress) => void;
  signal?: AbortSignal;
  /** VisualProbe: Mini-o3's BASE_IMAGE_DIR for relative image paths (default: the file's folder). */
  imageBase?: string;
  /** LLaMA-Factory: the `dataset_info.json` entry to import (default: every sharegpt entry). */
  datasetName?: string;
}

/** Where a value sits in a source file: 1-based line (0 = whole file) and the field prefix (`[3]` in a JSON array). */
export interface SourceSpot {
  file: string;
  line: number;
  field: string;
}

export interface ResolvedImage {
  /** What goes into the trajectory: relative to the output folder, or the path as written when it escapes. */
  path: string;
  /** Absolute location on disk, or null for a path we do not follow (escape, URL). */
  abs: string | null;
  exists: boolean;
}

/**
 * State shared by one import run: findings, id uniqueness, progress, cancellation and the
 * image-path policy (paths relative to the output folder; escapes and missing files reported).
 */
export class ImportContext {
  readonly findings: Finding[] = [];
  readonly outDir: string;
  private readonly ids = new Set<string>();
  private readonly existence = new Map<string, Promise<boolean>>();

  constructor(readonly format: ImportFormat, readonly options: ImportOptions) {
    this.outDir = path.dirname(path.resolve(options.outFile));
  }

  error(spot: SourceSpot, field: string, message: string): void {
    this.findings.push({ severity: 'error', file: spot.file, line: spot.line, field: joinField(spot.field, field), message });
  }

  warning(spot: SourceSpot, field: string, message: string): void {
    this.findings.push({ severity: 'warning', file: spot.file, line: spot.line, field: joinField(spot.field, field), message });
  }

  checkAborted(): void {
    this.options.signal?.throwIfAborted();
  }

  progress(done: number, total: number): void {
    this.options.onProgress?.({ done, total });
  }

  /** A path for the trajectory file: relative to the output folder, with forward slashes. */
  relativeToOut(abs: string): string {
    const rel = path.relative(this.outDir, abs);
    return (rel === '' ? '.' : rel).split(path.sep).join('/');
  }

  /** Makes `id` unique within this import; a repeat gets `#2`, `#3`… and a warning. */
  uniqueId(id: string, spot: SourceSpot, field: string): string {
    let candidate = id;
    for (let n = 2; this.ids.has(candidate); n++) candidate = `${id}#${n}`;
    if (candidate !== id) this.warning(spot, field, `id ${JSON.stringify(id)} was already used in this import; stored as ${JSON.stringify(candidate)}`);
    this.ids.add(candidate);
    return candidate;
  }

  /**
   * Resolves an image path as written in the source against `baseDir`. Paths that leave
   * `root` (`..`, absolute elsewhere) and URLs are kept as written with a finding; a missing
   * file is a warning and the path is still kept, so the viewer can show the text.
   */
  async image(written: string, baseDir: string, root: string, spot: SourceSpot, field: string): Promise<ResolvedImage> {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(written)) {
      this.warning(spot, field, `image ${JSON.stringify(written)} is a URL; it is kept as written and not fetched`);
      return { path: written, abs: null, exists: false };
    }
    const abs = path.isAbsolute(written) ? path.resolve(written) : path.resolve(baseDir, written);
    if (!isInside(root, abs)) {
      this.warning(spot, field, `image path ${JSON.stringify(written)} resolves to ${abs}, outside the dataset folder ${path.resolve(root)}; kept as written`);
      return { path: written, abs: null, exists: false };
    }
    const exists = await this.fileExists(abs);
    if (!exists) this.warning(spot, field, `image file not found: ${abs}`);
    return { path: this.relativeToOut(abs), abs, exists };
  }

  fileExists(abs: string): Promise<boolean> {
    let known = this.existence.get(abs);
    if (!known) {
      known = fsp.stat(abs).then((s) => s.isFile(), () => false);
      this.existence.set(abs, known);
    }
    return known;
  }
}

export function joinField(prefix: string, field: string): string {
  if (!prefix) return field;
  if (!field) return prefix;
  return field.startsWith('[') ? `${prefix}${field}` : `${prefix}.${field}`;
}

export function isInside(root: string, target: string): boolean {
  const rel = path.relative(path.resolve(root), path.resolve(target));
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON scalar id (`doc_id: 12`) as a string; null for anything else. */
export function idString(value: unknown): string | null {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

/** File name without its data extensions (`a.traj.jsonl` -> `a.traj`, `b.json` -> `b`). */
export function fileStem(file: string): string {
  return path.basename(file).replace(/\.(jsonl|json)$/i, '');
}

/** The record's fields minus those mapped into the native model; undefined when nothing is left. */
export function leftovers(record: Record<string, unknown>, consumed: readonly string[]): Record<string, unknown> | undefined {
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) if (!consumed.includes(key)) rest[key] = value;
  return Object.keys(rest).length > 0 ? rest : undefined;
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
