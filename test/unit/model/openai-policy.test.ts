import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeImage } from '../../../src/core/imaging/encode';
import { OpenAiPolicy, ModelServerError, type OpenAiPolicyOptions } from '../../../src/core/model/openai';
import type { GenerateChunk, GenerateParams, PolicyImage, PolicyMessage } from '../../../src/core/model/policy';
import { OpenAiTestServer, type OpenAiTestServerOptions } from '../../support/openai-server';

const CALL = '<think>look closer</think>\n<grounding>{"bbox_2d": [0.1, 0.2, 0.5, 0.6], "source": "original_image"}</grounding>';
const PARAMS: GenerateParams = { max_tokens: 64, stop: ['</grounding>'], temperature: 0.7, top_p: 0.9, top_k: 20, seed: 3 };

async function image(): Promise<PolicyImage> {
  const rgb = Buffer.alloc(32 * 30 * 3, 200);
  return { width: 32, height: 30, bytes: await encodeImage({ width: 32, height: 30, channels: 3, data: rgb }, 'png'), mime: 'image/png', rgb };
}

function conversation(question = 'Q1'): PolicyMessage[] {
  return [
    { role: 'system', content: [{ type: 'text', text: 'SYS' }] },
    { role: 'user', content: [{ type: 'image', index: 0 }, { type: 'text', text: `\n${question}` }] },
  ];
}

async function withServer(
  options: OpenAiTestServerOptions, fn: (server: OpenAiTestServer, policy: (o?: Partial<OpenAiPolicyOptions>) => OpenAiPolicy) => Promise<void>,
): Promise<void> {
  const server = await OpenAiTestServer.start(options);
  try {
    await fn(server, (o = {}) => new OpenAiPolicy({ url: server.url, model: 'mini-o3', retries: 2, baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 2000, ...o }));
  } finally {
    await server.close();
  }
}

