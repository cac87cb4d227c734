import type { ComparisonView } from '../../protocol';
import { diffText } from '../edit/text-diff';
import { boxIoU, type Size } from '../geometry/boxes';
import { replayTrajectory } from '../protocol/replay';
import type { Trajectory } from '../trajectory/schema';
import { levenshtein } from './levenshtein';

/**
 * Two trajectories of one task aligned by turn index, for the side-by-side view: the IoU of
 * the regions each chose (original-image pixels; null unless both turns crop, or without the
 * original's size), the edit distance of the texts and their diff. A turn only one has is
 * compared against empty text.
 */
export function compareTrajectories(a: Trajectory, b: Trajectory, originalSize: Size | null): ComparisonView['rows'] {
  const boxesA = originalSize ? replayTrajectory(a, { originalSize }).turns.map((r) => r.boxInOriginal) : [];
  const boxesB = originalSize ? replayTrajectory(b, { originalSize }).turns.map((r) => r.boxInOriginal) : [];
  const rows: ComparisonView['rows'] = [];
  for (let turn = 0; turn < Math.max(a.turns.length, b.turns.length); turn++) {
    const textA = a.turns[turn]?.text ?? '';
    const textB = b.turns[turn]?.text ?? '';
    const boxA = boxesA[turn];
    const boxB = boxesB[turn];
    rows.push({
      turn,
      iou: boxA && boxB ? boxIoU(boxA, boxB) : null,
      textDistance: levenshtein(textA, textB).distance,
      diff: diffText(textA, textB),
    });
  }
  return rows;
}
