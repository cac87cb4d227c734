import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { importDataset } from '../../../src/core/formats';
import { problemFromPrompt } from '../../../src/core/formats/import-minio3-run';
import { ERROR_PROMPT, SYSTEM_PROMPT, VISION_TOKENS } from '../../../src/core/protocol/prompts';
import { replayTrajectory } from '../../../src/core/protocol/replay';
import { validateTrajectoryValue } from '../../../src/core/trajectory/validate';
import { findingsAt, readOutput, tempDir, writeJpeg, writeJsonl, writeText } from './fixtures';

const TEMPLATED = `<|im_start|>system\n${SYSTEM_PROMPT}<|im_end|>\n<|im_start|>user\n${VISION_TOKENS}\nWhat colour is the sign?<|im_end|>\n<|im_start|>assistant\n`;
const ERROR_TEXT = `ERROR occurs during grounding. Error Information: bad box.\n${ERROR_PROMPT}`;
const ERROR_LINE = `<|im_end|>\n<|im_start|>user\n${ERROR_TEXT}<|im_end|>\n<|im_start|>assistant\n`;
const TURNS = [
  '<think>look</think> <grounding>{"bbox_2d": [0.5, 0.1, 0.2, 0.3], "source": "original_image"}</grounding>',
  '<think>retry</think> <grounding>{"bbox_2d": [0.1, 0.1, 0.5, 0.5], "source": "original_image"}</grounding>',
  '<think>closer</think> <grounding>{"bbox_2d": [0.25, 0.25, 0.75, 0.75], "source": "observation_1"}</grounding>',
  '<think>done</think> <answer>red</answer>',
];

/** A run with two rollouts of doc 7: rollout 0 errs, then crops twice (files observation_2, observation_3), then answers. */
async function makeRun(root: string): Promise<string> {
  const run = path.join(root, 'run');
  const r0 = path.join(run, '7_0');
  writeJsonl(path.join(r0, 'traj.jsonl'), [
    { doc_id: '7_0', initial_prompt: TEMPLATED, ground_truth: 'red' },
    { turn_idx: 0, text_output: TURNS[0] },
    { error_info: ERROR_LINE },
    { turn_idx: 1, text_output: TURNS[1] },
    { turn_idx: 2, text_output: TURNS[2] },
    { turn_idx: 3, text_output: TURNS[3] },
  ]);
  await writeJpeg(path.join(r0, 'original_image.jpg'), 1000, 800);
  await writeJpeg(path.join(r0, 'resized_image.jpg'), 500, 400);
  await writeJpeg(path.join(r0, 'observation_2_original_image.jpg'), 400, 320);
  await writeJpeg(path.join(r0, 'observation_2_resized_image.jpg'), 400, 320);
  await writeJpeg(path.join(r0, 'observation_3_original_image.jpg'), 200, 160);
  await writeJpeg(path.join(r0, 'observation_3_resized_image.jpg'), 224, 180);
  const r1 = path.join(run, '7_1');
  writeJsonl(path.join(r1, 'traj.jsonl'), [
    { doc_id: '7_1', initial_prompt: '<image>\nWhat colour is the sign?', ground_truth: 'red' },
    { turn_idx: 0, text_output: '<think>x</think> <answer>blue</answer>' },
  ]);
  await writeJpeg(path.join(r1, 'original_image.jpg'), 1000, 800);
  writeText(path.join(run, 'stats.json'), JSON.stringify([
    {
      id: 0, doc_id: '7', input: 'prompt text', ground_truth: 'red', data_source: 'visual_probe_hard', pass_at_k: 0.5,
      rollouts: [
        { output: 'out0', score: 1.0, format_reward: 0.0, acc_reward: 1.0 },
        { output: 'out1', score: 0.0, format_reward: 0.0, acc_reward: 0.0 },
      ],
    },
  ], null, 4));
  writeText(path.join(run, 'metrics.json'), JSON.stringify({ 'val/test_score/visual_probe_hard/total': 0.5 }));
  return run;
}

