import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpenAiPolicy } from '../../../src/core/model/openai';
import { VISION_TOKENS, observationPrompt } from '../../../src/core/protocol/prompts';
import { replayTrajectory } from '../../../src/core/protocol/replay';
import { contextBudget, runVisualSearch } from '../../../src/core/search';
import { appendedMessageText } from '../../../src/core/search/token-accounting';
import type { Trajectory } from '../../../src/core/trajectory/schema';
import { OpenAiTestServer, imagesOfRequest, messageTextsOfRequest } from '../../support/openai-server';
import { answerTurn, makeWorkspace, SCRIPT } from './fixtures';
import { done, run } from './loop-harness';

const SIZE = { width: 320, height: 240 };
const BOUNDS = { min_pixels: 40_000, max_pixels: 2_000_000 };

test('cancellation mid-stream keeps the finished turns and ends as cancelled', async () => {
  const controller = new AbortController();
  const r = await run([SCRIPT[0]!, { text: SCRIPT[1]!, chunkChars: 3, chunkDelayMs: 20 }, answerTurn('K7Q2')], {
    search: {
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'textDelta' && e.turn === 1) controller.abort();
        if (e.type === 'trajectoryFinished') finished++;
      },
    },
  });
  let finished = 0;
  try {
    assert.equal(r.trajectory.turns.length, 1);
    assert.equal(r.trajectory.turns[0]!.text, SCRIPT[0]);
    assert.deepEqual(r.trajectory.outcome, { answer: null, status: 'cancelled' });
  } finally {
    await done(r);
  }
  const already = new AbortController();
  already.abort();
  const before = await run(SCRIPT, { search: { signal: already.signal } });
  try {
    assert.equal(before.trajectory.turns.length, 0);
    assert.equal(before.trajectory.outcome?.status, 'cancelled');
    assert.equal(before.server.requests.length, 0);
    assert.deepEqual(before.events.map((e) => e.type), ['trajectoryFinished']);
  } finally {
    await done(before);
  }
});

test('a stalled server ends the trajectory with the timeout recorded, keeping the turns so far', async () => {
  const r = await run(SCRIPT, {
    policy: { timeoutMs: 120, retries: 1 },
    before: (server) => server.fault({ kind: 'stall' }, { turn: 1 }).fault({ kind: 'stall' }, { turn: 1 }),
  });
  try {
    assert.equal(r.trajectory.turns.length, 1);
    assert.equal(r.trajectory.outcome?.status, 'error');
    assert.match(r.trajectory.outcome?.error ?? '', /^turn 1: no response from http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions for 120 ms \(timed out\) \(gave up after 2 attempts\)$/);
    assert.equal(r.events.at(-1)?.type, 'trajectoryFinished');
  } finally {
    await done(r);
  }
});

test('an HTML answer ends the trajectory with a clear error; nothing is retried', async () => {
  const r = await run(SCRIPT, { before: (server) => server.fault({ kind: 'html' }) });
  try {
    assert.equal(r.trajectory.turns.length, 0);
    assert.match(r.trajectory.outcome?.error ?? '', /answered HTTP 200 with an HTML page \("Welcome to nginx!"\), not a chat completion/);
    assert.equal(r.server.requests.length, 1);
  } finally {
    await done(r);
  }
});

test('injected 500s and a stream dropped mid-turn are retried; the restart is announced and the text is whole', async () => {
  const script = [SCRIPT[0]!, { text: SCRIPT[1]!, chunkDelayMs: 5 }, answerTurn('K7Q2')];
  const r = await run(script, {
    before: (server) => server
      .fault({ kind: 'status', status: 500 }, { turn: 0 })
      .fault({ kind: 'status', status: 503 }, { turn: 0 })
      .fault({ kind: 'drop', afterChars: 30 }, { turn: 1 }),
  });
  try {
    assert.equal(r.trajectory.outcome?.status, 'answered');
    assert.deepEqual(r.trajectory.turns.map((t) => t.text), [SCRIPT[0], SCRIPT[1], answerTurn('K7Q2')]);
    assert.equal(r.server.requests.length, 6);
    const turn1 = r.events.filter((e) => (e.type === 'textDelta' || e.type === 'turnRestarted') && e.turn === 1);
    const restart = turn1.findIndex((e) => e.type === 'turnRestarted');
    assert.ok(restart > 0);
    assert.equal(turn1.slice(restart + 1).map((e) => (e.type === 'textDelta' ? e.delta : '')).join(''), SCRIPT[1]);
  } finally {
    await done(r);
  }
});

