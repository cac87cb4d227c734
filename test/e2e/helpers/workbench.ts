import type { FrameLocator, Locator, Page } from 'playwright-core';

/** Selectors of the VS Code 1.100 workbench, verified in /work/shared/research/vscode-testing.md (section 6). */
const SELECTORS = {
  workbench: '.monaco-workbench',
  explorerRow: '.explorer-folders-view .monaco-list-row',
  quickInput: '.quick-input-widget',
  quickInputBox: '.quick-input-widget input[type="text"]',
  quickInputRow: '.quick-input-list .monaco-list-row',
  toast: '.notifications-toasts .notification-toast',
  tab: '.tabs-container .tab',
  innerWebviewFrame: 'iframe#active-frame',
} as const;

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Drives the VS Code workbench in a page: palette, explorer, notifications, webviews. */
export class Workbench {
  constructor(readonly page: Page) {}

  async waitUntilReady(timeoutMs = 60_000): Promise<void> {
    await this.page.locator(SELECTORS.workbench).waitFor({ timeout: timeoutMs });
  }

  explorerRow(name: string): Locator {
    return this.page.locator(SELECTORS.explorerRow, { hasText: name }).first();
  }

  /**
   * Opens the command palette, types the title and waits for its row. The remote extension host
   * registers contributed commands seconds after the workbench shows, so this retries (closing
   * and reopening the palette) until `timeoutMs`. Leaves the palette open with the row visible.
   */
  private async findCommandRow(title: string, timeoutMs: number): Promise<Locator> {
    const deadline = Date.now() + timeoutMs;
    const row = this.page.locator(SELECTORS.quickInputRow, { hasText: title }).first();
    let lastError: unknown = null;
    while (Date.now() < deadline) {
      try {
        await this.page.keyboard.press('Escape');
        await this.page.keyboard.press('F1');
        const input = this.page.locator(SELECTORS.quickInputBox);
        await input.waitFor({ state: 'visible', timeout: 5_000 });
        await input.fill(`>${title}`);
        await row.waitFor({ state: 'visible', timeout: 3_000 });
        return row;
      } catch (error) {
        lastError = error;
        await sleep(500);
      }
    }
    await this.page.keyboard.press('Escape');
    throw new Error(`command "${title}" did not show in the palette within ${timeoutMs} ms: ${String(lastError)}`);
  }

  /** Waits until a contributed command is in the palette, i.e. the extension's contributions are registered. */
  async waitForCommand(title: string, timeoutMs = 60_000): Promise<void> {
    await this.findCommandRow(title, timeoutMs);
    await this.page.keyboard.press('Escape');
    await this.page.locator(SELECTORS.quickInput).waitFor({ state: 'hidden', timeout: 5_000 });
  }

  /** Runs a command from the palette (F1, type the title, Enter). */
  async runCommand(title: string, timeoutMs = 60_000): Promise<void> {
    await this.findCommandRow(title, timeoutMs);
    await this.page.keyboard.press('Enter');
  }

  /** A notification toast containing the text. */
  toast(text: string | RegExp): Locator {
    return this.page.locator(SELECTORS.toast, { hasText: text }).first();
  }

  /** The label of every open editor tab, e.g. "demos.traj.jsonl, preview". */
  async tabLabels(): Promise<string[]> {
    return this.page.locator(SELECTORS.tab).evaluateAll((tabs) => tabs.map((tab) => tab.getAttribute('aria-label') ?? ''));
  }

  /**
   * The outer webview iframe of an extension (served by code-server; its src names the extension)
   * and the extension's own document inside it.
   */
  webviewHost(extensionId: string): Locator {
    return this.page.locator(`iframe.webview.ready[src*="extensionId=${extensionId}"]`).first();
  }

  webview(extensionId: string): FrameLocator {
    return this.page.frameLocator(`iframe.webview.ready[src*="extensionId=${extensionId}"]`).first().frameLocator(SELECTORS.innerWebviewFrame);
  }
}
