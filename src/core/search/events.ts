import type { Size } from '../geometry/boxes';
import type { TurnAction } from '../protocol/replay';
import type { Box4, StatusLabel, Trajectory } from '../trajectory/schema';

/**
 * What a running search reports, in order: per generated turn `turnStarted`, its text as it
 * streams (`textDelta`; a `turnRestarted` voids the deltas before it when the backend retried
 * a dropped stream), `cropMade` when the turn's call produced an observation, `turnFinished`
 * with a snapshot of the trajectory so far; finally `trajectoryFinished` once, whatever the end.
 * Snapshots are copies: listeners may keep them.
 */
export type SearchEvent =
  | { type: 'turnStarted'; turn: number }
  | { type: 'textDelta'; turn: number; delta: string }
  | { type: 'turnRestarted'; turn: number }
  | {
      type: 'cropMade';
      turn: number;
      /** 1-based: `observation_N`. */
      observationIndex: number;
      rectInOriginal: Box4;
      /** The crop before the resize (what `observation_N` coordinates refer to). */
      size: Size;
      /** The crop as the model sees it. */
      modelSize: Size;
    }
  | { type: 'turnFinished'; turn: number; action: TurnAction; status: StatusLabel; trajectory: Trajectory }
  | { type: 'trajectoryFinished'; trajectory: Trajectory };

export type SearchEventListener = (event: SearchEvent) => void;
