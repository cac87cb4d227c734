import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { importDataset } from '../../../src/core/formats';
import { replayTrajectory } from '../../../src/core/protocol/replay';
import { findingsAt, tempDir, writeJpeg, writeText } from './fixtures';

const USER_PROMPT_V2 = '\nThink first, call **image_zoom_in_tool** if needed, then answer. Format strictly as:  <think>...</think>  <tool_call>...</tool_call> (if tools needed)  <answer>...</answer> ';
const ZOOM = '<think>The sign is small.</think>\n<tool_call>{"name": "image_zoom_in_tool", "arguments": {"bbox_2d": [100, 80, 500, 400], "label": "sign"}}</tool_call>';
const OBS = `<tool_response><image>${USER_PROMPT_V2}</tool_response>`;

test('DeepEyes zoom calls become Mini-o3 grounding on the original, with the source text kept', async () => {
  const root = tempDir('de');
  await writeJpeg(path.join(root, 'img/o.jpg'), 1000, 800);
  await writeJpeg(path.join(root, 'img/c1.jpg'), 400, 320);
  const file = path.join(root, 'traj.json');
  writeText(file, JSON.stringify([
    {
      messages: [
        { role: 'system', content: 'You are a helpful assistant.\n# Tools …' },
        { role: 'user', content: `<image>\nWhat colour is the sign?${USER_PROMPT_V2}` },
        { role: 'assistant', content: ZOOM },
        { role: 'user', content: OBS },
        { role: 'assistant', content: '<think>Red.</think> <answer>red</answer>' },
      ],
      images: ['img/o.jpg', 'img/c1.jpg'],
      question: 'What colour is the sign?',
      answer: 'red',
    },
    {
      conversations: [
        { from: 'human', value: '<image>\nQ' },
        { from: 'gpt', value: "<think>zoom</think><tool_call>{'name': 'image_zoom_in_tool'}</tool_call>" },
        { from: 'human', value: 'Error: bad call' },
        { from: 'gpt', value: '<think>turn it</think><tool_call>{"name": "image_rotate_tool", "arguments": {"angle": 90}}</tool_call>' },
        { from: 'human', value: '<tool_response><image></tool_response>' },
        { from: 'gpt', value: '<answer>x</answer>' },
      ],
      images: ['img/o.jpg', 'img/c1.jpg'],
    },
  ]));
  const result = await importDataset('deepeyes', file, { outFile: path.join(root, 'o.traj.jsonl') });
  const [a, b] = result.trajectories;
  assert.ok(a && b);
  assert.deepEqual(findingsAt(result.findings, '[0]'), []);
  assert.equal(a.system_prompt, undefined);
  assert.equal((a.import?.raw as Record<string, unknown>).system_prompt, 'You are a helpful assistant.\n# Tools …');
  assert.equal((a.import?.raw as Record<string, unknown>).question, 'What colour is the sign?');
  assert.equal(a.task.answer, 'red');
  assert.equal(a.turns[0]!.text, '<think>The sign is small.</think>\n<grounding>{"bbox_2d": [0.1, 0.1, 0.5, 0.5], "source": "original_image"}</grounding>');
  assert.equal(a.turns[0]!.import_text, ZOOM);
  assert.deepEqual(a.turns[0]!.import_box, [100, 80, 500, 400]);
  assert.equal(a.turns[0]!.feedback, OBS);
  assert.deepEqual(a.turns[0]!.observation, { image: 'img/c1.jpg', resized_image: 'img/c1.jpg' });
  assert.equal(a.turns[1]!.text, '<think>Red.</think> <answer>red</answer>');
  const replay = replayTrajectory(a, { originalSize: { width: 1000, height: 800 } });
  assert.deepEqual(replay.turns.map((t) => t.action), ['crop', 'answer']);
  assert.deepEqual(replay.turns[0]!.boxInOriginal, [100, 80, 500, 400]);
  assert.equal(replay.turns[0]!.observationIndex, 1);

  // A malformed call becomes a call Mini-o3 rejects; rotation cannot be represented: text kept, flagged.
  assert.equal(b.turns[0]!.text, "<think>zoom</think><grounding>{'name': 'image_zoom_in_tool'}</grounding>");
  assert.equal(b.turns[0]!.feedback, 'Error: bad call');
  assert.equal(findingsAt(result.findings, '[1].turns.0')[0]!.severity, 'warning');
  assert.match(b.turns[1]!.text, /image_rotate_tool/);
  assert.match(findingsAt(result.findings, '[1].turns.1')[0]!.message, /image_rotate_tool/);
  assert.deepEqual(b.turns[1]!.observation, { resized_image: 'img/c1.jpg' });
  assert.match(findingsAt(result.findings, '[1].images.1')[0]!.message, /would not crop there/);
  const replayB = replayTrajectory(b, { originalSize: { width: 1000, height: 800 } });
  assert.deepEqual(replayB.turns.map((t) => t.action), ['error', 'void']);
});

test('a DeepEyes record whose original is missing keeps the pixel call and is still imported', async () => {
  const root = tempDir('de-missing');
  const file = path.join(root, 'd.jsonl');
  writeText(file, JSON.stringify({ messages: [{ role: 'user', content: '<image>\nQ' }, { role: 'assistant', content: ZOOM }], images: ['nope.jpg'] }) + '\n');
  const result = await importDataset('deepeyes', file, { outFile: path.join(root, 'o.traj.jsonl') });
  assert.equal(result.trajectories.length, 1);
  assert.equal(result.trajectories[0]!.turns[0]!.text, ZOOM);
  assert.match(findingsAt(result.findings, 'images.0', 1)[0]!.message, /not found/);
  assert.match(findingsAt(result.findings, 'turns.0', 1)[0]!.message, /original image size is unknown/);
});
