import sharp from 'sharp';
import type { ImageRequest } from '../../protocol';
import {
  ImagingError,
  cropDecoded,
  encodeImage,
  minio3CropResizeSize,
  minio3InitialResizeSize,
  minio3ResizeForModel,
  minio3ResizeInitial,
  readImageSize,
  type DecodedImage,
  type ImageCache,
  type ImageSize,
} from '../imaging';
import type { Box4 } from '../trajectory/schema';
import { ConcurrencyLimiter } from './concurrency-limiter';
import { ImageCacheFiles, SourceHasher, imageCacheName, type ImageOperation } from './image-cache-files';

/** One picture to make, resolved from an ImageRequest against its trajectory. */
export interface RenderJob {
  /** Absolute path of the task's original image. */
  sourcePath: string;
  kind: ImageRequest['kind'];
  /** 0 = the original image. */
  observation: number;
  /** The observation's rectangle in original-image pixels. */
  rect: Box4;
  maxSide: number | null;
  bounds: { minPixels: number; maxPixels: number };
}

/** A picture on disk and its pixel size. */
export interface RenderedImage {
  path: string;
  width: number;
  height: number;
}

/** Formats every webview shows as they are. */
const BROWSER_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif']);
/** Larger originals are shown downscaled: decoding 100 MP in a webview is slow and memory-hungry. */
export const MAX_DIRECT_PIXELS = 20_000_000;
const DOWNSCALED_PIXELS = 16_000_000;
const ORIGINAL_JPEG_QUALITY = 88;
const THUMBNAIL_JPEG_QUALITY = 80;
/** Crops and model pictures are lossless (what the model saw, pixel for pixel); a low zlib level keeps encoding fast. */
const PNG_LEVEL = 2;

interface RenderPlan {
  op: ImageOperation;
  width: number;
  height: number;
  make(decoded: DecodedImage): Promise<Buffer>;
}

/**
 * Makes the pictures the viewer shows, from the original image decoded the way Mini-o3 decodes
 * it (shared decode cache), and keeps them in a bounded folder keyed by the source's content
 * hash and the operation. At most `concurrency` pictures are decoded and encoded at a time.
 */
export class ImageRenderer {
  private readonly hasher = new SourceHasher();
  private readonly limiter: ConcurrencyLimiter;

  constructor(readonly files: ImageCacheFiles, private readonly decoded: ImageCache, concurrency = 2) {
    this.limiter = new ConcurrencyLimiter(concurrency);
  }

  async render(job: RenderJob): Promise<RenderedImage> {
    // Missing, corrupt and oversized files fail here, from the header, with the imaging module's message.
    const size = await readImageSize(job.sourcePath);
    if (job.kind === 'original') {
      const direct = await this.directOriginal(job, size);
      if (direct) return direct;
    }
    const plan = planRender(job, size);
    const name = imageCacheName(await this.hasher.hash(job.sourcePath), plan.op);
    const path = await this.files.getOrCreate(name, () => this.limiter.run(async () => plan.make(await this.decoded.get(job.sourcePath))));
    return { path, width: plan.width, height: plan.height };
  }

  /** The file itself when a browser shows it as the model saw it, fast enough. */
  private async directOriginal(job: RenderJob, size: ImageSize): Promise<RenderedImage | null> {
    if (size.width * size.height > MAX_DIRECT_PIXELS) return null;
    if (job.maxSide !== null && job.maxSide < Math.max(size.width, size.height)) return null;
    let meta;
    try {
      meta = await sharp(job.sourcePath, { limitInputPixels: false }).metadata();
    } catch {
      return null;
    }
    // A browser honours EXIF orientation, PIL (and so Mini-o3) does not: boxes would land rotated.
    if (!meta.format || !BROWSER_FORMATS.has(meta.format) || (meta.orientation ?? 1) !== 1 || (meta.pages ?? 1) > 1) return null;
    return { path: job.sourcePath, width: size.width, height: size.height };
  }
}

export function planRender(job: RenderJob, size: ImageSize): RenderPlan {
  const op: ImageOperation = { kind: job.kind, observation: job.observation, rect: job.rect, maxSide: job.maxSide, bounds: null, format: 'png' };
  const [x0, y0, x1, y1] = job.rect;
  const whole = x0 === 0 && y0 === 0 && x1 === size.width && y1 === size.height;
  const region = (img: DecodedImage) => (whole ? img : cropDecoded(img, job.rect));
  switch (job.kind) {
    case 'original': {
      const scale = Math.min(1, Math.sqrt(DOWNSCALED_PIXELS / (size.width * size.height)), sideScale(size, job.maxSide));
      const out = scaled(size, scale);
      return { op: { ...op, rect: [0, 0, size.width, size.height], format: 'jpeg' }, ...out, make: (img) => resizeEncode(img, out, ORIGINAL_JPEG_QUALITY) };
    }
    case 'thumbnail': {
      const crop = { width: x1 - x0, height: y1 - y0 };
      const out = scaled(crop, sideScale(crop, job.maxSide));
      return { op: { ...op, format: 'jpeg' }, ...out, make: (img) => resizeEncode(region(img), out, THUMBNAIL_JPEG_QUALITY) };
    }
    case 'crop':
      return { op, width: x1 - x0, height: y1 - y0, make: (img) => encodeImage(region(img), 'png', undefined, PNG_LEVEL) };
    case 'model': {
      const bounds = job.bounds;
      const out = job.observation === 0
        ? minio3InitialResizeSize(size.width, size.height, bounds).at(-1) ?? size
        : minio3CropResizeSize(x1 - x0, y1 - y0, bounds).at(-1) ?? { width: x1 - x0, height: y1 - y0 };
      const resize = (img: DecodedImage) => (job.observation === 0 ? minio3ResizeInitial(img, bounds) : minio3ResizeForModel(region(img), bounds));
      return { op: { ...op, bounds }, width: out.width, height: out.height, make: (img) => encodeImage(resize(img), 'png', undefined, PNG_LEVEL) };
    }
  }
}

function sideScale(size: ImageSize, maxSide: number | null): number {
  return maxSide === null ? 1 : Math.min(1, maxSide / Math.max(size.width, size.height));
}

function scaled(size: ImageSize, scale: number): ImageSize {
  return { width: Math.max(1, Math.round(size.width * scale)), height: Math.max(1, Math.round(size.height * scale)) };
}

async function resizeEncode(img: DecodedImage, out: ImageSize, quality: number): Promise<Buffer> {
  try {
    const pipeline = sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });
    const sized = out.width === img.width && out.height === img.height ? pipeline : pipeline.resize(out.width, out.height, { fit: 'fill', kernel: 'lanczos3' });
    return await sized.jpeg({ quality }).toBuffer();
  } catch (error) {
    throw new ImagingError(img.source ?? 'decoded image', `cannot make a ${out.width}x${out.height} picture: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
