import { assertDecodedImage, sourceOf, type DecodedImage, type ImageSize } from './decoded-image';
import { ImagingError } from './errors';
import { resizeImage, type ResampleFilter } from './resample';

/** Mini-o3's README values (`data.min_pixels` / `data.max_pixels`), copied into the rollout config. */
export interface Minio3PixelBounds {
  minPixels: number;
  maxPixels: number;
}

export const MINIO3_DEFAULT_BOUNDS: Readonly<Minio3PixelBounds> = { minPixels: 40_000, maxPixels: 2_000_000 };

/** Qwen's vision patches need both sides >= 28 (patch 14 x merge 2). */
const MIN_SIDE = 28;

function boundsOf(options: Partial<Minio3PixelBounds> | undefined): Minio3PixelBounds {
  const bounds = { ...MINIO3_DEFAULT_BOUNDS, ...options };
  if (!(bounds.minPixels > 0) || !(bounds.maxPixels > 0) || bounds.minPixels > bounds.maxPixels) {
    throw new RangeError(`invalid pixel bounds min=${bounds.minPixels} max=${bounds.maxPixels}`);
  }
  return bounds;
}

function requireSize(width: number, height: number, what: string): void {
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width <= 0 || height <= 0) {
    throw new ImagingError(what, `Mini-o3 resize produced an unusable size ${width}x${height}`);
  }
}

/** The max/min area steps shared by both of Mini-o3's process_image functions. */
function areaSteps(width: number, height: number, bounds: Minio3PixelBounds, what: string): ImageSize[] {
  const steps: ImageSize[] = [];
  let w = width;
  let h = height;
  if (w * h > bounds.maxPixels) {
    const factor = Math.sqrt(bounds.maxPixels / (w * h));
    w = Math.trunc(w * factor);
    h = Math.trunc(h * factor);
    requireSize(w, h, what);
    steps.push({ width: w, height: h });
  }
  if (w * h < bounds.minPixels) {
    const factor = Math.sqrt(bounds.minPixels / (w * h));
    w = Math.trunc(w * factor);
    h = Math.trunc(h * factor);
    requireSize(w, h, what);
    steps.push({ width: w, height: h });
  }
  return steps;
}

/**
 * The successive sizes `vllm_async_engine.process_image` resizes a crop to (each a
 * NEAREST resize of the previous result); empty when the crop is used as is.
 * Python's `int()` truncation and float arithmetic are reproduced exactly.
 */
export function minio3CropResizeSize(
  width: number, height: number, options?: Partial<Minio3PixelBounds>, what = 'crop',
): ImageSize[] {
  requireSize(width, height, what);
  const steps = areaSteps(width, height, boundsOf(options), what);
  let { width: w, height: h } = steps.at(-1) ?? { width, height };
  const push = (nw: number, nh: number) => {
    requireSize(nw, nh, what);
    steps.push({ width: nw, height: nh });
    w = nw;
    h = nh;
  };
  if (w < MIN_SIDE || h < MIN_SIDE) {
    const factor = MIN_SIDE / Math.min(w, h);
    push(Math.trunc(w * factor + 1), Math.trunc(h * factor + 1));
  }
  if (w / h >= 200) push(w, Math.trunc(w / 190 + 1));
  if (h / w >= 200) push(Math.trunc(h / 190 + 1), h);
  return steps;
}

/** The sizes the dataset's `process_image` resizes the original image to (LANCZOS steps). */
export function minio3InitialResizeSize(
  width: number, height: number, options?: Partial<Minio3PixelBounds>, what = 'image',
): ImageSize[] {
  requireSize(width, height, what);
  return areaSteps(width, height, boundsOf(options), what);
}

function applySteps(img: DecodedImage, steps: ImageSize[], filter: ResampleFilter): DecodedImage {
  let current = img;
  for (const step of steps) current = resizeImage(current, step.width, step.height, filter);
  return current === img ? { ...img, data: Buffer.from(img.data) } : current;
}

/** A crop (observation) as Mini-o3's rollout feeds it to the model: process_image with NEAREST. */
export function minio3ResizeForModel(img: DecodedImage, options?: Partial<Minio3PixelBounds>): DecodedImage {
  assertDecodedImage(img);
  return applySteps(img, minio3CropResizeSize(img.width, img.height, options, sourceOf(img)), 'nearest');
}

/**
 * The original image as Mini-o3's dataset loads it: process_image with LANCZOS, then
 * the `assert width >= 28 and height >= 28`, reported here as an ImagingError.
 */
export function minio3ResizeInitial(img: DecodedImage, options?: Partial<Minio3PixelBounds>): DecodedImage {
  assertDecodedImage(img);
  const steps = minio3InitialResizeSize(img.width, img.height, options, sourceOf(img));
  const final = steps.at(-1) ?? { width: img.width, height: img.height };
  if (final.width < MIN_SIDE || final.height < MIN_SIDE) {
    throw new ImagingError(
      sourceOf(img),
      `image ${img.width}x${img.height} becomes ${final.width}x${final.height} after Mini-o3's resize; ` +
        `Qwen needs both sides >= ${MIN_SIDE}`,
    );
  }
  return applySteps(img, steps, 'lanczos');
}
