import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ensureCodeServer,
  installVsix,
  linkExtension,
  openFileUrl,
  folderUrl,
  prepareRunDir,
  startCodeServer,
  type CodeServerHandle,
} from '../../../scripts/code-server.mjs';
import { launchChromium, type HeadlessChromium } from './chromium';
import { Workbench } from './workbench';

export interface VsCodeSession {
  server: CodeServerHandle;
  browser: HeadlessChromium;
  workbench: Workbench;
  runDir: string;
  /** Seconds since the session started, for step timings in the log. */
  elapsed(): number;
  /** Closes the browser, ends code-server's whole process group and deletes the run folder. */
  close(): Promise<void>;
}

export interface VsCodeSessionOptions {
  /** The folder to open. */
  workspace: string;
  /** A file in it to open on start-up through the URL (otherwise only the folder opens). */
  openFile?: string;
  /** A .vsix to install, or the unpacked repository to symlink into the extensions dir. */
  extension: { vsix: string } | { link: string };
  settings?: Record<string, unknown>;
  log?: (message: string) => void;
}

/** code-server with the extension installed, and a headless chromium showing the workspace. */
export async function startVsCodeSession(options: VsCodeSessionOptions): Promise<VsCodeSession> {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const log = (message: string) => options.log?.(`[${elapsed().toFixed(1)} s] ${message}`);
  const bin = ensureCodeServer({ quiet: true });
  log('code-server installed');
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mini-o3-code-server-'));
  let server: CodeServerHandle | null = null;
  let browser: HeadlessChromium | null = null;
  const close = async () => {
    await browser?.close().catch(() => undefined);
    if (server) log(`code-server process group ${server.pid}: ${await server.stop()}`);
    fs.rmSync(runDir, { recursive: true, force: true });
  };
  try {
    const paths = prepareRunDir(runDir, { settings: options.settings });
    if ('vsix' in options.extension) installVsix({ bin, paths, vsixPath: options.extension.vsix });
    else linkExtension({ paths, extensionRoot: options.extension.link });
    log('extension installed');
    server = await startCodeServer({ bin, paths });
    log(`code-server answers on ${server.url}`);
    browser = await launchChromium();
    const url = options.openFile ? openFileUrl(server.url, options.workspace, options.openFile) : folderUrl(server.url, options.workspace);
    await browser.page.goto(url);
    const workbench = new Workbench(browser.page);
    await workbench.waitUntilReady();
    log('workbench ready');
    return { server, browser, workbench, runDir, elapsed, close };
  } catch (error) {
    const logTail = server && fs.existsSync(server.logFile) ? fs.readFileSync(server.logFile, 'utf8').slice(-3000) : '';
    await close();
    throw logTail ? new Error(`${String(error)}\ncode-server log:\n${logTail}`) : error;
  }
}
