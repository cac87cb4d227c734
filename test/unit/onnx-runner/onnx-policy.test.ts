import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { onnxruntimeBinaryDir } from '../../../src/core/model/onnx/execution-providers';
import { OnnxPolicy } from '../../../src/core/model/onnx/onnx-policy';
import type { GenerateParams, PolicyImage, PolicyMessage } from '../../../src/core/model/policy';
import { SYSTEM_PROMPT } from '../../../src/core/protocol/prompts';
import { buildTinyOnnxModel, linkedCopy, type TinyOnnxModel } from '../../support/tiny-onnx-model';
import { noisePixels } from '../search/fixtures';

let model: TinyOnnxModel;
let policy: OnnxPolicy;

before(async () => {
  model = await buildTinyOnnxModel();
  policy = await OnnxPolicy.load({ modelDir: model.dir, executionProviders: ['cuda', 'webgpu', 'cpu'], threads: 1 });
});

after(async () => {
  await policy?.dispose();
  model?.cleanup();
});

function image(width: number, height: number, seed: number): PolicyImage {
  return { width, height, rgb: noisePixels(width, height, seed), bytes: Buffer.alloc(0), mime: 'image/png' };
}

const MESSAGES: PolicyMessage[] = [
  { role: 'system', content: [{ type: 'text', text: SYSTEM_PROMPT }] },
  { role: 'user', content: [{ type: 'image', index: 0 }, { type: 'text', text: '\nWhat is written on the small yellow sign?' }] },
];
const IMAGES = [image(200, 150, 3)];
const greedy = (extra: Partial<GenerateParams> = {}): GenerateParams => ({ max_tokens: 24, stop: [], temperature: 0, ...extra });

test('execution providers: tried in order, each failure has a reason, the run continues on the first that works', () => {
  assert.equal(policy.backend, 'onnx');
  const attempts = policy.providerAttempts;
  assert.deepEqual(attempts.map((a) => a.ep), attempts.map((a) => a.ep).filter((ep, i, all) => all.indexOf(ep) === i));
  assert.equal(attempts[attempts.length - 1]!.ok, true);
  assert.equal(attempts[attempts.length - 1]!.ep, policy.executionProvider);
  for (const failed of attempts.slice(0, -1)) assert.ok(failed.reason && failed.reason.length > 10, `${failed.ep} says why`);
  assert.match(policy.providerMessage, new RegExp(`^onnx: running on ${policy.executionProvider}`));
  // Where this suite runs (no GPU libraries), both GPU providers fail for the reasons a user must fix.
  const dir = onnxruntimeBinaryDir()!;
  if (!fs.existsSync(path.join(dir, 'libonnxruntime_providers_shared.so'))) {
    assert.match(policy.providerMessage, /cuda: libonnxruntime_providers_shared\.so and libonnxruntime_providers_cuda\.so not found in .*CUDA 12 \+ cuDNN 9/);
    assert.equal(policy.executionProvider === 'cuda', false);
  }
  if (policy.executionProvider === 'cpu' && attempts.some((a) => a.ep === 'webgpu')) {
    assert.match(policy.providerMessage, /webgpu: (no Vulkan loader \(libvulkan\.so\.1\)|Failed to get a WebGPU adapter)/);
  }
});

test('greedy decoding is deterministic and streams exactly its text', async () => {
  const chunks: string[] = [];
  const first = await policy.generate(MESSAGES, IMAGES, greedy(), { onChunk: (c) => chunks.push(c.delta) });
  assert.equal(first.finishReason, 'length');
  assert.equal(first.tokenIds.length, 24);
  assert.equal(chunks.join(''), first.text);
  assert.ok(first.usage?.promptTokens! > 100, 'system prompt and image tokens');
  assert.equal(first.usage?.completionTokens, 24);
  assert.ok(first.firstTokenMs! > 0);
  policy.resetCache();
  const again = await policy.generate(MESSAGES, IMAGES, greedy());
  assert.deepEqual(again.tokenIds, first.tokenIds);
  assert.equal(again.stats.reusedTokens, 0);
  // Same prompt once more: served from the cache (all but the last prompt token), same tokens.
  const cached = await policy.generate(MESSAGES, IMAGES, greedy());
  assert.equal(cached.stats.reusedTokens, cached.stats.promptTokens - 1);
  assert.equal(cached.stats.imagesEncoded, 0);
  assert.deepEqual(cached.tokenIds, first.tokenIds);
  // The same image as PNG bytes only (no raw pixels): decoded in the worker, same tokens.
  const png = await sharp(IMAGES[0]!.rgb!, { raw: { width: 200, height: 150, channels: 3 } }).png().toBuffer();
  policy.resetCache();
  const fromPng = await policy.generate(MESSAGES, [{ width: 200, height: 150, bytes: png, mime: 'image/png' }], greedy());
  assert.deepEqual(fromPng.tokenIds, first.tokenIds);
  // Another image gives other tokens: the pixels reach the model.
  const other = await policy.generate(MESSAGES, [image(200, 150, 4)], greedy());
  assert.notDeepEqual(other.tokenIds, first.tokenIds);
});

test('seeded sampling repeats with the same seed and differs with another', async () => {
  const sample = (seed: number) => policy.generate(MESSAGES, IMAGES, greedy({ temperature: 1, top_p: 0.95, top_k: 200, seed, max_tokens: 20 }));
  const a = await sample(42);
  const b = await sample(42);
  const c = await sample(43);
  assert.deepEqual(b.tokenIds, a.tokenIds);
  assert.notDeepEqual(c.tokenIds, a.tokenIds);
  const greedyRun = await policy.generate(MESSAGES, IMAGES, greedy({ max_tokens: 20 }));
  assert.notDeepEqual(a.tokenIds, greedyRun.tokenIds, 'temperature 1 is not greedy');
});

