import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAssistantTurn } from '../../../src/core/protocol/parse';
import { formatGrounding, formatCoordinate, replaceGrounding } from '../../../src/core/protocol/format-call';
import { resolveStrictCall } from '../../../src/core/protocol/strict-call';

test('splits a tool-call turn into think and grounding', () => {
  const text = '<think>The sign is small.</think>\n' + formatGrounding([0.1, 0.2, 0.5, 0.6], 'observation_1');
  const p = parseAssistantTurn(text);
  assert.equal(p.think, 'The sign is small.');
  assert.deepEqual(p.grounding?.bbox, [0.1, 0.2, 0.5, 0.6]);
  assert.equal(p.grounding?.source, 'observation_1');
  assert.equal(p.grounding?.end, text.length);
  assert.equal(p.answer, null);
  assert.deepEqual(p.problems, []);
});

test('lenient mode explains what is wrong', () => {
  const explain = (text: string) => parseAssistantTurn(text).problems.join(' | ');
  const reversed = explain('<grounding>{"source": "original_image", "bbox_2d": [0.1, 0.2, 0.3, 0.4]}</grounding>');
  assert.match(reversed, /no <think>/);
  assert.match(reversed, /"bbox_2d" must come first/);
  assert.match(explain('<think>a</think><grounding>{"bbox_2d": [0.1, 0.2, 0.3], "source": "original_image"}</grounding>'), /exactly 4 numbers/);
  assert.match(explain('<think>a</think><grounding>{"bbox_2d": [10, 20, 300, 400], "source": "original_image"}</grounding>'), /relative coordinates in \[0, 1\]/);
  assert.match(explain('<think>a</think><grounding>{"bbox_2d": [0.5, 0.2, 0.1, 0.4], "source": "obs_1"}</grounding>'), /x0 < x1[\s\S]*unknown source "obs_1"/);
  assert.match(explain('<think>a</think><grounding>{bbox_2d: [0.1]}</grounding>'), /not valid JSON/);
  assert.match(explain('<think>a</think> it is 7'), /neither a <grounding> call nor an <answer>/);
  assert.match(explain('<think>a</think><answer>7</answer> ok'), /text after <\/answer>/);
  assert.match(explain('<think>a</think><grounding>{"bbox_2d": [0.1, 0.1, 0.2, 0.2], "source": "original_image"'), /never closed/);
  assert.equal(parseAssistantTurn('<think>a</think><answer> 7 </answer>').answer, ' 7 ');
});

test('written calls are accepted by the strict pattern and round-trip', () => {
  assert.equal(formatCoordinate(0), '0.0');
  assert.equal(formatCoordinate(1), '1.0');
  assert.equal(formatCoordinate(0.12345), '0.123');
  const text = '<think>x</think>\n' + formatGrounding([0, 0.25, 1, 0.75], 'original_image');
  const r = resolveStrictCall(text, [{ width: 100, height: 100 }]);
  assert.ok(r.ok);
  if (r.ok) assert.deepEqual(r.pixelBox, [0, 25, 99, 75]);
  const moved = replaceGrounding(text, [0.5, 0.5, 0.9, 0.9], 'observation_1');
  assert.equal(moved, '<think>x</think>\n<grounding>{"bbox_2d": [0.5, 0.5, 0.9, 0.9], "source": "observation_1"}</grounding>');
});
