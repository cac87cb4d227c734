import type { Box4 } from '../trajectory/schema';
import { pixelToRelative, type Size } from './boxes';

/**
 * Coordinate spaces of the neighbouring methods (mini-o3.md §2), converted to Mini-o3's
 * relative-to-source form. Each keeps the input untouched; importers store it alongside.
 */

/** DeepEyes: absolute pixels of the raw original image; always crops the original. */
export function deepEyesBoxToRelative(absBox: readonly number[], originalSize: Size): Box4 {
  return pixelToRelative(asBox(absBox), originalSize);
}

/** Chain-of-Focus: absolute pixels of the smart-resized image the model saw. */
export function chainOfFocusBoxToOriginal(box: readonly number[], resizedSize: Size, originalSize: Size): Box4 {
  const b = asBox(box);
  const sx = originalSize.width / resizedSize.width;
  const sy = originalSize.height / resizedSize.height;
  return [b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy];
}

/**
 * Pixel-Reasoner: `bbox_2d` normalized to 0..1 and a 1-based `target_image` (1 = original).
 * Its tool accepts absolute values when any coordinate is >= 1; those need the target's size.
 */
export function pixelReasonerToMiniO3(
  bbox: readonly number[],
  targetImage1Based: number,
  targetSize?: Size,
): { bbox: Box4; source: string } {
  if (!Number.isInteger(targetImage1Based) || targetImage1Based < 1) {
    throw new RangeError(`target_image must be a 1-based image index, got ${targetImage1Based}`);
  }
  let b = asBox(bbox);
  if (b.some((v) => v >= 1)) {
    if (!targetSize) throw new RangeError('absolute Pixel-Reasoner box needs the target image size');
    b = pixelToRelative(b, targetSize);
  }
  const source = targetImage1Based === 1 ? 'original_image' : `observation_${targetImage1Based - 1}`;
  return { bbox: b, source };
}

function asBox(values: readonly number[]): Box4 {
  if (values.length !== 4 || values.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw new RangeError(`a box needs 4 finite numbers, got ${JSON.stringify(values)}`);
  }
  return [values[0]!, values[1]!, values[2]!, values[3]!];
}
