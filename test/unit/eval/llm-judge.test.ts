import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpenAiTestServer } from '../../support/openai-server';
import { LlmJudge } from '../../../src/core/eval/llm-judge';
import { openAiChatCompletion } from '../../../src/core/eval/chat-completion';

const input = (prediction: string | null) => ({
  question: '<image>\nWhat is written on the sign?',
  groundTruth: 'K7Q2',
  turnTexts: ['<think>zoom</think>\n<grounding>{"bbox_2d": [0.1, 0.1, 0.5, 0.5], "source": "original_image"}</grounding>',
    prediction === null ? '<think>no idea</think>' : `<think>read</think>\n<answer>${prediction}</answer>`],
});

test('rate limits wait without using an attempt; other failures use one and raise the temperature', async () => {
  const server = await OpenAiTestServer.start({ apiKey: 'judge-key' });
  try {
    server.conversation('What is written', ['Score: 1']);
    server.fault({ kind: 'status', status: 429, retryAfter: '0' }).fault({ kind: 'status', status: 429 }).fault({ kind: 'status', status: 500 }).fault({ kind: 'html' });
    const judge = new LlmJudge({
      model: 'j', complete: openAiChatCompletion({ url: server.url, model: 'j', apiKey: 'judge-key' }), retryDelayMs: 0, rateLimitDelayMs: 0,
    });
    const verdict = await judge.judge(input('K7Q2'));
    assert.equal(verdict.score, 1);
    assert.equal(verdict.attempts, 5);
    assert.deepEqual(server.requests.map((r) => r.body?.temperature), [0, 0, 0, 0.2, 0.4]);
    assert.equal(server.requests[0]!.headers.authorization, 'Bearer judge-key');

    server.requests.length = 0;
    const noAnswer = await judge.judge(input(null));
    assert.deepEqual([noAnswer.score, noAnswer.attempts, noAnswer.prediction], [0, 0, null], 'no <answer>: 0 without asking');
    assert.equal(server.requests.length, 0);
    const noTruth = await judge.judge({ ...input('K7Q2'), groundTruth: undefined });
    assert.equal(noTruth.score, null);
    assert.equal(noTruth.failed, undefined);
  } finally {
    await server.close();
  }
});

test('an unreachable judge fails after its attempts, with the reason and no key in it', async () => {
  const server = await OpenAiTestServer.start();
  const url = server.url;
  await server.close();
  const judge = new LlmJudge({ model: 'j', complete: openAiChatCompletion({ url, model: 'j', apiKey: 'sk-secret-1' }), retryDelayMs: 0, attempts: 3 });
  const verdict = await judge.judge(input('K7Q2'));
  assert.equal(verdict.score, null);
  assert.equal(verdict.attempts, 3);
  assert.match(verdict.failed ?? '', /no score after 3 attempts; last: judge request to http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions failed/);
  assert.doesNotMatch(verdict.failed ?? '', /sk-secret/);
});
