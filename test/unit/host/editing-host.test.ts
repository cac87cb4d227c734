import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEdit, parseEditLog, serializeEditLog, type EditOp } from '../../../src/core/edit';
import type { Trajectory } from '../../../src/core/trajectory/schema';
import { EditedLines } from '../../../src/core/view/edited-lines';
import { resolveAnnotatorName } from '../../../src/host/annotator';
import { restoreEditLog } from '../../../src/host/editor/document-backup';
import { decideExternalChange, externalChangeChoice, EXTERNAL_CHANGE_CHOICES } from '../../../src/host/editor/external-change';
import { answer, chain, crop, size } from '../edit/fixtures';

const ann = { name: 'ann', at: '2025-01-02T03:04:05.000Z' };

function record(edits: EditedLines, values: Map<number, Trajectory>, line: number, op: EditOp) {
  const before = values.get(line)!;
  const result = applyEdit(before, op, { author: ann, originalSize: size });
  values.set(line, result.trajectory);
  return edits.push({ line, op, inverse: result.inverse, label: result.label, author: ann, originalSize: size, before, after: result.trajectory });
}

test('hot-exit backup: the edit log in effect round-trips through the edit model format and restores the same trajectories', async () => {
  const file = new Map<number, Trajectory>([[1, chain()], [3, chain({ id: 'other' })]]);
  const shown = new Map(file);
  const edits = new EditedLines();
  record(edits, shown, 1, { kind: 'setReview', status: 'accepted' });
  const undone = record(edits, shown, 3, { kind: 'setNotes', notes: 'drop me' });
  edits.undo(undone);
  shown.set(3, undone.before);
  record(edits, shown, 1, { kind: 'setBox', turn: 0, bbox: [0.1, 0.1, 0.6, 0.6], source: 'original_image' });

  const { entries, undoneSavedEdits } = edits.logSinceSave();
  assert.equal(undoneSavedEdits, 0);
  assert.deepEqual(entries.map((e) => e.op.kind), ['setReview', 'setBox'], 'the undone edit is not in the log');
  const parsed = parseEditLog(serializeEditLog(entries), 'backup');
  const restored = await restoreEditLog(parsed, async (line) => file.get(line) ?? null, 'demo.traj.jsonl');
  assert.deepEqual(restored.failures, []);
  assert.deepEqual(restored.applied.at(-1)!.after, shown.get(1), 'restoring gives exactly what was shown');
});

test('restoring over a changed file applies what still applies and reports the rest with file, line and label', async () => {
  const file = new Map<number, Trajectory>([[1, chain()], [2, chain({ id: 'two' })]]);
  const shown = new Map(file);
  const edits = new EditedLines();
  record(edits, shown, 1, { kind: 'setTurnText', turn: 1, text: answer('K7Q3') });
  record(edits, shown, 1, { kind: 'setReview', status: 'accepted' });
  record(edits, shown, 2, { kind: 'setReview', status: 'rejected' });
  const log = parseEditLog(serializeEditLog(edits.logSinceSave().entries));
  // Since the backup, someone else rewrote line 1's second turn.
  const changed = new Map(file);
  const line1 = structuredClone(file.get(1)!);
  line1.turns[1]!.text = crop([0.2, 0.2, 0.4, 0.4], 'original_image');
  changed.set(1, line1);
  const restored = await restoreEditLog(log, async (line) => changed.get(line) ?? null, 'demo.traj.jsonl');
  assert.deepEqual(restored.applied.map((a) => a.entry.line), [2]);
  assert.equal(restored.failures.length, 2);
  assert.match(restored.failures[0]!.reason, /^demo\.traj\.jsonl:1: "Edit turn 1.*": .*(changed since|no longer applies)/);
  assert.match(restored.failures[1]!.reason, /skipped, an earlier edit of this line did not apply/);
  const gone = await restoreEditLog(log, async () => null, 'demo.traj.jsonl');
  assert.match(gone.failures[0]!.reason, /the line is gone/);
});

test('external change: ignore our own save, reload when clean, ask when dirty; dismissing the question keeps the edits', () => {
  assert.equal(decideExternalChange({ changedOnDisk: true, dirty: false, saving: false }), 'reload');
  assert.equal(decideExternalChange({ changedOnDisk: true, dirty: true, saving: false }), 'ask');
  assert.equal(decideExternalChange({ changedOnDisk: false, dirty: true, saving: false }), 'ignore');
  assert.equal(decideExternalChange({ changedOnDisk: true, dirty: true, saving: true }), 'ignore');
  assert.deepEqual(EXTERNAL_CHANGE_CHOICES.map(externalChangeChoice), ['reload', 'keep', 'compare']);
  assert.equal(externalChangeChoice(undefined), 'keep');
});

test('annotator name: the setting, else git user.name, else the OS user; blanks and non-strings skip to the next', async () => {
  const sources = (setting: unknown, git: string | null, os: string) => ({ setting, gitUserName: async () => git, osUserName: () => os });
  assert.deepEqual(await resolveAnnotatorName(sources(' Ann ', 'Git Name', 'osuser')), { name: 'Ann', source: 'setting' });
  assert.deepEqual(await resolveAnnotatorName(sources('  ', 'Git Name', 'osuser')), { name: 'Git Name', source: 'git' });
  assert.deepEqual(await resolveAnnotatorName(sources(42, null, 'osuser')), { name: 'osuser', source: 'os' });
  const failing = { setting: undefined, gitUserName: () => Promise.reject(new Error('no git')), osUserName: () => { throw new Error('no passwd entry'); } };
  assert.deepEqual(await resolveAnnotatorName(failing), { name: 'unknown annotator', source: 'fallback' });
});
