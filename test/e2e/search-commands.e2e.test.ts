/**
 * End to end: the trajectory editor's search commands in a real VS Code (code-server + headless
 * chromium) against the loopback OpenAI-compatible test server, which requires an API key:
 * a refused key (HTTP 401) offers "Set API Key" and the key set there is then sent; "Regenerate
 * from This Turn" adds a fork of the selected trajectory; "Run N Rollouts…" adds N rollouts of its
 * task; cancelling a slow search from its progress notification keeps it as cancelled. One
 * code-server for the file; the tests run in order on the sample's demos.traj.jsonl.
 * Screenshots go to test-artifacts/e2e/search-commands-*.png.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FrameLocator } from 'playwright-core';
import { generateSampleWorkspace } from '../../src/core/synth';
import { OpenAiTestServer } from '../support/openai-server';
import { CHROMIUM_PATH, chromiumAvailable } from './helpers/chromium';
import { ensureFreshVsix } from './helpers/vsix';
import { startVsCodeSession, type VsCodeSession } from './helpers/vscode-session';
import { WEBVIEW } from './helpers/webview-selectors';

const root = path.resolve(__dirname, '../..');
const artifacts = path.join(root, 'test-artifacts', 'e2e');
const EXTENSION_ID = 'mini-o3-studio.mini-o3-studio';
const DEMOS = 'demos.traj.jsonl';
const API_KEY = 'sk-e2e-search-commands';
const UI_TIMEOUT_MS = 30_000;
const CROP = '<think>Too small to read; zoom into the lower right.</think>\n' +
  '<grounding>{"bbox_2d": [0.5, 0.5, 1.0, 1.0], "source": "original_image"}</grounding>';
const ANSWER = '<think>Now it reads K7Q2.</think>\n<answer>K7Q2</answer>';
/** ~30 s of streaming: the search is still running when the test cancels it. */
const SLOW_TURN = { text: `<think>${'Scanning the image row by row. '.repeat(20)}</think>\n<answer>late</answer>`, chunkChars: 2, chunkDelayMs: 100 };

const skip = chromiumAvailable() ? false : `${CHROMIUM_PATH} is not installed (apt-get install chromium): the VS Code end-to-end test needs it`;

interface Line {
  id: string;
  task: { id: string; question: string };
  turns: { text: string }[];
  fork?: { trajectory_id: string; turn: number };
  outcome?: { status?: string; answer?: string | null; error?: string };
}

