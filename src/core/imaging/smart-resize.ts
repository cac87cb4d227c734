import { ImagingError } from './errors';

export interface SmartResizeOptions {
  /** patch_size * merge_size; 28 for Qwen2.5-VL. */
  factor?: number;
  minPixels?: number;
  maxPixels?: number;
}

/** Qwen2VLImageProcessor defaults: min 56*56, max 28*28*1280. */
export const QWEN_DEFAULT_MIN_PIXELS = 56 * 56;
export const QWEN_DEFAULT_MAX_PIXELS = 28 * 28 * 1280;

/** Python 3 `round(x)` on a float: ties go to the even integer. */
export function pythonRound(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * transformers' `qwen2_vl.image_processing_qwen2_vl.smart_resize` (current form: the
 * aspect-ratio error, round-to-multiple, then floor when over max_pixels — never below
 * one factor — or ceil when under min_pixels). Returns the size the image processor
 * resizes to; both sides are multiples of `factor`.
 */
export function smartResize(
  height: number, width: number, options: SmartResizeOptions = {},
): { height: number; width: number } {
  const factor = options.factor ?? 28;
  const minPixels = options.minPixels ?? QWEN_DEFAULT_MIN_PIXELS;
  const maxPixels = options.maxPixels ?? QWEN_DEFAULT_MAX_PIXELS;
  const what = `image ${width}x${height}`;
  if (!(height > 0) || !(width > 0) || !Number.isFinite(height) || !Number.isFinite(width)) {
    throw new ImagingError(what, 'smart_resize needs a positive height and width');
  }
  const aspect = Math.max(height, width) / Math.min(height, width);
  if (aspect > 200) {
    throw new ImagingError(what, `absolute aspect ratio must be smaller than 200, got ${aspect}`);
  }
  let hBar = pythonRound(height / factor) * factor;
  let wBar = pythonRound(width / factor) * factor;
  if (hBar * wBar > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    hBar = Math.max(factor, Math.floor(height / beta / factor) * factor);
    wBar = Math.max(factor, Math.floor(width / beta / factor) * factor);
  } else if (hBar * wBar < minPixels) {
    const beta = Math.sqrt(minPixels / (height * width));
    hBar = Math.ceil((height * beta) / factor) * factor;
    wBar = Math.ceil((width * beta) / factor) * factor;
  }
  if (hBar <= 0 || wBar <= 0) {
    throw new ImagingError(what, `smart_resize produced an empty size ${wBar}x${hBar}`);
  }
  return { height: hBar, width: wBar };
}
