import type { Page } from 'playwright-core';
import type { ZoomState } from '../../webview/persisted-state';

/** The d3 zoom transform of the tree, read from the viewport group's `transform` attribute. */
export async function treeTransform(page: Page): Promise<ZoomState> {
  const attr = (await page.locator('.tree-viewport').getAttribute('transform')) ?? '';
  const m = /translate\(([-\d.e]+),([-\d.e]+)\) scale\(([-\d.e]+)\)/.exec(attr);
  if (!m) throw new Error(`no zoom transform on the tree (transform="${attr}")`);
  return { x: Number(m[1]), y: Number(m[2]), k: Number(m[3]) };
}

export async function selectedLine(page: Page): Promise<number | null> {
  const value = await page.locator('.list-row.selected').first().getAttribute('data-line', { timeout: 2000 }).catch(() => null);
  return value === null ? null : Number(value);
}

export async function selectedTurn(page: Page): Promise<number | null> {
  const value = await page.locator('.turn-chip.selected').first().getAttribute('data-turn', { timeout: 2000 }).catch(() => null);
  return value === null ? null : Number(value);
}

/** Waits until `read` returns a value `accept` likes (polling; Playwright's own waits need a locator). */
export async function waitFor<T>(read: () => Promise<T>, accept: (value: T) => boolean, what: string, timeoutMs = 5000): Promise<T> {
  const started = Date.now();
  let last: T = await read();
  while (!accept(last)) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    last = await read();
  }
  return last;
}

/** Clicks the list row of a line (scrolling it into view first). */
export async function clickRow(page: Page, line: number): Promise<void> {
  await page.locator(`.list-row[data-line="${line}"]`).click();
}

/** Rolls the mouse wheel over the tree's centre. */
export async function wheelOverTree(page: Page, deltaY: number, times = 1): Promise<void> {
  const box = await page.locator('.tree-svg').boundingBox();
  if (!box) throw new Error('the tree is not visible');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  for (let i = 0; i < times; i++) {
    await page.mouse.wheel(0, deltaY);
    await page.waitForTimeout(30);
  }
}

/** The tree transform once it stops changing (wheel events and zoom transitions are asynchronous). */
export async function settledTransform(page: Page): Promise<ZoomState> {
  let previous = await treeTransform(page);
  for (;;) {
    await page.waitForTimeout(120);
    const current = await treeTransform(page);
    if (current.k === previous.k && current.x === previous.x && current.y === previous.y) return current;
    previous = current;
  }
}
