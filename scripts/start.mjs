#!/usr/bin/env node
// The main job: build and package the extension, generate a sample workspace of synthetic tasks
// + scripted demonstrations, and serve VS Code (code-server) on 127.0.0.1 with the extension
// installed, so the sample opens in the Mini-o3 trajectory editor. Runs until Ctrl+C, then stops
// code-server's whole process group. It prints the URL; it opens no browser.
// Usage: npm start [-- --link] [-- --port N]   (PORT=N also works; default: a free port)
//   --link  symlink this repository into the extensions dir instead of packaging a .vsix
// code-server is installed on first use into .vscode-e2e/code-server (scripts/install-code-server.sh).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  ensureCodeServer,
  folderUrl,
  installVsix,
  linkExtension,
  prepareRunDir,
  repoRoot,
  startCodeServer,
} from './code-server.mjs';

function parseArgs(argv) {
  const options = { link: false, port: process.env.PORT ? Number(process.env.PORT) : 0 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--link') options.link = true;
    else if (arg === '--port') options.port = Number(argv[++i]);
    else {
      console.error(`unknown option ${arg} (usage: npm start [-- --link] [-- --port N])`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    console.error(`the port must be a number from 1 to 65535 (got ${process.env.PORT ?? options.port})`);
    process.exit(2);
  }
  return options;
}

function run(label, args) {
  console.log(`\n== ${label}\n$ ${args.map((a) => (a.includes(' ') ? JSON.stringify(a) : a)).join(' ')}`);
  const started = Date.now();
  const result = spawnSync(args[0], args.slice(1), { cwd: repoRoot, stdio: 'inherit', env: { ...process.env, NODE_OPTIONS: '' } });
  if (result.status !== 0) {
    console.error(`${label} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
  console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

const options = parseArgs(process.argv.slice(2));
const node = process.execPath;
const workspace = join(repoRoot, 'sample-workspace');
const demos = join(workspace, 'demos.traj.jsonl');
const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
const vsix = join(repoRoot, `${manifest.name}-${manifest.version}.vsix`);

if (options.link) run('production build', [node, join(repoRoot, 'esbuild.mjs'), '--production']);
else run(`production build and package ${manifest.name}-${manifest.version}.vsix`, [node, join(repoRoot, 'scripts', 'package.mjs')]);

if (!existsSync(demos)) {
  run('sample workspace', [node, join(repoRoot, 'dist', 'cli.js'), 'synth', '--out', workspace, '--tasks', '12', '--seed', '7']);
}
run('statistics of the sample', [node, join(repoRoot, 'dist', 'cli.js'), 'stats', demos]);

console.log('\n== code-server');
let bin;
try {
  bin = ensureCodeServer();
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}

// One run folder, reset on every start: code-server's HOME, settings, extensions and logs.
const runDir = join(repoRoot, '.vscode-e2e', 'start');
rmSync(runDir, { recursive: true, force: true });
const paths = prepareRunDir(runDir);
if (options.link) console.log(`linked ${linkExtension({ paths })}`);
else console.log(installVsix({ bin, paths, vsixPath: vsix }));

let server;
try {
  server = await startCodeServer({ bin, paths, port: options.port || undefined });
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}

let stopping = false;
async function shutdown(reason, exitCode) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${reason}: stopping code-server (process group ${server.pid})…`);
  const outcome = await server.stop();
  console.log(`code-server ${outcome}.`);
  process.exit(exitCode);
}
process.on('SIGINT', () => void shutdown('Ctrl+C', 0));
process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
process.on('SIGHUP', () => void shutdown('SIGHUP', 0));

// code-server runs detached (its own process group); notice when it dies on its own.
const watchdog = setInterval(() => {
  if (stopping) {
    clearInterval(watchdog);
    return;
  }
  try {
    process.kill(server.pid, 0);
  } catch {
    clearInterval(watchdog);
    console.error(`code-server exited unexpectedly; its log: ${server.logFile}`);
    void shutdown('code-server exited', 1);
  }
}, 1000);

console.log(`
Mini-o3 Studio is running in VS Code (code-server ${server.url}, log ${server.logFile}).

  Open:  ${folderUrl(server.url, workspace)}

Then click demos.traj.jsonl in the Explorer: it opens in the Mini-o3 trajectory editor.
(Wait a few seconds after the workbench appears: a file opened before the extension has
registered opens as plain text.) Press Ctrl+C to stop.`);
