import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cohensKappa, compareTrajectories, computeAgreement, levenshtein, normalizedLevenshtein, reviewKappa } from '../../../src/core/agreement';
import { applyEdit } from '../../../src/core/edit';
import type { ReviewStatus } from '../../../src/core/trajectory/schema';
import { chain, crop, ctx, later, size } from '../edit/fixtures';

function pairs<C extends string>(counts: [C, C, number][]): [C, C][] {
  return counts.flatMap(([a, b, n]) => Array.from({ length: n }, () => [a, b] as [C, C]));
}

test('Cohen\'s kappa matches the textbook examples and says when it is undefined', () => {
  // Wikipedia "Cohen's kappa", simple example: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no -> po 0.7, pe 0.5, kappa 0.4.
  const simple = reviewKappa(pairs<ReviewStatus>([['accepted', 'accepted', 20], ['accepted', 'rejected', 5], ['rejected', 'accepted', 10], ['rejected', 'rejected', 15]]));
  assert.equal(simple.observed, 0.7);
  assert.ok(Math.abs(simple.expected - 0.5) < 1e-12);
  assert.ok(Math.abs(simple.kappa! - 0.4) < 1e-12);
  assert.deepEqual(simple.matrix[1], [0, 20, 5, 0]);
  // Same page: 45/15/25/15 -> po 0.6, pe 0.54, kappa 0.1304.
  const second = cohensKappa(pairs([['y', 'y', 45], ['y', 'n', 15], ['n', 'y', 25], ['n', 'n', 15]]), ['y', 'n']);
  assert.ok(Math.abs(second.kappa! - 0.06 / 0.46) < 1e-12);
  // Four categories, hand-computed: 7 of 10 agree; rows (3,3,2,2), cols (4,2,2,2) -> pe = 26/100, kappa = 0.44/0.74.
  const four = reviewKappa(pairs<ReviewStatus>([
    ['unreviewed', 'unreviewed', 2], ['unreviewed', 'accepted', 1],
    ['accepted', 'accepted', 1], ['accepted', 'unreviewed', 2],
    ['rejected', 'rejected', 2], ['needs_fix', 'needs_fix', 2],
  ]));
  assert.equal(four.n, 10);
  assert.ok(Math.abs(four.expected - 0.26) < 1e-12);
  assert.ok(Math.abs(four.kappa! - 0.44 / 0.74) < 1e-12, String(four.kappa));
  const allSame = reviewKappa(pairs<ReviewStatus>([['accepted', 'accepted', 4]]));
  assert.equal(allSame.kappa, null);
  assert.match(allSame.note!, /same single status/);
  assert.equal(reviewKappa([]).kappa, null);
  // One annotator constant, the other not: chance agreement < 1, kappa is 0.
  assert.equal(reviewKappa(pairs<ReviewStatus>([['accepted', 'accepted', 2], ['accepted', 'rejected', 2]])).kappa, 0);
});

test('levenshtein: classic pairs, symmetry, normalization and the length cap', () => {
  assert.equal(levenshtein('kitten', 'sitting').distance, 3);
  assert.equal(levenshtein('sitting', 'kitten').distance, 3);
  assert.equal(levenshtein('flaw', 'lawn').distance, 2);
  assert.equal(levenshtein('', 'abc').distance, 3);
  assert.equal(levenshtein('same', 'same').distance, 0);
  assert.equal(normalizedLevenshtein('kitten', 'sitting'), 3 / 7);
  const capped = levenshtein('a'.repeat(50), 'b'.repeat(60), 10);
  assert.equal(capped.exact, false);
  assert.equal(capped.distance, 60, 'an upper bound: 10 in the cut part + 50 beyond the cap');
  assert.ok(capped.distance >= levenshtein('a'.repeat(50), 'b'.repeat(60)).distance);
});

