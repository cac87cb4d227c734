/**
 * Parity of the converter's fp32 ONNX models (run on onnxruntime-node CPU) with the independent
 * TypeScript reference forward pass, on a tiny random Qwen2.5-VL checkpoint: vision tower (window and
 * full-attention blocks), merger, embeddings, 3-D positions, decoder logits and KV cache, and cached
 * multi-turn continuation with a new image. Tolerance: max |Δ| < 1e-4.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertCheckpoint } from '../../../src/core/convert/convert';
import { visionEncoderFeeds } from '../../../src/core/convert/vision-inputs';
import { matrix, rowOf } from '../../../src/core/model/reference/matrix';
import { encodeImages, loadReferenceModel, multimodalEmbeddings, prefillContinuation, type ReferenceModel } from '../../../src/core/model/reference/reference-model';
import { decodePositionIds, getRopeIndex, slicePositionIds, type GridThw } from '../../../src/core/model/reference/rope-index';
import { decoderForward, embedTokens } from '../../../src/core/model/reference/text-decoder';
import { visionForward } from '../../../src/core/model/reference/vision-encoder';
import { fullAttentionSeqlens, getWindowIndex, inversePermutation, patchRowCols } from '../../../src/core/model/reference/vision-positions';
import { mergeImageFeatures } from '../../../src/core/model/reference/embedding-merge';
import { writeTinyCheckpoint, type TinyCheckpoint } from '../../support/tiny-qwen-checkpoint';
import { onnxDecode, onnxEmbeddings, onnxImageFeatures, openOnnxModels, tensorToFloat32, type OnnxModels } from './support/onnx-models';
import { maxAbsDifference, randomMatrix } from './support/random-reference-model';

const TOLERANCE = 1e-4;
/** 16x24 patches = 8x12 merge units = 2x3 windows of 4x4 units (window_size 112): both block kinds matter. */
const LARGE: GridThw = [1, 16, 24];
/** 5x7 merge units: partial windows on the right and bottom. */
const PARTIAL: GridThw = [1, 10, 14];

const work = mkdtempSync(join(tmpdir(), 'parity-fp32-'));
let checkpoint: TinyCheckpoint;
let reference: ReferenceModel;
let onnx: OnnxModels;

before(async () => {
  checkpoint = await writeTinyCheckpoint(join(work, 'hf'), { dtype: 'F32', seed: 21 });
  reference = loadReferenceModel(checkpoint.dir);
  await convertCheckpoint(checkpoint.dir, join(work, 'onnx'), { dtype: 'fp32' });
  onnx = await openOnnxModels(join(work, 'onnx'), '', 'float32');
});
after(() => rmSync(work, { recursive: true, force: true }));

const pixelsFor = (grid: GridThw, seed: number) => randomMatrix(grid[0] * grid[1] * grid[2], 1176, seed, 2);
const patchCount = (grids: readonly GridThw[]) => grids.reduce((n, [t, h, w]) => n + t * h * w, 0);

function tokens(): { turn1: number[]; turn2: number[] } {
  const s = checkpoint.specialTokens;
  const image = (grid: GridThw) => [s.visionStart, ...new Array<number>((grid[0] * grid[1] * grid[2]) / 4).fill(s.imagePad), s.visionEnd];
  return {
    turn1: [s.imStart, 10, 11, s.imEnd, s.imStart, 12, ...image(LARGE), 13, 14, s.imEnd, s.imStart, 15],
    turn2: [16, 17, s.imEnd, s.imStart, 18, ...image(PARTIAL), 19, s.imEnd, s.imStart, 20],
  };
}

