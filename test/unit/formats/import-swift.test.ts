import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { importDataset } from '../../../src/core/formats';
import { observationPrompt } from '../../../src/core/protocol/prompts';
import { replayTrajectory } from '../../../src/core/protocol/replay';
import { findingsAt, tempDir, writeJpeg, writeText } from './fixtures';

const ERR = '<think>t</think> <grounding>{"bbox_2d": [0.5, 0.5, 0.1, 0.1], "source": "original_image"}</grounding>';
const CROP = '<think>t</think> <grounding>{"bbox_2d": [0.0, 0.0, 0.5, 0.5], "source": "original_image"}</grounding>';

test('ms-swift messages JSONL imports; tool messages are kept aside and flagged; bad lines are reported', async () => {
  const root = tempDir('swift');
  await writeJpeg(path.join(root, 'imgs/o.jpg'), 400, 300);
  await writeJpeg(path.join(root, 'imgs/c.jpg'), 200, 150);
  const good = {
    messages: [
      { role: 'system', content: 'Short system.' },
      { role: 'user', content: '<image>\nWhere is the cat?' },
      { role: 'assistant', content: ERR },
      { role: 'user', content: 'ERROR occurs during grounding. Error Information: bad.\nPlease…' },
      { role: 'assistant', content: CROP },
      { role: 'user', content: observationPrompt(1, 2, '<image>') },
      { role: 'assistant', content: '<think>x</think> <answer>left</answer>' },
    ],
    images: ['imgs/o.jpg', 'imgs/c.jpg'],
    solution: 'left',
    tools: '[]',
  };
  const withTools = {
    messages: [
      { role: 'user', content: '<image>\nQ' },
      { role: 'tool_call', content: '{"name": "zoom"}' },
      { role: 'tool_response', content: '{"images": "<image>"}' },
      { role: 'assistant', content: '<answer>a</answer>' },
    ],
    images: ['imgs/o.jpg', 'imgs/c.jpg'],
  };
  const file = path.join(root, 'train.jsonl');
  writeText(file, [
    JSON.stringify(good),
    '{"messages": [',
    JSON.stringify(withTools),
    JSON.stringify({ messages: [{ role: 'user', content: '<image>' }, { role: 'critic', content: 'x' }], images: ['imgs/o.jpg'] }),
    JSON.stringify({ messages: [{ role: 'user', content: 5 }], images: ['imgs/o.jpg'] }),
    '',
  ].join('\n'));
  const result = await importDataset('swift', file, { outFile: path.join(root, 'out.traj.jsonl') });
  assert.deepEqual(result.trajectories.map((t) => t.id), ['train-0', 'train-1']);
  const [a, b] = result.trajectories;
  assert.ok(a && b);
  assert.equal(a.system_prompt, 'Short system.');
  assert.equal(a.task.answer, 'left');
  assert.deepEqual(a.task.images, ['imgs/o.jpg']);
  assert.equal(a.turns[0]!.feedback, 'ERROR occurs during grounding. Error Information: bad.\nPlease…');
  // 200x150 is under min_pixels, so Mini-o3 would have upscaled it: this file is the raw crop only.
  assert.deepEqual(a.turns[1]!.observation, { image: 'imgs/c.jpg' });
  assert.deepEqual(a.import?.raw, { tools: '[]' });
  const replay = replayTrajectory(a, { originalSize: { width: 400, height: 300 } });
  assert.deepEqual(replay.turns.map((t) => t.action), ['error', 'crop', 'answer']);
  assert.deepEqual(replay.turns.map((t) => t.observationIndex), [undefined, 1, undefined]);

  assert.equal(b.turns.length, 1);
  assert.deepEqual((b.import?.raw as { aside_messages: unknown }).aside_messages, [
    { index: 1, role: 'tool_call', content: '{"name": "zoom"}', images: [] },
    { index: 2, role: 'tool_response', content: '{"images": "<image>"}', images: ['imgs/c.jpg'] },
  ]);
  assert.equal(findingsAt(result.findings, 'messages.1.role', 3)[0]?.severity, 'warning');
  assert.equal(findingsAt(result.findings, 'messages.2.role', 3)[0]?.severity, 'warning');

  const at = (line: number) => result.findings.filter((f) => f.line === line && f.severity === 'error');
  assert.match(at(2)[0]!.message, /not valid JSON/);
  assert.equal(at(4)[0]!.field, 'messages.1.role');
  assert.match(at(4)[0]!.message, /unknown role "critic"/);
  assert.equal(at(5)[0]!.field, 'messages.0.content');
});
