import { int, MS_DOMAIN } from './graph-builder';
import { LayerEmitter } from './layers';
import { DataType } from './onnx-proto';
import type { QwenTextConfig } from './qwen-config';
import { textLayerPrefix } from './qwen-weights';

/** Graph value names of the decoder, as transformers.js and onnxruntime-genai name them. */
export const DECODER_IO = {
  inputsEmbeds: 'inputs_embeds',
  attentionMask: 'attention_mask',
  positionIds: 'position_ids',
  pastKey: (i: number) => `past_key_values.${i}.key`,
  pastValue: (i: number) => `past_key_values.${i}.value`,
  logits: 'logits',
  presentKey: (i: number) => `present.${i}.key`,
  presentValue: (i: number) => `present.${i}.value`,
} as const;

/** Rotary inverse frequencies as transformers computes them: 1 / θ^(2j/d), float32. */
export function ropeInverseFrequencies(theta: number, rotaryDim: number): Float32Array {
  const out = new Float32Array(rotaryDim / 2);
  for (let j = 0; j < out.length; j++) out[j] = Math.fround(1 / Math.fround(theta ** Math.fround((2 * j) / rotaryDim)));
  return out;
}

/**
 * M-RoPE tables [3, 1, 1, headDim/2]: row a holds inv_freq where frequency j belongs to axis a's
 * mrope section, else 0. Σₐ pos[a] · M[a] then picks each frequency's angle from its own axis, which equals
 * transformers' `cat(m[i % 3] for m in cos.split(mrope_section * 2))` (the second half repeats the first).
 */
export function mropeFrequencyTable(text: QwenTextConfig): Float32Array {
  const half = text.headDim / 2;
  const invFreq = ropeInverseFrequencies(text.ropeTheta, text.headDim);
  const table = new Float32Array(3 * half);
  let j = 0;
  text.mropeSection.forEach((count, axis) => {
    for (let c = 0; c < count; c++, j++) table[axis * half + j] = invFreq[j] as number;
  });
  return table;
}

/**
 * The Qwen2.5-VL language model with a KV cache:
 *   inputs_embeds [B,S,H], attention_mask int64 [B,T], position_ids int64 [3,B,S], past_key_values.{i}.key|value [B,Nkv,P,Hd]
 *   → logits [B,S,V], present.{i}.key|value [B,Nkv,T,Hd]   (T = P + S).
 * attention_mask must be ones, optionally right-padded: GroupQueryAttention reads only its row sums.
 */
