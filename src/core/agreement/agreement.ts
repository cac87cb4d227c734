import { provenanceOf } from '../edit/provenance';
import { boxIoU, type Size } from '../geometry/boxes';
import { replayTrajectory } from '../protocol/replay';
import { reviewStatusOf, type ReviewStatus, type Trajectory } from '../trajectory/schema';
import { reviewKappa, type KappaResult } from './kappa';
import { levenshtein } from './levenshtein';

/** One annotator's trajectory and the pixel size of its original image (null when unknown). */
export interface AnnotatedTrajectory {
  trajectory: Trajectory;
  originalSize: Size | null;
}

export interface Spread {
  count: number;
  mean: number | null;
  median: number | null;
}

export interface AgreementReport {
  matched: number;
  onlyInA: string[];
  onlyInB: string[];
  /** Ids that occur more than once in a file: the first occurrence is compared. */
  duplicateIds: string[];
  review: KappaResult;
  /** IoU in original pixels of the crops on turns both annotators edited (and both left a crop). */
  boxIoU: Spread;
  /** Turns both edited where the IoU could not be measured (not both crops, or the image size unknown). */
  boxesUnmeasured: number;
  /** Levenshtein distance of the turn texts both annotators edited. */
  textDistance: Spread;
  /** The same over the longer text's length (0 identical .. 1). */
  textDistanceNormalized: Spread;
  /** True when some distance was cut at the length cap (then it is an upper bound). */
  textDistanceCapped: boolean;
}

/** Compares two annotators' passes over the same trajectories, matched by id. */
export function computeAgreement(a: readonly AnnotatedTrajectory[], b: readonly AnnotatedTrajectory[]): AgreementReport {
  const duplicateIds = new Set<string>();
  const byIdA = byId(a, duplicateIds);
  const byIdB = byId(b, duplicateIds);
  const statuses: [ReviewStatus, ReviewStatus][] = [];
  const ious: number[] = [];
  const distances: number[] = [];
  const normalized: number[] = [];
  let unmeasured = 0;
  let capped = false;
  for (const [id, x] of byIdA) {
    const y = byIdB.get(id);
    if (!y) continue;
    statuses.push([reviewStatusOf(x.trajectory), reviewStatusOf(y.trajectory)]);
    const size = x.originalSize ?? y.originalSize;
    const boxesX = size ? replayTrajectory(x.trajectory, { originalSize: size }).turns : [];
    const boxesY = size ? replayTrajectory(y.trajectory, { originalSize: size }).turns : [];
    const turns = Math.min(x.trajectory.turns.length, y.trajectory.turns.length);
    for (let i = 0; i < turns; i++) {
      const tx = x.trajectory.turns[i]!;
      const ty = y.trajectory.turns[i]!;
      if (!provenanceOf(tx) || !provenanceOf(ty)) continue;
      const d = levenshtein(tx.text, ty.text);
      capped ||= !d.exact;
      distances.push(d.distance);
      const longest = Math.max(tx.text.length, ty.text.length);
      normalized.push(longest === 0 ? 0 : d.distance / longest);
      const bx = boxesX[i]?.boxInOriginal;
      const by = boxesY[i]?.boxInOriginal;
      if (bx && by) ious.push(boxIoU(bx, by));
      else unmeasured++;
    }
  }
  return {
    matched: statuses.length,
    onlyInA: [...byIdA.keys()].filter((id) => !byIdB.has(id)),
    onlyInB: [...byIdB.keys()].filter((id) => !byIdA.has(id)),
    duplicateIds: [...duplicateIds],
    review: reviewKappa(statuses),
    boxIoU: spread(ious),
    boxesUnmeasured: unmeasured,
    textDistance: spread(distances),
    textDistanceNormalized: spread(normalized),
    textDistanceCapped: capped,
  };
}

function byId(list: readonly AnnotatedTrajectory[], duplicates: Set<string>): Map<string, AnnotatedTrajectory> {
  const map = new Map<string, AnnotatedTrajectory>();
  for (const item of list) {
    if (map.has(item.trajectory.id)) duplicates.add(item.trajectory.id);
    else map.set(item.trajectory.id, item);
  }
  return map;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { count: 0, mean: null, median: null };
  const sorted = [...values].sort((p, q) => p - q);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { count: values.length, mean: values.reduce((s, v) => s + v, 0) / values.length, median };
}
