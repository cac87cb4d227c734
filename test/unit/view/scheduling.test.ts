import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConcurrencyLimiter } from '../../../src/core/view/concurrency-limiter';
import { Throttle } from '../../../src/core/view/throttle';

test('the limiter runs at most N tasks at a time, in order, and frees slots on failure', async () => {
  const limiter = new ConcurrencyLimiter(2);
  let running = 0;
  let peak = 0;
  const started: number[] = [];
  const task = (i: number) => limiter.run(async () => {
    started.push(i);
    running++;
    peak = Math.max(peak, running);
    await new Promise((resolve) => setTimeout(resolve, 5));
    running--;
    if (i === 1) throw new Error('task 1 failed');
    return i;
  });
  const results = await Promise.allSettled([0, 1, 2, 3, 4].map(task));
  assert.equal(peak, 2);
  assert.deepEqual(started, [0, 1, 2, 3, 4]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
  assert.equal(limiter.active, 0);
  assert.throws(() => new ConcurrencyLimiter(0), /whole number >= 1/);
});

test('the throttle: first call at once, a burst collapses into one trailing call, flush delivers now', async () => {
  let now = 0;
  let calls = 0;
  const throttle = new Throttle(() => calls++, 250, () => now);
  throttle.trigger();
  assert.equal(calls, 1);
  now = 10;
  throttle.trigger();
  throttle.trigger();
  assert.equal(calls, 1, 'within the interval: waits');
  assert.equal(throttle.flush(), true);
  assert.equal(calls, 2, 'flush sends the pending call');
  assert.equal(throttle.flush(), false);
  assert.equal(calls, 2, 'nothing pending');
  now = 20;
  throttle.trigger();
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(calls, 3, 'the trailing call came');
  throttle.dispose();
  now = 10_000;
  throttle.trigger();
  assert.equal(calls, 3);
});
