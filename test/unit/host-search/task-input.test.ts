import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCount, parseMaxTurnsList, questionProblem, searchTaskId, withImagePrefix } from '../../../src/host/search/task-input';
import { apiKeySecretName, isAuthFailure, serverOrigin } from '../../../src/host/search/secret-key';

test('the question gets Mini-o3\'s "<image>\\n" prefix unless it places <image> itself', () => {
  assert.equal(withImagePrefix('  What is on the sign? '), '<image>\nWhat is on the sign?');
  assert.equal(withImagePrefix('Look: <image> What color?'), 'Look: <image> What color?');
  assert.equal(withImagePrefix('<image>\nWhat?'), '<image>\nWhat?');
});

test('empty questions and repeated <image> are refused with a reason', () => {
  assert.match(questionProblem('   ') ?? '', /Type the question/);
  assert.match(questionProblem('<image> and <image>') ?? '', /holds it 2 times/);
  assert.equal(questionProblem('What is written?'), null);
});

test('task ids are stable for the same image and question and differ otherwise', () => {
  const a = searchTaskId('/w/photos/street.jpg', '<image>\nWhat?');
  assert.match(a, /^street-[0-9a-f]{8}$/);
  assert.equal(searchTaskId('/w/photos/street.jpg', '<image>\nWhat?'), a);
  assert.notEqual(searchTaskId('/w/photos/street.jpg', '<image>\nWho?'), a);
});

test('max-turn lists and counts parse or say what is wrong', () => {
  assert.deepEqual(parseMaxTurnsList('12', 64), [12]);
  assert.deepEqual(parseMaxTurnsList(' 12, 24,32 ,24', 64), [12, 24, 32]);
  assert.match(parseMaxTurnsList('12,abc', 64) as string, /"abc" is not a whole number of turns from 1 to 64/);
  assert.match(parseMaxTurnsList('65', 64) as string, /"65"/);
  assert.match(parseMaxTurnsList(' , ', 64) as string, /at least one/);
  assert.equal(parseCount('4', 1, 64, 'N'), 4);
  assert.match(parseCount('0', 1, 64, 'N') as string, /N must be a whole number from 1 to 64/);
  assert.match(parseCount('2.5', 1, 64, 'N') as string, /whole number/);
});

test('API keys are stored per server origin: path and case do not matter, port and scheme do', () => {
  assert.equal(apiKeySecretName('http://GPU-box:8000/v1'), 'miniO3.apiKey:http://gpu-box:8000');
  assert.equal(apiKeySecretName('http://gpu-box:8000'), apiKeySecretName('http://gpu-box:8000/v1/chat/completions'));
  assert.notEqual(apiKeySecretName('http://gpu-box:8001/v1'), apiKeySecretName('http://gpu-box:8000/v1'));
  assert.notEqual(apiKeySecretName('https://gpu-box:8000/v1'), apiKeySecretName('http://gpu-box:8000/v1'));
  // Credentials in the URL never become part of the key's name.
  assert.equal(apiKeySecretName('https://user:secret@api.example.com/v1'), 'miniO3.apiKey:https://api.example.com');
  assert.throws(() => serverOrigin('file:///etc/passwd'), /miniO3\.serverUrl: must be an http or https URL/);
  assert.throws(() => serverOrigin('nonsense'), /miniO3\.serverUrl: "nonsense" is not a URL/);
});

test('401 and 403 from the server are recognized as a refused API key', () => {
  assert.equal(isAuthFailure('turn 0: http://127.0.0.1:9/v1/chat/completions answered HTTP 401 Unauthorized: invalid key'), true);
  assert.equal(isAuthFailure('turn 0: … answered HTTP 403: forbidden'), true);
  assert.equal(isAuthFailure('turn 0: … answered HTTP 404: no route'), false);
  assert.equal(isAuthFailure(undefined), false);
});
