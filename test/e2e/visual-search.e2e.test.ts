/**
 * End to end: "Mini-o3: Run Visual Search on Image…" in a real VS Code (code-server + headless
 * chromium) against the loopback OpenAI-compatible test server, which streams a scripted crop
 * and then an answer slowly enough that the turns arrive over seconds. Checks the new row
 * appears in the trajectory editor while the search runs and its turn count grows live, then
 * that the file holds the finished trajectory. Screenshots go to test-artifacts/e2e/.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateSampleWorkspace } from '../../src/core/synth';
import { OpenAiTestServer } from '../support/openai-server';
import { CHROMIUM_PATH, chromiumAvailable } from './helpers/chromium';
import { ensureFreshVsix } from './helpers/vsix';
import { startVsCodeSession, type VsCodeSession } from './helpers/vscode-session';
import { WEBVIEW } from './helpers/webview-selectors';

const root = path.resolve(__dirname, '../..');
const artifacts = path.join(root, 'test-artifacts', 'e2e');
const EXTENSION_ID = 'mini-o3-studio.mini-o3-studio';
const COMMAND_TITLE = 'Mini-o3: Run Visual Search on Image…';
const QUESTION = 'What is written on the small yellow sign?';
const UI_TIMEOUT_MS = 30_000;
const CROP = '<think>The sign is too small to read; zoom into the lower right.</think>\n' +
  '<grounding>{"bbox_2d": [0.5, 0.5, 1.0, 1.0], "source": "original_image"}</grounding>';
const ANSWER = '<think>Now the sign reads K7Q2.</think>\n<answer>K7Q2</answer>';

const skip = chromiumAvailable() ? false : `${CHROMIUM_PATH} is not installed (apt-get install chromium): the VS Code end-to-end test needs it`;

describe('visual search in VS Code (code-server + chromium + loopback model server)', { skip, timeout: 240_000 }, () => {
  let workspace = '';
  let server: OpenAiTestServer | null = null;
  let session: VsCodeSession | null = null;
  const log = (message: string) => console.log(`# e2e ${message}`);
  const screenshot = async (name: string) => {
    if (!session) return;
    fs.mkdirSync(artifacts, { recursive: true });
    await session.browser.page.screenshot({ path: path.join(artifacts, `search-${name}.png`) }).catch(() => undefined);
  };

  before(async () => {
    const vsix = await ensureFreshVsix(root);
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'mini-o3-e2e-search-'));
    await generateSampleWorkspace(workspace, { tasks: 1, seed: 3, small: true });
    server = await OpenAiTestServer.start({ lifetimeMs: 200_000 });
    // ~2 s for the crop turn, ~1.5 s for the answer: the editor must show them one after the other.
    server.conversation(QUESTION, [{ text: CROP, chunkChars: 4, chunkDelayMs: 60 }, { text: ANSWER, chunkChars: 3, chunkDelayMs: 90 }]);
    session = await startVsCodeSession({
      workspace, extension: { vsix: vsix.path }, log,
      settings: { 'miniO3.serverUrl': `${server.url}/v1`, 'miniO3.modelName': 'mini-o3-test', 'miniO3.temperature': 0.7 },
    });
  });

  after(async () => {
    await screenshot('final');
    await session?.close();
    await server?.close();
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
  });

  test('the search streams its turns into the trajectory editor and is appended to the file', async () => {
    assert.ok(session && server);
    const { workbench, browser } = session;
    const page = browser.page;
    const image = path.join(workspace, 'images', fs.readdirSync(path.join(workspace, 'images')).sort()[0]!);
    await workbench.runCommand(COMMAND_TITLE, 90_000);

    // No image argument: VS Code's simple file dialog (a quick input prefilled with a folder path).
    const input = page.locator('.quick-input-widget input[type="text"]');
    const title = page.locator('.quick-input-widget .quick-input-title');
    const deadline = Date.now() + UI_TIMEOUT_MS;
    while (!(await input.isVisible()) || !(await input.inputValue()).startsWith('/')) {
      assert.ok(Date.now() < deadline, 'the image file dialog did not open');
      await page.waitForTimeout(100);
    }
    // The dialog loads its folder asynchronously and may reset the path or swallow an early Enter:
    // refill and press Enter until it gives way to the question box.
    const questionTitle = title.filter({ hasText: 'Visual search on' });
    while (!(await questionTitle.isVisible())) {
      assert.ok(Date.now() < deadline, 'the file dialog did not accept the image path');
      if ((await input.inputValue().catch(() => '')) !== image) await input.fill(image).catch(() => undefined);
      else await page.keyboard.press('Enter');
      await page.waitForTimeout(300);
    }
    await input.fill(QUESTION);
    await page.keyboard.press('Enter');
    await title.filter({ hasText: 'Expected answer' }).waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    await input.fill('K7Q2');
    await page.keyboard.press('Enter');
    await title.filter({ hasText: 'Where the model runs' }).waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    await screenshot('backend-pick');
    await page.keyboard.press('Enter');
    const started = Date.now();

    // The row of the running search (line 1 of the new file) and its turn count, polled as it grows.
    const view = workbench.webview(EXTENSION_ID);
    const turnsCell = view.locator(`${WEBVIEW.listRow}[data-line="1"] .col-turns`);
    await turnsCell.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    const seen: { turns: string; ms: number }[] = [];
    const toast = workbench.toast(/Mini-o3: searching/);
    let progressSeen = '';
    const outFile = path.join(workspace, 'mini-o3-runs', 'searches.traj.jsonl');
    while (Date.now() - started < UI_TIMEOUT_MS) {
      const turns = (await turnsCell.textContent().catch(() => null))?.trim() ?? '';
      if (turns && seen.at(-1)?.turns !== turns) {
        seen.push({ turns, ms: Date.now() - started });
        if (turns === '1') await screenshot('live-turn-1');
      }
      if (!progressSeen && (await toast.isVisible().catch(() => false))) progressSeen = (await toast.innerText().catch(() => '')) ?? '';
      if (turns === '2' && fs.existsSync(outFile) && fs.readFileSync(outFile, 'utf8').trim() !== '') break;
      await page.waitForTimeout(80);
    }
    log(`turn counts seen: ${JSON.stringify(seen)}; progress: ${JSON.stringify(progressSeen)}`);
    assert.deepEqual(seen.map((s) => s.turns), ['1', '2'], 'the row should show 1 turn while the answer streams, then 2');
    assert.match(progressSeen, /turn \d ·|starting|waiting/, 'the progress notification shows the turn');

    const lines = fs.readFileSync(outFile, 'utf8').split('\n').filter((l) => l.trim() !== '');
    assert.equal(lines.length, 1, 'one trajectory appended');
    const trajectory = JSON.parse(lines[0]!) as {
      task: { question: string; images: string[]; answer?: string }; turns: { text: string }[];
      outcome: { status: string; answer: string; correct?: boolean }; model: { name: string; sampling?: { temperature?: number } };
    };
    assert.equal(trajectory.task.question, `<image>\n${QUESTION}`);
    assert.deepEqual(trajectory.turns.map((t) => t.text), [CROP, ANSWER]);
    assert.deepEqual(trajectory.outcome, { answer: 'K7Q2', status: 'answered', correct: true });
    assert.equal(trajectory.model.name, 'mini-o3-test');
    assert.equal(trajectory.model.sampling?.temperature, 0.7, 'miniO3.temperature reaches the trajectory');
    // The image lay outside mini-o3-runs and no image root covers it: copied next to the file.
    assert.equal(trajectory.task.images[0], `images/${path.basename(image)}`);
    assert.ok(fs.existsSync(path.join(workspace, 'mini-o3-runs', trajectory.task.images[0]!)));
    // The server got the settings' sampling, and two requests (crop turn, answer turn).
    const requests = server.requests.filter((r) => r.path.includes('chat/completions'));
    assert.equal(requests.length, 2);
    assert.equal(requests[0]!.body?.temperature, 0.7);
    assert.equal(requests[0]!.headers.authorization, undefined, 'no API key was set, none is sent');
    await view.locator(`${WEBVIEW.listRow}[data-line="1"][aria-selected="true"]`).waitFor({ timeout: 10_000 }).catch(() => undefined);
    await screenshot('finished');
  });
});
