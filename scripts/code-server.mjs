// Starts and stops a code-server (VS Code in the browser) for `npm start` and the end-to-end tests.
// Plain JavaScript so that `node scripts/start.mjs` runs without a build; types in code-server.d.mts.
// Everything code-server writes goes into one run folder (HOME and XDG dirs included), and the
// server runs in a process group of its own, so stopping it leaves no file watcher or extension
// host behind (see /work/shared/research/vscode-testing.md, pitfalls 2, 3 and 5).
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const defaultInstallDir = join(repoRoot, '.vscode-e2e', 'code-server');

/** Settings that keep the workbench quiet and deterministic: no welcome page, trust prompt, tips or updates. */
export const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'workbench.enableExperiments': false,
  'workbench.tips.enabled': false,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
};

export function codeServerBin(installDir = defaultInstallDir) {
  return process.env.CODE_SERVER_BIN || join(installDir, 'node_modules', '.bin', 'code-server');
}

/** Runs scripts/install-code-server.sh (a no-op when the right version is there); returns the binary. */
export function ensureCodeServer({ installDir = defaultInstallDir, quiet = false } = {}) {
  if (process.env.CODE_SERVER_BIN) return process.env.CODE_SERVER_BIN;
  const result = spawnSync('bash', [join(repoRoot, 'scripts', 'install-code-server.sh'), installDir], {
    stdio: ['ignore', quiet ? 'pipe' : 'inherit', quiet ? 'pipe' : 'inherit'],
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    const output = quiet ? `\n${result.stdout ?? ''}${result.stderr ?? ''}` : '';
    throw new Error(`installing code-server into ${installDir} failed (exit ${result.status ?? result.signal})${output}`);
  }
  return codeServerBin(installDir);
}

/** The environment code-server and its children run with: HOME and XDG dirs inside the run folder. */
function runEnvironment(runDir) {
  const xdg = join(runDir, 'xdg');
  // code-server lets a PORT variable override --bind-addr; the port is always given explicitly here.
  const { PORT: _ignoredPort, ...inherited } = process.env;
  return {
    ...inherited,
    HOME: runDir,
    XDG_CONFIG_HOME: join(xdg, 'config'),
    XDG_DATA_HOME: join(xdg, 'data'),
    XDG_CACHE_HOME: join(xdg, 'cache'),
    // A VS Code launched from a terminal inside VS Code would otherwise talk to the outer one.
    VSCODE_IPC_HOOK_CLI: '',
    NODE_OPTIONS: '',
  };
}

/** Creates the run folder's layout and seeds the user settings. Returns the paths. */
export function prepareRunDir(runDir, { settings = {} } = {}) {
  const env = runEnvironment(runDir);
  const paths = {
    runDir,
    userDataDir: join(runDir, 'user-data'),
    extensionsDir: join(runDir, 'extensions'),
    configFile: join(runDir, 'config.yaml'),
    logFile: join(runDir, 'code-server.log'),
  };
  for (const dir of [env.XDG_CONFIG_HOME, env.XDG_DATA_HOME, env.XDG_CACHE_HOME, paths.extensionsDir, join(paths.userDataDir, 'User')]) {
    mkdirSync(dir, { recursive: true });
  }
  writeFileSync(join(paths.userDataDir, 'User', 'settings.json'), `${JSON.stringify({ ...QUIET_SETTINGS, ...settings }, null, 2)}\n`);
  // An explicit --config keeps code-server from writing ~/.config/code-server/config.yaml.
  writeFileSync(paths.configFile, 'auth: none\ncert: false\n');
  return paths;
}

function commonArgs(paths) {
  return ['--config', paths.configFile, '--user-data-dir', paths.userDataDir, '--extensions-dir', paths.extensionsDir];
}

/** Installs a .vsix into the run folder's extensions dir (code-server --install-extension). */
export function installVsix({ bin = codeServerBin(), paths, vsixPath }) {
  const result = spawnSync(bin, [...commonArgs(paths), '--install-extension', vsixPath, '--force'], {
    env: runEnvironment(paths.runDir),
    encoding: 'utf8',
    timeout: 120_000,
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0 || !/successfully installed/i.test(output)) {
    throw new Error(`code-server --install-extension ${vsixPath} failed (exit ${result.status ?? result.signal}):\n${output.trim()}`);
  }
  return output.trim();
}

/** Symlinks an unpacked extension folder (this repository after a build) into the extensions dir. */
export function linkExtension({ paths, extensionRoot = repoRoot }) {
  const manifest = JSON.parse(readFileSync(join(extensionRoot, 'package.json'), 'utf8'));
  const target = join(paths.extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`);
  rmSync(target, { recursive: true, force: true });
  symlinkSync(extensionRoot, target, 'dir');
  return target;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function findFreePort(host = '127.0.0.1') {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/**
 * Ends a whole process group: SIGTERM, up to `graceMs` for it to go, then SIGKILL.
 * Children of code-server take more than a second to exit, so waiting matters.
 */
export async function stopProcessGroup(pgid, { graceMs = 3000 } = {}) {
  if (!pgid || !groupAlive(pgid)) return 'gone';
  try {
    process.kill(-pgid, 'SIGTERM');
  } catch {
    return 'gone';
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!groupAlive(pgid)) return 'terminated';
    await sleep(100);
  }
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    return 'terminated';
  }
  for (let i = 0; i < 20 && groupAlive(pgid); i++) await sleep(100);
  return 'killed';
}

function logTail(logFile, lines = 30) {
  if (!existsSync(logFile)) return '(no log)';
  return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Starts code-server detached (its own session and process group, whose id is the returned pid),
 * waits until /healthz answers, and returns a handle with `stop()`.
 */
export async function startCodeServer({ bin = codeServerBin(), paths, host = '127.0.0.1', port, readyTimeoutMs = 30_000 }) {
  if (!existsSync(bin)) throw new Error(`code-server is not installed at ${bin} (run scripts/install-code-server.sh)`);
  const chosenPort = port || (await findFreePort(host));
  const bindAddr = `${host}:${chosenPort}`;
  const args = [
    ...commonArgs(paths),
    '--bind-addr', bindAddr,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
  ];
  const log = openSync(paths.logFile, 'a');
  const child = spawn(bin, args, { detached: true, env: runEnvironment(paths.runDir), stdio: ['ignore', log, log] });
  closeSync(log);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  const url = `http://${bindAddr}`;
  const handle = {
    url,
    port: chosenPort,
    pid: child.pid,
    logFile: paths.logFile,
    stop: () => stopProcessGroup(child.pid),
  };
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`code-server exited (${exited.signal ?? `code ${exited.code}`}) before answering on ${url}:\n${logTail(paths.logFile)}`);
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return handle;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  await handle.stop();
  throw new Error(`code-server did not answer ${url}/healthz within ${readyTimeoutMs} ms:\n${logTail(paths.logFile)}`);
}

/** The URL that opens a folder in the workbench. */
export function folderUrl(serverUrl, folder) {
  // Slashes stay readable; everything else that could break the query is escaped.
  return `${serverUrl}/?folder=${encodeURIComponent(folder).replace(/%2F/g, '/')}`;
}

/**
 * The URL that opens a folder and, once the workbench is up, a file in it. VS Code's web
 * workbench reads `payload=[["openFile", "<uri>"]]`; in code-server the file's URI is
 * `vscode-remote://<host:port>/<absolute path>`.
 */
export function openFileUrl(serverUrl, folder, file) {
  const payload = JSON.stringify([['openFile', `vscode-remote://${new URL(serverUrl).host}${resolve(file)}`]]);
  return `${folderUrl(serverUrl, folder)}&payload=${encodeURIComponent(payload)}`;
}
