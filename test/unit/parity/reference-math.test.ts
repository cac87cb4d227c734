import { test } from 'node:test';
import assert from 'node:assert/strict';
import { erf, geluErf, gatherRows, linear, matrix, rmsNorm, silu, softmaxInPlace } from '../../../src/core/model/reference/matrix';
import { swiGluMlp } from '../../../src/core/model/reference/mlp';

const close = (actual: number, expected: number, tolerance: number, what: string): void => {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);
};

test('linear is x·Wᵀ + b with W stored [out, in]', () => {
  const out = linear(matrix(2, 2, Float32Array.of(1, 2, -1, 3)), Float32Array.of(1, 0, 0, 1, 1, 1), 3, Float32Array.of(0.5, 0, -1));
  assert.deepEqual([...out.data], [1.5, 2, 2, -0.5, 3, 1]);
  assert.throws(() => linear(matrix(1, 2), new Float32Array(5), 3), /weight has 5 values/);
});

test('RMSNorm divides by the root mean square, then scales per column', () => {
  const out = rmsNorm(matrix(1, 2, Float32Array.of(3, 4)), Float32Array.of(1, 2), 0);
  close(out.data[0] as number, 3 / Math.sqrt(12.5), 1e-6, 'col 0');
  close(out.data[1] as number, 8 / Math.sqrt(12.5), 1e-6, 'col 1');
  const withEps = rmsNorm(matrix(1, 2, Float32Array.of(0, 0)), Float32Array.of(1, 1), 1e-6);
  assert.deepEqual([...withEps.data], [0, 0]);
});

test('erf matches tabulated values over the series and the continued-fraction ranges', () => {
  const table: Array<[number, number]> = [
    [0, 0],
    [0.1, 0.1124629160182849],
    [0.5, 0.5204998778130465],
    [1, 0.8427007929497149],
    [2, 0.9953222650189527],
    [2.4, 0.9993114861033549],
    [2.6, 0.9997639655834707],
    [3, 0.9999779095030014],
    [4, 0.9999999845827421],
  ];
  for (const [x, expected] of table) {
    close(erf(x), expected, 1e-14, `erf(${x})`);
    close(erf(-x), -expected, 1e-14, `erf(${-x})`);
  }
  assert.equal(erf(40), 1);
});

test('exact GELU and SiLU at known points', () => {
  close(geluErf(1), 0.8413447460685429, 1e-14, 'gelu(1)');
  close(geluErf(-2), -0.04550026389635842, 1e-14, 'gelu(-2)');
  close(silu(1), 1 / (1 + Math.exp(-1)), 1e-15, 'silu(1)');
  close(silu(-3), -3 / (1 + Math.exp(3)), 1e-15, 'silu(-3)');
});

test('softmax is shift-invariant and sums to one over the given prefix', () => {
  const values = Float64Array.of(1000, 1001, 999, 42);
  softmaxInPlace(values, 3);
  const e = [Math.exp(-1), 1, Math.exp(-2)];
  const sum = e[0]! + e[1]! + e[2]!;
  e.forEach((v, i) => close(values[i] as number, v / sum, 1e-15, `p${i}`));
  assert.equal(values[3], 42);
});

test('SwiGLU MLP: down(silu(gate x) · up x) on a hand-sized case', () => {
  const x = matrix(1, 2, Float32Array.of(1, -1));
  const out = swiGluMlp(x, { gateWeight: Float32Array.of(1, 0, 0, 1), upWeight: Float32Array.of(2, 0, 1, 1), downWeight: Float32Array.of(1, 1, 0, 3) }, 2);
  // gate = [1, -1], up = [2, 0] → h = [silu(1)·2, 0]; down = [h0 + h1, 3·h1]
  close(out.data[0] as number, 2 * silu(1), 1e-6, 'out 0');
  close(out.data[1] as number, 0, 1e-7, 'out 1');
});

test('gatherRows picks rows in the given order and rejects bad indices', () => {
  const m = matrix(3, 2, Float32Array.of(0, 1, 10, 11, 20, 21));
  assert.deepEqual([...gatherRows(m, [2, 0]).data], [20, 21, 0, 1]);
  assert.throws(() => gatherRows(m, [3]), /row 3/);
});
