import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { NO_CHROMIUM, WebviewHarness } from '../test/webview/browser-harness';
import { WEBVIEW } from '../test/e2e/helpers/webview-selectors';
import { recordFrames, zoomAndPan } from './frame-timing';
import { writeBenchImages, writeLargeRunFile, writeRolloutTreeFile, type BenchImage } from './viewer-fixtures';

/**
 * The trajectory viewer at scale.
 * (a) The host's row service (DatasetModel: streamed index + background summaries into the
 *     RowIndex) on a large run file: time until the list's first page can be queried, time until
 *     every row is summarized, peak RSS, and query times over all rows. Targets: < 0.5 s, < 300 MB.
 * (b) The real webview bundle in headless chromium, fed by the test host stand-in (real core):
 *     first paint of the list and of a task's search tree, and frame times during a scripted
 *     wheel zoom and drag pan, for ~1,000 and ~10,000 tree nodes. Target: frame p95 < 16.7 ms.
 */
export interface ViewerBenchOptions {
  quick?: boolean;
}

const out = path.join(__dirname, '..', 'bench-out');
const ms = (since: number) => performance.now() - since;

/** (a) in a fresh process: the row service's own memory, as in an extension host that opens the file. */
async function rowService(dir: string, lines: number, images: readonly BenchImage[]): Promise<Record<string, number>> {
  const file = path.join(dir, 'run.traj.jsonl');
  const t = performance.now();
  const bytes = await writeLargeRunFile(file, lines, images);
  const generateSeconds = ms(t) / 1000;
  try {
    const answer = await new Promise<ProbeAnswer>((resolve) => {
      let received: ProbeAnswer | null = null;
      const child = fork(path.join(__dirname, 'row-service-probe.ts'), [file, String(lines)], {
        execArgv: ['--import', 'tsx', '--expose-gc'],
        env: { ...process.env, NODE_OPTIONS: '' },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      child.on('message', (message) => (received = message as ProbeAnswer));
      child.on('exit', (code, signal) => resolve(received ?? { ok: false, error: `the row service probe exited with ${signal ?? `code ${code}`}` }));
    });
    if (!answer.ok) throw new Error(answer.error);
    return { rows_lines: lines, rows_file_mb: bytes / 1e6, rows_generate_s: generateSeconds, ...answer.figures };
  } finally {
    fs.rmSync(file, { force: true });
  }
}

type ProbeAnswer = { ok: true; figures: Record<string, number> } | { ok: false; error: string };

async function treeInBrowser(dir: string, label: string, rollouts: number, crops: number, image: BenchImage): Promise<Record<string, number>> {
  const file = path.join(dir, `tree-${label}.traj.jsonl`);
  await writeRolloutTreeFile(file, rollouts, crops, image);
  const expectedNodes = rollouts * (crops + 1);
  let t = performance.now();
  const harness = await WebviewHarness.start(file);
  const hostSeconds = ms(t) / 1000;
  try {
    t = performance.now();
    const page = await harness.open({ theme: 'dark' }, { width: 1600, height: 1000 });
    const listOpenMs = ms(t);
    const fcp = (await page.evaluate("performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1")) as number;

    t = performance.now();
    await page.locator(`${WEBVIEW.listRow}[data-line="1"]`).click();
    // A function, not a string: the page's CSP forbids eval, which a string predicate needs.
    // Only nodes near the view get groups: the tree is drawn once the SVG holds the whole model and some node groups.
    await page.waitForFunction(
      ([svg, node, count]) => Number(document.querySelector(svg)?.getAttribute('data-node-count')) >= count && document.querySelector(node) !== null,
      [WEBVIEW.treeSvg, WEBVIEW.treeNode, expectedNodes] as const,
      { timeout: 180_000, polling: 'raf' },
    );
    await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
    const treePaintMs = ms(t);
    const nodes = Number(await page.locator(WEBVIEW.treeSvg).getAttribute('data-node-count'));
    // Let the first thumbnails arrive, as a user would see them before zooming.
    await page.waitForTimeout(1000);

    const box = await page.locator(WEBVIEW.treeSvg).boundingBox();
    if (!box) throw new Error('the search tree has no bounding box');
    const frames = await recordFrames(page, () => zoomAndPan(page, box));
    fs.mkdirSync(out, { recursive: true });
    await page.screenshot({ path: path.join(out, `viewer-${label}.png`) });
    const prefix = `tree_${label}`;
    return {
      [`${prefix}_nodes`]: nodes,
      [`${prefix}_host_open_s`]: hostSeconds,
      [`${prefix}_list_open_ms`]: listOpenMs,
      [`${prefix}_list_first_contentful_paint_ms`]: fcp,
      [`${prefix}_first_paint_ms`]: treePaintMs,
      [`${prefix}_frames`]: frames.frames,
      [`${prefix}_frame_interval_p50_ms`]: frames.interval_p50_ms,
      [`${prefix}_frame_interval_p95_ms`]: frames.interval_p95_ms,
      [`${prefix}_frame_interval_max_ms`]: frames.interval_max_ms,
      [`${prefix}_frame_work_p50_ms`]: frames.work_p50_ms,
      [`${prefix}_frame_work_p95_ms`]: frames.work_p95_ms,
      [`${prefix}_frames_dropped_pct`]: frames.dropped_pct,
      [`${prefix}_console_errors`]: harness.consoleErrors.length,
    };
  } finally {
    await harness.close();
    fs.rmSync(file, { force: true });
  }
}

function verdict(value: number | string | undefined, limit: number, unit: string): string {
  if (typeof value !== 'number') return 'not measured';
  return value < limit ? `met: < ${limit} ${unit}` : `missed: >= ${limit} ${unit}`;
}

export async function run(opts: ViewerBenchOptions = {}): Promise<Record<string, number | string>> {
  const quick = opts.quick ?? false;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'viewer-bench-'));
  try {
    const images = await writeBenchImages(dir, 16);
    const results: Record<string, number | string> = await rowService(dir, quick ? 5_000 : 100_000, images);
    results.rows_first_page_target = verdict(results.rows_first_page_ms, 500, 'ms');
    results.rows_peak_rss_target = verdict(results.rows_peak_rss_process_mb, 300, 'MB');
    if (NO_CHROMIUM) {
      results.tree = `skipped: ${NO_CHROMIUM}`;
      return results;
    }
    const [image] = (await writeBenchImages(dir, 1, { size: { width: 1600, height: 1200 }, prefix: 'tree', noise: true })) as [BenchImage];
    const sizes: [string, number, number][] = quick
      ? [['small', 8, 9], ['1k', 32, 30]]
      : [['1k', 32, 30], ['10k', 200, 49]];
    for (const [label, rollouts, crops] of sizes) {
      Object.assign(results, await treeInBrowser(dir, label, rollouts, crops, image));
      results[`tree_${label}_frame_target`] = verdict(results[`tree_${label}_frame_work_p95_ms`], 16.7, 'ms (frame work p95)');
    }
    results.machine_note = 'headless chromium 156 --disable-gpu (software raster); frame work = rAF start to after paint';
    return results;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run({ quick: process.argv.includes('--quick') }).then((figures) => console.table(figures), (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
