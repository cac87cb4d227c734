import type { Size } from '../geometry/boxes';
import { replayTrajectory } from '../protocol/replay';
import type { StatusLabel, Trajectory } from '../trajectory/schema';
import { staleTurns } from './stale';

export interface StatusAfterEdit {
  status: StatusLabel;
  answer: string | null;
  turns: StatusLabel[];
  /** Turns resting on an edited earlier crop (TurnView.stale). */
  stale: number[];
}

/** The labels an edited trajectory replays to, for the list and the detail view to refresh. */
export function statusAfterEdit(t: Trajectory, originalSize: Size): StatusAfterEdit {
  const replay = replayTrajectory(t, { originalSize });
  return {
    status: replay.status,
    answer: replay.answer,
    turns: replay.turns.map((r) => r.status),
    stale: staleTurns(t, originalSize),
  };
}
