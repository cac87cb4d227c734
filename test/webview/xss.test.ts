import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSampleWorkspace } from '../../src/core/synth';
import { formatGrounding } from '../../src/core/protocol';
import type { Trajectory } from '../../src/core/trajectory/schema';
import { NO_CHROMIUM, WebviewHarness } from './browser-harness';
import { clickRow, waitFor } from './page-helpers';

/** Markup that runs script if any of it reaches the DOM as HTML. Each sets window.__pwned. */
const PAYLOADS = [
  `<img src=x onerror="window.__pwned='img'">`,
  `<script>window.__pwned='script'</script>`,
  `"><svg onload="window.__pwned='svg'">`,
  `javascript:window.__pwned='js'`,
  `<a href="javascript:window.__pwned='a'" id="pwn-link">click</a>`,
  `<iframe srcdoc="<script>parent.__pwned='iframe'</script>"></iframe>`,
  `'><details open ontoggle="window.__pwned='details'">`,
  `<style>body{display:none}</style><b>bold</b>`,
];

function hostileTrajectory(payload: string, index: number, image: string, size: { width: number; height: number }): Trajectory {
  return {
    id: `xss-${index}-${payload}`,
    task: { id: 'xss-task', question: `<image>\n${payload}`, images: [image], answer: payload, data_source: payload, image_size: size },
    turns: [
      { text: `<think>${payload}</think>\n${formatGrounding([0.1, 0.1, 0.6, 0.6], 'original_image')}` },
      { text: `<think>${payload}</think>\n<grounding>${payload}</grounding>` },
      { text: `<think>${payload}</think>\n<answer>${payload}</answer>`, tokens: { completion: 12 } },
    ],
    review: { status: 'needs_fix', notes: payload },
  };
}

describe('hostile text is shown as text and never runs', { skip: NO_CHROMIUM }, () => {
  let dir: string;
  let harness: WebviewHarness;
  let file: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mini-o3-webview-xss-'));
    const ws = await generateSampleWorkspace(dir, { tasks: 1, seed: 3, small: true });
    const demo = JSON.parse((await import('node:fs')).readFileSync(ws.demosFile, 'utf8').split('\n')[0]!) as Trajectory;
    const lines = PAYLOADS.map((p, i) => JSON.stringify(hostileTrajectory(p, i, demo.task.images[0]!, demo.task.image_size!)));
    lines.push(`{"id": "${PAYLOADS[0]!.replace(/"/g, "'")}", "turns": `);
    file = join(dir, 'hostile.traj.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);
    harness = await WebviewHarness.start(file);
    // No CSP here: only the app's own care (textContent everywhere) may stop the payloads.
    await harness.open({ theme: 'dark', csp: false });
  });

  after(async () => {
    await harness?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('every text field of every trajectory, the broken line, findings, raw text and charts', async () => {
    const page = harness.page;
    const rowIds = await page.locator('.list-row .col-id').allTextContents();
    assert.deepEqual(rowIds, PAYLOADS.map((p, i) => `xss-${i}-${p}`), 'ids are shown verbatim');
    const questions = await page.locator('.list-row .col-question').allTextContents();
    assert.deepEqual(questions, PAYLOADS, 'questions are shown verbatim (without the <image> placeholder)');
    assert.match((await page.locator('.list-row.broken').textContent()) ?? '', /^line 9: /);

    for (const [i, payload] of PAYLOADS.entries()) {
      await clickRow(page, i + 1);
      await waitFor(() => page.locator('.detail-id').textContent(), (id) => id === `xss-${i}-${payload}`, `the detail of line ${i + 1}`);
      assert.equal(await page.locator('.detail-question').textContent(), `<image>\n${payload}`);
      const answers = await page.locator('.detail-answers dd').allTextContents();
      assert.ok(answers.includes(payload), 'answer key and data source are text');
      assert.equal(await page.locator('.block-think .block-text').textContent(), payload);
      await page.keyboard.press(']');
      assert.equal(await page.locator('.block-grounding .block-code').textContent(), payload, 'a grounding that is markup is shown as code text');
      assert.ok((await page.locator('.turn-findings .finding').count()) > 0, 'the broken call has findings');
      await page.keyboard.press(']');
      assert.equal(await page.locator('.block-answer .block-text').textContent(), payload);
      await page.locator('.raw-toggle').click();
      assert.equal(await page.locator('.raw-text').textContent(), `<think>${payload}</think>\n<answer>${payload}</answer>`);
      await page.locator('.raw-toggle').click();
    }
    const answerLeaves = await page.locator('.tree-node.kind-answer .node-leaf-text').allTextContents();
    assert.equal(answerLeaves.length, PAYLOADS.length);
    const captions = await page.locator('.tree-node title').allTextContents();
    assert.ok(PAYLOADS.every((p) => captions.some((c) => c.includes(p.slice(0, 20)))), 'captions carry the payloads as text');

    await clickRow(page, PAYLOADS.length + 1);
    assert.match((await page.locator('.detail-pane .pane-message').textContent()) ?? '', /^line 9: /);
    await page.locator('.tab[data-view="charts"]').click();
    await page.locator('.chart').first().waitFor();
    await page.locator('.filter-source').click();
    const sources = await page.locator('.filter-source li[role="option"]').allTextContents();
    assert.ok(PAYLOADS.every((p) => sources.some((s) => s.trim() === p)), 'data sources are listed as text');
    await page.keyboard.press('Escape');
    await page.waitForTimeout(200);

    const injected = await page.evaluate(() => {
      const all = [...document.querySelectorAll('*')];
      return {
        pwned: (window as unknown as { __pwned?: unknown }).__pwned ?? null,
        withHandlers: all.filter((el) => [...el.attributes].some((a) => a.name.startsWith('on'))).map((el) => el.outerHTML.slice(0, 80)),
        forbidden: document.querySelectorAll('img[src="x"], iframe, details, style, b, #pwn-link, a[href^="javascript"], script:not([src])').length,
        scripts: document.querySelectorAll('script').length,
      };
    });
    assert.deepEqual(injected, { pwned: null, withHandlers: [], forbidden: 0, scripts: 1 });
    assert.deepEqual(harness.dialogs, []);
    assert.deepEqual(harness.consoleErrors, []);
    await harness.screenshot('xss-dark');
  });
});