test('context budget, estimated (no usage): exceeded after appending the observation -> rolled back, over-turn; replay agrees', async () => {
  const ws = await makeWorkspace();
  const probe: Trajectory = { id: 'p', task: ws.task, turns: [{ text: SCRIPT[0]! }] };
  const budget = contextBudget(BOUNDS);
  const initial = budget.initialPrompt(probe, SIZE);
  const text0 = budget.text(SCRIPT[0]!);
  const added0 = budget.text(appendedMessageText(observationPrompt(0, 1))) + budget.cropImage({ width: 159, height: 119 }) - 1;
  const text1 = budget.text(SCRIPT[1]!);

  // After: the call passes the check before (context < limit), the observation pushes it over.
  const after = await run(SCRIPT, { workspace: ws, server: { usage: 'none' }, search: { settings: { max_context: initial + text0 + 2000 + 1 } } });
  try {
    assert.equal(after.trajectory.turns.length, 1);
    assert.deepEqual(after.trajectory.outcome, { answer: null, status: 'over_turn', correct: false });
    assert.equal(after.events.some((e) => e.type === 'cropMade'), false, 'the observation was rolled back');
    const replay = replayTrajectory(after.trajectory, { originalSize: SIZE, budget });
    assert.equal(replay.turns[0]!.overTurnReason, 'context');
  } finally {
    await after.server.close();
  }
  // Before: turn 1's own text brings the context to the limit before its call runs.
  const before = await run(SCRIPT, { workspace: ws, server: { usage: 'none' }, search: { settings: { max_context: initial + text0 + added0 + text1 + 2000 } } });
  try {
    assert.equal(before.trajectory.turns.length, 2);
    assert.equal(before.trajectory.outcome?.status, 'over_turn');
    assert.equal(imagesOfRequest(before.server.requests[1]!.body).length, 2);
    const replay = replayTrajectory(before.trajectory, { originalSize: SIZE, budget });
    assert.deepEqual(replay.turns.map((t) => t.action), ['crop', 'over_turn']);
    assert.equal(replay.turns[1]!.overTurnReason, 'context');
    // Room for turn 1's observation too (one token more than exactly enough), and the call runs.
    const added1 = budget.text(appendedMessageText(observationPrompt(1, 2))) + budget.cropImage({ width: 79, height: 59 }) - 1;
    const roomy = { max_context: initial + text0 + added0 + text1 + added1 + 2001 };
    assert.equal(replayTrajectory(before.trajectory, { originalSize: SIZE, budget, limits: roomy }).turns[1]!.action, 'crop');
    const tight = { max_context: roomy.max_context - 1 };
    assert.equal(replayTrajectory(before.trajectory, { originalSize: SIZE, budget, limits: tight }).turns[1]!.overTurnReason, 'context');
  } finally {
    await done(before);
  }
});

test('context budget, exact: the server\'s usage decides, and is recorded on the turn', async () => {
  const r = await run([{ text: SCRIPT[0]!, usage: { prompt_tokens: 30_000, completion_tokens: 768 } }, answerTurn('K7Q2')]);
  try {
    assert.equal(r.trajectory.turns.length, 1);
    assert.deepEqual(r.trajectory.turns[0]!.tokens, { prompt: 30_000, completion: 768 });
    assert.equal(r.trajectory.outcome?.status, 'over_turn');
  } finally {
    await done(r);
  }
  const under = await run([{ text: SCRIPT[0]!, usage: { prompt_tokens: 30_000, completion_tokens: 500 } }, answerTurn('K7Q2')]);
  try {
    assert.equal(under.trajectory.outcome?.status, 'answered', '30,500 + the observation (~150) < 32,768 - 2000: the call runs');
  } finally {
    await done(under);
  }
});

