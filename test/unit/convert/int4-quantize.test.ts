import { test } from 'node:test';
import assert from 'node:assert/strict';
import { f16BitsToF32, f32ToF16Bits } from '../../../src/core/convert/float-convert';
import { dequantizeInt4Rows, int4BlockCount, quantizeInt4Rows } from '../../../src/core/convert/int4-quantize';

function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

test('every dequantized weight is within half a step of the original (K a multiple of 32 and not)', () => {
  const rand = seeded(7);
  for (const [rows, k] of [[5, 64], [3, 56], [2, 7], [4, 3420 % 100]] as const) {
    const values = Float32Array.from({ length: rows * k }, (_, i) => rand() * (1 + (i % 5)) + (i % 3 === 0 ? 0.3 : 0));
    const q = quantizeInt4Rows(values, rows, k);
    const back = dequantizeInt4Rows(q, rows, k);
    const nb = int4BlockCount(k);
    assert.equal(q.packed.length, rows * nb * 16);
    assert.equal(q.scales.length, rows * nb);
    assert.equal(q.zeroPoints.length, rows * Math.ceil(nb / 2));
    for (let n = 0; n < rows; n++) {
      for (let kk = 0; kk < k; kk++) {
        const scale = q.scales[n * nb + Math.floor(kk / 32)] as number;
        const err = Math.abs((back[n * k + kk] as number) - (values[n * k + kk] as number));
        assert.ok(err <= scale / 2 + 1e-7, `row ${n} k ${kk}: error ${err} > scale/2 ${scale / 2}`);
      }
    }
  }
});

test('block extremes and zero are represented; all-zero blocks stay zero', () => {
  const values = new Float32Array(64);
  for (let i = 0; i < 32; i++) values[i] = -1 + (2.5 * i) / 31; // block 0 spans [-1, 1.5]
  const q = quantizeInt4Rows(values, 1, 64);
  const back = dequantizeInt4Rows(q, 1, 64);
  assert.ok(Math.abs((back[0] as number) + 1) <= (q.scales[0] as number) / 2);
  assert.ok(Math.abs((back[31] as number) - 1.5) <= (q.scales[0] as number) / 2);
  assert.equal(q.scales[1], 0);
  for (let i = 32; i < 64; i++) assert.equal(back[i], 0);
});

test('nibble layout is MatMulNBits: weight k of row n at byte (n·nb + k/32)·16 + (k%32)/2, low nibble first', () => {
  const k = 40; // two blocks, the second padded
  const values = Float32Array.from({ length: 2 * k }, (_, i) => ((i * 7) % 16) - 7);
  const q = quantizeInt4Rows(values, 2, k);
  const nb = 2;
  for (let n = 0; n < 2; n++) {
    for (let kk = 0; kk < k; kk++) {
      const byte = q.packed[(n * nb + Math.floor(kk / 32)) * 16 + Math.floor((kk % 32) / 2)] as number;
      const nibble = kk % 2 === 0 ? byte & 0xf : byte >> 4;
      const b = Math.floor(kk / 32);
      const zpByte = q.zeroPoints[n * Math.ceil(nb / 2) + (b >> 1)] as number;
      const zp = b % 2 === 0 ? zpByte & 0xf : zpByte >> 4;
      const expected = values[n * k + kk] as number;
      assert.ok(Math.abs((nibble - zp) * (q.scales[n * nb + b] as number) - expected) <= (q.scales[n * nb + b] as number) / 2 + 1e-6);
    }
  }
});

test('with fp16 scales, quantization uses the stored scale (bound still holds with the rounded scale)', () => {
  const rand = seeded(3);
  const values = Float32Array.from({ length: 96 }, () => rand() * 0.01);
  const toHalf = (s: number) => f16BitsToF32(f32ToF16Bits(s));
  const q = quantizeInt4Rows(values, 1, 96, toHalf);
  for (const s of q.scales) assert.equal(toHalf(s), s);
  const back = dequantizeInt4Rows(q, 1, 96);
  for (let i = 0; i < 96; i++) {
    const scale = q.scales[Math.floor(i / 32)] as number;
    assert.ok(Math.abs((back[i] as number) - (values[i] as number)) <= scale * 0.51);
  }
});
