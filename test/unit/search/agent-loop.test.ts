import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeImageFile } from '../../../src/core/imaging/decode';
import { cropDecoded } from '../../../src/core/imaging/crop';
import { minio3ResizeForModel, minio3ResizeInitial } from '../../../src/core/imaging/minio3-resize';
import { VISION_TOKENS, errorFeedback, observationPrompt } from '../../../src/core/protocol/prompts';
import { Template } from '@huggingface/jinja';
import { renderMessages, renderPrompt } from '../../../src/core/protocol/render';
import { replayTrajectory } from '../../../src/core/protocol/replay';
import { TrajectorySchema, type Trajectory } from '../../../src/core/trajectory/schema';
import { imagesOfRequest, messageTextsOfRequest } from '../../support/openai-server';
import { QWEN2_VL_CHAT_TEMPLATE } from '../../support/tiny-tokenizer';
import { answerTurn, cropTurn, SCRIPT, think } from './fixtures';
import { done, rgbOf, run } from './loop-harness';

test('each request is Mini-o3\'s conversation so far, byte for byte, with its images and stop string', async () => {
  const r = await run(SCRIPT);
  try {
    const t = r.trajectory;
    assert.equal(TrajectorySchema.safeParse(t).success, true);
    assert.deepEqual(t.turns.map((x) => x.text), SCRIPT);
    assert.equal(r.server.requests.length, SCRIPT.length);
    const size = { width: 320, height: 240 };
    for (const [k, req] of r.server.requests.entries()) {
      const prefix: Trajectory = { ...t, turns: t.turns.slice(0, k) };
      const expected = renderMessages(prefix, replayTrajectory(prefix, { originalSize: size }), { imageToken: VISION_TOKENS });
      assert.deepEqual(messageTextsOfRequest(req.body, VISION_TOKENS), expected.messages, `request ${k}`);
      assert.equal(imagesOfRequest(req.body).length, expected.images.length, `images of request ${k}`);
      assert.deepEqual(req.body!.stop, ['</grounding>']);
      assert.equal(req.body!.max_tokens, 8192);
      assert.equal(req.body!.include_stop_str_in_output, true);
    }
    // Observation numbering: the prompt says Observation turn+1; sources count successful crops.
    const last = messageTextsOfRequest(r.server.requests[5]!.body, VISION_TOKENS);
    assert.equal(last[3]!.content, observationPrompt(0, 1));
    assert.equal(last[5]!.content, observationPrompt(1, 2));
    assert.equal(last[7]!.content, errorFeedback('Error in predicting the source observation: "observation_9".'));
    assert.equal(last[9]!.content, errorFeedback(''));
    assert.equal(last[11]!.content, observationPrompt(4, 5));
    assert.deepEqual(t.outcome, { answer: 'K7Q2', status: 'answered', correct: true });
    assert.deepEqual(t.model, { name: 'mini-o3-test', backend: 'openai', sampling: { max_tokens: 8192, temperature: 1, top_p: 1, top_k: -1 } });
    const sampling = r.server.requests[0]!.body!;
    assert.deepEqual([sampling.temperature, sampling.top_p, sampling.top_k, sampling.repetition_penalty, sampling.seed], [1, 1, -1, 1, undefined],
      'Mini-o3\'s sampling is sent explicitly, so the server\'s generation_config cannot change it');
    assert.ok(t.turns.every((x) => x.finish_reason === 'stop' && x.tokens?.prompt !== undefined && x.timing?.ms !== undefined));
  } finally {
    await done(r);
  }
});

test('Qwen2.5-VL\'s chat template over each request gives Mini-o3\'s token-level prompt (renderPrompt) exactly', async () => {
  const r = await run(SCRIPT);
  try {
    const template = new Template(QWEN2_VL_CHAT_TEMPLATE);
    for (const [k, req] of r.server.requests.entries()) {
      const prefix: Trajectory = { ...r.trajectory, turns: r.trajectory.turns.slice(0, k) };
      const served = template.render({ messages: req.body!.messages!, add_generation_prompt: true, add_vision_id: false });
      assert.equal(served, renderPrompt(prefix, replayTrajectory(prefix, { originalSize: { width: 320, height: 240 } })), `request ${k}`);
    }
  } finally {
    await done(r);
  }
});