test('stop strings end the turn on their first occurrence and are kept; the token limit gives "length"', async () => {
  const full = await policy.generate(MESSAGES, IMAGES, greedy({ max_tokens: 32 }));
  // A stop string from the middle of the greedy text (skipping U+FFFD, which a stop never matches usefully).
  const clean = [...full.text].map((ch, i) => ({ ch, i })).filter(({ ch }) => ch !== '\uFFFD');
  const mid = clean[Math.floor(clean.length / 2)]!;
  const stop = full.text.slice(mid.i, mid.i + 2).replace('\uFFFD', '') || mid.ch;
  const cut = full.text.indexOf(stop) + stop.length;
  const chunks: string[] = [];
  const stopped = await policy.generate(MESSAGES, IMAGES, greedy({ max_tokens: 32, stop: [stop] }), { onChunk: (c) => chunks.push(c.delta) });
  assert.equal(stopped.finishReason, 'stop');
  assert.equal(stopped.text, full.text.slice(0, cut));
  assert.equal(chunks.join(''), stopped.text, 'nothing after the stop string was streamed');
  assert.ok(stopped.tokenIds.length < full.tokenIds.length);
  assert.deepEqual(stopped.tokenIds, full.tokenIds.slice(0, stopped.tokenIds.length));
});

test('an end-of-turn token (generation_config eos) stops the turn and is not part of the text', async () => {
  const full = await policy.generate(MESSAGES, IMAGES, greedy({ max_tokens: 12 }));
  const eosAt = full.tokenIds.findIndex((id, i) => i >= 3 && !full.tokenIds.slice(0, i).includes(id));
  assert.ok(eosAt >= 3);
  const copy = linkedCopy(model.dir, path.join(model.root, 'eos-variant'));
  const generationFile = path.join(copy, 'generation_config.json');
  const generation = JSON.parse(fs.readFileSync(generationFile, 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(generationFile, JSON.stringify({ ...generation, eos_token_id: [full.tokenIds[eosAt]] }));
  const eosPolicy = await OnnxPolicy.load({ modelDir: copy, executionProviders: ['cpu'], threads: 1 });
  try {
    const ended = await eosPolicy.generate(MESSAGES, IMAGES, greedy({ max_tokens: 12 }));
    assert.equal(ended.finishReason, 'stop');
    assert.deepEqual(ended.tokenIds, full.tokenIds.slice(0, eosAt + 1));
    assert.equal(ended.usage?.completionTokens, eosAt + 1);
    const withoutEos = await eosPolicy.generate(MESSAGES, IMAGES, greedy({ max_tokens: eosAt }));
    assert.equal(ended.text, withoutEos.text, 'the eos token adds no text');
  } finally {
    await eosPolicy.dispose();
  }
});

test('cancelling mid-generation stops between steps; the policy keeps working', async () => {
  const controller = new AbortController();
  let chunks = 0;
  const cancelled = await policy.generate(MESSAGES, IMAGES, greedy({ max_tokens: 2000 }), {
    signal: controller.signal,
    onChunk: () => {
      if (++chunks === 3) controller.abort();
    },
  });
  assert.equal(cancelled.finishReason, 'cancelled');
  assert.ok(cancelled.tokenIds.length >= 3 && cancelled.tokenIds.length < 200, `${cancelled.tokenIds.length} tokens`);
  const aborted = new AbortController();
  aborted.abort();
  assert.equal((await policy.generate(MESSAGES, IMAGES, greedy(), { signal: aborted.signal })).finishReason, 'cancelled');
  // A turn cancelled while it waits behind another never starts; the other is unaffected.
  const waiting = new AbortController();
  const [running, queued] = [
    policy.generate(MESSAGES, IMAGES, greedy({ max_tokens: 5 })),
    policy.generate(MESSAGES, IMAGES, greedy({ max_tokens: 5 }), { signal: waiting.signal }),
  ];
  waiting.abort();
  assert.deepEqual([(await queued).finishReason, (await queued).tokenIds], ['cancelled', []]);
  assert.equal((await running).finishReason, 'length');
  const after = await policy.generate(MESSAGES, IMAGES, greedy({ max_tokens: 5 }));
  assert.equal(after.finishReason, 'length');
  policy.resetCache();
  const fresh = await policy.generate(MESSAGES, IMAGES, greedy({ max_tokens: 5 }));
  assert.deepEqual(after.tokenIds, fresh.tokenIds);
});

test('exact token counts come from the model\'s tokenizer', () => {
  assert.equal(policy.countTokens(''), 0);
  assert.ok(policy.countTokens(SYSTEM_PROMPT) < SYSTEM_PROMPT.length / 2);
  assert.equal(policy.countTokens('<|im_end|>'), 1);
});

test('bad requests are refused with the reason; a disposed policy says so', async () => {
  await assert.rejects(policy.generate(MESSAGES, [], greedy()), /holds 1 <\|image_pad\|> but 0 images were given/);
  await assert.rejects(policy.generate(MESSAGES, IMAGES, greedy({ max_tokens: 0 })), /max_tokens must be a whole number >= 1/);
  await assert.rejects(policy.generate(MESSAGES, [{ ...IMAGES[0]!, rgb: Buffer.alloc(10) }], greedy()), /image 0: 10 bytes of RGB for 200x150/);
  await assert.rejects(policy.generate(MESSAGES, IMAGES, greedy({ top_p: 2 })), /top_p must be in \(0, 1\]/);
  const second = await OnnxPolicy.load({ modelDir: model.dir, executionProviders: ['cpu'], threads: 1 });
  await second.dispose();
  await assert.rejects(second.generate(MESSAGES, IMAGES, greedy()), /disposed/);
});
