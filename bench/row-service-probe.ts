import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { DatasetModel } from '../src/core/view/dataset-model';
import type { RowQuery } from '../src/protocol';

/**
 * Opens a trajectory file through the host's row service (DatasetModel) and times it. Run in a
 * process of its own (see viewer.bench.ts) so that its peak RSS is the row service's, not the
 * bench's image generation or browser driving.
 */
const FIRST_PAGE: RowQuery = { filter: {}, sort: { key: 'line', descending: false }, offset: 0, limit: 100 };

const ms = (since: number) => performance.now() - since;

/**
 * The kernel's high-water mark of this process's resident set (VmHWM), in bytes. Unlike
 * getrusage's maxRSS, which Linux carries over from the forking parent across exec, it belongs
 * to this process image alone.
 */
function peakRss(): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}

export async function probeRowService(file: string, lines: number): Promise<Record<string, number>> {
  (globalThis as { gc?: () => void }).gc?.();
  const peakAtOpen = peakRss();
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 5);
  const t = performance.now();
  const model = await DatasetModel.open(file);
  try {
    if (model.rows.size === 0) {
      await new Promise<void>((resolve) => {
        const stop = model.onProgress(() => {
          if (model.rows.size > 0 || !model.indexing) {
            stop();
            resolve();
          }
        });
      });
    }
    const firstPage = model.query(FIRST_PAGE);
    const firstRowsMs = ms(t);
    if (firstPage.rows.length === 0) throw new Error('the first query returned no rows');
    await model.indexed;
    const fullSeconds = ms(t) / 1000;
    clearInterval(sampler);
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    if (model.indexError) throw new Error(model.indexError);
    if (model.rows.size !== lines) throw new Error(`${model.rows.size} rows summarized, the file has ${lines} lines`);
    const totals = model.rows.totals();

    const timeQuery = (q: RowQuery): number => {
      const started = performance.now();
      const result = model.query(q);
      if (result.counts.total !== lines) throw new Error(`the query counted ${result.counts.total} rows, expected ${lines}`);
      return ms(started);
    };
    const byTurns: RowQuery = { filter: { statuses: ['valid'] }, sort: { key: 'turns', descending: true }, offset: 0, limit: 100 };
    return {
      rows_first_page_ms: firstRowsMs,
      rows_full_summary_s: fullSeconds,
      rows_summary_per_s: lines / fullSeconds,
      rows_valid: totals.byStatus.valid ?? 0,
      rows_over_turn: totals.byStatus.over_turn ?? 0,
      rows_rss_before_mb: rssBefore / 1e6,
      rows_rss_peak_mb: rssPeak / 1e6,
      rows_rss_growth_mb: (rssPeak - rssBefore) / 1e6,
      /** The process's peak before the file was opened (node, tsx, the imports) and over its whole life. */
      rows_peak_rss_before_open_mb: peakAtOpen / 1e6,
      rows_peak_rss_process_mb: peakRss() / 1e6,
      rows_query_filter_sort_cold_ms: timeQuery(byTurns),
      rows_query_filter_sort_warm_ms: timeQuery({ ...byTurns, offset: 5000 }),
      rows_query_text_ms: timeQuery({ filter: { text: 'run-9999' }, sort: { key: 'line', descending: false }, offset: 0, limit: 100 }),
    };
  } finally {
    clearInterval(sampler);
    await model.close();
  }
}

// As a child process: `node --import tsx --expose-gc bench/row-service-probe.ts FILE LINES`, answers over IPC.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [file, lines] = process.argv.slice(2);
  probeRowService(file!, Number(lines)).then(
    (figures) => process.send?.({ ok: true, figures }, () => process.exit(0)) ?? console.table(figures),
    (error: unknown) => process.send?.({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }, () => process.exit(0)) ?? process.exit(1),
  );
}
