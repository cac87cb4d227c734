import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { exportDataset, type OpenAiSample, type SwiftSample } from '../../../src/core/export';
import { errorFeedback, observationPrompt, SYSTEM_PROMPT } from '../../../src/core/protocol/prompts';
import { answerTurn, cropTurn, LOOSE_LIMITS, makeDataset, QUESTION, tempRoot, trajectory } from './fixtures';

const TURNS = [
  cropTurn([0.25, 0.25, 0.75, 0.75], 'original_image'),
  cropTurn([0.1, 0.1, 0.2, 0.2], 'observation_5'),
  answerTurn('K7Q2'),
];
const ERROR = errorFeedback('Error in predicting the source observation: "observation_5".');

function readJsonl<T>(file: string): T[] {
  return fs.readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as T);
}

test('ms-swift: plain system/user/assistant messages, observations as user messages with <image>', async () => {
  const root = tempRoot('export-swift-');
  const ds = await makeDataset(root, [trajectory('s1', TURNS, { limits: LOOSE_LIMITS })]);
  const outDir = path.join(root, 'out');
  const report = await exportDataset({ format: 'swift', inFile: ds.file, outDir, statusLabels: ['invalid_format'] });
  assert.deepEqual(report.files, ['samples.jsonl', 'manifest.json']);
  const [row] = readJsonl<SwiftSample>(path.join(outDir, 'samples.jsonl'));
  assert.ok(row);
  assert.deepEqual(row.messages, [
    { role: 'system', content: SYSTEM_PROMPT },
    { role: 'user', content: QUESTION },
    { role: 'assistant', content: TURNS[0] },
    { role: 'user', content: observationPrompt(0, 1, '<image>') },
    { role: 'assistant', content: TURNS[1] },
    { role: 'user', content: ERROR },
    { role: 'assistant', content: TURNS[2] },
  ]);
  assert.equal(row.images.length, 2);
  assert.equal(row.images[1], 'images/s1/obs_1.png');
  for (const p of row.images) assert.ok(fs.existsSync(path.join(outDir, p)));
  assert.ok(!fs.existsSync(path.join(outDir, 'dataset_info.json')));
});

test('OpenAI chat: images become image_url parts where the placeholders were; absolutePaths writes final paths', async () => {
  const root = tempRoot('export-openai-');
  const ds = await makeDataset(root, [trajectory('o1', TURNS, { limits: LOOSE_LIMITS })]);
  const outDir = path.join(root, 'out');
  await exportDataset({ format: 'openai', inFile: ds.file, outDir, statusLabels: ['invalid_format'], absolutePaths: true });
  const [row] = readJsonl<OpenAiSample>(path.join(outDir, 'samples.jsonl'));
  assert.ok(row);
  const [pre, post] = observationPrompt(0, 1, '<image>').split('<image>') as [string, string];
  const originalUrl = (row.messages[1]!.content as Array<{ type: string; image_url?: { url: string } }>)[0]!.image_url!.url;
  assert.ok(path.isAbsolute(originalUrl) && originalUrl.startsWith(outDir + path.sep));
  assert.ok(fs.existsSync(originalUrl), 'absolute paths point into the final folder, not the temp one');
  assert.deepEqual(row.messages, [
    { role: 'system', content: SYSTEM_PROMPT },
    { role: 'user', content: [{ type: 'image_url', image_url: { url: originalUrl } }, { type: 'text', text: QUESTION.slice('<image>'.length) }] },
    { role: 'assistant', content: TURNS[0] },
    { role: 'user', content: [{ type: 'text', text: pre }, { type: 'image_url', image_url: { url: path.join(outDir, 'images', 'o1', 'obs_1.png') } }, { type: 'text', text: post }] },
    { role: 'assistant', content: TURNS[1] },
    { role: 'user', content: ERROR },
    { role: 'assistant', content: TURNS[2] },
  ]);
});
