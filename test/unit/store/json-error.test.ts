import { test } from 'node:test';
import assert from 'node:assert/strict';
import { locateJsonError } from '../../../src/core/store';
import { firstInvalidUtf8Byte } from '../../../src/core/store/utf8';
import { line } from './fixtures';

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

test('the locator agrees with JSON.parse on every truncation and one-character damage', () => {
  const samples = [line(1), '{"a":[1,-2.5e+3,true,false,null,"x\\u00e9\\n"],"b":{}}', ' [ ] ', '"\\ud83d\\ude00"'];
  for (const sample of samples) {
    for (let cut = 0; cut <= sample.length; cut++) {
      const text = sample.slice(0, cut);
      assert.equal(locateJsonError(text) === null, parses(text), `truncated: ${JSON.stringify(text)}`);
    }
    for (let at = 0; at < sample.length; at++) {
      for (const ch of ['}', ',', 'N', '"', '\\', '.', '0', ' ']) {
        const text = sample.slice(0, at) + ch + sample.slice(at + 1);
        assert.equal(locateJsonError(text) === null, parses(text), `damaged: ${JSON.stringify(text)}`);
      }
    }
  }
});

test('the locator points at the offending character', () => {
  assert.deepEqual(locateJsonError('{"a": NaN}'), { index: 6, message: "Unexpected token 'N'" });
  assert.deepEqual(locateJsonError('{"a": 1'), { index: 7, message: 'Unexpected end of JSON input' });
  assert.deepEqual(locateJsonError('[1,]'), { index: 3, message: "Unexpected token ']'" });
  assert.deepEqual(locateJsonError('{"a":1} x'), { index: 8, message: 'Unexpected non-whitespace character after JSON' });
  assert.deepEqual(locateJsonError('"a\tb"'), { index: 2, message: 'Bad control character in string literal' });
});

test('the UTF-8 check finds the first bad byte like a strict decoder would', () => {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let seed = 12345;
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pieces = [[0x41], [0xc3, 0xa9], [0xe2, 0x82, 0xac], [0xf0, 0x9f, 0x98, 0x80], [0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0x80]];
  for (let n = 0; n < 2000; n++) {
    const bytes = Uint8Array.from(Array.from({ length: 1 + Math.floor(random() * 6) }, () => pieces[Math.floor(random() * pieces.length)]!).flat());
    const at = firstInvalidUtf8Byte(bytes);
    let valid = true;
    try {
      decoder.decode(bytes);
    } catch {
      valid = false;
    }
    assert.equal(at === -1, valid, `bytes ${Buffer.from(bytes).toString('hex')}`);
    if (at >= 0) {
      assert.doesNotThrow(() => decoder.decode(bytes.subarray(0, at)), 'bytes before the reported one are valid');
    }
  }
});
