import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { buildSearchTree } from '../../src/core/tree/search-tree';
import type { Trajectory } from '../../src/core/trajectory/schema';
import { NO_CHROMIUM, WebviewHarness } from './browser-harness';
import { makeEditorWorkspace, type EditorWorkspace } from './fixtures';
import { selectedLine, selectedTurn, settledTransform, treeTransform, waitFor, wheelOverTree } from './page-helpers';

/**
 * The event sequence of a visual search as the real host sends it: live snapshots on a row after
 * the file's last line (trajectoryChanged + rowsChanged, `select` on the first), then the result
 * appended to the file and the document reloaded (rowsChanged: every line may hold new content),
 * the live row put again after the new last line, and `select` of the appended line.
 */
describe('live search rows across a reload', { skip: NO_CHROMIUM }, () => {
  let ws: EditorWorkspace;
  let harness: WebviewHarness;
  let finished: Trajectory;

  before(async () => {
    ws = await makeEditorWorkspace();
    harness = await WebviewHarness.start(ws.file);
    await harness.open({ theme: 'dark' });
    const snapshot = await harness.host.trajectory(ws.liveLine);
    const demo = await harness.host.trajectory(ws.demoLines.find((l) => l !== ws.liveLine)!);
    // The liveLine's trajectory is the first turn of a demonstration of the same task: finish it with that demo's turns.
    const source = (await Promise.all(ws.demoLines.map((l) => harness.host.trajectory(l)))).find((t) => t.task.id === snapshot.task.id && t.turns.length >= 2) ?? demo;
    finished = { ...source, id: 'search-finished' };
  });

  after(async () => {
    await harness?.close();
    if (ws) rmSync(ws.dir, { recursive: true, force: true });
  });

  async function detailShows(id: string, turns: number): Promise<void> {
    const page = harness.page;
    await waitFor(async () => [await page.locator('.detail-id').textContent(), await page.locator('.turn-chip').count()], ([shownId, n]) => shownId === id && n === turns, `the detail of ${id} with ${turns} turns`);
  }

  async function treeMatchesHost(line: number): Promise<void> {
    const t = await harness.host.trajectory(line);
    const expected = buildSearchTree((await harness.host.taskTree(t.task.id)).trajectories).length;
    await waitFor(() => harness.page.locator('.tree-node').count(), (n) => n === expected, `${expected} tree nodes for the task of line ${line}`);
  }

  test('a reload that puts other content on the selected line shows that content; the moved live row is selected by the host', async () => {
    const page = harness.page;
    const snapshot: Trajectory = { ...finished, id: 'search-moving', turns: finished.turns.slice(0, 1) };
    delete snapshot.outcome;
    const live = (await harness.host.putLiveTrajectory(snapshot)).line;
    harness.host.select(live);
    await detailShows('search-moving', 1);

    // Another search's result is appended first: the live row's line now holds that result.
    const other: Trajectory = { ...finished, id: 'other-search' };
    assert.equal(await harness.host.appendToFileAndReload(other), live);
    await detailShows('other-search', other.turns.length);
    assert.equal(await selectedLine(page), live);
    const moved = (await harness.host.putLiveTrajectory(snapshot)).line;
    await waitFor(() => page.locator(`.list-row[data-line="${moved}"]`).count(), (n) => n === 1, 'the moved live row in the list');
    assert.equal(moved, live + 1, 'the live row moved after the new last line');

    const result: Trajectory = { ...finished, id: 'search-moving' };
    const appended = await harness.host.appendToFileAndReload(result);
    assert.equal(appended, moved);
    harness.host.select(appended);
    await waitFor(() => selectedLine(page), (l) => l === appended, 'the appended line selected');
    await detailShows('search-moving', result.turns.length);
    await treeMatchesHost(appended);
    assert.deepEqual(harness.host.errors, []);
  });

  test('the selected row follows the finished search through the reload; zoom and turn are kept', async () => {
    const page = harness.page;
    const first: Trajectory = { ...finished, turns: finished.turns.slice(0, 1) };
    delete first.outcome;
    const live = (await harness.host.putLiveTrajectory(first)).line;
    harness.host.select(live);
    await detailShows(finished.id, 1);
    await treeMatchesHost(live);
    await wheelOverTree(page, 120, 1);
    const zoom = await settledTransform(page);

    const appended = await harness.host.appendToFileAndReload(finished);
    assert.equal(appended, live, 'the result lands on the line the live row had');
    harness.host.select(appended);
    await detailShows(finished.id, finished.turns.length);
    await treeMatchesHost(appended);
    await waitFor(() => page.locator(`.list-row[data-line="${appended}"] .col-turns`).textContent(), (t) => t === String(finished.turns.length), 'the row counts every turn');
    assert.equal(await selectedTurn(page), 0, 'the selected turn is kept');
    assert.deepEqual(await treeTransform(page), zoom, 'the zoom is kept');

    // The live row is put again after the new last line (the runner's LiveRow does so on reload).
    await harness.host.putLiveTrajectory(finished);
    await treeMatchesHost(appended);
    await detailShows(finished.id, finished.turns.length);
    assert.deepEqual(harness.host.errors, []);
  });
});
