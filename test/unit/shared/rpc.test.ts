import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RemoteError, RequestTimeoutError, RpcEndpoint } from '../../../src/shared/rpc';
import type { Envelope } from '../../../src/protocol';

type A2B = { add: { params: { a: number; b: number }; result: number }; fail: { params: null; result: null }; slow: { params: null; result: null } };
type Ev = { hello: { who: string } };

function pair(timeoutMs = 50) {
  let toB: (e: Envelope) => void = () => undefined;
  let toA: (e: Envelope) => void = () => undefined;
  const a = new RpcEndpoint<A2B, Record<string, never>, Ev, Record<string, never>>((e) => queueMicrotask(() => toB(e)), timeoutMs);
  const b = new RpcEndpoint<Record<string, never>, A2B, Record<string, never>, Ev>((e) => queueMicrotask(() => toA(e)), timeoutMs);
  toB = (e) => void b.receive(e);
  toA = (e) => void a.receive(e);
  return { a, b };
}

test('requests get answers; errors and missing handlers reject; silence times out', async () => {
  const { a, b } = pair();
  b.handle('add', ({ a: x, b: y }) => x + y);
  b.handle('fail', () => {
    throw new Error('nope');
  });
  b.handle('slow', () => new Promise(() => undefined));
  assert.equal(await a.request('add', { a: 2, b: 3 }), 5);
  await assert.rejects(a.request('fail', null), (e) => e instanceof RemoteError && /fail: nope/.test(e.message));
  await assert.rejects(a.request('slow', null), RequestTimeoutError);
  const c = pair();
  await assert.rejects(c.a.request('add', { a: 1, b: 1 }), /no handler for request "add"/);
});

test('events reach every listener; garbage is ignored; close fails pending requests', async () => {
  const { a, b } = pair(1000);
  const seen: string[] = [];
  const off = b.on('hello', ({ who }) => seen.push(who));
  b.on('hello', ({ who }) => seen.push(who.toUpperCase()));
  a.emit('hello', { who: 'x' });
  await new Promise((r) => setTimeout(r, 5));
  off();
  a.emit('hello', { who: 'y' });
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(seen, ['x', 'X', 'Y']);
  await b.receive('not an envelope');
  await b.receive({ kind: 'request' });
  b.handle('slow', () => new Promise(() => undefined));
  const pending = a.request('slow', null);
  a.close('editor disposed');
  await assert.rejects(pending, /editor disposed/);
});
