/**
 * The reference model's parameters, gathered by Hugging Face checkpoint key names. Both key
 * layouts are accepted: original Qwen2.5-VL (`model.layers.*`, `visual.*`) and the one newer
 * transformers saves (`model.language_model.layers.*`, `model.visual.*`).
 */
import type { ReferenceConfig } from './config';

export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

/** Looks a tensor up by its checkpoint name; undefined when absent. */
export type TensorLookup = (name: string) => NamedTensor | undefined;

export interface TextLayerWeights {
  inputNorm: Float32Array;
  qWeight: Float32Array;
  qBias: Float32Array;
  kWeight: Float32Array;
  kBias: Float32Array;
  vWeight: Float32Array;
  vBias: Float32Array;
  oWeight: Float32Array;
  postAttentionNorm: Float32Array;
  gateWeight: Float32Array;
  upWeight: Float32Array;
  downWeight: Float32Array;
}

export interface TextWeights {
  embedTokens: Float32Array;
  layers: TextLayerWeights[];
  finalNorm: Float32Array;
  lmHead: Float32Array;
}

export interface VisionBlockWeights {
  norm1: Float32Array;
  qkvWeight: Float32Array;
  qkvBias: Float32Array;
  projWeight: Float32Array;
  projBias: Float32Array;
  norm2: Float32Array;
  gateWeight: Float32Array;
  gateBias: Float32Array;
  upWeight: Float32Array;
  upBias: Float32Array;
  downWeight: Float32Array;
  downBias: Float32Array;
}

export interface VisionWeights {
  /** Conv3d kernel `[hidden, C, T, P, P]`, read as the `[hidden, C·T·P·P]` matrix of a linear map. */
  patchEmbed: Float32Array;
  blocks: VisionBlockWeights[];
  mergerNorm: Float32Array;
  mergerFc1Weight: Float32Array;
  mergerFc1Bias: Float32Array;
  mergerFc2Weight: Float32Array;
  mergerFc2Bias: Float32Array;
}

export interface ReferenceWeights {
  text: TextWeights;
  vision: VisionWeights;
}

class WeightGatherer {
  constructor(
    private readonly lookup: TensorLookup,
    private readonly source: string,
  ) {}

  /** The first of `prefixes` under which `name` exists, checked against `shape`. */
  take(prefixes: readonly string[], name: string, shape: readonly number[]): Float32Array {
    for (const prefix of prefixes) {
      const tensor = this.lookup(prefix + name);
      if (!tensor) continue;
      const expected = shape.reduce((a, b) => a * b, 1);
      const sameShape = tensor.shape.length === shape.length && tensor.shape.every((d, i) => d === shape[i]);
      if (!sameShape || tensor.data.length !== expected) {
        throw new Error(`${this.source}: tensor ${prefix}${name} has shape [${tensor.shape.join(',')}], expected [${shape.join(',')}]`);
      }
      return tensor.data;
    }
    throw new Error(`${this.source}: tensor ${prefixes.map((p) => p + name).join(' (or ')}${')'.repeat(prefixes.length - 1)} is missing`);
  }

  has(prefixes: readonly string[], name: string): boolean {
    return prefixes.some((prefix) => this.lookup(prefix + name) !== undefined);
  }
}

const TEXT_PREFIXES = ['model.language_model.', 'model.'];
const VISION_PREFIXES = ['model.visual.', 'visual.'];
const HEAD_PREFIXES = ['lm_head.', 'model.lm_head.'];

