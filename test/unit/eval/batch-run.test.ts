import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpenAiTestServer } from '../../support/openai-server';
import { OpenAiPolicy } from '../../../src/core/model/openai';
import { runEvalBatch } from '../../../src/core/eval/batch-run';
import { loadEvalTasks, withImageSizes } from '../../../src/core/eval/eval-tasks';
import { exactJudge } from '../../../src/core/eval/judge';
import { LlmJudge } from '../../../src/core/eval/llm-judge';
import { openAiChatCompletion } from '../../../src/core/eval/chat-completion';
import { JUDGE_SYSTEM_PROMPT, judgeQuery } from '../../../src/core/eval/judge-prompts';
import { computeEvalMetrics } from '../../../src/core/eval/metrics';
import { readEvalJournal } from '../../../src/core/eval/run-journal';
import { sampleKey } from '../../../src/core/eval/eval-sample';
import { evalWorkspace, KINDS } from './eval-fixture';

interface Line {
  id: string;
  task: { id: string; question: string; answer: string };
  outcome: { status: string; correct: boolean | null; score?: number };
  limits: { max_turns: number };
  eval: { run_key: string; rollout: number; max_turns: number; judge: { kind: string; score: number | null; failed?: string; prediction: string | null } };
}

function lines(file: string): Line[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Line);
}

async function prepare(dir: string, tasks: number, server: OpenAiTestServer) {
  const ws = await evalWorkspace(dir, tasks, server);
  const outFile = join(dir, 'runs', 'eval.traj.jsonl');
  const set = await loadEvalTasks(ws.tasksFile, { outFile });
  const ready = await withImageSizes(set, join(dir, 'runs'), set.outsideRoots);
  assert.equal(ready.length, tasks, JSON.stringify(set.findings));
  return { ws, outFile, tasks: ready, roots: set.outsideRoots };
}

test('6 tasks × 2 rollouts × max turns [2, 4] at concurrency 3: each appended once, judged, tagged', async () => {
  const server = await OpenAiTestServer.start();
  try {
    const dir = mkdtempSync(join(tmpdir(), 'mini-o3-batch-'));
    const { ws, outFile, tasks, roots } = await prepare(dir, 6, server);
    assert.deepEqual(roots, [dir], 'images live beside tasks.json, outside runs/');
    const running: number[] = [];
    const result = await runEvalBatch({
      tasks, baseDir: join(dir, 'runs'), outFile, imageRoots: roots,
      policy: new OpenAiPolicy({ url: server.url, model: 'scripted', retries: 0 }),
      maxTurns: [2, 4], rollouts: 2, concurrency: 3, settings: { temperature: 1 },
      runKey: 'run-test', judge: exactJudge, done: new Set(),
      onProgress: (p) => running.push(p.running),
    });
    assert.equal(result.written, 24);
    assert.equal(result.errors, 0, JSON.stringify(result.failures));
    assert.equal(Math.max(...running), 3, 'three rollouts ran at once');
    const written = lines(outFile);
    assert.equal(written.length, 24);
    const keys = new Set(written.map((l) => sampleKey(l.task.id, l.eval.max_turns, l.eval.rollout)));
    assert.equal(keys.size, 24);
    for (const l of written) {
      assert.equal(l.eval.run_key, 'run-test');
      assert.equal(l.limits.max_turns, l.eval.max_turns);
      assert.ok(l.task.question.startsWith('<image>\n'));
      const i = ws.rows.findIndex((r) => r.doc_id === l.task.id);
      const kind = KINDS[i % KINDS.length];
      const expected = kind === 'wrong' ? 0 : kind === 'two_crops' && l.eval.max_turns === 2 ? null : 1;
      if (expected === null) {
        assert.equal(l.outcome.status, 'over_turn', `${l.id}: a third turn is needed but the limit is 2`);
        assert.equal(l.eval.judge.score, 0);
      } else {
        assert.equal(l.outcome.status, 'answered');
        assert.equal(l.eval.judge.score, expected, l.id);
        assert.equal(l.outcome.correct, expected === 1);
      }
    }
    const m = computeEvalMetrics(result.samples);
    assert.equal(m.byMaxTurns.get(2)!.avgAtK, 2 / 6);
    assert.equal(m.byMaxTurns.get(4)!.avgAtK, 4 / 6);
    assert.equal(m.byMaxTurns.get(2)!.overTurnRate, 4 / 12);

    // A second run over the same file does nothing: everything is in it.
    const again = await runEvalBatch({
      tasks, baseDir: join(dir, 'runs'), outFile, imageRoots: roots,
      policy: new OpenAiPolicy({ url: server.url, model: 'scripted', retries: 0 }),
      maxTurns: [2, 4], rollouts: 2, concurrency: 3, settings: {}, runKey: 'run-test', judge: exactJudge,
      done: new Set((await readEvalJournal(outFile)).runs.get('run-test')!.samples.keys()),
    });
    assert.deepEqual([again.planned, again.skipped, again.written], [24, 24, 0]);
    assert.equal(lines(outFile).length, 24);
  } finally {
    await server.close();
  }
});

