import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildTinyOnnxModel, type TinyOnnxModel } from '../../support/tiny-onnx-model';
import { makeWorkspace, type Workspace } from '../search/fixtures';

const root = path.join(__dirname, '../../..');
let model: TinyOnnxModel;
let ws: Workspace;

before(async () => {
  [model, ws] = await Promise.all([buildTinyOnnxModel(), makeWorkspace()]);
});
after(() => {
  model?.cleanup();
  ws?.cleanup();
});

function cli(args: string[]) {
  const ran = spawnSync(process.execPath, ['--import', require.resolve('tsx'), path.join(root, 'src/cli.ts'), ...args], {
    cwd: root, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' }, timeout: 60_000,
  });
  return { code: ran.status, out: ran.stdout, err: ran.stderr };
}

test('cli: search --backend onnx runs the model folder locally and records the trajectory', () => {
  const out = path.join(ws.dir, 'runs.traj.jsonl');
  const r = cli(['search', '--image', ws.imagePath, '--question', 'What is written on the sign?', '--backend', 'onnx', '--model', model.dir,
    '--ep', 'cuda,cpu', '--max-tokens', '8', '--temperature', '0', '--out', out]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /^onnx: running on cpu \(cuda: /m);
  const trajectory = JSON.parse(fs.readFileSync(out, 'utf8').trim()) as { model: { backend: string; name: string }; turns: { text: string; finish_reason: string }[]; outcome: { status: string } };
  assert.equal(trajectory.model.backend, 'onnx');
  assert.equal(trajectory.model.name, 'model');
  assert.equal(trajectory.turns.length, 1);
  assert.equal(trajectory.turns[0]!.finish_reason, 'length');
  assert.equal(trajectory.outcome.status, 'void');
});

test('cli: --backend onnx option mistakes get one clear line and exit 2', () => {
  const base = ['search', '--image', ws.imagePath, '--question', 'q', '--backend', 'onnx', '--out', path.join(ws.dir, 'never.traj.jsonl')];
  const noModel = cli(base);
  assert.equal(noModel.code, 2);
  assert.match(noModel.err, /--backend onnx needs --model DIR, a model folder converted with `mini-o3-studio convert`/);
  const badEp = cli([...base, '--model', model.dir, '--ep', 'tpu']);
  assert.equal(badEp.code, 2);
  assert.match(badEp.err, /--ep: unknown execution provider "tpu"/);
  const checkpoint = cli([...base, '--model', model.checkpointDir]);
  assert.equal(checkpoint.code, 2);
  assert.match(checkpoint.err, /--model: .*a Hugging Face checkpoint \(safetensors\), not yet converted to ONNX/);
  const withUrl = cli([...base, '--model', model.dir, '--url', 'http://127.0.0.1:9/v1']);
  assert.equal(withUrl.code, 2);
  assert.match(withUrl.err, /--url is for --backend openai/);
  assert.equal(fs.existsSync(path.join(ws.dir, 'never.traj.jsonl')), false);
});
