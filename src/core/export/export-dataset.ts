import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ImageCache } from '../imaging';
import { TrajectoryFile } from '../store/trajectory-file';
import type { StatusLabel } from '../trajectory/schema';
import { formatFinding } from '../trajectory/findings';
import { createLlamaFactoryWriter } from './llamafactory';
import { createOpenAiWriter } from './openai';
import { createSwiftWriter } from './swift';
import type { ExportSample, FormatWriter } from './format-writer';
import {
  describeSourceFile,
  imageLayoutNote,
  MANIFEST_FILE,
  type BrokenLine,
  type ExportCounts,
  type ExportFormat,
  type ExportManifest,
  type ExportWarning,
  type Refusal,
} from './manifest';
import { messageOf, planSample, type PlannedSample } from './sample';
import { SampleImageWriter, sanitizeForPath } from './sample-images';
import { DEFAULT_STATUS_LABELS, skipBeforeReplay, type ReviewFilter } from './select';
import { TOKEN_ESTIMATOR_DESCRIPTION } from './token-estimate';
import { toolInfo } from './tool-info';
import { validateSample } from './validate-sample';
import { openExportFolder } from './write-export';

export interface ExportOptions {
  format: ExportFormat;
  /** The native `*.traj.jsonl` file. */
  inFile: string;
  /** The export folder; must not exist or be empty unless `overwrite`. */
  outDir: string;
  /** Review status filter: 'accepted' (default) or 'any'. */
  status?: ReviewFilter;
  /** Derived status labels to export; default ['valid']. */
  statusLabels?: StatusLabel[];
  dataSources?: string[];
  /** Token limit per sample (LLaMA-Factory `cutoff_len`; Mini-o3 uses 32768). */
  cutoffTokens?: number;
  /** Dataset name: file stem and `dataset_info.json` key; default from the input file name. */
  name?: string;
  overwrite?: boolean;
  /** Write absolute image paths (of the final folder) instead of paths relative to it. */
  absolutePaths?: boolean;
  /** Refuse samples whose images fall outside [min_pixels, max_pixels] instead of warning. */
  strictPixelBounds?: boolean;
  /** Folders besides the dataset folder that task images may be in. */
  imageRoots?: string[];
  /** Samples whose images are produced at once (default 4). */
  concurrency?: number;
  /** Decoded-original cache size (default 512 MiB). */
  imageCacheBytes?: number;
  onProgress?: (progress: ExportProgress) => void;
  signal?: AbortSignal;
}

export interface ExportProgress {
  linesDone: number;
  lines: number;
  exported: number;
  refused: number;
}

export interface ExportReport {
  exported: number;
  refused: Refusal[];
  warnings: ExportWarning[];
  broken: BrokenLine[];
  outDir: string;
  /** Data files, dataset_info.json and manifest.json, relative to outDir (images not listed). */
  files: string[];
  counts: ExportCounts;
}

type Outcome = { kind: 'exported'; sample: ExportSample; warnings: ExportWarning[] } | { kind: 'refused'; refusal: Refusal };

const DEFAULT_CUTOFF = 32_768;
const DEFAULT_CONCURRENCY = 4;
const DEFAULT_CACHE_BYTES = 512 * 1024 * 1024;
const PROGRESS_INTERVAL_MS = 100;

