/** Hugging Face Qwen2.5-VL checkpoint → ONNX (transformers.js layout), and the I/O contract of the models. */
export { convertCheckpoint } from './convert';
export type { ConvertOptions, ConvertProgress, ConvertResult, ConvertedModel } from './convert';
export { ConvertError } from './convert-error';
export { parseQwenVlConfig } from './qwen-config';
export type { QwenTextConfig, QwenVisionConfig, QwenVlConfig, QwenTokenIds } from './qwen-config';
export { DECODER_IO, mropeFrequencyTable, ropeInverseFrequencies } from './decoder-graph';
export { EMBED_IO } from './embed-graph';
export { VISION_IO, visionEncoderFeeds, attentionLayout } from './vision-inputs';
export type { VisionFeed, VisionGeometry } from './vision-inputs';
export { windowIndex, frameSeqlens, patchRowColumns, inversePermutation } from './vision-windows';
export type { GridThw, WindowGeometry, WindowIndex } from './vision-windows';
export { MODEL_NAMES, modelFileName, variantSuffix } from './model-layout';
export type { ModelName, VariantRecord } from './model-layout';
export { CheckpointReader } from './checkpoint-reader';
export { canonicalWeightName, expectedTensors } from './qwen-weights';
