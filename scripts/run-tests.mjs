#!/usr/bin/env node
// Runs every test/**/*.test.ts with node's own test runner (TypeScript through tsx), in two phases:
// unit tests two files at a time, then the browser and VS Code tests (test/webview, test/e2e) one
// file at a time, since they time real UI and share 2 cores badly. The last line is the total,
// `N passed, N failed`.
// Usage: node scripts/run-tests.mjs [substring filter...]
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...collect(full));
    else if (name.endsWith('.test.ts') || name.endsWith('.test.mjs')) out.push(full);
  }
  return out;
}

const files = collect(join(root, 'test'))
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

const isUi = (f) => f.startsWith('test/webview/') || f.startsWith('test/e2e/');
const phases = [
  { files: files.filter((f) => !isUi(f)), concurrency: 2 },
  { files: files.filter(isUi), concurrency: 1 },
].filter((p) => p.files.length > 0);

/** Runs one phase, echoing its output, and returns the runner's own pass/fail counts and exit code. */
function runPhase({ files: phaseFiles, concurrency }) {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...phaseFiles],
      { cwd: root, stdio: ['inherit', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: '' } },
    );
    let passed = 0;
    let failed = 0;
    let pending = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^# (pass|fail) (\d+)$/.exec(line);
        if (m) (m[1] === 'pass' ? (passed = Number(m[2])) : (failed = Number(m[2])));
      }
    });
    child.on('close', (code) => resolve({ passed, failed, code: code ?? 1 }));
  });
}

let passed = 0;
let failed = 0;
let exitCode = 0;
for (const phase of phases) {
  const result = await runPhase(phase);
  passed += result.passed;
  failed += result.failed;
  if (result.code !== 0) exitCode = result.code;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(exitCode);
