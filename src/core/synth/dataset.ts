import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import sharp from 'sharp';
import type { Box4 } from '../trajectory/schema';
import type { RgbImage } from './canvas';
import { generateTask, resolveTaskOptions, SYNTH_DATA_SOURCE, type SynthTask, type SynthTaskOptions } from './tasks';

export type SynthImageFormat = 'jpeg' | 'png';

export interface SynthDatasetOptions extends SynthTaskOptions {
  /** Number of tasks to write. */
  tasks: number;
  /** Dataset seed; task i is `generateTask(seed, i)`. */
  seed: number;
  /** 'jpeg' (default, quality 90) or lossless 'png'. */
  format?: SynthImageFormat;
  jpegQuality?: number;
  /** Replace an existing tasks.json in outDir; without it, an existing one is an error. */
  overwrite?: boolean;
  onProgress?: (progress: { done: number; total: number; docId: string }) => void;
  signal?: AbortSignal;
}

/** One row of tasks.json: VisualProbe's fields exactly, plus our `gt_box`. */
export interface VisualProbeRow {
  images: [string];
  doc_id: string;
  problem: string;
  solution: string;
  data_source: string;
  gt_box: Box4;
}

export interface WrittenSynthTask extends SynthTask {
  /** Absolute path of the written image. */
  imagePath: string;
  /** The path as tasks.json records it, relative to the dataset folder. */
  relativeImagePath: string;
}

export interface SynthDataset {
  outDir: string;
  tasksFile: string;
  tasks: WrittenSynthTask[];
}

export function toVisualProbeRow(task: SynthTask, relativeImagePath: string): VisualProbeRow {
  return {
    images: [relativeImagePath],
    doc_id: task.docId,
    problem: task.problem,
    solution: task.solution,
    data_source: SYNTH_DATA_SOURCE,
    gt_box: [...task.gtBox],
  };
}

export async function encodeRgbImage(image: RgbImage, format: SynthImageFormat, jpegQuality = 90): Promise<Buffer> {
  const pipeline = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
  if (format === 'png') return pipeline.png({ compressionLevel: 6, adaptiveFiltering: false }).toBuffer();
  return pipeline.jpeg({ quality: jpegQuality, chromaSubsampling: '4:2:0', mozjpeg: false }).toBuffer();
}

async function writeFileAtomic(filePath: string, data: Buffer | string): Promise<void> {
  const temporary = `${filePath}.${process.pid}.tmp`;
  await fs.writeFile(temporary, data);
  await fs.rename(temporary, filePath);
}

function checkOptions(options: SynthDatasetOptions): void {
  if (!Number.isSafeInteger(options.tasks) || options.tasks < 1) {
    throw new RangeError(`writeSynthDataset: options.tasks must be a positive integer, got ${options.tasks}`);
  }
  if (!Number.isSafeInteger(options.seed)) {
    throw new RangeError(`writeSynthDataset: options.seed must be a safe integer, got ${options.seed}`);
  }
  const format = options.format ?? 'jpeg';
  if (format !== 'jpeg' && format !== 'png') {
    throw new RangeError(`writeSynthDataset: options.format must be 'jpeg' or 'png', got ${String(format)}`);
  }
  const quality = options.jpegQuality ?? 90;
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw new RangeError(`writeSynthDataset: options.jpegQuality must be an integer 1..100, got ${quality}`);
  }
  resolveTaskOptions(options);
}

/**
 * Writes `outDir/images/<doc_id>.jpg` (or .png) for every task, then `outDir/tasks.json`.
 * tasks.json is written last and atomically: an aborted or failed run leaves images behind but
 * never a tasks.json pointing at missing ones. Rendering task i+1 overlaps encoding task i
 * (sharp encodes on its own threads).
 */
export async function writeSynthDataset(outDir: string, options: SynthDatasetOptions): Promise<SynthDataset> {
  checkOptions(options);
  const format = options.format ?? 'jpeg';
  const extension = format === 'png' ? 'png' : 'jpg';
  const root = path.resolve(outDir);
  const tasksFile = path.join(root, 'tasks.json');
  const imagesDir = path.join(root, 'images');
  const taskOptions: SynthTaskOptions = { width: options.width, height: options.height, distractors: options.distractors };
  for (const key of Object.keys(taskOptions) as (keyof SynthTaskOptions)[]) {
    if (taskOptions[key] === undefined) delete taskOptions[key];
  }

  if (!options.overwrite) {
    const exists = await fs.stat(tasksFile).then(() => true, () => false);
    if (exists) throw new Error(`${tasksFile}: already exists; pass overwrite to replace it`);
  }
  await fs.mkdir(imagesDir, { recursive: true });

  const written: WrittenSynthTask[] = [];
  let pendingWrite: Promise<void> | null = null;
  try {
    for (let index = 0; index < options.tasks; index++) {
      options.signal?.throwIfAborted();
      const { task, image } = generateTask(options.seed, index, taskOptions);
      const relativeImagePath = `images/${task.docId}.${extension}`;
      const imagePath = path.join(root, relativeImagePath);
      const write = encodeRgbImage(image, format, options.jpegQuality).then((bytes) => writeFileAtomic(imagePath, bytes));
      // Attach a handler now: if this write fails while an older one is awaited, it must not
      // surface as an unhandled rejection.
      write.catch(() => undefined);
      if (pendingWrite) await pendingWrite;
      pendingWrite = write.then(() => {
        written.push({ ...task, imagePath, relativeImagePath });
        options.onProgress?.({ done: written.length, total: options.tasks, docId: task.docId });
      });
      pendingWrite.catch(() => undefined);
    }
    if (pendingWrite) await pendingWrite;
  } finally {
    // Let an in-flight write settle before the caller sees an error, so nothing writes afterwards.
    if (pendingWrite) await pendingWrite.catch(() => undefined);
  }
  options.signal?.throwIfAborted();

  const rows = written.map((task) => toVisualProbeRow(task, task.relativeImagePath));
  await writeFileAtomic(tasksFile, `${JSON.stringify(rows, null, 2)}\n`);
  return { outDir: root, tasksFile, tasks: written };
}