test('the vision encoder geometry fed to the graph is HF get_window_index / rot_pos_emb', () => {
  const v = reference.config.vision;
  for (const grids of [[LARGE], [PARTIAL], [[1, 8, 8]], [PARTIAL, PARTIAL]] as GridThw[][]) {
    const feeds = visionEncoderFeeds(grids, { windowSize: v.windowSize, patchSize: v.patchSize, spatialMergeSize: v.spatialMergeSize });
    const ours = getWindowIndex(grids, { windowSize: v.windowSize, mergeSize: v.spatialMergeSize, patchSize: v.patchSize });
    const label = JSON.stringify(grids);
    assert.deepEqual(Array.from(feeds.window_index!.data, Number), [...ours.windowIndex], label);
    assert.deepEqual(Array.from(feeds.reverse_window_index!.data, Number), [...inversePermutation(ours.windowIndex)], label);
    const { rows, cols } = patchRowCols(grids, 2);
    const expectedRotary: number[] = [];
    for (const unit of ours.windowIndex) for (let k = 0; k < 4; k++) expectedRotary.push(rows[unit * 4 + k] as number, cols[unit * 4 + k] as number);
    assert.deepEqual(Array.from(feeds.rotary_pos_ids!.data, Number), expectedRotary, label);
    const cumulative = (lengths: number[]) => lengths.map((_, i) => lengths.slice(0, i + 1).reduce((a, b) => a + b, 0));
    const mask = feeds.window_attention_key_mask!;
    const [segments, width] = mask.dims as [number, number];
    const windowLengths = Array.from({ length: segments }, (_, s) => Array.from(mask.data.subarray(s * width, (s + 1) * width), Number).reduce((a, b) => a + b, 0));
    assert.deepEqual(cumulative(windowLengths), ours.cuWindowSeqlens.slice(1), `${label} window`);
    // Full attention runs one unpadded row per frame, so its segment lengths are the gather index's row width.
    const [frames, frameLength] = feeds.full_attention_gather_index!.dims as [number, number];
    assert.deepEqual(cumulative(new Array<number>(frames).fill(frameLength)), fullAttentionSeqlens(grids).slice(1), `${label} full`);
  }
  assert.throws(() => visionEncoderFeeds([LARGE, PARTIAL], { windowSize: v.windowSize, patchSize: v.patchSize, spatialMergeSize: v.spatialMergeSize }), /separately|same/);
});

test('vision encoder + merger on a grid spanning 2x3 windows match the reference; window and full blocks both matter', async (t) => {
  const v = reference.config.vision;
  const pixels = pixelsFor(LARGE, 1);
  const ours = visionForward(v, reference.weights.vision, pixels, [LARGE]).imageFeatures;
  const theirs = await onnxImageFeatures(onnx, v, [LARGE], pixels);
  assert.deepEqual([theirs.rows, theirs.cols], [96, 64]);
  const diff = maxAbsDifference(ours.data, theirs.data);
  const allWindow = maxAbsDifference(visionForward(v, reference.weights.vision, pixels, [LARGE], { fullAttentionBlocks: [] }).imageFeatures.data, theirs.data);
  const allFull = maxAbsDifference(visionForward(v, reference.weights.vision, pixels, [LARGE], { fullAttentionBlocks: [0, 1, 2, 3] }).imageFeatures.data, theirs.data);
  t.diagnostic(`image_features max|Δ| ${diff.toExponential(2)}; reference with all-window blocks ${allWindow.toFixed(3)}, all-full ${allFull.toFixed(3)}`);
  assert.ok(diff < TOLERANCE, `image features differ by ${diff}`);
  assert.ok(allWindow > 100 * TOLERANCE && allFull > 100 * TOLERANCE, 'the test image does not distinguish window from full attention');
});

test('vision encoder with partial windows and two images in one call matches the reference', async () => {
  const v = reference.config.vision;
  // One run takes images of one size (no key mask in full attention); mixed sizes run separately.
  for (const grids of [[PARTIAL], [PARTIAL, PARTIAL]] as GridThw[][]) {
    const pixels = randomMatrix(patchCount(grids), 1176, 2, 2);
    const ours = visionForward(v, reference.weights.vision, pixels, grids).imageFeatures;
    const theirs = await onnxImageFeatures(onnx, v, grids, pixels);
    const diff = maxAbsDifference(ours.data, theirs.data);
    assert.ok(diff < TOLERANCE, `${JSON.stringify(grids)}: image features differ by ${diff}`);
  }
});

test('embed_tokens returns the checkpoint rows exactly', async () => {
  const ids = [0, 5, 1023, checkpoint.specialTokens.imagePad];
  assert.deepEqual((await onnxEmbeddings(onnx, ids)).data, embedTokens(reference.config.text, reference.weights.text, ids).data);
});

