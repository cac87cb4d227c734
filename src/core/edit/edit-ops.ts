import type { Box4, ReviewStatus } from '../trajectory/schema';

/**
 * Every change an annotator can make to one trajectory, as data. The edit model
 * (`apply-edit.ts`) turns an op into a new trajectory plus its inverse, so VS Code's undo stack
 * and hot-exit backups can hold plain JSON. Turn indices are 0-based.
 */
export type EditOp =
  | { kind: 'setTurnText'; turn: number; text: string }
  /** Rewrites the `<answer>` of the final turn (adds one when missing). */
  | { kind: 'setAnswer'; text: string }
  /** Moves/resizes the turn's crop: relative to `source` (default: the call's current source); rewrites the grounding JSON. */
  | { kind: 'setBox'; turn: number; bbox: [number, number, number, number]; source?: string }
  | { kind: 'setSource'; turn: number; source: string }
  | { kind: 'insertTurn'; at: number; text: string }
  | { kind: 'deleteTurn'; turn: number }
  /** Drops every turn after `turn` (the "truncate after this turn" action for stale turns). */
  | { kind: 'truncateAfter'; turn: number }
  /** Restores the turn's original text from its provenance. */
  | { kind: 'revertTurn'; turn: number }
  | { kind: 'setReview'; status: ReviewStatus }
  | { kind: 'toggleLabel'; label: string }
  | { kind: 'setNotes'; notes: string };

/** Who made an edit and when: stored on edited turns and on the review. */
export interface EditAuthor {
  name: string;
  /** ISO time. */
  at: string;
}

/** A box in the named image's pixels, for UIs that drag in pixel space. */
export interface PixelBoxEdit {
  turn: number;
  source: string;
  pixelBox: Box4;
}
