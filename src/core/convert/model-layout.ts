import { readFile } from 'node:fs/promises';
import type { QwenVlConfig } from './qwen-config';
import type { Precision } from './weight-writer';

/** The three models of the transformers.js Qwen2.5-VL layout, under `onnx/`. */
export const MODEL_NAMES = ['embed_tokens', 'vision_encoder', 'decoder_model_merged'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** transformers.js file suffixes: fp32 '', fp16 '_fp16', int4 with fp32 activations '_q4', with fp16 '_q4f16'. */
export function variantSuffix(precision: Precision, int4: boolean): string {
  if (int4) return precision === 'fp16' ? '_q4f16' : '_q4';
  return precision === 'fp16' ? '_fp16' : '';
}

export const modelFileName = (name: ModelName, suffix: string): string => `${name}${suffix}.onnx`;

/** Tokenizer and processor files copied next to the models when the checkpoint has them. */
export const SIDE_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'chat_template.json',
  'chat_template.jinja',
  'special_tokens_map.json',
  'added_tokens.json',
  'vocab.json',
  'merges.txt',
  'preprocessor_config.json',
  'video_preprocessor_config.json',
  'generation_config.json',
] as const;

/** Files a runnable output needs; their absence is reported as a warning. */
export const REQUIRED_SIDE_FILES = ['tokenizer.json', 'preprocessor_config.json'] as const;

/** What the converter records about each variant it wrote, under config.json "mini_o3_studio_onnx". */
export interface VariantRecord {
  suffix: string;
  precision: Precision;
  int4: null | { blockSize: 32; zeroPoints: 'asymmetric'; accuracyLevel: number };
  files: Record<string, string[]>;
}

function textConfigFor(config: QwenVlConfig): Record<string, unknown> {
  const t = config.text;
  const raw = config.raw;
  return {
    model_type: 'qwen2_5_vl_text',
    hidden_size: t.hiddenSize,
    intermediate_size: t.intermediateSize,
    num_hidden_layers: t.numLayers,
    num_attention_heads: t.numHeads,
    num_key_value_heads: t.numKvHeads,
    head_dim: t.headDim,
    vocab_size: t.vocabSize,
    rms_norm_eps: t.rmsNormEps,
    rope_theta: t.ropeTheta,
    rope_scaling: { type: 'mrope', mrope_section: t.mropeSection },
    max_position_embeddings: t.maxPositionEmbeddings,
    tie_word_embeddings: t.tieWordEmbeddings,
    hidden_act: 'silu',
    ...(raw.bos_token_id !== undefined ? { bos_token_id: raw.bos_token_id } : {}),
    ...(raw.eos_token_id !== undefined ? { eos_token_id: raw.eos_token_id } : {}),
  };
}

/**
 * config.json for the output folder: the checkpoint's config plus a `text_config` (transformers.js reads the
 * decoder's shape there) and "transformers.js_config".use_external_data_format for every model file written,
 * merged with what an earlier conversion into the same folder recorded.
 */
export async function outputConfig(config: QwenVlConfig, existingPath: string, variant: VariantRecord): Promise<Record<string, unknown>> {
  let previous: Record<string, unknown> = {};
  try {
    previous = JSON.parse(await readFile(existingPath, 'utf8')) as Record<string, unknown>;
  } catch {
    previous = {};
  }
  const out: Record<string, unknown> = { ...config.raw };
  const nested = out.text_config;
  out.text_config = typeof nested === 'object' && nested !== null && (nested as Record<string, unknown>).hidden_size !== undefined
    ? { ...textConfigFor(config), ...(nested as Record<string, unknown>) }
    : textConfigFor(config);

  const previousJs = (previous['transformers.js_config'] ?? {}) as Record<string, unknown>;
  const ownJs = (config.raw['transformers.js_config'] ?? {}) as Record<string, unknown>;
  const previousExternal = (previousJs.use_external_data_format ?? {}) as Record<string, number>;
  const external: Record<string, number> = typeof previousExternal === 'object' ? { ...previousExternal } : {};
  for (const [file, dataFiles] of Object.entries(variant.files)) {
    if (dataFiles.length > 0) external[file] = dataFiles.length;
    else delete external[file];
  }
  out['transformers.js_config'] = { ...ownJs, ...previousJs, use_external_data_format: external };

  const previousRecord = (previous.mini_o3_studio_onnx ?? {}) as { variants?: Record<string, VariantRecord> };
  out.mini_o3_studio_onnx = {
    vision_encoder_inputs: 'see src/core/convert/vision-inputs.ts (visionEncoderFeeds)',
    variants: { ...(previousRecord.variants ?? {}), [variant.suffix === '' ? 'fp32' : variant.suffix.slice(1)]: variant },
  };
  return out;
}
