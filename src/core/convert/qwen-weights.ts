import type { QwenVlConfig } from './qwen-config';

/** One weight the converter needs, by its name in the original (flat) Qwen2.5-VL checkpoint. */
export interface ExpectedTensor {
  name: string;
  shape: number[];
}

/**
 * Newer transformers save `model.language_model.*` and `model.visual.*`; the published checkpoint uses
 * `model.*` and `visual.*`. Everything here speaks the published names.
 */
export function canonicalWeightName(name: string): string {
  if (name.startsWith('model.language_model.')) return `model.${name.slice('model.language_model.'.length)}`;
  if (name.startsWith('model.visual.')) return `visual.${name.slice('model.visual.'.length)}`;
  return name;
}

/** The newer transformers spelling of a published name (for writing test checkpoints in that style). */
export function modernWeightName(name: string): string {
  if (name.startsWith('visual.')) return `model.${name}`;
  if (name.startsWith('model.')) return `model.language_model.${name.slice('model.'.length)}`;
  return name;
}

export const textLayerPrefix = (i: number): string => `model.layers.${i}.`;
export const visionBlockPrefix = (i: number): string => `visual.blocks.${i}.`;

/** Every tensor a Qwen2.5-VL checkpoint with this config holds, with its shape. */
export function expectedTensors(config: QwenVlConfig): ExpectedTensor[] {
  const { text, vision } = config;
  const h = text.hiddenSize;
  const kv = text.numKvHeads * text.headDim;
  const out: ExpectedTensor[] = [{ name: 'model.embed_tokens.weight', shape: [text.vocabSize, h] }];
  for (let i = 0; i < text.numLayers; i++) {
    const p = textLayerPrefix(i);
    out.push(
      { name: `${p}input_layernorm.weight`, shape: [h] },
      { name: `${p}self_attn.q_proj.weight`, shape: [h, h] },
      { name: `${p}self_attn.q_proj.bias`, shape: [h] },
      { name: `${p}self_attn.k_proj.weight`, shape: [kv, h] },
      { name: `${p}self_attn.k_proj.bias`, shape: [kv] },
      { name: `${p}self_attn.v_proj.weight`, shape: [kv, h] },
      { name: `${p}self_attn.v_proj.bias`, shape: [kv] },
      { name: `${p}self_attn.o_proj.weight`, shape: [h, h] },
      { name: `${p}post_attention_layernorm.weight`, shape: [h] },
      { name: `${p}mlp.gate_proj.weight`, shape: [text.intermediateSize, h] },
      { name: `${p}mlp.up_proj.weight`, shape: [text.intermediateSize, h] },
      { name: `${p}mlp.down_proj.weight`, shape: [h, text.intermediateSize] },
    );
  }
  out.push({ name: 'model.norm.weight', shape: [h] });
  if (!text.tieWordEmbeddings) out.push({ name: 'lm_head.weight', shape: [text.vocabSize, h] });

  const d = vision.hiddenSize;
  const m = vision.intermediateSize;
  const merged = d * vision.spatialMergeSize ** 2;
  out.push({
    name: 'visual.patch_embed.proj.weight',
    shape: [d, vision.inChannels, vision.temporalPatchSize, vision.patchSize, vision.patchSize],
  });
  for (let i = 0; i < vision.depth; i++) {
    const p = visionBlockPrefix(i);
    out.push(
      { name: `${p}norm1.weight`, shape: [d] },
      { name: `${p}norm2.weight`, shape: [d] },
      { name: `${p}attn.qkv.weight`, shape: [3 * d, d] },
      { name: `${p}attn.qkv.bias`, shape: [3 * d] },
      { name: `${p}attn.proj.weight`, shape: [d, d] },
      { name: `${p}attn.proj.bias`, shape: [d] },
      { name: `${p}mlp.gate_proj.weight`, shape: [m, d] },
      { name: `${p}mlp.gate_proj.bias`, shape: [m] },
      { name: `${p}mlp.up_proj.weight`, shape: [m, d] },
      { name: `${p}mlp.up_proj.bias`, shape: [m] },
      { name: `${p}mlp.down_proj.weight`, shape: [d, m] },
      { name: `${p}mlp.down_proj.bias`, shape: [d] },
    );
  }
  out.push(
    { name: 'visual.merger.ln_q.weight', shape: [d] },
    { name: 'visual.merger.mlp.0.weight', shape: [merged, merged] },
    { name: 'visual.merger.mlp.0.bias', shape: [merged] },
    { name: 'visual.merger.mlp.2.weight', shape: [vision.outHiddenSize, merged] },
    { name: 'visual.merger.mlp.2.bias', shape: [vision.outHiddenSize] },
  );
  return out;
}