describe('search commands in the trajectory editor (code-server + chromium + loopback model server)', { skip, timeout: 300_000 }, () => {
  let workspace = '';
  let demosFile = '';
  let original: Line[] = [];
  let server: OpenAiTestServer | null = null;
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
    await session.browser.page.screenshot({ path: path.join(artifacts, `search-commands-${String(++shots).padStart(2, '0')}-${name}.png`) }).catch(() => undefined);
  };
  const readLines = (): Line[] => fs.readFileSync(demosFile, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Line);
  const questionText = (line: Line) => line.task.question.replace(/^<image>\n/, '');

  /** Polls the file until it holds `count` trajectories; returns the new ones. */
  const waitForLines = async (count: number, timeoutMs = UI_TIMEOUT_MS): Promise<Line[]> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lines = readLines();
      if (lines.length >= count) return lines;
      if (Date.now() >= deadline) {
        const toasts = await vscode().browser.page.locator('.notifications-toasts').allInnerTexts().catch(() => []);
        await screenshot(`timeout-${count}-lines`).catch(() => undefined);
        assert.fail(`${DEMOS} holds ${lines.length} trajectories, expected ${count}; notifications: ${toasts.join(' | ') || '(none)'}`);
      }
      await vscode().browser.page.waitForTimeout(150);
    }
  };

  const selectRow = async (line: number, turn?: number) => {
    const view = webview();
    await view.locator(`${WEBVIEW.listRow}[data-line="${line}"]`).click();
    await view.locator(`${WEBVIEW.listRow}[data-line="${line}"][aria-selected="true"]`).waitFor({ timeout: UI_TIMEOUT_MS });
    if (turn === undefined) return;
    await view.locator(`${WEBVIEW.turnButton}[data-turn="${turn}"]`).click();
    await view.locator(`${WEBVIEW.turnButton}[data-turn="${turn}"][aria-pressed="true"]`).waitFor({ timeout: UI_TIMEOUT_MS });
    // The commands read the selection the HOST holds; its status bar item mirrors it once the event has arrived.
    await vscode()
      .browser.page.locator('.statusbar-item')
      .filter({ hasText: `line ${line}, turn ${turn}` })
      .first()
      .waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
  };

  const quickInputTitled = (text: string | RegExp) => vscode().browser.page.locator('.quick-input-widget .quick-input-title').filter({ hasText: text });
  /** The quick input's box (type "password" for the API key). */
  const quickInputBox = () => vscode().browser.page.locator('.quick-input-widget .quick-input-box input');

  /** Answers the backend quick pick with its first entry (the miniO3.backend setting: openai). */
  const acceptBackend = async () => {
    await quickInputTitled('Where the model runs').waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    await vscode().browser.page.keyboard.press('Enter');
  };

  const runRollouts = async (count: number) => {
    await vscode().workbench.runCommand('Mini-o3: Run N Rollouts…');
    await quickInputTitled('Rollouts of the selected task').waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    await quickInputBox().fill(String(count));
    await vscode().browser.page.keyboard.press('Enter');
    await acceptBackend();
  };

  const clearNotifications = async () => {
    await vscode().workbench.runCommand('Notifications: Clear All Notifications').catch(() => undefined);
  };

  before(async () => {
    const vsix = await ensureFreshVsix(root);
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'mini-o3-e2e-search-commands-'));
    await generateSampleWorkspace(workspace, { tasks: 3, seed: 3, small: true });
    demosFile = path.join(workspace, DEMOS);
    original = readLines();
    server = await OpenAiTestServer.start({ apiKey: API_KEY, lifetimeMs: 280_000 });
    // Lines 1, 3 and 5 are the first trajectories of the sample's three tasks.
    server.conversation(questionText(original[0]!), [CROP, ANSWER]);
    server.conversation(questionText(original[2]!), [SLOW_TURN]);
    server.conversation(questionText(original[4]!), [CROP, ANSWER]);
    session = await startVsCodeSession({
      workspace, extension: { vsix: vsix.path }, log,
      settings: { 'miniO3.serverUrl': `${server.url}/v1`, 'miniO3.modelName': 'mini-o3-test', 'miniO3.temperature': 0.7 },
    });
    await session.workbench.waitForCommand('Mini-o3: Run N Rollouts…', 90_000);
    await session.workbench.explorerRow(DEMOS).click();
    await session.workbench.runCommand('View: Close Primary Side Bar');
    await webview().locator(`${WEBVIEW.listRow}[data-line="${original.length}"]`).waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    log(`[${session.elapsed().toFixed(1)} s] ${DEMOS} open in the trajectory editor`);
  });

  after(async () => {
    await screenshot('final');
    await session?.close();
    await server?.close();
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
  });

  test('HTTP 401 from the server offers "Set API Key"; the key set there is sent from then on', async () => {
    const { workbench, browser } = vscode();
    await selectRow(3);
    const started = Date.now();
    await runRollouts(1);
    const refused = workbench.toast(/refused the request \(HTTP 401\/403\)/);
    await refused.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    await screenshot('401-error');
    log(`401 reported after ${Date.now() - started} ms`);
    const lines = await waitForLines(original.length + 1);
    const failed = lines.at(-1)!;
    assert.equal(failed.task.id, original[2]!.task.id);
    assert.equal(failed.outcome?.status, 'error', 'the refused search is kept, marked as an error');
    assert.match(failed.outcome?.error ?? '', /HTTP 401/);
    assert.doesNotMatch(fs.readFileSync(demosFile, 'utf8'), new RegExp(API_KEY), 'no key anywhere in the file');
    const chat = server!.requests.filter((r) => r.path.includes('chat/completions'));
    assert.ok(chat.length >= 1 && chat.every((r) => r.headers.authorization === undefined), 'no key was set, none was sent');

    await refused.locator('.monaco-button', { hasText: 'Set API Key' }).click();
    await quickInputTitled(`API key for ${server!.url}`).waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    await quickInputBox().fill(API_KEY);
    await browser.page.keyboard.press('Enter');
    await workbench.toast(/API key for .* saved in the secret storage/).waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    await clearNotifications();
  });

  test('Regenerate from This Turn adds a fork of the selected trajectory, shown in the task\'s tree', async () => {
    const { workbench } = vscode();
    const before = readLines();
    const source = original[0]!;
    await selectRow(1, 1);
    const nodes = webview().locator(WEBVIEW.treeNode);
    await nodes.first().waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    const nodesBefore = await nodes.count();
    const requestsBefore = server!.requests.length;
    const started = Date.now();
    await workbench.runCommand('Mini-o3: Regenerate from This Turn');
    await acceptBackend();
    const lines = await waitForLines(before.length + 1);
    log(`regenerated in ${Date.now() - started} ms`);
    const fork = lines.at(-1)!;
    assert.equal(fork.task.id, source.task.id);
    assert.deepEqual(fork.fork, { trajectory_id: source.id, turn: 1 });
    assert.deepEqual(fork.turns.map((t) => t.text), [source.turns[0]!.text, ANSWER], 'turn 0 kept, turn 1 generated');
    assert.equal(fork.outcome?.status, 'answered');
    assert.equal(fork.outcome?.answer, 'K7Q2');
    const sent = server!.requests.slice(requestsBefore).filter((r) => r.path.includes('chat/completions'));
    assert.equal(sent.length, 1, 'one request: the turn after the kept prefix');
    assert.equal(sent[0]!.turn, 1);
    assert.equal(sent[0]!.headers.authorization, `Bearer ${API_KEY}`, 'the key set through "Set API Key" is sent');
    // The new line is selected: the tree shows the task with both branches.
    await webview().locator(`${WEBVIEW.listRow}[data-line="${lines.length}"][aria-selected="true"]`).waitFor({ timeout: UI_TIMEOUT_MS });
    const deadline = Date.now() + UI_TIMEOUT_MS;
    while ((await nodes.count()) <= nodesBefore) {
      assert.ok(Date.now() < deadline, `the search tree still shows ${await nodes.count()} nodes (before: ${nodesBefore})`);
      await vscode().browser.page.waitForTimeout(150);
    }
    log(`tree nodes: ${nodesBefore} -> ${await nodes.count()}`);
    await screenshot('regenerated');
    await clearNotifications();
  });

  test('Run N Rollouts… with N=2 adds two rollouts of the selected task', async () => {
    const before = readLines();
    const task = original[4]!.task;
    await selectRow(5);
    const started = Date.now();
    await runRollouts(2);
    const lines = await waitForLines(before.length + 2);
    log(`2 rollouts in ${Date.now() - started} ms`);
    const added = lines.slice(before.length);
    assert.equal(added.length, 2);
    for (const rollout of added) {
      assert.equal(rollout.task.id, task.id);
      assert.equal(rollout.task.question, task.question);
      assert.equal(rollout.fork, undefined, 'rollouts start from scratch');
      assert.deepEqual(rollout.turns.map((t) => t.text), [CROP, ANSWER]);
      assert.equal(rollout.outcome?.status, 'answered');
    }
    assert.notEqual(added[0]!.id, added[1]!.id);
    await screenshot('rollouts');
    await clearNotifications();
  });

  test('cancelling a slow search from its progress notification keeps it as cancelled', async () => {
    const { workbench } = vscode();
    const before = readLines();
    await selectRow(3);
    await runRollouts(1);
    const progress = workbench.toast(/rollouts of/);
    await progress.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    // Wait until the model is streaming, so the cancel interrupts a running request.
    const streaming = Date.now() + UI_TIMEOUT_MS;
    while (!/thinking/.test(await progress.innerText().catch(() => ''))) {
      assert.ok(Date.now() < streaming, `the progress never showed the streaming turn: ${await progress.innerText().catch(() => '')}`);
      await vscode().browser.page.waitForTimeout(100);
    }
    await screenshot('slow-search');
    const cancel = progress.locator('.monaco-button', { hasText: 'Cancel' });
    let how = 'the notification\'s Cancel button';
    if (await cancel.isVisible()) await cancel.click();
    else {
      how = 'Mini-o3: Cancel Visual Search';
      await workbench.runCommand(how);
    }
    const cancelled = Date.now();
    const lines = await waitForLines(before.length + 1, 10_000);
    log(`cancelled with ${how}; appended ${Date.now() - cancelled} ms later`);
    const kept = lines.at(-1)!;
    assert.equal(kept.task.id, original[2]!.task.id);
    assert.equal(kept.outcome?.status, 'cancelled');
    assert.equal(how, 'the notification\'s Cancel button', 'the progress notification offers Cancel');
    await screenshot('cancelled');
  });
});
