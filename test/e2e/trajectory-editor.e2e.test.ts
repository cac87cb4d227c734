/**
 * End to end in a real VS Code (code-server 4.100.3, VS Code 1.100.3) driven by headless chromium:
 * the packaged extension opens a generated sample in the Mini-o3 trajectory editor, the list,
 * the selection and the detail panel work through the real host, and a palette command runs.
 * One code-server for the whole file; the tests run in order and share the open editor.
 * Screenshots go to test-artifacts/e2e/. Skips only when chromium is not installed.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FrameLocator } from 'playwright-core';
import { generateSampleWorkspace } from '../../src/core/synth';
import { parseAssistantTurn } from '../../src/core/protocol';
import { CHROMIUM_PATH, chromiumAvailable } from './helpers/chromium';
import { ensureFreshVsix } from './helpers/vsix';
import { startVsCodeSession, type VsCodeSession } from './helpers/vscode-session';
import { WEBVIEW } from './helpers/webview-selectors';

const root = path.resolve(__dirname, '../..');
const artifacts = path.join(root, 'test-artifacts', 'e2e');
const EXTENSION_ID = 'mini-o3-studio.mini-o3-studio';
const VALIDATE_TITLE = 'Mini-o3: Validate Trajectory File';
const DEMOS = 'demos.traj.jsonl';
/** Generous: CI machines have 2 cores shared with other test files. */
const UI_TIMEOUT_MS = 30_000;

const skip = chromiumAvailable() ? false : `${CHROMIUM_PATH} is not installed (apt-get install chromium): the VS Code end-to-end test needs it`;

interface DemoLine {
  line: number;
  id: string;
  turns: { text: string }[];
}

function readDemos(file: string): DemoLine[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((text) => text.trim() !== '')
    .map((text, index) => {
      const value = JSON.parse(text) as { id: string; turns: { text: string }[] };
      return { line: index + 1, id: value.id, turns: value.turns };
    });
}

