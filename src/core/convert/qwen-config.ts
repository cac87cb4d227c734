import { ConvertError } from './convert-error';

/** The language model's shape, from a flat (original) or nested (`text_config`) Qwen2.5-VL config. */
export interface QwenTextConfig {
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  vocabSize: number;
  rmsNormEps: number;
  ropeTheta: number;
  /** Rotary frequencies per axis (temporal, height, width); sums to headDim / 2. */
  mropeSection: [number, number, number];
  tieWordEmbeddings: boolean;
  maxPositionEmbeddings: number;
}

export interface QwenVisionConfig {
  depth: number;
  hiddenSize: number;
  intermediateSize: number;
  numHeads: number;
  headDim: number;
  outHiddenSize: number;
  inChannels: number;
  patchSize: number;
  spatialMergeSize: number;
  temporalPatchSize: number;
  windowSize: number;
  fullattBlockIndexes: number[];
  tokensPerSecond: number;
  /** Values per pixel_values row: inChannels · temporalPatchSize · patchSize². */
  patchInputSize: number;
  rmsNormEps: number;
}

export interface QwenTokenIds {
  image: number;
  video: number;
  visionStart: number;
  visionEnd: number;
  bos: number | null;
  eos: number[];
}

export interface QwenVlConfig {
  text: QwenTextConfig;
  vision: QwenVisionConfig;
  tokenIds: QwenTokenIds;
  /** The config.json object as read. */
  raw: Record<string, unknown>;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class FieldReader {
  constructor(private readonly file: string, private readonly obj: Json, private readonly prefix: string) {}

  private fail(field: string, problem: string): never {
    throw new ConvertError(this.file, `field "${this.prefix}${field}" ${problem}`);
  }

  has(field: string): boolean {
    return this.obj[field] !== undefined && this.obj[field] !== null;
  }

  int(field: string, fallback?: number, min = 1): number {
    const v = this.obj[field];
    if (v === undefined || v === null) {
      if (fallback !== undefined) return fallback;
      this.fail(field, 'is missing');
    }
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) this.fail(field, `must be a whole number ≥ ${min}, got ${JSON.stringify(v)}`);
    return v;
  }

  num(field: string, fallback?: number): number {
    const v = this.obj[field];
    if (v === undefined || v === null) {
      if (fallback !== undefined) return fallback;
      this.fail(field, 'is missing');
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) this.fail(field, `must be a positive number, got ${JSON.stringify(v)}`);
    return v;
  }

  bool(field: string, fallback: boolean): boolean {
    const v = this.obj[field];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') this.fail(field, `must be true or false, got ${JSON.stringify(v)}`);
    return v;
  }

  intList(field: string, fallback?: number[]): number[] {
    const v = this.obj[field];
    if (v === undefined || v === null) {
      if (fallback !== undefined) return fallback;
      this.fail(field, 'is missing');
    }
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0)) {
      this.fail(field, `must be a list of whole numbers, got ${JSON.stringify(v)}`);
    }
    return v as number[];
  }

  idList(field: string): number[] {
    const v = this.obj[field];
    if (v === undefined || v === null) return [];
    if (typeof v === 'number') return [v];
    return this.intList(field);
  }

  activation(field: string): void {
    const v = this.obj[field];
    if (v !== undefined && v !== 'silu') this.fail(field, `is ${JSON.stringify(v)}; only "silu" is supported`);
  }

  object(field: string): Json | null {
    const v = this.obj[field];
    if (v === undefined || v === null) return null;
    if (!isObject(v)) this.fail(field, 'must be an object');
    return v;
  }

  problem(field: string, problem: string): never {
    this.fail(field, problem);
  }
}

const ARCHITECTURE = 'Qwen2_5_VLForConditionalGeneration';

