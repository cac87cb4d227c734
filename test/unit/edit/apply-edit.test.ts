import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEdit, applySnapshot, EditError, type EditOp } from '../../../src/core/edit';
import { replayTrajectory } from '../../../src/core/protocol/replay';
import type { Trajectory } from '../../../src/core/trajectory/schema';
import { answer, chain, crop, ctx, later } from './fixtures';

const OPS: EditOp[] = [
  { kind: 'setTurnText', turn: 1, text: crop([0.25, 0.25, 0.75, 0.75], 'observation_1', 'much closer') },
  { kind: 'setBox', turn: 0, bbox: [0.4, 0.4, 0.9, 0.95] },
  { kind: 'setBox', turn: 2, bbox: [0.1, 0.1, 0.6, 0.6], source: 'observation_1' },
  { kind: 'setSource', turn: 3, source: 'observation_1' },
  { kind: 'setAnswer', text: 'K7Q3' },
  { kind: 'insertTurn', at: 4, text: crop([0.2, 0.2, 0.4, 0.4], 'original_image') },
  { kind: 'insertTurn', at: 0, text: crop([0.2, 0.2, 0.4, 0.4], 'original_image') },
  { kind: 'deleteTurn', turn: 2 },
  { kind: 'truncateAfter', turn: 1 },
  { kind: 'setReview', status: 'accepted' },
  { kind: 'toggleLabel', label: 'wrong box' },
  { kind: 'setNotes', notes: 'turn 2 is redundant' },
];

for (const op of OPS) {
  test(`${op.kind} ${JSON.stringify(op).slice(0, 60)}: undo restores the exact previous trajectory, redo the edit`, () => {
    for (const start of [chain(), chain({ review: { status: 'needs_fix', labels: ['wrong box', 'other'], notes: 'x', by: 'z' } })]) {
      const frozen = JSON.stringify(start);
      const done = applyEdit(start, op, ctx);
      assert.equal(JSON.stringify(start), frozen, 'the input is not mutated');
      assert.notEqual(JSON.stringify(done.trajectory), frozen, 'the edit changed something');
      assert.ok(done.label.length > 0);
      // The inverse travels as JSON (hot-exit backups).
      const inverse = JSON.parse(JSON.stringify(done.inverse));
      const undone = applySnapshot(done.trajectory, inverse);
      assert.deepEqual(undone.trajectory, start);
      assert.equal(JSON.stringify(undone.trajectory), frozen);
      const redone = applySnapshot(undone.trajectory, undone.inverse);
      assert.equal(JSON.stringify(redone.trajectory), JSON.stringify(done.trajectory));
      assert.equal(JSON.stringify(applyEdit(start, op, ctx).trajectory), JSON.stringify(done.trajectory), 'deterministic');
      // Every result replays.
      replayTrajectory(done.trajectory, { originalSize: ctx.originalSize });
    }
  });
}

test('labels name what changed', () => {
  const t = chain();
  assert.equal(applyEdit(t, OPS[0]!, ctx).label, 'Edit turn 1 reasoning');
  assert.equal(applyEdit(t, OPS[1]!, ctx).label, 'Move box of turn 0');
  assert.equal(applyEdit(t, OPS[2]!, ctx).label, 'Move box of turn 2 onto observation_1');
  assert.equal(applyEdit(t, { kind: 'setReview', status: 'needs_fix' }, ctx).label, 'Mark needs fix');
  assert.equal(applyEdit(t, { kind: 'truncateAfter', turn: 1 }, ctx).label, 'Truncate after turn 1 (3 turns)');
});

test('provenance: the first original is kept across edits; writing it back removes the provenance', () => {
  const t = chain();
  const original = t.turns[1]!.text;
  const once = applyEdit(t, { kind: 'setTurnText', turn: 1, text: 'one' }, ctx).trajectory;
  assert.deepEqual(once.turns[1]!.edit, { original_text: original, by: 'ann', at: ctx.author.at, original_box: [0.25, 0.25, 0.75, 0.75], original_source: 'observation_1' });
  const twice = applyEdit(once, { kind: 'setTurnText', turn: 1, text: 'two' }, { ...ctx, author: later }).trajectory;
  assert.equal(twice.turns[1]!.edit!.original_text, original);
  assert.equal(twice.turns[1]!.edit!.by, 'bob');
  const back = applyEdit(twice, { kind: 'setTurnText', turn: 1, text: original }, ctx).trajectory;
  assert.equal(back.turns[1]!.edit, undefined);
  assert.deepEqual(back, t);
  const reverted = applyEdit(twice, { kind: 'revertTurn', turn: 1 }, ctx).trajectory;
  assert.deepEqual(reverted, t);
  // A reasoning-only edit keeps no original box: the call did not move.
  const reasoning = applyEdit(t, OPS[0]!, ctx).trajectory;
  assert.equal(reasoning.turns[1]!.edit!.original_box, undefined);
});

