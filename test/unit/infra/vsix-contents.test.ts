import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { findPackagingProblems, readZipEntries } from '../../../scripts/vsix-contents.mjs';

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const policy = { dependencies: Object.keys(manifest.dependencies), devDependencies: Object.keys(manifest.devDependencies) };

const GOOD = [
  'package.json',
  'LICENSE.txt',
  'dist/extension.js',
  'dist/cli.js',
  'media/icon.png',
  'node_modules/sharp/package.json',
  'node_modules/@img/sharp-linux-x64/lib/sharp-linux-x64-0.35.5.node',
  'node_modules/@img/sharp-libvips-linux-x64/lib/libvips-cpp.so.8.18.7',
  'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node',
  'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1',
];

test('reads entry names and sizes from a zip written by CPython (directories, deflate, archive comment)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsix-contents-'));
  const zipPath = path.join(dir, 'x.vsix');
  const script = [
    'import sys, zipfile',
    'with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:',
    '    z.writestr("extension/", "")',
    '    z.writestr("extension/package.json", "{}" * 500)',
    '    z.writestr("extension/dist/ünïcode.js", b"x" * 12345)',
    '    z.comment = b"c" * 300',
  ].join('\n');
  execFileSync('/usr/bin/python3', ['-c', script, zipPath]);
  const entries = readZipEntries(fs.readFileSync(zipPath));
  assert.deepEqual(entries.map((e) => [e.name, e.size]), [
    ['extension/', 0],
    ['extension/package.json', 1000],
    ['extension/dist/ünïcode.js', 12345],
  ]);
  assert.ok((entries[2]?.compressedSize ?? Infinity) < 12345, 'deflated');
  assert.throws(() => readZipEntries(Buffer.from('definitely not a zip archive, just some text')), /not a zip archive/);
  const truncated = fs.readFileSync(zipPath);
  truncated.writeUInt32LE(0, truncated.indexOf(Buffer.from('PK\x01\x02', 'latin1')));
  assert.throws(() => readZipEntries(truncated), /central directory entry 0/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a lean linux-x64 file list passes the packaging policy', () => {
  assert.deepEqual(findPackagingProblems(GOOD, { ...policy, mainFile: './dist/extension.js' }), []);
});

test('sources, maps, devDependencies, foreign binaries and stray files are each reported', () => {
  const bad = [
    ...GOOD,
    'src/extension.ts',
    'test/unit/a.test.ts',
    'dist/extension.js.map',
    'node_modules/zod/package.json',
    'node_modules/onnxruntime-node/bin/napi-v6/win32/x64/onnxruntime.dll',
    'node_modules/onnxruntime-node/bin/napi-v6/linux/arm64/libonnxruntime.so.1',
    'node_modules/@img/sharp-darwin-arm64/lib/sharp.node',
    'node_modules/@img/sharp-libvips-linuxmusl-x64/lib/libvips.so',
    'sample-workspace/a.jsonl',
  ];
  const problems = findPackagingProblems(bad, policy);
  const flagged = (file: string) => problems.filter((p) => p.startsWith(`${file}:`));
  for (const file of bad.slice(GOOD.length)) assert.equal(flagged(file).length, 1, `${file} flagged once: ${problems.join('\n')}`);
  assert.equal(problems.length, bad.length - GOOD.length);
  assert.equal(findPackagingProblems(['sample-workspace/a.jsonl', ...GOOD], { ...policy, strictTopLevel: false }).length, 0);
});

test('missing main file, manifest or linux-x64 native bindings are reported', () => {
  const problems = findPackagingProblems(['LICENSE.txt', 'node_modules/sharp/package.json'], { ...policy, mainFile: 'dist/extension.js' });
  assert.deepEqual(problems.map((p) => p.split(':')[0]), ['package.json', 'dist/extension.js', 'node_modules/onnxruntime-node', 'node_modules/@img/sharp-linux-x64']);
});
