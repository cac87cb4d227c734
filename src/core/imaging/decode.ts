import { promises as fsp } from 'node:fs';
import path from 'node:path';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import type { DecodedImage, ImageSize } from './decoded-image';
import { ImagingError } from './errors';
import { cmykToRgbLikePil } from './cmyk';

/**
 * Largest image we decode: PIL raises DecompressionBombError above
 * 2 * Image.MAX_IMAGE_PIXELS = 2 * 89,478,485 pixels, so anything PIL (and
 * therefore Mini-o3) could open, we can open too. At 3 bytes a pixel this
 * bounds one decoded buffer to ~537 MB.
 */
export const DEFAULT_MAX_IMAGE_PIXELS = 178_956_970;

export interface DecodeOptions {
  /** Refuse images with more pixels than this (checked from the header, before any allocation). */
  maxPixels?: number;
}

interface HeaderInfo extends ImageSize {
  space: string | undefined;
}

function requireAbsolute(absPath: string): void {
  if (!path.isAbsolute(absPath)) {
    throw new ImagingError(absPath, 'image path must be absolute');
  }
}

async function requireRegularFile(absPath: string): Promise<void> {
  let stat;
  try {
    stat = await fsp.stat(absPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? String(err)})`;
    throw new ImagingError(absPath, reason, { cause: err });
  }
  if (!stat.isFile()) throw new ImagingError(absPath, 'not a regular file');
  if (stat.size === 0) throw new ImagingError(absPath, 'file is empty, not an image');
}

function sharpMessage(err: unknown): string {
  return err instanceof Error ? err.message.trim() : String(err);
}

async function readHeader(absPath: string, options: DecodeOptions): Promise<HeaderInfo> {
  requireAbsolute(absPath);
  await requireRegularFile(absPath);
  let meta: Metadata;
  try {
    // Header only: sharp/libvips reads just enough of the file to know format and size.
    meta = await sharp(absPath, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new ImagingError(absPath, `not a readable image (${sharpMessage(err)})`, { cause: err });
  }
  const { width, height } = meta;
  if (width === undefined || height === undefined || width <= 0 || height <= 0) {
    throw new ImagingError(absPath, `image header has no valid size (format ${meta.format ?? 'unknown'})`);
  }
  const limit = options.maxPixels ?? DEFAULT_MAX_IMAGE_PIXELS;
  if (width * height > limit) {
    throw new ImagingError(
      absPath,
      `image is ${width}x${height} = ${width * height} pixels, over the limit of ${limit} ` +
        '(decompression-bomb guard); refusing to decode',
    );
  }
  return { width, height, space: meta.space };
}

/** Width and height from the file header, without decoding pixels. Bombs and non-images throw. */
export async function readImageSize(absPath: string, options: DecodeOptions = {}): Promise<ImageSize> {
  const { width, height } = await readHeader(absPath, options);
  return { width, height };
}

/**
 * Decodes an image file to raw RGB the way PIL's `Image.open(p).convert('RGB')` sees it:
 * first frame only, no EXIF auto-rotation, embedded ICC profiles ignored, alpha dropped
 * (not composited), greyscale replicated, CMYK converted with PIL's formula.
 */
export async function decodeImageFile(absPath: string, options: DecodeOptions = {}): Promise<DecodedImage> {
  const header = await readHeader(absPath, options);
  const limit = options.maxPixels ?? DEFAULT_MAX_IMAGE_PIXELS;
  const input = () =>
    sharp(absPath, { limitInputPixels: limit, failOn: 'truncated', ignoreIcc: true, autoOrient: false });
  try {
    if (header.space === 'cmyk') {
      const { data, info } = await input()
        .pipelineColourspace('cmyk')
        .toColourspace('cmyk')
        .raw()
        .toBuffer({ resolveWithObject: true });
      if (info.channels < 4) throw new Error(`CMYK decode returned ${info.channels} channels`);
      return finish(absPath, header, cmykToRgbLikePil(data, info.width, info.height, info.channels), info);
    }
    const { data, info } = await input()
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decode returned ${info.channels} channels, expected 3`);
    return finish(absPath, header, data, info);
  } catch (err) {
    if (err instanceof ImagingError) throw err;
    throw new ImagingError(absPath, `cannot decode image (${sharpMessage(err)})`, { cause: err });
  }
}

function finish(absPath: string, header: HeaderInfo, rgb: Buffer, info: OutputInfo): DecodedImage {
  if (info.width !== header.width || info.height !== header.height || rgb.length !== header.width * header.height * 3) {
    throw new ImagingError(
      absPath,
      `decoded ${info.width}x${info.height} pixels but the header says ${header.width}x${header.height}`,
    );
  }
  return { width: info.width, height: info.height, channels: 3, data: rgb, source: absPath };
}