test('bad inputs end as error trajectories naming the problem: missing image, question without <image>', async () => {
  const ws = await makeWorkspace();
  const server = await OpenAiTestServer.start();
  try {
    const policy = new OpenAiPolicy({ url: server.url, model: 'm' });
    const missing = await runVisualSearch({ task: { ...ws.task, images: ['images/nope.png'] }, baseDir: ws.dir, policy });
    assert.equal(missing.outcome?.status, 'error');
    assert.match(missing.outcome?.error ?? '', /nope\.png.*file not found/);
    const escape = await runVisualSearch({ task: { ...ws.task, images: ['../../etc/passwd'] }, baseDir: ws.dir, policy });
    assert.match(escape.outcome?.error ?? '', /outside the dataset folder/);
    const noPlaceholder = await runVisualSearch({ task: { ...ws.task, question: 'What is on the sign?' }, baseDir: ws.dir, policy });
    assert.match(noPlaceholder.outcome?.error ?? '', /question must hold exactly one <image> \(it holds 0\)/);
    assert.equal(server.requests.length, 0);
    await assert.rejects(runVisualSearch({ task: ws.task, baseDir: ws.dir, policy, settings: { max_turns: 65 } }), /settings\.max_turns: must be an integer 1\.\.64, got 65/);
  } finally {
    await server.close();
    ws.cleanup();
  }
});

test('a throwing event listener does not lose the trajectory', async () => {
  const r = await run(SCRIPT, {
    search: {
      onEvent: (e) => {
        if (e.type === 'cropMade') throw new Error('listener bug');
      },
    },
  });
  try {
    assert.equal(r.trajectory.turns.length, 1);
    assert.equal(r.trajectory.outcome?.status, 'error');
    assert.match(r.trajectory.outcome?.error ?? '', /an onEvent listener threw on 'cropMade': listener bug/);
  } finally {
    await done(r);
  }
});

test('fork from turn k: the parent\'s first k turns (with their edits), crops re-made, then new turns', async () => {
  const parent = await run(SCRIPT);
  const ws = parent.ws;
  await parent.server.close();
  const edited = structuredClone(parent.trajectory);
  const newCall = SCRIPT[1]!.replace('[0.0, 0.0, 0.5, 0.5]', '[0.5, 0.5, 1.0, 1.0]');
  edited.turns[1] = { ...edited.turns[1]!, text: newCall, edit: { original_text: SCRIPT[1]!, by: 'test' } };
  const continuation = answerTurn('Z9');
  const fork = await run(['unused', 'unused', continuation], { workspace: ws, search: { prefix: { trajectory: edited, turns: 2 }, id: 'fork-1' } });
  try {
    const t = fork.trajectory;
    assert.equal(t.id, 'fork-1');
    assert.deepEqual(t.fork, { trajectory_id: parent.trajectory.id, turn: 2 });
    assert.deepEqual(t.turns.slice(0, 2), edited.turns.slice(0, 2));
    assert.equal(t.turns[2]!.text, continuation);
    assert.equal(t.turns.length, 3);
    assert.deepEqual(t.outcome, { answer: 'Z9', status: 'answered', correct: false });
    // Only the new turn was generated, from the rebuilt conversation: two crops, the edited one included.
    assert.equal(fork.server.requests.length, 1);
    assert.equal(imagesOfRequest(fork.server.requests[0]!.body).length, 3);
    const sent = messageTextsOfRequest(fork.server.requests[0]!.body, VISION_TOKENS);
    assert.equal(sent[4]!.content, newCall);
    const replay = replayTrajectory(t, { originalSize: SIZE });
    assert.deepEqual(replay.turns[1]!.boxInOriginal, [239, 179, 318, 238]);
    assert.deepEqual(fork.events.filter((e) => e.type === 'turnStarted').map((e) => e.type === 'turnStarted' && e.turn), [2]);

    await assert.rejects(
      runVisualSearch({ task: ws.task, baseDir: ws.dir, policy: fork.policy, prefix: { trajectory: parent.trajectory, turns: 6 } }),
      /cannot fork .* at turn 6: turn 5 already ends the search \(answer\)/);
    await assert.rejects(
      runVisualSearch({ task: ws.task, baseDir: ws.dir, policy: fork.policy, prefix: { trajectory: parent.trajectory, turns: 7 } }),
      /cannot fork .* at turn 7: it has 6 turns/);
  } finally {
    await done(fork);
  }
});
