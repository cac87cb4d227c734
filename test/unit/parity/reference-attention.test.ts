import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendToKvLayer, causalGroupedQueryAttention, emptyKvLayer, segmentAttention, truncateKvLayer } from '../../../src/core/model/reference/attention';
import { maxAbsDifference, randomMatrix } from './support/random-reference-model';

test('segment attention on a hand-sized case: one head, dim 1', () => {
  // Two rows in one segment: scores q·k/1 = [[0, 0], [0, 2]] → row 0 averages, row 1 weights e²:1.
  const out = segmentAttention(Float32Array.of(0, 1), Float32Array.of(0, 2), Float32Array.of(10, 20), 2, 1, 1, [0, 2]);
  assert.ok(Math.abs((out[0] as number) - 15) < 1e-5);
  const w = Math.exp(2) / (1 + Math.exp(2));
  assert.ok(Math.abs((out[1] as number) - (10 * (1 - w) + 20 * w)) < 1e-5);
  const split = segmentAttention(Float32Array.of(0, 1), Float32Array.of(0, 2), Float32Array.of(10, 20), 2, 1, 1, [0, 1, 2]);
  assert.deepEqual([...split], [10, 20]);
});

test('segment attention over several segments equals attending each segment alone', () => {
  const rows = 10;
  const [q, k, v] = [1, 2, 3].map((seed) => randomMatrix(rows, 2 * 4, seed).data) as [Float32Array, Float32Array, Float32Array];
  const together = segmentAttention(q, k, v, rows, 2, 4, [0, 3, 3, 10]);
  const first = segmentAttention(q.subarray(0, 24), k.subarray(0, 24), v.subarray(0, 24), 3, 2, 4, [0, 3]);
  const second = segmentAttention(q.subarray(24), k.subarray(24), v.subarray(24), 7, 2, 4, [0, 7]);
  assert.ok(maxAbsDifference(together, [...first, ...second]) < 1e-7);
  assert.throws(() => segmentAttention(q, k, v, rows, 2, 4, [0, 9]), /cu_seqlens must run from 0 to 10/);
});

test('causal GQA: the first query sees only itself; query heads share kv heads in groups', () => {
  const heads = 4;
  const kvHeads = 2;
  const headDim = 3;
  const rows = 5;
  const q = randomMatrix(rows, heads * headDim, 11).data;
  const k = randomMatrix(rows, kvHeads * headDim, 12).data;
  const v = randomMatrix(rows, kvHeads * headDim, 13).data;
  const cache = appendToKvLayer(emptyKvLayer(kvHeads, headDim), k, v, rows);
  const out = causalGroupedQueryAttention(q, rows, heads, cache);
  for (let h = 0; h < heads; h++) {
    const kvHead = Math.floor(h / 2);
    assert.ok(maxAbsDifference(out.subarray(h * headDim, (h + 1) * headDim), v.subarray(kvHead * headDim, (kvHead + 1) * headDim)) < 1e-7);
  }
  // Same as multi-head attention with the kv heads repeated (repeat_kv).
  const repeat = (x: Float32Array) => {
    const out2 = new Float32Array(rows * heads * headDim);
    for (let r = 0; r < rows; r++) for (let h = 0; h < heads; h++) out2.set(x.subarray((r * kvHeads + Math.floor(h / 2)) * headDim, (r * kvHeads + Math.floor(h / 2) + 1) * headDim), (r * heads + h) * headDim);
    return out2;
  };
  const mha = causalGroupedQueryAttention(q, rows, heads, appendToKvLayer(emptyKvLayer(heads, headDim), repeat(k), repeat(v), rows));
  assert.ok(maxAbsDifference(out, mha) < 1e-7);
});

test('causal GQA with a cache: prefill 3 then 2 more equals prefill 5', () => {
  const [heads, kvHeads, headDim, rows] = [4, 2, 3, 5];
  const q = randomMatrix(rows, heads * headDim, 21).data;
  const k = randomMatrix(rows, kvHeads * headDim, 22).data;
  const v = randomMatrix(rows, kvHeads * headDim, 23).data;
  const full = causalGroupedQueryAttention(q, rows, heads, appendToKvLayer(emptyKvLayer(kvHeads, headDim), k, v, rows));
  const first = appendToKvLayer(emptyKvLayer(kvHeads, headDim), k.subarray(0, 3 * 6), v.subarray(0, 3 * 6), 3);
  const grown = appendToKvLayer(first, k.subarray(18), v.subarray(18), 2);
  const tail = causalGroupedQueryAttention(q.subarray(3 * 12), 2, heads, grown);
  assert.ok(maxAbsDifference(full.subarray(3 * 12), tail) < 1e-7);
  assert.deepEqual(truncateKvLayer(grown, 3), first);
});
