import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { formatGrounding } from '../../src/core/protocol';
import type { EditOp } from '../../src/protocol';
import { NO_CHROMIUM, type WebviewHarness } from './browser-harness';
import { useEditorSession } from './editor-session';
import { clickRow, selectedTurn, waitFor } from './page-helpers';

/** The first demonstration whose turn 0 crops the original and whose turn 1 crops that crop. */
async function chainedCropLine(harness: WebviewHarness, lines: number[]): Promise<number> {
  for (const line of lines) {
    const t = await harness.host.trajectory(line);
    if (t.turns[0]?.text.includes('"source": "original_image"') && t.turns[1]?.text.includes('"source": "observation_1"')) return line;
  }
  throw new Error('the sample workspace has no demonstration that crops a crop');
}

function opsSent(harness: WebviewHarness, since = 0): EditOp[] {
  return harness.host.requests.slice(since).filter((r) => r.name === 'applyEdit').map((r) => (r.params as { op: EditOp }).op);
}

async function selectTurn(page: Page, turn: number): Promise<void> {
  await page.locator(`.turn-chip[data-turn="${turn}"]`).click();
  await waitFor(() => selectedTurn(page), (t) => t === turn, `turn ${turn} selected`);
}

describe('editing in the detail panel', { skip: NO_CHROMIUM }, () => {
  const session = useEditorSession({ theme: 'dark' });
  /** The line the drag test truncated to one turn. */
  let truncatedLine: number | null = null;


  test('e opens the turn text, Escape cancels without an edit, Ctrl+Enter applies and the view comes back', async () => {
    const page = session.harness.page;
    const line = session.ws.demoLines[0]!;
    await clickRow(page, line);
    await waitFor(() => selectedTurn(page), (t) => t === 0, 'turn 0');
    const sentBefore = session.harness.host.requests.length;

    await page.keyboard.press('e');
    const area = page.locator('.edit-textarea');
    await area.waitFor();
    assert.equal(await area.inputValue(), (await session.harness.host.trajectory(line)).turns[0]!.text, 'the editor starts from the turn text');
    await area.fill('scratch that');
    await page.keyboard.press('Escape');
    await area.waitFor({ state: 'detached' });
    assert.deepEqual(opsSent(session.harness, sentBefore), [], 'Escape sends nothing');

    await page.keyboard.press('e');
    const original = (await session.harness.host.trajectory(line)).turns[0]!.text;
    const edited = original.replace('<think>', '<think>Edited by a person. ');
    await area.fill(edited);
    await page.keyboard.press('j'); // typed into the field, not a shortcut
    assert.equal(await area.inputValue(), `${edited}j`);
    await area.fill(edited);
    await page.keyboard.press('Control+Enter');
    await area.waitFor({ state: 'detached' });
    assert.deepEqual(opsSent(session.harness, sentBefore), [{ kind: 'setTurnText', turn: 0, text: edited }]);
    assert.equal((await session.harness.host.trajectory(line)).turns[0]!.text, edited, 'the real edit model changed the trajectory');
    await waitFor(() => page.locator('.block-think .block-text').first().textContent(), (t) => t?.startsWith('Edited by a person.') === true, 'the think block shows the edit');
    assert.match((await page.locator('.turn-chip[data-turn="0"]').textContent()) ?? '', /✎/, 'the turn is marked edited');

    await page.locator('.turn-tools [data-action="diff"]').click();
    const diff = page.locator('.turn-diff');
    await diff.waitFor();
    assert.match((await diff.locator('ins.diff-added').allTextContents()).join(''), /Edited by a person\./);
    assert.match((await diff.locator('.diff-facts').textContent()) ?? '', /Test Annotator/);
  });

  test('dragging the box previews the crop, the drop rewrites the grounding, later turns go stale and can be truncated', async () => {
    const page = session.harness.page;
    const line = await chainedCropLine(session.harness, session.ws.demoLines);
    await clickRow(page, line);
    await waitFor(() => selectedTurn(page), (t) => t === 0, 'turn 0');
    const turnsBefore = (await session.harness.host.trajectory(line)).turns.length;
    const groundingBefore = await page.locator('.block-grounding .block-code').textContent();
    const box = page.locator('.figure-original .edit-box');
    await box.waitFor();
    const r = (await box.boundingBox())!;
    const since = session.harness.host.requests.length;

    await page.mouse.move(r.x + r.width / 2, r.y + r.height / 2);
    await page.mouse.down();
    for (let i = 1; i <= 6; i++) {
      await page.mouse.move(r.x + r.width / 2 - 4 * i, r.y + r.height / 2 - 3 * i);
      await page.waitForTimeout(40);
    }
    await waitFor(async () => session.harness.host.requests.slice(since).some((q) => q.name === 'previewCrop'), (x) => x, 'a previewCrop during the drag');
    assert.equal(opsSent(session.harness, since).length, 0, 'nothing is applied before the drop');
    await page.locator('.figure-preview img[src]').waitFor();
    assert.match((await page.locator('.box-edit-label').textContent()) ?? '', /original_image \d+×\d+ · px \[/, 'the label shows the box in source pixels');
    await page.mouse.up();

    const [op] = await waitFor(async () => opsSent(session.harness, since), (ops) => ops.length === 1, 'setBox on drop');
    assert.ok(op && op.kind === 'setBox' && op.turn === 0 && op.source === 'original_image');
    // The panel shows the call's JSON, the part between the tags that the core's replaceGrounding wrote.
    const expected = formatGrounding(op.bbox, 'original_image').replace(/^<grounding>|<\/grounding>$/g, '');
    await waitFor(() => page.locator('.block-grounding .block-code').textContent(), (t) => t === expected, 'the grounding text shows the new box');
    assert.notEqual(expected, groundingBefore);
    assert.ok((await session.harness.host.trajectory(line)).turns[0]!.text.includes(expected));

    // Turn 1 crops observation_1, which moved: it is stale.
    await waitFor(() => page.locator('.turn-chip[data-turn="1"]').getAttribute('class'), (c) => c?.includes('stale') === true, 'turn 1 marked stale');
    await selectTurn(page, 1);
    await page.locator('.stale-badge').waitFor();
    await page.locator('[data-action="regenerate"]').click();
    await waitFor(async () => session.harness.host.regenerated.length, (n) => n === 1, 'regenerateFromTurn sent');
    assert.deepEqual(session.harness.host.regenerated[0], { line, turn: 1 });

    await page.getByRole('button', { name: 'Truncate after turn 0' }).click();
    await page.getByRole('button', { name: `Drop turns 1–${turnsBefore - 1}` }).click();
    await waitFor(async () => (await session.harness.host.trajectory(line)).turns.length, (n) => n === 1, 'truncated after turn 0');
    await waitFor(() => page.locator('.turn-chip').count(), (n) => n === 1, 'the strip shows one turn');
    truncatedLine = line;
    await session.harness.screenshot('editing-after-truncate');
  });

  test('keyboard box nudging: b focuses the box, arrows move 1%, shift+arrows resize, Enter applies', async () => {
    const page = session.harness.page;
    const candidates: number[] = [];
    for (const l of session.ws.demoLines) if (l !== truncatedLine && (await session.harness.host.trajectory(l)).turns[0]!.text.includes('"source": "original_image"')) candidates.push(l);
    const line = candidates.at(-1);
    assert.ok(line !== undefined, 'a demonstration that starts with a crop');
    await clickRow(page, line);
    await waitFor(() => selectedTurn(page), (t) => t === 0, 'turn 0');
    const since = session.harness.host.requests.length;
    await page.keyboard.press('b');
    await waitFor(() => page.evaluate(() => document.activeElement?.classList.contains('box-edit-layer') ?? false), (x) => x, 'the box has focus');
    const before = await page.locator('.box-edit-label').textContent();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Shift+ArrowDown');
    assert.notEqual(await page.locator('.box-edit-label').textContent(), before);
    assert.match((await page.locator('.box-edit-label').textContent()) ?? '', /not applied/);
    assert.equal(await selectedTurn(page), 0, 'arrows did not reach the list or the turn shortcuts');
    await page.keyboard.press('Enter');
    const ops = await waitFor(async () => opsSent(session.harness, since), (o) => o.length === 1, 'setBox from the keyboard');
    assert.equal(ops[0]!.kind, 'setBox');
  });

  async function lineWhere(accept: (lastTurnText: string) => boolean): Promise<number> {
    for (const line of [...session.ws.demoLines, session.ws.liveLine]) {
      if (line === truncatedLine) continue;
      if (accept((await session.harness.host.trajectory(line)).turns.at(-1)!.text)) return line;
    }
    throw new Error('no such line in the workspace');
  }

  async function openAnswerEditor(line: number): Promise<ReturnType<Page['locator']>> {
    const page = session.harness.page;
    await clickRow(page, line);
    const id = (await session.harness.host.trajectory(line)).id;
    await waitFor(() => page.locator('.detail-id').textContent(), (shown) => shown === id, 'the detail follows');
    await page.getByRole('button', { name: 'Edit answer' }).click();
    const area = page.locator('.edit-textarea');
    await area.waitFor();
    return area;
  }

  test('an edit the core refuses keeps the typed text and shows the reason', async () => {
    const page = session.harness.page;
    const line = await lineWhere((text) => text.includes('<grounding>') && !text.includes('<answer>'));
    const before = await session.harness.host.trajectory(line);
    const area = await openAnswerEditor(line);
    await area.fill('typed with care');
    await page.keyboard.press('Control+Enter');
    await waitFor(() => page.locator('.text-editor .edit-status').textContent(), (t) => t === 'Not applied: your text is kept here.', 'the refusal');
    assert.equal(await area.inputValue(), 'typed with care');
    assert.match((await page.locator('.detail-edit-slot .edit-error').textContent()) ?? '', /tool call: insert an answer turn/);
    assert.deepEqual(await session.harness.host.trajectory(line), before, 'nothing changed');
    await page.keyboard.press('Escape');
    await area.waitFor({ state: 'detached' });
  });

  test('the answer editor sets the final answer; the core refuses to delete the only turn', async () => {
    const page = session.harness.page;
    const line = await lineWhere((text) => text.includes('<answer>'));
    const area = await openAnswerEditor(line);
    await area.fill('forty-two');
    await page.keyboard.press('Control+Enter');
    await area.waitFor({ state: 'detached' });
    assert.match((await session.harness.host.trajectory(line)).turns.at(-1)!.text, /<answer>forty-two<\/answer>/);
    await waitFor(() => page.locator('.detail-answers dd').nth(1).textContent(), (a) => a === 'forty-two', 'the model answer shows the edit');

    assert.ok(truncatedLine !== null, 'the drag test ran first');
    const target = truncatedLine;
    await clickRow(page, target);
    assert.equal((await session.harness.host.trajectory(target)).turns.length, 1);
    await page.getByRole('button', { name: 'Delete turn', exact: true }).click();
    await page.getByRole('button', { name: 'Delete turn 0' }).click();
    const alert = page.locator('.detail-edit-slot .edit-error');
    await waitFor(() => alert.textContent(), (t) => /cannot delete the only turn/.test(t ?? ''), 'the refusal is shown');
    assert.equal((await session.harness.host.trajectory(target)).turns.length, 1);
    assert.ok(session.harness.host.errors.some((e) => /cannot delete the only turn/.test(e)), 'the host is told too');
  });
});
