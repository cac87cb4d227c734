/**
 * Box editing end to end in a real VS Code (code-server) driven by headless chromium: a mouse
 * drag of the box's corner handle over the turn's source image (through both webview iframes)
 * rewrites the turn's grounding, makes the document dirty, Ctrl+Z / Ctrl+Shift+Z undo and redo
 * it, Ctrl+S saves it with `edit.original_box` provenance, every other line keeps its bytes, and
 * the reopened file shows the new box. Skips only when chromium is not installed.
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
const artifacts = path.join(root, 'test-artifacts', 'e2e', 'box-edit');
const EXTENSION_ID = 'mini-o3-studio.mini-o3-studio';
const DEMOS = 'demos.traj.jsonl';
const UI_TIMEOUT_MS = 30_000;
const DIRTY_TAB = '.tabs-container .tab.dirty';
/** Turn 0 crops the original image, so its box editor sits on the "Original" figure. */
const BOX_LAYER = '.figure-original .box-edit-layer';
const GROUNDING = `${WEBVIEW.reasoning} .block-grounding .block-code`;

type Box = [number, number, number, number];
interface SavedTurn {
  text: string;
  edit?: { original_text?: string; original_box?: number[]; original_source?: string; by?: string };
}

/** The grounding call's JSON as the detail panel shows it (the text between the tags). */
function groundingCall(text: string): string {
  const match = /<grounding>([\s\S]*?)<\/grounding>/.exec(text);
  assert.ok(match, `no <grounding> in ${JSON.stringify(text)}`);
  return match[1]!;
}

function boxOf(call: string): Box {
  const parsed = JSON.parse(call) as { bbox_2d: Box };
  return parsed.bbox_2d;
}

/** The file's lines as raw bytes, split at LF (each keeps no terminator). */
function byteLines(bytes: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let at = bytes.indexOf(0x0a); at !== -1; at = bytes.indexOf(0x0a, start)) {
    lines.push(bytes.subarray(start, at));
    start = at + 1;
  }
  lines.push(bytes.subarray(start));
  return lines;
}

/** The first trajectory whose turn 0 crops `original_image`: its 1-based line, that call and the image size. */
function lineWithOriginalCrop(bytes: Buffer): { line: number; call: string; size: { width: number; height: number } } {
  const lines = byteLines(bytes);
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.length === 0) continue;
    const trajectory = JSON.parse(lines[i]!.toString('utf8')) as { turns: SavedTurn[]; task: { image_size: { width: number; height: number } } };
    const turn = trajectory.turns[0];
    if (turn && /"source":\s*"original_image"/.test(turn.text)) return { line: i + 1, call: groundingCall(turn.text), size: trajectory.task.image_size };
  }
  throw new Error('the sample file has no trajectory whose first turn crops the original image');
}

const skip = chromiumAvailable() ? false : `${CHROMIUM_PATH} is not installed (apt-get install chromium): the VS Code end-to-end test needs it`;

