import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..');
export const DIST = join(REPO_ROOT, 'dist');

/** What the webview bundle is built from. */
const SOURCES = ['webview', 'src/protocol.ts', 'src/shared', 'src/core/tree', 'src/core/trajectory/schema.ts'];
const LOCK = join(tmpdir(), 'mini-o3-studio-webview-build.lock');
const STALE_LOCK_MS = 180_000;

function newestMtime(path: string): number {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

function bundleIsFresh(): boolean {
  const outputs = ['webview.js', 'webview.css'].map((name) => join(DIST, name));
  if (!outputs.every(existsSync)) return false;
  const built = Math.min(...outputs.map((file) => statSync(file).mtimeMs));
  const sources = Math.max(...SOURCES.map((s) => join(REPO_ROOT, s)).filter(existsSync).map(newestMtime));
  return built >= sources;
}

async function withLock<T>(work: () => T): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      const age = Date.now() - (existsSync(LOCK) ? statSync(LOCK).mtimeMs : Date.now());
      if (age > STALE_LOCK_MS) rmdirSync(LOCK);
      if (Date.now() - started > STALE_LOCK_MS) throw new Error(`waited too long for ${LOCK}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    return work();
  } finally {
    rmdirSync(LOCK);
  }
}

/**
 * Runs `node esbuild.mjs` when dist/webview.js or dist/webview.css is older than its sources.
 * Test files run in parallel, so the check and the build happen under a lock: only the first
 * file builds, the others then find the bundle fresh.
 */
export async function ensureWebviewBundle(): Promise<void> {
  if (bundleIsFresh()) return;
  await withLock(() => {
    if (bundleIsFresh()) return;
    const result = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: REPO_ROOT, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`node esbuild.mjs failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  });
}