test('the model sees the original resized with LANCZOS and each crop cut from the decoded original, resized with NEAREST', async () => {
  const r = await run(SCRIPT, { search: { settings: { min_pixels: 20_000, max_pixels: 60_000 } } });
  try {
    const decoded = await decodeImageFile(r.ws.imagePath);
    const replay = replayTrajectory(r.trajectory, { originalSize: { width: 320, height: 240 } });
    const sent = imagesOfRequest(r.server.requests[5]!.body);
    const expected = [minio3ResizeInitial(decoded, { minPixels: 20_000, maxPixels: 60_000 })];
    for (const o of replay.observations.slice(1)) {
      expected.push(minio3ResizeForModel(cropDecoded(decoded, o.rectInOriginal), { minPixels: 20_000, maxPixels: 60_000 }));
    }
    assert.equal(sent.length, expected.length);
    assert.equal(expected.length, 4);
    for (const [i, png] of sent.entries()) {
      const got = await rgbOf(png);
      assert.deepEqual([got.width, got.height], [expected[i]!.width, expected[i]!.height], `image ${i} size`);
      assert.ok(got.data.equals(expected[i]!.data), `image ${i} pixels`);
    }
    // The original (76,800 px) is above max_pixels here, so it was really resized.
    assert.ok(expected[0]!.width < 320);
    // cropMade events carry the same geometry the replay derives.
    const crops = r.events.filter((e) => e.type === 'cropMade');
    assert.deepEqual(crops.map((e) => e.rectInOriginal), replay.observations.slice(1).map((o) => o.rectInOriginal));
    assert.deepEqual(crops.map((e) => e.observationIndex), [1, 2, 3]);
    assert.deepEqual(crops.map((e) => e.modelSize), expected.slice(1).map((e) => ({ width: e.width, height: e.height })));
  } finally {
    await done(r);
  }
});

test('replay invariant: replayTrajectory(result) gives the actions, boxes and feedback the loop produced', async () => {
  const r = await run(SCRIPT);
  try {
    const replay = replayTrajectory(r.trajectory, { originalSize: { width: 320, height: 240 } });
    const finished = r.events.filter((e) => e.type === 'turnFinished');
    assert.deepEqual(replay.turns.map((x) => x.action), finished.map((e) => e.action));
    assert.deepEqual(replay.turns.map((x) => x.status), finished.map((e) => e.status));
    assert.deepEqual(replay.turns.map((x) => x.action), ['crop', 'crop', 'error', 'error', 'crop', 'answer']);
    assert.deepEqual(replay.turns.map((x) => x.status), ['valid', 'valid', 'invalid_format', 'invalid_format', 'valid', 'valid']);
    const sentFeedback = messageTextsOfRequest(r.server.requests[5]!.body, VISION_TOKENS).filter((m, i) => m.role === 'user' && i > 1).map((m) => m.content);
    assert.deepEqual(sentFeedback, replay.turns.filter((x) => x.feedback !== null).map((x) => x.feedback));
    assert.equal(replay.answer, r.trajectory.outcome?.answer);
  } finally {
    await done(r);
  }
});

test('events: turnStarted, deltas that add up to the text, turnFinished snapshots, one trajectoryFinished', async () => {
  const r = await run(SCRIPT.slice(0, 1).concat(answerTurn('nope')));
  try {
    const types = r.events.map((e) => e.type).filter((t) => t !== 'textDelta');
    assert.deepEqual(types, ['turnStarted', 'cropMade', 'turnFinished', 'turnStarted', 'turnFinished', 'trajectoryFinished']);
    for (const turn of [0, 1]) {
      const text = r.events.filter((e) => e.type === 'textDelta' && e.turn === turn).map((e) => (e.type === 'textDelta' ? e.delta : '')).join('');
      assert.equal(text, r.trajectory.turns[turn]!.text);
    }
    const first = r.events.find((e) => e.type === 'turnFinished');
    assert.equal(first?.type === 'turnFinished' && first.trajectory.turns.length, 1, 'a snapshot, not the live object');
    assert.deepEqual(r.trajectory.outcome, { answer: 'nope', status: 'answered', correct: false });
  } finally {
    await done(r);
  }
});

