import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyEdit, type EditOp } from '../../../src/core/edit';
import { parseAssistantTurn } from '../../../src/core/protocol';
import { DatasetModel } from '../../../src/core/view/dataset-model';
import { EditedLines, type EditEntry } from '../../../src/core/view/edited-lines';
import type { RowSummary } from '../../../src/protocol';
import { sampleDataset, variant } from './fixtures';

const author = { name: 'ann', at: '2025-01-02T03:04:05.000Z' };
const accepted = { filter: { reviewStatuses: ['accepted' as const] }, sort: { key: 'line' as const, descending: false }, offset: 0, limit: 100 };

/** The sample plus a line with an unknown field, a broken line and CRLF-free bytes we can compare. */
async function editableFile() {
  const sample = await sampleDataset((first) => [variant(first, 'with-extra', (t) => Object.assign(t, { x_unknown: { keep: [1, 'two'] } })), '{"broken": ']);
  return { ...sample, bytes: readFileSync(sample.file) };
}

async function edit(model: DatasetModel, edits: EditedLines, line: number, op: EditOp): Promise<EditEntry> {
  const target = await model.editTarget(line);
  const originalSize = target.originalSize!;
  const result = applyEdit(target.trajectory, op, { author, originalSize });
  await model.setEditedLine(line, result.trajectory);
  return edits.push({ line, op, inverse: result.inverse, label: result.label, author, originalSize, before: target.trajectory, after: result.trajectory });
}

const lineBytes = (buffer: Buffer) => buffer.toString('utf8').split('\n');

test('edited lines show through the dataset model; undo back to the file drops the overlay; save rewrites only the edited line', async () => {
  const { file, bytes } = await editableFile();
  const model = await DatasetModel.open(file);
  const edits = new EditedLines();
  try {
    await model.indexed;
    const changes: RowSummary[] = [];
    model.onRowChanged(({ summary }) => changes.push(summary));
    const entry = await edit(model, edits, 2, { kind: 'setReview', status: 'accepted' });
    assert.equal(edits.dirty, true);
    assert.deepEqual(model.query(accepted).rows.map((r) => r.line), [2], 'the row index sees the edited review status');
    assert.equal((await model.trajectoryView(2)).reviewStatus, 'accepted');
    assert.equal(changes.at(-1)?.reviewStatus, 'accepted', 'onRowChanged carries the edited summary (trajectoryChanged)');

    edits.undo(entry);
    await model.setEditedLine(2, edits.get(2) ?? null);
    assert.equal(edits.dirty, false, 'undo back to the saved state is clean');
    assert.equal(edits.has(2), false, "undoing to the file's own line drops the overlay");
    assert.deepEqual(model.query(accepted).rows, []);

    edits.redo(entry);
    await model.setEditedLine(2, edits.get(2)!);
    assert.equal(edits.dirty, true);
    await model.saveEdits(edits.changes());
    edits.resetToFile();
    assert.equal(edits.dirty, false);

    const before = lineBytes(bytes);
    const after = lineBytes(readFileSync(file));
    assert.equal(after.length, before.length, 'line count kept');
    for (let i = 0; i < before.length; i++) {
      if (i === 1) continue;
      assert.equal(after[i], before[i], `line ${i + 1} must be byte-identical after the save`);
    }
    assert.equal(JSON.parse(after[1]!).review.status, 'accepted');
    assert.equal(JSON.parse(after[1]!).review.by, 'ann');
    assert.equal(await model.changedOnDisk(), false, 'the model follows its own save');
    assert.deepEqual(model.query(accepted).rows.map((r) => r.line), [2]);

    // Undo past the save: the document is dirty again and shows the pre-save value.
    edits.undo(entry);
    await model.setEditedLine(2, edits.get(2) ?? null);
    assert.equal(edits.dirty, true);
    assert.equal((await model.trajectoryView(2)).reviewStatus, 'unreviewed');
    const backup = edits.logSinceSave();
    assert.equal(backup.undoneSavedEdits, 1, 'an op log cannot express undoing a saved edit; it is counted');
  } finally {
    await model.close();
  }
});

test('save refuses when the file changed on disk; Save As writes the document (edits, unknown fields, broken lines) to another path', async () => {
  const { file, bytes, dir } = await editableFile();
  const model = await DatasetModel.open(file);
  const edits = new EditedLines();
  try {
    await model.indexed;
    await edit(model, edits, 1, { kind: 'setNotes', notes: 'looks right' });
    const external = Buffer.concat([bytes, Buffer.from('{"appended": true}\n')]);
    writeFileSync(file, external);
    assert.equal(await model.changedOnDisk(), true);
    await assert.rejects(model.saveEdits(edits.changes()), /changed on disk since it was opened/);
    assert.deepEqual(readFileSync(file), external, 'the refused save left the file alone');

    const copy = join(dir, 'copy.traj.jsonl');
    await model.saveEditedCopy(copy, edits.changes());
    const original = lineBytes(bytes);
    const copied = lineBytes(readFileSync(copy));
    assert.equal(copied.length, original.length, 'the copy is the document as read, not the changed file');
    assert.equal(JSON.parse(copied[0]!).review.notes, 'looks right');
    for (let i = 1; i < original.length; i++) assert.equal(copied[i], original[i], `line ${i + 1} of the copy keeps its bytes`);
    assert.ok(copied.some((l) => l.includes('"x_unknown"')) && copied.includes('{"broken": '));
  } finally {
    await model.close();
  }
});

test('moving a crop marks the later turns that crop from it stale', async () => {
  const { file, trajectories } = await editableFile();
  const index = trajectories.findIndex((t) => t.turns.length > 2 && parseAssistantTurn(t.turns[1]!.text).grounding?.source === 'observation_1');
  assert.ok(index >= 0, 'the sample has a crop of a crop');
  const line = index + 1;
  const model = await DatasetModel.open(file);
  const edits = new EditedLines();
  try {
    await model.indexed;
    assert.equal((await model.trajectoryView(line)).turns.some((t) => t.stale), false);
    await edit(model, edits, line, { kind: 'setBox', turn: 0, bbox: [0, 0, 0.5, 0.5], source: 'original_image' });
    const view = await model.trajectoryView(line);
    assert.equal(view.turns[0]!.edited, true);
    assert.equal(view.turns[1]!.stale, true, 'turn 1 crops observation_1, which moved');
  } finally {
    await model.close();
  }
});