export async function emitDecoder(e: LayerEmitter, text: QwenTextConfig, onLayer?: (i: number) => void): Promise<void> {
  const { g } = e;
  const act = e.act;
  const kvDims = ['batch_size', text.numKvHeads, 'past_sequence_length', text.headDim];
  const embeds = g.input(DECODER_IO.inputsEmbeds, act, ['batch_size', 'sequence_length', text.hiddenSize]);
  const mask = g.input(DECODER_IO.attentionMask, DataType.INT64, ['batch_size', 'total_sequence_length']);
  const positions = g.input(DECODER_IO.positionIds, DataType.INT64, [3, 'batch_size', 'sequence_length']);
  for (let i = 0; i < text.numLayers; i++) {
    g.input(DECODER_IO.pastKey(i), act, kvDims);
    g.input(DECODER_IO.pastValue(i), act, kvDims);
  }

  // GroupQueryAttention's lengths: seqlens_k = Σ mask − 1 per row; total_sequence_length = mask width.
  const maskSum = g.op('ReduceSum', [mask, g.int64s('axis1', [1])], { keepdims: int(0) });
  const seqlensK = g.op('Cast', [g.op('Sub', [maskSum, g.int64s('one', [1], true)])], { to: int(DataType.INT32) }, { name: 'seqlens_k' });
  const maskWidth = g.op('Gather', [g.op('Shape', [mask]), g.int64s('index1', [1], true)], { axis: int(0) });
  const totalLength = g.op('Cast', [maskWidth], { to: int(DataType.INT32) }, { name: 'total_sequence_length' });

  // M-RoPE angles [B·S, Hd/2] in float32, fed to RotaryEmbedding with positions 0..B·S−1.
  const half = text.headDim / 2;
  const table = g.constant('mrope_inv_freq', DataType.FLOAT, [3, 1, 1, half], mropeFrequencyTable(text));
  const pos = g.op('Unsqueeze', [g.op('Cast', [positions], { to: int(DataType.FLOAT) }), g.int64s('last_axis', [-1])]);
  const angles = g.op('ReduceSum', [g.op('Mul', [pos, table]), g.int64s('axis0', [0])], { keepdims: int(0) }, { name: 'mrope_angles' });
  const flatAngles = g.op('Reshape', [angles, g.int64s('rope_rows', [-1, half])]);
  const cos = g.op('Cos', [flatAngles], {}, { name: 'rope_cos' });
  const sin = g.op('Sin', [flatAngles], {}, { name: 'rope_sin' });
  const batchSeq = g.op('Slice', [g.op('Shape', [positions]), g.int64s('from1', [1]), g.int64s('to3', [3])]);
  const tokenCount = g.op('ReduceProd', [batchSeq], { keepdims: int(0) });
  const ropeRows = g.op('Range', [g.int64s('zero', [0], true), tokenCount, g.int64s('step', [1], true)]);
  const ropePositions = g.op('Reshape', [ropeRows, batchSeq], {}, { name: 'rope_positions' });

  const rope = (x: string, heads: number, name: string): string =>
    e.toActivation(
      g.op('RotaryEmbedding', [e.toFloat32(x), ropePositions, cos, sin], { interleaved: int(0), num_heads: int(heads) }, { domain: MS_DOMAIN, name }),
    );

  const eps = text.rmsNormEps;
  let residual = e.toFloat32(embeds);
  let pending: string | null = null;
  for (let i = 0; i < text.numLayers; i++) {
    const p = textLayerPrefix(i);
    const name = `layers.${i}`;
    let normed: string;
    if (pending === null) normed = await e.rmsNorm(residual, `${p}input_layernorm.weight`, eps, `${name}.input_layernorm`);
    else [normed, residual] = await e.skipRmsNorm(e.toFloat32(pending), residual, `${p}input_layernorm.weight`, eps, `${name}.input_layernorm`);
    const x = e.toActivation(normed);
    const q = rope(await e.linear(x, `${p}self_attn.q_proj.weight`, `${p}self_attn.q_proj.bias`, `${name}.q_proj`), text.numHeads, `${name}.q_rotary`);
    const k = rope(await e.linear(x, `${p}self_attn.k_proj.weight`, `${p}self_attn.k_proj.bias`, `${name}.k_proj`), text.numKvHeads, `${name}.k_rotary`);
    const v = await e.linear(x, `${p}self_attn.v_proj.weight`, `${p}self_attn.v_proj.bias`, `${name}.v_proj`);
    const attn = g.fresh(`${name}.attn_out`);
    g.node(
      'GroupQueryAttention',
      [q, k, v, DECODER_IO.pastKey(i), DECODER_IO.pastValue(i), seqlensK, totalLength],
      { num_heads: int(text.numHeads), kv_num_heads: int(text.numKvHeads) },
      { domain: MS_DOMAIN, outputs: [attn, DECODER_IO.presentKey(i), DECODER_IO.presentValue(i)], name: `${name}.attn` },
    );
    const o = await e.linear(attn, `${p}self_attn.o_proj.weight`, null, `${name}.o_proj`);
    let normed2: string;
    [normed2, residual] = await e.skipRmsNorm(e.toFloat32(o), residual, `${p}post_attention_layernorm.weight`, eps, `${name}.post_attention_layernorm`);
    pending = await e.swiGlu(e.toActivation(normed2), `${p}mlp.`, false, `${name}.mlp`);
    onLayer?.(i);
  }
  const final = pending === null ? await e.rmsNorm(residual, 'model.norm.weight', eps, 'norm') : (await e.skipRmsNorm(e.toFloat32(pending), residual, 'model.norm.weight', eps, 'norm'))[0];
  const lmHead = text.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight';
  const logits = await e.linear(e.toActivation(final), lmHead, null, 'lm_head');
  g.output(logits, DECODER_IO.logits, act, ['batch_size', 'sequence_length', text.vocabSize]);
  const presentDims = ['batch_size', text.numKvHeads, 'total_sequence_length', text.headDim];
  for (let i = 0; i < text.numLayers; i++) {
    g.output(DECODER_IO.presentKey(i), DECODER_IO.presentKey(i), act, presentDims);
    g.output(DECODER_IO.presentValue(i), DECODER_IO.presentValue(i), act, presentDims);
  }
}
