import { int, MS_DOMAIN } from './graph-builder';
import { LayerEmitter } from './layers';
import { DataType } from './onnx-proto';
import type { QwenVisionConfig } from './qwen-config';
import { visionBlockPrefix } from './qwen-weights';
import { AttentionKind, VISION_IO } from './vision-inputs';
import { ropeInverseFrequencies } from './decoder-graph';

/**
 * The Qwen2.5-VL vision tower (inputs documented in vision-inputs.ts): patch embedding as a MatMul with the
 * Conv3d weight reshaped to [hidden, C·T·P·P]ᵀ, window reordering, blocks with 2-D RoPE and window attention
 * (padded MultiHeadAttention batches with a key mask, no N×N bias) or full attention (one batch row per frame,
 * unmasked), the patch merger, and the reverse reordering.
 */
export async function emitVisionEncoder(e: LayerEmitter, vision: QwenVisionConfig, onBlock?: (i: number) => void): Promise<void> {
  const { g } = e;
  const act = e.act;
  const d = vision.hiddenSize;
  const unit = vision.spatialMergeSize ** 2;
  const pixels = g.input(VISION_IO.pixelValues, act, ['num_patches', vision.patchInputSize]);
  const order = g.input(VISION_IO.windowIndex, DataType.INT64, ['num_merge_units']);
  const reverse = g.input(VISION_IO.reverseWindowIndex, DataType.INT64, ['num_merge_units']);
  const rotaryIds = g.input(VISION_IO.rotaryPositions, DataType.INT64, ['num_patches', 2]);
  const layouts = {} as Record<AttentionKind, { gather: string; mask: string; scatter: string }>;
  for (const kind of ['window', 'full'] as const) {
    const segments = `${kind}_segments`;
    const width = `${kind}_segment_length`;
    const gather = g.input(VISION_IO.gatherIndex(kind), DataType.INT64, [segments, width]);
    // Only windows are padded; an absent mask lets full attention use onnxruntime's flash kernel.
    const mask = kind === 'window' ? g.input(VISION_IO.keyMask(kind), DataType.INT32, [segments, width]) : '';
    layouts[kind] = { gather, mask, scatter: g.input(VISION_IO.scatterIndex(kind), DataType.INT64, ['num_patches']) };
  }

  const patchWeight = await e.w.transposed('visual.patch_embed.proj.weight', 'patch_embed.weight_t', e.p.precision);
  const embedded = g.op('MatMul', [pixels, patchWeight], {}, { name: 'patch_embed' });
  const units = g.op('Reshape', [embedded, g.int64s('unit_shape', [-1, unit, d])]);
  const reordered = g.op('Reshape', [g.op('Gather', [units, order], { axis: int(0) }), g.int64s('token_shape', [-1, d])], {}, { name: 'window_ordered' });

  // 2-D rotary table: angle(row, col) = [row · inv_freq, col · inv_freq], float32 [N, headDim/2].
  const quarter = vision.headDim / 4;
  const invFreq = g.constant('vision_inv_freq', DataType.FLOAT, [quarter], ropeInverseFrequencies(10000, vision.headDim / 2));
  const ids = g.op('Unsqueeze', [g.op('Cast', [rotaryIds], { to: int(DataType.FLOAT) }), g.int64s('last_axis', [-1])]);
  const angles = g.op('Reshape', [g.op('Mul', [ids, invFreq]), g.int64s('angle_shape', [-1, 2 * quarter])]);
  const cos = g.op('Cos', [angles], {}, { name: 'vision_rope_cos' });
  const sin = g.op('Sin', [angles], {}, { name: 'vision_rope_sin' });
  const patchCount = g.op('Gather', [g.op('Shape', [rotaryIds]), g.int64s('index0', [0], true)], { axis: int(0) });
  const ropeRange = g.op('Range', [g.int64s('zero', [0], true), patchCount, g.int64s('step', [1], true)]);
  const ropePositions = g.op('Unsqueeze', [ropeRange, g.int64s('axis0', [0])], {}, { name: 'vision_rope_positions' });
  const batchAxis = g.int64s('axis0_b', [0]);
  const flatSlots = g.int64s('slot_shape', [-1, d]);

  const rotate = (x: string, name: string): string => {
    const batched = g.op('Unsqueeze', [e.toFloat32(x), batchAxis]);
    const rotated = g.op('RotaryEmbedding', [batched, ropePositions, cos, sin], { interleaved: int(0), num_heads: int(vision.numHeads) }, { domain: MS_DOMAIN, name });
    return e.toActivation(g.op('Squeeze', [rotated, batchAxis]));
  };

  const eps = vision.rmsNormEps;
  let residual = e.toFloat32(reordered);
  let pending: string | null = null;
  for (let i = 0; i < vision.depth; i++) {
    const p = visionBlockPrefix(i);
    const name = `blocks.${i}`;
    const layout = layouts[vision.fullattBlockIndexes.includes(i) ? 'full' : 'window'];
    let normed: string;
    if (pending === null) normed = await e.rmsNorm(residual, `${p}norm1.weight`, eps, `${name}.norm1`);
    else [normed, residual] = await e.skipRmsNorm(e.toFloat32(pending), residual, `${p}norm1.weight`, eps, `${name}.norm1`);
    const qkv = await e.linear(e.toActivation(normed), `${p}attn.qkv.weight`, `${p}attn.qkv.bias`, `${name}.attn.qkv`);
    const [q, k, v] = g.node('Split', [qkv, g.int64s('qkv_split', [d, d, d])], { axis: int(1) }, { outputs: 3, name: `${name}.attn.split` }) as [string, string, string];
    const batch = (x: string) => g.op('Gather', [x, layout.gather], { axis: int(0) });
    const qkvBatches = [batch(rotate(q, `${name}.attn.q_rotary`)), batch(rotate(k, `${name}.attn.k_rotary`)), batch(v)];
    const attended = g.op(
      'MultiHeadAttention',
      layout.mask ? [...qkvBatches, '', layout.mask] : qkvBatches,
      { num_heads: int(vision.numHeads) },
      { domain: MS_DOMAIN, name: `${name}.attn` },
    );
    const tokens = g.op('Gather', [g.op('Reshape', [attended, flatSlots]), layout.scatter], { axis: int(0) }, { name: `${name}.attn.unpad` });
    const projected = await e.linear(tokens, `${p}attn.proj.weight`, `${p}attn.proj.bias`, `${name}.attn.proj`);
    let normed2: string;
    [normed2, residual] = await e.skipRmsNorm(e.toFloat32(projected), residual, `${p}norm2.weight`, eps, `${name}.norm2`);
    pending = await e.swiGlu(e.toActivation(normed2), `${p}mlp.`, true, `${name}.mlp`);
    onBlock?.(i);
  }
  const last = pending === null ? await e.rmsNorm(residual, 'visual.merger.ln_q.weight', eps, 'merger.ln_q') : (await e.skipRmsNorm(e.toFloat32(pending), residual, 'visual.merger.ln_q.weight', eps, 'merger.ln_q'))[0];
  const grouped = g.op('Reshape', [e.toActivation(last), g.int64s('merged_shape', [-1, d * unit])], {}, { name: 'merger.group' });
  const hidden = await e.linear(grouped, 'visual.merger.mlp.0.weight', 'visual.merger.mlp.0.bias', 'merger.mlp.0');
  const gelu = geluErf(e, hidden);
  const merged = await e.linear(gelu, 'visual.merger.mlp.2.weight', 'visual.merger.mlp.2.bias', 'merger.mlp.2');
  const features = g.op('Gather', [merged, reverse], { axis: int(0) }, { name: 'window_unordered' });
  g.output(features, VISION_IO.imageFeatures, act, ['num_merge_units', vision.outHiddenSize]);
}

/** GELU with erf (torch nn.GELU()): 0.5 · x · (1 + erf(x / √2)), in float32. */
function geluErf(e: LayerEmitter, x: string): string {
  const { g } = e;
  const x32 = e.toFloat32(x);
  const scaled = g.op('Mul', [x32, g.constant('inv_sqrt2', DataType.FLOAT, [], [Math.SQRT1_2])]);
  const onePlus = g.op('Add', [g.op('Erf', [scaled]), g.constant('one_f', DataType.FLOAT, [], [1])]);
  const y = g.op('Mul', [g.op('Mul', [x32, onePlus]), g.constant('half_f', DataType.FLOAT, [], [0.5])], {}, { name: 'merger.gelu' });
  return e.toActivation(y);
}
