import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSearchTree } from '../../src/core/tree/search-tree';
import type { Trajectory } from '../../src/core/trajectory/schema';
import { NO_CHROMIUM } from './browser-harness';
import { useEditorSession } from './editor-session';
import { selectedLine, selectedTurn, settledTransform, treeTransform, waitFor, wheelOverTree } from './page-helpers';

/**
 * The event sequence of a visual search as the real host sends it: live snapshots on a row after
 * the file's last line (trajectoryChanged + rowsChanged, `select` on the first), then the result
 * appended to the file and the document reloaded (rowsChanged: every line may hold new content),
 * the live row put again after the new last line, and `select` of the appended line.
 */
describe('live search rows across a reload', { skip: NO_CHROMIUM }, () => {
  const session = useEditorSession({ theme: 'dark' });

  before(async () => {
    const snapshot = await session.harness.host.trajectory(session.ws.liveLine);
    const demo = await session.harness.host.trajectory(session.ws.demoLines.find((l) => l !== session.ws.liveLine)!);
    // The liveLine's trajectory is the first turn of a demonstration of the same task: finish it with that demo's turns.
    const source = (await Promise.all(session.ws.demoLines.map((l) => session.harness.host.trajectory(l)))).find((t) => t.task.id === snapshot.task.id && t.turns.length >= 2) ?? demo;
    finished = { ...source, id: 'search-finished' };
  });
  let finished: Trajectory;

  async function detailShows(id: string, turns: number): Promise<void> {
    const page = session.harness.page;
    await waitFor(async () => [await page.locator('.detail-id').textContent(), await page.locator('.turn-chip').count()], ([shownId, n]) => shownId === id && n === turns, `the detail of ${id} with ${turns} turns`);
  }

  async function treeMatchesHost(line: number): Promise<void> {
    const t = await session.harness.host.trajectory(line);
    const expected = buildSearchTree((await session.harness.host.taskTree(t.task.id)).trajectories).length;
    await waitFor(() => session.harness.page.locator('.tree-node').count(), (n) => n === expected, `${expected} tree nodes for the task of line ${line}`);
  }

  test('a reload that puts other content on the selected line shows that content; the moved live row is selected by the host', async () => {
    const page = session.harness.page;
    const snapshot: Trajectory = { ...finished, id: 'search-moving', turns: finished.turns.slice(0, 1) };
    delete snapshot.outcome;
    const live = (await session.harness.host.putLiveTrajectory(snapshot)).line;
    session.harness.host.select(live);
    await detailShows('search-moving', 1);

    // Another search's result is appended first: the live row's line now holds that result.
    const other: Trajectory = { ...finished, id: 'other-search' };
    assert.equal(await session.harness.host.appendToFileAndReload(other), live);
    await detailShows('other-search', other.turns.length);
    assert.equal(await selectedLine(page), live);
    const moved = (await session.harness.host.putLiveTrajectory(snapshot)).line;
    await waitFor(() => page.locator(`.list-row[data-line="${moved}"]`).count(), (n) => n === 1, 'the moved live row in the list');
    assert.equal(moved, live + 1, 'the live row moved after the new last line');

    const result: Trajectory = { ...finished, id: 'search-moving' };
    const appended = await session.harness.host.appendToFileAndReload(result);
    assert.equal(appended, moved);
    session.harness.host.select(appended);
    await waitFor(() => selectedLine(page), (l) => l === appended, 'the appended line selected');
    await detailShows('search-moving', result.turns.length);
    await treeMatchesHost(appended);
    assert.deepEqual(session.harness.host.errors, []);
  });

  test('the selected row follows the finished search through the reload; zoom and turn are kept', async () => {
    const page = session.harness.page;
    const first: Trajectory = { ...finished, turns: finished.turns.slice(0, 1) };
    delete first.outcome;
    const live = (await session.harness.host.putLiveTrajectory(first)).line;
    session.harness.host.select(live);
    await detailShows(finished.id, 1);
    await treeMatchesHost(live);
    await wheelOverTree(page, 120, 1);
    const zoom = await settledTransform(page);

    const appended = await session.harness.host.appendToFileAndReload(finished);
    assert.equal(appended, live, 'the result lands on the line the live row had');
    session.harness.host.select(appended);
    await detailShows(finished.id, finished.turns.length);
    await treeMatchesHost(appended);
    await waitFor(() => page.locator(`.list-row[data-line="${appended}"] .col-turns`).textContent(), (t) => t === String(finished.turns.length), 'the row counts every turn');
    assert.equal(await selectedTurn(page), 0, 'the selected turn is kept');
    assert.deepEqual(await treeTransform(page), zoom, 'the zoom is kept');

    // The live row is put again after the new last line (the runner's LiveRow does so on reload).
    await session.harness.host.putLiveTrajectory(finished);
    await treeMatchesHost(appended);
    await detailShows(finished.id, finished.turns.length);
    assert.deepEqual(session.harness.host.errors, []);
  });
});
