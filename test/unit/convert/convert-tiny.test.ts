import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { convertCheckpoint, ConvertResult } from '../../../src/core/convert/convert';
import { EXTERNAL_DATA_ALIGNMENT } from '../../../src/core/convert/external-data';
import { decodeModel } from '../../../src/core/convert/onnx-proto';
import { TinyCheckpoint, writeTinyCheckpoint } from '../../support/tiny-qwen-checkpoint';
import { decoderFeeds, maxAbsDiff, toFloat32, visionFeeds, wave } from './run-models';

const work = mkdtempSync(join(tmpdir(), 'mini-o3-conv-'));
const out = join(work, 'out');
let ck: TinyCheckpoint;
let fp32: ConvertResult;

// Text, then three "image" tokens on a 1×1×3 grid, then text again (M-RoPE positions differ per axis).
const POSITIONS = [
  [0, 1, 2, 2, 2, 5],
  [0, 1, 2, 2, 2, 5],
  [0, 1, 2, 3, 4, 5],
];
const GRID: [number, number, number][] = [[1, 4, 12], [2, 4, 12]];

before(async () => {
  ck = await writeTinyCheckpoint(join(work, 'hf'));
  writeFileSync(join(ck.dir, 'tokenizer.json'), '{"version":"1.0"}');
  writeFileSync(join(ck.dir, 'chat_template.json'), '{"chat_template":"{{ messages }}"}');
  fp32 = await convertCheckpoint(ck.dir, out, { dtype: 'fp32' });
});

test('writes the transformers.js layout, config with text_config and external-data counts, side files', () => {
  assert.deepEqual(fp32.models.map((m) => m.file), ['onnx/embed_tokens.onnx', 'onnx/vision_encoder.onnx', 'onnx/decoder_model_merged.onnx']);
  for (const m of fp32.models) {
    assert.deepEqual(m.dataFiles, [`${m.file}_data`]);
    assert.ok(existsSync(join(out, m.file)) && existsSync(join(out, `${m.file}_data`)));
  }
  for (const f of ['tokenizer.json', 'chat_template.json', 'preprocessor_config.json', 'generation_config.json']) {
    assert.equal(readFileSync(join(out, f), 'utf8'), readFileSync(join(ck.dir, f), 'utf8'));
  }
  assert.deepEqual(fp32.warnings, []);
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.equal(config.model_type, 'qwen2_5_vl');
  assert.equal(config.text_config.model_type, 'qwen2_5_vl_text');
  assert.equal(config.text_config.num_hidden_layers, 2);
  assert.equal(config.text_config.num_key_value_heads, 2);
  assert.deepEqual(config['transformers.js_config'].use_external_data_format, {
    'embed_tokens.onnx': 1,
    'vision_encoder.onnx': 1,
    'decoder_model_merged.onnx': 1,
  });
});

test('weights live in the external data file, 64-byte aligned; the proto holds metadata only', () => {
  for (const m of fp32.models) {
    const bytes = readFileSync(join(out, m.file));
    assert.ok(bytes.length < 64 * 1024, `${m.file} is ${bytes.length} bytes`);
    const dataSize = statSync(join(out, `${m.file}_data`)).size;
    const model = decodeModel(bytes);
    let external = 0;
    for (const init of model.graph.initializer) {
      if (init.dataLocation !== 1) {
        assert.ok((init.rawData?.length ?? 0) <= 1024, `${init.name} inline`);
        continue;
      }
      const kv = Object.fromEntries((init.externalData ?? []).map((e) => [e.key, e.value]));
      assert.equal(kv.location, `${m.file.slice('onnx/'.length)}_data`);
      assert.equal(Number(kv.offset) % EXTERNAL_DATA_ALIGNMENT, 0);
      assert.ok(Number(kv.offset) + Number(kv.length) <= dataSize);
      external += Number(kv.length);
    }
    assert.equal(external, m.dataBytes);
  }
});

test('embed_tokens returns the checkpoint rows exactly (bf16 widened to fp32)', async () => {
  const session = await ort.InferenceSession.create(join(out, 'onnx/embed_tokens.onnx'));
  const ids = [3, 0, 1023, 17];
  const r = await session.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, 4]) });
  assert.deepEqual(r.inputs_embeds!.dims, [1, 4, 64]);
  const table = ck.weights.get('model.embed_tokens.weight')!.data;
  const expected = Float32Array.from(ids.flatMap((id) => Array.from(table.subarray(id * 64, id * 64 + 64))));
  assert.deepEqual(r.inputs_embeds!.data, expected);
});