export function gatherReferenceWeights(config: ReferenceConfig, lookup: TensorLookup, source = 'checkpoint'): ReferenceWeights {
  const g = new WeightGatherer(lookup, source);
  const t = config.text;
  const kvDim = t.numKeyValueHeads * t.headDim;
  const embedTokens = g.take(TEXT_PREFIXES, 'embed_tokens.weight', [t.vocabSize, t.hiddenSize]);
  const layers: TextLayerWeights[] = [];
  for (let i = 0; i < t.numLayers; i++) {
    const p = `layers.${i}.`;
    layers.push({
      inputNorm: g.take(TEXT_PREFIXES, `${p}input_layernorm.weight`, [t.hiddenSize]),
      qWeight: g.take(TEXT_PREFIXES, `${p}self_attn.q_proj.weight`, [t.hiddenSize, t.hiddenSize]),
      qBias: g.take(TEXT_PREFIXES, `${p}self_attn.q_proj.bias`, [t.hiddenSize]),
      kWeight: g.take(TEXT_PREFIXES, `${p}self_attn.k_proj.weight`, [kvDim, t.hiddenSize]),
      kBias: g.take(TEXT_PREFIXES, `${p}self_attn.k_proj.bias`, [kvDim]),
      vWeight: g.take(TEXT_PREFIXES, `${p}self_attn.v_proj.weight`, [kvDim, t.hiddenSize]),
      vBias: g.take(TEXT_PREFIXES, `${p}self_attn.v_proj.bias`, [kvDim]),
      oWeight: g.take(TEXT_PREFIXES, `${p}self_attn.o_proj.weight`, [t.hiddenSize, t.hiddenSize]),
      postAttentionNorm: g.take(TEXT_PREFIXES, `${p}post_attention_layernorm.weight`, [t.hiddenSize]),
      gateWeight: g.take(TEXT_PREFIXES, `${p}mlp.gate_proj.weight`, [t.intermediateSize, t.hiddenSize]),
      upWeight: g.take(TEXT_PREFIXES, `${p}mlp.up_proj.weight`, [t.intermediateSize, t.hiddenSize]),
      downWeight: g.take(TEXT_PREFIXES, `${p}mlp.down_proj.weight`, [t.hiddenSize, t.intermediateSize]),
    });
  }
  const finalNorm = g.take(TEXT_PREFIXES, 'norm.weight', [t.hiddenSize]);
  const lmHead = t.tieWordEmbeddings ? embedTokens : g.take(HEAD_PREFIXES, 'weight', [t.vocabSize, t.hiddenSize]);

  const v = config.vision;
  const blocks: VisionBlockWeights[] = [];
  for (let i = 0; i < v.depth; i++) {
    const p = `blocks.${i}.`;
    blocks.push({
      norm1: g.take(VISION_PREFIXES, `${p}norm1.weight`, [v.hiddenSize]),
      qkvWeight: g.take(VISION_PREFIXES, `${p}attn.qkv.weight`, [3 * v.hiddenSize, v.hiddenSize]),
      qkvBias: g.take(VISION_PREFIXES, `${p}attn.qkv.bias`, [3 * v.hiddenSize]),
      projWeight: g.take(VISION_PREFIXES, `${p}attn.proj.weight`, [v.hiddenSize, v.hiddenSize]),
      projBias: g.take(VISION_PREFIXES, `${p}attn.proj.bias`, [v.hiddenSize]),
      norm2: g.take(VISION_PREFIXES, `${p}norm2.weight`, [v.hiddenSize]),
      gateWeight: g.take(VISION_PREFIXES, `${p}mlp.gate_proj.weight`, [v.intermediateSize, v.hiddenSize]),
      gateBias: g.take(VISION_PREFIXES, `${p}mlp.gate_proj.bias`, [v.intermediateSize]),
      upWeight: g.take(VISION_PREFIXES, `${p}mlp.up_proj.weight`, [v.intermediateSize, v.hiddenSize]),
      upBias: g.take(VISION_PREFIXES, `${p}mlp.up_proj.bias`, [v.intermediateSize]),
      downWeight: g.take(VISION_PREFIXES, `${p}mlp.down_proj.weight`, [v.hiddenSize, v.intermediateSize]),
      downBias: g.take(VISION_PREFIXES, `${p}mlp.down_proj.bias`, [v.hiddenSize]),
    });
  }
  const mergedDim = v.hiddenSize * v.spatialMergeSize * v.spatialMergeSize;
  return {
    text: { embedTokens, layers, finalNorm, lmHead },
    vision: {
      patchEmbed: g.take(VISION_PREFIXES, 'patch_embed.proj.weight', [v.hiddenSize, v.inChannels, v.temporalPatchSize, v.patchSize, v.patchSize]),
      blocks,
      mergerNorm: g.take(VISION_PREFIXES, 'merger.ln_q.weight', [v.hiddenSize]),
      mergerFc1Weight: g.take(VISION_PREFIXES, 'merger.mlp.0.weight', [mergedDim, mergedDim]),
      mergerFc1Bias: g.take(VISION_PREFIXES, 'merger.mlp.0.bias', [mergedDim]),
      mergerFc2Weight: g.take(VISION_PREFIXES, 'merger.mlp.2.weight', [v.outHiddenSize, mergedDim]),
      mergerFc2Bias: g.take(VISION_PREFIXES, 'merger.mlp.2.bias', [v.outHiddenSize]),
    },
  };
}
