import * as ort from 'onnxruntime-node';
import { f32ToF16 } from '../../convert/float-convert';
import type { QwenVlConfig } from '../../convert/qwen-config';
import { VISION_IO, visionEncoderFeeds } from '../../convert/vision-inputs';
import type { QwenPixelInput } from '../../imaging/preprocess';
import { ModelFolderError } from './model-folder';
import type { FloatType, ModelSessions } from './model-sessions';
import { floatDataAs, type FloatData } from './tensors';

/**
 * Runs `vision_encoder.onnx` on one image. Besides the pixel rows the converter's encoder takes
 * its window geometry as inputs (window order, rotary ids, padded attention batches), computed
 * here by the converter's own `visionEncoderFeeds`; an encoder exported elsewhere with
 * `image_grid_thw` gets that instead. Returns one row of `hidden` values per `<|image_pad|>`.
 */
export async function encodeImageFeatures(
  sessions: ModelSessions,
  pixels: QwenPixelInput,
  config: QwenVlConfig,
  embedType: FloatType,
): Promise<FloatData> {
  const { vision } = sessions;
  const pixelMeta = vision.inputMetadata.find((m) => m.name === VISION_IO.pixelValues);
  const pixelType = pixelMeta && pixelMeta.isTensor && pixelMeta.type === 'float16' ? 'float16' : 'float32';
  const pixelData = pixelType === 'float16' ? f32ToF16(pixels.pixelValues) : pixels.pixelValues;
  const feeds: Record<string, ort.Tensor> = {
    [VISION_IO.pixelValues]: new ort.Tensor(pixelType, pixelData, [pixels.numPatches, pixels.patchDim]),
  };
  const geometry = visionEncoderFeeds([pixels.gridThw], {
    windowSize: config.vision.windowSize,
    patchSize: config.vision.patchSize,
    spatialMergeSize: config.vision.spatialMergeSize,
  });
  for (const name of vision.inputNames) {
    if (name === VISION_IO.pixelValues) continue;
    const feed = geometry[name];
    if (feed) feeds[name] = new ort.Tensor(feed.type, feed.data, feed.dims);
    else if (name === 'image_grid_thw' || name === 'grid_thw') feeds[name] = new ort.Tensor('int64', BigInt64Array.from(pixels.gridThw, BigInt), [1, 3]);
    else throw new ModelFolderError(sessions.visionFile, `input "${name}" is not one this runner can provide (known: ${[VISION_IO.pixelValues, ...Object.keys(geometry), 'image_grid_thw'].join(', ')})`);
  }
  const outputs = await vision.run(feeds);
  return floatDataAs(outputs[sessions.visionOutput]!, embedType);
}