/** Checks the model is a Qwen2.5-VL; other families get a message saying what they are. */
function assertQwen25Vl(raw: Json, file: string): void {
  const architectures = Array.isArray(raw.architectures) ? raw.architectures.filter((a): a is string => typeof a === 'string') : [];
  const modelType = typeof raw.model_type === 'string' ? raw.model_type : null;
  if (architectures.includes(ARCHITECTURE) || modelType === 'qwen2_5_vl') return;
  const what = [modelType && `model_type "${modelType}"`, architectures.length > 0 && `architectures ${JSON.stringify(architectures)}`]
    .filter(Boolean)
    .join(', ');
  const hint = modelType === 'qwen2_vl' ? ' (Qwen2-VL has no window attention and is not supported)' : '';
  throw new ConvertError(file, `not a Qwen2.5-VL checkpoint: expected model_type "qwen2_5_vl" / ${ARCHITECTURE}, found ${what || 'neither field'}${hint}`);
}

function parseText(raw: Json, file: string): QwenTextConfig {
  const top = new FieldReader(file, raw, '');
  const nested = top.object('text_config');
  // Newer transformers write the language model's fields under text_config; older ones keep them flat.
  const src = nested && nested.hidden_size !== undefined ? nested : raw;
  const prefix = src === raw ? '' : 'text_config.';
  const r = new FieldReader(file, src, prefix);
  const hiddenSize = r.int('hidden_size');
  const numHeads = r.int('num_attention_heads');
  const numKvHeads = r.int('num_key_value_heads', numHeads);
  if (hiddenSize % numHeads !== 0) r.problem('hidden_size', `(${hiddenSize}) is not divisible by num_attention_heads (${numHeads})`);
  if (numHeads % numKvHeads !== 0) r.problem('num_key_value_heads', `(${numKvHeads}) does not divide num_attention_heads (${numHeads})`);
  const headDim = r.int('head_dim', hiddenSize / numHeads);
  if (headDim * numHeads !== hiddenSize) r.problem('head_dim', `(${headDim}) × num_attention_heads ≠ hidden_size (${hiddenSize})`);
  r.activation('hidden_act');
  if (r.bool('use_sliding_window', false)) r.problem('use_sliding_window', 'is true; sliding-window attention is not supported');

  // transformers ≤4.5x: rope_scaling {type|rope_type, mrope_section}; v5: rope_parameters {rope_theta, mrope_section}.
  const ropeHome = [src, raw]
    .flatMap((o) => ['rope_parameters', 'rope_scaling'].map((field) => ({ o, field })))
    .find(({ o, field }) => isObject(o[field]));
  if (!ropeHome) throw new ConvertError(file, `field "${prefix}rope_scaling" is missing (Qwen2.5-VL needs rope_scaling.mrope_section)`);
  const ropePrefix = `${ropeHome.o === raw ? '' : prefix}${ropeHome.field}.`;
  const ropeReader = new FieldReader(file, ropeHome.o[ropeHome.field] as Json, ropePrefix);
  const section = ropeReader.intList('mrope_section');
  if (section.length !== 3) ropeReader.problem('mrope_section', `must have 3 entries, got ${JSON.stringify(section)}`);
  const [t, h, w] = section as [number, number, number];
  if (t + h + w !== headDim / 2) ropeReader.problem('mrope_section', `sums to ${t + h + w}, must be head_dim/2 = ${headDim / 2}`);
  const ropeTheta = r.has('rope_theta') ? r.num('rope_theta') : ropeReader.num('rope_theta', 1e6);

  return {
    hiddenSize,
    intermediateSize: r.int('intermediate_size'),
    numLayers: r.int('num_hidden_layers'),
    numHeads,
    numKvHeads,
    headDim,
    vocabSize: r.int('vocab_size'),
    rmsNormEps: r.num('rms_norm_eps', 1e-6),
    ropeTheta,
    mropeSection: [t, h, w],
    tieWordEmbeddings: r.bool('tie_word_embeddings', top.bool('tie_word_embeddings', false)),
    maxPositionEmbeddings: r.int('max_position_embeddings', 128000),
  };
}

