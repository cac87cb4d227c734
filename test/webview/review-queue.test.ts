import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ImageRequest } from '../../src/protocol';
import { NO_CHROMIUM } from './browser-harness';
import { useEditorSession } from './editor-session';
import { selectedLine, waitFor } from './page-helpers';
import { defaultLabelSet } from './stand-in/edit-requests';

describe('review queue: one key per decision', { skip: NO_CHROMIUM }, () => {
  const session = useEditorSession({ theme: 'light' });


  function requestedImage(line: number, since = 0): boolean {
    return session.harness.host.requests.slice(since).some((r) => r.name === 'getImage' && (r.params as ImageRequest).line === line);
  }

  test('a/r/f review and advance, 1-9 toggle labels, ←/→ move, counts follow, the next item is fetched before it is shown', async () => {
    const page = session.harness.page;
    const { lines } = session.harness.host.queries.query({ filter: { reviewStatuses: ['unreviewed'] }, sort: { key: 'line', descending: false }, offset: 0, limit: 1000 }).rows.reduce(
      (acc, r) => (r.broken ? acc : { lines: [...acc.lines, r.line] }),
      { lines: [] as number[] },
    );
    assert.ok(lines.length >= 4, 'enough unreviewed lines');
    const total = lines.length;
    const labels = defaultLabelSet();

    await page.getByRole('button', { name: /^Review queue/ }).click();
    const bar = page.locator('.review-queue-bar');
    await waitFor(() => bar.locator('.queue-count').textContent(), (t) => t === `0 of ${total} reviewed`, 'the queue header');
    await waitFor(() => selectedLine(page), (l) => l === lines[0], 'the first item is shown');
    assert.equal(await bar.locator('.queue-position').textContent(), `item 1 of ${total}`);

    // The second item's trajectory and pictures are requested while the first is shown.
    await waitFor(async () => requestedImage(lines[1]!), (x) => x, 'the next item is preloaded');
    assert.ok(session.harness.host.requests.some((r) => r.name === 'getTrajectory' && (r.params as { line: number }).line === lines[1]));
    assert.equal(await selectedLine(page), lines[0], 'preloading did not show it');

    // Keys 1-9 act on the label set from the host: wait until its chips are shown for this item.
    await page.locator(`.label-chip[data-label="${labels[0]}"]`).waitFor({ state: 'visible' });
    await page.keyboard.press('1');
    await waitFor(async () => (await session.harness.host.trajectory(lines[0]!)).review?.labels ?? [], (l) => l.includes(labels[0]!), 'label 1 set');
    await waitFor(() => page.locator(`.label-chip[data-label="${labels[0]}"]`).getAttribute('aria-pressed'), (p) => p === 'true', 'the chip shows it');
    await page.keyboard.press('3');
    await waitFor(async () => (await session.harness.host.trajectory(lines[0]!)).review?.labels ?? [], (l) => l.includes(labels[2]!), 'label 3 set');
    await page.keyboard.press('1');
    await waitFor(async () => (await session.harness.host.trajectory(lines[0]!)).review?.labels ?? [], (l) => !l.includes(labels[0]!) && l.includes(labels[2]!), 'label 1 toggled off');

    await page.keyboard.press('a');
    await waitFor(() => selectedLine(page), (l) => l === lines[1], 'a advances');
    assert.equal((await session.harness.host.trajectory(lines[0]!)).review?.status, 'accepted');
    await waitFor(() => bar.locator('.queue-count').textContent(), (t) => t === `1 of ${total} reviewed`, 'count after a');
    await waitFor(async () => requestedImage(lines[2]!), (x) => x, 'item 3 preloaded while item 2 is shown');

    await page.keyboard.press('r');
    await waitFor(() => selectedLine(page), (l) => l === lines[2], 'r advances');
    assert.equal((await session.harness.host.trajectory(lines[1]!)).review?.status, 'rejected');
    await page.keyboard.press('f');
    await waitFor(() => selectedLine(page), (l) => l === lines[3], 'f advances');
    assert.equal((await session.harness.host.trajectory(lines[2]!)).review?.status, 'needs_fix');
    await waitFor(() => bar.locator('.queue-count').textContent(), (t) => t === `3 of ${total} reviewed`, 'count after a, r, f');
    assert.equal(await bar.locator('.queue-position').textContent(), `item 4 of ${total}`);

    await page.keyboard.press('ArrowLeft');
    await waitFor(() => selectedLine(page), (l) => l === lines[2], '← goes back');
    await page.keyboard.press('a');
    await waitFor(() => selectedLine(page), (l) => l === lines[3], 'a advances again');
    assert.equal((await session.harness.host.trajectory(lines[2]!)).review?.status, 'accepted');
    assert.equal(await bar.locator('.queue-count').textContent(), `3 of ${total} reviewed`, 're-reviewing does not count twice');
    await page.keyboard.press('ArrowRight');
    await waitFor(() => selectedLine(page), (l) => l === lines[Math.min(4, total - 1)], '→ moves on');

    // The list row shows the new review status.
    await waitFor(() => page.locator(`.list-row[data-line="${lines[1]}"] .col-review`).getAttribute('title'), (t) => t === 'rejected', 'the list follows');
    await session.harness.screenshot('review-queue');

    await page.keyboard.press('Escape');
    await bar.waitFor({ state: 'hidden' });
    const sent = session.harness.host.requests.filter((r) => r.name === 'applyEdit').length;
    await page.keyboard.press('a');
    await page.waitForTimeout(100);
    assert.equal(session.harness.host.requests.filter((r) => r.name === 'applyEdit').length, sent, 'a does nothing outside the queue');
  });

  test('notes are saved as typed text, and e opens the text editor from the queue', async () => {
    const page = session.harness.page;
    // The queue's first item: the first unreviewed line (the list may still show an earlier selection).
    const first = session.harness.host.queries
      .query({ filter: { reviewStatuses: ['unreviewed'] }, sort: { key: 'line', descending: false }, offset: 0, limit: 1 })
      .rows.find((r) => !r.broken);
    assert.ok(first, 'an unreviewed line is left for the queue');
    await page.getByRole('button', { name: /^Review queue/ }).click();
    const line = await waitFor(() => selectedLine(page), (l) => l === first.line, 'the queue item is selected');
    // The review bar is rebuilt when the item's trajectory arrives; type only once it shows this item.
    const id = (await session.harness.host.trajectory(line!)).id;
    await waitFor(() => page.locator('.detail-id').textContent(), (text) => text === id, 'the queue item in the detail');
    const notes = page.locator('.review-notes');
    await notes.fill('looks fine; box a bit wide');
    await page.keyboard.press('Control+Enter');
    await waitFor(async () => (await session.harness.host.trajectory(line!)).review?.notes, (n) => n === 'looks fine; box a bit wide', 'notes saved');
    await notes.blur();
    await page.keyboard.press('e');
    await page.locator('.edit-textarea').waitFor();
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
  });
});
