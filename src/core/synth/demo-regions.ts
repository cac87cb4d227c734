import type { Box4 } from '../trajectory/schema';
import { boxesOverlap } from './sign';
import type { Rng } from './random';

/**
 * Region planning for the scripted demonstrator: crop windows in original-image pixels
 * (x1/y1 exclusive, like PIL crop boxes) and the words a reasoning text uses for where
 * something lies.
 */

export function boxWidth(box: Box4): number {
  return box[2] - box[0];
}

export function boxHeight(box: Box4): number {
  return box[3] - box[1];
}

export function padBox(box: Box4, pad: number, bounds: Box4): Box4 {
  return clipBox([box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad], bounds);
}

export function clipBox(box: Box4, bounds: Box4): Box4 {
  return [
    Math.max(bounds[0], box[0]),
    Math.max(bounds[1], box[1]),
    Math.min(bounds[2], box[2]),
    Math.min(bounds[3], box[3]),
  ];
}

export function unionBox(a: Box4, b: Box4): Box4 {
  return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])];
}

/** Context kept around a sign inside any crop meant to show it whole. */
export function contextPad(box: Box4): number {
  return Math.max(6, Math.round(Math.min(boxWidth(box), boxHeight(box)) * 0.25));
}

/** One axis of a window: a start in [lo, hi - length] such that [start, start+length) holds [innerLo, innerHi). */
function placeAxis(rng: Rng, innerLo: number, innerHi: number, length: number, lo: number, hi: number): number {
  const earliest = Math.max(lo, innerHi - length);
  const latest = Math.min(innerLo, hi - length);
  if (latest <= earliest) return Math.max(lo, Math.min(earliest, hi - length));
  return rng.int(earliest, latest);
}

/**
 * A window of about `fraction` of `bounds` in each dimension that holds `inner` padded by
 * its context, at a seeded position (not centred: real searches rarely are), inside
 * `bounds`, clear of every `avoid` box when that is possible. Falls back to the padded
 * `inner` itself when no larger window stays clear.
 */
export function windowAround(
  rng: Rng,
  inner: Box4,
  bounds: Box4,
  fraction: readonly [number, number],
  avoid: readonly Box4[] = [],
): Box4 {
  const padded = padBox(inner, contextPad(inner), bounds);
  let scale = rng.float(fraction[0], fraction[1]);
  for (let attempt = 0; attempt < 24; attempt++) {
    const width = Math.min(boxWidth(bounds), Math.max(boxWidth(padded), Math.round(boxWidth(bounds) * scale)));
    const height = Math.min(boxHeight(bounds), Math.max(boxHeight(padded), Math.round(boxHeight(bounds) * scale)));
    const x0 = placeAxis(rng, padded[0], padded[2], width, bounds[0], bounds[2]);
    const y0 = placeAxis(rng, padded[1], padded[3], height, bounds[1], bounds[3]);
    const window: Box4 = [x0, y0, x0 + width, y0 + height];
    if (avoid.every((box) => !boxesOverlap(window, box))) return window;
    if (attempt % 3 === 2) scale *= 0.75;
  }
  return padded;
}

export type Quadrant = 'upper left' | 'upper right' | 'lower left' | 'lower right';

/** The quadrant of `bounds` that holds the centre of `box`. */
export function quadrantOf(box: Box4, bounds: Box4): Quadrant {
  const [cx, cy] = centre(box);
  const left = cx < (bounds[0] + bounds[2]) / 2;
  const upper = cy < (bounds[1] + bounds[3]) / 2;
  return `${upper ? 'upper' : 'lower'} ${left ? 'left' : 'right'}`;
}

/**
 * The quadrant of `bounds` holding `box`, widened toward the middle by `overlap` of the
 * bounds and, if the sign straddles the middle, far enough to hold it with its context.
 */
export function quadrantWindow(box: Box4, bounds: Box4, overlap: number): Box4 {
  const quadrant = quadrantOf(box, bounds);
  const midX = Math.round((bounds[0] + bounds[2]) / 2);
  const midY = Math.round((bounds[1] + bounds[3]) / 2);
  const extraX = Math.round(boxWidth(bounds) * overlap);
  const extraY = Math.round(boxHeight(bounds) * overlap);
  const left = quadrant.endsWith('left');
  const upper = quadrant.startsWith('upper');
  const window: Box4 = [
    left ? bounds[0] : midX - extraX,
    upper ? bounds[1] : midY - extraY,
    left ? midX + extraX : bounds[2],
    upper ? midY + extraY : bounds[3],
  ];
  return clipBox(unionBox(window, padBox(box, contextPad(box), bounds)), bounds);
}

const REGION_NAMES = [
  ['upper left', 'top centre', 'upper right'],
  ['left side', 'centre', 'right side'],
  ['lower left', 'bottom centre', 'lower right'],
] as const;

/** Where `box` lies within `bounds` on a 3x3 grid, e.g. "lower left", "centre". */
export function regionName(box: Box4, bounds: Box4): string {
  const [cx, cy] = centre(box);
  const column = Math.min(2, Math.max(0, Math.floor(((cx - bounds[0]) / boxWidth(bounds)) * 3)));
  const row = Math.min(2, Math.max(0, Math.floor(((cy - bounds[1]) / boxHeight(bounds)) * 3)));
  return REGION_NAMES[row]?.[column] ?? 'centre';
}

/** "near the lower left", "in the centre area", ... */
export function wherePhrase(rng: Rng, box: Box4, bounds: Box4): string {
  const name = regionName(box, bounds);
  if (name.endsWith('side')) return rng.pick([`on the ${name}`, `along the ${name}`, `toward the ${name}`]);
  if (name === 'centre') return rng.pick(['near the centre', 'close to the middle', 'in the middle']);
  return rng.pick([`near the ${name}`, `in the ${name} area`, `toward the ${name}`, `over in the ${name}`]);
}

function centre(box: Box4): [number, number] {
  return [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2];
}