function parseVision(raw: Json, file: string): QwenVisionConfig {
  const vision = new FieldReader(file, raw, '').object('vision_config');
  if (!vision) throw new ConvertError(file, 'field "vision_config" is missing');
  const r = new FieldReader(file, vision, 'vision_config.');
  const hiddenSize = r.int('hidden_size');
  const numHeads = r.int('num_heads');
  if (hiddenSize % numHeads !== 0) r.problem('hidden_size', `(${hiddenSize}) is not divisible by num_heads (${numHeads})`);
  const headDim = hiddenSize / numHeads;
  if (headDim % 4 !== 0) r.problem('num_heads', `gives head_dim ${headDim}; the 2-D rotary embedding needs a multiple of 4`);
  const depth = r.int('depth');
  const patchSize = r.int('patch_size', r.int('spatial_patch_size', 14));
  const spatialMergeSize = r.int('spatial_merge_size', 2);
  const windowSize = r.int('window_size');
  if (windowSize % (patchSize * spatialMergeSize) !== 0) {
    r.problem('window_size', `(${windowSize}) must be a multiple of patch_size × spatial_merge_size (${patchSize * spatialMergeSize})`);
  }
  const fullattBlockIndexes = r.intList('fullatt_block_indexes');
  const outside = fullattBlockIndexes.find((i) => i >= depth);
  if (outside !== undefined) r.problem('fullatt_block_indexes', `names block ${outside} but depth is ${depth}`);
  r.activation('hidden_act');
  const inChannels = r.int('in_chans', r.int('in_channels', 3));
  const temporalPatchSize = r.int('temporal_patch_size', 2);
  return {
    depth,
    hiddenSize,
    intermediateSize: r.int('intermediate_size'),
    numHeads,
    headDim,
    outHiddenSize: r.int('out_hidden_size'),
    inChannels,
    patchSize,
    spatialMergeSize,
    temporalPatchSize,
    windowSize,
    fullattBlockIndexes,
    tokensPerSecond: r.int('tokens_per_second', 2),
    patchInputSize: inChannels * temporalPatchSize * patchSize * patchSize,
    rmsNormEps: 1e-6,
  };
}

function parseTokenIds(raw: Json, file: string): QwenTokenIds {
  const top = new FieldReader(file, raw, '');
  const nested = top.object('text_config');
  const pick = (field: string, fallback: number): number => {
    if (top.has(field)) return top.int(field, undefined, 0);
    if (nested && new FieldReader(file, nested, 'text_config.').has(field)) return new FieldReader(file, nested, 'text_config.').int(field, undefined, 0);
    return fallback;
  };
  const bos = pick('bos_token_id', -1);
  const eos = top.has('eos_token_id') ? top.idList('eos_token_id') : nested ? new FieldReader(file, nested, 'text_config.').idList('eos_token_id') : [];
  return {
    image: pick('image_token_id', 151655),
    video: pick('video_token_id', 151656),
    visionStart: pick('vision_start_token_id', 151652),
    visionEnd: pick('vision_end_token_id', 151653),
    bos: bos >= 0 ? bos : null,
    eos,
  };
}

/** Parses and checks a Qwen2.5-VL config.json object; `file` names it in errors. */
export function parseQwenVlConfig(json: unknown, file: string): QwenVlConfig {
  if (!isObject(json)) throw new ConvertError(file, 'is not a JSON object');
  assertQwen25Vl(json, file);
  const quantization = json.quantization_config;
  if (isObject(quantization)) {
    const method = typeof quantization.quant_method === 'string' ? ` (${quantization.quant_method})` : '';
    throw new ConvertError(file, `describes a pre-quantized checkpoint${method}; convert the original bf16 checkpoint (use --int4 for 4-bit)`);
  }
  const text = parseText(json, file);
  const vision = parseVision(json, file);
  if (vision.outHiddenSize !== text.hiddenSize) {
    throw new ConvertError(file, `field "vision_config.out_hidden_size" (${vision.outHiddenSize}) must equal the text hidden_size (${text.hiddenSize})`);
  }
  return { text, vision, tokenIds: parseTokenIds(json, file), raw: json };
}
