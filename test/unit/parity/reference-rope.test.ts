import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyRotaryInPlace, inverseFrequencies, mropeStreamOfDimension, mropeTables, plainRotaryTables } from '../../../src/core/model/reference/rope';
import { maxAbsDifference, randomMatrix } from './support/random-reference-model';

test('inverse frequencies are theta^(-2j/dim) in float32', () => {
  assert.deepEqual([...inverseFrequencies(4, 10000)], [1, Math.fround(0.01)]);
  const inv = inverseFrequencies(128, 1e6);
  assert.equal(inv.length, 64);
  assert.ok(Math.abs((inv[63] as number) - 1e6 ** (-126 / 128)) / (inv[63] as number) < 1e-6);
});

test('rotate_half RoPE on one head, computed by hand', () => {
  const x = Float32Array.of(1, 2, 3, 4);
  applyRotaryInPlace(x, 1, 1, plainRotaryTables([1], 4, 10000));
  const [c1, s1, c2, s2] = [Math.cos(1), Math.sin(1), Math.cos(Math.fround(0.01)), Math.sin(Math.fround(0.01))];
  const expected = [1 * c1 - 3 * s1, 2 * c2 - 4 * s2, 3 * c1 + 1 * s1, 4 * c2 + 2 * s2];
  assert.ok(maxAbsDifference(x, expected) < 1e-6, `${[...x]} vs ${expected}`);
});

test('RoPE preserves the norm of each head and is the identity at position 0', () => {
  const x = randomMatrix(3, 2 * 8, 5).data;
  const original = x.slice();
  applyRotaryInPlace(x, 3, 2, plainRotaryTables([0, 7, 300], 8, 10000));
  assert.ok(maxAbsDifference(x.subarray(0, 16), original.subarray(0, 16)) < 1e-7);
  for (let head = 2; head < 6; head++) {
    const norm = (v: Float32Array) => Math.hypot(...v.subarray(head * 8, head * 8 + 8));
    assert.ok(Math.abs(norm(x) - norm(original)) < 1e-5);
  }
});

test('mrope sections map head dimensions to t/h/w streams, repeated in both halves', () => {
  const section = [16, 24, 24] as const;
  const streams = Array.from({ length: 128 }, (_, d) => mropeStreamOfDimension(d, 128, section));
  assert.deepEqual(streams.slice(0, 64), streams.slice(64));
  assert.equal(streams.slice(0, 16).every((s) => s === 0), true);
  assert.equal(streams.slice(16, 40).every((s) => s === 1), true);
  assert.equal(streams.slice(40, 64).every((s) => s === 2), true);
});

test('mrope with three equal streams is plain RoPE', () => {
  const positions = Int32Array.of(0, 1, 5, 9, 1234);
  const m = mropeTables([positions, positions, positions], 16, 1e6, [2, 3, 3]);
  const p = plainRotaryTables(positions, 16, 1e6);
  assert.deepEqual(m.cos, p.cos);
  assert.deepEqual(m.sin, p.sin);
});

test('mrope takes each section from its own stream', () => {
  // head_dim 8, sections [1,1,2]: dims 0,4 temporal; 1,5 height; 2,3,6,7 width.
  const m = mropeTables([[3], [5], [11]], 8, 10000, [1, 1, 2]);
  const inv = inverseFrequencies(8, 10000);
  const angleOf = (position: number, j: number) => Math.fround(position * (inv[j] as number));
  const expected = [Math.cos(angleOf(3, 0)), Math.cos(angleOf(5, 1)), Math.cos(angleOf(11, 2)), Math.cos(angleOf(11, 3))];
  assert.ok(maxAbsDifference(m.cos.subarray(0, 4), expected) < 1e-7);
  assert.ok(maxAbsDifference(m.cos.subarray(4, 8), expected) < 1e-7);
});
