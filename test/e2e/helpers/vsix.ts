import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

/** What goes into the VSIX: when one of these is newer than the VSIX, it is packaged again. */
const PACKAGE_INPUTS = ['src', 'webview', 'media', 'package.json', 'esbuild.mjs', '.vscodeignore', 'LICENSE', 'README.md'];

function newestModification(target: string): number {
  if (!fs.existsSync(target)) return 0;
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(target)) newest = Math.max(newest, newestModification(path.join(target, entry)));
  return newest;
}

/**
 * Packaging rewrites dist/, which the webview tests load and rebuild (test/webview/build-once.ts)
 * while other test files run; both take this lock (a folder: mkdir is atomic) around a build.
 */
const BUILD_LOCK = path.join(os.tmpdir(), 'mini-o3-studio-webview-build.lock');
const STALE_LOCK_MS = 180_000;

async function withBuildLock<T>(work: () => T): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      fs.mkdirSync(BUILD_LOCK);
      break;
    } catch {
      const age = Date.now() - (fs.existsSync(BUILD_LOCK) ? fs.statSync(BUILD_LOCK).mtimeMs : Date.now());
      if (age > STALE_LOCK_MS) fs.rmSync(BUILD_LOCK, { recursive: true, force: true });
      if (Date.now() - started > STALE_LOCK_MS) throw new Error(`waited too long for ${BUILD_LOCK}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    return work();
  } finally {
    fs.rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

export function vsixPath(root: string): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string; version: string };
  return path.join(root, `${manifest.name}-${manifest.version}.vsix`);
}

/**
 * The repository's VSIX, packaged again (`npm run package`: production build + vsce) unless it
 * is newer than every input. CI packages before the tests, so there it is reused as is.
 */
export async function ensureFreshVsix(root: string): Promise<{ path: string; packaged: boolean }> {
  const target = vsixPath(root);
  const isFresh = () => newestModification(target) > Math.max(...PACKAGE_INPUTS.map((name) => newestModification(path.join(root, name))));
  if (isFresh()) return { path: target, packaged: false };
  return withBuildLock(() => {
    if (isFresh()) return { path: target, packaged: false };
    const result = spawnSync(process.execPath, [path.join(root, 'scripts', 'package.mjs')], { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    if (result.status !== 0) {
      throw new Error(`npm run package failed (exit ${result.status ?? result.signal}):\n${result.stdout}${result.stderr}`);
    }
    return { path: target, packaged: true };
  });
}
