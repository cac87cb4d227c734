import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Envelope } from '../../src/protocol';
import { DIST, REPO_ROOT, ensureWebviewBundle } from './build-once';
import { HostStandIn } from './host-stand-in';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'webview');
/** Why browser tests are skipped where chromium is not installed (CI installs it). */
export const NO_CHROMIUM = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium)`;

/**
 * The fake `acquireVsCodeApi`, as page source (tsx would add helpers to a serialized function).
 * getState/setState use sessionStorage, which survives a reload as VS Code's webview state does.
 */
const FAKE_VSCODE_API = `
document.addEventListener('securitypolicyviolation', (e) => window.__miniO3CspViolation(e.violatedDirective + ': ' + e.blockedURI + ' ' + e.sample));
window.acquireVsCodeApi = () => ({
  postMessage: (message) => window.__miniO3ToHost(JSON.stringify(message)),
  getState: () => JSON.parse(sessionStorage.getItem('vscode-state') ?? 'null'),
  setState: (state) => {
    const json = JSON.stringify(state);
    sessionStorage.setItem('vscode-state', json);
    window.__miniO3SavedState(json);
  },
});
`;

export type Theme = 'dark' | 'light' | 'high-contrast';

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json', '.ttf': 'font/ttf',
  '.jpg': 'image/jpeg', '.png': 'image/png', '.html': 'text/html',
};
const BODY_CLASS: Record<Theme, string> = { dark: 'vscode-dark', light: 'vscode-light', 'high-contrast': 'vscode-high-contrast' };

export interface OpenOptions {
  theme?: Theme;
  /** Serve the page with the webview's strict CSP (default). The XSS test turns it off so that nothing but the app's own care stops a payload. */
  csp?: boolean;
}

/**
 * A test page that loads dist/webview.js the way VS Code does (strict CSP with a nonce'd
 * script), a fake `acquireVsCodeApi` whose messages go to a Node-side host stand-in, and a
 * state store (sessionStorage) that survives reloads like VS Code's getState/setState.
 */
export class WebviewHarness {
  readonly cspViolations: string[] = [];
  readonly consoleErrors: string[] = [];
  readonly dialogs: string[] = [];
  /** Every state the webview saved, newest last. */
  readonly savedStates: unknown[] = [];
  page!: Page;
  private context!: BrowserContext;
  private options: Required<OpenOptions> = { theme: 'dark', csp: true };

  private constructor(
    readonly host: HostStandIn,
    private readonly browser: Browser,
    private readonly server: Server,
    private readonly tempDir: string,
  ) {}

  static async start(trajectoryFile: string): Promise<WebviewHarness> {
    await ensureWebviewBundle();
    const tempDir = mkdtempSync(join(tmpdir(), 'mini-o3-webview-'));
    const imageDir = join(tempDir, 'images');
    mkdirSync(imageDir);
    let origin = '';
    const host = await HostStandIn.open(trajectoryFile, { dir: imageDir, url: (name) => `${origin}/images/${name}` });
    const holder: { harness?: WebviewHarness } = {};
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const send = (status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
        res.end(body);
      };
      if (url.pathname === '/favicon.ico') {
        send(204, 'image/x-icon', '');
        return;
      }
      if (url.pathname === '/') {
        const page = holder.harness!.pageHtml(origin);
        send(200, 'text/html; charset=utf-8', page.html, page.headers);
        return;
      }
      const roots: Record<string, string> = {
        '/dist/': DIST,
        '/codicons/': join(REPO_ROOT, 'node_modules', '@vscode', 'codicons', 'dist'),
        '/themes/': join(__dirname, 'themes'),
        '/images/': imageDir,
      };
      for (const [prefix, dir] of Object.entries(roots)) {
        if (!url.pathname.startsWith(prefix)) continue;
        const file = normalize(join(dir, decodeURIComponent(url.pathname.slice(prefix.length))));
        if (file.startsWith(dir) && existsSync(file)) {
          send(200, CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', readFileSync(file));
          return;
        }
      }
      send(404, 'text/plain', 'not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const profile = join(tempDir, 'profile');
    mkdirSync(profile);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      env: { ...process.env, HOME: profile, XDG_CONFIG_HOME: join(profile, '.config'), XDG_CACHE_HOME: join(profile, '.cache') },
    });
    const harness = new WebviewHarness(host, browser, server, tempDir);
    holder.harness = harness;
    return harness;
  }

  /** Opens (or re-opens in a fresh context) the webview page; waits until the list shows rows. */
  async open(options: OpenOptions = {}, viewport = { width: 1600, height: 900 }): Promise<Page> {
    this.options = { theme: options.theme ?? 'dark', csp: options.csp ?? true };
    if (this.context) await this.context.close();
    this.context = await this.browser.newContext({ viewport });
    const page = await this.context.newPage();
    this.page = page;
    page.on('console', (message) => {
      if (message.type() === 'error') this.consoleErrors.push(message.text());
      if (/Content.Security.Policy/i.test(message.text())) this.cspViolations.push(message.text());
    });
    page.on('pageerror', (error) => this.consoleErrors.push(`pageerror: ${error.message}`));
    page.on('dialog', (dialog) => {
      this.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss();
    });
    await page.exposeFunction('__miniO3ToHost', (json: string) => this.host.receive(JSON.parse(json)));
    await page.exposeFunction('__miniO3SavedState', (json: string) => this.savedStates.push(JSON.parse(json)));
    await page.exposeFunction('__miniO3CspViolation', (text: string) => this.cspViolations.push(text));
    await page.addInitScript({ content: FAKE_VSCODE_API });
    this.host.connect((envelope: Envelope) => {
      void page.evaluate((m) => window.dispatchEvent(new MessageEvent('message', { data: m })), envelope).catch(() => undefined);
    });
    await page.goto(this.origin());
    await page.locator('.list-row:not(.placeholder)').first().waitFor();
    return page;
  }

  /** Reloads the page as VS Code does when a hidden webview is shown again (state kept). */
  async reload(): Promise<void> {
    await this.page.reload();
    await this.page.locator('.list-row:not(.placeholder)').first().waitFor();
  }

  async screenshot(name: string): Promise<string> {
    mkdirSync(ARTIFACTS, { recursive: true });
    const path = join(ARTIFACTS, `${name}.png`);
    await this.page.screenshot({ path });
    return path;
  }

  async close(): Promise<void> {
    await this.context?.close().catch(() => undefined);
    await this.browser.close().catch(() => undefined);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.host.close();
    rmSync(this.tempDir, { recursive: true, force: true });
  }

  private origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  private pageHtml(origin: string): { html: string; headers: Record<string, string> } {
    const nonce = randomBytes(16).toString('base64');
    const { theme, csp } = this.options;
    const headers: Record<string, string> = csp
      ? { 'content-security-policy': `default-src 'none'; img-src ${origin}; style-src ${origin}; font-src ${origin}; script-src 'nonce-${nonce}'` }
      : {};
    const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Mini-o3 trajectories</title>
<link rel="stylesheet" href="/themes/${theme}.css">
<link rel="stylesheet" href="/codicons/codicon.css" id="vscode-codicon-stylesheet">
<link rel="stylesheet" href="/dist/webview.css">
</head>
<body class="${BODY_CLASS[theme]}">
<div id="app"></div>
<script nonce="${nonce}" src="/dist/webview.js"></script>
</body>
</html>`;
    return { html, headers };
  }
}
