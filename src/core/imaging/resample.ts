import {
  allocateImage,
  assertDecodedImage,
  copyImage,
  isPositiveInt,
  sourceOf,
  type DecodedImage,
} from './decoded-image';
import { ImagingError } from './errors';
import { BICUBIC_FILTER, LANCZOS_FILTER, convolutionResize } from './pil-convolution';

export type ResampleFilter = 'nearest' | 'bicubic' | 'lanczos';

/**
 * Largest image a resize may produce (PIL's decompression-bomb bound). Mini-o3's own
 * rules can ask for absurd sizes, e.g. a 1x100000 strip becomes 14737x2800001.
 */
export const MAX_RESIZE_OUTPUT_PIXELS = 178_956_970;

/**
 * Source index for each output index under PIL's NEAREST resize. PIL (ImagingScaleAffine)
 * starts at scale/2 and *accumulates* `+= scale` in double precision, truncating each
 * step; the accumulated rounding differs from floor((i + 0.5) * scale) for some sizes,
 * so this reproduces the accumulation rather than the closed form.
 */
export function nearestSourceIndices(inSize: number, outSize: number): Int32Array {
  const scale = inSize / outSize;
  const indices = new Int32Array(outSize);
  let position = scale * 0.5;
  for (let i = 0; i < outSize; i++) {
    indices[i] = Math.min(Math.trunc(position), inSize - 1);
    position += scale;
  }
  return indices;
}

function resizeNearest(img: DecodedImage, width: number, height: number): DecodedImage {
  const out = allocateImage(width, height, img.source);
  const xs = nearestSourceIndices(img.width, width);
  const ys = nearestSourceIndices(img.height, height);
  const srcStride = img.width * 3;
  const src = img.data;
  const dst = out.data;
  let d = 0;
  let previousY = -1;
  for (let y = 0; y < height; y++) {
    const sy = ys[y]!;
    if (sy === previousY) {
      // Same source row as the previous output row: copy the finished row.
      dst.copy(dst, d, d - width * 3, d);
      d += width * 3;
      continue;
    }
    previousY = sy;
    const rowStart = sy * srcStride;
    for (let x = 0; x < width; x++) {
      const s = rowStart + xs[x]! * 3;
      dst[d++] = src[s]!;
      dst[d++] = src[s + 1]!;
      dst[d++] = src[s + 2]!;
    }
  }
  return out;
}

/**
 * `Image.resize((width, height), resample=...)` from PIL 9.x on an RGB image, byte for
 * byte: NEAREST via PIL's affine nearest mapping, BICUBIC and LANCZOS via a port of
 * PIL's fixed-point convolution (reducing_gap=None, the default).
 */
export function resizeImage(img: DecodedImage, width: number, height: number, filter: ResampleFilter): DecodedImage {
  assertDecodedImage(img);
  if (!isPositiveInt(width) || !isPositiveInt(height)) {
    throw new ImagingError(sourceOf(img), `cannot resize ${img.width}x${img.height} to ${width}x${height}`);
  }
  if (width * height > MAX_RESIZE_OUTPUT_PIXELS) {
    throw new ImagingError(
      sourceOf(img),
      `resize of ${img.width}x${img.height} to ${width}x${height} exceeds ${MAX_RESIZE_OUTPUT_PIXELS} pixels`,
    );
  }
  if (width === img.width && height === img.height) return copyImage(img);
  if (filter === 'nearest') return resizeNearest(img, width, height);
  const kernel = filter === 'bicubic' ? BICUBIC_FILTER : LANCZOS_FILTER;
  const data = convolutionResize(img.data, img.width, img.height, width, height, kernel);
  const out: DecodedImage = { width, height, channels: 3, data };
  if (img.source !== undefined) out.source = img.source;
  return out;
}
