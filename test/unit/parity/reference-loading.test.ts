import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseReferenceConfig } from '../../../src/core/model/reference/config';
import { halfToFloat, parseSafetensors, readSafetensorsCheckpoint } from '../../../src/core/model/reference/safetensors';
import { randomConfigJson } from './support/random-reference-model';

/** Hand-assembled safetensors bytes: header JSON padded with spaces, then `data`. */
function safetensorsBytes(header: Record<string, unknown>, data: number[]): Uint8Array {
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8 !== 0) json += ' ';
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(new TextEncoder().encode(json), 8);
  out.set(data, 8 + json.length);
  return out;
}

const HEADER = {
  __metadata__: { format: 'pt' },
  a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
  b: { dtype: 'F16', shape: [2, 2], data_offsets: [8, 16] },
  c: { dtype: 'BF16', shape: [2], data_offsets: [16, 20] },
};
// a = [1.5, -2] (f32 0x3FC00000, 0xC0000000); b = [1, -2, 65504, 2^-24] (f16 0x3C00, 0xC000, 0x7BFF, 0x0001);
// c = [1, 3.140625] (bf16 0x3F80, 0x4049).
const DATA = [0, 0, 0xc0, 0x3f, 0, 0, 0, 0xc0, 0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00, 0x80, 0x3f, 0x49, 0x40];

test('safetensors: F32, F16 and BF16 values decode to the hand-computed floats', () => {
  const tensors = parseSafetensors(safetensorsBytes(HEADER, DATA), 'x.safetensors');
  assert.deepEqual(tensors.get('a'), { shape: [2], data: Float32Array.of(1.5, -2) });
  assert.deepEqual(tensors.get('b'), { shape: [2, 2], data: Float32Array.of(1, -2, 65504, 2 ** -24) });
  assert.deepEqual(tensors.get('c'), { shape: [2], data: Float32Array.of(1, 3.140625) });
  assert.equal(tensors.has('__metadata__'), false);
  assert.equal(halfToFloat(0x7c00), Infinity);
  assert.ok(Number.isNaN(halfToFloat(0x7e00)));
});

test('safetensors: bad files are named with the tensor and the reason', () => {
  assert.throws(() => parseSafetensors(safetensorsBytes({ a: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, new Array(8).fill(0)), 'm.safetensors'), /m\.safetensors: tensor a has dtype "I64"/);
  assert.throws(() => parseSafetensors(safetensorsBytes({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Array(8).fill(0)), 'm.safetensors'), /tensor a data_offsets \[0,8\] do not fit shape \[3\]/);
  assert.throws(() => parseSafetensors(Uint8Array.of(255, 0, 0, 0, 0, 0, 0, 0, 1), 'm.safetensors'), /header length 255 runs past/);
});

test('sharded checkpoints are read through model.safetensors.index.json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ref-st-'));
  try {
    writeFileSync(join(dir, 'model-00001-of-00002.safetensors'), safetensorsBytes({ a: HEADER.a }, DATA.slice(0, 8)));
    writeFileSync(join(dir, 'model-00002-of-00002.safetensors'), safetensorsBytes({ c: { ...HEADER.c, data_offsets: [0, 4] } }, DATA.slice(16)));
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { a: 'model-00001-of-00002.safetensors', c: 'model-00002-of-00002.safetensors' } }));
    const lookup = readSafetensorsCheckpoint(dir);
    assert.deepEqual(lookup('a')?.data, Float32Array.of(1.5, -2));
    assert.deepEqual(lookup('c')?.data, Float32Array.of(1, 3.140625));
    assert.equal(lookup('b'), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(() => readSafetensorsCheckpoint(tmpdir() + '/does-not-exist-ref'), /neither model\.safetensors nor model\.safetensors\.index\.json/);
});

test('config: flat and text_config layouts read the same; rope_parameters also works', () => {
  const flat = randomConfigJson();
  const parsed = parseReferenceConfig(flat);
  const textKeys = ['vocab_size', 'hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads', 'num_key_value_heads', 'hidden_act', 'rms_norm_eps', 'rope_theta', 'rope_scaling', 'tie_word_embeddings'];
  const nested: Record<string, unknown> = { ...flat, text_config: Object.fromEntries(textKeys.map((k) => [k, flat[k]])) };
  for (const k of textKeys) delete nested[k];
  assert.deepEqual(parseReferenceConfig(nested), parsed);
  const v5: Record<string, unknown> = { ...flat, rope_parameters: { rope_type: 'default', rope_theta: 10000, mrope_section: [1, 1, 2] } };
  delete v5.rope_scaling;
  delete v5.rope_theta;
  assert.deepEqual(parseReferenceConfig(v5), parsed);
  assert.equal(parsed.text.headDim, 8);
  assert.deepEqual(parsed.text.mropeSection, [1, 1, 2]);
  assert.equal(parsed.vision.headDim, 8);
});

test('config errors name the file and the field', () => {
  const noHidden: Record<string, unknown> = { ...randomConfigJson() };
  delete noHidden.hidden_size;
  assert.throws(() => parseReferenceConfig(noHidden, '/m/config.json'), /\/m\/config\.json: field hidden_size is missing/);
  assert.throws(() => parseReferenceConfig({ ...randomConfigJson(), rope_scaling: { mrope_section: [1, 1, 1] } }, 'c.json'), /mrope_section \[1,1,1\] must be 3 numbers summing to head_dim\/2 = 4/);
  assert.throws(() => parseReferenceConfig({ ...randomConfigJson(), hidden_act: 'gelu' }, 'c.json'), /field hidden_act is "gelu"/);
  const vision = { ...(randomConfigJson().vision_config as Record<string, unknown>), num_heads: 'two' };
  assert.throws(() => parseReferenceConfig({ ...randomConfigJson(), vision_config: vision }, 'c.json'), /field vision_config\.num_heads must be a non-negative integer/);
});