test('setBox rewrites only the call, keeps the original box and marks later crops of the moved crop stale', () => {
  const t = chain();
  const r = applyEdit(t, { kind: 'setBox', turn: 0, bbox: [0.4, 0.4, 0.9, 0.95] }, ctx);
  const turn = r.trajectory.turns[0]!;
  assert.equal(turn.text, '<think>bottom right</think>\n<grounding>{"bbox_2d": [0.4, 0.4, 0.9, 0.95], "source": "original_image"}</grounding>');
  assert.deepEqual(turn.edit!.original_box, [0.5, 0.5, 1.0, 1.0]);
  assert.equal(turn.edit!.original_source, 'original_image');
  assert.deepEqual(turn.tokens, { completion: 20 }, 'other fields of the turn are kept');
  assert.equal(r.staleFrom, 1);
  // Moving turn 2's crop of the original affects nobody: nothing crops observation_3.
  assert.equal(applyEdit(t, { kind: 'setBox', turn: 2, bbox: [0.1, 0.1, 0.4, 0.4] }, ctx).staleFrom, undefined);
  // Moving turn 1 (crop of a crop) makes turn 3 (crop of observation_2) stale.
  assert.equal(applyEdit(t, { kind: 'setBox', turn: 1, bbox: [0.2, 0.2, 0.7, 0.7] }, ctx).staleFrom, 3);
});

test('setAnswer rewrites the answer, or adds one; the recorded outcome follows', () => {
  const t = chain();
  const r = applyEdit(t, { kind: 'setAnswer', text: 'K7Q3' }, ctx).trajectory;
  assert.equal(r.turns[4]!.text, answer('K7Q3'));
  assert.deepEqual(r.outcome, { answer: 'K7Q3', correct: false, status: 'answered' });
  const voidTurn = chain();
  voidTurn.turns[4] = { text: '<think>not sure</think>\n' };
  const added = applyEdit(voidTurn, { kind: 'setAnswer', text: 'K7Q2' }, ctx).trajectory;
  assert.equal(added.turns[4]!.text, '<think>not sure</think>\n<answer>K7Q2</answer>');
  assert.equal(replayTrajectory(added, { originalSize: ctx.originalSize }).status, 'valid');
  const endsInCall = chain();
  endsInCall.turns.pop();
  assert.throws(() => applyEdit(endsInCall, { kind: 'setAnswer', text: 'x' }, ctx), /final turn 3 is a tool call/);
});

test('review edits: status with who and when, labels toggle, notes', () => {
  const t = chain();
  const accepted = applyEdit(t, { kind: 'setReview', status: 'accepted' }, ctx).trajectory;
  assert.deepEqual(accepted.review, { status: 'accepted', by: 'ann', at: ctx.author.at });
  const labelled = applyEdit(accepted, { kind: 'toggleLabel', label: 'good' }, ctx).trajectory;
  assert.deepEqual(labelled.review!.labels, ['good']);
  const unlabelled = applyEdit(labelled, { kind: 'toggleLabel', label: 'good' }, ctx).trajectory;
  assert.deepEqual(unlabelled, accepted);
  const noted = applyEdit(t, { kind: 'setNotes', notes: 'check' }, ctx).trajectory;
  assert.deepEqual(noted.review, { status: 'unreviewed', notes: 'check' });
});

test('invalid ops throw EditError with a clear message', () => {
  const t = chain();
  const cases: [unknown, RegExp][] = [
    [{ kind: 'setTurnText', turn: 9, text: 'x' }, /turn 9 is out of range: the trajectory has 5 turns/],
    [{ kind: 'setTurnText', turn: -1, text: 'x' }, /turn must be a whole number/],
    [{ kind: 'setBox', turn: 0, bbox: [0, 0, 1] }, /bbox must be 4 numbers in \[0, 1\]/],
    [{ kind: 'setBox', turn: 0, bbox: [0, 0, 1.5, 1] }, /bbox must be 4 numbers in \[0, 1\]/],
    [{ kind: 'setBox', turn: 0, bbox: [0.5, 0, 0.2, 1] }, /x0 < x1/],
    [{ kind: 'setBox', turn: 1, bbox: [0, 0, 1, 1], source: 'observation_2' }, /unknown source "observation_2" for turn 1: before it there are original_image, observation_1/],
    [{ kind: 'setSource', turn: 0, source: 'observation_1' }, /unknown source/],
    [{ kind: 'setBox', turn: 4, bbox: [0, 0, 1, 1], source: 'original_image' }, /gives an answer/],
    [{ kind: 'setSource', turn: 4, source: 'original_image' }, /no call with a box/],
    [{ kind: 'insertTurn', at: 6, text: 'x' }, /cannot insert at 6/],
    [{ kind: 'truncateAfter', turn: 4 }, /nothing comes after it/],
    [{ kind: 'revertTurn', turn: 0 }, /never edited/],
    [{ kind: 'setReview', status: 'great' }, /unknown review status "great"/],
    [{ kind: 'toggleLabel', label: ' ' }, /cannot be empty/],
    [{ kind: 'setAnswer', text: 'a</answer>b' }, /cannot contain/],
    [{ kind: 'explode' }, /unknown edit kind "explode"/],
  ];
  for (const [op, message] of cases) assert.throws(() => applyEdit(t, op as EditOp, ctx), (e: unknown) => e instanceof EditError && message.test(e.message), JSON.stringify(op));
  const single: Trajectory = { ...t, turns: [t.turns[4]!] };
  assert.throws(() => applyEdit(single, { kind: 'deleteTurn', turn: 0 }, ctx), /only turn/);
});

test('setBox keeps the precision a large source needs: every pixel edge survives Mini-o3\'s int()', () => {
  // On a 4000 px original, pixel 401 needs 0.10025: three decimals would land on 400 or 404.
  const t = chain();
  const bbox: [number, number, number, number] = [0.10025, 0.2003334, 0.50025, 0.6003334];
  const { trajectory } = applyEdit(t, { kind: 'setBox', turn: 0, bbox }, ctx);
  const replay = replayTrajectory(trajectory, { originalSize: { width: 4000, height: 3000 } });
  assert.deepEqual(replay.turns[0]!.pixelBox, [401, 601, 2001, 1801]);
});
