import type { ZoomState } from '../persisted-state';

/** Above this scale the tree shows turn numbers, crop boxes on parents and captions. */
export const DETAIL_SCALE = 0.8;
/** Above this scale thumbnails are fetched at a higher resolution. */
export const HIGH_RES_SCALE = 2.5;
export const MIN_SCALE = 0.05;
export const MAX_SCALE = 8;

export interface Extent {
  width: number;
  height: number;
}

export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export type DetailLevel = 'overview' | 'detail';

export function detailLevel(k: number): DetailLevel {
  return k > DETAIL_SCALE ? 'detail' : 'overview';
}

function clampScale(k: number): number {
  return Math.min(MAX_SCALE, Math.max(MIN_SCALE, k));
}

/** The transform that shows the whole layout centred in the viewport (never magnified past 1.5). */
export function fitTransform(content: Extent, viewport: Extent, padding = 24): ZoomState {
  const k = clampScale(Math.min((viewport.width - 2 * padding) / Math.max(1, content.width), (viewport.height - 2 * padding) / Math.max(1, content.height), 1.5));
  return { k, x: (viewport.width - content.width * k) / 2, y: (viewport.height - content.height * k) / 2 };
}

/** The transform that centres a point at scale `k`. */
export function centreOn(point: { x: number; y: number }, k: number, viewport: Extent): ZoomState {
  const scale = clampScale(k);
  return { k: scale, x: viewport.width / 2 - point.x * scale, y: viewport.height / 2 - point.y * scale };
}

/** The part of the layout the viewport shows, grown by `margin` layout units. */
export function visibleRect(t: ZoomState, viewport: Extent, margin = 0): Rect {
  return {
    x0: -t.x / t.k - margin,
    y0: -t.y / t.k - margin,
    x1: (viewport.width - t.x) / t.k + margin,
    y1: (viewport.height - t.y) / t.k + margin,
  };
}

export function contains(rect: Rect, point: { x: number; y: number }): boolean {
  return point.x >= rect.x0 && point.x <= rect.x1 && point.y >= rect.y0 && point.y <= rect.y1;
}

/** The largest size with the given aspect that fits in `box`. */
export function fitSize(size: Extent, box: Extent): Extent {
  if (size.width <= 0 || size.height <= 0) return box;
  const k = Math.min(box.width / size.width, box.height / size.height);
  return { width: size.width * k, height: size.height * k };
}
