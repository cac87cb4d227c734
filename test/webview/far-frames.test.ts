import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { slimTaskTreeOf } from '../../src/core/view/slim-task-tree';
import { buildTreeModel } from '../../webview/tree/tree-model';
import { FAR_SCALE } from '../../webview/tree/far-frames';
import { NO_CHROMIUM } from './browser-harness';
import { useEditorSession } from './editor-session';
import { clickRow, selectedLine, settledTransform, waitFor, wheelOverTree } from './page-helpers';

describe('search tree far out: off-path nodes as a few frame paths', { skip: NO_CHROMIUM }, () => {
  const session = useEditorSession({ theme: 'dark' });


  test('zooming far out swaps the node groups for frame paths; a click on a frame selects its node; zooming in restores the groups', async () => {
    const page = session.harness.page;
    // The task with the most trajectories, so that some nodes are off the selected path.
    const tasks = await Promise.all(session.ws.demoLines.map(async (line) => session.harness.host.taskTree((await session.harness.host.trajectory(line)).task.id)));
    const task = tasks.reduce((a, b) => (b.trajectories.length > a.trajectories.length ? b : a));
    assert.ok(task.trajectories.length > 1, 'the fixture has a task with several trajectories');
    const line = task.trajectories[0]!.line;
    await clickRow(page, line);
    const model = buildTreeModel(slimTaskTreeOf(task));
    await waitFor(() => page.locator('.tree-node').count(), (n) => n === model.nodes.length, 'the whole tree');

    await wheelOverTree(page, 400, 12);
    const t = await settledTransform(page);
    assert.ok(t.k < FAR_SCALE, `zoomed out to ${t.k}`);
    assert.equal(await page.locator('.tree-nodes-dimmed').first().evaluate((el) => getComputedStyle(el).display), 'none');
    const offPath = model.nodes.filter((m) => m.node.kind !== 'root' && !m.node.lines.includes(line));
    assert.ok(offPath.length > 0);
    assert.ok((await page.locator('.far-frame').count()) > 0, 'frame paths drawn');
    assert.equal(await page.locator('.tree-nodes-path .tree-node').count(), model.nodes.length - offPath.length, 'the selected path keeps its groups');

    // Click the middle of an off-path node's frame, from its layout position and the zoom.
    const target = offPath[0]!;
    const box = (await page.locator('.tree-svg').boundingBox())!;
    await page.mouse.click(box.x + t.x + target.x * t.k, box.y + t.y + target.y * t.k);
    await waitFor(() => selectedLine(page), (l) => l === target.node.lines[0], `line ${target.node.lines[0]} selected from its far frame`);

    await wheelOverTree(page, -400, 12);
    const near = await settledTransform(page);
    assert.ok(near.k > FAR_SCALE);
    assert.notEqual(await page.locator('.tree-nodes-dimmed').first().evaluate((el) => getComputedStyle(el).display), 'none');
  });
});
