import type { Box4 } from '../../src/core/trajectory/schema';

/** Which part of a box a drag holds: the body moves it, a corner or an edge resizes it. */
export type DragHandle = 'move' | 'n' | 's' | 'e' | 'w' | 'ne' | 'nw' | 'se' | 'sw';

export const RESIZE_HANDLES: readonly Exclude<DragHandle, 'move'>[] = ['nw', 'n', 'ne', 'e', 'se', 's', 'sw', 'w'];

export interface Space {
  width: number;
  height: number;
}

/** Smallest box side a drag may leave, in source pixels (Mini-o3 rejects tiny crops anyway; this keeps the box grabbable). */
const MIN_SIDE_PX = 2;

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** The box after dragging `handle` by (dx, dy) source pixels, kept inside the image and at least MIN_SIDE_PX wide and high. */
export function dragBox(start: Box4, handle: DragHandle, dx: number, dy: number, space: Space): Box4 {
  let [x0, y0, x1, y1] = start;
  if (handle === 'move') {
    const w = x1 - x0;
    const hgt = y1 - y0;
    const nx = clamp(x0 + dx, 0, Math.max(0, space.width - w));
    const ny = clamp(y0 + dy, 0, Math.max(0, space.height - hgt));
    return [nx, ny, nx + w, ny + hgt];
  }
  if (handle.includes('w')) x0 = clamp(x0 + dx, 0, x1 - MIN_SIDE_PX);
  if (handle.includes('e')) x1 = clamp(x1 + dx, x0 + MIN_SIDE_PX, space.width);
  if (handle.includes('n')) y0 = clamp(y0 + dy, 0, y1 - MIN_SIDE_PX);
  if (handle.includes('s')) y1 = clamp(y1 + dy, y0 + MIN_SIDE_PX, space.height);
  return [x0, y0, x1, y1];
}

/** Keyboard nudges: arrows move by 1% of the image, shift+arrows grow or shrink the right/bottom edge by 1%. */
export function nudgeBox(box: Box4, key: string, resize: boolean, space: Space): Box4 | null {
  const stepX = space.width / 100;
  const stepY = space.height / 100;
  const delta: Record<string, [number, number]> = { ArrowLeft: [-stepX, 0], ArrowRight: [stepX, 0], ArrowUp: [0, -stepY], ArrowDown: [0, stepY] };
  const d = delta[key];
  if (!d) return null;
  return dragBox(box, resize ? 'se' : 'move', d[0], d[1], space);
}

/** Rounds to whole pixels (the UI drags in the source's pixel space). */
export function roundBox(box: Box4): Box4 {
  return [Math.round(box[0]), Math.round(box[1]), Math.round(box[2]), Math.round(box[3])];
}

/**
 * Source pixels to Mini-o3's relative coordinates of the same source. Mini-o3 turns them back with
 * `int(r * side)` (truncation), so each value is the smallest decimal in [p/side, (p+1)/side): three
 * decimals where that interval holds one (sources up to 1000 px), more on larger sources.
 */
export function toRelative(box: Box4, space: Space): [number, number, number, number] {
  return [
    relativeEdge(box[0], space.width),
    relativeEdge(box[1], space.height),
    relativeEdge(box[2], space.width),
    relativeEdge(box[3], space.height),
  ];
}

function relativeEdge(pixel: number, side: number): number {
  const size = Math.max(1, side);
  const p = clamp(Math.round(pixel), 0, size);
  for (let decimals = 3; decimals <= 7; decimals++) {
    const scale = 10 ** decimals;
    const k = Math.ceil((p * scale) / size - 1e-9);
    // k/scale * size can land a hair below p in floating point; the next step up is still inside.
    for (const r of [k / scale, (k + 1) / scale]) if (Math.trunc(r * size) === p) return r;
  }
  return p / size;
}

export function sameBox(a: Box4, b: Box4): boolean {
  return a.every((v, i) => v === b[i]);
}

/** Where a handle sits on the box, in the box's space. */
export function handlePoint(box: Box4, handle: Exclude<DragHandle, 'move'>): [number, number] {
  const [x0, y0, x1, y1] = box;
  const x = handle.includes('w') ? x0 : handle.includes('e') ? x1 : (x0 + x1) / 2;
  const y = handle.includes('n') ? y0 : handle.includes('s') ? y1 : (y0 + y1) / 2;
  return [x, y];
}
