import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium; playwright-core brings no browser of its own. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  return fs.existsSync(CHROMIUM_PATH);
}

export interface HeadlessChromium {
  context: BrowserContext;
  page: Page;
  /** Closes the browser and deletes its profile folder. */
  close(): Promise<void>;
}

/**
 * Headless chromium with a fresh profile folder that also serves as its HOME and XDG dirs, so
 * nothing lands in the real home (crash reports, dconf). Flags as verified in
 * /work/shared/research/vscode-testing.md, section 6.
 */
export async function launchChromium(options: { viewport?: { width: number; height: number }; extraArgs?: string[] } = {}): Promise<HeadlessChromium> {
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mini-o3-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      viewport: options.viewport ?? { width: 1600, height: 1000 },
      env: { ...process.env, HOME: profileDir, XDG_CONFIG_HOME: path.join(profileDir, '.config'), XDG_CACHE_HOME: path.join(profileDir, '.cache') },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        ...(options.extraArgs ?? []),
      ],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    return {
      context,
      page,
      close: async () => {
        await context.close().catch(() => undefined);
        fs.rmSync(profileDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    fs.rmSync(profileDir, { recursive: true, force: true });
    throw error;
  }
}
