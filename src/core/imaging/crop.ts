import type { Box4 } from '../trajectory/schema';
import { allocateImage, assertDecodedImage, sourceOf, type DecodedImage } from './decoded-image';
import { ImagingError } from './errors';

/**
 * PIL `Image.crop((x0, y0, x1, y1))` for boxes inside the image: columns x0..x1-1 and
 * rows y0..y1-1, so the result is (x1-x0) x (y1-y0). Boxes must be integers with
 * 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height; anything else is an ImagingError
 * (PIL would pad out-of-range areas with black, and an empty crop breaks Mini-o3's
 * resize with a division by zero).
 */
export function cropDecoded(img: DecodedImage, box: Box4): DecodedImage {
  assertDecodedImage(img);
  const [x0, y0, x1, y1] = box;
  const source = sourceOf(img);
  if (![x0, y0, x1, y1].every((v) => Number.isSafeInteger(v))) {
    throw new ImagingError(source, `crop box [${box.join(', ')}] must be integer pixels`);
  }
  if (x0 < 0 || y0 < 0 || x1 > img.width || y1 > img.height) {
    throw new ImagingError(source, `crop box [${box.join(', ')}] is outside the ${img.width}x${img.height} image`);
  }
  if (x1 <= x0 || y1 <= y0) {
    throw new ImagingError(source, `crop box [${box.join(', ')}] is empty`);
  }
  const out = allocateImage(x1 - x0, y1 - y0, img.source);
  const rowBytes = out.width * 3;
  for (let y = 0; y < out.height; y++) {
    const from = ((y0 + y) * img.width + x0) * 3;
    img.data.copy(out.data, y * rowBytes, from, from + rowBytes);
  }
  return out;
}