test('streamed request: body fields, image as a PNG data URL, bearer key; text keeps the stop string', async () => {
  await withServer({ lineEnding: '\r\n', sseComments: true, splitWrites: true }, async (server, make) => {
    server.enqueue(`${CALL} and text the model would have written after the stop`);
    const img = await image();
    const chunks: GenerateChunk[] = [];
    const result = await make({ apiKey: 'sk-test-123' }).generate(conversation(), [img], PARAMS, { onChunk: (c) => chunks.push(c) });
    assert.equal(result.text, CALL);
    assert.equal(result.finishReason, 'stop');
    assert.equal(chunks.map((c) => c.delta).join(''), CALL, 'the deltas add up to the text');
    assert.ok(result.usage?.promptTokens && result.usage.completionTokens, 'usage from the include_usage chunk');
    assert.ok(result.firstTokenMs !== undefined);

    const req = server.requests[0]!;
    assert.equal(req.path, '/v1/chat/completions');
    assert.equal(req.headers.authorization, 'Bearer sk-test-123');
    const body = req.body!;
    assert.equal(body.model, 'mini-o3');
    assert.deepEqual(body.stop, ['</grounding>']);
    assert.equal(body.stream, true);
    assert.deepEqual(body.stream_options, { include_usage: true });
    assert.equal(body.include_stop_str_in_output, true);
    assert.deepEqual([body.max_tokens, body.temperature, body.top_p, body.top_k, body.seed, body.repetition_penalty], [64, 0.7, 0.9, 20, 3, 1]);
    assert.deepEqual(body.messages, [
      { role: 'system', content: 'SYS' },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${img.bytes.toString('base64')}` } }, { type: 'text', text: '\nQ1' }] },
    ]);
  });
});

test('non-streaming mode reads the whole completion', async () => {
  await withServer({}, async (server, make) => {
    server.enqueue('<think>ok</think>\n<answer>A</answer>');
    const result = await make({ stream: false }).generate(conversation(), [await image()], PARAMS, {});
    assert.equal(result.text, '<think>ok</think>\n<answer>A</answer>');
    assert.equal(server.requests[0]!.body!.stream, false);
    assert.equal(server.requests[0]!.body!.stream_options, undefined);
    server.enqueue('<think>ok</think>\n<answer>B</answer>');
    await make({ repetitionPenalty: null, includeStopStrInOutput: false, extraBody: { min_p: 0.05 } }).generate(conversation(), [await image()], PARAMS, {});
    const plain = server.requests[1]!.body!;
    assert.equal('repetition_penalty' in plain, false);
    assert.equal('include_stop_str_in_output' in plain, false);
    assert.equal(plain.min_p, 0.05);
  });
});

test('a server that strips the stop string: restored from stop_reason, or from the open <grounding> without one', async () => {
  await withServer({}, async (server, make) => {
    server.enqueue({ text: CALL, stripStopString: true }, { text: CALL, stripStopString: true, omitStopReason: true });
    for (const stream of [true, false]) {
      const chunks: string[] = [];
      const result = await make({ stream }).generate(conversation(), [await image()], PARAMS, { onChunk: (c) => chunks.push(c.delta) });
      assert.equal(result.text, CALL, `stream=${stream}`);
      assert.equal(chunks.join(''), CALL);
    }
  });
});

test('finish_reason length is reported as such', async () => {
  await withServer({}, async (server, make) => {
    server.enqueue({ text: '<think>and on and on', finishReason: 'length' });
    const result = await make().generate(conversation(), [await image()], PARAMS, {});
    assert.equal(result.finishReason, 'length');
    assert.equal(result.text, '<think>and on and on');
  });
});

test('retries: two 500s then success; a connection dropped before the response; the same reply each time', async () => {
  await withServer({}, async (server, make) => {
    server.enqueue(CALL).fault({ kind: 'status', status: 500 }).fault({ kind: 'status', status: 502 }).fault({ kind: 'drop' });
    const retries: string[] = [];
    const result = await make({ retries: 3, onRetry: (r) => retries.push(r.reason) }).generate(conversation(), [await image()], PARAMS, {});
    assert.equal(result.text, CALL);
    assert.equal(server.requests.length, 4);
    assert.equal(retries.length, 3);
    assert.match(retries[0]!, /HTTP 500/);
    assert.match(retries[2]!, /dropped|socket|closed|terminated|fetch failed/i);
  });
});

test('a stream dropped mid-way is retried and the restarted text is flagged', async () => {
  await withServer({}, async (server, make) => {
    server.enqueue({ text: CALL, chunkDelayMs: 10 }).fault({ kind: 'drop', afterChars: 20 });
    const chunks: GenerateChunk[] = [];
    const result = await make().generate(conversation(), [await image()], PARAMS, { onChunk: (c) => chunks.push(c) });
    assert.equal(result.text, CALL);
    const restart = chunks.findIndex((c) => c.restart);
    assert.ok(restart > 0, 'a restart chunk follows the first partial deltas');
    assert.equal(chunks.slice(restart).map((c) => c.delta).join(''), CALL, 'the deltas after the restart are the whole text');
    assert.equal(chunks.filter((c) => c.restart).length, 1);
  });
});

test('429 with Retry-After is honoured', async () => {
  await withServer({}, async (server, make) => {
    server.enqueue(CALL).fault({ kind: 'status', status: 429, retryAfter: '1' });
    const delays: number[] = [];
    const start = performance.now();
    const result = await make({ onRetry: (r) => delays.push(r.delayMs) }).generate(conversation(), [await image()], PARAMS, {});
    const elapsed = performance.now() - start;
    assert.equal(result.text, CALL);
    assert.equal(delays[0], 1000);
    assert.ok(elapsed >= 990, `waited ${elapsed} ms`);
  });
});

test('a Retry-After beyond the allowed wait fails at once with a clear error', async () => {
  await withServer({}, async (server, make) => {
    server.enqueue(CALL).fault({ kind: 'status', status: 503, retryAfter: '3600' });
    await assert.rejects(make().generate(conversation(), [await image()], PARAMS, {}), /HTTP 503.*retry after 3600 s, more than the 120 s allowed/);
    assert.equal(server.requests.length, 1);
  });
});

test('a stalled server times out, is retried, then fails naming the URL and the attempts', async () => {
  await withServer({}, async (server, make) => {
    server.enqueue(CALL).fault({ kind: 'stall' }).fault({ kind: 'stall' });
    const start = performance.now();
    const error = await make({ timeoutMs: 150, retries: 1 }).generate(conversation(), [await image()], PARAMS, {}).then(
      () => assert.fail('should reject'), (e: unknown) => e);
    assert.ok(error instanceof ModelServerError);
    assert.match(error.message, new RegExp(`no response from ${server.url}/v1/chat/completions for 150 ms \\(timed out\\) \\(gave up after 2 attempts\\)`));
    assert.ok(performance.now() - start < 1500);
  });
});

test('a stream that stalls mid-way trips the idle timeout between chunks', async () => {
  await withServer({}, async (server, make) => {
    server.enqueue(CALL).fault({ kind: 'stall', afterChars: 14 });
    const result = await make({ timeoutMs: 150 }).generate(conversation(), [await image()], PARAMS, {});
    assert.equal(result.text, CALL, 'the retry completes');
    assert.equal(server.requests.length, 2);
  });
});

test('an HTML page is a clear error without retries, naming URL and status', async () => {
  await withServer({}, async (server, make) => {
    server.enqueue(CALL).fault({ kind: 'html' });
    await assert.rejects(make().generate(conversation(), [await image()], PARAMS, {}),
      (e: Error) => e instanceof ModelServerError && e.message.includes(`${server.url}/v1/chat/completions answered HTTP 200 with an HTML page ("Welcome to nginx!")`));
    assert.equal(server.requests.length, 1);
  });
});

test('truncated JSON is retried (a cut-short response), then reported', async () => {
  await withServer({}, async (server, make) => {
    server.enqueue(CALL).fault({ kind: 'truncatedJson' }).fault({ kind: 'truncatedJson' }).fault({ kind: 'truncatedJson' });
    await assert.rejects(make({ stream: false }).generate(conversation(), [await image()], PARAMS, {}),
      /answered HTTP 200 with a body that is not JSON .*starting "\{\\"id\\".*\(gave up after 3 attempts\)/);
    server.fault({ kind: 'truncatedJson' });
    const result = await make({ stream: false }).generate(conversation(), [await image()], PARAMS, {});
    assert.equal(result.text, CALL);
  });
});

test('401 is not retried, hints at the key, and never shows it', async () => {
  await withServer({ apiKey: 'right-key' }, async (server, make) => {
    server.enqueue(CALL);
    const error = await make({ apiKey: 'sk-wrong-SECRET' }).generate(conversation(), [await image()], PARAMS, {}).then(
      () => assert.fail('should reject'), (e: unknown) => e as Error);
    assert.match(error.message, /HTTP 401.*invalid API key.*check the API key/);
    assert.ok(!error.message.includes('SECRET'));
    assert.ok(!(error.stack ?? '').includes('SECRET'));
    assert.equal(server.requests.length, 1);
  });
});

test('a 400 from the server (no scripted reply) fails at once with the server\'s message', async () => {
  await withServer({}, async (server, make) => {
    await assert.rejects(make().generate(conversation(), [await image()], PARAMS, {}), /HTTP 400 Bad Request: test server: no scripted reply/);
    assert.equal(server.requests.length, 1);
  });
});

test('connection refused is retried then reported', async () => {
  const server = await OpenAiTestServer.start();
  const url = server.url;
  await server.close();
  const policy = new OpenAiPolicy({ url, model: 'm', retries: 1, baseDelayMs: 5 });
  await assert.rejects(policy.generate(conversation(), [await image()], PARAMS, {}), /connection refused.*gave up after 2 attempts/);
});

test('abort during the stream resolves as cancelled with the partial text; abort during backoff too', async () => {
  await withServer({}, async (server, make) => {
    server.enqueue({ text: CALL, chunkChars: 4, chunkDelayMs: 15 });
    const controller = new AbortController();
    const deltas: string[] = [];
    const result = await make().generate(conversation(), [await image()], PARAMS, {
      signal: controller.signal,
      onChunk: (c) => {
        deltas.push(c.delta);
        if (deltas.length === 3) controller.abort();
      },
    });
    assert.equal(result.finishReason, 'cancelled');
    assert.equal(result.text, deltas.join(''));

    server.fault({ kind: 'status', status: 500 });
    const during = new AbortController();
    const pending = make({ baseDelayMs: 5000, maxDelayMs: 5000 }).generate(conversation(), [await image()], PARAMS, { signal: during.signal });
    setTimeout(() => during.abort(), 100);
    const start = performance.now();
    assert.equal((await pending).finishReason, 'cancelled');
    assert.ok(performance.now() - start < 2000);
  });
});

test('error objects: in a 500 body (retried, then surfaced) and inside the stream (by its code)', async () => {
  await withServer({}, async (server, make) => {
    server.enqueue(CALL);
    const oom = '{"object":"error","message":"CUDA out of memory","code":500}';
    for (let k = 0; k < 3; k++) server.fault({ kind: 'status', status: 500, body: oom });
    await assert.rejects(make().generate(conversation(), [await image()], PARAMS, {}), /HTTP 500 Internal Server Error: CUDA out of memory \(gave up after 3 attempts\)/);

    server.fault({ kind: 'streamError', afterChars: 10, message: 'engine restarted', code: 503 });
    const retried = await make().generate(conversation(), [await image()], PARAMS, {});
    assert.equal(retried.text, CALL, 'a 5xx error event is retried');

    server.enqueue(CALL).fault({ kind: 'streamError', afterChars: 10, message: 'context length 40000 exceeds 32768', code: 400 });
    const before = server.requests.length;
    await assert.rejects(make().generate(conversation(), [await image()], PARAMS, {}), /reported an error mid-stream \(400\): context length 40000 exceeds 32768/);
    assert.equal(server.requests.length, before + 1, 'a 4xx error event is not retried');
  });
});

test('an onChunk that throws fails the call with its own error, without retries', async () => {
  await withServer({}, async (server, make) => {
    server.enqueue(CALL);
    await assert.rejects(make().generate(conversation(), [await image()], PARAMS, {
      onChunk: () => {
        throw new Error('viewer gone');
      },
    }), /^Error: viewer gone$/);
    assert.equal(server.requests.length, 1);
  });
});