describe('dragging a box in the trajectory editor (code-server + chromium)', { skip, timeout: 300_000 }, () => {
  let workspace = '';
  let file = '';
  let originalBytes = Buffer.alloc(0);
  let target = { line: 0, call: '', size: { width: 1, height: 1 } };
  let draggedCall = '';
  let session: VsCodeSession | null = null;
  let shots = 0;
  const log = (message: string) => console.log(`# e2e ${message}`);
  const vscode = (): VsCodeSession => {
    assert.ok(session, 'the VS Code session did not start (see the before hook)');
    return session;
  };
  const webview = (): FrameLocator => vscode().workbench.webview(EXTENSION_ID);
  const dirtyTab = () => vscode().browser.page.locator(DIRTY_TAB);
  const groundingText = async () => (await webview().locator(GROUNDING).first().textContent({ timeout: UI_TIMEOUT_MS })) ?? '';
  const waitForGrounding = async (expected: string, what: string) => {
    const deadline = Date.now() + UI_TIMEOUT_MS;
    let shown = '';
    while (Date.now() < deadline) {
      shown = await groundingText();
      if (shown === expected) return;
      await vscode().browser.page.waitForTimeout(100);
    }
    assert.fail(`${what}: the detail panel shows ${JSON.stringify(shown)}, expected ${JSON.stringify(expected)}`);
  };
  const openTarget = async () => {
    await webview().locator(`${WEBVIEW.listRow}[data-line="${target.line}"]`).click({ timeout: UI_TIMEOUT_MS });
    await webview().locator(`${WEBVIEW.turnButton}[data-turn="0"][aria-pressed="true"]`).waitFor({ timeout: UI_TIMEOUT_MS });
  };

  before(async () => {
    fs.rmSync(artifacts, { recursive: true, force: true });
    const vsix = await ensureFreshVsix(root);
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'mini-o3-e2e-box-'));
    await generateSampleWorkspace(workspace, { tasks: 3, seed: 7, small: true });
    file = path.join(workspace, DEMOS);
    originalBytes = fs.readFileSync(file);
    target = lineWithOriginalCrop(originalBytes);
    session = await startVsCodeSession({ workspace, extension: { vsix: vsix.path }, settings: { 'miniO3.annotatorName': 'E2E Box Annotator' }, log });
    await session.workbench.waitForCommand('Mini-o3: Validate Trajectory File', 90_000);
    await session.workbench.explorerRow(DEMOS).click();
    await session.workbench.runCommand('View: Close Primary Side Bar');
    await openTarget();
    await waitForGrounding(target.call, 'before any edit');
    log(`[${session.elapsed().toFixed(1)} s] line ${target.line} open`);
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

  test('dragging the bottom-right handle with the mouse shrinks the box: new grounding, dirty tab, file untouched', async () => {
    const page = vscode().browser.page;
    const layer = webview().locator(BOX_LAYER);
    await layer.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    const handle = webview().locator(`${BOX_LAYER} .edit-handle.handle-se`);
    const boxOnPage = await webview().locator(`${BOX_LAYER} .edit-box`).boundingBox();
    const handleOnPage = await handle.boundingBox();
    assert.ok(boxOnPage && handleOnPage, 'the box and its handle have a place on the page');
    assert.ok(boxOnPage.width > 20 && boxOnPage.height > 20, `the box is big enough to drag (${boxOnPage.width}×${boxOnPage.height} px)`);
    // Frame locators report page coordinates, which is what page.mouse takes.
    const from = { x: handleOnPage.x + handleOnPage.width / 2, y: handleOnPage.y + handleOnPage.height / 2 };
    const by = { x: -Math.round(boxOnPage.width / 3), y: -Math.round(boxOnPage.height / 3) };
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    for (let step = 1; step <= 8; step++) {
      await page.mouse.move(from.x + (by.x * step) / 8, from.y + (by.y * step) / 8);
      await page.waitForTimeout(25);
    }
    await page.mouse.up();

    const deadline = Date.now() + UI_TIMEOUT_MS;
    while ((draggedCall = await groundingText()) === target.call && Date.now() < deadline) await page.waitForTimeout(100);
    assert.notEqual(draggedCall, target.call, 'the drop rewrites the grounding shown in the detail panel');
    const [ox0, oy0, ox1, oy1] = boxOf(target.call);
    const [nx0, ny0, nx1, ny1] = boxOf(draggedCall);
    // The editor works in whole source pixels (Mini-o3's crop floors the box), so an edge the
    // drag did not hold may move by that rounding: one pixel plus the 3-decimal rounding.
    const slackX = 1 / target.size.width + 0.0005;
    const slackY = 1 / target.size.height + 0.0005;
    assert.ok(Math.abs(nx0 - ox0) <= slackX && Math.abs(ny0 - oy0) <= slackY, `dragging the bottom-right handle keeps the top-left corner: ${target.call} → ${draggedCall}`);
    assert.ok(nx1 < ox1 - 0.01 && ny1 < oy1 - 0.01, `the box shrank toward the top-left: ${target.call} → ${draggedCall}`);
    assert.match(draggedCall, /"source": "original_image"/);
    await dirtyTab().waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    assert.deepEqual(fs.readFileSync(file), originalBytes, 'an edit must not write the file before Save');
  });

  test('Ctrl+Z puts the old box back (clean); Ctrl+Shift+Z applies the drag again (dirty)', async () => {
    assert.ok(draggedCall, 'the drag test ran first');
    const page = vscode().browser.page;
    // Focus the webview outside the box layer so the keys go to VS Code's undo stack.
    await webview().locator(WEBVIEW.detailTitle).click();
    await page.keyboard.press('Control+z');
    await waitForGrounding(target.call, 'after Ctrl+Z');
    await dirtyTab().waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
    await page.keyboard.press('Control+Shift+z');
    await waitForGrounding(draggedCall, 'after Ctrl+Shift+Z');
    await dirtyTab().waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
  });

  test('Ctrl+S saves the new box with its original as provenance; every other line keeps its bytes', async () => {
    assert.ok(draggedCall, 'the drag test ran first');
    await vscode().browser.page.keyboard.press('Control+s');
    await dirtyTab().waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
    const before = byteLines(originalBytes);
    const after = byteLines(fs.readFileSync(file));
    assert.equal(after.length, before.length, 'the save keeps the number of lines');
    for (let i = 0; i < before.length; i++) {
      if (i === target.line - 1) continue;
      assert.ok(after[i]!.equals(before[i]!), `line ${i + 1} must keep its bytes`);
    }
    assert.ok(!after[target.line - 1]!.equals(before[target.line - 1]!), 'the edited line changed');
    const saved = JSON.parse(after[target.line - 1]!.toString('utf8')) as { turns: SavedTurn[] };
    const originalTurns = (JSON.parse(before[target.line - 1]!.toString('utf8')) as { turns: SavedTurn[] }).turns;
    const turn = saved.turns[0]!;
    assert.equal(groundingCall(turn.text), draggedCall, 'the turn text carries the dragged box');
    assert.deepEqual(turn.edit?.original_box, boxOf(target.call), 'edit.original_box keeps the box before the drag');
    assert.equal(turn.edit?.original_source, 'original_image');
    assert.equal(turn.edit?.original_text, originalTurns[0]!.text, 'edit.original_text keeps the turn text before the drag');
    assert.equal(turn.edit?.by, 'E2E Box Annotator', 'the annotator comes from miniO3.annotatorName');
    assert.equal(turn.text.replace(draggedCall, target.call), originalTurns[0]!.text, 'only the grounding call changed in the turn text');
  });

  test('reopening the file shows the saved box', async () => {
    const { workbench, browser } = vscode();
    await workbench.runCommand('View: Close All Editors');
    await workbench.webviewHost(EXTENSION_ID).waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
    await browser.page.keyboard.press('Control+p');
    await browser.page.keyboard.type(DEMOS);
    await browser.page.waitForTimeout(500);
    await browser.page.keyboard.press('Enter');
    await openTarget();
    await waitForGrounding(draggedCall, 'after reopening');
    await webview().locator(BOX_LAYER).waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    log(`[${vscode().elapsed().toFixed(1)} s] reopened with the saved box`);
  });
});