describe('trajectory editor in VS Code (code-server + chromium)', { skip, timeout: 240_000 }, () => {
  let workspace = '';
  let demos: DemoLine[] = [];
  let session: VsCodeSession | null = null;
  let shots = 0;
  const log = (message: string) => console.log(`# e2e ${message}`);

  const vscode = (): VsCodeSession => {
    assert.ok(session, 'the VS Code session did not start (see the before hook)');
    return session;
  };
  const webview = (): FrameLocator => vscode().workbench.webview(EXTENSION_ID);
  const screenshot = async (name: string) => {
    if (!session) return;
    fs.mkdirSync(artifacts, { recursive: true });
    const file = path.join(artifacts, `${String(++shots).padStart(2, '0')}-${name}.png`);
    await session.browser.page.screenshot({ path: file }).catch((error: unknown) => log(`screenshot ${file} failed: ${String(error)}`));
  };

  before(async () => {
    fs.rmSync(artifacts, { recursive: true, force: true });
    const vsix = await ensureFreshVsix(root);
    log(`${vsix.packaged ? 'packaged' : 'reusing'} ${path.relative(root, vsix.path)}`);
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'mini-o3-e2e-workspace-'));
    await generateSampleWorkspace(workspace, { tasks: 5, seed: 7, small: true });
    demos = readDemos(path.join(workspace, DEMOS));
    session = await startVsCodeSession({ workspace, extension: { vsix: vsix.path }, log });
    // Opening the file before the extension's contributions are registered would open it as text.
    await session.workbench.waitForCommand(VALIDATE_TITLE, 90_000);
    log(`[${session.elapsed().toFixed(1)} s] extension commands registered`);
    await session.workbench.explorerRow(DEMOS).click();
    // More room for the editor's three panes (and the screenshots).
    await session.workbench.runCommand('View: Close Primary Side Bar');
  });

  afterEach(async (t) => {
    await screenshot(t.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase().slice(0, 60));
  });

  after(async () => {
    if (session) {
      await screenshot('final');
      log(`[${session.elapsed().toFixed(1)} s] closing`);
      await session.close();
    }
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
  });

  test('demos.traj.jsonl opens in the Mini-o3 trajectory editor', async () => {
    const { workbench } = vscode();
    await workbench.webviewHost(EXTENSION_ID).waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    const labels = await workbench.tabLabels();
    assert.ok(labels.some((label) => label.startsWith(DEMOS)), `no editor tab for ${DEMOS}: ${JSON.stringify(labels)}`);
    await webview().locator(WEBVIEW.list).waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    log(`[${vscode().elapsed().toFixed(1)} s] custom editor rendered`);
  });

  test('the list shows every trajectory of the file', async () => {
    const rows = webview().locator(WEBVIEW.listRow);
    await rows.first().waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    // The sample is small enough that every row fits in the viewport of the virtualized list.
    await assert.doesNotReject(() =>
      webview().locator(`${WEBVIEW.listRow}[data-line="${demos.length}"]`).waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS }),
    );
    const shown = await rows.evaluateAll((elements) => elements.map((el) => ({ line: Number(el.getAttribute('data-line')), text: el.textContent ?? '' })));
    assert.equal(shown.length, demos.length, `the list shows ${shown.length} rows, the file has ${demos.length} trajectories`);
    for (const demo of demos) {
      const row = shown.find((r) => r.line === demo.line);
      assert.ok(row?.text.includes(demo.id), `row of line ${demo.line} should show ${demo.id}, shows ${JSON.stringify(row?.text)}`);
    }
  });

  test('selecting a trajectory and a turn shows its reasoning and box in the detail panel', async () => {
    // A trajectory whose turn 0 crops: its text has both a <think> and a <grounding> call.
    const target = demos.find((d) => {
      const first = d.turns[0] ? parseAssistantTurn(d.turns[0].text) : null;
      return first?.grounding?.bbox && first.think;
    });
    assert.ok(target, 'the sample has no trajectory that crops on its first turn');
    const parsed = parseAssistantTurn(target.turns[0]!.text);
    const view = webview();
    await view.locator(`${WEBVIEW.listRow}[data-line="${target.line}"]`).click();
    await view.locator(WEBVIEW.detailTitle, { hasText: target.id }).waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    await view.locator(`${WEBVIEW.turnButton}[data-turn="0"]`).click();
    await view.locator(`${WEBVIEW.turnButton}[data-turn="0"][aria-pressed="true"]`).waitFor({ timeout: UI_TIMEOUT_MS });
    const reasoning = view.locator(WEBVIEW.reasoning);
    await reasoning.locator(WEBVIEW.thinkText).first().waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    const text = await reasoning.innerText();
    assert.ok(text.includes(parsed.think!.trim().slice(0, 60)), `the detail panel does not show turn 0's reasoning:\n${text}`);
    const boxLabel = parsed.grounding!.bbox!.map((v) => String(Math.round(v * 1000) / 1000)).join(', ');
    assert.ok(text.includes(`[${boxLabel}]`), `the detail panel does not show the box [${boxLabel}]:\n${text}`);
    assert.ok(text.includes(parsed.grounding!.source ?? 'original_image'), `the detail panel does not name the box's source:\n${text}`);
    // The centre shows the task's search tree: one node per turn at least, for every rollout of the task.
    const nodes = view.locator(WEBVIEW.treeNode);
    await nodes.first().waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    const taskId = target.id.replace(/^demo-\d+-/, '').replace(/-[a-z_]+$/, '');
    const taskTurns = demos.filter((d) => d.id.includes(taskId)).reduce((sum, d) => sum + d.turns.length, 0);
    assert.ok((await nodes.count()) >= 2, `the search tree shows ${await nodes.count()} nodes for a task with ${taskTurns} turns`);
  });

  test('Validate Trajectory File from the palette reports in a notification', async () => {
    const { workbench, browser } = vscode();
    await workbench.runCommand(VALIDATE_TITLE);
    // With no text editor active the command asks for the file: VS Code's simple file dialog,
    // a quick input prefilled with a folder path. Answer it if it comes; then wait for the toast.
    const toast = workbench.toast(/Mini-o3: \d+ trajectories/);
    const dialogInput = browser.page.locator('.quick-input-widget input[type="text"]');
    const deadline = Date.now() + UI_TIMEOUT_MS;
    let answeredDialog = false;
    while (!(await toast.isVisible()) && Date.now() < deadline) {
      if (!answeredDialog && (await dialogInput.isVisible()) && (await dialogInput.inputValue()).startsWith('/')) {
        await dialogInput.fill(path.join(workspace, DEMOS));
        await browser.page.keyboard.press('Enter');
        answeredDialog = true;
      }
      await browser.page.waitForTimeout(200);
    }
    await toast.waitFor({ state: 'visible', timeout: 1_000 });
    const message = await toast.innerText();
    assert.match(message, new RegExp(`Mini-o3: ${demos.length} trajectories: \\d+ errors, \\d+ warnings`));
  });
});