test('a save_traj run imports with observation files matched by turn_idx+1, not by count', async () => {
  const root = tempDir('run');
  const run = await makeRun(root);
  const outFile = path.join(root, 'out', 'run.traj.jsonl');
  fs.mkdirSync(path.dirname(outFile));
  const result = await importDataset('minio3-run', run, { outFile });
  assert.deepEqual(result.findings, []);
  assert.equal(result.written, 2);
  const [a, b] = result.trajectories;
  assert.ok(a && b);
  assert.equal(a.id, '7_0');
  assert.equal(a.rollout, 0);
  assert.equal(b.rollout, 1);
  assert.equal(a.task.id, '7');
  assert.equal(a.task.question, '<image>\nWhat colour is the sign?');
  assert.equal(a.system_prompt, undefined);
  assert.deepEqual(a.task.images, ['../run/7_0/original_image.jpg']);
  assert.equal(a.task.answer, 'red');
  assert.equal(a.task.data_source, 'visual_probe_hard');
  assert.deepEqual(a.turns.map((t) => t.text), TURNS);
  assert.equal(a.turns[0]!.feedback, ERROR_TEXT);
  assert.equal(a.turns[0]!.observation, undefined);
  assert.deepEqual(a.turns[1]!.observation, { image: '../run/7_0/observation_2_original_image.jpg', resized_image: '../run/7_0/observation_2_resized_image.jpg' });
  assert.deepEqual(a.turns[2]!.observation, { image: '../run/7_0/observation_3_original_image.jpg', resized_image: '../run/7_0/observation_3_resized_image.jpg' });
  assert.deepEqual(a.outcome, { answer: 'red', score: 1, correct: true });
  assert.deepEqual(b.outcome, { answer: 'blue', score: 0, correct: false });
  const raw = a.import?.raw as Record<string, unknown>;
  assert.equal(raw.initial_prompt, TEMPLATED);
  assert.deepEqual(raw.error_info, [{ turn: 0, line: 3, text: ERROR_LINE }]);
  assert.equal(raw.resized_image, '../run/7_0/resized_image.jpg');
  assert.deepEqual((raw.stats as { rollout: unknown }).rollout, { output: 'out0', score: 1.0, format_reward: 0.0, acc_reward: 1.0 });
  assert.equal(a.import?.path, '../run/7_0/traj.jsonl');

  // Replay: the second crop is observation 2 although its files are named observation_3.
  const replay = replayTrajectory(a, { originalSize: { width: 1000, height: 800 } });
  assert.deepEqual(replay.turns.map((t) => t.action), ['error', 'crop', 'crop', 'answer']);
  assert.deepEqual(replay.turns.map((t) => t.observationIndex), [undefined, 1, 2, undefined]);
  assert.equal(replay.turns[2]!.sourceIndex, 1);
  assert.deepEqual(replay.turns[2]!.boxInOriginal, [200, 160, 400, 320]);
  assert.equal(replay.answer, 'red');

  const lines = readOutput(outFile) as { id: string }[];
  assert.deepEqual(lines.map((l) => l.id), ['7_0', '7_1']);
  for (const [i, line] of lines.entries()) assert.ok(validateTrajectoryValue(line, outFile, i + 1).ok);
  assert.deepEqual(lines[0], JSON.parse(JSON.stringify(a)));
});

test('progress is reported per rollout; an aborted import rejects and writes nothing', async () => {
  const root = tempDir('abort');
  const run = await makeRun(root);
  const seen: string[] = [];
  await importDataset('minio3-run', run, { outFile: path.join(root, 'p.traj.jsonl'), onProgress: (p) => seen.push(`${p.done}/${p.total}`) });
  assert.deepEqual(seen, ['1/2', '2/2']);
  const controller = new AbortController();
  controller.abort();
  const outFile = path.join(root, 'aborted.traj.jsonl');
  await assert.rejects(importDataset('minio3-run', run, { outFile, signal: controller.signal }), { name: 'AbortError' });
  assert.equal(fs.existsSync(outFile), false);
});

