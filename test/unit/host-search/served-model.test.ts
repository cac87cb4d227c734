import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ServedModelsError, listServedModels, modelsUrlOf, onnxCacheSlots, retryLine } from '../../../src/core/model/served-model';
import { searchTaskId as coreTaskId, withImagePlaceholder } from '../../../src/core/search/task-identity';
import { firstServedModel } from '../../../src/host/search/search-policy';
import { searchTaskId as hostTaskId } from '../../../src/host/search/task-input';
import { policyFromOptions } from '../../../src/cli/model-backend';

/** A real HTTP server whose `/models` answer depends on the path prefix: /one, /two, /none, /locked (needs the key), /broken. */
let server: Server;
let base = '';
const KEY = 'sk-test-secret-123';

before(async () => {
  server = createServer((req, res) => {
    const json = (status: number, value: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    const [, scope] = /^\/(\w+)\/v1\/models$/.exec(req.url ?? '') ?? [];
    if (scope === 'one') return json(200, { object: 'list', data: [{ id: 'mini-o3-7b' }] });
    if (scope === 'two') return json(200, { object: 'list', data: [{ id: 'first-model' }, { id: 'second-model' }, { id: 7 }] });
    if (scope === 'none') return json(200, { object: 'list', data: [] });
    if (scope === 'locked') return req.headers.authorization === `Bearer ${KEY}` ? json(200, { data: [{ id: 'locked-model' }] }) : json(401, { error: 'bad key' });
    if (scope === 'broken') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"data": [');
    return json(404, { error: 'no route' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('the models URL sits next to the chat-completions endpoint, whatever form the server URL takes', () => {
  assert.equal(modelsUrlOf('http://h:8000'), 'http://h:8000/v1/models');
  assert.equal(modelsUrlOf('http://h:8000/v1/'), 'http://h:8000/v1/models');
  assert.equal(modelsUrlOf('http://h:8000/v1/chat/completions'), 'http://h:8000/v1/models');
});

test('listServedModels returns the string ids in the server\'s order', async () => {
  assert.deepEqual((await listServedModels(`${base}/two/v1`, undefined)).ids, ['first-model', 'second-model']);
  assert.deepEqual((await listServedModels(`${base}/none/v1`, undefined)).ids, []);
  assert.deepEqual((await listServedModels(`${base}/locked/v1`, KEY)).ids, ['locked-model']);
});

test('a refused key, an HTTP error and a broken body are ServedModelsErrors; the key never shows', async () => {
  const refused = await listServedModels(`${base}/locked/v1`, 'sk-wrong-key').then(() => null, (e: unknown) => e);
  assert.ok(refused instanceof ServedModelsError);
  assert.equal(refused.status, 401);
  assert.equal(refused.refusedKey, true);
  assert.equal(refused.modelsUrl, `${base}/locked/v1/models`);
  assert.doesNotMatch(refused.message, /sk-wrong-key/);
  const missing = await listServedModels(`${base}/gone/v1`, undefined).then(() => null, (e: unknown) => e);
  assert.ok(missing instanceof ServedModelsError && missing.status === 404 && !missing.refusedKey);
  const broken = await listServedModels(`${base}/broken/v1`, undefined).then(() => null, (e: unknown) => e);
  assert.ok(broken instanceof ServedModelsError && broken.status === undefined);
});

test('the extension takes the first listed model and names miniO3.modelName or the API key command when it cannot', async () => {
  assert.equal(await firstServedModel(`${base}/two/v1`, undefined), 'first-model');
  await assert.rejects(firstServedModel(`${base}/none/v1`, undefined), /\/none\/v1\/models lists no models; set miniO3\.modelName/);
  await assert.rejects(firstServedModel(`${base}/locked/v1`, 'sk-wrong-key'),
    (e: Error) => /\(HTTP 401: the server refused the API key \(Mini-o3: Set Model Server API Key…\)\); set miniO3\.modelName/.test(e.message) && !e.message.includes('sk-wrong-key'));
  await assert.rejects(firstServedModel(`${base}/gone/v1`, undefined), /could not list the served models at .*\/gone\/v1\/models \(HTTP 404\)/);
});

test('the CLI takes the one listed model and asks for --model when there are none or several', async () => {
  const saved = { a: process.env.MINI_O3_API_KEY, b: process.env.OPENAI_API_KEY };
  delete process.env.MINI_O3_API_KEY;
  delete process.env.OPENAI_API_KEY;
  try {
    const policy = await policyFromOptions({ url: `${base}/one/v1`, quiet: true });
    assert.equal(policy.name, 'mini-o3-7b');
    await assert.rejects(policyFromOptions({ url: `${base}/two/v1`, quiet: true }), /serves 2 models \(first-model, second-model\); pass --model NAME/);
    await assert.rejects(policyFromOptions({ url: `${base}/none/v1`, quiet: true }), /lists no models; pass --model NAME/);
    await assert.rejects(policyFromOptions({ url: `${base}/locked/v1`, quiet: true }), /could not list the served models at .*\(HTTP 401\); pass --model NAME/);
  } finally {
    if (saved.a !== undefined) process.env.MINI_O3_API_KEY = saved.a;
    if (saved.b !== undefined) process.env.OPENAI_API_KEY = saved.b;
  }
});

test('both front ends share the task id rule and the image prefix', () => {
  assert.equal(hostTaskId, coreTaskId);
  assert.equal(coreTaskId('/w/a/street.jpg', '<image>\nWhat?'), coreTaskId('/w/a/street.jpg', '<image>\nWhat?'));
  assert.notEqual(coreTaskId('/w/a/street.jpg', '<image>\nWhat?'), coreTaskId('/w/b/street.jpg', '<image>\nWhat?'));
  // The CLI keeps the question as typed (no trim); only the placeholder is added.
  assert.equal(withImagePlaceholder(' What? '), '<image>\n What? ');
  assert.equal(withImagePlaceholder('Here: <image> what?'), 'Here: <image> what?');
});

test('retry lines and onnx cache slots are worded and bounded the same for CLI and extension', () => {
  assert.equal(retryLine({ retry: 2, delayMs: 1500, reason: 'HTTP 503' }), 'retry 2 in 1.5 s: HTTP 503');
  assert.equal(onnxCacheSlots(undefined), 1);
  assert.equal(onnxCacheSlots(0), 1);
  assert.equal(onnxCacheSlots(3), 3);
  assert.equal(onnxCacheSlots(16), 4);
});
