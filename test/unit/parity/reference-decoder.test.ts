import { test } from 'node:test';
import assert from 'node:assert/strict';
import { truncateKvLayer } from '../../../src/core/model/reference/attention';
import { rowOf } from '../../../src/core/model/reference/matrix';
import { encodeImages, multimodalEmbeddings, prefillContinuation, referenceModelFromTensors, type ReferenceImage } from '../../../src/core/model/reference/reference-model';
import { decodePositionIds, getRopeIndex, slicePositionIds } from '../../../src/core/model/reference/rope-index';
import { decoderForward, kvCacheLength } from '../../../src/core/model/reference/text-decoder';
import { parseReferenceConfig } from '../../../src/core/model/reference/config';
import { imageSpan, maxAbsDifference, randomConfigJson, randomMatrix, randomReferenceModel, randomTensors, TOKENS } from './support/random-reference-model';

const model = randomReferenceModel({ seed: 12, windowSize: 8, fullAttentionBlocks: [1] });
const image1: ReferenceImage = { grid: [1, 8, 12], pixelValues: randomMatrix(96, 24, 50) };
const image2: ReferenceImage = { grid: [1, 4, 6], pixelValues: randomMatrix(24, 24, 51) };
const ropeOptions = { imageTokenId: TOKENS.image, videoTokenId: TOKENS.video, visionStartTokenId: TOKENS.visionStart, spatialMergeSize: 2 };

const turn1 = [1, 2, 3, ...imageSpan(24), 4, 5];
const turn2 = [6, 7, 8, ...imageSpan(6), 9, 10, 11];

test('prefill with an image, then token-by-token decode with the cache, equals one full forward', () => {
  const tokens = [...turn1, 20, 21, 22];
  const [features] = encodeImages(model, [image1]);
  const embeds = multimodalEmbeddings(model, tokens, [features!]);
  const { positionIds } = getRopeIndex(tokens, [image1.grid], ropeOptions);
  const full = decoderForward(model.config.text, model.weights.text, embeds, positionIds);

  const prefillLength = turn1.length;
  const prefill = decoderForward(model.config.text, model.weights.text, { rows: prefillLength, cols: embeds.cols, data: embeds.data.slice(0, prefillLength * embeds.cols) }, slicePositionIds(positionIds, 0, prefillLength));
  const { ropeDelta } = getRopeIndex(turn1, [image1.grid], ropeOptions);
  let cache = prefill.cache;
  for (let i = prefillLength; i < tokens.length; i++) {
    const step = decoderForward(model.config.text, model.weights.text, { rows: 1, cols: embeds.cols, data: rowOf(embeds, i).slice() }, decodePositionIds(i, 1, ropeDelta), cache);
    cache = step.cache;
    assert.ok(maxAbsDifference(rowOf(step.logits, 0), rowOf(full.logits, i)) < 1e-5, `token ${i}`);
  }
  assert.equal(kvCacheLength(cache), tokens.length);
  assert.ok(maxAbsDifference(rowOf(prefill.logits, prefillLength - 1), rowOf(full.logits, prefillLength - 1)) < 1e-5);
});

test('multi-turn: a cached continuation that brings a new image equals a full prefill of the whole conversation', () => {
  const [features1, features2] = encodeImages(model, [image1, image2]);
  const grids = [image1.grid, image2.grid];
  const first = prefillContinuation(model, turn1, [image1.grid], [features1!]);
  const conversation = [...turn1, ...turn2];
  const continued = prefillContinuation(model, conversation, grids, [features2!], first.cache, { lastLogitsOnly: true });
  const fresh = prefillContinuation(model, conversation, grids, [features1!, features2!]);
  assert.equal(continued.logits.rows, 1);
  assert.ok(maxAbsDifference(continued.logits.data, rowOf(fresh.logits, conversation.length - 1)) < 1e-5);
  assert.equal(continued.ropeDelta, fresh.ropeDelta);
  // Using decode positions (past + delta) for a span with an image would misplace it: the logits differ.
  const naive = decoderForward(model.config.text, model.weights.text, multimodalEmbeddings(model, turn2, [features2!]), decodePositionIds(turn1.length, turn2.length, first.ropeDelta), first.cache);
  assert.ok(maxAbsDifference(rowOf(naive.logits, turn2.length - 1), rowOf(fresh.logits, conversation.length - 1)) > 1e-4);
});

