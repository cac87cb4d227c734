import { ImagingError } from './errors';

export interface ImageSize {
  width: number;
  height: number;
}

/** Raw 8-bit RGB pixels, row-major, no padding: byte (y*width + x)*3 + c. */
export interface DecodedImage {
  width: number;
  height: number;
  channels: 3;
  data: Buffer;
  /** File the pixels came from, carried through crops and resizes for error messages. */
  source?: string;
}

export const IN_MEMORY_SOURCE = 'decoded image';

export function sourceOf(img: { source?: string }): string {
  return img.source ?? IN_MEMORY_SOURCE;
}

export function isPositiveInt(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0;
}

/** Allocates an RGB image, refusing sizes that are not positive integers. */
export function allocateImage(width: number, height: number, source?: string): DecodedImage {
  if (!isPositiveInt(width) || !isPositiveInt(height)) {
    throw new ImagingError(source ?? IN_MEMORY_SOURCE, `invalid image size ${width}x${height}`);
  }
  const image: DecodedImage = { width, height, channels: 3, data: Buffer.alloc(width * height * 3) };
  if (source !== undefined) image.source = source;
  return image;
}

/** Checks that a DecodedImage's buffer really holds width*height RGB pixels. */
export function assertDecodedImage(img: DecodedImage): void {
  if (!isPositiveInt(img.width) || !isPositiveInt(img.height) || img.channels !== 3) {
    throw new ImagingError(sourceOf(img), `invalid image: ${img.width}x${img.height}x${img.channels}`);
  }
  const expected = img.width * img.height * 3;
  if (img.data.length !== expected) {
    throw new ImagingError(
      sourceOf(img),
      `pixel buffer holds ${img.data.length} bytes, expected ${expected} for ${img.width}x${img.height} RGB`,
    );
  }
}

export function copyImage(img: DecodedImage): DecodedImage {
  const copy: DecodedImage = { width: img.width, height: img.height, channels: 3, data: Buffer.from(img.data) };
  if (img.source !== undefined) copy.source = img.source;
  return copy;
}
