import type { Size } from '../geometry/boxes';
import { limitsOf } from '../trajectory/schema';
import { readImageSize, minio3CropResizeSize } from '../imaging';
import { replayTrajectory } from '../protocol/replay';
import type { ImportContext, ResolvedImage, SourceSpot } from './import-common';
import type { ChatStructure } from './conversation';

/** Header size of an image, or null (with a warning) when it cannot be read. */
export async function imageSizeOf(image: ResolvedImage | null, ctx: ImportContext, spot: SourceSpot, field: string): Promise<Size | null> {
  if (!image?.abs || !image.exists) return null;
  let sizes = sizeCache.get(ctx);
  if (!sizes) sizeCache.set(ctx, (sizes = new Map()));
  let known = sizes.get(image.abs);
  if (!known) {
    known = readImageSize(image.abs).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
    sizes.set(image.abs, known);
  }
  const size = await known;
  if (size instanceof Error) {
    ctx.warning(spot, field, `cannot read the image size: ${size.message}`);
    return null;
  }
  return size;
}

/** Datasets reuse images across records; each header is read once per import. */
const sizeCache = new WeakMap<ImportContext, Map<string, Promise<Size | Error>>>();

/**
 * Chat SFT data stores the images the model saw, which may be the raw crop or its resize.
 * We replay the turns on the original's size: an image exactly the size of the crop Mini-o3
 * would cut is the un-resized crop (`observation.image`, also `resized_image` when Mini-o3's
 * rescale leaves that size alone); anything else is stored as `observation.resized_image`.
 */
export async function attachObservationImages(s: ChatStructure, ctx: ImportContext, originalSize: Size | null): Promise<void> {
  if (s.candidates.size === 0) return;
  const t = s.trajectory;
  const limits = limitsOf(t);
  const replay = originalSize ? replayTrajectory(t, { originalSize }) : null;
  for (const [turnIndex, { image, field }] of s.candidates) {
    const turn = t.turns[turnIndex]!;
    const r = replay?.turns[turnIndex];
    if (r && r.action !== 'crop') {
      ctx.warning(s.spot, field, `an image follows turn ${turnIndex}, but Mini-o3 would not crop there (the turn replays as '${r.action}')`);
    }
    const crop = r?.action === 'crop' && r.observationIndex !== undefined ? replay!.observations[r.observationIndex] : undefined;
    const size = crop ? await imageSizeOf(image, ctx, s.spot, field) : null;
    if (crop && size && size.width === crop.size.width && size.height === crop.size.height) {
      let unchangedByResize = false;
      try {
        unchangedByResize = minio3CropResizeSize(size.width, size.height, { minPixels: limits.min_pixels, maxPixels: limits.max_pixels }).length === 0;
      } catch {
        unchangedByResize = false;
      }
      turn.observation = unchangedByResize ? { image: image.path, resized_image: image.path } : { image: image.path };
    } else {
      turn.observation = { resized_image: image.path };
    }
  }
}

