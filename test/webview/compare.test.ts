import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compareTrajectories } from '../../src/core/agreement/compare';
import { NO_CHROMIUM } from './browser-harness';
import { useEditorSession } from './editor-session';
import { waitFor } from './page-helpers';

describe('comparison of two trajectories of one task', { skip: NO_CHROMIUM }, () => {
  const session = useEditorSession({ theme: 'dark' });


  /** Two lines of one task, both of which crop (so at least one turn has an IoU). */
  async function pairOfOneTask(): Promise<[number, number]> {
    const byTask = new Map<string, number[]>();
    for (const line of session.ws.demoLines) {
      const t = await session.harness.host.trajectory(line);
      byTask.set(t.task.id, [...(byTask.get(t.task.id) ?? []), line]);
    }
    const pair = [...byTask.values()].find((lines) => lines.length >= 2);
    if (!pair) throw new Error('the sample workspace has no task with two demonstrations');
    return [pair[0]!, pair[1]!];
  }

  test('Ctrl+click two rows, Compare: rows aligned by turn with the IoU and the text diff from the core', async () => {
    const page = session.harness.page;
    const [a, b] = await pairOfOneTask();
    await page.locator(`.list-row[data-line="${a}"]`).click({ modifiers: ['Control'] });
    const compare = page.locator('.compare-button');
    assert.equal(await compare.isHidden(), true, 'one marked row is not a comparison');
    await page.locator(`.list-row[data-line="${b}"]`).click({ modifiers: ['Control'] });
    await compare.waitFor();
    assert.ok(await page.locator(`.list-row[data-line="${a}"]`).evaluate((el) => el.classList.contains('marked')));
    await compare.click();

    const ta = await session.harness.host.trajectory(a);
    const tb = await session.harness.host.trajectory(b);
    const view = await session.harness.host.taskTree(ta.task.id);
    const size = view.trajectories[0]!.observations.find((o) => o.index === 0)!.size;
    const expected = compareTrajectories(ta, tb, size);
    const rows = page.locator('.compare-row:not(.compare-header)');
    await waitFor(() => rows.count(), (n) => n === expected.length, 'one row per turn');
    assert.equal(expected.length, Math.max(ta.turns.length, tb.turns.length));
    for (const [i, row] of expected.entries()) {
      const el = rows.nth(i);
      assert.equal(await el.getAttribute('data-turn'), String(row.turn));
      assert.equal(await el.locator('.compare-iou').textContent(), row.iou === null ? '—' : row.iou.toFixed(2));
      const cells = el.locator('.compare-cell .compare-text');
      if (ta.turns[i]) assert.equal(await cells.first().textContent(), ta.turns[i]!.text);
      assert.match((await el.locator('.compare-diff summary').textContent()) ?? '', new RegExp(`distance ${row.textDistance}\\)`));
    }
    assert.ok(expected.some((r) => r.iou !== null), 'at least one turn has an IoU to show');
    assert.match((await page.locator('.compare-head.side-a .compare-id').textContent()) ?? '', new RegExp(ta.id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    await session.harness.screenshot('comparison');

    await page.getByRole('button', { name: 'Close the comparison' }).click();
    await page.locator('.comparison').waitFor({ state: 'hidden' });
    assert.equal(await page.locator('.tree-svg').isVisible(), true, 'the tree is back');
  });

  test('the host can open a comparison (openComparison event)', async () => {
    const page = session.harness.page;
    const [a, b] = await pairOfOneTask();
    session.harness.host.rpc.emit('openComparison', { a: b, b: a });
    await page.locator('.comparison').waitFor();
    await waitFor(() => page.locator('.compare-head.side-a .compare-id').textContent(), (t) => t?.includes(`line ${b}`) === true, 'A is the first line asked for');
  });
});
