import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { assertDecodedImage, sourceOf, type DecodedImage } from './decoded-image';
import { ImagingError } from './errors';

export type ImageFormat = 'jpeg' | 'png';

/** PIL's default JPEG quality (what Mini-o3's `image.save('...jpg')` writes). */
export const DEFAULT_JPEG_QUALITY = 75;

/** sharp's default zlib level for PNG; lower levels are faster and still lossless. */
export const DEFAULT_PNG_COMPRESSION = 6;

export async function encodeImage(
  img: DecodedImage, format: ImageFormat, quality = DEFAULT_JPEG_QUALITY, pngCompressionLevel = DEFAULT_PNG_COMPRESSION,
): Promise<Buffer> {
  assertDecodedImage(img);
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw new RangeError(`JPEG quality must be an integer 1..100, got ${quality}`);
  }
  const pipeline = sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });
  try {
    return format === 'jpeg'
      ? await pipeline.jpeg({ quality }).toBuffer()
      : await pipeline.png({ compressionLevel: pngCompressionLevel }).toBuffer();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new ImagingError(sourceOf(img), `cannot encode as ${format}: ${message}`, { cause: err });
  }
}

export function imageFormatForPath(absPath: string): ImageFormat {
  const ext = path.extname(absPath).toLowerCase();
  if (ext === '.jpg' || ext === '.jpeg') return 'jpeg';
  if (ext === '.png') return 'png';
  throw new ImagingError(absPath, `cannot choose an image format for extension "${ext}" (use .jpg, .jpeg or .png)`);
}

/** Encodes by the file extension (.jpg/.jpeg/.png) and writes the file. */
export async function writeImage(img: DecodedImage, absPath: string, quality?: number): Promise<void> {
  const format = imageFormatForPath(absPath);
  const bytes = await encodeImage(img, format, quality);
  try {
    await writeFile(absPath, bytes);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ImagingError(absPath, `cannot write image (${code ?? String(err)})`, { cause: err });
  }
}

