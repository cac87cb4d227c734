import type { Box4 } from '../trajectory/schema';
import { fillRect, strokeRect, type RgbImage } from './canvas';
import { drawText, textHeight, textWidth } from './bitmap-font';
import { SIGN_COLOURS, textColourFor, type SignStyle } from './sign-content';

/**
 * One sign in a scene. Boxes are [x0, y0, x1, y1] in image pixels with x1/y1 exclusive, the
 * way PIL's `crop` reads them, so `x1 - x0` is the width.
 */
export interface SynthSign extends SignStyle {
  role: 'target' | 'distractor';
  text: string;
  /** The sign board itself, border included: the ground-truth box of a target. */
  box: Box4;
  /** Top-left corner of the first glyph. */
  textOrigin: [number, number];
  /** Size of one font cell in pixels. */
  scale: number;
  borderWidth: number;
  /** The pole under the board, or null when the board has none. */
  post: Box4 | null;
}

export interface SignSize {
  width: number;
  height: number;
  borderWidth: number;
  padding: number;
}

export function measureSign(text: string, scale: number): SignSize {
  const borderWidth = Math.max(2, scale);
  const padding = 2 * scale;
  const inset = borderWidth + padding;
  return {
    width: textWidth(text, scale) + 2 * inset,
    height: textHeight(scale) + 2 * inset,
    borderWidth,
    padding,
  };
}

/** Everything the sign paints, board and post: what must stay clear of other signs. */
export function signFootprint(sign: SynthSign): Box4 {
  const [x0, y0, x1, y1] = sign.box;
  if (!sign.post) return [x0, y0, x1, y1];
  return [Math.min(x0, sign.post[0]), y0, Math.max(x1, sign.post[2]), Math.max(y1, sign.post[3])];
}

export function boxesOverlap(a: Box4, b: Box4, margin = 0): boolean {
  return a[0] < b[2] + margin && b[0] < a[2] + margin && a[1] < b[3] + margin && b[1] < a[3] + margin;
}

const POST_COLOUR = [58, 58, 62] as const;

export function drawSign(image: RgbImage, sign: SynthSign): void {
  if (sign.post) fillRect(image, ...sign.post, POST_COLOUR);
  const [x0, y0, x1, y1] = sign.box;
  fillRect(image, x0, y0, x1, y1, SIGN_COLOURS[sign.fill]);
  strokeRect(image, x0, y0, x1, y1, sign.borderWidth, SIGN_COLOURS[sign.border]);
  drawText(image, sign.text, sign.textOrigin[0], sign.textOrigin[1], sign.scale, textColourFor(sign.fill));
}
