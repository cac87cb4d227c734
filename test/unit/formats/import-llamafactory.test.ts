import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { importDataset } from '../../../src/core/formats';
import { observationPrompt, SYSTEM_PROMPT } from '../../../src/core/protocol/prompts';
import { replayTrajectory } from '../../../src/core/protocol/replay';
import { findingsAt, readOutput, tempDir, writeJpeg, writeText } from './fixtures';

const CROP = '<think>small sign</think> <grounding>{"bbox_2d": [0.1, 0.1, 0.2, 0.2], "source": "original_image"}</grounding>';
const BIG_CROP = '<think>area</think> <grounding>{"bbox_2d": [0.1, 0.1, 0.5, 0.5], "source": "original_image"}</grounding>';
const ANSWER = '<think>red</think> <answer>red</answer>';

function conversation(crop: string, extra: { from: string; value: string }[] = []) {
  return [
    { from: 'system', value: SYSTEM_PROMPT },
    { from: 'human', value: '<image>\nWhat colour is the sign?' },
    { from: 'gpt', value: crop },
    { from: 'human', value: observationPrompt(0, 1, '<image>') },
    { from: 'gpt', value: ANSWER },
    ...extra,
  ];
}

test('cold-start ShareGPT JSON imports; un-resized crops are told apart from resized ones', async () => {
  const root = tempDir('lf');
  const data = path.join(root, 'data');
  await writeJpeg(path.join(data, 'images/0/orig.jpg'), 1000, 800);
  await writeJpeg(path.join(data, 'images/0/crop.jpg'), 100, 80); // exactly the crop: observation.image
  await writeJpeg(path.join(data, 'images/1/orig.jpg'), 1000, 800);
  await writeJpeg(path.join(data, 'images/1/crop.jpg'), 224, 180); // resized: observation.resized_image
  await writeJpeg(path.join(data, 'images/2/crop.jpg'), 400, 320); // crop left alone by the rescale: both
  const file = path.join(data, 'Mini-o3-Coldstart.json');
  writeText(file, JSON.stringify([
    { conversations: conversation(CROP), images: [path.join(data, 'images/0/orig.jpg'), path.join(data, 'images/0/crop.jpg')], sample_index: 11, rollout_index: 2, data_source: 'vp' },
    { conversations: conversation(CROP), images: ['images/1/orig.jpg', 'images/1/crop.jpg'] },
    { conversations: [{ from: 'system', value: 'Custom system.' }, ...conversation(BIG_CROP).slice(1)], images: ['images/0/orig.jpg', 'images/2/crop.jpg'] },
  ], null, 2));
  const outFile = path.join(root, 'out.traj.jsonl');
  const result = await importDataset('llamafactory', file, { outFile });
  assert.deepEqual(result.findings, []);
  const [a, b, c] = result.trajectories;
  assert.ok(a && b && c);
  assert.equal(a.id, '11_2');
  assert.equal(a.task.id, '11');
  assert.equal(b.id, 'Mini-o3-Coldstart-1');
  assert.equal(a.task.question, '<image>\nWhat colour is the sign?');
  assert.deepEqual(a.task.images, ['data/images/0/orig.jpg']);
  assert.equal(a.task.data_source, 'vp');
  assert.equal(a.system_prompt, undefined);
  assert.equal(c.system_prompt, 'Custom system.');
  assert.deepEqual(a.turns.map((t) => t.text), [CROP, ANSWER]);
  assert.equal(a.turns[0]!.feedback, observationPrompt(0, 1, '<image>'));
  assert.deepEqual(a.turns[0]!.observation, { image: 'data/images/0/crop.jpg' });
  assert.deepEqual(b.turns[0]!.observation, { resized_image: 'data/images/1/crop.jpg' });
  assert.deepEqual(c.turns[0]!.observation, { image: 'data/images/2/crop.jpg', resized_image: 'data/images/2/crop.jpg' });
  assert.deepEqual(a.import, { format: 'llamafactory', path: 'data/Mini-o3-Coldstart.json', line: 2, index: 0, raw: { sample_index: 11, rollout_index: 2 } });
  assert.equal(b.import?.index, 1);

  const replay = replayTrajectory(a, { originalSize: { width: 1000, height: 800 } });
  assert.deepEqual(replay.turns.map((t) => t.action), ['crop', 'answer']);
  assert.equal(replay.turns[0]!.observationIndex, 1);
  assert.equal(readOutput(outFile).length, 3);
});

