import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bf16ToF32, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from '../../../src/core/convert/float-convert';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

test('bf16 → f32 is the exact upper half and round-trips every bf16 pattern', () => {
  const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
  const wide = bf16ToF32(all);
  const bits = new Uint32Array(wide.buffer);
  for (let i = 0; i < 65536; i++) {
    assert.equal(bits[i], (i << 16) >>> 0);
    if (!Number.isNaN(wide[i])) assert.equal(f32ToBf16Bits(wide[i] as number), i);
  }
});

test('f32 → bf16 rounds to nearest, ties to even', () => {
  u32[0] = 0x3f808000; // exactly halfway between bf16 0x3f80 and 0x3f81 → even 0x3f80
  assert.equal(f32ToBf16Bits(f32[0] as number), 0x3f80);
  u32[0] = 0x3f818000; // halfway between 0x3f81 and 0x3f82 → even 0x3f82
  assert.equal(f32ToBf16Bits(f32[0] as number), 0x3f82);
  u32[0] = 0x3f808001; // just above halfway → up
  assert.equal(f32ToBf16Bits(f32[0] as number), 0x3f81);
});

test('fp16 decode/encode round-trips all 65536 patterns (subnormals, ±0, ±Inf)', () => {
  for (let h = 0; h < 65536; h++) {
    const v = f16BitsToF32(h);
    if (Number.isNaN(v)) {
      assert.equal(f32ToF16Bits(v) & 0x7c00, 0x7c00);
      continue;
    }
    assert.equal(f32ToF16Bits(v), h, `pattern ${h.toString(16)}`);
  }
});

test('bf16 → fp16 is exact inside fp16 normal range; rounding and overflow follow IEEE', () => {
  for (let b = 0; b < 65536; b++) {
    const v = bf16ToF32(Uint16Array.of(b))[0] as number;
    const mag = Math.abs(v);
    if (!Number.isFinite(v) || mag > 65504 || (mag < 2 ** -14 && mag !== 0)) continue;
    assert.equal(f16BitsToF32(f32ToF16Bits(v)), v);
  }
  assert.equal(f32ToF16Bits(1 + 2 ** -11), 0x3c00); // halfway between 1 and next fp16 → even (1)
  assert.equal(f32ToF16Bits(1 + 3 * 2 ** -11), 0x3c02); // halfway between 1+2^-10 and 1+2^-9 → even
  assert.equal(f32ToF16Bits(70000), 0x7c00);
  assert.equal(f32ToF16Bits(-70000), 0xfc00);
  assert.equal(f32ToF16Bits(65519), 0x7bff); // rounds down to the largest finite value
  assert.equal(f32ToF16Bits(2 ** -25), 0); // halfway to the smallest subnormal → even (0)
  assert.equal(f32ToF16Bits(3 * 2 ** -26), 1);
});

test('array f32 → fp16 equals the scalar routine on every bf16 value and on random floats', async () => {
  const { f32ToF16 } = await import('../../../src/core/convert/float-convert');
  const values = new Float32Array(65536 + 20000);
  values.set(bf16ToF32(Uint16Array.from({ length: 65536 }, (_, i) => i)));
  for (let i = 65536; i < values.length; i++) values[i] = (Math.random() - 0.5) * 2 ** (Math.floor(Math.random() * 60) - 30);
  const fast = f32ToF16(values);
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) continue;
    assert.equal(fast[i], f32ToF16Bits(values[i] as number), `value ${values[i]}`);
  }
});
