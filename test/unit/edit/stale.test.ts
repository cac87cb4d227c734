import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEdit, staleTurns, statusAfterEdit } from '../../../src/core/edit';
import { chain, ctx, later, size } from './fixtures';

test('moving turn 0\'s crop makes its crop (turn 1) and the crop of that crop (turn 3) stale, not turn 2 which crops the original', () => {
  const t = chain();
  assert.deepEqual(staleTurns(t, size), []);
  const moved = applyEdit(t, { kind: 'setBox', turn: 0, bbox: [0.4, 0.4, 0.9, 0.95] }, ctx).trajectory;
  assert.deepEqual(staleTurns(moved, size), [1, 3]);
  assert.deepEqual(statusAfterEdit(moved, size), { status: 'valid', answer: 'K7Q2', turns: ['valid', 'valid', 'valid', 'valid', 'valid'], stale: [1, 3] });
});

test('a box moved back to its original pixels, or a reasoning-only edit, makes nothing stale', () => {
  const t = chain();
  const reasoning = applyEdit(t, { kind: 'setTurnText', turn: 0, text: t.turns[0]!.text.replace('bottom right', 'lower right') }, ctx).trajectory;
  assert.deepEqual(staleTurns(reasoning, size), []);
  // 0.5 * 4000 = 2000 either way: the crop is the same pixels.
  const same = applyEdit(t, { kind: 'setBox', turn: 0, bbox: [0.50001, 0.5, 1.0, 1.0] }, ctx);
  assert.equal(same.staleFrom, undefined);
  assert.deepEqual(staleTurns(same.trajectory, size), []);
});

test('a stale turn edited after the edit that fed it counts as reviewed; one edited before stays stale', () => {
  const t = chain();
  const moved = applyEdit(t, { kind: 'setBox', turn: 0, bbox: [0.4, 0.4, 0.9, 0.95] }, ctx).trajectory;
  const fixedLater = applyEdit(moved, { kind: 'setBox', turn: 1, bbox: [0.3, 0.3, 0.7, 0.7] }, { ...ctx, author: later }).trajectory;
  // Turn 1 was fixed after turn 0 moved; turn 3 crops turn 1's new crop and is stale.
  assert.deepEqual(staleTurns(fixedLater, size), [3]);
  const fixedFirst = applyEdit(applyEdit(t, { kind: 'setBox', turn: 1, bbox: [0.3, 0.3, 0.7, 0.7] }, ctx).trajectory, { kind: 'setBox', turn: 0, bbox: [0.4, 0.4, 0.9, 0.95] }, { ...ctx, author: later }).trajectory;
  assert.deepEqual(staleTurns(fixedFirst, size), [1, 3]);
});

test('a crop made invalid removes its observation: the turn that cropped it is stale', () => {
  const t = chain();
  // A 1-pixel-wide box is an invalid clip: observation_1 is never made, so turn 1's source vanishes.
  const broken = applyEdit(t, { kind: 'setBox', turn: 0, bbox: [0.5, 0.5, 0.5001, 1.0] }, ctx);
  assert.equal(broken.staleFrom, 1);
  assert.ok(staleTurns(broken.trajectory, size).includes(1));
});
