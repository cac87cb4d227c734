import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSampleWorkspace } from '../../src/core/synth';
import type { Trajectory } from '../../src/core/trajectory/schema';
import { formatCount, formatPercent } from '../../webview/format';
import { NO_CHROMIUM, WebviewHarness } from './browser-harness';
import { selectedLine, waitFor } from './page-helpers';

const ROWS = 100_000;
const REVIEWS = ['unreviewed', 'accepted', 'rejected', 'needs_fix'] as const;

/** 100k one-turn trajectories over one real image: small lines, so the host stand-in summarizes them in seconds. */
function writeLargeFile(dir: string, image: string, size: { width: number; height: number }): string {
  const lines: string[] = [];
  for (let i = 0; i < ROWS; i++) {
    const t: Trajectory = {
      id: `row-${String(i + 1).padStart(6, '0')}`,
      task: { id: `task-${Math.floor(i / 4)}`, question: `<image>\nWhich sign is number ${i + 1}?`, images: [image], answer: 'A', data_source: i % 3 ? 'probe' : 'vstar', image_size: size },
      turns: [{ text: i % 7 === 0 ? 'no answer here' : `<answer>${i % 3 ? 'A' : 'B'}</answer>` }],
      review: { status: REVIEWS[i % 4]! },
    };
    lines.push(JSON.stringify(t));
  }
  const file = join(dir, 'large.traj.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('the list stays virtual with 100,000 rows', { skip: NO_CHROMIUM }, () => {
  let dir: string;
  let harness: WebviewHarness;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mini-o3-webview-large-'));
    const ws = await generateSampleWorkspace(dir, { tasks: 1, seed: 5, small: true });
    const demo = JSON.parse(readFileSync(ws.demosFile, 'utf8').split('\n')[0]!) as Trajectory;
    harness = await WebviewHarness.start(writeLargeFile(dir, demo.task.images[0]!, demo.task.image_size!));
  });

  after(async () => {
    await harness?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const rowsInDom = () => harness.page.locator('.list-row').count();

  test('only visible rows are in the DOM; scrolling, keys and search page through queryRows', async (t) => {
    const page = await harness.open({ theme: 'dark' });
    const firstRows = await page.evaluate(() => performance.getEntriesByName('mini-o3:first-rows')[0]?.startTime ?? -1);
    t.diagnostic(`first rows painted ${firstRows.toFixed(0)} ms after navigation start`);
    const { counts } = harness.host.query({ filter: {}, sort: { key: 'line', descending: false }, offset: 0, limit: 1 });
    assert.equal(counts.total, ROWS);
    assert.equal(await page.locator('.list-counts').textContent(), `${formatCount(ROWS)} of ${formatCount(ROWS)} · ${formatPercent(counts.correct, counts.withAnswerKey)} correct`);
    const viewportRows = Math.ceil((await page.locator('.list-viewport').evaluate((el) => el.clientHeight)) / 24);
    const limit = viewportRows + 2 * 8 + 2;
    assert.ok((await rowsInDom()) <= limit, `${await rowsInDom()} rows in the DOM for ${viewportRows} visible`);

    // Jump to the end: the last line appears, the DOM stays small, and queryRows was asked for that page only.
    const asked = harness.host.requests.length;
    await page.locator('.list-viewport').evaluate((el) => { el.scrollTop = el.scrollHeight; });
    await page.locator(`.list-row[data-line="${ROWS}"]`).waitFor();
    assert.ok((await rowsInDom()) <= limit);
    const offsets = harness.host.requests.slice(asked).filter((r) => r.name === 'queryRows').map((r) => (r.params as { offset: number }).offset);
    assert.ok(offsets.length > 0 && offsets.every((o) => o >= ROWS - 200), `pages asked for: ${offsets.join(', ')}`);

    await page.locator(`.list-row[data-line="${ROWS}"]`).click();
    await page.keyboard.press('k');
    await waitFor(() => selectedLine(page), (l) => l === ROWS - 1, 'k moves up from the last row');
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await waitFor(() => selectedLine(page), (l) => l === ROWS, 'j stops at the last row');

    // Scrolling frame by frame through the middle of the file: each frame re-renders the visible rows.
    const frames = await page.evaluate(async () => {
      const viewport = document.querySelector('.list-viewport') as HTMLElement;
      viewport.scrollTop = 1_000_000;
      const times: number[] = [];
      let last = performance.now();
      for (let i = 0; i < 60; i++) {
        viewport.scrollTop += 480;
        await new Promise((resolve) => requestAnimationFrame(resolve));
        const now = performance.now();
        times.push(now - last);
        last = now;
      }
      times.sort((a, b) => a - b);
      return { median: times[30]!, p95: times[57]!, max: times[59]! };
    });
    t.diagnostic(`scroll frames over 100k rows: median ${frames.median.toFixed(1)} ms, p95 ${frames.p95.toFixed(1)} ms, max ${frames.max.toFixed(1)} ms`);
    assert.ok((await rowsInDom()) <= limit);

    // A search narrows the list through the host; the counts follow.
    await page.locator('.filter-search input').fill('number 7777');
    const expected = harness.host.query({ filter: { text: 'number 7777' }, sort: { key: 'line', descending: false }, offset: 0, limit: 100 });
    await waitFor(() => page.locator('.list-counts').textContent(), (text) => text?.startsWith(`${formatCount(expected.counts.matching)} of ${formatCount(ROWS)}`) ?? false, 'the search counts');
    assert.deepEqual(await page.locator('.list-row .col-id').allTextContents(), expected.rows.map((r) => (r.broken ? '' : r.id)));
  });
});
