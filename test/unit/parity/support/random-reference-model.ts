/**
 * Small Qwen2.5-VL-shaped models with seeded random weights, built in memory under the real
 * checkpoint key names, for testing the reference forward pass on its own.
 */
import { parseReferenceConfig, type ReferenceConfig } from '../../../../src/core/model/reference/config';
import { matrix, type Matrix } from '../../../../src/core/model/reference/matrix';
import { referenceModelFromTensors, type ReferenceModel } from '../../../../src/core/model/reference/reference-model';
import type { NamedTensor } from '../../../../src/core/model/reference/weights';

export const TOKENS = { visionStart: 58, visionEnd: 59, image: 60, video: 61 } as const;

export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RandomModelOptions {
  seed?: number;
  windowSize?: number;
  fullAttentionBlocks?: number[];
  patchSize?: number;
  textLayers?: number;
  numKeyValueHeads?: number;
  visionDepth?: number;
  /** Use the newer `model.language_model.*` / `model.visual.*` key layout. */
  nestedKeys?: boolean;
}

export function randomConfigJson(options: RandomModelOptions = {}): Record<string, unknown> {
  return {
    architectures: ['Qwen2_5_VLForConditionalGeneration'],
    model_type: 'qwen2_5_vl',
    vocab_size: 64,
    hidden_size: 32,
    intermediate_size: 48,
    num_hidden_layers: options.textLayers ?? 2,
    num_attention_heads: 4,
    num_key_value_heads: options.numKeyValueHeads ?? 2,
    hidden_act: 'silu',
    rms_norm_eps: 1e-6,
    rope_theta: 10000,
    rope_scaling: { type: 'mrope', mrope_section: [1, 1, 2] },
    tie_word_embeddings: false,
    image_token_id: TOKENS.image,
    video_token_id: TOKENS.video,
    vision_start_token_id: TOKENS.visionStart,
    vision_end_token_id: TOKENS.visionEnd,
    vision_config: {
      depth: options.visionDepth ?? 3,
      hidden_size: 16,
      num_heads: 2,
      intermediate_size: 24,
      out_hidden_size: 32,
      in_channels: 3,
      patch_size: options.patchSize ?? 2,
      temporal_patch_size: 2,
      spatial_merge_size: 2,
      window_size: options.windowSize ?? 8,
      fullatt_block_indexes: options.fullAttentionBlocks ?? [1],
      tokens_per_second: 2,
      hidden_act: 'silu',
    },
  };
}