test('rolling the cache back to turn 1 and continuing differently equals a fresh prefill', () => {
  const [features1, features2] = encodeImages(model, [image1, image2]);
  const long = prefillContinuation(model, [...turn1, 30, 31, 32], [image1.grid], [features1!]);
  const rolledBack = long.cache.map((layer) => truncateKvLayer(layer, turn1.length));
  const conversation = [...turn1, ...turn2];
  const continued = prefillContinuation(model, conversation, [image1.grid, image2.grid], [features2!], rolledBack);
  const fresh = prefillContinuation(model, conversation, [image1.grid, image2.grid], [features1!, features2!]);
  assert.ok(maxAbsDifference(rowOf(continued.logits, turn2.length - 1), rowOf(fresh.logits, conversation.length - 1)) < 1e-5);
});

test('image features replace exactly the <|image_pad|> rows, in order', () => {
  const tokens = [1, ...imageSpan(2), 2, ...imageSpan(1)];
  const features = [randomMatrix(2, 32, 60), randomMatrix(1, 32, 61)];
  const embeds = multimodalEmbeddings(model, tokens, features);
  const table = model.weights.text.embedTokens;
  assert.deepEqual(rowOf(embeds, 0), table.subarray(32, 64));
  assert.deepEqual(rowOf(embeds, 2), features[0]!.data.subarray(0, 32));
  assert.deepEqual(rowOf(embeds, 3), features[0]!.data.subarray(32, 64));
  assert.deepEqual(rowOf(embeds, 7), features[1]!.data);
  assert.deepEqual(rowOf(embeds, 8), table.subarray(TOKENS.visionEnd * 32, (TOKENS.visionEnd + 1) * 32));
  assert.throws(() => multimodalEmbeddings(model, tokens, [features[0]!]), /tokens: 3, features 2/);
});

test('the newer model.language_model.* / model.visual.* key layout loads the same weights', () => {
  const config = parseReferenceConfig(randomConfigJson({ seed: 12 }));
  const nested = randomTensors(config, { seed: 12, nestedKeys: true });
  const nestedModel = referenceModelFromTensors(config, (name) => nested.get(name));
  assert.deepEqual(nestedModel.weights.text.layers[1]!.qBias, model.weights.text.layers[1]!.qBias);
  assert.deepEqual(nestedModel.weights.vision.mergerFc2Weight, model.weights.vision.mergerFc2Weight);
});

test('tied embeddings use embed_tokens as the head; a missing tensor is named', () => {
  const json = { ...randomConfigJson(), tie_word_embeddings: true };
  const config = parseReferenceConfig(json);
  const tensors = randomTensors(config, { seed: 2 });
  tensors.delete('lm_head.weight');
  const tied = referenceModelFromTensors(config, (name) => tensors.get(name));
  assert.equal(tied.weights.text.lmHead, tied.weights.text.embedTokens);
  const untied = parseReferenceConfig(randomConfigJson());
  assert.throws(() => referenceModelFromTensors(untied, (name) => tensors.get(name)), /tensor lm_head\.weight \(or model\.lm_head\.weight\) is missing/);
  tensors.delete('visual.blocks.2.attn.qkv.bias');
  assert.throws(() => referenceModelFromTensors(config, (name) => tensors.get(name)), /tensor model\.visual\.blocks\.2\.attn\.qkv\.bias \(or visual\.blocks\.2\.attn\.qkv\.bias\) is missing/);
});
