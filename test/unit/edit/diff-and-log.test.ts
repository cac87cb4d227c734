import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyEdit, diffText, EditLogError, parseEditLog, replayEditLog, serializeEditLog, turnDiff, type EditLogEntry, type EditOp,
} from '../../../src/core/edit';
import { boxIoU } from '../../../src/core/geometry/boxes';
import { chain, ctx, later, size } from './fixtures';

function joined(parts: { kind: string; text: string }[], keep: string): string {
  return parts.filter((p) => p.kind === 'same' || p.kind === keep).map((p) => p.text).join('');
}

test('diffText: a minimal character diff that rebuilds both texts', () => {
  assert.deepEqual(diffText('the red sign', 'the blue sign'), [
    { kind: 'same', text: 'the ' },
    { kind: 'removed', text: 'r' },
    { kind: 'added', text: 'blu' },
    { kind: 'same', text: 'e' },
    { kind: 'removed', text: 'd' },
    { kind: 'same', text: ' sign' },
  ]);
  assert.deepEqual(diffText('abc', 'abc'), [{ kind: 'same', text: 'abc' }]);
  assert.deepEqual(diffText('', 'x'), [{ kind: 'added', text: 'x' }]);
  // ABCABBA -> CBABAC (Myers' paper): 5 edits.
  const paper = diffText('ABCABBA', 'CBABAC');
  assert.equal(paper.filter((p) => p.kind !== 'same').reduce((n, p) => n + p.text.length, 0), 5);
  // Random texts round-trip, including big ones that fall back to words.
  let seed = 7;
  const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  for (const length of [20, 300, 6000]) {
    const a = Array.from({ length }, () => 'ab cd\n'[rnd(6)]).join('');
    const b = Array.from({ length }, () => 'ab ce\n'[rnd(6)]).join('');
    const parts = diffText(a, b);
    assert.equal(joined(parts, 'removed'), a);
    assert.equal(joined(parts, 'added'), b);
  }
});

test('turnDiff: text parts, who and when, and the IoU of the original and the edited crop in original pixels', () => {
  const t = chain();
  const moved = applyEdit(t, { kind: 'setBox', turn: 0, bbox: [0.5, 0.5, 1.0, 0.75] }, ctx).trajectory;
  const d = turnDiff(moved, 0, size);
  assert.equal(d.original, t.turns[0]!.text);
  assert.equal(d.edited, moved.turns[0]!.text);
  assert.equal(joined(d.parts, 'removed'), d.original);
  assert.equal(joined(d.parts, 'added'), d.edited);
  // [2000,1500,3999,2999] against [2000,1500,3999,2250]: half the height.
  assert.equal(d.boxIoU, boxIoU([2000, 1500, 3999, 2999], [2000, 1500, 3999, 2250]));
  assert.ok(Math.abs(d.boxIoU! - 750 / 1499) < 1e-12);
  assert.equal(d.by, 'ann');
  const unedited = turnDiff(moved, 1, size);
  assert.equal(unedited.original, null);
  assert.equal(unedited.boxIoU, null);
  assert.equal(turnDiff(moved, 0, null).boxIoU, null);
});

test('edit log: JSON round trip, replay after a reload, refusal when the file changed', () => {
  const start = new Map([[3, chain()], [5, chain({ id: 'probe-1#1' })]]);
  const ops: [number, EditOp][] = [
    [3, { kind: 'setBox', turn: 0, bbox: [0.4, 0.4, 0.9, 0.95] }],
    [5, { kind: 'setReview', status: 'rejected' }],
    [3, { kind: 'setTurnText', turn: 1, text: 'rewritten' }],
    [3, { kind: 'deleteTurn', turn: 2 }],
  ];
  const entries: EditLogEntry[] = [];
  const live = new Map(start);
  for (const [line, op] of ops) {
    const author = entries.length % 2 ? later : ctx.author;
    const r = applyEdit(live.get(line)!, op, { author, originalSize: size });
    live.set(line, r.trajectory);
    entries.push({ line, op, inverse: r.inverse, label: r.label, author, originalSize: size });
  }
  const parsed = parseEditLog(serializeEditLog(entries));
  assert.deepEqual(parsed, entries);
  const replayed = replayEditLog(start, parsed);
  assert.equal(JSON.stringify(replayed.get(3)), JSON.stringify(live.get(3)));
  assert.equal(JSON.stringify(replayed.get(5)), JSON.stringify(live.get(5)));
  assert.equal(JSON.stringify(start.get(3)), JSON.stringify(chain()), 'the loaded trajectories are not touched');

  const changedOnDisk = new Map(start);
  changedOnDisk.set(3, { ...chain(), turns: chain().turns.map((x, i) => (i === 0 ? { text: x.text.replace('bottom', 'lower') } : x)) });
  assert.throws(() => replayEditLog(changedOnDisk, parsed), (e: unknown) => e instanceof EditLogError && /edit 0 \("Move box of turn 0"\) on line 3: the trajectory differs/.test(e.message));
  assert.throws(() => replayEditLog(new Map([[5, chain()]]), parsed), /line 3 holds no trajectory/);
  assert.throws(() => parseEditLog('{"format":"mini-o3-studio/edit-log@1","entries":[{"line":0}]}', 'backup.json'), /backup\.json: entries\.0\.line is missing or malformed/);
  assert.throws(() => parseEditLog('nope', 'backup.json'), /backup\.json: not JSON/);
});
