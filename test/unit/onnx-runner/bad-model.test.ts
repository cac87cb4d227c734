import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  describeProviderChoice,
  diagnoseProviderFailure,
  firstWorkingProvider,
  NoExecutionProviderError,
  parseExecutionProviders,
} from '../../../src/core/model/onnx/execution-providers';
import { DataType, decodeModel, encodeModel } from '../../../src/core/convert/onnx-proto';
import { convertCheckpoint } from '../../../src/core/convert/convert';
import { ModelFolderError, preferredVariant, readModelFolder } from '../../../src/core/model/onnx/model-folder';
import { OnnxPolicy } from '../../../src/core/model/onnx/onnx-policy';
import { describeRunFailure, isOutOfMemory, OnnxOutOfMemoryError } from '../../../src/core/model/onnx/runtime-errors';
import { buildTinyOnnxModel, linkedCopy, type TinyOnnxModel } from '../../support/tiny-onnx-model';

let model: TinyOnnxModel;
before(async () => {
  model = await buildTinyOnnxModel();
});
after(() => model?.cleanup());

let variants = 0;
/** A hard-linked copy of the converted model, changed by `edit`. */
function variant(edit: (dir: string) => void): string {
  const dir = linkedCopy(model.dir, path.join(model.root, `variant-${++variants}`));
  edit(dir);
  return dir;
}

function rewriteJson(file: string, change: (json: Record<string, unknown>) => Record<string, unknown>): void {
  fs.writeFileSync(file, JSON.stringify(change(JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>)));
}

