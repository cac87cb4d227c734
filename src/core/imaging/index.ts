export { ImagingError } from './errors';
export type { DecodedImage, ImageSize } from './decoded-image';
export { assertDecodedImage } from './decoded-image';
export { DEFAULT_MAX_IMAGE_PIXELS, decodeImageFile, readImageSize, type DecodeOptions } from './decode';
export { ImageCache, type ImageCacheOptions, type ImageCacheStats } from './cache';
export { cropDecoded } from './crop';
export { MAX_RESIZE_OUTPUT_PIXELS, nearestSourceIndices, resizeImage, type ResampleFilter } from './resample';
export {
  MINIO3_DEFAULT_BOUNDS,
  minio3CropResizeSize,
  minio3InitialResizeSize,
  minio3ResizeForModel,
  minio3ResizeInitial,
  type Minio3PixelBounds,
} from './minio3-resize';
export {
  QWEN_DEFAULT_MAX_PIXELS,
  QWEN_DEFAULT_MIN_PIXELS,
  pythonRound,
  smartResize,
  type SmartResizeOptions,
} from './smart-resize';
export {
  CLIP_MEAN,
  CLIP_STD,
  QWEN25_VL_PREPROCESSOR_BOUNDS,
  preprocessForQwen,
  type QwenPixelInput,
  type QwenPreprocessOptions,
} from './preprocess';
export { DEFAULT_JPEG_QUALITY, encodeImage, imageFormatForPath, writeImage, type ImageFormat } from './encode';
