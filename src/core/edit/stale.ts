import type { Size } from '../geometry/boxes';
import { replayTrajectory, type TrajectoryReplay } from '../protocol/replay';
import type { Trajectory } from '../trajectory/schema';
import { provenanceOf, reverted } from './provenance';

/**
 * Turns at or after `from` whose input image changed between two replays of the same turns:
 * the call's source is an observation whose rectangle moved (the edited crop, or a crop of it,
 * which moves with it), or a source that existed before and no longer does. A later turn that
 * crops the original image is not affected, whatever earlier crops did.
 */
export function turnsWithChangedInput(before: TrajectoryReplay, after: TrajectoryReplay, from: number): number[] {
  const stale: number[] = [];
  for (let j = Math.max(0, from); j < after.turns.length; j++) {
    const now = after.turns[j]!;
    const then = before.turns[j];
    if (now.sourceIndex === undefined) {
      if (then?.sourceIndex !== undefined && then.sourceIndex > 0 && now.action === 'error') stale.push(j);
      continue;
    }
    if (now.sourceIndex === 0) continue;
    const madeBy = after.observations[now.sourceIndex]!.turn;
    const rectNow = after.observations[now.sourceIndex]!.rectInOriginal;
    const rectThen = before.turns[madeBy]?.boxInOriginal;
    const thenObservation = before.turns[madeBy]?.observationIndex;
    if (!rectThen || thenObservation === undefined || !sameBox(rectNow, rectThen)) stale.push(j);
  }
  return stale;
}

/**
 * Turns whose input rests on an edited earlier crop, judged against the trajectory as it was
 * before any edit (each edited turn's provenance holds its original text, box and source).
 * A turn edited after every edit that feeds it counts as reviewed, not stale.
 */
export function staleTurns(t: Trajectory, originalSize: Size): number[] {
  const editedAt = t.turns.map((turn) => { const edit = provenanceOf(turn); return edit ? (edit.at ?? '') : null; });
  if (editedAt.every((at) => at === null)) return [];
  const original: Trajectory = { ...t, turns: t.turns.map(reverted) };
  const before = replayTrajectory(original, { originalSize });
  const after = replayTrajectory(t, { originalSize });
  return turnsWithChangedInput(before, after, 0).filter((j) => {
    const own = editedAt[j];
    if (own === null || own === undefined) return true;
    const upstream = editedAt.slice(0, j).filter((at): at is string => at !== null);
    return upstream.some((at) => at > own);
  });
}

function sameBox(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