test('over-turn: image limit reached with a call pending; a call on the last turn', async () => {
  const calls = [0, 1, 2].map(() => cropTurn([0.1, 0.1, 0.9, 0.9], 'original_image'));
  const images = await run(calls, { search: { settings: { max_images: 2 } } });
  try {
    assert.equal(images.trajectory.turns.length, 2);
    assert.deepEqual(images.trajectory.outcome, { answer: null, status: 'over_turn', correct: false });
    const replay = replayTrajectory(images.trajectory, { originalSize: { width: 320, height: 240 } });
    assert.equal(replay.turns[1]!.overTurnReason, 'image_limit');
    assert.equal(images.server.requests.length, 2);
  } finally {
    await done(images);
  }
  const last = await run(calls, { search: { settings: { max_turns: 2 } } });
  try {
    assert.equal(last.trajectory.turns.length, 2);
    assert.equal(last.trajectory.outcome?.status, 'over_turn');
    assert.equal(last.trajectory.limits?.max_images, 12, 'max_images keeps its default when max_turns is below it');
    assert.equal(replayTrajectory(last.trajectory, { originalSize: { width: 320, height: 240 } }).turns[1]!.overTurnReason, 'last_turn');
  } finally {
    await done(last);
  }
});

test('void: a final turn without <answer>…</answer> at the end, or cut by length; garbage is a recorded turn', async () => {
  const noAnswer = await run(['<think>I cannot tell</think> It might be K7Q2.']);
  try {
    assert.equal(noAnswer.trajectory.outcome?.status, 'void');
    assert.equal(noAnswer.trajectory.outcome?.correct, false);
  } finally {
    await done(noAnswer);
  }
  const cut = await run([{ text: '<think>long</think>\n<answer>K7Q2</answer>', finishReason: 'length' }]);
  try {
    assert.equal(cut.trajectory.turns[0]!.finish_reason, 'length');
    assert.equal(cut.trajectory.outcome?.status, 'void');
    assert.equal(cut.trajectory.outcome?.answer, 'K7Q2', 'the answer text is kept for the record');
  } finally {
    await done(cut);
  }
  const truncated = '<think>x</think>\n<grounding>{"bbox_2d": [0.1, 0.';
  const cutCall = await run([{ text: truncated, finishReason: 'length' }]);
  try {
    assert.equal(cutCall.trajectory.turns[0]!.text, truncated, 'a call cut by the token limit is not "repaired"');
    assert.equal(cutCall.trajectory.outcome?.status, 'void');
  } finally {
    await done(cutCall);
  }
  const garbage = '\u0000{{{ <grounding oops ]]]\n\uFFFD';
  const junk = await run([garbage]);
  try {
    assert.equal(junk.trajectory.turns[0]!.text, garbage);
    assert.equal(junk.trajectory.outcome?.status, 'void');
    assert.equal(replayTrajectory(junk.trajectory, { originalSize: { width: 320, height: 240 } }).turns[0]!.action, 'void');
  } finally {
    await done(junk);
  }
});

test('invalid calls are Mini-o3 error turns that cost a turn: JSON garbage inside <grounding>, inverted box', async () => {
  const r = await run([
    `${think('x')}<grounding>{"bbox_2d": oops, "source": "original_image"}</grounding>`,
    `${think('x')}<grounding>not json at all</grounding>`,
    cropTurn([0.9, 0.9, 0.1, 0.1], 'original_image'),
    answerTurn('K7Q2'),
  ], { search: { settings: { max_turns: 4 } } });
  try {
    const replay = replayTrajectory(r.trajectory, { originalSize: { width: 320, height: 240 } });
    assert.deepEqual(replay.turns.map((x) => x.status), ['invalid_format', 'invalid_format', 'invalid_clip', 'valid']);
    assert.equal(replay.turns[1]!.errorInfo, "'NoneType' object has no attribute 'group'");
    assert.equal(replay.turns[2]!.errorInfo, 'The bounding box is not valid in width: [288, 216, 32, 24]');
    const sent = messageTextsOfRequest(r.server.requests[3]!.body, VISION_TOKENS);
    assert.equal(sent[5]!.content, errorFeedback("'NoneType' object has no attribute 'group'"));
    assert.equal(sent[7]!.content, errorFeedback('The bounding box is not valid in width: [288, 216, 32, 24]'));
    assert.equal(imagesOfRequest(r.server.requests[3]!.body).length, 1);
    assert.equal(r.trajectory.outcome?.status, 'answered');
  } finally {
    await done(r);
  }
});

test('a server that strips </grounding> still yields the call, and the next request carries it', async () => {
  const r = await run([{ text: SCRIPT[0]!, stripStopString: true, omitStopReason: true }, answerTurn('K7Q2')]);
  try {
    assert.equal(r.trajectory.turns[0]!.text, SCRIPT[0]);
    assert.equal(messageTextsOfRequest(r.server.requests[1]!.body, VISION_TOKENS)[2]!.content, SCRIPT[0]);
  } finally {
    await done(r);
  }
});
