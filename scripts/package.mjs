#!/usr/bin/env node
// Builds the extension in production mode and packages it as mini-o3-studio-<version>.vsix
// (linux-x64), then checks what went into the VSIX.
// Usage: node scripts/package.mjs [--skip-build]
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { findPackagingProblems, readZipEntries } from './vsix-contents.mjs';

const root = new URL('..', import.meta.url).pathname;
const skipBuild = process.argv.includes('--skip-build');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const vsixName = `${manifest.name}-${manifest.version}.vsix`;
const vsixPath = join(root, vsixName);

function run(label, command, args, env = {}) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    console.error(`${label} failed (exit ${result.status ?? result.signal}) after ${seconds} s`);
    process.exit(1);
  }
  console.log(`${label}: ${seconds} s`);
}

if (!skipBuild) run('production build', process.execPath, [join(root, 'esbuild.mjs'), '--production'], { NODE_ENV: 'production' });

const mainFile = manifest.main.replace(/^\.\//, '');
if (!existsSync(join(root, mainFile))) {
  console.error(`${mainFile} does not exist: the build did not produce the extension entry point`);
  process.exit(1);
}

// vsce reads node_modules through `npm list --production`, so the runtime dependencies
// (sharp, onnxruntime-node and their trees) ship unbundled; .vscodeignore trims them.
const vsceBin = join(createRequire(import.meta.url).resolve('@vscode/vsce/package.json'), '..', 'vsce');
run('vsce package', process.execPath, [vsceBin, 'package', '--out', vsixPath]);

const entries = readZipEntries(readFileSync(vsixPath));
const files = entries.filter((entry) => entry.name.startsWith('extension/') && !entry.name.endsWith('/'));
const paths = files.map((entry) => entry.name.slice('extension/'.length));
const problems = findPackagingProblems(paths, {
  dependencies: Object.keys(manifest.dependencies ?? {}),
  devDependencies: Object.keys(manifest.devDependencies ?? {}),
  mainFile,
});

const megabytes = (bytes) => (bytes / 1024 / 1024).toFixed(1);
const unpacked = files.reduce((sum, entry) => sum + entry.size, 0);
console.log('largest files:');
for (const entry of [...files].sort((a, b) => b.size - a.size).slice(0, 6)) {
  console.log(`  ${megabytes(entry.size).padStart(6)} MB  ${entry.name.slice('extension/'.length)}`);
}
console.log(`${vsixName}: ${megabytes(statSync(vsixPath).size)} MB, ${files.length} files (${megabytes(unpacked)} MB unpacked)`);

if (problems.length > 0) {
  console.error(`\n${problems.length} packaging problem(s):`);
  for (const problem of problems.slice(0, 40)) console.error(`  ${problem}`);
  if (problems.length > 40) console.error(`  ... and ${problems.length - 40} more`);
  process.exit(1);
}
