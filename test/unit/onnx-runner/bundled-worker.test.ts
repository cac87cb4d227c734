import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { buildTinyOnnxModel, type TinyOnnxModel } from '../../support/tiny-onnx-model';

/**
 * The onnx backend as it ships: bundled by esbuild like dist/cli.js and dist/onnx-worker.js
 * (CommonJS, onnxruntime-node and sharp external), run by plain node without tsx. The worker
 * is found beside the bundle that starts it.
 */

const root = path.join(__dirname, '../../..');
let model: TinyOnnxModel;
let dist: string;

before(async () => {
  model = await buildTinyOnnxModel();
  dist = path.join(model.root, 'dist');
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(model.root, 'node_modules'), 'dir');
  const driver = path.join(model.root, 'driver.ts');
  fs.writeFileSync(driver, `
import { OnnxPolicy } from ${JSON.stringify(path.join(root, 'src/core/model/onnx/onnx-policy'))};
async function main(): Promise<void> {
  const policy = await OnnxPolicy.load({ modelDir: process.argv[2]!, executionProviders: ['cuda', 'cpu'], threads: 1 });
  const rgb = Buffer.alloc(64 * 64 * 3, 90);
  const result = await policy.generate(
    [{ role: 'user', content: [{ type: 'image', index: 0 }, { type: 'text', text: 'What is this?' }] }],
    [{ width: 64, height: 64, rgb, bytes: Buffer.alloc(0), mime: 'image/png' }],
    { max_tokens: 6, stop: [], temperature: 0 }, {});
  console.log(JSON.stringify({ ep: policy.executionProvider, message: policy.providerMessage, tokens: result.tokenIds.length, finish: result.finishReason }));
}
main();
`);
  const common = {
    bundle: true, platform: 'node' as const, format: 'cjs' as const, target: 'node20', logLevel: 'silent' as const,
    external: ['vscode', 'sharp', 'onnxruntime-node'], absWorkingDir: root,
  };
  await esbuild.build({ ...common, entryPoints: [driver], outfile: path.join(dist, 'driver.js') });
  await esbuild.build({ ...common, entryPoints: [path.join(root, 'src/core/model/onnx/worker.ts')], outfile: path.join(dist, 'onnx-worker.js') });
});

after(() => model?.cleanup());

test('bundled: the policy starts dist/onnx-worker.js beside its bundle and generates, without tsx', () => {
  const ran = spawnSync(process.execPath, [path.join(dist, 'driver.js'), model.dir], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' }, timeout: 60_000 });
  assert.equal(ran.status, 0, ran.stderr);
  const out = JSON.parse(ran.stdout.trim().split('\n').at(-1)!) as { ep: string; message: string; tokens: number; finish: string };
  assert.equal(out.tokens, 6);
  assert.equal(out.finish, 'length');
  assert.match(out.message, /^onnx: running on (cuda|cpu)/);
  // Without the worker file the policy says where it should be.
  fs.rmSync(path.join(dist, 'onnx-worker.js'));
  const missing = spawnSync(process.execPath, [path.join(dist, 'driver.js'), model.dir], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' }, timeout: 60_000 });
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /the onnx worker .*onnx-worker\.js is missing: the build \(npm run build\) writes it beside driver\.js/);
});
