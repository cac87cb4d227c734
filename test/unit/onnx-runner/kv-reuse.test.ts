import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChatTokenizer } from '../../../src/core/model/onnx/chat-tokenizer';
import { readModelFolder } from '../../../src/core/model/onnx/model-folder';
import { OnnxPolicy, type OnnxTurnResult } from '../../../src/core/model/onnx/onnx-policy';
import type { GenerateParams, PolicyImage, PolicyMessage } from '../../../src/core/model/policy';
import { smartResize } from '../../../src/core/imaging/smart-resize';
import { SYSTEM_PROMPT, observationPrompt } from '../../../src/core/protocol/prompts';
import { assistantMessage, feedbackMessage, questionMessage, systemMessage } from '../../../src/core/search/conversation';
import { buildTinyOnnxModel, type TinyOnnxModel } from '../../support/tiny-onnx-model';
import { noisePixels } from '../search/fixtures';

let model: TinyOnnxModel;
let cached: OnnxPolicy;
let chunked: OnnxPolicy;
let tokenizer: ChatTokenizer;

before(async () => {
  model = await buildTinyOnnxModel();
  [cached, chunked] = await Promise.all([
    OnnxPolicy.load({ modelDir: model.dir, executionProviders: ['cpu'], threads: 1 }),
    OnnxPolicy.load({ modelDir: model.dir, executionProviders: ['cpu'], threads: 1, prefillChunk: 37 }),
  ]);
  tokenizer = new ChatTokenizer(readModelFolder(model.dir).tokenizer);
});

after(async () => {
  await Promise.all([cached?.dispose(), chunked?.dispose()]);
  model?.cleanup();
});

const image = (width: number, height: number, seed: number): PolicyImage => ({ width, height, rgb: noisePixels(width, height, seed), bytes: Buffer.alloc(0), mime: 'image/png' });
const params: GenerateParams = { max_tokens: 10, stop: ['</grounding>'], temperature: 0 };
const IMAGES = [image(224, 168, 1), image(120, 90, 2), image(96, 130, 3), image(120, 90, 9)];

/** `<|image_pad|>` tokens of an image under the tiny model's preprocessor bounds. */
function imageTokens(img: PolicyImage): number {
  const size = smartResize(img.height, img.width, { factor: 28, minPixels: 3136, maxPixels: 12_845_056 });
  return (size.height / 28) * (size.width / 28);
}

function commonPrefix(a: readonly number[], b: readonly number[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/** The same request on a cache-less run: the reference every cached turn must equal. */
async function fullPrefill(messages: PolicyMessage[], images: PolicyImage[]): Promise<OnnxTurnResult> {
  cached.resetCache();
  const result = await cached.generate(messages, images, params);
  assert.equal(result.stats.reusedTokens, 0);
  return result;
}

test('multi-turn: each turn prefills only what is new and generates exactly what a full re-prefill generates', async () => {
  const messages: PolicyMessage[] = [systemMessage(SYSTEM_PROMPT), questionMessage('<image>\nWhat is written on the sign?')];
  const turns: { result: OnnxTurnResult; images: number }[] = [];
  cached.resetCache();
  for (let turn = 0; turn < 3; turn++) {
    const images = IMAGES.slice(0, turn + 1);
    const result = await cached.generate(messages, images, params);
    turns.push({ result, images: images.length });
    if (turn > 0) {
      const previous = turns[turn - 1]!.result;
      // What the cache held: the previous prompt and every generated token that was fed back.
      const fed = previous.tokenIds.slice(0, -1);
      const reencoded = tokenizer.encode(previous.text);
      const expected = previous.stats.promptTokens + commonPrefix(fed, reencoded);
      assert.equal(result.stats.reusedTokens, expected, `turn ${turn}: reuse`);
      assert.equal(result.stats.imagesEncoded, 1, `turn ${turn}: only the new crop goes through the vision encoder`);
    }
    messages.push(assistantMessage(result.text), feedbackMessage(observationPrompt(turn, turn + 1), turn + 1));
  }
  // The same prompts from scratch.
  let replayMessages = messages.slice(0, 2);
  for (let turn = 0; turn < 3; turn++) {
    const full = await fullPrefill(replayMessages, IMAGES.slice(0, turn + 1));
    assert.deepEqual(full.tokenIds, turns[turn]!.result.tokenIds, `turn ${turn}: cached and full prefill agree`);
    assert.equal(full.stats.imagesEncoded, turn + 1);
    replayMessages = messages.slice(0, 2 + 2 * (turn + 1));
  }
});

test('forks and edits reuse the common prefix only: another crop is re-encoded, an edited turn re-prefilled from the edit', async () => {
  const base: PolicyMessage[] = [systemMessage(SYSTEM_PROMPT), questionMessage('<image>\nWhat is written on the sign?')];
  cached.resetCache();
  const first = await cached.generate(base, IMAGES.slice(0, 1), params);
  const branch = (text: string, crop: PolicyImage) => ({
    messages: [...base, assistantMessage(text), feedbackMessage(observationPrompt(0, 1), 1)],
    images: [IMAGES[0]!, crop],
  });
  const a = branch(first.text, IMAGES[1]!);
  await cached.generate(a.messages, a.images, params);
  // Same text, same crop size, other pixels: everything before that crop is reused, the crop is encoded again.
  const b = branch(first.text, IMAGES[3]!);
  const forked = await cached.generate(b.messages, b.images, params);
  const cropStart = tokenizer.encodePrompt(b.messages, b.images.map(imageTokens)).imageSpans[1]!.start;
  assert.equal(forked.stats.reusedTokens, cropStart, 'the first turn and the feedback text up to the crop are reused');
  assert.equal(forked.stats.imagesEncoded, 1);
  assert.deepEqual(forked.tokenIds, (await fullPrefill(b.messages, b.images)).tokenIds);
  // An edited assistant turn: reuse stops where the edit begins.
  await cached.generate(a.messages, a.images, params);
  const edited = branch('<think>edited by hand</think>\n<grounding>{"bbox_2d": [0.1, 0.1, 0.6, 0.6], "source": "original_image"}</grounding>', IMAGES[1]!);
  const afterEdit = await cached.generate(edited.messages, edited.images, params);
  const counts = a.images.map(imageTokens);
  const editStart = commonPrefix(tokenizer.encodePrompt(a.messages, counts).ids, tokenizer.encodePrompt(edited.messages, counts).ids);
  assert.ok(editStart >= first.stats.promptTokens);
  assert.equal(afterEdit.stats.reusedTokens, editStart);
  assert.equal(afterEdit.stats.imagesEncoded, 1, 'the crop after the edit is encoded again');
  assert.deepEqual(afterEdit.tokenIds, (await fullPrefill(edited.messages, edited.images)).tokenIds);
});

test('chunked prefill (37 tokens a run, chunks crossing image spans) gives the tokens of a one-run prefill', async () => {
  const messages: PolicyMessage[] = [
    systemMessage(SYSTEM_PROMPT),
    questionMessage('<image>\nWhat is written on the sign?'),
    assistantMessage('<think>look</think>\n<grounding>{"bbox_2d": [0.5, 0.5, 1.0, 1.0], "source": "original_image"}</grounding>'),
    feedbackMessage(observationPrompt(0, 1), 1),
  ];
  const images = IMAGES.slice(0, 2);
  const [oneRun, inChunks] = [await fullPrefill(messages, images), await chunked.generate(messages, images, params)];
  assert.ok(inChunks.stats.promptTokens > 5 * 37);
  assert.deepEqual(inChunks.tokenIds, oneRun.tokenIds);
});
