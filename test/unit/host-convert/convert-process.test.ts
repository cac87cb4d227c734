/**
 * The converter run as the VS Code command runs it: the CLI forked as a child process (here
 * src/cli.ts through tsx, as dist/cli.js is in the extension), progress parsed from its JSON
 * lines, cancellation by SIGTERM removing the partly written model files.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runConvertProcess, type ConvertProgressLine } from '../../../src/host/convert-process';
import { writeTinyCheckpoint } from '../../support/tiny-qwen-checkpoint';

const root = path.resolve(__dirname, '../../..');
const CLI = path.join(root, 'src', 'cli.ts');
const TSX = ['--import', 'tsx'];
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mini-o3-convert-process-'));
let small = '';
let large = '';

before(async () => {
  small = (await writeTinyCheckpoint(path.join(work, 'small'))).dir;
  fs.writeFileSync(path.join(small, 'tokenizer.json'), '{"version":"1.0"}');
  fs.writeFileSync(path.join(small, 'chat_template.json'), '{"chat_template":"{{ messages }}"}');
  // Big enough (an 8 MB embedding, int4-quantized row chunk by row chunk) that a cancel lands mid-write.
  large = (await writeTinyCheckpoint(path.join(work, 'large'), { vocabSize: 65_536, seed: 3 })).dir;
});

after(() => fs.rmSync(work, { recursive: true, force: true }));

function onnxFiles(outDir: string): string[] {
  const dir = path.join(outDir, 'onnx');
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}

test('a conversion in a child process reports monotonic progress to the total and writes the model', async () => {
  const outDir = path.join(work, 'out-small');
  const seen: ConvertProgressLine[] = [];
  const outcome = await runConvertProcess({ cliPath: CLI, execArgv: TSX, request: { hfDir: small, outDir, dtype: 'fp16', int4: false }, onProgress: (p) => seen.push(p) });
  assert.equal(outcome.kind, 'done', JSON.stringify(outcome));
  assert.ok(outcome.kind === 'done');
  assert.ok(seen.length >= 3, `progress lines: ${JSON.stringify(seen)}`);
  const total = seen[0]!.total;
  assert.ok(total > 0 && seen.every((p) => p.total === total), 'one total, the source bytes');
  seen.forEach((p, i) => assert.ok(i === 0 || p.done >= seen[i - 1]!.done, `progress goes forward: ${JSON.stringify(seen)}`));
  assert.deepEqual(seen.at(-1), { done: total, total, stage: 'done' });
  assert.ok(seen.some((p) => p.stage === 'writing decoder_model_merged_fp16.onnx'), JSON.stringify(seen.map((p) => p.stage)));
  assert.deepEqual(onnxFiles(outDir), [
    'decoder_model_merged_fp16.onnx', 'decoder_model_merged_fp16.onnx_data', 'embed_tokens_fp16.onnx', 'embed_tokens_fp16.onnx_data', 'vision_encoder_fp16.onnx', 'vision_encoder_fp16.onnx_data',
  ]);
  assert.ok(outcome.summary.some((l) => l.startsWith('onnx/decoder_model_merged_fp16.onnx')), outcome.summary.join('\n'));
  assert.deepEqual(outcome.warnings, [], 'tokenizer and chat template are there: no warnings');
  assert.equal(JSON.parse(fs.readFileSync(path.join(outDir, 'config.json'), 'utf8'))['transformers.js_config'] !== undefined, true);
});

test('a folder that is not a checkpoint fails with the CLI\'s own message naming the file', async () => {
  const notACheckpoint = path.join(work, 'empty');
  fs.mkdirSync(notACheckpoint, { recursive: true });
  fs.writeFileSync(path.join(notACheckpoint, 'readme.txt'), 'nothing here');
  const outcome = await runConvertProcess({ cliPath: CLI, execArgv: TSX, request: { hfDir: notACheckpoint, outDir: path.join(work, 'out-none'), dtype: 'fp32', int4: false } });
  assert.equal(outcome.kind, 'failed');
  assert.ok(outcome.kind === 'failed');
  assert.ok(outcome.message.includes(notACheckpoint), outcome.message);
  assert.ok(!outcome.message.startsWith('error:'), 'the CLI\'s "error: " prefix is dropped');
  assert.deepEqual(onnxFiles(path.join(work, 'out-none')), []);
});

test('cancelling sends SIGTERM: the converter stops and removes the model files it had started', async () => {
  const outDir = path.join(work, 'out-cancelled');
  // A file of the user's in the output folder must survive the cancel.
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'notes.txt'), 'mine');
  const abort = new AbortController();
  const seen: ConvertProgressLine[] = [];
  const outcome = await runConvertProcess({
    cliPath: CLI,
    execArgv: TSX,
    request: { hfDir: large, outDir, dtype: 'fp32', int4: true },
    signal: abort.signal,
    onProgress: (p) => {
      seen.push(p);
      // Once a model's external data is being written (the decoder, with its 8 MB lm_head, is still to come).
      if (p.stage.startsWith('writing ')) abort.abort();
    },
  });
  assert.equal(outcome.kind, 'cancelled', `${JSON.stringify(outcome)} after ${JSON.stringify(seen)}`);
  assert.ok(seen.some((p) => p.stage.startsWith('writing ')) && seen.every((p) => p.stage !== 'done'), JSON.stringify(seen));
  assert.deepEqual(onnxFiles(outDir), [], 'no partial model or external data file is left');
  assert.equal(fs.readFileSync(path.join(outDir, 'notes.txt'), 'utf8'), 'mine');
});

test('an already cancelled request starts nothing', async () => {
  const abort = new AbortController();
  abort.abort();
  const outDir = path.join(work, 'out-never');
  const outcome = await runConvertProcess({ cliPath: CLI, execArgv: TSX, request: { hfDir: small, outDir, dtype: 'fp32', int4: false }, signal: abort.signal });
  assert.deepEqual(outcome, { kind: 'cancelled' });
  assert.equal(fs.existsSync(outDir), false);
});