test('vision_encoder runs an image and a 2-frame video (window + full blocks): one feature row per merge unit', async () => {
  const session = await ort.InferenceSession.create(join(out, 'onnx/vision_encoder.onnx'));
  const patches = 48 * 3;
  const pixels = wave(patches * 1176, 0.5);
  const r = await session.run(visionFeeds(ck.modelConfig.vision, 'float32', GRID, pixels));
  assert.deepEqual(r.image_features!.dims, [36, 64]);
  assert.ok(toFloat32(r.image_features!).every(Number.isFinite));
  // Attention never crosses frames: the last frame alone gives the same features.
  const alone = await session.run(visionFeeds(ck.modelConfig.vision, 'float32', [[1, 4, 12]], pixels.subarray(96 * 1176)));
  assert.ok(maxAbsDiff(toFloat32(alone.image_features!), toFloat32(r.image_features!).subarray(24 * 64)) < 1e-5);
  // Images of different sizes go through separate runs.
  assert.throws(() => visionFeeds(ck.modelConfig.vision, 'float32', [[1, 4, 12], [1, 2, 2]], pixels.subarray(0, 52 * 1176)), /equal patch grids/);
});

test('decoder: shapes, and prefill 5 + decode 1 equals prefill 6 on the last logits (1e-5)', async () => {
  const text = ck.modelConfig.text;
  const session = await ort.InferenceSession.create(join(out, 'onnx/decoder_model_merged.onnx'));
  const embeds = wave(6 * text.hiddenSize, 0.1, 0.5);
  const full = await session.run(decoderFeeds(text, 'float32', embeds, POSITIONS, 6));
  assert.deepEqual(full.logits!.dims, [1, 6, 1024]);
  assert.deepEqual(full['present.1.value']!.dims, [1, 2, 6, 16]);

  const first = await session.run(decoderFeeds(text, 'float32', embeds.subarray(0, 5 * 64), POSITIONS.map((p) => p.slice(0, 5)), 5));
  assert.deepEqual(first['present.0.key']!.dims, [1, 2, 5, 16]);
  const next = await session.run(decoderFeeds(text, 'float32', embeds.subarray(5 * 64), POSITIONS.map((p) => p.slice(5)), 6, first));
  assert.deepEqual(next.logits!.dims, [1, 1, 1024]);
  const diff = maxAbsDiff(toFloat32(next.logits!), toFloat32(full.logits!).subarray(5 * 1024));
  assert.ok(diff < 1e-5, `last-token logits differ by ${diff}`);
  assert.ok(maxAbsDiff(toFloat32(next['present.1.key']!), toFloat32(full['present.1.key']!)) < 1e-5);
  // M-RoPE positions matter: text-only positions give different logits.
  const sequential = await session.run(decoderFeeds(text, 'float32', embeds, [0, 1, 2].map(() => [0, 1, 2, 3, 4, 5]), 6));
  assert.ok(maxAbsDiff(toFloat32(sequential.logits!), toFloat32(full.logits!)) > 1e-3);
});

test('fp16, q4 and q4f16 variants load and run next to fp32; fp16 stays close to fp32', async () => {
  const text = ck.modelConfig.text;
  const embeds = wave(6 * text.hiddenSize, 0.1, 0.5);
  const reference = toFloat32((await (await ort.InferenceSession.create(join(out, 'onnx/decoder_model_merged.onnx'))).run(decoderFeeds(text, 'float32', embeds, POSITIONS, 6))).logits!);
  for (const [dtype, int4, suffix, kind] of [['fp16', false, '_fp16', 'float16'], ['fp32', true, '_q4', 'float32'], ['fp16', true, '_q4f16', 'float16']] as const) {
    const r = await convertCheckpoint(ck.dir, out, { dtype, int4 });
    assert.equal(r.suffix, suffix);
    const decoder = await ort.InferenceSession.create(join(out, `onnx/decoder_model_merged${suffix}.onnx`));
    const logits = (await decoder.run(decoderFeeds(text, kind, embeds, POSITIONS, 6))).logits!;
    assert.equal(logits.type, kind);
    assert.deepEqual(logits.dims, [1, 6, 1024]);
    if (!int4) assert.ok(maxAbsDiff(toFloat32(logits), reference) < 0.05, `${suffix} logits far from fp32`);
    const vision = await ort.InferenceSession.create(join(out, `onnx/vision_encoder${suffix}.onnx`));
    const features = (await vision.run(visionFeeds(ck.modelConfig.vision, kind, GRID, wave(144 * 1176, 0.5)))).image_features!;
    assert.deepEqual(features.dims, [36, 64]);
    const embed = await ort.InferenceSession.create(join(out, `onnx/embed_tokens${suffix}.onnx`));
    const e = (await embed.run({ input_ids: new ort.Tensor('int64', BigInt64Array.of(1n, 2n), [1, 2]) })).inputs_embeds!;
    assert.equal(e.type, kind);
  }
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.equal(Object.keys(config['transformers.js_config'].use_external_data_format).length, 12);
  assert.deepEqual(Object.keys(config.mini_o3_studio_onnx.variants).sort(), ['fp16', 'fp32', 'q4', 'q4f16']);
  assert.equal(config.mini_o3_studio_onnx.variants.q4.int4.zeroPoints, 'asymmetric');
});
