import { createHash } from 'node:crypto';
import type { DecodedImage } from '../../imaging/decoded-image';
import { preprocessForQwen, type QwenPixelInput } from '../../imaging/preprocess';
import { smartResize } from '../../imaging/smart-resize';
import type { PreprocessorSettings } from './model-folder';

/**
 * One image of a request as the runner needs it: its grid and placeholder count up front (to
 * build the prompt and find what the cache already holds), its pixel rows only when the
 * vision encoder actually has to see it.
 */

/** What crosses into the worker: raw RGB when the caller has it, else encoded bytes. */
export interface RunnerImage {
  width: number;
  height: number;
  rgb?: Uint8Array;
  bytes?: Uint8Array;
}

export interface PreparedImage {
  /** Hash of the pixels and the grid: equal keys mean equal vision features. */
  key: string;
  gridThw: [number, number, number];
  /** `<|image_pad|>` tokens: t·h·w / merge². */
  tokens: number;
  pixels(): QwenPixelInput;
}

async function decodeBytes(image: RunnerImage, index: number): Promise<DecodedImage> {
  if (!image.bytes) throw new RangeError(`image ${index}: neither raw RGB pixels nor encoded bytes were given`);
  try {
    // Loaded only here: callers that pass raw pixels (the agent loop always does) need no sharp.
    const sharp = (await import('sharp')).default;
    const { data, info } = await sharp(image.bytes, { failOn: 'truncated', ignoreIcc: true, autoOrient: false })
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, channels: 3, data, source: `image ${index}` };
  } catch (error) {
    throw new RangeError(`image ${index}: cannot decode its bytes (${error instanceof Error ? error.message : String(error)})`);
  }
}

async function decodedImage(image: RunnerImage, index: number): Promise<DecodedImage> {
  if (!image.rgb) return decodeBytes(image, index);
  const { width, height } = image;
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`image ${index}: invalid size ${width}x${height}`);
  }
  if (image.rgb.length !== width * height * 3) {
    throw new RangeError(`image ${index}: ${image.rgb.length} bytes of RGB for ${width}x${height} (expected ${width * height * 3})`);
  }
  const data = Buffer.from(image.rgb.buffer, image.rgb.byteOffset, image.rgb.length);
  return { width, height, channels: 3, data, source: `image ${index}` };
}

export async function prepareImage(image: RunnerImage, index: number, settings: PreprocessorSettings): Promise<PreparedImage> {
  const decoded = await decodedImage(image, index);
  const factor = settings.patchSize * settings.mergeSize;
  const target = smartResize(decoded.height, decoded.width, { factor, minPixels: settings.minPixels, maxPixels: settings.maxPixels });
  const gridThw: [number, number, number] = [1, target.height / settings.patchSize, target.width / settings.patchSize];
  const tokens = (gridThw[0] * gridThw[1] * gridThw[2]) / (settings.mergeSize * settings.mergeSize);
  const key = createHash('sha1')
    .update(`${decoded.width}x${decoded.height}:${gridThw.join('x')}:`)
    .update(decoded.data)
    .digest('hex');
  let pixels: QwenPixelInput | null = null;
  return {
    key,
    gridThw,
    tokens,
    pixels: () => {
      pixels ??= preprocessForQwen(decoded, {
        minPixels: settings.minPixels,
        maxPixels: settings.maxPixels,
        patchSize: settings.patchSize,
        mergeSize: settings.mergeSize,
        temporalPatchSize: settings.temporalPatchSize,
      });
      return pixels;
    },
  };
}
