import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { NO_CHROMIUM } from './browser-harness';
import { useEditorSession } from './editor-session';
import { clickRow, selectedTurn, waitFor } from './page-helpers';

/** Markup that runs script if any of it reaches the DOM as HTML; each sets window.__pwned. */
const PAYLOADS = [
  `<img src=x onerror="window.__pwned='img'">`,
  `"><svg onload="window.__pwned='svg'">`,
  `<iframe srcdoc="<script>parent.__pwned='iframe'</script>"></iframe>`,
  `'><details open ontoggle="window.__pwned='details'">`,
];

describe('hostile text typed into the editing fields stays text', { skip: NO_CHROMIUM }, () => {
    // Labels come from settings: hostile ones too. No CSP, so nothing but the app's own care stops a payload.
  const session = useEditorSession({ theme: 'high-contrast', csp: false }, (h) => {
    h.host.labelSet = PAYLOADS;
  });


  test('notes, edited turn text, answers and labels render as the characters typed', async () => {
    const page = session.harness.page;
    const line = session.ws.demoLines[0]!;
    await clickRow(page, line);
    await waitFor(() => selectedTurn(page), (t) => t === 0, 'turn 0');
    const payload = PAYLOADS.join('\n');

    await page.keyboard.press('e');
    await page.locator('.edit-textarea').fill(`<think>${payload}</think>\n<answer>${PAYLOADS[0]}</answer>`);
    await page.keyboard.press('Control+Enter');
    await page.locator('.edit-textarea').waitFor({ state: 'detached' });

    const notes = page.locator('.review-notes');
    await notes.fill(payload);
    await page.keyboard.press('Control+Enter');
    await waitFor(async () => (await session.harness.host.trajectory(line)).review?.notes, (n) => n === payload, 'notes saved');

    for (const label of PAYLOADS.slice(0, 2)) await page.locator('.label-chip').filter({ hasText: label }).first().click();
    await waitFor(async () => (await session.harness.host.trajectory(line)).review?.labels?.length ?? 0, (n) => n === 2, 'labels set');

    await page.locator('.turn-tools [data-action="diff"]').click();
    await page.locator('.turn-diff').waitFor();
    await page.waitForTimeout(200);

    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned ?? null), null, 'no payload ran');
    assert.equal(await page.locator('.detail-pane img[src="x"], .detail-pane iframe, .detail-pane details[open][ontoggle], .detail-pane svg[onload]').count(), 0, 'no payload became an element');
    assert.equal(await page.locator('.block-think .block-text').first().textContent(), payload);
    assert.equal(await page.locator('.detail-answers dd').nth(1).textContent(), PAYLOADS[0]);
    assert.equal(await notes.inputValue(), payload);
    const chips = await page.locator('.label-chip span').allTextContents();
    for (const label of PAYLOADS) assert.ok(chips.includes(label), `label shown as text: ${label}`);
    const editedFromDiff = await page.locator('.turn-diff .diff-text').evaluate((pre) =>
      Array.from(pre.childNodes).filter((n) => !(n instanceof HTMLElement && n.tagName === 'DEL')).map((n) => n.textContent).join(''),
    );
    assert.equal(editedFromDiff, (await session.harness.host.trajectory(line)).turns[0]!.text, 'the diff shows the payload as text');
  });
});
