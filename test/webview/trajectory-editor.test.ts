import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSearchTree } from '../../src/core/tree/search-tree';
import { formatCount, formatPercent } from '../../webview/format';
import { DETAIL_SCALE } from '../../webview/tree/zoom-math';
import { NO_CHROMIUM } from './browser-harness';
import { useEditorSession } from './editor-session';
import { clickRow, selectedLine, selectedTurn, settledTransform, treeTransform, waitFor, wheelOverTree } from './page-helpers';

describe('trajectory editor webview', { skip: NO_CHROMIUM }, () => {
  const session = useEditorSession({ theme: 'dark' });


  async function taskOf(line: number) {
    const t = await session.harness.host.trajectory(line);
    return session.harness.host.taskTree(t.task.id);
  }

  async function waitForTree(line: number): Promise<number> {
    const task = await taskOf(line);
    const expected = buildSearchTree(task.trajectories).length;
    await waitFor(() => session.harness.page.locator('.tree-node').count(), (n) => n === expected, `${expected} tree nodes for line ${line}`);
    return expected;
  }

  test('list, tree and detail render the protocol answers under the strict CSP', async () => {
    const page = session.harness.page;
    assert.equal(await page.locator('.list-row:not(.placeholder)').count(), session.harness.host.rowCount);
    const { counts } = session.harness.host.query({ filter: {}, sort: { key: 'line', descending: false }, offset: 0, limit: 1 });
    assert.equal(await page.locator('.list-counts').textContent(), `${formatCount(counts.matching)} of ${formatCount(counts.total)} · ${formatPercent(counts.correct, counts.withAnswerKey)} correct`);

    const broken = page.locator(`.list-row[data-line="${session.ws.brokenLine}"] .col-broken`);
    assert.match((await broken.textContent()) ?? '', new RegExp(`^line ${session.ws.brokenLine}: invalid JSON`));
    assert.equal(await broken.evaluate((el) => getComputedStyle(el).color), 'rgb(248, 81, 73)', 'broken rows use --vscode-errorForeground');

    const line = session.ws.demoLines[1]!;
    await clickRow(page, line);
    await waitForTree(line);
    const t = await session.harness.host.trajectory(line);
    assert.equal(await page.locator('.detail-id').textContent(), t.id);
    assert.equal(await page.locator('.turn-chip').count(), t.turns.length);
    assert.equal(await selectedTurn(page), 0, 'a newly selected trajectory shows its first turn');
    // Turn 0 crops the original: its box is drawn in original_image pixels and named so.
    const view = (await session.harness.host.taskTree(t.task.id)).trajectories.find((x) => x.line === line)!;
    const box = view.turns[0]!.pixelBox!;
    const caption = await page.locator('.figure-original .image-caption').textContent();
    assert.ok(caption?.includes(`original_image px [${box.join(', ')}]`), caption ?? '');
    await page.locator('.figure-original img[src]').waitFor();
    const rect = page.locator('.figure-original .box-current');
    assert.deepEqual(await Promise.all(['x', 'y', 'width', 'height'].map((a) => rect.getAttribute(a))), [box[0], box[1], box[2] - box[0], box[3] - box[1]].map(String));
    const obs = view.observations.find((o) => o.index === view.turns[0]!.observationIndex)!;
    assert.equal(await page.locator('.crop-sizes').textContent(), `observation_1: ${obs.size.width}×${obs.size.height} → model ${obs.modelSize.width}×${obs.modelSize.height}, ${obs.modelTokens} tokens`);
    // Thumbnails arrive for every image node in view (the fitted tree shows them all).
    const imageNodes = await page.locator('.tree-node.kind-root, .tree-node.kind-observation').count();
    await waitFor(() => page.locator('.tree-node image.node-thumb[href]').count(), (n) => n === imageNodes, 'all thumbnails');
    await session.harness.screenshot('editor-dark');
    assert.deepEqual(session.harness.cspViolations, []);
    assert.deepEqual(session.harness.consoleErrors, []);
  });

  test('a row of another task shows that tree; its path is highlighted and other rollouts dimmed', async () => {
    const page = session.harness.page;
    const line = session.ws.demoLines[4]!;
    await clickRow(page, line);
    await waitForTree(line);
    const task = await taskOf(line);
    assert.ok(task.trajectories.length >= 2, 'the task has several rollouts');
    const nodes = buildSearchTree(task.trajectories);
    const onPath = nodes.filter((n) => n.lines.includes(line)).map((n) => n.id).sort();
    await waitFor(async () => (await page.locator('.tree-node.on-path').evaluateAll((els) => els.map((e) => e.getAttribute('data-node-id')))).sort(), (ids) => JSON.stringify(ids) === JSON.stringify(onPath), 'the path nodes');
    assert.equal(await page.locator('.tree-node.dimmed').count(), nodes.length - onPath.length);
    assert.equal(await page.locator('.tree-node.current-turn').getAttribute('data-turn'), '0');
    assert.deepEqual(session.harness.host.selections.at(-1), { line, turn: 0 });

    // Clicking a node of another rollout selects that rollout at that node's turn.
    const other = nodes.find((n) => n.kind !== 'root' && !n.lines.includes(line))!;
    await page.locator(`.tree-node[data-node-id="${other.id}"] .node-frame`).click();
    await waitFor(() => selectedLine(page), (l) => l === other.lines[0], 'the other rollout selected in the list');
    assert.equal(await selectedTurn(page), other.turn);
    assert.equal(await page.locator('.tree-node.current-turn').getAttribute('data-node-id'), other.id);
    assert.equal(await page.locator(`.tree-node[data-node-id="${other.id}"]`).evaluate((el) => el.classList.contains('on-path')), true);
  });

  test('wheel, buttons and fit change the zoom; semantic zoom switches the detail level', async () => {
    const page = session.harness.page;
    const fitted = await treeTransform(page);
    await wheelOverTree(page, 400, 6);
    const out = await treeTransform(page);
    assert.ok(out.k < fitted.k && out.k <= DETAIL_SCALE, `zoomed out: ${fitted.k} -> ${out.k}`);
    assert.equal(await page.locator('.tree-svg').getAttribute('data-zoom-level'), 'overview');
    assert.equal(await page.locator('.node-caption').first().isVisible(), false, 'captions are hidden in the overview');
    assert.equal(await page.locator('.child-boxes').first().isVisible(), false, 'crop boxes on parents are hidden in the overview');
    await session.harness.screenshot('tree-overview-dark');

    await wheelOverTree(page, -400, 12);
    const closer = await treeTransform(page);
    assert.ok(closer.k > DETAIL_SCALE, `zoomed in: ${closer.k}`);
    assert.equal(await page.locator('.tree-svg').getAttribute('data-zoom-level'), 'detail');
    assert.equal(await page.locator('.tree-node[data-node-id="root"] .node-turn').isVisible(), true);
    assert.ok((await page.locator('.child-box').count()) > 0, 'children’s crop boxes are drawn on their parents');

    await page.locator('.zoom-in').click();
    const zoomedIn = await treeTransform(page);
    assert.ok(Math.abs(zoomedIn.k - Math.min(8, closer.k * 1.25)) < 1e-6, `+ scales by 1.25: ${closer.k} -> ${zoomedIn.k}`);
    await page.locator('.zoom-fit').click();
    const refitted = await treeTransform(page);
    assert.ok(Math.abs(refitted.k - fitted.k) < 1e-6 && Math.abs(refitted.x - fitted.x) < 1e-3, 'fit returns to the fitted view');

    await page.locator('.tree-svg').dblclick({ position: { x: 100, y: 100 } });
    await waitFor(() => treeTransform(page), (t) => Math.abs(t.k - fitted.k * 2) < 1e-6, 'double-click zooms in twice (animated)');
    const before = await treeTransform(page);
    const box = (await page.locator('.tree-svg').boundingBox())!;
    await page.mouse.move(box.x + 200, box.y + 200);
    await page.mouse.down();
    await page.mouse.move(box.x + 260, box.y + 230, { steps: 4 });
    await page.mouse.up();
    const dragged = await treeTransform(page);
    assert.ok(Math.abs(dragged.x - before.x - 60) < 1 && Math.abs(dragged.y - before.y - 30) < 1, 'dragging pans');
  });

  test('thumbnails are requested only for nodes in view', async () => {
    const page = session.harness.page;
    const line = session.ws.demoLines[2]!;
    const task = await taskOf(line);
    await clickRow(page, line);
    await waitForTree(line);
    // Zoom in on the root with the wheel (d3 keeps the point under the pointer fixed), then hide and show the webview.
    const root = (await page.locator('.tree-node[data-node-id="root"] .node-frame').boundingBox())!;
    await page.mouse.move(root.x + root.width / 2, root.y + root.height / 2);
    for (let i = 0; i < 3; i++) await page.mouse.wheel(0, -500);
    const zoom = await settledTransform(page);
    assert.ok(zoom.k > 5, `a close-up of the root (k=${zoom.k})`);
    await waitFor(() => page.evaluate(() => JSON.parse(sessionStorage.getItem('vscode-state') ?? '{}').zoomByTask), (saved) => saved?.[task.taskId]?.k === zoom.k && saved[task.taskId].x === zoom.x && saved[task.taskId].y === zoom.y, 'the zoom saved in the webview state');
    const seen = session.harness.host.requests.length;
    await session.harness.reload();
    // Close up, only the nodes near the view get groups: wait for the root's picture, not the whole tree.
    await page.locator('.tree-node[data-node-id="root"] image[href]').waitFor({ state: 'attached' });
    const restored = await treeTransform(page);
    assert.deepEqual(restored, zoom, 'the saved zoom is restored');
    await page.waitForTimeout(300);
    const thumbnails = session.harness.host.requests.slice(seen).filter((r) => r.name === 'getImage' && (r.params as { kind: string }).kind === 'thumbnail');
    const observations = new Set(thumbnails.map((r) => (r.params as { observation: number }).observation));
    assert.deepEqual([...observations], [0], 'only the root is in view');
    assert.ok(thumbnails.some((r) => (r.params as { maxSide: number }).maxSide > 240), 'close up, a sharper thumbnail is asked for');
    const tree = buildSearchTree(task.trajectories);
    assert.ok(tree.some((n) => n.kind === 'observation'), 'other image nodes exist but were not fetched');
    assert.ok((await page.locator('.tree-node').count()) < tree.length, 'close up, nodes far from the view have no groups');
  });

  test('image slots the host cannot fill show its error text', async () => {
    const page = session.harness.page;
    await clickRow(page, session.ws.missingImageLine);
    await waitForTree(session.ws.missingImageLine);
    const error = page.locator('.figure-original .image-error');
    await error.waitFor();
    assert.match((await error.textContent()) ?? '', /not-there\.jpg/);
    assert.equal(await page.locator('.figure-original .image-frame').isHidden(), true);
    await page.locator('.tree-node.kind-root.image-failed').waitFor();
    assert.equal(await page.locator('.tree-node.kind-root .node-image-error').textContent(), 'image unavailable');
    assert.ok((await page.locator('.trajectory-findings .finding').allTextContents()).some((f) => f.includes('not-there.jpg')), 'the missing file is a finding');
  });
});