test('dataset_info.json columns and tags remap field and role names', async () => {
  const root = tempDir('lf-info');
  await writeJpeg(path.join(root, 'img/o.jpg'), 300, 200);
  await writeJpeg(path.join(root, 'img/c.jpg'), 60, 40);
  writeText(path.join(root, 'dataset_info.json'), JSON.stringify({
    mine: {
      file_name: 'sub/d.jsonl', formatting: 'sharegpt',
      columns: { messages: 'dialog', images: 'pics' },
      tags: { role_tag: 'speaker', content_tag: 'text', user_tag: 'user', assistant_tag: 'model', system_tag: 'sys' },
    },
    other: { file_name: 'alpaca.json' },
  }));
  writeText(path.join(root, 'sub/d.jsonl'), JSON.stringify({
    dialog: [
      { speaker: 'user', text: '<image>\nQ?' },
      { speaker: 'model', text: '<think>t</think> <grounding>{"bbox_2d": [0.0, 0.0, 0.2, 0.2], "source": "original_image"}</grounding>' },
      { speaker: 'user', text: 'Observation <image>' },
      { speaker: 'model', text: '<answer>A</answer>', weight: 0 },
    ],
    pics: ['img/o.jpg', 'img/c.jpg'],
  }) + '\n');
  const result = await importDataset('llamafactory', root, { outFile: path.join(root, 'o.traj.jsonl') });
  assert.deepEqual(result.findings, []);
  const t = result.trajectories[0]!;
  assert.deepEqual(t.task.images, ['img/o.jpg']);
  assert.deepEqual(t.turns[0]!.observation, { image: 'img/c.jpg' });
  assert.equal(t.import?.line, 1);
  assert.deepEqual((t.import?.raw as Record<string, unknown>).message_extras, { '3': { weight: 0 } });
  const only = await importDataset('llamafactory', path.join(root, 'dataset_info.json'), { outFile: path.join(root, 'o2.traj.jsonl'), datasetName: 'other' });
  assert.equal(only.trajectories.length, 0);
  assert.equal(findingsAt(only.findings, 'other.formatting')[0]?.severity, 'error');
});

test('bad records give findings naming line and [i] field; good records still import', async () => {
  const root = tempDir('lf-bad');
  await writeJpeg(path.join(root, 'o.jpg'), 100, 100);
  const good = { conversations: [{ from: 'human', value: '<image>\nQ' }, { from: 'gpt', value: '<answer>a</answer>' }], images: ['o.jpg'] };
  const elements = [
    good,
    { conversations: 'not a list', images: ['o.jpg'] },
    { conversations: [{ from: 'human', value: '<image>Q' }, { from: 'bot', value: 'x' }], images: ['o.jpg'] },
    { conversations: [{ from: 'gpt', value: 'x' }, { from: 'human', value: '<image>' }], images: ['o.jpg'] },
    { conversations: good.conversations, images: ['o.jpg', 'o.jpg'] },
    { conversations: good.conversations, images: ['../outside.jpg'] },
    { conversations: good.conversations, images: ['missing.jpg'] },
    { conversations: [...good.conversations.slice(0, 1), { from: 'function_call', value: '{}' }, { from: 'observation', value: 'r' }, good.conversations[1]], images: ['o.jpg'] },
  ];
  const file = path.join(root, 'd.json');
  // One element per line, then a truncated element: `[` is line 1, element i is line i+2.
  writeText(file, '[\n' + elements.map((e) => JSON.stringify(e)).join(',\n') + ',\n{"conversations": [{"from": "human"');
  const result = await importDataset('llamafactory', file, { outFile: path.join(root, 'o.traj.jsonl') });
  assert.deepEqual(result.trajectories.map((t) => t.id), ['d-0', 'd-4', 'd-5', 'd-6', 'd-7']);
  const one = (field: string) => {
    const hits = findingsAt(result.findings, field);
    assert.equal(hits.length, 1, `${field}: ${JSON.stringify(result.findings)}`);
    return hits[0]!;
  };
  assert.deepEqual(one('[1].conversations'), { severity: 'error', file, line: 3, field: '[1].conversations', message: 'must be a list of messages, got a string; record skipped' });
  assert.equal(one('[2].conversations.1.from').line, 4);
  assert.match(one('[2].conversations.1.from').message, /unknown role "bot"/);
  assert.match(one('[3].conversations.0.from').message, /must be a user message/);
  assert.match(one('[4].images').message, /1 <image> placeholder\(s\) in the messages but 2 image\(s\)/);
  assert.equal(one('[5].images.0').severity, 'warning');
  assert.match(one('[5].images.0').message, /outside the dataset folder/);
  assert.deepEqual(result.trajectories[2]!.task.images, ['../outside.jpg']);
  assert.match(one('[6].images.0').message, /not found/);
  assert.equal(result.trajectories[3]!.task.images[0], 'missing.jpg');
  assert.equal(one('[7].conversations.1.from').severity, 'warning');
  assert.equal(one('[7].conversations.2.from').severity, 'warning');
  assert.match(String(result.trajectories[4]!.turns[0]!.import_role), /tool-call/);
  assert.match(String(result.trajectories[4]!.turns[0]!.import_feedback_role), /tool_response/);
  assert.match(one('[8]').message, /truncated/);
  assert.equal(one('[8]').line, 10);
});

test('an empty file is one finding and no trajectories', async () => {
  const root = tempDir('lf-empty');
  const file = path.join(root, 'e.json');
  writeText(file, '  \n');
  const result = await importDataset('llamafactory', file, { outFile: path.join(root, 'o.traj.jsonl') });
  assert.equal(result.trajectories.length, 0);
  assert.deepEqual(result.findings.map((f) => [f.file, f.line, f.severity]), [[file, 0, 'error']]);
  assert.deepEqual(readOutput(path.join(root, 'o.traj.jsonl')), []);
});
