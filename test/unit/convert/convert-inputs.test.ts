import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { convertCheckpoint } from '../../../src/core/convert/convert';
import { ConvertError } from '../../../src/core/convert/convert-error';
import { writeTinyCheckpoint } from '../../support/tiny-qwen-checkpoint';
import { decoderFeeds, maxAbsDiff, toFloat32, wave } from './run-models';

const work = mkdtempSync(join(tmpdir(), 'mini-o3-conv-in-'));
const positions = [0, 1, 2].map(() => [0, 1, 2, 3]);

test('newer key spelling + nested config + tied embeddings convert, and lm_head is the embedding table', async () => {
  const ck = await writeTinyCheckpoint(join(work, 'modern'), { keyStyle: 'modern', configStyle: 'nested', tieWordEmbeddings: true, shards: 1 });
  const r = await convertCheckpoint(ck.dir, join(work, 'modern-out'));
  const decoder = await ort.InferenceSession.create(join(work, 'modern-out', r.models[2]!.file));
  const text = ck.modelConfig.text;
  const logits = (await decoder.run(decoderFeeds(text, 'float32', wave(4 * 64, 0.3), positions, 4))).logits!;
  assert.deepEqual(logits.dims, [1, 4, 1024]);
  const config = JSON.parse(readFileSync(join(work, 'modern-out', 'config.json'), 'utf8'));
  assert.equal(config.text_config.model_type, 'qwen2_5_vl_text');
  assert.equal(config.text_config.tie_word_embeddings, true);
});

test('external data splits into _data, _data_1, … under a size cap, with identical results', async () => {
  const ck = await writeTinyCheckpoint(join(work, 'split'));
  const whole = await convertCheckpoint(ck.dir, join(work, 'split-whole'));
  const split = await convertCheckpoint(ck.dir, join(work, 'split-parts'), { maxExternalDataFileBytes: 100_000 });
  const decoder = split.models[2]!;
  assert.ok(decoder.dataFiles.length > 2);
  assert.deepEqual(decoder.dataFiles.slice(0, 2), ['onnx/decoder_model_merged.onnx_data', 'onnx/decoder_model_merged.onnx_data_1']);
  // A file exceeds the cap only when one tensor alone does (lm_head fp32: 1024 × 64 × 4 bytes).
  for (const f of decoder.dataFiles) assert.ok(statSync(join(work, 'split-parts', f)).size <= Math.max(100_000, 1024 * 64 * 4));
  const config = JSON.parse(readFileSync(join(work, 'split-parts', 'config.json'), 'utf8'));
  assert.equal(config['transformers.js_config'].use_external_data_format['decoder_model_merged.onnx'], decoder.dataFiles.length);
  const feeds = decoderFeeds(ck.modelConfig.text, 'float32', wave(4 * 64, 0.3), positions, 4);
  const a = (await (await ort.InferenceSession.create(join(work, 'split-whole', whole.models[2]!.file))).run(feeds)).logits!;
  const b = (await (await ort.InferenceSession.create(join(work, 'split-parts', decoder.file))).run(feeds)).logits!;
  assert.equal(maxAbsDiff(toFloat32(a), toFloat32(b)), 0);
});

async function rejectsNaming(promise: Promise<unknown>, file: string, problem: RegExp): Promise<void> {
  await assert.rejects(promise, (e: Error) => {
    assert.ok(e instanceof ConvertError, `${e.name}: ${e.message}`);
    assert.ok(e.message.startsWith(file), `"${e.message}" does not start with ${file}`);
    assert.match(e.message, problem);
    return true;
  });
}