test('a single rollout folder imports on its own and still finds the run stats', async () => {
  const root = tempDir('single');
  const run = await makeRun(root);
  const outFile = path.join(root, 'one.traj.jsonl');
  const result = await importDataset('minio3-run', path.join(run, '7_0'), { outFile });
  assert.equal(result.trajectories.length, 1);
  const t = result.trajectories[0]!;
  assert.equal(t.task.id, '7');
  assert.equal(t.rollout, 0);
  assert.equal(t.outcome?.correct, true);
  assert.deepEqual(t.task.images, ['run/7_0/original_image.jpg']);
});

test('without stats a lone "_k" suffix stays part of the doc id; siblings confirm rollouts', async () => {
  const root = tempDir('suffix');
  const run = path.join(root, 'run');
  for (const name of ['vp_3', 'x_1', 'x_2']) {
    writeJsonl(path.join(run, name, 'traj.jsonl'), [{ doc_id: name, initial_prompt: '<image>\nQ', ground_truth: 'a' }, { turn_idx: 0, text_output: '<answer>a</answer>' }]);
    await writeJpeg(path.join(run, name, 'original_image.jpg'), 64, 64);
  }
  const result = await importDataset('minio3-run', run, { outFile: path.join(root, 'o.traj.jsonl') });
  assert.deepEqual(result.trajectories.map((t) => [t.id, t.task.id, t.rollout]), [['vp_3', 'vp_3', undefined], ['x_1', 'x', 1], ['x_2', 'x', 2]]);
});

test('bad rollouts give findings naming file and line while the rest import', async () => {
  const root = tempDir('bad');
  const run = await makeRun(root);
  // Broken JSON on line 3, an unknown line shape on line 4, a text_output of the wrong type on line 5.
  writeText(path.join(run, '9', 'traj.jsonl'), [
    JSON.stringify({ doc_id: '9', initial_prompt: '<image>\nQ?', ground_truth: 'x' }),
    JSON.stringify({ turn_idx: 0, text_output: '<think>a</think> <answer>x</answer>' }),
    '{"turn_idx": 1, "text_output": "trunc',
    JSON.stringify({ surprise: true }),
    JSON.stringify({ turn_idx: 1, text_output: 42 }),
  ].join('\n'));
  // No original image for doc 9: a warning, still imported.
  writeText(path.join(run, '10', 'traj.jsonl'), '');
  fs.mkdirSync(path.join(run, 'not-a-rollout'));
  const result = await importDataset('minio3-run', run, { outFile: path.join(root, 'o.traj.jsonl') });
  assert.deepEqual(result.trajectories.map((t) => t.id), ['7_0', '7_1', '9']);
  const file9 = path.join(run, '9', 'traj.jsonl');
  const at = (line: number, field = '') => result.findings.filter((f) => f.file === file9 && f.line === line && f.field === field);
  assert.equal(at(3)[0]?.severity, 'error');
  assert.match(at(3)[0]!.message, /not valid JSON/);
  assert.match(at(4)[0]!.message, /unknown line shape/);
  assert.equal(at(5, 'text_output')[0]?.severity, 'error');
  assert.equal(findingsAt(result.findings, 'original_image.jpg').filter((f) => f.file === file9 && f.severity === 'warning').length, 1);
  assert.ok(result.findings.some((f) => f.file === path.join(run, '10', 'traj.jsonl') && /empty/.test(f.message)));
  assert.ok(result.findings.some((f) => f.file === path.join(run, 'not-a-rollout') && f.severity === 'warning'));
  const nine = result.trajectories[2]!;
  assert.deepEqual((nine.import?.raw as { unplaced_lines: unknown[] }).unplaced_lines.length, 2);
  assert.deepEqual(nine.task.images, ['run/9/original_image.jpg']);
});

test('the chat-templated prompt converts back to the problem form', () => {
  assert.deepEqual(problemFromPrompt(TEMPLATED), { question: '<image>\nWhat colour is the sign?' });
  const custom = TEMPLATED.replace(SYSTEM_PROMPT, 'Be brief.');
  assert.deepEqual(problemFromPrompt(custom), { question: '<image>\nWhat colour is the sign?', systemPrompt: 'Be brief.' });
  assert.deepEqual(problemFromPrompt('<image>\nQ'), { question: '<image>\nQ' });
});
