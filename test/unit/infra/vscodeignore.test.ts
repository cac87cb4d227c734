import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { findPackagingProblems } from '../../../scripts/vsix-contents.mjs';

const root = path.join(__dirname, '../../..');

// `vsce ls` applies .vscodeignore to the real dependency tree, offline, in about 2 s.
test('.vscodeignore keeps sources, tests and devDependencies out and ships only linux-x64 binaries', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const vsce = path.join(path.dirname(createRequire(__filename).resolve('@vscode/vsce/package.json')), 'vsce');
  const listing = execFileSync(process.execPath, [vsce, 'ls'], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  const files = listing.split('\n').map((line) => line.trim()).filter(Boolean);
  assert.ok(files.length > 20, `vsce ls listed only ${files.length} files`);

  // The working tree may hold other people's scratch files, so stray top-level names are the
  // packaging script's check, not this test's.
  const problems = findPackagingProblems(files, {
    dependencies: Object.keys(manifest.dependencies),
    devDependencies: Object.keys(manifest.devDependencies),
    strictTopLevel: false,
  });
  assert.deepEqual(problems, []);
  assert.ok(files.includes('node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1'));
  assert.ok(!files.some((f) => /^node_modules\/(global-agent|adm-zip)\//.test(f)), 'install-only onnxruntime-node deps are left out');
  const typingsOrDocs = files.filter((f) => f.startsWith('node_modules/') && (f.endsWith('.d.ts') || (f.endsWith('.md') && !/license/i.test(f))));
  assert.deepEqual(typingsOrDocs, [], 'no typings or docs from dependencies (licenses stay)');
});
