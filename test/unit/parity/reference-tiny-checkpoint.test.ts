import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadReferenceModel, type ReferenceModel } from '../../../src/core/model/reference/reference-model';
import { writeTinyCheckpoint, type TinyCheckpointOptions } from '../../support/tiny-qwen-checkpoint';

/** Every tensor the reference gathered, under its published checkpoint name. */
function publishedNames(model: ReferenceModel): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  const { text, vision } = model.weights;
  out.set('model.embed_tokens.weight', text.embedTokens);
  text.layers.forEach((l, i) => {
    const p = `model.layers.${i}.`;
    const entries: Array<[string, Float32Array]> = [
      ['input_layernorm.weight', l.inputNorm], ['self_attn.q_proj.weight', l.qWeight], ['self_attn.q_proj.bias', l.qBias],
      ['self_attn.k_proj.weight', l.kWeight], ['self_attn.k_proj.bias', l.kBias], ['self_attn.v_proj.weight', l.vWeight],
      ['self_attn.v_proj.bias', l.vBias], ['self_attn.o_proj.weight', l.oWeight], ['post_attention_layernorm.weight', l.postAttentionNorm],
      ['mlp.gate_proj.weight', l.gateWeight], ['mlp.up_proj.weight', l.upWeight], ['mlp.down_proj.weight', l.downWeight],
    ];
    for (const [name, data] of entries) out.set(p + name, data);
  });
  out.set('model.norm.weight', text.finalNorm);
  if (!model.config.text.tieWordEmbeddings) out.set('lm_head.weight', text.lmHead);
  out.set('visual.patch_embed.proj.weight', vision.patchEmbed);
  vision.blocks.forEach((b, i) => {
    const p = `visual.blocks.${i}.`;
    const entries: Array<[string, Float32Array]> = [
      ['norm1.weight', b.norm1], ['norm2.weight', b.norm2], ['attn.qkv.weight', b.qkvWeight], ['attn.qkv.bias', b.qkvBias],
      ['attn.proj.weight', b.projWeight], ['attn.proj.bias', b.projBias], ['mlp.gate_proj.weight', b.gateWeight], ['mlp.gate_proj.bias', b.gateBias],
      ['mlp.up_proj.weight', b.upWeight], ['mlp.up_proj.bias', b.upBias], ['mlp.down_proj.weight', b.downWeight], ['mlp.down_proj.bias', b.downBias],
    ];
    for (const [name, data] of entries) out.set(p + name, data);
  });
  out.set('visual.merger.ln_q.weight', vision.mergerNorm);
  out.set('visual.merger.mlp.0.weight', vision.mergerFc1Weight);
  out.set('visual.merger.mlp.0.bias', vision.mergerFc1Bias);
  out.set('visual.merger.mlp.2.weight', vision.mergerFc2Weight);
  out.set('visual.merger.mlp.2.bias', vision.mergerFc2Bias);
  return out;
}

const VARIANTS: TinyCheckpointOptions[] = [
  { dtype: 'BF16', keyStyle: 'published', configStyle: 'flat', shards: 2 },
  { dtype: 'F16', keyStyle: 'modern', configStyle: 'nested', shards: 3 },
  { dtype: 'F32', keyStyle: 'published', configStyle: 'nested', shards: 1, tieWordEmbeddings: true },
];

test('the reference loads the tiny checkpoint test fixture in every key, config and dtype style, value for value', async () => {
  const root = mkdtempSync(join(tmpdir(), 'ref-tiny-'));
  try {
    for (const [i, variant] of VARIANTS.entries()) {
      const checkpoint = await writeTinyCheckpoint(join(root, String(i)), { seed: 7 + i, ...variant });
      const model = loadReferenceModel(checkpoint.dir);
      const ours = publishedNames(model);
      const label = JSON.stringify(variant);
      assert.deepEqual([...ours.keys()].sort(), [...checkpoint.weights.keys()].sort(), label);
      for (const [name, tensor] of checkpoint.weights) assert.deepEqual(ours.get(name), tensor.data, `${label} ${name}`);
      const { text, vision } = model.config;
      assert.equal(text.headDim, checkpoint.modelConfig.text.headDim, label);
      assert.deepEqual(text.mropeSection, [2, 3, 3], label);
      assert.equal(vision.inChannels, 3, label);
      assert.deepEqual(vision.fullAttentionBlocks, [1, 3], label);
      assert.equal(model.config.imageTokenId, checkpoint.specialTokens.imagePad, label);
      assert.equal(model.config.visionStartTokenId, checkpoint.specialTokens.visionStart, label);
      if (variant.tieWordEmbeddings) assert.equal(model.weights.text.lmHead, model.weights.text.embedTokens);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
