import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replayTrajectory, type TokenBudget } from '../../../src/core/protocol/replay';
import { renderMessages, renderPrompt } from '../../../src/core/protocol/render';
import { formatGrounding } from '../../../src/core/protocol/format-call';
import { errorFeedback, observationPrompt, SYSTEM_PROMPT, VISION_TOKENS } from '../../../src/core/protocol/prompts';
import type { Trajectory } from '../../../src/core/trajectory/schema';

const original = { width: 4000, height: 3000 };
const think = (s: string) => `<think>${s}</think>\n`;
const crop = (b: number[], src: string, why = 'zoom') => think(why) + formatGrounding(b, src);
const answer = (a: string) => think('found it') + `<answer>${a}</answer>`;

function traj(texts: string[], extra: Partial<Trajectory> = {}): Trajectory {
  return {
    id: 't1',
    task: { id: 'doc1', question: '<image>\nWhat is written on the yellow sign?', images: ['img.jpg'], answer: 'K7Q2' },
    turns: texts.map((text) => ({ text })),
    ...extra,
  };
}

test('crop, error, crop of a crop, answer: observations chain and feedback texts are Mini-o3\'s', () => {
  const t = traj([
    crop([0.5, 0.5, 1.0, 1.0], 'original_image'),
    crop([0.1, 0.1, 0.2, 0.2], 'observation_2'),
    crop([0.5, 0.0, 1.0, 0.5], 'observation_1'),
    answer('K7Q2'),
  ]);
  const r = replayTrajectory(t, { originalSize: original });
  assert.deepEqual(r.turns.map((x) => x.action), ['crop', 'error', 'crop', 'answer']);
  assert.equal(r.status, 'invalid_format');
  assert.equal(r.answer, 'K7Q2');
  // turn 0: observation_1 = [2000,1500,3999,2999) of the original
  assert.deepEqual(r.turns[0]!.pixelBox, [2000, 1500, 3999, 2999]);
  assert.equal(r.turns[0]!.observationIndex, 1);
  assert.equal(r.turns[0]!.feedback, observationPrompt(0, 1));
  // turn 1 names observation_2, which does not exist yet
  assert.equal(r.turns[1]!.errorInfo, 'Error in predicting the source observation: "observation_2".');
  assert.equal(r.turns[1]!.feedback, errorFeedback('Error in predicting the source observation: "observation_2".'));
  // turn 2 crops observation_1 (1999x1499): x 999..1998 (1998 clamps to w-1=1998), y 0..749
  assert.deepEqual(r.turns[2]!.pixelBox, [999, 0, 1998, 749]);
  assert.deepEqual(r.turns[2]!.boxInOriginal, [2999, 1500, 3998, 2249]);
  assert.equal(r.turns[2]!.observationIndex, 2);
  // prompt numbering follows the turn index, not the observation count (Mini-o3's quirk)
  assert.equal(r.turns[2]!.feedback, observationPrompt(2, 3));
  assert.deepEqual(r.observations.map((o) => o.turn), [-1, 0, 2]);
});

test('over-turn: a tool call on the last allowed turn, or with the image limit reached', () => {
  const calls = [0, 1, 2].map(() => crop([0.1, 0.1, 0.9, 0.9], 'original_image'));
  const lastTurn = replayTrajectory(traj(calls, { limits: { max_turns: 3, max_images: 12, min_pixels: 40000, max_pixels: 2000000, max_context: 32768 } }), { originalSize: original });
  assert.equal(lastTurn.status, 'over_turn');
  assert.equal(lastTurn.turns[2]!.overTurnReason, 'last_turn');
  assert.equal(lastTurn.turns[2]!.feedback, null);
  const imageLimit = replayTrajectory(traj(calls, { limits: { max_turns: 12, max_images: 2, min_pixels: 40000, max_pixels: 2000000, max_context: 32768 } }), { originalSize: original });
  assert.equal(imageLimit.turns[1]!.action, 'over_turn');
  assert.equal(imageLimit.turns[1]!.overTurnReason, 'image_limit');
  assert.ok(imageLimit.findings.some((f) => f.includes('turn 2 comes after')));
});

test('over-turn on the context budget rolls the observation back', () => {
  const budget: TokenBudget = { initialPrompt: () => 1000, text: (s) => s.length, cropImage: () => 31_000 };
  const r = replayTrajectory(traj([crop([0.1, 0.1, 0.9, 0.9], 'original_image'), answer('x')]), { originalSize: original, budget });
  assert.equal(r.status, 'over_turn');
  assert.equal(r.turns[0]!.overTurnReason, 'context');
  assert.equal(r.observations.length, 1);
});

