import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const root = path.join(__dirname, '../../..');

/** A scratch project: the real esbuild.mjs and node_modules, with small entry files. */
function scratchProject(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esbuild-config-'));
  fs.copyFileSync(path.join(root, 'esbuild.mjs'), path.join(dir, 'esbuild.mjs'));
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

function build(dir: string, ...args: string[]) {
  const result = spawnSync(process.execPath, ['esbuild.mjs', ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_ENV: '' } });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const CLI = `import { z } from 'zod';
const here = new URL('.', import.meta.url).pathname;
console.log(JSON.stringify({ n: z.coerce.number().parse(process.argv[2]), here }));
export async function loadSharp() { return (await import('sharp')).default; }
`;
const EXTENSION = `import * as vscode from 'vscode';
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
import { z } from 'zod';
export function activate(context: vscode.ExtensionContext) {
  context.subscriptions.push(vscode.commands.registerCommand('x', () => [sharp, ort, z.string().parse('a')]));
}
`;

test('node bundles: externals stay require()s, the rest is inlined; the CLI runs and is executable; webview skipped with a note', () => {
  const dir = scratchProject({ 'src/cli.ts': CLI, 'src/extension.ts': EXTENSION });
  const { status, output } = build(dir);
  assert.equal(status, 0, output);
  assert.match(output, /skip webview: webview\/main\.ts does not exist yet/);
  assert.match(output, /dist\/extension\.js +[\d.]+ KiB/);

  const extension = fs.readFileSync(path.join(dir, 'dist/extension.js'), 'utf8');
  for (const name of ['vscode', 'sharp', 'onnxruntime-node']) assert.ok(extension.includes(`require("${name}")`), `${name} is external`);
  assert.ok(!extension.includes('require("zod")'), 'zod is bundled');
  assert.ok(extension.includes('// src/extension.ts'), 'development build is readable');
  assert.ok(extension.trimEnd().endsWith('//# sourceMappingURL=extension.js.map'), 'development build links its source map');
  assert.ok(fs.existsSync(path.join(dir, 'dist/extension.js.map')));

  const cliPath = path.join(dir, 'dist/cli.js');
  assert.ok(fs.readFileSync(cliPath, 'utf8').startsWith('#!/usr/bin/env node\n'));
  assert.ok((fs.statSync(cliPath).mode & 0o111) !== 0, 'cli.js is executable');
  const ran = spawnSync(cliPath, ['42'], { encoding: 'utf8' });
  assert.equal(ran.status, 0, ran.stderr);
  assert.deepEqual(JSON.parse(ran.stdout), { n: 42, here: `${fs.realpathSync(path.join(dir, 'dist'))}/` }, 'import.meta.url points at the bundle');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('production: minified, no source maps (stale ones removed), webview as an iife with its CSS', () => {
  const dir = scratchProject({
    'src/extension.ts': EXTENSION,
    'webview/main.ts': 'const label: string = "webview ok";\ndocument.title = label;\n',
    'webview/app.css': 'body {\n  color: red;\n}\n',
    'dist/old.js.map': '{}',
  });
  const { status, output } = build(dir, '--production');
  assert.equal(status, 0, output);
  assert.match(output, /production mode/);
  assert.match(output, /skip cli: src\/cli\.ts does not exist yet/);
  const outputs = fs.readdirSync(path.join(dir, 'dist')).sort();
  assert.deepEqual(outputs, ['app.css', 'extension.js', 'webview.js']);
  const webview = fs.readFileSync(path.join(dir, 'dist/webview.js'), 'utf8');
  assert.match(webview, /^\(\(\)=>\{/, 'an iife');
  assert.ok(webview.includes('webview ok'));
  const extension = fs.readFileSync(path.join(dir, 'dist/extension.js'), 'utf8');
  assert.ok(!extension.includes('// src/extension.ts'), 'no module path comments');
  assert.ok(extension.split('\n').length < 300, `minified (${extension.split('\n').length} lines)`);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a compile error fails the build with a non-zero exit that names the file', () => {
  const dir = scratchProject({ 'src/cli.ts': 'export const broken = ;\n', 'src/extension.ts': EXTENSION });
  const { status, output } = build(dir);
  assert.notEqual(status, 0);
  assert.match(output, /src\/cli\.ts:1:\d+/);
  assert.match(output, /FAILED cli/);
  fs.rmSync(dir, { recursive: true, force: true });
});
