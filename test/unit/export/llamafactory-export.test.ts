import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { exportDataset } from '../../../src/core/export';
import { errorFeedback, observationPrompt, SYSTEM_PROMPT } from '../../../src/core/protocol/prompts';
import type { Box4 } from '../../../src/core/trajectory/schema';
import { answerTurn, cropRaw, cropTurn, LOOSE_LIMITS, makeDataset, QUESTION, readPng, tempRoot, trajectory } from './fixtures';

const PYTHON = '/usr/bin/python3';
const noPil = spawnSync(PYTHON, ['-c', 'import PIL'], { encoding: 'utf8' }).status === 0 ? false : 'needs /usr/bin/python3 with PIL';

const CHAIN_TURNS = [
  cropTurn([0.25, 0.25, 0.75, 0.75], 'original_image'),
  cropTurn([0.1, 0.1, 0.2, 0.2], 'observation_5', 'look at a later observation'),
  cropTurn([0.5, 0.5, 1.0, 1.0], 'observation_1', 'zoom into the first crop'),
  answerTurn('K7Q2'),
];
// observation_1 = [200,150,600,450) of 800x600; observation_2 = [200,150,399,299) of observation_1
// (x1/y1 clamp to w-1/h-1), i.e. [400,300,599,449) of the original.
const OBS1: Box4 = [200, 150, 600, 450];
const OBS2: Box4 = [400, 300, 599, 449];
const ERROR_INFO = 'Error in predicting the source observation: "observation_5".';

interface ShareGpt {
  conversations: Array<{ from: string; value: string }>;
  images: string[];
}

function readShareGpt(outDir: string, name = 'samples'): ShareGpt[] {
  return JSON.parse(fs.readFileSync(path.join(outDir, `${name}.json`), 'utf8')) as ShareGpt[];
}

test('LLaMA-Factory: crop, error turn and crop of a crop export exactly as Mini-o3 cold-start data', async () => {
  const root = tempRoot('export-lf-');
  const ds = await makeDataset(root, [trajectory('chain', CHAIN_TURNS, { limits: LOOSE_LIMITS })]);
  const outDir = path.join(root, 'out');
  const report = await exportDataset({ format: 'llamafactory', inFile: ds.file, outDir, statusLabels: ['valid', 'invalid_format', 'invalid_clip'] });
  assert.equal(report.exported, 1);
  assert.deepEqual(report.refused, []);
  assert.equal(report.outDir, outDir);

  const [sample] = readShareGpt(outDir);
  assert.ok(sample);
  assert.deepEqual(sample.conversations, [
    { from: 'system', value: SYSTEM_PROMPT },
    { from: 'human', value: QUESTION },
    { from: 'gpt', value: CHAIN_TURNS[0] },
    { from: 'human', value: observationPrompt(0, 1, '<image>') },
    { from: 'gpt', value: CHAIN_TURNS[1] },
    { from: 'human', value: errorFeedback(ERROR_INFO) },
    { from: 'gpt', value: CHAIN_TURNS[2] },
    { from: 'human', value: observationPrompt(2, 3, '<image>') },
    { from: 'gpt', value: CHAIN_TURNS[3] },
  ]);
  assert.equal(sample.images.length, 3);
  assert.match(sample.images[0]!, /^images\/originals\/original-[0-9a-f]{8}\.png$/);
  assert.deepEqual(sample.images.slice(1), ['images/chain/obs_1.png', 'images/chain/obs_2.png']);

  // Within the pixel bounds the original is the raw file, byte for byte.
  assert.ok(fs.readFileSync(path.join(outDir, sample.images[0]!)).equals(fs.readFileSync(ds.originalPath)));
  // Crops equal the original's pixels at the composed rectangles (no resize under these limits).
  for (const [k, rect] of [OBS1, OBS2].entries()) {
    const exported = await readPng(path.join(outDir, sample.images[k + 1]!));
    const expected = cropRaw(ds.original, rect);
    assert.deepEqual([exported.width, exported.height], [expected.width, expected.height]);
    assert.ok(exported.data.equals(expected.data), `observation ${k + 1} pixels`);
  }

  const info = JSON.parse(fs.readFileSync(path.join(outDir, 'dataset_info.json'), 'utf8')) as unknown;
  assert.deepEqual(info, {
    samples: {
      file_name: 'samples.json',
      formatting: 'sharegpt',
      columns: { messages: 'conversations', images: 'images' },
      tags: { role_tag: 'from', content_tag: 'value', user_tag: 'human', assistant_tag: 'gpt', system_tag: 'system' },
    },
  });
  assert.deepEqual(report.files, ['samples.json', 'dataset_info.json', 'manifest.json']);
});

