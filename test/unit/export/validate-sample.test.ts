import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateTextTokens, imageTokens, sanitizeForPath, validateSample, type PlannedSample } from '../../../src/core/export';
import { DEFAULT_LIMITS } from '../../../src/core/trajectory/schema';

/** `firstUser` is the first user message's content; every other message is 'x'. */
function planned(roles: Array<'system' | 'user' | 'assistant'>, images: PlannedSample['images'] = [], firstUser = 'x'): PlannedSample {
  const first = roles.indexOf('user');
  const messages = roles.map((role, i) => ({ role, content: i === first ? firstUser : 'x' }));
  return { id: 't', line: 1, messages, images, limits: DEFAULT_LIMITS, status: 'valid' };
}

const crop = (width: number, height: number): PlannedSample['images'][number] => ({
  kind: 'crop', observation: 1, originalPath: '/x.png', rectInOriginal: [0, 0, width, height], size: { width, height },
});

test('role order: system?, user/assistant alternating from user, ending on assistant', () => {
  const codes = (roles: Array<'system' | 'user' | 'assistant'>) => validateSample(planned(roles), { cutoffTokens: 1e6 }).problems.map((p) => p.code);
  assert.deepEqual(codes(['system', 'user', 'assistant']), []);
  assert.deepEqual(codes(['user', 'assistant', 'user', 'assistant']), []);
  assert.deepEqual(codes(['system', 'user', 'assistant', 'user']), ['role_order']);
  assert.deepEqual(codes(['system', 'assistant', 'user']), ['role_order']);
  assert.deepEqual(codes(['user', 'user', 'assistant']), ['role_order']);
  assert.deepEqual(codes(['system']), ['role_order']);
});

test('pixel bounds: int() truncation below min_pixels passes, aspect fix-ups are reported (refused when strict)', () => {
  // 230x173 = 39790: Mini-o3's own upscale of a 200x150 crop, one row/column short of 40000.
  assert.deepEqual(validateSample(planned(['user', 'assistant'], [crop(230, 173)], '<image>'), { cutoffTokens: 1e6 }).problems, []);
  // 28x29 = 812 pixels, as the side >= 28 fix-up can leave it: reported.
  const tiny = validateSample(planned(['user', 'assistant'], [crop(28, 29)], '<image>'), { cutoffTokens: 1e6 });
  assert.deepEqual(tiny.problems.map((p) => [p.code, p.fatal]), [['image_pixels_out_of_bounds', false]]);
  const strict = validateSample(planned(['user', 'assistant'], [crop(28, 29)], '<image>'), { cutoffTokens: 1e6, strictPixelBounds: true });
  assert.deepEqual(strict.problems.map((p) => [p.code, p.fatal]), [['image_pixels_out_of_bounds', true]]);
});

test('token estimate: digits one token each, other bytes a third; images exact from smart_resize', () => {
  assert.equal(estimateTextTokens('0.125'), 4 + 1);
  assert.equal(estimateTextTokens('abcdef'), 2);
  assert.equal(estimateTextTokens('é'), 1);
  // 1000x1000 within [40000, 2M]: smart_resize -> 1008x1008 -> 36*36 pads + 2 delimiters.
  assert.equal(imageTokens({ width: 1000, height: 1000 }, { minPixels: 40_000, maxPixels: 2_000_000 }), 36 * 36 + 2);
  const v = validateSample(planned(['user', 'assistant'], [crop(1000, 1000)], '<image>abc'), { cutoffTokens: 1000 });
  assert.equal(v.tokens?.images, 1298);
  assert.equal(v.tokens?.text, 2 * (5 + 1));
  assert.deepEqual(v.problems.map((p) => p.code), ['token_cutoff']);
});

test('sanitizeForPath keeps safe names and makes others file-safe', () => {
  assert.equal(sanitizeForPath('doc_12-a.b'), 'doc_12-a.b');
  assert.equal(sanitizeForPath('a/b\\c d'), 'a_b_c_d');
  assert.equal(sanitizeForPath('..'), sanitizeForPath('..'));
  assert.ok(!sanitizeForPath('..').startsWith('.'));
  assert.equal(sanitizeForPath('CON'), '_CON');
  assert.ok(sanitizeForPath('x'.repeat(300)).length <= 96);
});