test('folders that are not converted models say what they are and what to do', () => {
  assert.throws(() => readModelFolder(path.join(model.root, 'nowhere')), /nowhere: the model folder does not exist/);
  assert.throws(() => readModelFolder(model.checkpointDir), /a Hugging Face checkpoint \(safetensors\), not yet converted to ONNX: convert the Hugging Face checkpoint with `mini-o3-studio convert/);
  const genai = path.join(model.root, 'genai');
  fs.mkdirSync(genai);
  fs.writeFileSync(path.join(genai, 'genai_config.json'), '{}');
  fs.writeFileSync(path.join(genai, 'model.onnx'), '');
  assert.throws(() => readModelFolder(genai), /an onnxruntime-genai export \(genai_config\.json\); this backend needs the transformers\.js layout/);
  const file = path.join(model.root, 'file.onnx');
  fs.writeFileSync(file, '');
  assert.throws(() => readModelFolder(file), /is not a folder/);
});

test('missing or broken files are named with the field or file at fault', () => {
  const noTokenizer = variant((dir) => fs.rmSync(path.join(dir, 'tokenizer.json')));
  assert.throws(() => readModelFolder(noTokenizer), (e: unknown) => e instanceof ModelFolderError && e.file.endsWith('tokenizer.json') && /missing/.test(e.message));
  const noDecoder = variant((dir) => fs.rmSync(path.join(dir, 'onnx', 'decoder_model_merged.onnx')));
  assert.throws(() => readModelFolder(noDecoder), /decoder_model_merged\.onnx: missing: expected decoder_model_merged\.onnx .*the folder holds embed_tokens\.onnx, vision_encoder\.onnx/);
  const brokenConfig = variant((dir) => fs.writeFileSync(path.join(dir, 'config.json'), '{"model_type": '));
  assert.throws(() => readModelFolder(brokenConfig), /config\.json: is not valid JSON/);
  const otherModel = variant((dir) => rewriteJson(path.join(dir, 'config.json'), (c) => ({ ...c, model_type: 'llava', architectures: ['LlavaForConditionalGeneration'] })));
  assert.throws(() => readModelFolder(otherModel), /config\.json: not a Qwen2\.5-VL checkpoint: .*found model_type "llava"/);
  const noTemplate = variant((dir) => fs.rmSync(path.join(dir, 'chat_template.json')));
  assert.throws(() => readModelFolder(noTemplate), /chat_template\.json: missing, and tokenizer_config\.json has no "chat_template"/);
  const otherMean = variant((dir) => rewriteJson(path.join(dir, 'preprocessor_config.json'), (c) => ({ ...c, image_mean: [0.5, 0.5, 0.5] })));
  assert.throws(() => readModelFolder(otherMean), /preprocessor_config\.json: field "image_mean" is \[0\.5,0\.5,0\.5\]; only Qwen2-VL's CLIP values/);
  assert.throws(() => readModelFolder(model.dir, { variant: '_q4' }), /vision_encoder_q4\.onnx: missing: expected vision_encoder_q4\.onnx; the folder holds decoder_model_merged\.onnx/);
});

test('through the policy: a decoder of another signature, a tokenizer of another model, a corrupt file', async () => {
  const wrongDecoder = variant((dir) => {
    fs.rmSync(path.join(dir, 'onnx', 'decoder_model_merged.onnx'));
    fs.copyFileSync(path.join(dir, 'onnx', 'embed_tokens.onnx'), path.join(dir, 'onnx', 'decoder_model_merged.onnx'));
  });
  await assert.rejects(OnnxPolicy.load({ modelDir: wrongDecoder, executionProviders: ['cpu'] }), (e: unknown) =>
    e instanceof ModelFolderError && /decoder_model_merged\.onnx: input "inputs_embeds" missing \(expected the transformers\.js merged decoder/.test(e.message));
  const shiftedIds = variant((dir) => rewriteJson(path.join(dir, 'config.json'), (c) => ({ ...c, image_token_id: 151655 })));
  await assert.rejects(OnnxPolicy.load({ modelDir: shiftedIds, executionProviders: ['cpu'] }), /config\.json: field "image_token_id" is 151655 but tokenizer\.json has <\|image_pad\|> at 1012/);
  // A vision encoder from another converter version: an input this runner cannot compute.
  const otherVersion = variant((dir) => {
    const file = path.join(dir, 'onnx', 'vision_encoder.onnx');
    const proto = decodeModel(fs.readFileSync(file));
    proto.graph.input.push({ name: 'full_attention_key_mask', type: { tensorType: { elemType: DataType.INT32, shape: { dim: [{ dimParam: 'f' }, { dimParam: 'l' }] } } } });
    fs.rmSync(file);
    fs.writeFileSync(file, encodeModel(proto));
  });
  await assert.rejects(OnnxPolicy.load({ modelDir: otherVersion, executionProviders: ['cpu'] }), (e: unknown) =>
    e instanceof ModelFolderError && /vision_encoder\.onnx: takes "full_attention_key_mask", which this version cannot provide .*convert the checkpoint again/.test(e.message));
  const corrupt = variant((dir) => {
    const file = path.join(dir, 'onnx', 'vision_encoder.onnx');
    fs.rmSync(file);
    fs.writeFileSync(file, 'not a model');
  });
  await assert.rejects(OnnxPolicy.load({ modelDir: corrupt, executionProviders: ['webgpu', 'cpu'] }), /vision_encoder\.onnx|Protobuf parsing failed/);
});

test('variants: a folder with fp32 and fp16+int4 files runs fp32 on the CPU and would run fp16 on a GPU', async () => {
  const both = variant(() => undefined);
  await convertCheckpoint(model.checkpointDir, both, { dtype: 'fp16', int4: true });
  const folder = readModelFolder(both);
  assert.deepEqual(folder.variants, ['', '_q4f16']);
  assert.equal(preferredVariant(folder.variants, true), '_q4f16');
  assert.equal(preferredVariant(folder.variants, false), '');
  assert.equal(preferredVariant(['_fp16', '_q4'], false), '_q4');
  assert.deepEqual(readModelFolder(both, { variant: '_q4f16' }).variants, ['_q4f16']);
  const policy = await OnnxPolicy.load({ modelDir: both, executionProviders: ['cpu'], threads: 1 });
  try {
    assert.match(policy.info.files.decoder, /onnx\/decoder_model_merged\.onnx$/);
  } finally {
    await policy.dispose();
  }
  const forced = await OnnxPolicy.load({ modelDir: both, executionProviders: ['cpu'], threads: 1, variant: '_q4f16' });
  try {
    assert.match(forced.info.files.decoder, /decoder_model_merged_q4f16\.onnx$/);
    const result = await forced.generate(
      [{ role: 'user', content: [{ type: 'image', index: 0 }, { type: 'text', text: 'What?' }] }],
      [{ width: 56, height: 56, rgb: Buffer.alloc(56 * 56 * 3, 128), bytes: Buffer.alloc(0), mime: 'image/png' }],
      { max_tokens: 4, stop: [], temperature: 0 }, {});
    assert.equal(result.tokenIds.length, 4, 'fp16 activations, fp16 KV cache and fp16 logits run end to end');
  } finally {
    await forced.dispose();
  }
});

test('provider choice: names are checked, failures diagnosed, a model error is not retried on the next provider', async () => {
  assert.deepEqual(parseExecutionProviders(' CUDA, cpu,cuda '), ['cuda', 'cpu']);
  assert.throws(() => parseExecutionProviders('tpu'), /unknown execution provider "tpu" \(known: cuda, webgpu, cpu\)/);
  assert.throws(() => parseExecutionProviders(''), /no execution provider given/);
  const webgpuMessage = 'webgpu_context.cc:136 ... adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters\n';
  assert.match(diagnoseProviderFailure('webgpu', new Error(webgpuMessage)), /no Vulkan loader|Failed to get a WebGPU adapter: No supported adapters/);
  assert.match(diagnoseProviderFailure('cuda', new Error('OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library')), /cuda|CUDA/i);

  const tried: string[] = [];
  const chosen = await firstWorkingProvider(['webgpu', 'cpu'], async (ep) => {
    tried.push(ep);
    if (ep === 'webgpu') throw new Error(webgpuMessage);
    return 'session';
  }, () => false);
  assert.equal(chosen.ep, 'cpu');
  assert.match(describeProviderChoice(chosen.ep, chosen.attempts), /^onnx: running on cpu \(webgpu: /);
  await assert.rejects(firstWorkingProvider(['cpu'], async () => {
    throw new Error('boom');
  }, () => false), (e: unknown) => e instanceof NoExecutionProviderError && /cpu: boom/.test(e.message));
  const modelTries: string[] = [];
  await assert.rejects(firstWorkingProvider(['webgpu', 'cpu'], async (ep) => {
    modelTries.push(ep);
    throw new Error('Load model from x.onnx failed: Protobuf parsing failed');
  }, (e) => /Protobuf/.test(String(e))), /Protobuf parsing failed/);
  assert.equal(modelTries.length <= 1, true);
});

test('out of memory is recognised in its spellings and explained', () => {
  for (const message of [
    'Failed to allocate memory for requested buffer of size 8589934592',
    'CUDA failure 2: out of memory ; GPU=0 ; hostname=x',
    'std::bad_alloc',
    'RangeError: Array buffer allocation failed',
  ]) assert.ok(isOutOfMemory(new Error(message)), message);
  assert.equal(isOutOfMemory(new Error('Non-zero status code returned while running MatMul node')), false);
  const error = describeRunFailure(new Error('Failed to allocate memory for requested buffer'), { ep: 'cuda', stage: 'prefill of 5120 tokens' });
  assert.ok(error instanceof OnnxOutOfMemoryError);
  assert.match(error.message, /out of memory on cuda during the prefill of 5120 tokens .*Lower max_pixels .*served \(OpenAI-compatible\) backend/);
  assert.match(describeRunFailure(new Error('Got invalid dimensions'), { ep: 'cpu', stage: 'decoding' }).message, /onnxruntime failed on cpu during the decoding: Got invalid dimensions/);
});
