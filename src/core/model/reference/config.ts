/**
 * The Qwen2.5-VL `config.json` fields the reference forward pass needs, read the way Hugging Face
 * reads them: text fields from `text_config` when present, else from the top level (original
 * Qwen2.5-VL checkpoints are flat); `rope_scaling` or the newer `rope_parameters`; HF defaults
 * where the file may omit a field.
 */

export interface ReferenceTextConfig {
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKeyValueHeads: number;
  headDim: number;
  rmsNormEps: number;
  ropeTheta: number;
  /** Halves of head_dim given to the temporal, height and width streams; sums to headDim / 2. */
  mropeSection: [number, number, number];
  tieWordEmbeddings: boolean;
}

export interface ReferenceVisionConfig {
  depth: number;
  hiddenSize: number;
  numHeads: number;
  headDim: number;
  intermediateSize: number;
  outHiddenSize: number;
  inChannels: number;
  patchSize: number;
  temporalPatchSize: number;
  spatialMergeSize: number;
  windowSize: number;
  fullAttentionBlocks: number[];
  tokensPerSecond: number;
}

export interface ReferenceConfig {
  text: ReferenceTextConfig;
  vision: ReferenceVisionConfig;
  imageTokenId: number;
  videoTokenId: number;
  visionStartTokenId: number;
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class FieldReader {
  constructor(
    private readonly source: string,
    private readonly prefix: string,
    private readonly object: JsonObject,
  ) {}

  private fail(field: string, what: string): never {
    throw new Error(`${this.source}: field ${this.prefix}${field} ${what}`);
  }

  has(field: string): boolean {
    return this.object[field] !== undefined && this.object[field] !== null;
  }

  int(field: string, fallback?: number): number {
    const value = this.object[field] ?? fallback;
    if (value === undefined) this.fail(field, 'is missing');
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) this.fail(field, `must be a non-negative integer, got ${JSON.stringify(value)}`);
    return value;
  }

  positiveInt(field: string, fallback?: number): number {
    const value = this.int(field, fallback);
    if (value === 0) this.fail(field, 'must be positive');
    return value;
  }

  number(field: string, fallback?: number): number {
    const value = this.object[field] ?? fallback;
    if (value === undefined) this.fail(field, 'is missing');
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(field, `must be a number, got ${JSON.stringify(value)}`);
    return value;
  }

  intList(field: string, fallback?: number[]): number[] {
    const value = this.object[field] ?? fallback;
    if (value === undefined) this.fail(field, 'is missing');
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0)) {
      this.fail(field, `must be a list of non-negative integers, got ${JSON.stringify(value)}`);
    }
    return value as number[];
  }

  optionalBool(field: string): boolean | undefined {
    const value = this.object[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') this.fail(field, `must be true or false, got ${JSON.stringify(value)}`);
    return value;
  }

  optionalObject(field: string): FieldReader | undefined {
    const value = this.object[field];
    if (value === undefined || value === null) return undefined;
    if (!isObject(value)) this.fail(field, 'must be an object');
    return new FieldReader(this.source, `${this.prefix}${field}.`, value);
  }

  activation(field: string, expected: string): void {
    const value = this.object[field] ?? expected;
    if (value !== expected) this.fail(field, `is ${JSON.stringify(value)}; the reference implements only "${expected}"`);
  }
}

/** Parses a parsed `config.json`; `source` (usually its path) prefixes every error message. */
export function parseReferenceConfig(json: unknown, source = 'config.json'): ReferenceConfig {
  if (!isObject(json)) throw new Error(`${source}: the top level must be a JSON object`);
  const top = new FieldReader(source, '', json);
  const text = top.optionalObject('text_config') ?? top;
  const visionReader = top.optionalObject('vision_config');
  if (!visionReader) throw new Error(`${source}: field vision_config is missing`);

  const hiddenSize = text.positiveInt('hidden_size');
  const numHeads = text.positiveInt('num_attention_heads');
  if (hiddenSize % numHeads !== 0) throw new Error(`${source}: hidden_size ${hiddenSize} is not divisible by num_attention_heads ${numHeads}`);
  const headDim = hiddenSize / numHeads;
  const numKeyValueHeads = text.positiveInt('num_key_value_heads', numHeads);
  if (numHeads % numKeyValueHeads !== 0) throw new Error(`${source}: num_attention_heads ${numHeads} is not a multiple of num_key_value_heads ${numKeyValueHeads}`);
  text.activation('hidden_act', 'silu');

  const rope = text.optionalObject('rope_scaling') ?? text.optionalObject('rope_parameters') ?? top.optionalObject('rope_scaling') ?? top.optionalObject('rope_parameters');
  if (!rope) throw new Error(`${source}: field rope_scaling (or rope_parameters) with mrope_section is missing`);
  const section = rope.intList('mrope_section');
  if (section.length !== 3 || section.reduce((a, b) => a + b, 0) !== headDim / 2) {
    throw new Error(`${source}: mrope_section ${JSON.stringify(section)} must be 3 numbers summing to head_dim/2 = ${headDim / 2}`);
  }
  const ropeTheta = rope.has('rope_theta') ? rope.number('rope_theta') : text.number('rope_theta', 1e6);

  const tie = text.optionalBool('tie_word_embeddings') ?? top.optionalBool('tie_word_embeddings') ?? false;

  const vision = visionReader;
  const vHidden = vision.positiveInt('hidden_size', 3584);
  const vHeads = vision.positiveInt('num_heads', 16);
  if (vHidden % vHeads !== 0 || (vHidden / vHeads) % 4 !== 0) {
    throw new Error(`${source}: vision_config.hidden_size ${vHidden} / num_heads ${vHeads} must be a multiple of 4`);
  }
  vision.activation('hidden_act', 'silu');
  const patchSize = vision.positiveInt('patch_size', 14);
  const spatialMergeSize = vision.positiveInt('spatial_merge_size', 2);
  const windowSize = vision.positiveInt('window_size', 112);
  if (windowSize % (patchSize * spatialMergeSize) !== 0) {
    throw new Error(`${source}: vision_config.window_size ${windowSize} must be a multiple of patch_size × spatial_merge_size`);
  }

  return {
    text: {
      vocabSize: text.positiveInt('vocab_size'),
      hiddenSize,
      intermediateSize: text.positiveInt('intermediate_size'),
      numLayers: text.positiveInt('num_hidden_layers'),
      numHeads,
      numKeyValueHeads,
      headDim,
      rmsNormEps: text.number('rms_norm_eps', 1e-5),
      ropeTheta,
      mropeSection: [section[0] as number, section[1] as number, section[2] as number],
      tieWordEmbeddings: tie,
    },
    vision: {
      depth: vision.positiveInt('depth', 32),
      hiddenSize: vHidden,
      numHeads: vHeads,
      headDim: vHidden / vHeads,
      intermediateSize: vision.positiveInt('intermediate_size', 3420),
      outHiddenSize: vision.positiveInt('out_hidden_size', 3584),
      inChannels: vision.has('in_channels') ? vision.positiveInt('in_channels') : vision.positiveInt('in_chans', 3),
      patchSize,
      temporalPatchSize: vision.positiveInt('temporal_patch_size', 2),
      spatialMergeSize,
      windowSize,
      fullAttentionBlocks: vision.intList('fullatt_block_indexes', [7, 15, 23, 31]),
      tokensPerSecond: vision.number('tokens_per_second', 4),
    },
    imageTokenId: top.int('image_token_id', 151655),
    videoTokenId: top.int('video_token_id', 151656),
    visionStartTokenId: top.int('vision_start_token_id', 151652),
  };
}
