import type { Box4 } from '../trajectory/schema';

export interface Size {
  width: number;
  height: number;
}

/** Python's int(): truncation toward zero. */
export function pyInt(x: number): number {
  return Math.trunc(x);
}

/**
 * Relative (0..1) box of a source image -> pixel box, exactly as Mini-o3's
 * `prepare_grounding_inputs_multi_turn` does it: scale, `int()`, clamp x0,y0 at 0 and
 * x1,y1 at w-1,h-1. The result is what goes to PIL `crop`, i.e. the rectangle [x0,x1) x [y0,y1).
 * Validity (x0 <= x1-1 ...) is checked by the caller, since Mini-o3 reports it as an error.
 */
export function relativeToPixel(bbox: readonly number[], size: Size): Box4 {
  const [a = NaN, b = NaN, c = NaN, d = NaN] = bbox;
  const { width: w, height: h } = size;
  const x0 = pyInt(a * w);
  const y0 = pyInt(b * h);
  const x1 = pyInt(c * w);
  const y1 = pyInt(d * h);
  return [Math.max(x0, 0), Math.max(y0, 0), Math.min(x1, w - 1), Math.min(y1, h - 1)];
}

/** Pixel box of an image -> relative box of the same image (no rounding). */
export function pixelToRelative(box: Box4, size: Size): Box4 {
  return [box[0] / size.width, box[1] / size.height, box[2] / size.width, box[3] / size.height];
}

/**
 * Mini-o3 crops are plain crops with no resize (`crop_image(..., resize=1)`), so a box in
 * observation N's pixels maps to the original by a translation by N's own origin.
 */
export function composeToOriginal(sourceRectInOriginal: Box4, pixelBoxInSource: Box4): Box4 {
  const [ox, oy] = sourceRectInOriginal;
  return [
    ox + pixelBoxInSource[0],
    oy + pixelBoxInSource[1],
    ox + pixelBoxInSource[2],
    oy + pixelBoxInSource[3],
  ];
}

export function boxSize(box: Box4): Size {
  return { width: box[2] - box[0], height: box[3] - box[1] };
}

export function boxArea(box: Box4): number {
  const { width, height } = boxSize(box);
  return Math.max(0, width) * Math.max(0, height);
}

/** Intersection over union of two boxes in the same space. */
export function boxIoU(a: Box4, b: Box4): number {
  const inter: Box4 = [Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])];
  const i = inter[2] > inter[0] && inter[3] > inter[1] ? boxArea(inter) : 0;
  const u = boxArea(a) + boxArea(b) - i;
  return u > 0 ? i / u : 0;
}

/** True when `inner` lies entirely inside `outer` (same space). */
export function boxContains(outer: Box4, inner: Box4): boolean {
  return inner[0] >= outer[0] && inner[1] >= outer[1] && inner[2] <= outer[2] && inner[3] <= outer[3];
}

/** Mini-o3's `source` names: 0 is the raw original, N >= 1 is the N-th successful crop. */
export function sourceName(index: number): string {
  return index === 0 ? 'original_image' : `observation_${index}`;
}
