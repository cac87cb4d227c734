import type { Outcome, Review, Trajectory, Turn } from '../trajectory/schema';

/**
 * The undo of an edit, as plain JSON: which turns to put back, which top-level fields to restore
 * and the key order the trajectory had, so that restoring gives back the exact previous bytes.
 * Applying a snapshot yields the snapshot that undoes it (the redo).
 */
export interface InverseSnapshot {
  kind: 'snapshot';
  /** Replace `count` turns of the current trajectory, starting at `from`, with `items`. */
  turns?: { from: number; count: number; items: Turn[] };
  /** Top-level fields to restore; null: the field was absent. */
  fields?: { review?: Review | null; outcome?: Outcome | null };
  /** Top-level keys in the order they had. */
  keyOrder: string[];
}

export type SnapshotField = keyof NonNullable<InverseSnapshot['fields']>;

/** Applies a snapshot (an inverse, or a change in the same shape) without touching `t`. */
export function applySnapshot(t: Trajectory, snapshot: InverseSnapshot): { trajectory: Trajectory; inverse: InverseSnapshot } {
  const working: Record<string, unknown> = { ...t };
  const inverse: InverseSnapshot = { kind: 'snapshot', keyOrder: Object.keys(t) };
  if (snapshot.turns) {
    const { from, count, items } = snapshot.turns;
    if (!Number.isInteger(from) || !Number.isInteger(count) || from < 0 || count < 0 || from + count > t.turns.length) {
      throw new RangeError(`snapshot replaces turns ${from}..${from + count - 1} of a trajectory with ${t.turns.length} turns`);
    }
    const removed = t.turns.slice(from, from + count);
    working.turns = [...t.turns.slice(0, from), ...items.map(copyOf), ...t.turns.slice(from + count)];
    inverse.turns = { from, count: items.length, items: removed.map(copyOf) };
  }
  if (snapshot.fields) {
    inverse.fields = {};
    for (const key of Object.keys(snapshot.fields) as SnapshotField[]) {
      const value = snapshot.fields[key];
      const before = (t as Record<string, unknown>)[key];
      (inverse.fields as Record<string, unknown>)[key] = before === undefined ? null : copyOf(before);
      if (value === null || value === undefined) delete working[key];
      else working[key] = copyOf(value);
    }
  }
  const ordered: Record<string, unknown> = {};
  for (const key of snapshot.keyOrder) if (key in working) ordered[key] = working[key];
  for (const key of Object.keys(working)) if (!(key in ordered)) ordered[key] = working[key];
  return { trajectory: ordered as Trajectory, inverse };
}

function copyOf<T>(value: T): T {
  return structuredClone(value);
}