test('void: no answer, answer not at the end, or cut by length', () => {
  assert.equal(replayTrajectory(traj([think('hmm') + 'I think it is K7Q2']), { originalSize: original }).status, 'void');
  assert.equal(replayTrajectory(traj([answer('x') + ' done']), { originalSize: original }).status, 'void');
  const cut = traj([answer('x')]);
  cut.turns[0]!.finish_reason = 'length';
  assert.equal(replayTrajectory(cut, { originalSize: original }).status, 'void');
  assert.equal(replayTrajectory(traj([crop([0.1, 0.1, 0.5, 0.5], 'original_image')]), { originalSize: original }).status, 'void');
  assert.equal(replayTrajectory(traj([answer('x')]), { originalSize: original }).status, 'valid');
});

test('invalid_clip for a degenerate box; lenient parse explains', () => {
  const r = replayTrajectory(traj([crop([0.5, 0.5, 0.5001, 0.9], 'original_image'), answer('x')]), { originalSize: original });
  assert.equal(r.turns[0]!.status, 'invalid_clip');
  assert.equal(r.status, 'invalid_clip');
  assert.match(r.turns[0]!.errorInfo!, /not valid in width: \[2000, 1500, 2000, 2700\]/);
  assert.ok(r.turns[0]!.findings.some((f) => f.includes('empty or inverted in width')));
});

test('rendered prompt is Mini-o3\'s token-level text; messages carry <image> in placeholder order', () => {
  const t = traj([crop([0.5, 0.5, 1, 1], 'original_image'), crop([0, 0, 9, 9], 'nowhere'), answer('K7Q2')]);
  const r = replayTrajectory(t, { originalSize: original });
  const prompt = renderPrompt(t, r);
  const expected =
    `<|im_start|>system\n${SYSTEM_PROMPT}<|im_end|>\n<|im_start|>user\n${VISION_TOKENS}\nWhat is written on the yellow sign?<|im_end|>\n<|im_start|>assistant\n` +
    t.turns[0]!.text + `<|im_end|>\n<|im_start|>user\n${observationPrompt(0, 1)}<|im_end|>\n<|im_start|>assistant\n` +
    t.turns[1]!.text + `<|im_end|>\n<|im_start|>user\n${r.turns[1]!.feedback}<|im_end|>\n<|im_start|>assistant\n` +
    t.turns[2]!.text + '<|im_end|>';
  assert.equal(prompt, expected);
  const { messages, images } = renderMessages(t, r);
  assert.deepEqual(messages.map((m) => m.role), ['system', 'user', 'assistant', 'user', 'assistant', 'user', 'assistant']);
  assert.equal(messages[3]!.content, observationPrompt(0, 1, '<image>'));
  assert.deepEqual(images, [{ kind: 'task', index: 0 }, { kind: 'observation', index: 1 }]);
  assert.equal(messages.map((m) => m.content).join('').split('<image>').length - 1, images.length);
});

test('prompts are byte-exact, typos included', () => {
  assert.ok(SYSTEM_PROMPT.includes('by outputing <grounding>{"bbox_2d": [x0, y0, x1, y1], "source": "original_image"}</grounding>'));
  assert.equal(
    observationPrompt(3, 4),
    'After the above Action 3, here is the the zoom-in image (Observation 4):\n<|vision_start|><|image_pad|><|vision_end|>.\nContinue your reasoning process inside <think> and </think>. If needed, you can continue to zoom in on the original image or any of the observations, by outputting <grounding> and </grounding> as before. If the final answer is confirmed, put your final answer inside <answer> and </answer>.',
  );
  assert.equal(
    errorFeedback(''),
    'ERROR occurs during grounding. Error Information: .\nPlease analyze the error information obtained from the function tool and adjust your response. Countinue your reasoning process inside <think> and </think>.',
  );
});

test('an answer followed by one final newline is not void (Python $ matches before a final \\n)', () => {
  // CPython: re.match('.*<answer>.*</answer>$', s, re.DOTALL) accepts '…</answer>\n' and rejects '…</answer>\n\n'.
  assert.equal(replayTrajectory(traj([answer('x') + '\n']), { originalSize: original }).status, 'valid');
  assert.equal(replayTrajectory(traj([answer('x') + '\n\n']), { originalSize: original }).status, 'void');
  assert.equal(replayTrajectory(traj([answer('x') + ' ']), { originalSize: original }).status, 'void');
});
