import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SseParser } from '../../../src/core/model/openai/sse';
import { chatCompletionsUrl } from '../../../src/core/model/openai/endpoint';
import { backoffDelay, parseRetryAfter } from '../../../src/core/model/openai/retry';
import { redactSecret } from '../../../src/core/model/openai/errors';
import { missingStopString } from '../../../src/core/model/openai/stop-string';

const stream = 'data: {"a":1}\n\n: keep-alive\n\ndata: first\ndata: second\n\nevent: error\ndata: {"e":2}\n\ndata:[DONE]\n\n';

test('SSE: events, comments, multi-line data, event names, no space after the colon', () => {
  const events = new SseParser().push(stream);
  assert.deepEqual(events, [
    { data: '{"a":1}' },
    { data: 'first\nsecond' },
    { event: 'error', data: '{"e":2}' },
    { data: '[DONE]' },
  ]);
});

test('SSE: the same events whatever the line endings and however the text is split', () => {
  const expected = new SseParser().push(stream);
  for (const eol of ['\n', '\r\n', '\r']) {
    const text = stream.split('\n').join(eol);
    for (const size of [1, 2, 3, 5, 17, text.length]) {
      const parser = new SseParser();
      const got = [];
      for (let i = 0; i < text.length; i += size) got.push(...parser.push(text.slice(i, i + size)));
      got.push(...parser.end());
      assert.deepEqual(got, expected, `eol ${JSON.stringify(eol)} split ${size}`);
    }
  }
});

test('SSE: a last event without its blank line is dispatched at the end of the stream', () => {
  const parser = new SseParser();
  assert.deepEqual(parser.push('data: x'), []);
  assert.deepEqual(parser.end(), [{ data: 'x' }]);
});

test('endpoint: root, /v1, trailing slashes and the full endpoint all give /v1/chat/completions', () => {
  for (const url of ['http://h:8000', 'http://h:8000/', 'http://h:8000/v1', 'http://h:8000/v1/', 'http://h:8000/v1/chat/completions']) {
    assert.equal(chatCompletionsUrl(url), 'http://h:8000/v1/chat/completions', url);
  }
  assert.equal(chatCompletionsUrl('https://proxy.example/llm/v1'), 'https://proxy.example/llm/v1/chat/completions');
  assert.throws(() => chatCompletionsUrl('localhost:8000'), /http:\/\/ or https:\/\//);
  assert.throws(() => chatCompletionsUrl('not a url'), /is not a URL/);
});

test('Retry-After: seconds and HTTP dates; backoff doubles within jitter bounds', () => {
  assert.equal(parseRetryAfter('2'), 2000);
  assert.equal(parseRetryAfter('0.5'), 500);
  assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 7_000), 3000);
  assert.equal(parseRetryAfter('soon'), undefined);
  assert.equal(parseRetryAfter(null), undefined);
  const options = { baseDelayMs: 100, maxDelayMs: 1000 };
  assert.equal(backoffDelay(0, options, () => 0), 50);
  assert.equal(backoffDelay(0, options, () => 1), 100);
  assert.equal(backoffDelay(3, options, () => 1), 800);
  assert.equal(backoffDelay(9, options, () => 1), 1000);
});

test('redaction removes the key and any bearer token', () => {
  assert.equal(redactSecret('key sk-abc123 in Authorization: Bearer sk-abc123', 'sk-abc123'), 'key [redacted] in Authorization: Bearer [redacted]');
});

test('stop string: restored from stop_reason, kept once, not added after eos or length', () => {
  const call = '<think>t</think>\n<grounding>{"bbox_2d": [0, 0, 1, 1], "source": "original_image"}';
  const stop = ['</grounding>'];
  assert.equal(missingStopString(call, 'stop', stop, '</grounding>'), '</grounding>');
  assert.equal(missingStopString(`${call}</grounding>`, 'stop', stop, '</grounding>'), '');
  assert.equal(missingStopString(call, 'stop', stop, null), '', 'eos inside an open <grounding>: the server said so');
  assert.equal(missingStopString(call, 'stop', stop, 151645), '');
  assert.equal(missingStopString(call, 'stop', stop, undefined), '</grounding>', 'no stop_reason: unclosed <grounding> means the stop string');
  assert.equal(missingStopString(call, 'length', stop, undefined), '');
  assert.equal(missingStopString('<think>t</think><answer>a</answer>', 'stop', stop, undefined), '');
});