test('bad checkpoints fail before writing anything, naming the file and the problem', async () => {
  const ck = await writeTinyCheckpoint(join(work, 'bad'), { shards: 2 });
  const outDir = join(work, 'bad-out');

  const config = JSON.parse(readFileSync(join(ck.dir, 'config.json'), 'utf8'));
  writeFileSync(join(ck.dir, 'config.json'), JSON.stringify({ ...config, model_type: 'llava', architectures: ['LlavaForConditionalGeneration'] }));
  await rejectsNaming(convertCheckpoint(ck.dir, outDir), join(ck.dir, 'config.json'), /not a Qwen2.5-VL checkpoint/);
  writeFileSync(join(ck.dir, 'config.json'), JSON.stringify({ ...config, num_hidden_layers: 3 }));
  await rejectsNaming(convertCheckpoint(ck.dir, outDir), ck.dir, /lacks 12 tensor\(s\) config.json implies: "model.layers.2.input_layernorm.weight"/);
  writeFileSync(join(ck.dir, 'config.json'), JSON.stringify({ ...config, intermediate_size: 100 }));
  await rejectsNaming(convertCheckpoint(ck.dir, outDir), ck.dir, /tensor "model.layers.0.mlp.gate_proj.weight" has shape \[96,64\] but config.json implies \[100,64\]/);
  writeFileSync(join(ck.dir, 'config.json'), JSON.stringify(config));

  const shard = join(ck.dir, ck.shardFiles[1]!);
  const size = statSync(shard).size;
  truncateSync(shard, size - 100);
  await rejectsNaming(convertCheckpoint(ck.dir, outDir), shard, /truncated: tensor ".*" ends at byte \d+ but the file has \d+ bytes/);
  rmSync(shard);
  await rejectsNaming(convertCheckpoint(ck.dir, outDir), join(ck.dir, 'model.safetensors.index.json'), /names shard "model-00002-of-00002.safetensors", which does not exist/);
  assert.equal(existsSync(join(outDir, 'onnx')), false);
});

test('an already-converted ONNX folder and the checkpoint folder itself are refused', async () => {
  const ck = await writeTinyCheckpoint(join(work, 'src'));
  const outDir = join(work, 'src-out');
  await convertCheckpoint(ck.dir, outDir, { int4: true });
  await rejectsNaming(convertCheckpoint(outDir, join(work, 'again')), outDir, /already holds ONNX models \(onnx\/decoder_model_merged_q4.onnx/);
  await rejectsNaming(convertCheckpoint(ck.dir, `${ck.dir}/.`), `${ck.dir}/.`, /is the checkpoint folder itself/);
});

test('cancelling removes the half-written model files and keeps earlier conversions', async () => {
  const ck = await writeTinyCheckpoint(join(work, 'cancel'));
  const outDir = join(work, 'cancel-out');
  await convertCheckpoint(ck.dir, outDir, { int4: true });
  const before = readdirSync(join(outDir, 'onnx')).sort();
  const controller = new AbortController();
  await assert.rejects(
    convertCheckpoint(ck.dir, outDir, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.model === 'vision_encoder') controller.abort(new Error('stop'));
      },
    }),
    /stop/,
  );
  assert.deepEqual(readdirSync(join(outDir, 'onnx')).sort(), before);
});

/** Runs the CLI in-process (spawning tsx costs seconds), collecting what it prints. */
async function runCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const { main } = await import('../../../src/cli');
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => out.push(a.join(' '));
  console.error = (...a: unknown[]) => err.push(a.join(' '));
  try {
    const code = await main(args);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

test('CLI: convert prints the files; a non-Qwen checkpoint exits 2 with the reason', async () => {
  const ck = await writeTinyCheckpoint(join(work, 'cli'));
  const ok = await runCli(['convert', ck.dir, join(work, 'cli-out'), '--dtype', 'fp16', '--int4', '-q']);
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /onnx\/decoder_model_merged_q4f16.onnx \+ onnx\/decoder_model_merged_q4f16.onnx_data/);
  assert.match(ok.err, /warning: .*tokenizer.json does not exist/);
  writeFileSync(join(ck.dir, 'config.json'), JSON.stringify({ model_type: 'bert', architectures: ['BertModel'] }));
  const bad = await runCli(['convert', ck.dir, join(work, 'cli-out2'), '-q']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /error: .*config.json: not a Qwen2.5-VL checkpoint/);
  assert.equal(existsSync(join(work, 'cli-out2')), false);
});
