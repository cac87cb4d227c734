import type { TrajectorySummary } from '../analysis/analyze-record';
import type { BrokenRecord, TrajectoryRecord, ValidRecord } from '../store';
import { formatFinding } from '../trajectory/findings';
import type { RowIndex } from './row-index';

/** Anything that yields a file's records in line order (a TrajectoryFile). */
export interface RecordSource {
  records(from?: number): AsyncIterable<TrajectoryRecord>;
}

export interface IndexRowsOptions {
  /** The file as messages name it (`demos.traj.jsonl:7: invalid JSON…`). */
  displayName: string;
  summarize(record: ValidRecord): Promise<TrajectorySummary>;
  signal?: AbortSignal;
  /** Called after each batch of rows lands in the index. */
  onProgress?: () => void;
  /** Records summarized concurrently (image-size lookups overlap); default 64. */
  batchSize?: number;
  /** Longest stretch of synchronous work before yielding to the event loop; default 12 ms. */
  sliceMs?: number;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Summarizes every line of `source` into `index`, in file order, in the background: batches of
 * records are summarized together, and the loop yields to the event loop every few milliseconds
 * so that an extension host stays responsive and queries see the rows summarized so far.
 * Resolves when the file is done; returns early (without error) when `signal` aborts.
 */
export async function indexRows(source: RecordSource, index: RowIndex, options: IndexRowsOptions): Promise<void> {
  const batchSize = options.batchSize ?? 64;
  const sliceMs = options.sliceMs ?? 12;
  let sliceStart = performance.now();
  let batch: TrajectoryRecord[] = [];

  const flush = async (): Promise<void> => {
    const records = batch;
    batch = [];
    const summaries = await Promise.all(records.map((r) => (r.ok ? summarizeSafely(r, options) : null)));
    if (options.signal?.aborted) return;
    for (let k = 0; k < records.length; k++) {
      const record = records[k]!;
      const summary = summaries[k];
      if (!record.ok) index.setBroken(record.line, brokenMessage(record, options.displayName), record.text);
      else if (summary && 'id' in summary) index.setSummary(summary);
      else index.setBroken(record.line, summary?.message ?? `${options.displayName}:${record.line}: not summarized`, record.bytes.toString('utf8'));
    }
    options.onProgress?.();
  };

  for await (const record of source.records()) {
    if (options.signal?.aborted) return;
    batch.push(record);
    if (batch.length >= batchSize || performance.now() - sliceStart >= sliceMs) await flush();
    if (performance.now() - sliceStart >= sliceMs) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
  }
  if (batch.length > 0 && !options.signal?.aborted) await flush();
}

export function brokenMessage(record: BrokenRecord, displayName: string): string {
  return formatFinding({ ...record.finding, file: displayName });
}

/** A summary, or the reason the analysis itself failed (reported as a broken row, never thrown). */
async function summarizeSafely(record: ValidRecord, options: IndexRowsOptions): Promise<TrajectorySummary | { message: string }> {
  try {
    return await options.summarize(record);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { message: `${options.displayName}:${record.line}: could not analyze the trajectory: ${reason}` };
  }
}