test('computeAgreement: ids matched, kappa, IoU and distances on turns both annotators edited', () => {
  const base = [chain({ id: 'a' }), chain({ id: 'b' }), chain({ id: 'c' })];
  const review = (t: ReturnType<typeof chain>, status: ReviewStatus) => applyEdit(t, { kind: 'setReview', status }, ctx).trajectory;
  // Annotator A: moves turn 0 of "a" to the lower half-height, edits turn 1 text of "a".
  let a0 = applyEdit(base[0]!, { kind: 'setBox', turn: 0, bbox: [0.5, 0.5, 1.0, 0.75] }, ctx).trajectory;
  a0 = applyEdit(a0, { kind: 'setTurnText', turn: 1, text: crop([0.25, 0.25, 0.75, 0.75], 'observation_1', 'kitten') }, ctx).trajectory;
  // Annotator B: the same turns, a different box, different text; turn 2 only B edits.
  let b0 = applyEdit(base[0]!, { kind: 'setBox', turn: 0, bbox: [0.5, 0.6, 1.0, 1.0] }, { ...ctx, author: later }).trajectory;
  b0 = applyEdit(b0, { kind: 'setTurnText', turn: 1, text: crop([0.25, 0.25, 0.75, 0.75], 'observation_1', 'sitting') }, { ...ctx, author: later }).trajectory;
  b0 = applyEdit(b0, { kind: 'setBox', turn: 2, bbox: [0.1, 0.1, 0.2, 0.2] }, { ...ctx, author: later }).trajectory;
  const A = [review(a0, 'accepted'), review(base[1]!, 'rejected'), base[2]!].map((trajectory) => ({ trajectory, originalSize: size }));
  const B = [review(b0, 'accepted'), review(base[1]!, 'accepted'), chain({ id: 'z' })].map((trajectory) => ({ trajectory, originalSize: size }));
  const r = computeAgreement(A, B);
  assert.equal(r.matched, 2);
  assert.deepEqual(r.onlyInA, ['c']);
  assert.deepEqual(r.onlyInB, ['z']);
  assert.equal(r.review.observed, 0.5);
  // Turn 0: A [2000,1500,3999,2250], B [2000,1800,3999,2999]: 450 rows shared -> 450 / (750 + 1199 - 450).
  // Turn 1 crops [0.25..0.75] of each one's observation_1: A y 1687..2062, B y 2099..2699: IoU 0.
  // Turn 2 only B edited: not counted.
  assert.equal(r.boxIoU.count, 2);
  assert.equal(r.boxesUnmeasured, 0);
  assert.ok(Math.abs(r.boxIoU.mean! - 450 / 1499 / 2) < 1e-12);
  assert.ok(Math.abs(r.boxIoU.median! - 450 / 1499 / 2) < 1e-12);
  // Texts: turn 0 "[0.5, 0.5, 1.0, 0.75]" vs "[0.5, 0.6, 1.0, 1.0]" is 1 + 3 edits; turn 1 is kitten/sitting, 3.
  assert.equal(levenshtein(a0.turns[0]!.text, b0.turns[0]!.text).distance, 4);
  assert.deepEqual(r.textDistance, { count: 2, mean: 3.5, median: 3.5 });
});

test('compareTrajectories: rows by turn with IoU in original pixels, distance and diff', () => {
  const a = chain();
  const b = applyEdit(chain(), { kind: 'setBox', turn: 0, bbox: [0.5, 0.5, 1.0, 0.75] }, ctx).trajectory;
  b.turns.pop();
  const rows = compareTrajectories(a, b, size);
  assert.equal(rows.length, 5);
  assert.ok(Math.abs(rows[0]!.iou! - 750 / 1499) < 1e-12);
  assert.ok(rows[0]!.textDistance > 0);
  assert.equal(rows[2]!.iou, 1);
  assert.equal(rows[2]!.textDistance, 0);
  assert.deepEqual(rows[2]!.diff, [{ kind: 'same', text: a.turns[2]!.text }]);
  // Turn 4 exists in a only: no IoU, the whole text is removed.
  assert.equal(rows[4]!.iou, null);
  assert.equal(rows[4]!.textDistance, a.turns[4]!.text.length);
  assert.deepEqual(rows[4]!.diff, [{ kind: 'removed', text: a.turns[4]!.text }]);
  assert.equal(compareTrajectories(a, b, null)[0]!.iou, null);
});