test('server errors are not written and a run of them stops the batch; the rerun retries them', async () => {
  const server = await OpenAiTestServer.start();
  const broken = await OpenAiTestServer.start();
  try {
    const dir = mkdtempSync(join(tmpdir(), 'mini-o3-batch-'));
    const { outFile, tasks, roots } = await prepare(dir, 3, server);
    for (let i = 0; i < 40; i++) broken.fault({ kind: 'status', status: 500 });
    const base = {
      tasks, baseDir: join(dir, 'runs'), outFile, imageRoots: roots,
      maxTurns: [4], rollouts: 4, concurrency: 2, settings: {}, runKey: 'run-x', judge: exactJudge,
    };
    const failed = await runEvalBatch({ ...base, policy: new OpenAiPolicy({ url: broken.url, model: 'scripted', retries: 0 }), done: new Set(), maxConsecutiveErrors: 5 });
    assert.equal(failed.written, 0);
    assert.ok(failed.errors >= 5 && failed.errors <= 6, `stopped after 5 errors in a row (one more may be in flight), got ${failed.errors}`);
    assert.ok(broken.requests.length <= 6, 'no rollout started after the stop');
    assert.match(failed.stopped ?? '', /in a row failed; last: .*HTTP 500/);
    assert.match(failed.failures[0]!.message, /500/);
    const retried = await runEvalBatch({ ...base, policy: new OpenAiPolicy({ url: server.url, model: 'scripted', retries: 0 }), done: new Set() });
    assert.equal(retried.written, 12);
    assert.equal(lines(outFile).length, 12);
  } finally {
    await server.close();
    await broken.close();
  }
});

test('cancelling stops new rollouts, aborts running ones and writes none of them', async () => {
  const server = await OpenAiTestServer.start();
  try {
    const dir = mkdtempSync(join(tmpdir(), 'mini-o3-batch-'));
    const ws = await evalWorkspace(dir, 4, server, { chunkDelayMs: 15, chunkChars: 4 });
    const outFile = join(dir, 'eval.traj.jsonl');
    const set = await loadEvalTasks(ws.tasksFile, { outFile });
    const tasks = await withImageSizes(set, dir, []);
    const controller = new AbortController();
    const result = await runEvalBatch({
      tasks, baseDir: dir, outFile, policy: new OpenAiPolicy({ url: server.url, model: 'scripted', retries: 0 }),
      maxTurns: [4], rollouts: 3, concurrency: 4, settings: {}, runKey: 'run-c', judge: exactJudge, done: new Set(), signal: controller.signal,
      onWritten: () => controller.abort(),
    });
    assert.equal(result.stopped, 'cancelled');
    assert.ok(result.written >= 1 && result.written < 12);
    assert.ok(result.cancelled >= 1, 'running rollouts were cancelled');
    assert.equal(lines(outFile).length, result.written, 'cancelled rollouts left no lines');
    for (const l of lines(outFile)) assert.notEqual(l.outcome.status, 'cancelled');
  } finally {
    await server.close();
  }
});

test('llm judge: Mini-o3 prompts verbatim, temperature per attempt, garbage replies mark the trajectory judge-failed', async () => {
  const model = await OpenAiTestServer.start();
  const judgeServer = await OpenAiTestServer.start();
  try {
    const dir = mkdtempSync(join(tmpdir(), 'mini-o3-judge-'));
    const ws = await evalWorkspace(dir, 3, model);
    const outFile = join(dir, 'eval.traj.jsonl');
    const set = await loadEvalTasks(ws.tasksFile, { outFile });
    const tasks = await withImageSizes(set, dir, []);
    // Task 0 answers right and gets "Score: 1"; task 1 answers right but the judge only rambles.
    judgeServer.conversation(`(task ${ws.rows[0]!.doc_id})`, ['The prediction matches.\nScore: 1']);
    judgeServer.conversation(`(task ${ws.rows[1]!.doc_id})`, ['I would say they match, probably.']);
    judgeServer.conversation('Question Related to the Image', ['Score: 0']);
    const judge = new LlmJudge({ model: 'judge-model', complete: openAiChatCompletion({ url: judgeServer.url, model: 'judge-model' }), retryDelayMs: 0 });
    const result = await runEvalBatch({
      tasks, baseDir: dir, outFile, policy: new OpenAiPolicy({ url: model.url, model: 'scripted', retries: 0 }),
      maxTurns: [4], rollouts: 1, concurrency: 2, settings: {}, runKey: 'run-j', judge, done: new Set(),
    });
    assert.equal(result.written, 3);
    assert.equal(result.judgeFailed, 1);
    const byTask = new Map(lines(outFile).map((l) => [l.task.id, l]));
    const good = byTask.get(ws.rows[0]!.doc_id)!;
    assert.equal(good.eval.judge.score, 1);
    assert.equal(good.outcome.correct, true);
    const failed = byTask.get(ws.rows[1]!.doc_id)!;
    assert.equal(failed.eval.judge.score, null);
    assert.match(failed.eval.judge.failed ?? '', /no score after 5 attempts; last: no 'score:'/);
    assert.equal(failed.outcome.correct, null);
    assert.equal(byTask.get(ws.rows[2]!.doc_id)!.eval.judge.score, 0);

    const forFailed = judgeServer.requests.filter((r) => r.conversation === `(task ${ws.rows[1]!.doc_id})`);
    assert.deepEqual(forFailed.map((r) => r.body?.temperature), [0, 0.2, 0.4, 0.6000000000000001, 0.8]);
    const first = forFailed[0]!.body!;
    assert.equal(first.model, 'judge-model');
    assert.equal(first.max_tokens, 16384);
    const question = tasks.find((t) => t.id === ws.rows[1]!.doc_id)!.question;
    assert.deepEqual(first.messages, [
      { role: 'system', content: [{ type: 'text', text: JUDGE_SYSTEM_PROMPT }] },
      { role: 'user', content: [{ type: 'text', text: judgeQuery(question, ws.rows[1]!.solution, ws.rows[1]!.solution) }] },
    ]);
    assert.ok(question.startsWith('<image>\n'), 'the judge sees the raw problem with <image>');

    const m = computeEvalMetrics(result.samples);
    assert.equal(m.overall.judged, 2);
    assert.equal(m.overall.judgeFailed, 1);
    assert.equal(m.overall.accuracy, 0.5);
  } finally {
    await model.close();
    await judgeServer.close();
  }
});
