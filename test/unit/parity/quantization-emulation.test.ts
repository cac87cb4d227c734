import { test } from 'node:test';
import assert from 'node:assert/strict';
import { halfToFloat } from '../../../src/core/model/reference/safetensors';
import { float16Bits, int4Dequantized, roundToFloat16 } from './support/quantization-emulation';

test('float16 rounding: nearest, ties to even, subnormals, saturation', () => {
  assert.equal(roundToFloat16(1 / 3), 0.333251953125);
  assert.equal(roundToFloat16(1 + 2 ** -11), 1); // tie → even mantissa
  assert.equal(roundToFloat16(1 + 3 * 2 ** -11), 1 + 2 ** -9);
  assert.equal(roundToFloat16(2 ** -25), 0); // tie between 0 and the smallest subnormal → 0
  assert.equal(roundToFloat16(3 * 2 ** -25), 2 ** -23);
  assert.equal(roundToFloat16(65519), 65504);
  assert.equal(roundToFloat16(-65520), -Infinity);
  for (const v of [0, -2, 1 / 3, 65504, 2 ** -24, 6.1e-5, -0.1]) assert.equal(halfToFloat(float16Bits(v)), roundToFloat16(v), `bits of ${v}`);
  assert.equal(float16Bits(1), 0x3c00);
  assert.equal(float16Bits(-2), 0xc000);
});

test('int4 block dequantization on a hand-computed block', () => {
  // One row, one block: lo = −1, hi = 2, scale = 3/15 = 0.2, zp = round(1 / 0.2) = 5.
  const row = Float32Array.of(-1, 2, 0, 0.55, 0.31, -0.09);
  const out = int4Dequantized(row, 1, 6);
  const scale = Math.fround(0.2);
  const expected = [-5, 10, 0, 3, 2, 0].map((q) => Math.fround(q * scale)); // 0.55 → 2.75 → 3; 0.31 → 1.55 → 2; −0.09 → −0.45 → 0
  assert.deepEqual([...out], expected);
  // All-zero blocks stay zero; each block of 32 gets its own scale.
  const two = new Float32Array(64);
  two[0] = 1;
  two[40] = -8;
  const deq = int4Dequantized(two, 1, 64);
  assert.equal(deq[0], Math.fround(Math.fround(1 / 15) * 15));
  assert.equal(deq[40], Math.fround(Math.fround(8 / 15) * -15));
  assert.equal(deq[1], 0);
  assert.deepEqual([...int4Dequantized(new Float32Array(32), 1, 32)], new Array(32).fill(0));
});
