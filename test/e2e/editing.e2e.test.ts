/**
 * Editing end to end in a real VS Code (code-server) driven by headless chromium: a review
 * status set through the webview's real Review buttons reaches VS Code's document model (the
 * dirty dot), Ctrl+Z / Ctrl+Shift+Z undo and redo it, Ctrl+S saves it, and after reopening the
 * change is there while every other line of the file is byte-identical.
 * Skips only when chromium is not installed.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FrameLocator } from 'playwright-core';
import { generateSampleWorkspace } from '../../src/core/synth';
import { CHROMIUM_PATH, chromiumAvailable } from './helpers/chromium';
import { ensureFreshVsix } from './helpers/vsix';
import { startVsCodeSession, type VsCodeSession } from './helpers/vscode-session';
import { WEBVIEW } from './helpers/webview-selectors';

const root = path.resolve(__dirname, '../..');
const artifacts = path.join(root, 'test-artifacts', 'e2e-editing');
const EXTENSION_ID = 'mini-o3-studio.mini-o3-studio';
const DEMOS = 'demos.traj.jsonl';
const UI_TIMEOUT_MS = 30_000;
const TARGET_LINE = 2;
const REVIEW = 'section[aria-label="Review"]';
const DIRTY_TAB = '.tabs-container .tab.dirty';

const skip = chromiumAvailable() ? false : `${CHROMIUM_PATH} is not installed (apt-get install chromium): the VS Code end-to-end test needs it`;

describe('editing in the trajectory editor (code-server + chromium)', { skip, timeout: 300_000 }, () => {
  let workspace = '';
  let file = '';
  let originalBytes = Buffer.alloc(0);
  let session: VsCodeSession | null = null;
  let shots = 0;
  const log = (message: string) => console.log(`# e2e ${message}`);
  const vscode = (): VsCodeSession => {
    assert.ok(session, 'the VS Code session did not start (see the before hook)');
    return session;
  };
  const webview = (): FrameLocator => vscode().workbench.webview(EXTENSION_ID);
  const statusButton = (status: string) => webview().locator(`${REVIEW} button[data-status="${status}"]`);
  const waitPressed = (status: string) => webview().locator(`${REVIEW} button[data-status="${status}"][aria-pressed="true"]`).waitFor({ timeout: UI_TIMEOUT_MS });
  const dirtyTab = () => vscode().browser.page.locator(DIRTY_TAB);

  before(async () => {
    fs.rmSync(artifacts, { recursive: true, force: true });
    const vsix = await ensureFreshVsix(root);
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'mini-o3-e2e-editing-'));
    await generateSampleWorkspace(workspace, { tasks: 3, seed: 7, small: true });
    file = path.join(workspace, DEMOS);
    originalBytes = fs.readFileSync(file);
    session = await startVsCodeSession({ workspace, extension: { vsix: vsix.path }, settings: { 'miniO3.annotatorName': 'E2E Annotator' }, log });
    await session.workbench.waitForCommand('Mini-o3: Validate Trajectory File', 90_000);
    await session.workbench.explorerRow(DEMOS).click();
    await session.workbench.runCommand('View: Close Primary Side Bar');
    await webview().locator(`${WEBVIEW.listRow}[data-line="${TARGET_LINE}"]`).click({ timeout: UI_TIMEOUT_MS });
    await waitPressed('unreviewed');
  });

  afterEach(async (t) => {
    if (!session) return;
    fs.mkdirSync(artifacts, { recursive: true });
    const name = `${String(++shots).padStart(2, '0')}-${t.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase().slice(0, 60)}.png`;
    await session.browser.page.screenshot({ path: path.join(artifacts, name) }).catch(() => undefined);
  });

  after(async () => {
    await session?.close();
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
  });

  test('accepting a trajectory in the Review bar makes the document dirty without touching the file', async () => {
    await statusButton('accepted').click();
    await waitPressed('accepted');
    await dirtyTab().waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    assert.deepEqual(fs.readFileSync(file), originalBytes, 'an edit must not write the file before Save');
  });

  test('Ctrl+Z undoes the edit back to the saved state (clean); Ctrl+Shift+Z redoes it', async () => {
    const page = vscode().browser.page;
    // Focus the webview (not the notes field) so the keys go to VS Code's undo stack.
    await webview().locator(WEBVIEW.detailTitle).click();
    await page.keyboard.press('Control+z');
    await waitPressed('unreviewed');
    await dirtyTab().waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
    await page.keyboard.press('Control+Shift+z');
    await waitPressed('accepted');
    await dirtyTab().waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
  });

  test('Ctrl+S saves: the edited line changes and every other line is byte-identical', async () => {
    await vscode().browser.page.keyboard.press('Control+s');
    await dirtyTab().waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
    const before = originalBytes.toString('utf8').split('\n');
    const after = fs.readFileSync(file).toString('utf8').split('\n');
    assert.equal(after.length, before.length);
    for (let i = 0; i < before.length; i++) {
      if (i === TARGET_LINE - 1) continue;
      assert.equal(after[i], before[i], `line ${i + 1} must keep its bytes`);
    }
    const saved = JSON.parse(after[TARGET_LINE - 1]!) as { review?: { status?: string; by?: string } };
    assert.equal(saved.review?.status, 'accepted');
    assert.equal(saved.review?.by, 'E2E Annotator', 'the annotator comes from miniO3.annotatorName');
  });

  test('reopening the file shows the saved review status', async () => {
    const { workbench, browser } = vscode();
    await workbench.runCommand('View: Close All Editors');
    await workbench.webviewHost(EXTENSION_ID).waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
    await browser.page.keyboard.press('Control+p');
    await browser.page.keyboard.type(DEMOS);
    await browser.page.waitForTimeout(500);
    await browser.page.keyboard.press('Enter');
    await webview().locator(`${WEBVIEW.listRow}[data-line="${TARGET_LINE}"]`).click({ timeout: UI_TIMEOUT_MS });
    await waitPressed('accepted');
  });
});
