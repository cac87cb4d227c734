#!/usr/bin/env node
// The main job until the trajectory editor lands: build, generate a sample workspace of
// synthetic tasks + scripted demonstrations, then validate and summarize it with the CLI.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const workspace = join(root, 'sample-workspace');
const run = (args, { allowFail = false } = {}) => {
  console.log(`\n$ ${args.join(' ')}`);
  const r = spawnSync(args[0], args.slice(1), { cwd: root, stdio: 'inherit' });
  if (r.status !== 0 && !allowFail) process.exit(r.status ?? 1);
  return r.status;
};

run([process.execPath, 'esbuild.mjs']);
const cli = [process.execPath, join(root, 'dist', 'cli.js')];
if (!existsSync(join(workspace, 'demos.traj.jsonl'))) {
  run([...cli, 'synth', '--out', workspace, '--tasks', '12', '--seed', '7']);
}
const demos = join(workspace, 'demos.traj.jsonl');
// The demonstrations include invalid calls and over-turns on purpose, so validate exits 1.
run([...cli, 'validate', demos], { allowFail: true });
run([...cli, 'stats', demos]);
console.log(`\nSample workspace: ${workspace}\nTrajectories:     ${demos}`);