test('decoder logits and KV cache for a prompt with an image (ONNX embeddings + ONNX image features + reference positions)', async (t) => {
  const { turn1 } = tokens();
  const text = reference.config.text;
  const pixels = pixelsFor(LARGE, 3);
  const rope = getRopeIndex(turn1, [LARGE], { imageTokenId: reference.config.imageTokenId, videoTokenId: reference.config.videoTokenId, visionStartTokenId: reference.config.visionStartTokenId, spatialMergeSize: 2 });
  assert.ok(rope.ropeDelta < 0 && new Set(rope.positionIds[2]).size < turn1.length, 'the prompt has 3-D image positions');

  const ours = prefillContinuation(reference, turn1, [LARGE], encodeImages(reference, [{ grid: LARGE, pixelValues: pixels }]));
  const embeds = mergeImageFeatures(await onnxEmbeddings(onnx, turn1), turn1, reference.config.imageTokenId, await onnxImageFeatures(onnx, reference.config.vision, [LARGE], pixels));
  const theirs = await onnxDecode(onnx, text, embeds, rope.positionIds);
  const diff = maxAbsDifference(ours.logits.data, theirs.logits.data);
  let cacheDiff = 0;
  ours.cache.forEach((layer, i) => {
    cacheDiff = Math.max(cacheDiff, maxAbsDifference(layer.key, tensorToFloat32(theirs.present[`present.${i}.key`]!)), maxAbsDifference(layer.value, tensorToFloat32(theirs.present[`present.${i}.value`]!)));
  });
  const sequential = await onnxDecode(onnx, text, embeds, [0, 1, 2].map(() => Int32Array.from(turn1, (_, i) => i)) as [Int32Array, Int32Array, Int32Array]);
  const positionsMatter = maxAbsDifference(sequential.logits.data, ours.logits.data);
  t.diagnostic(`logits [${theirs.logits.rows}x${theirs.logits.cols}] max|Δ| ${diff.toExponential(2)}, present.* max|Δ| ${cacheDiff.toExponential(2)}; with 1-D positions instead: ${positionsMatter.toFixed(3)}`);
  assert.ok(diff < TOLERANCE, `logits differ by ${diff}`);
  assert.ok(cacheDiff < TOLERANCE, `KV cache (post-RoPE keys, values) differs by ${cacheDiff}`);
  assert.ok(positionsMatter > 100 * TOLERANCE);
});

test('cached multi-turn on ONNX: continuing turn 1\'s cache with text and a new image equals a full prefill, and the reference', async (t) => {
  const { turn1, turn2 } = tokens();
  const text = reference.config.text;
  const conversation = [...turn1, ...turn2];
  const grids = [LARGE, PARTIAL];
  const images = [{ grid: LARGE, pixelValues: pixelsFor(LARGE, 4) }, { grid: PARTIAL, pixelValues: pixelsFor(PARTIAL, 5) }];
  const options = { imageTokenId: reference.config.imageTokenId, videoTokenId: reference.config.videoTokenId, visionStartTokenId: reference.config.visionStartTokenId, spatialMergeSize: 2 };
  const positions = getRopeIndex(conversation, grids, options).positionIds;
  const features = await Promise.all(images.map((image) => onnxImageFeatures(onnx, reference.config.vision, [image.grid], image.pixelValues)));

  const embeds1 = mergeImageFeatures(await onnxEmbeddings(onnx, turn1), turn1, reference.config.imageTokenId, features[0]!);
  const first = await onnxDecode(onnx, text, embeds1, slicePositionIds(positions, 0, turn1.length));
  const embeds2 = mergeImageFeatures(await onnxEmbeddings(onnx, turn2), turn2, reference.config.imageTokenId, features[1]!);
  const continued = await onnxDecode(onnx, text, embeds2, slicePositionIds(positions, turn1.length), first.present);
  const fullEmbeds = matrix(conversation.length, text.hiddenSize, Float32Array.from([...embeds1.data, ...embeds2.data]));
  const full = await onnxDecode(onnx, text, fullEmbeds, positions);
  const ours = prefillContinuation(reference, conversation, grids, encodeImages(reference, images));

  const last = conversation.length - 1;
  const cachedVsFull = maxAbsDifference(rowOf(continued.logits, turn2.length - 1), rowOf(full.logits, last));
  const cachedVsReference = maxAbsDifference(rowOf(continued.logits, turn2.length - 1), rowOf(ours.logits, last));
  t.diagnostic(`last logits: cached vs full prefill ${cachedVsFull.toExponential(2)}, cached vs reference ${cachedVsReference.toExponential(2)}`);
  assert.ok(cachedVsFull < TOLERANCE && cachedVsReference < TOLERANCE);

  // One greedy decode step after the turn, at past + rope delta, on both sides.
  const next = [21];
  const delta = getRopeIndex(conversation, grids, options).ropeDelta;
  const stepPositions = decodePositionIds(conversation.length, 1, delta);
  const theirsStep = await onnxDecode(onnx, text, await onnxEmbeddings(onnx, next), stepPositions, continued.present);
  const oursStep = decoderForward(text, reference.weights.text, multimodalEmbeddings(reference, next, []), stepPositions, ours.cache);
  const stepDiff = maxAbsDifference(theirsStep.logits.data, oursStep.logits.data);
  assert.ok(stepDiff < TOLERANCE, `decode step logits differ by ${stepDiff}`);
});
