import { assertDecodedImage, sourceOf, type DecodedImage, type ImageSize } from './decoded-image';
import { ImagingError } from './errors';
import { resizeImage } from './resample';
import { smartResize } from './smart-resize';

/** OPENAI_CLIP_MEAN / OPENAI_CLIP_STD from transformers.image_utils. */
export const CLIP_MEAN: readonly [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
export const CLIP_STD: readonly [number, number, number] = [0.26862954, 0.26130258, 0.27577711];

/** Bounds in Qwen2.5-VL-7B-Instruct's preprocessor_config.json (what vLLM / HF load). */
export const QWEN25_VL_PREPROCESSOR_BOUNDS = { minPixels: 3136, maxPixels: 12_845_056 } as const;

export interface QwenPreprocessOptions {
  minPixels: number;
  maxPixels: number;
  patchSize?: number;
  mergeSize?: number;
  temporalPatchSize?: number;
}

export interface QwenPixelInput {
  /** Row-major [numPatches, 3 * temporalPatchSize * patchSize^2] (1176 columns for Qwen2.5-VL). */
  pixelValues: Float32Array;
  gridThw: [number, number, number];
  numPatches: number;
  patchDim: number;
  /** `<|image_pad|>` tokens this image takes in the prompt: patches / mergeSize^2. */
  numImageTokens: number;
  resized: ImageSize;
}

/**
 * Normalised channel planes exactly as HF computes them: `x.astype(float64) * (1/255)`
 * cast to float32, then `(x - mean) / std` in float32 with float32 mean/std.
 */
function normalisedPlanes(img: DecodedImage): Float32Array[] {
  const pixels = img.width * img.height;
  const planes = [new Float32Array(pixels), new Float32Array(pixels), new Float32Array(pixels)];
  const scale = 1 / 255;
  for (let c = 0; c < 3; c++) {
    const plane = planes[c]!;
    const mean = Math.fround(CLIP_MEAN[c]!);
    const std = Math.fround(CLIP_STD[c]!);
    // One lookup per byte value; the float32 arithmetic is identical for equal inputs.
    const table = new Float32Array(256);
    for (let v = 0; v < 256; v++) table[v] = Math.fround(Math.fround(Math.fround(v * scale) - mean) / std);
    for (let i = 0, s = c; i < pixels; i++, s += 3) plane[i] = table[img.data[s]!]!;
  }
  return planes;
}

/**
 * Qwen2VLImageProcessor (slow, PIL path) for one image: smart_resize with BICUBIC,
 * rescale, CLIP normalisation, then the patch flattening
 * reshape(t, tps, C, gh/m, m, ps, gw/m, m, ps).transpose(0,3,6,4,7,2,1,5,8),
 * with the single image repeated temporalPatchSize times.
 */
export function preprocessForQwen(img: DecodedImage, options: QwenPreprocessOptions): QwenPixelInput {
  assertDecodedImage(img);
  const patchSize = options.patchSize ?? 14;
  const mergeSize = options.mergeSize ?? 2;
  const temporal = options.temporalPatchSize ?? 2;
  const factor = patchSize * mergeSize;
  const target = smartResize(img.height, img.width, {
    factor,
    minPixels: options.minPixels,
    maxPixels: options.maxPixels,
  });
  const resized = resizeImage(img, target.width, target.height, 'bicubic');
  const gridH = target.height / patchSize;
  const gridW = target.width / patchSize;
  if (!Number.isInteger(gridH / mergeSize) || !Number.isInteger(gridW / mergeSize)) {
    const size = `${target.width}x${target.height}`;
    throw new ImagingError(sourceOf(img), `resized size ${size} is not a multiple of ${factor}`);
  }
  const planes = normalisedPlanes(resized);
  const patchDim = 3 * temporal * patchSize * patchSize;
  const numPatches = gridH * gridW;
  const pixelValues = new Float32Array(numPatches * patchDim);
  const width = resized.width;
  let o = 0;
  for (let bh = 0; bh < gridH / mergeSize; bh++) {
    for (let bw = 0; bw < gridW / mergeSize; bw++) {
      for (let mh = 0; mh < mergeSize; mh++) {
        for (let mw = 0; mw < mergeSize; mw++) {
          const top = (bh * mergeSize + mh) * patchSize;
          const left = (bw * mergeSize + mw) * patchSize;
          for (let c = 0; c < 3; c++) {
            const plane = planes[c]!;
            for (let t = 0; t < temporal; t++) {
              for (let ph = 0; ph < patchSize; ph++) {
                const rowStart = (top + ph) * width + left;
                pixelValues.set(plane.subarray(rowStart, rowStart + patchSize), o);
                o += patchSize;
              }
            }
          }
        }
      }
    }
  }
  return {
    pixelValues,
    gridThw: [1, gridH, gridW],
    numPatches,
    patchDim,
    numImageTokens: numPatches / (mergeSize * mergeSize),
    resized: { width: target.width, height: target.height },
  };
}