export async function exportDataset(options: ExportOptions): Promise<ExportReport> {
  const { signal } = options;
  signal?.throwIfAborted();
  const inFile = path.resolve(options.inFile);
  const cutoffTokens = options.cutoffTokens ?? DEFAULT_CUTOFF;
  if (!Number.isInteger(cutoffTokens) || cutoffTokens <= 0) throw new RangeError(`cutoffTokens must be a positive integer, got ${cutoffTokens}`);
  const name = sanitizeForPath(options.name ?? datasetNameOf(inFile));
  const selection = { status: options.status ?? 'accepted', statusLabels: options.statusLabels ?? [...DEFAULT_STATUS_LABELS], dataSources: options.dataSources };
  const source = await describeSourceFile(inFile).catch((error: unknown) => {
    throw new Error(`cannot read the trajectory file ${inFile}: ${messageOf(error)}`, { cause: error });
  });
  const folder = await openExportFolder(options.outDir, { overwrite: options.overwrite === true });
  const outputPath = (rel: string) => (options.absolutePaths ? path.join(folder.outDir, ...rel.split('/')) : rel);

  const counts: ExportCounts = {
    lines: 0, blank: 0, broken: 0,
    skipped: { review_status: 0, data_source: 0, status_label: 0 },
    selected: 0, exported: 0, refused: 0, refusedByReason: {}, warnings: 0, cropImages: 0, originalImages: 0, originalDecodes: 0,
  };
  const refusals: Refusal[] = [];
  const warnings: ExportWarning[] = [];
  const broken: BrokenLine[] = [];
  const exportedIds: string[] = [];
  const pending: Promise<Outcome>[] = [];
  let file: TrajectoryFile | null = null;
  let writer: FormatWriter | null = null;
  let lastProgress = 0;

  const refuse = (refusal: Refusal) => {
    refusals.push(refusal);
    counts.refused++;
    counts.refusedByReason[refusal.code] = (counts.refusedByReason[refusal.code] ?? 0) + 1;
  };
  const progress = (force: boolean) => {
    if (!options.onProgress || !file) return;
    const now = Date.now();
    if (!force && now - lastProgress < PROGRESS_INTERVAL_MS) return;
    lastProgress = now;
    options.onProgress({ linesDone: counts.lines, lines: file.lineCount, exported: counts.exported, refused: counts.refused });
  };
  const settle = async (outcome: Outcome) => {
    if (outcome.kind === 'refused') return refuse(outcome.refusal);
    await writer!.write(outcome.sample);
    exportedIds.push(outcome.sample.id);
    counts.exported++;
    warnings.push(...outcome.warnings);
    counts.warnings += outcome.warnings.length;
  };

  try {
    file = await TrajectoryFile.open(inFile, signal ? { signal } : {});
    const cache = new ImageCache({ maxBytes: options.imageCacheBytes ?? DEFAULT_CACHE_BYTES });
    const images = new SampleImageWriter(folder.tmpDir, cache);
    writer = await createWriter(options.format, folder.tmpDir, name);
    const produce = async (sample: PlannedSample, imageFolder: string, sampleWarnings: ExportWarning[]): Promise<Outcome> => {
      try {
        const paths = await images.write(sample, imageFolder);
        const exported = { id: sample.id, line: sample.line, messages: sample.messages, images: paths.map(outputPath) };
        return { kind: 'exported', sample: exported, warnings: sampleWarnings };
      } catch (error) {
        if (isOutputFailure(error)) throw error;
        return { kind: 'refused', refusal: { id: sample.id, line: sample.line, code: 'image_error', reason: messageOf(error) } };
      }
    };

    const planContext = { file: inFile, datasetDir: path.dirname(inFile), imageRoots: options.imageRoots ?? [], selection, sizes: new Map() };
    for await (const record of file.records()) {
      signal?.throwIfAborted();
      counts.lines++;
      if (!record.ok) {
        if (record.blank) counts.blank++;
        else {
          counts.broken++;
          broken.push({ line: record.line, message: formatFinding(record.finding) });
        }
        progress(false);
        continue;
      }
      const t = record.trajectory;
      const early = skipBeforeReplay(t, selection);
      if (early) {
        counts.skipped[early]++;
        progress(false);
        continue;
      }
      const planned = await planSample(t, record.line, planContext);
      if (planned.kind === 'skip') {
        counts.skipped[planned.reason]++;
        progress(false);
        continue;
      }
      counts.selected++;
      if (planned.kind === 'refuse') {
        pending.push(Promise.resolve({ kind: 'refused', refusal: { id: t.id, line: record.line, code: planned.code, reason: planned.reason } }));
      } else {
        const { problems } = validateSample(planned.sample, { cutoffTokens, strictPixelBounds: options.strictPixelBounds === true });
        const fatal = problems.filter((p) => p.fatal);
        if (fatal.length > 0) {
          const first = fatal[0]!;
          const reason = fatal.map((p) => p.message).join('; ');
          pending.push(Promise.resolve({ kind: 'refused', refusal: { id: t.id, line: record.line, code: first.code, reason } }));
        } else {
          const sampleWarnings = problems.map((p) => ({ id: t.id, line: record.line, code: p.code, message: p.message }));
          const task = produce(planned.sample, images.reserveFolder(t.id), sampleWarnings);
          task.catch(() => undefined);
          pending.push(task);
        }
      }
      while (pending.length >= (options.concurrency ?? DEFAULT_CONCURRENCY)) await settle(await pending.shift()!);
      progress(false);
    }
    while (pending.length > 0) await settle(await pending.shift()!);
    signal?.throwIfAborted();

    await images.removeUnusedOriginals();
    counts.cropImages = images.cropsWritten;
    counts.originalImages = images.originalsWritten;
    counts.originalDecodes = cache.stats().decodes;
    await file.assertUnchangedOnDisk();
    const dataFiles = await writer.finish();
    writer = null;
    const manifest: ExportManifest = {
      tool: toolInfo(),
      created_at: new Date().toISOString(),
      format: options.format,
      sources: [source],
      options: {
        status: selection.status,
        statusLabels: selection.statusLabels,
        dataSources: options.dataSources ?? null,
        cutoffTokens,
        name,
        absolutePaths: options.absolutePaths === true,
        strictPixelBounds: options.strictPixelBounds === true,
      },
      files: [...dataFiles, MANIFEST_FILE],
      image_layout: imageLayoutNote(options.format, options.absolutePaths === true),
      token_estimator: TOKEN_ESTIMATOR_DESCRIPTION,
      counts,
      exported_ids: exportedIds,
      refusals,
      warnings,
      broken_lines: broken,
    };
    await writeFile(path.join(folder.tmpDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx' });
    signal?.throwIfAborted();
    await folder.commit();
    progress(true);
    return { exported: counts.exported, refused: refusals, warnings, broken, outDir: folder.outDir, files: manifest.files, counts };
  } catch (error) {
    await Promise.allSettled(pending);
    if (writer) await writer.abort();
    await folder.discard();
    throw error;
  } finally {
    await file?.close();
  }
}

function createWriter(format: ExportFormat, dir: string, name: string): Promise<FormatWriter> {
  switch (format) {
    case 'llamafactory':
      return createLlamaFactoryWriter(dir, name);
    case 'swift':
      return createSwiftWriter(dir, name);
    case 'openai':
      return createOpenAiWriter(dir, name);
    default:
      throw new RangeError(`unknown export format ${JSON.stringify(format)} (llamafactory, swift or openai)`);
  }
}

/** `samples.traj.jsonl` -> `samples`. */
function datasetNameOf(inFile: string): string {
  return path.basename(inFile).replace(/(\.traj)?\.jsonl?$/i, '') || 'dataset';
}

/** Errors that mean the export folder cannot be written: they stop the export; anything else refuses one sample. */
const OUTPUT_FAILURES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'EMFILE', 'ENFILE']);

function isOutputFailure(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && OUTPUT_FAILURES.has(code);
}