test('LLaMA-Factory: small crops get Mini-o3\'s NEAREST upscale, oversized originals its LANCZOS downscale (PIL reference)', { skip: noPil }, async () => {
  const root = tempRoot('export-lf-resize-');
  const tight = { ...LOOSE_LIMITS, min_pixels: 40_000, max_pixels: 200_000 };
  const ds = await makeDataset(root, [
    trajectory('small-crop', [cropTurn([0.5, 0.5, 0.75, 0.75], 'original_image'), answerTurn('x')], { limits: { ...tight, max_pixels: 2_000_000 } }),
    trajectory('big-original', [cropTurn([0.0, 0.0, 0.9, 0.9], 'original_image'), answerTurn('y')], { limits: tight }),
  ]);
  const outDir = path.join(root, 'out');
  const report = await exportDataset({ format: 'llamafactory', inFile: ds.file, outDir });
  assert.equal(report.exported, 2, JSON.stringify(report.refused));
  const [small, big] = readShareGpt(outDir);
  assert.ok(small && big);
  // small-crop: original within [40000, 2M] -> copied; the crop [400,300,600,450) is 200x150 = 30000 < 40000.
  assert.match(small.images[0]!, /^images\/originals\/original-[0-9a-f]{8}\.png$/);
  // big-original: 480000 > 200000 -> LANCZOS to 516x387; its crop [0,0,720,540) is cut from the raw original.
  assert.match(big.images[0]!, /^images\/originals\/original-[0-9a-f]{8}-516x387\.png$/);

  const script = `
import sys, json, math
from PIL import Image
im = Image.open(sys.argv[1]).convert('RGB')
def area_steps(img, mn, mx, flt):
    if img.width * img.height > mx:
        f = math.sqrt(mx / (img.width * img.height))
        img = img.resize((int(img.width * f), int(img.height * f)), resample=flt)
    if img.width * img.height < mn:
        f = math.sqrt(mn / (img.width * img.height))
        img = img.resize((int(img.width * f), int(img.height * f)), resample=flt)
    return img
out = sys.stdout.buffer
for spec in json.loads(sys.argv[2]):
    src = im.crop(tuple(spec['box'])) if spec['box'] else im
    r = area_steps(src, spec['min'], spec['max'], Image.Resampling.NEAREST if spec['box'] else Image.Resampling.LANCZOS)
    out.write(json.dumps([r.width, r.height]).encode() + b'\\n')
    out.write(r.tobytes())
`;
  const specs = [
    { box: [400, 300, 600, 450], min: 40_000, max: 2_000_000 },
    { box: [0, 0, 720, 540], min: 40_000, max: 200_000 },
    { box: null, min: 40_000, max: 200_000 },
  ];
  const result = spawnSync(PYTHON, ['-c', script, ds.originalPath, JSON.stringify(specs)], { maxBuffer: 64 << 20 });
  assert.equal(result.status, 0, result.stderr.toString());
  const stdout = result.stdout;
  let offset = 0;
  const references = specs.map(() => {
    const newline = stdout.indexOf(0x0a, offset);
    const [width, height] = JSON.parse(stdout.subarray(offset, newline).toString()) as [number, number];
    const data = stdout.subarray(newline + 1, newline + 1 + width * height * 3);
    offset = newline + 1 + width * height * 3;
    return { width, height, data };
  });
  const files = [small.images[1]!, big.images[1]!, big.images[0]!];
  for (const [k, rel] of files.entries()) {
    const exported = await readPng(path.join(outDir, rel));
    const ref = references[k]!;
    assert.deepEqual([exported.width, exported.height], [ref.width, ref.height], rel);
    if (k < 2) {
      assert.ok(exported.data.equals(ref.data), `${rel}: NEAREST pixels equal PIL's`);
    } else {
      let maxDiff = 0;
      for (let i = 0; i < ref.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(exported.data[i]! - ref.data[i]!));
      assert.ok(maxDiff <= 1, `${rel}: LANCZOS within 1 of PIL, got ${maxDiff}`);
    }
  }
  assert.deepEqual([references[0]!.width, references[0]!.height], [230, 173]);
});
