import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_LIMITS } from '../../../src/core/trajectory/schema';
import {
  DEFAULT_SEARCH_SETTINGS,
  contextBudget,
  cropModelSize,
  estimateTokens,
  modelImageTokens,
  originalModelSize,
  resolveSearchSettings,
  samplingOfSettings,
} from '../../../src/core/search';
import { SYSTEM_PROMPT } from '../../../src/core/protocol/prompts';

test('defaults are Mini-o3\'s inference settings; max_images follows a raised max_turns unless given', () => {
  assert.deepEqual(resolveSearchSettings(), { ...DEFAULT_LIMITS, max_tokens: 8192, temperature: 1, top_p: 1, top_k: -1 });
  assert.equal(DEFAULT_SEARCH_SETTINGS.max_turns, 12);
  assert.equal(resolveSearchSettings({ max_turns: 32 }).max_images, 32);
  assert.equal(resolveSearchSettings({ max_turns: 4 }).max_images, 12);
  assert.equal(resolveSearchSettings({ max_turns: 32, max_images: 6 }).max_images, 6);
  assert.equal(resolveSearchSettings({ max_turns: undefined }).max_turns, 12, 'undefined fields keep their default');
  assert.deepEqual(samplingOfSettings(resolveSearchSettings({ temperature: 0, seed: 1 })), { max_tokens: 8192, temperature: 0, top_p: 1, top_k: -1, seed: 1 });
});

test('every invalid setting is refused, naming the field', () => {
  const cases: [Record<string, number>, RegExp][] = [
    [{ max_turns: 0 }, /settings\.max_turns: must be an integer 1\.\.64, got 0/],
    [{ max_turns: 2.5 }, /settings\.max_turns/],
    [{ max_images: 0 }, /settings\.max_images: must be an integer >= 1/],
    [{ max_tokens: -1 }, /settings\.max_tokens/],
    [{ min_pixels: 5000, max_pixels: 4000 }, /settings\.min_pixels: must not exceed max_pixels/],
    [{ temperature: -0.1 }, /settings\.temperature/],
    [{ top_p: 0 }, /settings\.top_p: must be in \(0, 1\]/],
    [{ top_k: 0 }, /settings\.top_k: must be -1 \(off\) or an integer >= 1/],
    [{ seed: 0.5 }, /settings\.seed/],
    [{ max_context: Number.NaN }, /settings\.max_context/],
  ];
  for (const [partial, message] of cases) assert.throws(() => resolveSearchSettings(partial), message);
  assert.equal(resolveSearchSettings({ top_k: -1 }).top_k, -1);
});

test('token estimate: chat-template special tokens count one each, digits one each', () => {
  assert.equal(estimateTokens('<|im_end|>\n<|im_start|>user\n'), 2 + Math.ceil(6 / 3));
  assert.equal(estimateTokens('<|vision_start|><|image_pad|><|vision_end|>'), 3);
  assert.equal(estimateTokens('[0.25, 0.5]'), 5 + Math.ceil(6 / 3));
});

test('image tokens: Mini-o3 rescale, then Qwen smart_resize, (h/28)*(w/28)', () => {
  const bounds = { min_pixels: 40_000, max_pixels: 2_000_000 };
  // 4000x3000 -> sqrt(2e6/12e6) -> 1632x1224 -> smart_resize 1624x1232 -> 58*44
  assert.deepEqual(originalModelSize({ width: 4000, height: 3000 }, bounds), { width: 1632, height: 1224 });
  assert.equal(modelImageTokens({ width: 1632, height: 1224 }), 2552);
  // a 159x119 crop is scaled up to 40k pixels: 231x173 -> smart_resize 224x168 -> 8*6
  assert.deepEqual(cropModelSize({ width: 159, height: 119 }, bounds), { width: 231, height: 173 });
  assert.equal(modelImageTokens({ width: 231, height: 173 }), 48);
});

test('the replay budget counts the initial prompt with the template and the original\'s tokens', () => {
  const budget = contextBudget({ min_pixels: 40_000, max_pixels: 2_000_000 });
  const t = { id: 'x', task: { id: 'x', question: '<image>\nQ?', images: ['a.png'] }, turns: [] };
  const template = `<|im_start|>system\n${SYSTEM_PROMPT}<|im_end|>\n<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>\nQ?<|im_end|>\n<|im_start|>assistant\n`;
  assert.equal(budget.initialPrompt(t, { width: 4000, height: 3000 }), estimateTokens(template) + 2552 - 1);
  assert.equal(budget.cropImage({ width: 159, height: 119 }), 48);
});
