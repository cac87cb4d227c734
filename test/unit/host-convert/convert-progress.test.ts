import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertCliArgs, LineSplitter, parseProgressLine, progressPercent } from '../../../src/host/convert-process';

test('the CLI arguments: folders as given, the dtype, --int4 only when asked, progress as JSON lines', () => {
  assert.deepEqual(convertCliArgs({ hfDir: '/m/Mini-o3 7B', outDir: '/m/out dir', dtype: 'fp16', int4: true }), [
    'convert', '/m/Mini-o3 7B', '/m/out dir', '--dtype', 'fp16', '--int4', '--progress-json',
  ]);
  assert.deepEqual(convertCliArgs({ hfDir: 'a', outDir: 'b', dtype: 'fp32', int4: false }), ['convert', 'a', 'b', '--dtype', 'fp32', '--progress-json']);
});

test('progress lines parse; warnings, errors and malformed objects do not', () => {
  assert.deepEqual(parseProgressLine('{"done":131072,"total":589504,"stage":"writing embed_tokens.onnx"}'), { done: 131072, total: 589504, stage: 'writing embed_tokens.onnx' });
  assert.deepEqual(parseProgressLine('  {"done":0,"total":0,"stage":"checked 2 shard(s)"}\r'), { done: 0, total: 0, stage: 'checked 2 shard(s)' });
  for (const line of [
    'warning: /m/tokenizer.json does not exist; the output cannot be run without it',
    'error: /m/config.json does not exist',
    '{"done":1,"total":2}',
    '{"done":"1","total":2,"stage":"x"}',
    '{"done":-1,"total":2,"stage":"x"}',
    '{"done":1,"total":2,"stage":"x"',
    '[1,2,3]',
    'null',
    '',
  ]) {
    assert.equal(parseProgressLine(line), null, line);
  }
});

test('the percentage is bounded and 0 while the total is unknown', () => {
  assert.equal(progressPercent({ done: 50, total: 200, stage: '' }), 25);
  assert.equal(progressPercent({ done: 5, total: 0, stage: '' }), 0);
  assert.equal(progressPercent({ done: 300, total: 200, stage: '' }), 100);
});

test('lines cut between chunks are joined; CRLF is stripped; the unterminated tail comes at the end', () => {
  const splitter = new LineSplitter();
  assert.deepEqual(splitter.push('{"done":1,"to'), []);
  assert.deepEqual(splitter.push('tal":2,"stage":"a"}\r\nwarn'), ['{"done":1,"total":2,"stage":"a"}']);
  assert.deepEqual(splitter.push('ing: x\n\n'), ['warning: x', '']);
  assert.deepEqual(splitter.push('error: y'), []);
  assert.deepEqual(splitter.end(), ['error: y']);
  assert.deepEqual(splitter.end(), []);
});
