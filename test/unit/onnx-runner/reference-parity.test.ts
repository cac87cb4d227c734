import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { preprocessForQwen } from '../../../src/core/imaging/preprocess';
import { ChatTokenizer } from '../../../src/core/model/onnx/chat-tokenizer';
import { readModelFolder } from '../../../src/core/model/onnx/model-folder';
import { OnnxPolicy } from '../../../src/core/model/onnx/onnx-policy';
import { argmax } from '../../../src/core/model/onnx/sampling';
import type { PolicyImage, PolicyMessage } from '../../../src/core/model/policy';
import { matrix } from '../../../src/core/model/reference/matrix';
import { encodeImages, loadReferenceModel, prefillContinuation, type ReferenceModel } from '../../../src/core/model/reference/reference-model';
import { emptyKvCache } from '../../../src/core/model/reference/text-decoder';
import { SYSTEM_PROMPT, observationPrompt } from '../../../src/core/protocol/prompts';
import { assistantMessage, feedbackMessage, questionMessage, systemMessage } from '../../../src/core/search/conversation';
import { buildTinyOnnxModel, type TinyOnnxModel } from '../../support/tiny-onnx-model';
import { noisePixels } from '../search/fixtures';

/**
 * The runner against the plain-TypeScript reference forward pass (Hugging Face semantics): the
 * same prompt ids, image features, 3-D positions and greedy tokens, over two turns where the
 * second adds a crop and is served from the KV cache.
 */

let model: TinyOnnxModel;
let policy: OnnxPolicy;
let reference: ReferenceModel;
let tokenizer: ChatTokenizer;

before(async () => {
  model = await buildTinyOnnxModel();
  policy = await OnnxPolicy.load({ modelDir: model.dir, executionProviders: ['cpu'], threads: 1, prefillChunk: 100 });
  reference = loadReferenceModel(model.checkpointDir);
  tokenizer = new ChatTokenizer(readModelFolder(model.dir).tokenizer);
});

after(async () => {
  await policy?.dispose();
  model?.cleanup();
});

const image = (width: number, height: number, seed: number): PolicyImage => ({ width, height, rgb: noisePixels(width, height, seed), bytes: Buffer.alloc(0), mime: 'image/png' });

/** Greedy tokens of the reference: full prefill of the prompt, then one token at a time with its cache. */
function referenceGreedy(messages: PolicyMessage[], images: PolicyImage[], steps: number): number[] {
  const pixels = images.map((img) => preprocessForQwen({ width: img.width, height: img.height, channels: 3, data: Buffer.from(img.rgb!) }, { minPixels: 3136, maxPixels: 12_845_056 }));
  const prompt = tokenizer.encodePrompt(messages, pixels.map((p) => p.numImageTokens));
  const grids = pixels.map((p) => p.gridThw);
  const features = encodeImages(reference, pixels.map((p) => ({ pixelValues: matrix(p.numPatches, p.patchDim, p.pixelValues), grid: p.gridThw })));
  let step = prefillContinuation(reference, prompt.ids, grids, features, emptyKvCache(reference.config.text), { lastLogitsOnly: true });
  const ids = [...prompt.ids];
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    const logits = step.logits.data.subarray((step.logits.rows - 1) * step.logits.cols);
    const token = argmax(logits, tokenizer.size);
    out.push(token);
    ids.push(token);
    if (i + 1 < steps) step = prefillContinuation(reference, ids, grids, [], step.cache, { lastLogitsOnly: true });
  }
  return out;
}

test('greedy tokens equal the reference forward pass, first turn and a cached second turn with a crop', async () => {
  const messages: PolicyMessage[] = [systemMessage(SYSTEM_PROMPT), questionMessage('<image>\nWhat is written on the sign?')];
  const images = [image(168, 112, 5)];
  const params = { max_tokens: 6, stop: [], temperature: 0 };
  const first = await policy.generate(messages, images, params);
  assert.deepEqual(first.tokenIds, referenceGreedy(messages, images, 6), 'turn 1');

  const second: PolicyMessage[] = [
    ...messages,
    assistantMessage('<think>zoom</think>\n<grounding>{"bbox_2d": [0.5, 0.5, 1.0, 1.0], "source": "original_image"}</grounding>'),
    feedbackMessage(observationPrompt(0, 1), 1),
  ];
  const withCrop = [...images, image(84, 140, 6)];
  const next = await policy.generate(second, withCrop, params);
  assert.ok(next.stats.reusedTokens > 0, 'served from the cache');
  assert.equal(next.stats.imagesEncoded, 1);
  assert.deepEqual(next.tokenIds, referenceGreedy(second, withCrop, 6), 'turn 2');
});
