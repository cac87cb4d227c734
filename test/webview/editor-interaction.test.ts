import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatGrounding } from '../../src/core/protocol';
import { buildSearchTree } from '../../src/core/tree/search-tree';
import { NO_CHROMIUM } from './browser-harness';
import { useEditorSession } from './editor-session';
import { clickRow, selectedLine, selectedTurn, treeTransform, waitFor, wheelOverTree } from './page-helpers';

describe('trajectory editor: keyboard, state, charts, live updates, themes', { skip: NO_CHROMIUM }, () => {
  const session = useEditorSession({ theme: 'dark' });


  async function treeSize(line: number): Promise<number> {
    const t = await session.harness.host.trajectory(line);
    return buildSearchTree((await session.harness.host.taskTree(t.task.id)).trajectories).length;
  }

  test('j/k and arrows move between trajectories, [ and ] between turns, Enter/Escape focus, ? toggles help', async () => {
    const page = session.harness.page;
    const [first, second] = session.ws.demoLines as [number, number];
    await clickRow(page, first);
    await waitFor(() => selectedTurn(page), (t) => t === 0, 'turn 0 of the first row');
    await page.keyboard.press('j');
    await waitFor(() => selectedLine(page), (l) => l === second, 'j selects the next row');
    const secondId = (await session.harness.host.trajectory(second)).id;
    await waitFor(() => page.locator('.detail-id').textContent(), (id) => id === secondId, 'the detail follows');
    await page.keyboard.press('k');
    await waitFor(() => selectedLine(page), (l) => l === first, 'k selects the previous row');
    await page.keyboard.press('ArrowDown');
    await waitFor(() => selectedLine(page), (l) => l === second, '↓ selects the next row');
    await page.keyboard.press('ArrowUp');
    await waitFor(() => selectedLine(page), (l) => l === first, '↑ selects the previous row');
    // Turn keys act on the trajectory the detail shows: wait until the first row's has loaded.
    const firstId = (await session.harness.host.trajectory(first)).id;
    await waitFor(() => page.locator('.detail-id').textContent(), (id) => id === firstId, 'the detail is back on the first row');

    await page.keyboard.press(']');
    await waitFor(() => selectedTurn(page), (t) => t === 1, '] selects the next turn');
    assert.equal(await page.locator('.tree-node.current-turn').getAttribute('data-turn'), '1');
    await page.keyboard.press('[');
    assert.equal(await selectedTurn(page), 0);
    await page.keyboard.press('[');
    assert.equal(await selectedTurn(page), 0, '[ stops at the first turn');

    const before = await treeTransform(page);
    await page.keyboard.press('Enter');
    const focused = await treeTransform(page);
    const node = page.locator('.tree-node.current-turn');
    assert.ok(await node.evaluate((el) => el.classList.contains('focused')));
    const nodeBox = (await node.boundingBox())!;
    const svgBox = (await page.locator('.tree-svg').boundingBox())!;
    assert.ok(Math.abs(nodeBox.x + nodeBox.width / 2 - (svgBox.x + svgBox.width / 2)) < 2, 'Enter centres the selected node');
    assert.ok(focused.k >= 1.6 - 1e-9);
    await page.keyboard.press('Escape');
    assert.deepEqual(await treeTransform(page), before, 'Escape goes back to the view before Enter');

    assert.equal(await page.locator('.shortcuts-overlay').isVisible(), false);
    await page.keyboard.press('?');
    assert.equal(await page.locator('.shortcuts-overlay').isVisible(), true);
    assert.ok((await page.locator('.shortcut-list kbd').allTextContents()).includes('['));
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('.shortcuts-overlay').isVisible(), false, 'Escape closes the help');
    await page.keyboard.press('?');
    await page.keyboard.press('?');
    assert.equal(await page.locator('.shortcuts-overlay').isVisible(), false, '? toggles the help');

    // Keys typed into the search box stay there.
    const input = page.locator('.filter-search input');
    await input.click();
    await page.keyboard.type('jk[]?');
    assert.equal(await input.inputValue(), 'jk[]?');
    assert.equal(await selectedLine(page), first);
    assert.equal(await selectedTurn(page), 0);
    assert.equal(await page.locator('.shortcuts-overlay').isVisible(), false);
    await input.fill('');
    await page.locator('.list-counts').click();
  });

  test('the host can select a line and turn; the line opens as text on request', async () => {
    const page = session.harness.page;
    const line = session.ws.demoLines[2]!;
    session.harness.host.rpc.emit('select', { line, turn: 1 });
    await waitFor(() => selectedLine(page), (l) => l === line, 'the line the host selected');
    await waitFor(() => selectedTurn(page), (t) => t === 1, 'the turn the host selected');
    assert.deepEqual(session.harness.host.selections.at(-1), { line, turn: 1 });
    await page.locator('.detail-title .link-button').click();
    await waitFor(async () => session.harness.host.revealed.at(-1), (l) => l === line, 'revealLine');
  });

  test('filter, sort, selection, turn, zoom and scroll survive a reload (VS Code state)', async () => {
    const page = session.harness.page;
    await page.locator('.filter-status').click();
    await page.locator('.filter-status li[role="option"]', { hasText: 'void' }).click();
    const voids = session.harness.host.query({ filter: { statuses: ['void'] }, sort: { key: 'line', descending: false }, offset: 0, limit: 100 });
    await waitFor(() => page.locator('.list-row:not(.placeholder)').count(), (n) => n === voids.counts.matching, 'only void rows');
    await page.locator('.list-header [data-sort="turns"]').click();
    await page.locator('.list-header [data-sort="turns"]').click();
    const sorted = session.harness.host.query({ filter: { statuses: ['void'] }, sort: { key: 'turns', descending: true }, offset: 0, limit: 100 });
    await waitFor(async () => (await page.locator('.list-row').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-line'))))).join(), (order) => order === sorted.rows.map((r) => r.line).join(), 'rows sorted by turns, descending');
    const line = sorted.rows[1]!.line;
    const nodes = await treeSize(line);
    await clickRow(page, line);
    await waitFor(() => page.locator('.tree-node').count(), (n) => n === nodes, 'the tree');
    await page.keyboard.press(']');
    await wheelOverTree(page, -200, 2);
    const zoom = await treeTransform(page);
    const turn = await selectedTurn(page);

    await session.harness.reload();
    await waitFor(() => selectedLine(page), (l) => l === line, 'the selected line after the reload');
    await waitFor(() => selectedTurn(page), (t) => t === turn, 'the selected turn after the reload');
    assert.equal(await page.locator('.list-row:not(.placeholder)').count(), voids.counts.matching, 'the filter is back');
    assert.equal(await page.locator('.filter-status').evaluate((el) => (el as HTMLElement & { value: string }).value), 'void');
    assert.equal(await page.locator('.list-header [data-sort="turns"]').getAttribute('aria-sort'), 'descending');
    await waitFor(() => page.locator('.tree-node').count(), (n) => n === nodes, 'the tree after the reload');
    const restored = await treeTransform(page);
    assert.ok(Math.abs(restored.k - zoom.k) < 1e-9 && Math.abs(restored.x - zoom.x) < 1e-6 && Math.abs(restored.y - zoom.y) < 1e-6, `zoom ${JSON.stringify(zoom)} -> ${JSON.stringify(restored)}`);

    await page.locator('button[aria-label="Clear filters"]').click();
    await waitFor(() => page.locator('.list-row:not(.placeholder)').count(), (n) => n === session.harness.host.rowCount, 'all rows again');
  });

  test('the list scroll position survives a reload', async () => {
    const page = session.harness.page;
    await page.setViewportSize({ width: 1600, height: 300 });
    await page.locator('.list-viewport').evaluate((el) => { el.scrollTop = 96; });
    await waitFor(() => page.evaluate(() => JSON.parse(sessionStorage.getItem('vscode-state') ?? '{}').scrollTop), (top) => top === 96, 'the saved scroll position');
    await session.harness.reload();
    await waitFor(() => page.locator('.list-viewport').evaluate((el) => el.scrollTop), (top) => top === 96, 'the restored scroll position');
    await page.setViewportSize({ width: 1600, height: 900 });
  });

  test('charts show getCharts for the current filter', async () => {
    const page = session.harness.page;
    await page.locator('.tab[data-view="charts"]').click();
    await page.locator('.chart').first().waitFor();
    const charts = session.harness.host.charts({});
    const titles = await page.locator('.chart-title').allTextContents();
    assert.deepEqual(titles.slice(0, 3), ['Turns per trajectory', 'Accuracy by number of turns', 'Status']);
    assert.equal(titles.length, charts.accuracyByMaxTurns.length > 0 ? 4 : 3);
    const turnBars = await page.locator('.chart').nth(0).locator('.bar').evaluateAll((els) => els.map((e) => [e.getAttribute('data-label'), Number(e.getAttribute('data-value'))]));
    assert.deepEqual(turnBars, charts.turnsHistogram.map((b) => [String(b.turns), b.count]));
    const accuracy = await page.locator('.chart').nth(1).locator('.bar').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))));
    assert.deepEqual(accuracy, charts.accuracyByTurns.map((a) => (100 * a.correct) / a.total));
    assert.ok((await page.locator('.chart .axis-label').allTextContents()).includes('% correct'));
    await session.harness.screenshot('charts-dark');
    await page.keyboard.press('c');
    assert.equal(await page.locator('.tree-pane').isVisible(), true, 'c switches back to the tree');
  });

  test('a live append updates the list row, tree and detail in place and keeps the zoom', async () => {
    const page = session.harness.page;
    await clickRow(page, session.ws.liveLine);
    const before = await treeSize(session.ws.liveLine);
    await waitFor(() => page.locator('.tree-node').count(), (n) => n === before, 'the live task’s tree');
    await wheelOverTree(page, 150, 1);
    const zoom = await treeTransform(page);
    const turnsCell = page.locator(`.list-row[data-line="${session.ws.liveLine}"] .col-turns`);
    assert.equal(await turnsCell.textContent(), '1');

    await session.harness.host.appendTurn(session.ws.liveLine, `<think>The sign is inside this crop; zoom further.</think>\n${formatGrounding([0.25, 0.25, 0.75, 0.75], 'observation_1')}`);
    await waitFor(() => page.locator('.turn-chip').count(), (n) => n === 2, 'a second turn in the detail');
    await waitFor(() => page.locator('.tree-node').count(), (n) => n === before + 1, 'a new node in the tree');
    await waitFor(() => turnsCell.textContent(), (t) => t === '2', 'the row counts 2 turns');
    assert.deepEqual(await treeTransform(page), zoom, 'the zoom did not move');
    assert.equal(await selectedTurn(page), 0, 'the selected turn did not move');

    const t = await session.harness.host.trajectory(session.ws.liveLine);
    await session.harness.host.appendTurn(session.ws.liveLine, `<think>It reads clearly now.</think>\n<answer>${t.task.answer ?? 'X'}</answer>`);
    await waitFor(() => page.locator('.turn-chip').count(), (n) => n === 3, 'the answer turn');
    await waitFor(() => page.locator(`.list-row[data-line="${session.ws.liveLine}"] .col-correct`).textContent(), (m) => m === '✓', 'the row shows the answer is correct');
    assert.equal(await page.locator('.tree-node.kind-answer.on-path').count(), 1);
    await page.keyboard.press(']');
    await page.keyboard.press(']');
    assert.equal(await selectedTurn(page), 2);
    assert.equal(await page.locator('.reasoning .block-answer .block-text').textContent(), t.task.answer);
    assert.deepEqual(session.harness.host.errors, []);
  });

  test('light and high-contrast themes restyle everything through the theme variables', async () => {
    for (const theme of ['light', 'high-contrast'] as const) {
      const page = await session.harness.open({ theme });
      await clickRow(page, session.ws.demoLines[1]!);
      await page.locator('.tree-node image[href]').first().waitFor({ state: 'attached' });
      await page.locator('.figure-original img[src]').waitFor();
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert.equal(background, theme === 'light' ? 'rgb(255, 255, 255)' : 'rgb(0, 0, 0)');
      const frame = await page.locator('.tree-node.kind-observation .node-frame').first().evaluate((el) => getComputedStyle(el).stroke);
      assert.notEqual(frame, 'none');
      await session.harness.screenshot(`editor-${theme}`);
    }
    assert.deepEqual(session.harness.cspViolations, []);
    assert.deepEqual(session.harness.consoleErrors, []);
  });
});
