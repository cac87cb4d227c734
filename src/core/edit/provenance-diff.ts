import type { TurnDiffView } from '../../protocol';
import { boxIoU, type Size } from '../geometry/boxes';
import { replayTrajectory } from '../protocol/replay';
import type { Trajectory } from '../trajectory/schema';
import { EditError } from './edit-error';
import { provenanceOf, reverted } from './provenance';
import { diffText } from './text-diff';

/**
 * Original against edited for one turn: a character diff of the text and, when both versions
 * crop, the IoU of the two crops in original-image pixels (the original crop is replayed on
 * the trajectory as it was before any edit, so earlier edits do not shift it).
 */
export function turnDiff(t: Trajectory, turn: number, originalSize: Size | null): TurnDiffView {
  const current = t.turns[turn];
  if (!current) throw new EditError(`turn ${turn} is out of range: the trajectory has ${t.turns.length} turns`);
  const edit = provenanceOf(current);
  if (!edit) return { turn, original: null, edited: current.text, parts: diffText(current.text, current.text), boxIoU: null, by: null, at: null };
  let iou: number | null = null;
  if (originalSize) {
    const before = replayTrajectory({ ...t, turns: t.turns.map(reverted) }, { originalSize }).turns[turn]?.boxInOriginal;
    const after = replayTrajectory(t, { originalSize }).turns[turn]?.boxInOriginal;
    if (before && after) iou = boxIoU(before, after);
  }
  return {
    turn,
    original: edit.original_text,
    edited: current.text,
    parts: diffText(edit.original_text, current.text),
    boxIoU: iou,
    by: edit.by ?? null,
    at: edit.at ?? null,
  };
}
