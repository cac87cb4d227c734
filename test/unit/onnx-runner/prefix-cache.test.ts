import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { KvCache } from '../../../src/core/model/onnx/kv-cache';
import { PrefixCachePool, type ImageSpan } from '../../../src/core/model/onnx/prefix-cache';

/** Decoder outputs whose entries encode (layer, part, head, position, dim). */
function presentOutputs(length: number, layers = 2, heads = 2, dim = 3): Record<string, ort.Tensor> {
  const outputs: Record<string, ort.Tensor> = {};
  for (let l = 0; l < layers; l++) {
    for (const [p, part] of ['key', 'value'].entries()) {
      const data = new Float32Array(heads * length * dim);
      for (let h = 0; h < heads; h++) for (let t = 0; t < length; t++) for (let d = 0; d < dim; d++) data[(h * length + t) * dim + d] = l * 10000 + p * 1000 + h * 100 + t + d / 10;
      outputs[`present.${l}.${part}`] = new ort.Tensor('float32', data, [1, heads, length, dim]);
    }
  }
  return outputs;
}

function filledCache(length: number): KvCache {
  const kv = new KvCache(2, 2, 3, 'float32');
  kv.update(presentOutputs(length), length);
  return kv;
}

test('KV cache: truncation keeps positions [0, n) of every head; empty feeds have zero length', () => {
  const kv = filledCache(7);
  kv.truncate(4);
  assert.equal(kv.length, 4);
  const key1 = kv.feeds()['past_key_values.1.value']!;
  assert.deepEqual(key1.dims, [1, 2, 4, 3]);
  const data = key1.data as Float32Array;
  assert.equal(data[(1 * 4 + 3) * 3 + 2], Math.fround(1 * 10000 + 1000 + 100 + 3 + 0.2));
  assert.equal(kv.bytes, 2 * 2 * 2 * 4 * 3 * 4);
  const empty = new KvCache(1, 2, 3, 'float16').feeds();
  assert.deepEqual(empty['past_key_values.0.key']!.dims, [1, 2, 0, 3]);
  assert.equal(empty['past_key_values.0.key']!.type, 'float16');
  assert.throws(() => kv.update({}, 4), /no present\.0\.key/);
});

test('prefix reuse: common token prefix, images compared by content, at least one token left to feed', () => {
  const pool = new PrefixCachePool(1, () => new KvCache(1, 1, 1, 'float32'));
  const imageA: ImageSpan = { key: 'A', start: 2, length: 3 };
  const first = [1, 9, 7, 7, 7, 9, 5, 6];
  let { slot, reused } = pool.take(first, [imageA]);
  assert.equal(reused, 0);
  slot.append(first, [imageA]);
  slot.kv.update(presentOutputs(first.length, 1, 1, 1), first.length);

  // The next turn extends the conversation: everything cached is kept.
  ({ slot, reused } = pool.take([...first, 4, 4, 2], [imageA]));
  assert.equal(reused, first.length);
  // The very same prompt again: the last token is fed again for its logits.
  ({ reused } = pool.take(first, [imageA]));
  assert.equal(reused, first.length - 1);
  slot.append([6]);
  // Same tokens but another image in the span: cut before the image.
  ({ reused } = pool.take(first, [{ key: 'B', start: 2, length: 3 }]));
  assert.equal(reused, 2);
  assert.equal(slot.images.length, 0);
  assert.equal(slot.ids.length, 2);
});

test('prefix reuse: a divergence inside an image span drops the whole image; the pool picks the slot that keeps most', () => {
  const pool = new PrefixCachePool(2, () => new KvCache(1, 1, 1, 'float32'));
  const img: ImageSpan = { key: 'A', start: 1, length: 4 };
  const a = pool.take([3, 8, 8, 8, 8, 2], [img]);
  a.slot.append([3, 8, 8, 8, 8, 2], [img]);
  a.slot.kv.update(presentOutputs(6, 1, 1, 1), 6);
  // Fewer pad tokens (another grid) for the same image position: the image is not reused.
  assert.equal(a.slot.reusablePrefix([3, 8, 8, 2, 1], [{ key: 'A', start: 1, length: 2 }]), 1);
  const b = pool.take([5, 5, 5], []);
  assert.notEqual(b.slot, a.slot, 'nothing shared: a fresh slot while there is room');
  b.slot.append([5, 5, 5]);
  b.slot.kv.update(presentOutputs(3, 1, 1, 1), 3);
  const again = pool.take([3, 8, 8, 8, 8, 2, 7], [img]);
  assert.equal(again.slot, a.slot);
  assert.equal(again.reused, 6);
  assert.throws(() => new PrefixCachePool(0, () => new KvCache(1, 1, 1, 'float32')), /whole number >= 1/);
});
