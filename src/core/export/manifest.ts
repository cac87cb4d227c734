import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { StatusLabel } from '../trajectory/schema';
import type { RefusalCode } from './sample';
import type { SkipReason, ReviewFilter } from './select';
import type { ToolInfo } from './tool-info';

export type ExportFormat = 'llamafactory' | 'swift' | 'openai';

export interface Refusal {
  id: string;
  line: number;
  code: RefusalCode;
  reason: string;
}

export interface ExportWarning {
  id: string;
  line: number;
  code: RefusalCode;
  message: string;
}

export interface BrokenLine {
  line: number;
  message: string;
}

export interface ExportCounts {
  /** Lines in the source file (blank and broken included). */
  lines: number;
  blank: number;
  broken: number;
  /** Readable trajectories left out by the filters, by filter. */
  skipped: Record<SkipReason, number>;
  /** Readable trajectories that passed the filters: exported + refused. */
  selected: number;
  exported: number;
  refused: number;
  refusedByReason: Partial<Record<RefusalCode, number>>;
  warnings: number;
  /** Image files written: crops, and originals (copied or resized, one per source file). */
  cropImages: number;
  originalImages: number;
  /** Times an original was decoded (once per file while the cache holds it). */
  originalDecodes: number;
}

export interface SourceFileInfo {
  path: string;
  size: number;
  sha256: string;
}

export interface ManifestOptions {
  status: ReviewFilter;
  statusLabels: readonly StatusLabel[];
  dataSources: readonly string[] | null;
  cutoffTokens: number;
  name: string;
  absolutePaths: boolean;
  strictPixelBounds: boolean;
}

export interface ExportManifest {
  tool: ToolInfo;
  created_at: string;
  format: ExportFormat;
  sources: SourceFileInfo[];
  options: ManifestOptions;
  files: string[];
  image_layout: string;
  token_estimator: string;
  counts: ExportCounts;
  exported_ids: string[];
  refusals: Refusal[];
  warnings: ExportWarning[];
  broken_lines: BrokenLine[];
}

export const MANIFEST_FILE = 'manifest.json';

export function imageLayoutNote(format: ExportFormat, absolutePaths: boolean): string {
  const where = absolutePaths
    ? 'Image paths are absolute paths into this folder (valid only while it stays where it was exported).'
    : 'Image paths are relative to this folder, "/"-separated.';
  const how = {
    llamafactory: 'For LLaMA-Factory set dataset_dir to this folder (media_dir defaults to dataset_dir, which relative image paths resolve against), or merge the dataset_info.json entry into yours and set media_dir here.',
    swift: 'ms-swift opens image paths as given: run it from this folder, or export with absolute paths.',
    openai: 'image_url urls are these paths; upload the images or rewrite the urls (e.g. to data: URLs) before sending to a remote service.',
  }[format];
  return (
    `${where} Originals Mini-o3 used unchanged are copied byte for byte to images/originals/; originals outside ` +
    `[min_pixels, max_pixels] are LANCZOS-resized as Mini-o3's dataset loader does (PNG). Crops are cut from the raw ` +
    `original at their composed rectangle and NEAREST-resized as Mini-o3's rollout does, written as PNG to ` +
    `images/<trajectory id>/obs_<n>.png. ${how}`
  );
}

export async function describeSourceFile(absPath: string): Promise<SourceFileInfo> {
  const info = await stat(absPath);
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(absPath)) hash.update(chunk as Buffer);
  return { path: absPath, size: info.size, sha256: hash.digest('hex') };
}
