import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { READONLY_REASON } from '../../webview/edit/detail-editing';
import { NO_CHROMIUM } from './browser-harness';
import { useEditorSession } from './editor-session';
import { clickRow, waitFor } from './page-helpers';

describe('document state in the header, read-only files, the centre tabs', { skip: NO_CHROMIUM }, () => {
  const session = useEditorSession({ theme: 'dark' });


  test('dirtyChanged shows and hides “unsaved edits” in the header', async () => {
    const dirty = session.harness.page.locator('.app-toolbar .app-dirty');
    assert.equal(await dirty.isHidden(), true, 'a clean document says nothing');
    session.harness.host.setDirty(true);
    await dirty.waitFor({ state: 'visible' });
    assert.equal(await dirty.textContent(), '● unsaved edits');
    session.harness.host.setDirty(false);
    await dirty.waitFor({ state: 'hidden' });
  });

  test('the comparison un-selects the centre tab; closing it selects the tab again', async () => {
    const page = session.harness.page;
    const treeTab = page.locator('.tab[data-view="tree"]');
    assert.equal(await treeTab.getAttribute('aria-selected'), 'true');
    await page.locator(`.list-row[data-line="${session.ws.demoLines[0]}"]`).click({ modifiers: ['Control'] });
    await page.locator(`.list-row[data-line="${session.ws.demoLines[1]}"]`).click({ modifiers: ['Control'] });
    await page.locator('.compare-button').click();
    await page.locator('.comparison:not([hidden])').first().waitFor();
    assert.equal(await treeTab.getAttribute('aria-selected'), 'false');
    assert.equal(await page.locator('.tab.active').count(), 0, 'no tab looks selected');
    await page.locator('.tab[data-view="tree"]').click();
    assert.equal(await treeTab.getAttribute('aria-selected'), 'true');
    assert.equal(await page.locator('.tree-pane').isVisible(), true);
  });

  test('a read-only file disables every edit control, with the reason in its tooltip', async () => {
    session.harness.host.readonly = true;
    // A reload says `ready` again; the host answers with init (readonly).
    await session.harness.reload();
    const page = session.harness.page;
    try {
      const line = session.ws.demoLines[1]!;
      await clickRow(page, line);
      await page.locator('.turn-chip').first().waitFor();
      const controls = page.locator('.detail-pane .review-statuses button, .detail-pane .review-labels button, .detail-pane textarea.review-notes, .detail-pane .detail-edit-slot button:not([data-action="diff"]), .detail-pane .detail-edit-slot select');
      await waitFor(() => controls.count(), (n) => n > 3, 'the edit controls');
      const states = await controls.evaluateAll((els) => els.map((el) => ({ disabled: (el as HTMLButtonElement).disabled, title: el.getAttribute('title') })));
      for (const state of states) assert.deepEqual(state, { disabled: true, title: READONLY_REASON });
      assert.equal(await page.locator('.detail-pane .box-edit-layer').count(), 0, 'the box has no handles');
      await page.keyboard.press('e');
      assert.equal(await page.locator('.detail-pane .edit-textarea').count(), 0, '`e` opens no editor');
      // Moving to another turn renders the controls again: still disabled.
      await page.keyboard.press(']');
      const again = await controls.evaluateAll((els) => els.every((el) => (el as HTMLButtonElement).disabled));
      assert.equal(again, true);
    } finally {
      session.harness.host.readonly = false;
    }
  });
});
