/**
 * A raw RGB pixel buffer (row-major, 3 bytes per pixel) and the few drawing operations the
 * synthetic scenes need. Rectangles are filled with native Buffer.fill / copyWithin row by
 * row, never pixel by pixel, so a 4000x3000 scene renders in tens of milliseconds.
 * The shape matches the imaging module's DecodedImage, so a rendered scene can be cropped
 * and resized like any decoded file.
 */
export type Rgb = readonly [number, number, number];

export interface RgbImage {
  width: number;
  height: number;
  channels: 3;
  data: Buffer;
}

export function createRgbImage(width: number, height: number, background: Rgb): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`image size must be positive integers, got ${width}x${height}`);
  }
  const data = Buffer.alloc(width * height * 3);
  data.fill(Buffer.from(background));
  return { width, height, channels: 3, data };
}

/** Fills [x0, x1) x [y0, y1), clipped to the image. */
export function fillRect(image: RgbImage, x0: number, y0: number, x1: number, y1: number, color: Rgb): void {
  const left = Math.max(0, Math.floor(x0));
  const top = Math.max(0, Math.floor(y0));
  const right = Math.min(image.width, Math.floor(x1));
  const bottom = Math.min(image.height, Math.floor(y1));
  if (right <= left || bottom <= top) return;
  const rowStride = image.width * 3;
  const firstStart = top * rowStride + left * 3;
  const firstEnd = top * rowStride + right * 3;
  image.data.fill(Buffer.from(color), firstStart, firstEnd);
  for (let y = top + 1; y < bottom; y++) {
    image.data.copyWithin(y * rowStride + left * 3, firstStart, firstEnd);
  }
}

/** A frame of the given thickness drawn inside [x0, x1) x [y0, y1). */
export function strokeRect(
  image: RgbImage,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  thickness: number,
  color: Rgb,
): void {
  fillRect(image, x0, y0, x1, y0 + thickness, color);
  fillRect(image, x0, y1 - thickness, x1, y1, color);
  fillRect(image, x0, y0 + thickness, x0 + thickness, y1 - thickness, color);
  fillRect(image, x1 - thickness, y0 + thickness, x1, y1 - thickness, color);
}

export function pixelAt(image: RgbImage, x: number, y: number): Rgb {
  const offset = (y * image.width + x) * 3;
  return [image.data[offset] ?? 0, image.data[offset + 1] ?? 0, image.data[offset + 2] ?? 0];
}

export function lerpColor(from: Rgb, to: Rgb, t: number): Rgb {
  return [
    Math.round(from[0] + (to[0] - from[0]) * t),
    Math.round(from[1] + (to[1] - from[1]) * t),
    Math.round(from[2] + (to[2] - from[2]) * t),
  ];
}

export function shade(color: Rgb, delta: number): Rgb {
  const clamp = (v: number): number => Math.max(0, Math.min(255, Math.round(v + delta)));
  return [clamp(color[0]), clamp(color[1]), clamp(color[2])];
}
