import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenSampler, argmax, seededRandom } from '../../../src/core/model/onnx/sampling';
import { resolveSampling } from '../../../src/core/model/onnx/sampling-defaults';

/** Logits whose softmax is exactly `probs` (up to a constant). */
function logitsOf(probs: number[]): Float32Array {
  return Float32Array.from(probs, (p) => (p === 0 ? -Infinity : Math.log(p)));
}

function frequencies(sampler: TokenSampler, logits: Float32Array, draws: number, limit?: number): number[] {
  const counts = new Array<number>(logits.length).fill(0);
  for (let i = 0; i < draws; i++) counts[sampler.next(logits, limit)]!++;
  return counts.map((c) => c / draws);
}

test('greedy: argmax, lowest id on ties, ids at or above the limit never chosen', () => {
  assert.equal(argmax(Float32Array.of(1, 5, 5, 2)), 1);
  const sampler = new TokenSampler({ temperature: 0, topP: 1, topK: -1, seed: 1 });
  assert.equal(sampler.next(Float32Array.of(0, 3, 1, 9)), 3);
  assert.equal(sampler.next(Float32Array.of(0, 3, 1, 9), 3), 1, 'id 3 is past the tokenizer');
  assert.equal(new TokenSampler({ temperature: 1, topP: 1, topK: 1, seed: 7 }).next(Float32Array.of(2, 8, 1)), 1, 'top_k 1 is greedy');
});

test('sampling: a seed repeats the same draws, another seed differs', () => {
  const logits = Float32Array.from({ length: 300 }, (_, i) => Math.sin(i * 0.37) * 3);
  const run = (seed: number) => {
    const s = new TokenSampler({ temperature: 0.8, topP: 0.9, topK: 50, seed });
    return Array.from({ length: 40 }, () => s.next(logits));
  };
  assert.deepEqual(run(1234), run(1234));
  assert.notDeepEqual(run(1234), run(1235));
  const a = seededRandom(5);
  const values = Array.from({ length: 1000 }, () => a());
  assert.ok(values.every((v) => v >= 0 && v < 1));
  assert.ok(Math.abs(values.reduce((x, y) => x + y, 0) / 1000 - 0.5) < 0.05);
});

test('sampling: draws follow softmax(logits / temperature)', () => {
  const probs = [0.5, 0.3, 0.15, 0.05];
  const freq = frequencies(new TokenSampler({ temperature: 1, topP: 1, topK: -1, seed: 3 }), logitsOf(probs), 20000);
  probs.forEach((p, i) => assert.ok(Math.abs(freq[i]! - p) < 0.015, `id ${i}: ${freq[i]} vs ${p}`));
  // Temperature 0.5 squares the odds: 25:9:2.25:0.25.
  const squared = probs.map((p) => p * p);
  const total = squared.reduce((a, b) => a + b, 0);
  const cold = frequencies(new TokenSampler({ temperature: 0.5, topP: 1, topK: -1, seed: 4 }), logitsOf(probs), 20000);
  squared.forEach((p, i) => assert.ok(Math.abs(cold[i]! - p / total) < 0.015, `t=0.5 id ${i}: ${cold[i]} vs ${p / total}`));
});

test('top-k and top-p keep exactly the ids vLLM keeps, renormalised', () => {
  const probs = [0.05, 0.4, 0.25, 0.2, 0.1];
  const topK = frequencies(new TokenSampler({ temperature: 1, topP: 1, topK: 2, seed: 5 }), logitsOf(probs), 20000);
  assert.deepEqual(topK.map((f) => f > 0), [false, true, true, false, false]);
  assert.ok(Math.abs(topK[1]! - 0.4 / 0.65) < 0.015);
  // top_p 0.8: 0.4 + 0.25 = 0.65 < 0.8, + 0.2 = 0.85 >= 0.8 → ids 1, 2, 3.
  const topP = frequencies(new TokenSampler({ temperature: 1, topP: 0.8, topK: -1, seed: 6 }), logitsOf(probs), 20000);
  assert.deepEqual(topP.map((f) => f > 0), [false, true, true, true, false]);
  assert.ok(Math.abs(topP[3]! - 0.2 / 0.85) < 0.015);
  // top-p after top-k applies to the renormalised top-k mass: k=3 keeps .4/.25/.2 (sum .85); p .7 of it = .595 → ids 1, 2.
  const both = frequencies(new TokenSampler({ temperature: 1, topP: 0.7, topK: 3, seed: 8 }), logitsOf(probs), 20000);
  assert.deepEqual(both.map((f) => f > 0), [false, true, true, false, false]);
  // A flat vocabulary: the nucleus is the first half (ties keep lower ids first), and all of it is drawn from.
  const flat = new Float32Array(5000);
  const wide = frequencies(new TokenSampler({ temperature: 1, topP: 0.5, topK: -1, seed: 9 }), flat, 1000);
  const drawn = wide.flatMap((f, id) => (f > 0 ? [id] : []));
  assert.ok(drawn.every((id) => id < 2500), 'only the nucleus');
  assert.ok(drawn.length > 700 && drawn.some((id) => id > 2400), `${drawn.length} distinct ids up to ${Math.max(...drawn)}`);
});

test('resolveSampling: request, then generation_config, then OpenAI defaults; bad values refused', () => {
  const params = { max_tokens: 10, stop: [] };
  assert.deepEqual({ ...resolveSampling({ ...params, seed: 3 }, { eosIds: [] }), seed: 3 }, { temperature: 1, topP: 1, topK: -1, seed: 3 });
  assert.equal(resolveSampling({ ...params, seed: 1 }, { eosIds: [], doSample: false }).temperature, 0);
  assert.deepEqual(resolveSampling({ ...params, seed: 1 }, { eosIds: [], doSample: true, temperature: 0.1, topP: 0.001, topK: 1 }), { temperature: 0.1, topP: 0.001, topK: 1, seed: 1 });
  assert.equal(resolveSampling({ ...params, temperature: 0.7, seed: 1 }, { eosIds: [], doSample: false }).temperature, 0.7);
  assert.throws(() => resolveSampling({ ...params, top_p: 0 }, { eosIds: [] }), /top_p must be in \(0, 1\]/);
  assert.throws(() => resolveSampling({ ...params, temperature: -1 }, { eosIds: [] }), /temperature/);
  assert.throws(() => resolveSampling({ ...params, seed: 1.5 }, { eosIds: [] }), /seed must be an integer/);
});