/** Every tensor the config needs, filled from one seeded stream. */
export function randomTensors(config: ReferenceConfig, options: RandomModelOptions = {}): Map<string, NamedTensor> {
  const random = seededRandom(options.seed ?? 1);
  const tensors = new Map<string, NamedTensor>();
  const textPrefix = options.nestedKeys ? 'model.language_model.' : 'model.';
  const visionPrefix = options.nestedKeys ? 'model.visual.' : 'visual.';
  const add = (name: string, shape: number[], kind: 'weight' | 'norm' | 'bias'): void => {
    const count = shape.reduce((a, b) => a * b, 1);
    const fan = shape.length > 1 ? shape.slice(1).reduce((a, b) => a * b, 1) : 1;
    const amplitude = kind === 'norm' ? 0.2 : kind === 'bias' ? 0.1 : Math.sqrt(3 / fan);
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = (kind === 'norm' ? 1 : 0) + (random() * 2 - 1) * amplitude;
    tensors.set(name, { shape, data });
  };
  const t = config.text;
  const kv = t.numKeyValueHeads * t.headDim;
  add(`${textPrefix}embed_tokens.weight`, [t.vocabSize, t.hiddenSize], 'norm');
  for (let i = 0; i < t.numLayers; i++) {
    const p = `${textPrefix}layers.${i}.`;
    add(`${p}input_layernorm.weight`, [t.hiddenSize], 'norm');
    add(`${p}self_attn.q_proj.weight`, [t.hiddenSize, t.hiddenSize], 'weight');
    add(`${p}self_attn.q_proj.bias`, [t.hiddenSize], 'bias');
    add(`${p}self_attn.k_proj.weight`, [kv, t.hiddenSize], 'weight');
    add(`${p}self_attn.k_proj.bias`, [kv], 'bias');
    add(`${p}self_attn.v_proj.weight`, [kv, t.hiddenSize], 'weight');
    add(`${p}self_attn.v_proj.bias`, [kv], 'bias');
    add(`${p}self_attn.o_proj.weight`, [t.hiddenSize, t.hiddenSize], 'weight');
    add(`${p}post_attention_layernorm.weight`, [t.hiddenSize], 'norm');
    add(`${p}mlp.gate_proj.weight`, [t.intermediateSize, t.hiddenSize], 'weight');
    add(`${p}mlp.up_proj.weight`, [t.intermediateSize, t.hiddenSize], 'weight');
    add(`${p}mlp.down_proj.weight`, [t.hiddenSize, t.intermediateSize], 'weight');
  }
  add(`${textPrefix}norm.weight`, [t.hiddenSize], 'norm');
  add('lm_head.weight', [t.vocabSize, t.hiddenSize], 'weight');
  const v = config.vision;
  add(`${visionPrefix}patch_embed.proj.weight`, [v.hiddenSize, v.inChannels, v.temporalPatchSize, v.patchSize, v.patchSize], 'weight');
  for (let i = 0; i < v.depth; i++) {
    const p = `${visionPrefix}blocks.${i}.`;
    add(`${p}norm1.weight`, [v.hiddenSize], 'norm');
    add(`${p}attn.qkv.weight`, [3 * v.hiddenSize, v.hiddenSize], 'weight');
    add(`${p}attn.qkv.bias`, [3 * v.hiddenSize], 'bias');
    add(`${p}attn.proj.weight`, [v.hiddenSize, v.hiddenSize], 'weight');
    add(`${p}attn.proj.bias`, [v.hiddenSize], 'bias');
    add(`${p}norm2.weight`, [v.hiddenSize], 'norm');
    for (const [name, out, inp] of [['gate_proj', v.intermediateSize, v.hiddenSize], ['up_proj', v.intermediateSize, v.hiddenSize], ['down_proj', v.hiddenSize, v.intermediateSize]] as const) {
      add(`${p}mlp.${name}.weight`, [out, inp], 'weight');
      add(`${p}mlp.${name}.bias`, [out], 'bias');
    }
  }
  const merged = v.hiddenSize * v.spatialMergeSize ** 2;
  add(`${visionPrefix}merger.ln_q.weight`, [v.hiddenSize], 'norm');
  add(`${visionPrefix}merger.mlp.0.weight`, [merged, merged], 'weight');
  add(`${visionPrefix}merger.mlp.0.bias`, [merged], 'bias');
  add(`${visionPrefix}merger.mlp.2.weight`, [v.outHiddenSize, merged], 'weight');
  add(`${visionPrefix}merger.mlp.2.bias`, [v.outHiddenSize], 'bias');
  return tensors;
}

export function randomReferenceModel(options: RandomModelOptions = {}): ReferenceModel {
  const config = parseReferenceConfig(randomConfigJson(options), 'random config');
  const tensors = randomTensors(config, options);
  return referenceModelFromTensors(config, (name) => tensors.get(name));
}

export function randomMatrix(rows: number, cols: number, seed: number, amplitude = 1): Matrix {
  const random = seededRandom(seed);
  const out = matrix(rows, cols);
  for (let i = 0; i < out.data.length; i++) out.data[i] = (random() * 2 - 1) * amplitude;
  return out;
}

export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxAbsDifference: lengths ${a.length} and ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

/** `<|vision_start|>`, `count` image pads, `<|vision_end|>`. */
export function imageSpan(count: number): number[] {
  return [TOKENS.visionStart, ...Array.from({ length: count }, () => TOKENS.image), TOKENS.visionEnd];
}
