import { convertCheckpoint } from '../core/convert/convert';
import { ConvertError } from '../core/convert/convert-error';
import { interruptSignal, Progress, UsageError } from './progress';

export const CONVERT_DTYPES = ['fp32', 'fp16'] as const;

export interface ConvertCommandOptions {
  dtype: (typeof CONVERT_DTYPES)[number];
  int4?: boolean;
  accuracyLevel?: number;
  quiet?: boolean;
  /** Progress on stderr as one JSON object a line, `{"done","total","stage"}` (source bytes), for a parent process. */
  progressJson?: boolean;
}

/** At most one JSON progress line this often, besides every change of stage. */
const PROGRESS_JSON_INTERVAL_MS = 200;

/** Cancels on Ctrl+C (SIGINT) and on SIGTERM (a parent process stopping the conversion), so partial files are removed. */
function cancelSignal(): AbortSignal {
  const terminated = new AbortController();
  process.once('SIGTERM', () => terminated.abort(new Error('cancelled (SIGTERM)')));
  return AbortSignal.any([interruptSignal(), terminated.signal]);
}

function jsonProgressWriter(): (done: number, total: number, stage: string, force: boolean) => void {
  let lastAt = 0;
  let lastStage = '';
  return (done, total, stage, force) => {
    const now = Date.now();
    if (!force && stage === lastStage && now - lastAt < PROGRESS_JSON_INTERVAL_MS) return;
    lastAt = now;
    lastStage = stage;
    process.stderr.write(`${JSON.stringify({ done, total, stage })}\n`);
  };
}

const megabytes = (bytes: number) => Math.round(bytes / 2 ** 20);

function formatBytes(bytes: number): string {
  if (bytes < 2 ** 20) return `${(bytes / 1024).toFixed(0)} KB`;
  if (bytes < 2 ** 30) return `${(bytes / 2 ** 20).toFixed(0)} MB`;
  return `${(bytes / 2 ** 30).toFixed(2)} GB`;
}

/** `convert HF_DIR OUT_DIR`: a Qwen2.5-VL checkpoint to ONNX (transformers.js layout). */
export async function convertCommand(hfDir: string, outDir: string, options: ConvertCommandOptions): Promise<number> {
  if (options.accuracyLevel !== undefined && options.accuracyLevel > 4) throw new UsageError(`--accuracy-level must be 0 to 4, got ${options.accuracyLevel}`);
  const progress = new Progress('converting', options.quiet || options.progressJson);
  const writeJson = options.progressJson ? jsonProgressWriter() : null;
  let lastModel: string | null = null;
  try {
    const result = await convertCheckpoint(hfDir, outDir, {
      dtype: options.dtype,
      int4: options.int4 ?? false,
      int4AccuracyLevel: options.accuracyLevel,
      signal: cancelSignal(),
      onProgress: (p) => {
        if (writeJson) {
          writeJson(p.sourceBytesDone, p.sourceBytesTotal, p.message, p.message === 'done');
          return;
        }
        if (p.model !== lastModel && p.model !== null && !options.quiet) {
          progress.done();
          process.stderr.write(`writing ${p.model}\n`);
        }
        lastModel = p.model;
        progress.update(megabytes(p.sourceBytesDone), megabytes(p.sourceBytesTotal), 'MB read');
      },
    });
    progress.done();
    for (const m of result.models) {
      const data = m.dataFiles.length > 0 ? ` + ${m.dataFiles.join(', ')} (${formatBytes(m.dataBytes)})` : '';
      console.log(`${m.file}${data}, ${m.nodeCount} nodes`);
    }
    console.log(`copied ${result.copiedFiles.join(', ')}`);
    for (const w of result.warnings) console.error(`warning: ${w}`);
    return 0;
  } catch (e) {
    progress.done();
    if (e instanceof ConvertError) throw new UsageError(e.message);
    throw e;
  }
}
